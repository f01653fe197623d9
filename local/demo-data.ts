/** Deterministic demo data for the local run and the benchmarks. */

/** An interactions CSV: `rows` rows over `users` users and `items` items, one second apart. */
export function interactionsCsv(rows: number, users = 40, items = 97): string {
  const lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
  for (let i = 0; i < rows; i++) lines.push(`user-${i % users},roadmap-item-${(i * 7) % items},${1_700_000_000 + i},${i % 3 === 0 ? "complete" : "view"}`);
  return `${lines.join("\n")}\n`;
}
