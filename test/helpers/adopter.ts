/**
 * A backend that adopts roadmapx-ai as a user's would: the packed tarballs (`npm run package`)
 * installed with npm into a copy of a fixture outside the workspace (no workspace links), compiled
 * by the fixture's own tsc. Shared by the adopter test and the packaging benchmark.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const ROOT = join(__dirname, "..", "..");
export const ADOPTERS = join(ROOT, "test", "adopters");
const run = promisify(execFile);
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

export interface Tarballs {
  core: string;
  services: string;
  infra: string;
  cli: string;
}

let packed: Promise<Tarballs> | undefined;

/** Builds and packs the four packages once per process (`npm run package`), and finds the tarballs. */
export function packedTarballs(): Promise<Tarballs> {
  packed ??= (async () => {
    await run(NPM, ["run", "--silent", "package"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const dir = join(ROOT, "dist", "packages");
    // npm pack names a tarball <name without @, / as ->-<version>.tgz.
    const tarball = (folder: string): string => {
      const pkg = JSON.parse(readFileSync(join(ROOT, folder, "package.json"), "utf8")) as { name: string; version: string };
      const file = join(dir, `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`);
      if (!existsSync(file)) throw new Error(`npm run package wrote no ${file}`);
      return file;
    };
    return { core: tarball("core"), services: tarball("services"), infra: tarball("infra"), cli: tarball(".") };
  })();
  return packed;
}

/** Copies test/adopters/<fixture> to a fresh temporary folder and npm-installs the tarballs into it. */
export async function installFixture(fixture: string, tarballs: readonly string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `roadmapx-adopter-${fixture}-`));
  cpSync(join(ADOPTERS, fixture), dir, { recursive: true, filter: (src) => !/[\\/](node_modules|dist)$/.test(src) });
  await run(NPM, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...tarballs], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  return dir;
}

/** Runs the fixture's own tsc; returns the seconds it took. */
export async function compileFixture(dir: string, project = "tsconfig.json"): Promise<number> {
  const started = process.hrtime.bigint();
  try {
    await run(process.execPath, [join(dir, "node_modules", "typescript", "bin", "tsc"), "-p", project], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p ${project} failed in ${dir}:\n${e.stdout ?? ""}${e.stderr ?? ""}`, { cause: err });
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function folderBytes(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += folderBytes(join(path, entry));
  return total;
}

export interface InstalledTree {
  /** Every installed package path that is not one of the fixture's own devDependencies. */
  runtimePackages: string[];
  /** Bytes on disk of those packages (the closure of what the backend depends on). */
  runtimeBytes: number;
}

/** What npm installed for the backend at run time, from node_modules/.package-lock.json. */
export function installedTree(dir: string): InstalledTree {
  const lock = JSON.parse(readFileSync(join(dir, "node_modules", ".package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const runtimePackages = Object.entries(lock.packages)
    .filter(([path, meta]) => path.startsWith("node_modules/") && meta.dev !== true)
    .map(([path]) => path);
  let runtimeBytes = 0;
  for (const path of runtimePackages) {
    // Nested copies are counted inside their parent's folder already.
    if (path.lastIndexOf("node_modules/") === 0 && existsSync(join(dir, path))) runtimeBytes += folderBytes(join(dir, path));
  }
  return { runtimePackages, runtimeBytes };
}

export const execFileAsync = run;
