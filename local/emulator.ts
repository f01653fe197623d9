/**
 * The local AWS emulator's process (moto server): start it on a loopback port, wait until it
 * answers, tell whether it still runs, stop it by PID. Used by the tests and by `roadmapx-ai local`.
 * Finding or installing moto is moto-install.ts; the calls to its moto-api are moto-api.ts. The
 * names other code imports from here (EmulatorError, findOrInstallMoto, ...) are re-exported below.
 *
 * No process is left behind: the server runs under a small Python wrapper that exits when its stdin
 * closes, which happens when the Node process that started it ends for any reason (even SIGKILL).
 * `keep: true` starts it detached instead, for `roadmapx-ai local --keep`, and says how to stop it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { EmulatorError, type Progress } from "./emulator-error";
import { type CannedEndpointResult, motoAnswers, queueSageMakerEndpointResults, resetMoto } from "./moto-api";
import { type PythonWithMoto, findOrInstallMoto } from "./moto-install";

export { EmulatorError, type Progress } from "./emulator-error";
export { type CannedEndpointResult, queueSageMakerEndpointResults } from "./moto-api";
export { type FindMotoOptions, MIN_MOTO_VERSION, type PythonWithMoto, findOrInstallMoto, motoVersionOf } from "./moto-install";

export const EMULATOR_HOST = "127.0.0.1";
/** Marker in the server's command line, so a stray one can be recognised (`pgrep -f`). */
export const PROCESS_MARKER = "roadmapx-ai-emulator";

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
  /** More environment for the server, over this process's (tests: moto's INITIAL_NO_AUTH_ACTION_COUNT). */
  env?: Readonly<Record<string, string>>;
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
      env: { ...process.env, ...options.env, PYTHONUNBUFFERED: "1" },
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
      if (await motoAnswers(this.endpoint)) return;
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
    await resetMoto(this.endpoint);
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

  /**
   * Environment that points the AWS SDK (and the aws CLI) at this emulator. The region goes in both
   * AWS_REGION (the SDK's) and AWS_DEFAULT_REGION (the only one the aws CLI v1 reads).
   */
  environment(credentials: { accessKeyId: string; secretAccessKey: string } = DUMMY_CREDENTIALS, region = "us-east-1"): Record<string, string> {
    return {
      AWS_ENDPOINT_URL: this.endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
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
