/**
 * What every service command shares: progress on stderr, results on stdout, errors turned into the
 * exit codes of docs/DESIGN.md, and option parsers that name the bad value.
 */
import { statSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import type { ServiceContext } from "@roadmapx-ai/services";
import { exitCodeOf, messageOf } from "./errors";
import { CliError, EXIT } from "./exit-codes";

export function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
}

/** Runs an action, turning its errors into the exit codes of docs/DESIGN.md; `command` prefixes messages. */
export function guarded(command: string, setExitCode: (code: number) => void, action: () => Promise<number | void>): Promise<void> {
  return action().then(
    (code) => setExitCode(code ?? EXIT.ok),
    (err: unknown) => {
      stderrLine(`roadmapx-ai ${command}: ${messageOf(err)}`);
      setExitCode(exitCodeOf(err));
    },
  );
}

/** The service context for a command: configuration from the environment, progress and costs on stderr. */
export function commandContext(): ServiceContext {
  const { createServiceContext } = require("@roadmapx-ai/services") as typeof import("@roadmapx-ai/services");
  return createServiceContext({ logger: { info: stderrLine, warn: (m) => stderrLine(`! ${m}`) } });
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a whole number of 1 or more`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a number above 0`);
  return n;
}

/**
 * Refuses, as a usage error (exit 2), a path that is not a readable file: missing, or a folder.
 * `-` (standard input) passes where the option takes it.
 */
export function requireFile(file: string, option = "--file", options: { stdin?: boolean } = {}): void {
  if (file === "-" && options.stdin) return;
  let stats;
  try {
    stats = statSync(file);
  } catch {
    throw new CliError(`${option}: ${file} does not exist`, EXIT.usage);
  }
  if (stats.isDirectory())
    throw new CliError(`${option}: ${file} is a directory: give the path of a file${options.stdin ? ", or - for standard input" : ""}`, EXIT.usage);
}

/** A commander parser for job waits: `90s`, `30m`, `6h`, `500ms`; a bare number is seconds. */
export function duration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  const n = Number(m?.[1]);
  if (!m || !(n > 0)) throw new InvalidArgumentError(`"${value}" is not a duration such as 90s, 30m or 6h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Math.round(n * unit);
}
