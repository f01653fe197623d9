/**
 * From an error to an exit code and one line a person can act on (DESIGN.md exit codes):
 * 2 for usage and configuration, 1 when the job ran and found failures, 3 when AWS could not be
 * used (unreachable, credentials, access denied, API not available).
 */
import { ComprehendInputError } from "../services/comprehend/text";
import { ConfigError } from "../services/config";
import { ImportConfigError, ImportJobFailedError, ImportStartError, ImportValidationError, SourceChangedError, WorkflowError } from "../services/personalize/errors";
import { SchemaError } from "../services/personalize/schemas";
import { WaitFailedError, WaitTimeoutError } from "../services/poll";
import { SageMakerInputError, TrainingFailedError, TrainingWaitTimeoutError } from "../services/sagemaker/errors";
// The SDK-free homes of these errors: this module loads with every command.
import { KeyError, UploadAbortedError, UploadLeftPartsError } from "../services/storage-errors";
import { classify } from "../services/aws/errors";
import { CliError, EXIT, type ExitCode } from "./exit-codes";

type ErrorClass = abstract new (...args: never[]) => Error;
const USAGE: ErrorClass[] = [ConfigError, SchemaError, KeyError, ImportConfigError, SourceChangedError, WorkflowError, RangeError, SageMakerInputError, ComprehendInputError];
const FAILURES: ErrorClass[] = [ImportValidationError, ImportJobFailedError, WaitFailedError, WaitTimeoutError, TrainingFailedError, TrainingWaitTimeoutError];

export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (USAGE.some((type) => err instanceof type)) return EXIT.usage;
  if (FAILURES.some((type) => err instanceof type)) return EXIT.failures;
  if (err instanceof UploadAbortedError || err instanceof ImportStartError) return exitCodeOf(err.cause);
  const problem = classify(err, "", "");
  if (problem.kind === "failed" && (err as { name?: string }).name === "ValidationException") return EXIT.usage;
  return EXIT.aws;
}

/** The message to print: AWS errors keep their name, which is what people search for. */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const known = [...USAGE, ...FAILURES, CliError, UploadAbortedError, UploadLeftPartsError].some((type) => err instanceof type);
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
