/**
 * The errors the stand-in answers, by the names the AWS SDK turns into `err.name`. SageMaker's
 * control plane is awsJson1_1: every client error is HTTP 400 with `{"__type", "message"}`, server
 * errors 500 (the SDK's model of each operation; the API reference's Common Errors).
 */

export type ErrorName =
  "ValidationException" | "ResourceInUse" | "ResourceNotFound" | "ResourceLimitExceeded" | "ThrottlingException" | "InternalFailure" | "SerializationException";

export class StandInError extends Error {
  constructor(
    readonly errorName: ErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }

  get status(): number {
    return this.errorName === "InternalFailure" ? 500 : 400;
  }
}

export const validation = (message: string): StandInError => new StandInError("ValidationException", message);
