/**
 * From an error to an exit code and one line a person can act on (docs/DESIGN.md exit codes):
 * 2 for usage and configuration, 1 when the job ran and found failures, 3 when AWS could not be
 * used (unreachable, credentials, access denied, API not available).
 */
import { ConfigError, classify } from "@roadmapx-ai/core";
import { CliError, EXIT, type ExitCode } from "./exit-codes";

type ErrorClass = abstract new (...args: never[]) => Error;
type Services = typeof import("@roadmapx-ai/services");

/**
 * The error classes, looked up only when an error is being reported: requiring the services
 * package loads the AWS SDK clients, which `--help` and `--version` must not pay for.
 */
let classes: { usage: ErrorClass[]; failures: ErrorClass[]; services: Services } | undefined;
function errorClasses(): NonNullable<typeof classes> {
  if (!classes) {
    const s = require("@roadmapx-ai/services") as Services;
    classes = {
      services: s,
      usage: [
        ConfigError,
        s.SchemaError,
        s.KeyError,
        s.ImportConfigError,
        s.SourceChangedError,
        s.WorkflowError,
        RangeError,
        s.SageMakerInputError,
        s.ComprehendInputError,
        s.TransformNotCompleteError,
      ],
      failures: [
        s.ImportValidationError,
        s.ImportJobFailedError,
        s.WaitFailedError,
        s.WaitTimeoutError,
        s.TrainingFailedError,
        s.TrainingWaitTimeoutError,
        s.TransformFailedError,
        s.TransformStoppedError,
        s.TransformWaitTimeoutError,
      ],
    };
  }
  return classes;
}

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ConfigError) return EXIT.usage;
  const { usage: USAGE, failures: FAILURES, services: s } = errorClasses();
  if (USAGE.some((type) => err instanceof type)) return EXIT.usage;
  if (FAILURES.some((type) => err instanceof type)) return EXIT.failures;
  if (err instanceof s.UploadAbortedError || err instanceof s.ImportStartError) return exitCodeOf(err.cause);
  const problem = classify(err, "", "");
  if (problem.kind === "failed" && (err as { name?: string }).name === "ValidationException") return EXIT.usage;
  return EXIT.aws;
}

/** The message to print: AWS errors keep their name, which is what people search for. */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err instanceof CliError || err instanceof ConfigError) return err.message;
  const { usage: USAGE, failures: FAILURES, services: s } = errorClasses();
  const { ImportStartError } = s;
  const known = [...USAGE, ...FAILURES, s.UploadAbortedError, s.UploadLeftPartsError].some((type) => err instanceof type);
  if (known) return err.message;
  const cause = err instanceof ImportStartError ? err.cause : err;
  const problem = classify(cause, "", "");
  const prefix = err instanceof ImportStartError ? `${err.message}: ` : "";
  if (problem.kind === "unavailable") {
    return `${prefix}the endpoint does not implement this call (${problem.detail}); the local emulator covers only part of AWS: run it against AWS`;
  }
  const inner = cause instanceof Error ? `${cause.name}: ${cause.message.split("\n")[0]}` : String(cause);
  return `${prefix}${inner}`;
}
