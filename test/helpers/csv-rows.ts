/** Interactions CSV text for tests: `rows` valid rows, optionally one replaced by `bad.row` at `bad.at`. */
export function interactionsCsv(rows: number, bad?: { at: number; row: string }): string {
  const lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
  for (let i = 0; i < rows; i++) lines.push(bad && i === bad.at ? bad.row : `user-${i % 50},item-${i % 300},${1_700_000_000 + i},view`);
  return `${lines.join("\n")}\n`;
}
