/**
 * The errors storage throws, apart from storage.ts so that what maps errors to exit codes (cli/errors.ts)
 * can know them without loading the S3 client at every start-up.
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

/** The upload failed and so did its abort: parts may remain (and are billed) until someone aborts it. */
export class UploadLeftPartsError extends Error {
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly uploadId: string,
    cause: unknown,
    readonly abortError: unknown,
  ) {
    super(
      `upload of ${key} failed${cause instanceof Error ? ` (${cause.message})` : ""}, and aborting it failed too` +
        `${abortError instanceof Error ? ` (${abortError.message})` : ""}: parts may remain; ` +
        `run aws s3api abort-multipart-upload --bucket ${bucket} --key ${key} --upload-id ${uploadId}`,
      { cause },
    );
    this.name = "UploadLeftPartsError";
  }
}

/**
 * A file that changed while it was uploaded: it shrank or grew, or S3 refused a part whose bytes were
 * no longer those read (and checked) before it was sent. What was sent is not the file.
 */
export class SourceChangedError extends Error {
  constructor(
    readonly path: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${path} changed while it was being uploaded (${detail}); nothing was left in the bucket: upload it again once it is complete`, options);
    this.name = "SourceChangedError";
  }
}
