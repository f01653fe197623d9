/**
 * The roadmapx-ai package's own folder (a checkout, or node_modules/roadmapx-ai when installed),
 * found from this file whether it runs from its TypeScript source or from dist/.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export function findPackageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "roadmapx-ai") return dir;
    if (dirname(dir) === dir) throw new Error(`no roadmapx-ai package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot();
