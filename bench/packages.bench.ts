/**
 * The packages as a backend and an operator meet them, side by side in one run with the last
 * commit before the packages existed (BEFORE, extracted with `git archive`, its sources run
 * through tsx as its bin did):
 * - a cold `require("@roadmapx-ai/services")` in a plain-node process, from the installed tarball
 *   (goal ≤ 0.4 s), against requiring the sources through tsx;
 * - `roadmapx-ai --help` wall time (goal ≤ 0.3 s), compiled, against the sources through tsx;
 * - the size of what a backend installs for the services package (goal ≤ 60 MB);
 * - the backend fixture's own `tsc` time with the library and over its baseline without it.
 * Medians of 5 runs; every process is a fresh one (the OS file cache is warm for both sides).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileFixture, installFixture, installedTree, packedTarballs, ROOT } from "../test/helpers/adopter";

const RUNS = 5;
/** The last commit before the packages: services/ and the CLI ran from TypeScript through tsx. */
const BEFORE = "230d2b4";
const ENV = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", NODE_OPTIONS: "" };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Wall seconds of a fresh node process running `args`, median of RUNS. */
function wall(args: string[], cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, args, { cwd, env: ENV, stdio: ["ignore", "ignore", "inherit"] });
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return median(times);
}

function row(what: string, packaged: string, before: string, goal: string): void {
  console.log(`${what.padEnd(44)} ${packaged.padStart(10)} ${before.padStart(12)}   ${goal}`);
}

async function main(): Promise<void> {
  const tarballs = await packedTarballs();
  const backend = await installFixture("cjs-backend", [tarballs.core, tarballs.services]);
  // The old tree needs only what this checkout's node_modules already holds (tsx, the SDK clients).
  const before = mkdtempSync(join(tmpdir(), "roadmapx-before-"));
  execFileSync("sh", ["-c", `git archive ${BEFORE} | tar -x -C "${before}"`], { cwd: ROOT });
  symlinkSync(join(ROOT, "node_modules"), join(before, "node_modules"));

  const requirePackaged = wall(["-e", 'require("@roadmapx-ai/services")'], backend);
  const requireBefore = wall(["--require", "tsx/cjs", "-e", 'require("./services")'], before);
  const requireS3 = wall(["-e", 'require("@roadmapx-ai/services/s3")'], backend);
  const helpCompiled = wall([join(ROOT, "bin", "roadmapx-ai.js"), "--help"], ROOT);
  const helpBefore = wall([join(before, "bin", "roadmapx-ai.js"), "--help"], before);

  const tree = installedTree(backend);
  const tscWith: number[] = [];
  const tscWithout: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    tscWith.push(await compileFixture(backend));
    tscWithout.push(await compileFixture(backend, "tsconfig.baseline.json"));
  }

  console.log(`${"".padEnd(44)} ${"packaged".padStart(10)} ${BEFORE.padStart(12)}   goal`);
  row('cold require("@roadmapx-ai/services")', `${requirePackaged.toFixed(2)} s`, `${requireBefore.toFixed(2)} s`, "≤ 0.4 s");
  row('cold require("@roadmapx-ai/services/s3")', `${requireS3.toFixed(2)} s`, "", "");
  row("roadmapx-ai --help", `${helpCompiled.toFixed(2)} s`, `${helpBefore.toFixed(2)} s`, "≤ 0.3 s");
  row(
    "installed closure of the services package",
    `${(tree.runtimeBytes / 1e6).toFixed(1)} MB`,
    "236 MB (issue)",
    `≤ 60 MB; ${tree.runtimePackages.length} packages`,
  );
  row("backend tsc -p . (with the library)", `${median(tscWith).toFixed(2)} s`, "", "");
  row("backend tsc, baseline without the library", `${median(tscWithout).toFixed(2)} s`, "", "");
  console.log(`(medians of ${RUNS})`);
  for (const dir of [backend, before]) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
