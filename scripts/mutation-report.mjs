#!/usr/bin/env node
// Prints, per file of a Stryker JSON report (reports/mutation/GROUP.json), the mutation score as
// issue 13 counts it — (killed + timed out) / (mutants that ran: not compile or runtime errors, not
// ignored) — and, with --survivors, each surviving or uncovered mutant as file:line:column, mutator
// and replacement, ready to be killed by a test or written down as equivalent.
//
//   node scripts/mutation-report.mjs reports/mutation/poll.json [--survivors]
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const showSurvivors = args.includes("--survivors");
const files = args.filter((a) => !a.startsWith("--"));
if (files.length === 0) {
  process.stderr.write("usage: node scripts/mutation-report.mjs reports/mutation/GROUP.json… [--survivors]\n");
  process.exit(2);
}

const KILLED = new Set(["Killed", "Timeout"]);
const NOT_RUN = new Set(["CompileError", "RuntimeError", "Ignored"]);
let allKilled = 0;
let allValid = 0;
for (const reportFile of files) {
  const report = JSON.parse(readFileSync(reportFile, "utf8"));
  process.stdout.write(`${reportFile}\n`);
  for (const [path, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
    const valid = file.mutants.filter((m) => !NOT_RUN.has(m.status));
    const killed = valid.filter((m) => KILLED.has(m.status));
    allKilled += killed.length;
    allValid += valid.length;
    const score = valid.length ? ((100 * killed.length) / valid.length).toFixed(1) : "n/a";
    process.stdout.write(`  ${score.padStart(5)}%  ${String(killed.length).padStart(5)}/${String(valid.length).padEnd(5)} ${path}\n`);
    if (!showSurvivors) continue;
    const lines = file.source.split("\n");
    for (const m of valid.filter((m) => !KILLED.has(m.status)).sort((a, b) => a.location.start.line - b.location.start.line)) {
      const { line, column } = m.location.start;
      const original = lines[line - 1]?.trim().slice(0, 100) ?? "";
      process.stdout.write(
        `      ${m.status} ${path}:${line}:${column} ${m.mutatorName} → ${JSON.stringify(m.replacement ?? "").slice(0, 80)}   | ${original}\n`,
      );
    }
  }
}
const total = allValid ? ((100 * allKilled) / allValid).toFixed(1) : "n/a";
process.stdout.write(`total ${total}% (${allKilled}/${allValid})\n`);
