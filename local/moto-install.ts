/**
 * Finding moto, or installing it: the Python interpreters tried, the version moto must have, and
 * the one-time install of `moto[server]` into the project's .venv when none has it. Nothing here
 * starts a server (emulator.ts does).
 */
import { PACKAGE_ROOT } from "./package-root";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { EmulatorError, type Progress } from "./emulator-error";

const execFileAsync = promisify(execFile);

/** moto versions before 5.1 lack APIs the project uses (and answer others differently). */
export const MIN_MOTO_VERSION: readonly [number, number] = [5, 1];

const VENV_DIR = join(PACKAGE_ROOT, ".venv");

export interface PythonWithMoto {
  python: string;
  motoVersion: string;
}

function versionAtLeast(version: string, min: readonly [number, number]): boolean {
  const [major = 0, minor = 0] = version.split(".").map((n) => Number.parseInt(n, 10));
  return major > min[0] || (major === min[0] && minor >= min[1]);
}

/** The moto version importable by `python` (server extras included), or undefined. */
export async function motoVersionOf(python: string): Promise<string | undefined> {
  try {
    const { stdout } = await execFileAsync(python, ["-c", "import moto, moto.server, flask_cors; print(moto.__version__)"], { timeout: 30_000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

async function pythonWorks(python: string): Promise<boolean> {
  try {
    await execFileAsync(python, ["-c", "import sys; assert sys.version_info >= (3, 9)"], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

export interface FindMotoOptions {
  /** Python interpreters to try, in order. Default: $ROADMAPX_PYTHON, the project .venv, python3, python. */
  candidates?: string[];
  /** Where to create the virtual environment when moto must be installed. */
  venvDir?: string;
  /** Install moto when no candidate has it (default true). */
  install?: boolean;
  progress?: Progress;
}

function defaultCandidates(venvDir: string): string[] {
  const fromEnv = process.env["ROADMAPX_PYTHON"];
  return [...(fromEnv ? [fromEnv] : []), join(venvDir, "bin", "python"), "python3", "python"];
}

/**
 * Finds a Python with moto ≥ 5.1 and its server extras. When none has it, installs
 * `moto[server]` into a project-local virtual environment (.venv) and says so.
 */
export async function findOrInstallMoto(options: FindMotoOptions = {}): Promise<PythonWithMoto> {
  const venvDir = options.venvDir ?? VENV_DIR;
  const candidates = options.candidates ?? defaultCandidates(venvDir);
  const progress = options.progress ?? (() => undefined);
  const tooOld: string[] = [];
  for (const python of candidates) {
    const version = await motoVersionOf(python);
    if (version === undefined) continue;
    if (versionAtLeast(version, MIN_MOTO_VERSION)) return { python, motoVersion: version };
    tooOld.push(`${python} has moto ${version}`);
  }
  const wanted = `moto[server]>=${MIN_MOTO_VERSION.join(".")},<6`;
  if (options.install === false) {
    throw new EmulatorError(
      `no Python with moto ${MIN_MOTO_VERSION.join(".")}+ found (${tooOld.join("; ") || `tried ${candidates.join(", ")}`}). ` +
        `Install it with: pip install "${wanted}"`,
    );
  }
  let basePython: string | undefined;
  for (const python of candidates.filter((c) => !c.startsWith(venvDir))) {
    if (await pythonWorks(python)) {
      basePython = python;
      break;
    }
  }
  if (!basePython) {
    throw new EmulatorError(
      "Python 3.9+ is needed to run the local AWS emulator (moto), and none was found " +
        `(tried ${candidates.join(", ")}). Install Python 3 (for example: apt-get install python3 python3-venv), ` +
        "or point ROADMAPX_PYTHON at an interpreter that has moto.",
    );
  }
  const venvPython = join(venvDir, "bin", "python");
  progress(`moto ${MIN_MOTO_VERSION.join(".")}+ not found; installing ${wanted} into ${venvDir} (one time)`);
  try {
    if (!existsSync(venvPython)) await execFileAsync(basePython, ["-m", "venv", venvDir], { timeout: 120_000 });
    await execFileAsync(venvPython, ["-m", "pip", "install", "--quiet", wanted], { timeout: 600_000 });
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim().split("\n").slice(-3).join(" ") ?? String(err);
    throw new EmulatorError(
      `could not install ${wanted} into ${venvDir}: ${detail}. Install it yourself with ` +
        `\`pip install "${wanted}"\` (or set ROADMAPX_PYTHON to a Python that has it).`,
    );
  }
  const version = await motoVersionOf(venvPython);
  if (!version) throw new EmulatorError(`installed ${wanted} into ${venvDir}, but ${venvPython} cannot import it`);
  progress(`installed moto ${version} into ${venvDir}`);
  return { python: venvPython, motoVersion: version };
}
