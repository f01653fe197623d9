/**
 * The errors storage throws, apart from storage.ts so that what maps errors to exit codes (cli/errors.ts)
 * can know them without loading the S3 client and lib-storage at every start-up.
 */
export class KeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeyError";
  }
}

export class UploadAbortedError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`upload of ${key} was aborted; nothing was left in the bucket${cause instanceof Error ? ` (${cause.message})` : ""}`, { cause });
    this.name = "UploadAbortedError";
  }
}
