/**
 * The errors the stand-in answers, with the HTTP status and body the SDK's model gives each
 * (@aws-sdk/client-comprehend dist-cjs: `[_hE]` of each error shape): InvalidRequestException 400,
 * InvalidFilterException 400, JobNotFoundException 404, TooManyRequestsException 429,
 * InternalServerException 500. Modelled errors carry `Message` (the shapes' member); the
 * ValidationException of AWS's request validation (not in the model: the SDK names it from
 * `__type`) carries `message`, as AWS's JSON services send it.
 */

export type ErrorName =
  | "ValidationException"
  | "InvalidRequestException"
  | "InvalidFilterException"
  | "JobNotFoundException"
  | "TooManyRequestsException"
  | "InternalServerException"
  | "SerializationException"
  | "UnknownOperationException";

const STATUS: Readonly<Record<ErrorName, number>> = {
  ValidationException: 400,
  InvalidRequestException: 400,
  InvalidFilterException: 400,
  JobNotFoundException: 404,
  TooManyRequestsException: 429,
  InternalServerException: 500,
  SerializationException: 400,
  UnknownOperationException: 400,
};

export class JobsError extends Error {
  constructor(
    readonly errorName: ErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }

  get status(): number {
    return STATUS[this.errorName];
  }

  /** The awsJson1_1 error body. */
  body(): Record<string, string> {
    return this.errorName === "ValidationException" || this.errorName === "SerializationException"
      ? { __type: this.errorName, message: this.message }
      : { __type: this.errorName, Message: this.message };
  }
}

export const invalidRequest = (message: string): JobsError => new JobsError("InvalidRequestException", message);

/** AWS's request validation wording: `1 validation error detected: Value … at 'field' failed to satisfy constraint: …`. */
export function validationError(problems: readonly string[]): JobsError {
  const count = problems.length;
  return new JobsError("ValidationException", `${count} validation error${count === 1 ? "" : "s"} detected: ${problems.join("; ")}`);
}
