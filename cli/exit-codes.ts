/** Exit codes shared by every command (docs/DESIGN.md). */
export const EXIT = {
  /** The command did what was asked and found nothing wrong. */
  ok: 0,
  /** The job ran and found failures (failed checks, invalid rows). */
  failures: 1,
  /** Usage or configuration error: fix the command line or the environment. */
  usage: 2,
  /** Could not run against AWS: unreachable, access denied to what it must read, API not available. */
  aws: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends a command with a given exit code and a message meant for the user. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = "CliError";
  }
}
