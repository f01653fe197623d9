#!/usr/bin/env node
// Writes the ESM entry points of each workspace package after `tsc -b` has built its CommonJS:
// for every `exports` subpath, an `.mjs` that re-exports the CommonJS module's names and a `.d.mts`
// that re-exports its types. One implementation serves both conditions, so `instanceof` on the
// error classes holds whichever way a backend loads the package (no dual-package hazard).
// Loading each entry here also proves that importing it does not throw.
"use strict";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { writeFileSync } = require("node:fs");
const { basename, dirname, join, relative } = require("node:path");

const ROOT = join(__dirname, "..");
const PACKAGES = ["core", "services", "infra"];
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

for (const dir of PACKAGES) {
  const pkg = require(join(ROOT, dir, "package.json"));
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target !== "object") continue; // ./package.json
    const cjs = join(ROOT, dir, target.require.default);
    const mjs = join(ROOT, dir, target.import.default);
    const dmts = join(ROOT, dir, target.import.types);
    const names = Object.keys(require(cjs)).filter((n) => n !== "__esModule" && n !== "default" && IDENTIFIER.test(n));
    const from = `./${relative(dirname(mjs), cjs)}`;
    writeFileSync(
      mjs,
      `// ESM entry of ${pkg.name}${subpath === "." ? "" : subpath.slice(1)}: the CommonJS build's exports (scripts/esm-entries.cjs).\n` +
        `import cjs from "${from}";\n` +
        (names.length ? `export const { ${names.join(", ")} } = cjs;\n` : ""),
    );
    writeFileSync(dmts, `export * from "./${basename(cjs)}";\n`);
  }
}
