/**
 * The errors the stand-in answers, by the names the AWS SDK turns into `err.name`. Each protocol
 * picks the HTTP status (server.ts): the control plane answers 400 for every client error, as
 * Personalize's API reference lists; runtime and events use their models' statuses.
 */

export type ErrorName =
  | "InvalidInputException"
  | "InvalidNextTokenException"
  | "LimitExceededException"
  | "ResourceAlreadyExistsException"
  | "ResourceInUseException"
  | "ResourceNotFoundException"
  | "ThrottlingException"
  | "InternalServerError"
  | "SerializationException"
  | "UnknownOperationException";

export class StandInError extends Error {
  constructor(
    readonly errorName: ErrorName,
    message: string,
  ) {
    super(message);
    this.name = errorName;
  }
}

/** The same wording the emulator (moto) uses for the schemas it knows, so both read alike. */
export const notFound = (arn: string): StandInError => new StandInError("ResourceNotFoundException", `Resource Arn ${arn} does not exist.`);

export const alreadyExists = (arn: string): StandInError => new StandInError("ResourceAlreadyExistsException", `Resource Arn ${arn} already exists.`);

export const inUse = (message: string): StandInError => new StandInError("ResourceInUseException", message);

export const invalidInput = (message: string): StandInError => new StandInError("InvalidInputException", message);

export const limitExceeded = (message: string): StandInError => new StandInError("LimitExceededException", message);
