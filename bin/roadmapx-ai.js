#!/usr/bin/env node
"use strict";
// The AWS SDK prints a NodeVersionSupportWarning on every run under Node 20 (releases after early 2027
// need Node 22). The lockfile pins SDK versions that support Node 20, so the CLI silences that one
// warning by the SDK's own switch; set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// The CLI runs from the TypeScript sources (tsx compiles on the fly, with a cache), so a checkout
// needs no build step: `npm ci && npx roadmapx-ai ...`.
require("tsx/cjs");
const { main } = require("../cli/main.ts");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`roadmapx-ai: unexpected error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
