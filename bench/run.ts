/**
 * `npm run bench`: runs every bench/*.bench.ts in its own Node process (so one benchmark's heap does
 * not weigh on the next) and lets each print its side-by-side figures. `npm run bench -- NAME` runs
 * the benchmarks whose file name contains NAME.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const filter = process.argv[2] ?? "";
const benches = readdirSync(__dirname)
  .filter((f) => f.endsWith(".bench.ts") && f.includes(filter))
  .sort();

if (benches.length === 0) {
  console.error(filter ? `no benchmark matches "${filter}"` : "no benchmarks in bench/");
  process.exit(2);
}

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--conditions=@roadmapx-ai/source", join(__dirname, file)], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
