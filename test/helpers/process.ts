/** Process helpers for the lifecycle and CLI tests. */
import { execFile } from "node:child_process";
import { join } from "node:path";

/** True while a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes; returns its last answer. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ROOT = join(__dirname, "..", "..");

/**
 * Runs `bin/roadmapx-ai.js` with `args` in a clean environment: only what the test gives, so the
 * developer's AWS_*, AI_* and S3_BUCKET_NAME variables cannot leak into the run. `input` goes to stdin.
 */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("AI_") && k !== "S3_BUCKET_NAME"));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, "bin", "roadmapx-ai.js"), ...args],
      { cwd: ROOT, env: { ...clean, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

/**
 * Runs the CLI from its TypeScript source (`node --import tsx`, cli/main.ts, the workspace packages
 * resolved to their sources), so a test needs no build; the environment is cleaned as runCli's is.
 */
export async function runCliFromSource(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AWS_") && !k.startsWith("AI_") && k !== "S3_BUCKET_NAME"));
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [
        "--import",
        "tsx",
        "--conditions=@roadmapx-ai/source",
        "-e",
        'require("./cli/main.ts").main(process.argv.slice(1)).then((c) => { process.exitCode = c; })',
        ...args,
      ],
      { cwd: ROOT, env: { ...clean, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env } },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? "");
  });
}
