#!/usr/bin/env node
// `npm run package`: builds every package, then writes the installable tarballs of the four
// packages (@roadmapx-ai/core, @roadmapx-ai/services, @roadmapx-ai/infra and the roadmapx-ai CLI)
// into dist/packages/, and prints their names and sizes.
"use strict";
const { execFileSync } = require("node:child_process");
const { mkdirSync, readdirSync, rmSync, statSync } = require("node:fs");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const OUT = join(ROOT, "dist", "packages");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// From a clean build, so that no file left by an earlier build of other sources is packed.
execFileSync(npm, ["run", "clean"], { cwd: ROOT, stdio: "inherit" });
execFileSync(npm, ["run", "build"], { cwd: ROOT, stdio: "inherit" });
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// --ignore-scripts: the build above already ran; pack must not run prepare a second time.
for (const args of [["--workspaces"], []]) {
  execFileSync(npm, ["pack", ...args, "--ignore-scripts", "--silent", "--pack-destination", OUT], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
}
for (const file of readdirSync(OUT).sort()) {
  console.log(`${join("dist", "packages", file)}  ${(statSync(join(OUT, file)).size / 1024).toFixed(0)} KiB`);
}
