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

/**
 * Parts in flight during a validate-and-upload. Two keep the pipe busy: while one part is on the
 * wire the validator fills the next, and validation (about 230 MB/s on one core) caps the rate
 * anyway. Each more holds another part (8 MiB) in memory, and against the single-process emulator
 * more cost throughput: on a 1 GiB upload (2 cores) moto spent about 11 s of CPU with two parts in
 * flight and 15 s with four, and the benchmark ran no slower with two than with three. Links with
 * high latency to S3 may want more: `uploadConcurrency` / `--upload-concurrency`.
 */
export const DEFAULT_UPLOAD_CONCURRENCY = 2;

export interface UploadValidatedOptions {
  /** Refuse sources larger than this (Personalize's per-job limit for the import mode). */
  maxBytes?: number;
  partSize?: number;
  /** Parts in flight at once (default 2): see DEFAULT_UPLOAD_CONCURRENCY. */
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
        queueSize: options.queueSize ?? DEFAULT_UPLOAD_CONCURRENCY,
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
