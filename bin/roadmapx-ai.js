#!/usr/bin/env node
"use strict";
// The AWS SDK prints a NodeVersionSupportWarning on every run under Node 20 (releases after early 2027
// need Node 22). The lockfile pins SDK versions that support Node 20, so the CLI silences that one
// warning by the SDK's own switch; set AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// The CLI runs compiled JavaScript: shipped in the package, built by `npm ci` (the prepare script)
// in a checkout.
let main;
try {
  ({ main } = require("../dist/cli/main.js"));
} catch (err) {
  if (err && err.code === "MODULE_NOT_FOUND" && String(err.message).includes("dist/cli/main.js")) {
    process.stderr.write("roadmapx-ai: the CLI is not built (no dist/cli/main.js): run `npm run build` in the checkout, then try again\n");
    process.exit(70);
  }
  throw err;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`roadmapx-ai: unexpected error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 70;
  },
);
