/**
 * Validate-while-uploading, the heart of an import: no Personalize API here (and no Personalize SDK
 * import), so the streaming path carries only the S3 client.
 */
import type { ServiceContext } from "../context";
import type { UploadProgress } from "../storage";
import { CsvValidator, type ValidationReport } from "./csv";
import { type CsvSource, csvBytes } from "./source";
import type { DatasetSchema } from "./schemas";
import { ImportConfigError, ImportValidationError, MAX_IMPORT_BYTES } from "./errors";

export interface UploadValidatedOptions {
  /** Refuse sources larger than this (Personalize's per-job limit for the import mode). */
  maxBytes?: number;
  partSize?: number;
  queueSize?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** See UploadOptions.collectGarbageEveryBytes. */
  collectGarbageEveryBytes?: number;
}

/**
 * Streams `source` to `key` while validating it: the validator sees every byte before the upload
 * does. The first error (or the size limit) ends the upload's stream with an error, which aborts the
 * multipart upload; the source itself stays open, so the rest of it is still validated for the
 * report. Throws ImportValidationError (nothing uploaded) or ImportConfigError (too big).
 */
export async function uploadValidated(
  ctx: ServiceContext,
  key: string,
  source: CsvSource,
  schema: DatasetSchema,
  options: UploadValidatedOptions = {},
): Promise<{ uri: string; report: ValidationReport }> {
  const validator = new CsvValidator(schema);
  const bytes = csvBytes(source, schema);
  const limit = options.maxBytes ?? MAX_IMPORT_BYTES.FULL;
  let total = 0;
  let report: ValidationReport | undefined;
  let stopped: "invalid" | "too-big" | undefined;
  async function* validatedChunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await bytes.next();
      if (next.done) {
        // Errors only visible at the end (an empty file, a bad last line) still stop the upload
        // before it completes.
        report = validator.end();
        if (!report.valid) {
          stopped = "invalid";
          throw new Error("the CSV is not valid");
        }
        return;
      }
      validator.write(next.value);
      total += next.value.byteLength;
      if (validator.failed) {
        stopped = "invalid";
        throw new Error("the CSV is not valid");
      }
      if (total > limit) {
        stopped = "too-big";
        throw new Error("larger than the import limit");
      }
      yield next.value;
    }
  }
  let uri: string | undefined;
  try {
    uri = (
      await ctx.storage.upload(key, validatedChunks(), {
        contentType: "text/csv",
        partSize: options.partSize ?? 8 * 1024 * 1024,
        // Three parts in flight keep the emulator and S3 busy; more only hold more memory.
        queueSize: options.queueSize ?? 3,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        ...(options.collectGarbageEveryBytes ? { collectGarbageEveryBytes: options.collectGarbageEveryBytes } : {}),
      })
    ).uri;
  } catch (err) {
    if (!stopped) throw err;
  }
  if (stopped === "invalid") {
    if (!report) {
      for (let next = await bytes.next(); !next.done; next = await bytes.next()) validator.write(next.value);
      report = validator.end();
    }
    throw new ImportValidationError(report);
  }
  if (stopped === "too-big" || !uri || !report) {
    throw new ImportConfigError(`the file is larger than the import limit of ${(limit / 1024 ** 3).toFixed(0)} GiB; split it into several imports (nothing was uploaded)`);
  }
  return { uri, report };
}
