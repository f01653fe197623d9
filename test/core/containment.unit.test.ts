/**
 * What each package may reach, by following its imports (static imports, `export ... from`,
 * `require(...)` and `import(...)`) from its entry points through the sources: a file of another
 * part of the repository, or a package the manifest does not list, fails the test. This is what
 * keeps the AGPL simulator (and Pulumi, commander, tsx) out of what a backend installs, whatever
 * path a stray import takes.
 */
import { builtinModules } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect } from "chai";
import * as ts from "typescript";

const ROOT = join(__dirname, "..", "..");
const WORKSPACES: Record<string, string> = { "@roadmapx-ai/core": "core", "@roadmapx-ai/services": "services", "@roadmapx-ai/infra": "infra" };

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

function resolveSource(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, "index.ts"), base]) if (existsSync(candidate) && candidate.endsWith(".ts")) return candidate;
  throw new Error(`${relative(ROOT, from)}: cannot resolve "${specifier}"`);
}

/** Every source file reached from the entries, and every outside package named on the way. */
function reach(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    for (const { fileName: specifier } of info.importedFiles) {
      if (specifier.startsWith(".")) queue.push(resolveSource(file, specifier));
      else if (specifier.startsWith("node:") || builtinModules.includes(specifier)) continue;
      else if (packageName(specifier) in WORKSPACES) {
        const folder = WORKSPACES[packageName(specifier)] as string;
        const sub = specifier.slice(packageName(specifier).length);
        queue.push(resolveSource(join(ROOT, folder, "x.ts"), sub ? `.${sub}` : "./index"));
        packages.add(packageName(specifier));
      } else packages.add(packageName(specifier));
    }
  }
  return { files, packages };
}

function manifestDependencies(folder: string): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
  return [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})];
}

function outside(files: Set<string>, allowed: string[]): string[] {
  return [...files].map((f) => relative(ROOT, f)).filter((f) => !allowed.some((folder) => f.startsWith(`${folder}/`)));
}

const FORBIDDEN = /^(@cloud-copilot|@actsecurity|@pulumi|commander|tsx)/;

describe("package containment (the import graph from each package's entry points)", () => {
  it("@roadmapx-ai/services reaches only services/ and core/, and only packages its manifest lists", () => {
    const { files, packages } = reach(["services/index.ts", "services/s3.ts"]);
    expect(files.size).to.be.above(20);
    expect(outside(files, ["services", "core"])).to.deep.equal([]);
    expect([...packages].filter((p) => !manifestDependencies("services").includes(p))).to.deep.equal([]);
    expect([...packages].filter((p) => FORBIDDEN.test(p))).to.deep.equal([]);
  });

  it("@roadmapx-ai/core reaches only core/ and no package at all (no SDK, no Pulumi)", () => {
    const { files, packages } = reach(["core/index.ts"]);
    expect(outside(files, ["core"])).to.deep.equal([]);
    expect([...packages]).to.deep.equal([]);
  });

  it("@roadmapx-ai/infra reaches only infra/ and core/, and only Pulumi and core", () => {
    const { files, packages } = reach(["infra/index.ts"]);
    expect(outside(files, ["infra", "core"])).to.deep.equal([]);
    expect([...packages].sort()).to.deep.equal(["@pulumi/aws", "@pulumi/pulumi", "@roadmapx-ai/core"]);
  });
});
