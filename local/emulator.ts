/**
 * The local AWS emulator (moto server): find or install it, start it on a loopback port, reset it,
 * stop it. One module, used by the tests and by `roadmapx-ai local`.
 *
 * No process is left behind: the server runs under a small Python wrapper that exits when its stdin
 * closes, which happens when the Node process that started it ends for any reason (even SIGKILL).
 * `keep: true` starts it detached instead, for `roadmapx-ai local --keep`, and says how to stop it.
 */
import { PACKAGE_ROOT } from "./package-root";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const EMULATOR_HOST = "127.0.0.1";
/** Account moto uses unless MOTO_ACCOUNT_ID says otherwise. */
export const EMULATOR_ACCOUNT_ID = "123456789012";
/** moto versions before 5.1 lack APIs the project uses (and answer others differently). */
export const MIN_MOTO_VERSION: readonly [number, number] = [5, 1];
/** Marker in the server's command line, so a stray one can be recognised (`pgrep -f`). */
export const PROCESS_MARKER = "roadmapx-ai-emulator";

const PROJECT_ROOT = PACKAGE_ROOT;
const VENV_DIR = join(PROJECT_ROOT, ".venv");

export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EmulatorError";
  }
}

export type Progress = (line: string) => void;

// Runs moto's server and, in watch mode, exits as soon as stdin reaches EOF, i.e. when the parent
// process is gone. SIGTERM/SIGINT end it at once: moto's own handler exits through interpreter
// shutdown, which can hang on its threads. argv: host port watch|detached.
const WRAPPER = `
import os, sys, threading
import moto.server
moto.server.signal_handler = lambda *args: os._exit(0)
host, port, mode = sys.argv[1], sys.argv[2], sys.argv[3]
if mode == "watch":
    def watch_parent():
        try:
            while sys.stdin.buffer.read(65536):
                pass
        finally:
            os._exit(0)
    threading.Thread(target=watch_parent, daemon=True).start()
moto.server.main(["-H", host, "-p", port])
`;

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

/** A port on the loopback interface that nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, EMULATOR_HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolvePort(address.port);
        else reject(new Error("no port assigned"));
      });
    });
  });
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolveInUse) => {
    const server = createServer();
    server.once("error", () => resolveInUse(true));
    server.listen(port, EMULATOR_HOST, () => server.close(() => resolveInUse(false)));
  });
}

export interface StartOptions {
  /** Fixed port; by default a free one is chosen (and another tried if it is taken meanwhile). */
  port?: number | undefined;
  /** Leave the server running after this process exits (detached, no parent watch). */
  keep?: boolean;
  /** Milliseconds to wait for the server to answer. */
  readyTimeoutMs?: number;
  progress?: Progress;
  /** Use this interpreter instead of searching (it must have moto). */
  python?: PythonWithMoto;
}

export class Emulator {
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(
    readonly port: number,
    readonly pid: number,
    readonly motoVersion: string,
    private readonly child: ChildProcess,
    private readonly output: string[],
  ) {
    child.on("exit", (code, signal) => {
      this.exit = { code, signal };
    });
  }

  get endpoint(): string {
    return `http://${EMULATOR_HOST}:${this.port}`;
  }

  /** Starts a moto server and waits until it answers. */
  static async start(options: StartOptions = {}): Promise<Emulator> {
    const progress = options.progress ?? (() => undefined);
    const python = options.python ?? (await findOrInstallMoto({ progress }));
    if (options.port !== undefined && (await portInUse(options.port))) {
      throw new EmulatorError(`port ${options.port} on ${EMULATOR_HOST} is already in use; choose another with --port, or leave --port out to pick a free one`);
    }
    // A free port can be taken between the check and moto's bind: try a few before giving up.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = options.port ?? (await freePort());
      try {
        return await Emulator.launch(port, python, options);
      } catch (err) {
        lastError = err;
        if (options.port !== undefined || !(err instanceof EmulatorError) || !/in use/.test(err.message)) throw err;
        progress(`port ${port} was taken before the emulator could bind it; trying another`);
      }
    }
    throw lastError;
  }

  private static async launch(port: number, python: PythonWithMoto, options: StartOptions): Promise<Emulator> {
    const keep = options.keep === true;
    const child = spawn(python.python, ["-c", WRAPPER, EMULATOR_HOST, String(port), keep ? "detached" : "watch", PROCESS_MARKER], {
      stdio: [keep ? "ignore" : "pipe", keep ? "ignore" : "pipe", keep ? "ignore" : "pipe"],
      detached: keep,
      env: { ...process.env, PYTHONUNBUFFERED: "1" },
    });
    if (child.pid === undefined) {
      throw new EmulatorError(`could not start ${python.python}`);
    }
    const output: string[] = [];
    const remember = (chunk: Buffer) => {
      output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      if (output.length > 50) output.splice(0, output.length - 50);
    };
    child.stdout?.on("data", remember);
    child.stderr?.on("data", remember);
    // Our own pipes must not keep this process alive; the stdin pipe is the parent-death signal.
    for (const pipe of [child.stdin, child.stdout, child.stderr]) {
      (pipe as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.unref();
    if (!keep) trackForExit(child);

    const emulator = new Emulator(port, child.pid, python.motoVersion, child, output);
    await emulator.waitUntilReady(options.readyTimeoutMs ?? 30_000);
    return emulator;
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) {
        const log = this.output.join("\n");
        if (/Address already in use|address in use/i.test(log)) {
          throw new EmulatorError(`port ${this.port} on ${EMULATOR_HOST} is in use`);
        }
        throw new EmulatorError(`the emulator exited before it was ready (code ${this.exit.code}): ${log.slice(-500)}`);
      }
      try {
        const res = await fetch(`${this.endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new EmulatorError(`the emulator did not answer on ${this.endpoint} within ${timeoutMs} ms`);
  }

  /** True while the server process is alive. */
  isRunning(): boolean {
    if (this.exit) return false;
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Throws a clear error when the server has gone away (killed, crashed). */
  assertRunning(): void {
    if (!this.isRunning()) {
      const how = this.exit ? (this.exit.signal ? `was killed (${this.exit.signal})` : `exited with code ${this.exit.code}`) : "is gone";
      throw new EmulatorError(
        `the local AWS emulator (moto, pid ${this.pid}, ${this.endpoint}) ${how}; restart the run. ` +
          `Last output: ${this.output.slice(-5).join(" | ") || "(none)"}`,
      );
    }
  }

  /** Clears every resource in the emulator (about 10 ms). */
  async reset(): Promise<void> {
    this.assertRunning();
    const res = await fetch(`${this.endpoint}/moto-api/reset`, { method: "POST" });
    await res.arrayBuffer();
    if (!res.ok) throw new EmulatorError(`resetting the emulator failed: HTTP ${res.status}`);
  }

  /** Queues answers for SageMaker InvokeEndpoint (moto runs no model; see queueSageMakerEndpointResults). */
  async queueSageMakerEndpointResults(results: CannedEndpointResult[], accountId = "123456789012", region = "us-east-1"): Promise<void> {
    this.assertRunning();
    await queueSageMakerEndpointResults(this.endpoint, results, accountId, region);
  }

  /** Stops the server by PID: SIGTERM, then SIGKILL if it has not exited within two seconds. */
  async stop(): Promise<void> {
    untrack(this.child);
    for (const signal of ["SIGTERM", "SIGKILL"] as const) {
      if (!this.isRunning()) break;
      try {
        process.kill(this.pid, signal);
      } catch {
        break; // already gone
      }
      await this.waitForExit(signal === "SIGTERM" ? 2000 : 1000);
    }
    this.child.stdin?.destroy();
  }

  private async waitForExit(timeoutMs: number): Promise<void> {
    if (this.exit) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((done) => {
      timer = setTimeout(done, timeoutMs);
      this.child.once("exit", () => done());
    });
    clearTimeout(timer);
  }

  /** Environment that points the AWS SDK (and the aws CLI) at this emulator. */
  environment(credentials: { accessKeyId: string; secretAccessKey: string } = DUMMY_CREDENTIALS): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
    };
  }
}

/** moto accepts any key; these are what the SDK signs with when nothing better exists. */
export const DUMMY_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" } as const;

// Servers started in watch mode are also killed on a normal exit of this process, so they do not
// outlive it even for the moment it takes the wrapper to notice its stdin closing.
const tracked = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackForExit(child: ChildProcess): void {
  tracked.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const c of tracked) {
        try {
          if (c.pid !== undefined) process.kill(c.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    });
  }
}
function untrack(child: ChildProcess): void {
  tracked.delete(child);
}

/** One answer of an emulated SageMaker endpoint. */
export interface CannedEndpointResult {
  Body: string;
  ContentType: string;
  InvokedProductionVariant?: string;
  CustomAttributes?: string;
}

/**
 * moto's endpoints run no model: each InvokeEndpoint with a new request body takes the next answer
 * queued here (the same body gets the same answer again).
 */
export async function queueSageMakerEndpointResults(
  endpoint: string,
  results: CannedEndpointResult[],
  accountId = "123456789012",
  region = "us-east-1",
): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/static/sagemaker/endpoint-results`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      account_id: accountId,
      region,
      results: results.map((r) => ({ InvokedProductionVariant: "AllTraffic", CustomAttributes: "", ...r })),
    }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new EmulatorError(`queueing SageMaker endpoint results failed: HTTP ${res.status}`);
}
