/**
 * Validate-while-uploading, the heart of an import: no Personalize API here (and no Personalize SDK
 * import), so the streaming path carries only the S3 client.
 *
 * A regular file is read region by region: the validator checks each region (and its CRC32 is
 * computed) before the part goes up from the file itself, with that CRC32 as its checksum, so memory
 * stays flat whatever the parts in flight, and a region that changed after it was checked is refused
 * by S3 (services/file-parts.ts). Streams, rows and text are copied into pooled part buffers, checked
 * there and sent from there. Either way every byte that goes up has been validated first.
 */
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ServiceContext } from "../context";
import { type SourceReader, chunkReader } from "../chunk-reader";
import { FILE_READ_BYTES, fileParts } from "../file-parts";
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, MAX_PARTS, type PartFiller, type PartSource, bufferedParts, uploadPreparedParts } from "../part-upload";
import { assertAiKey, type UploadProgress } from "../storage";
import { UploadAbortedError, UploadLeftPartsError } from "../storage-errors";
import { CsvValidator, type ValidationReport } from "./csv";
import { type CsvSource, csvBytes } from "./source";
import type { DatasetSchema } from "./schemas";
import { ImportConfigError, ImportValidationError, MAX_IMPORT_BYTES } from "./errors";

/**
 * Parts in flight during a validate-and-upload: the engine's default (10, as AWS's transfer clients
 * use; see DEFAULT_QUEUE_SIZE). From a file it costs no memory; from a stream, one 8 MiB part buffer
 * each. `uploadConcurrency` / `--upload-concurrency` changes it.
 */
export const DEFAULT_UPLOAD_CONCURRENCY = DEFAULT_QUEUE_SIZE;

const MIB = 1024 * 1024;

export interface UploadValidatedOptions {
  /** Refuse sources larger than this (Personalize's per-job limit for the import mode). */
  maxBytes?: number;
  partSize?: number;
  /** Parts in flight at once (default 10): see DEFAULT_UPLOAD_CONCURRENCY. */
  queueSize?: number;
  onProgress?: (progress: UploadProgress) => void;
}

/** The part size for a body of `size` bytes: the default (or requested) one, or more when 10,000 parts would not hold it. */
export function partSizeFor(size: number | undefined, requested?: number): number {
  const base = requested ?? DEFAULT_PART_SIZE;
  if (size === undefined) return base;
  return Math.max(base, Math.ceil(size / MAX_PARTS / MIB) * MIB);
}

/** A source read from its own handle: a `{ path }` (not a stream that happens to have a `path`). */
function isPathSource(source: CsvSource): source is { path: string } {
  return (
    typeof source === "object" &&
    source !== null &&
    !(source instanceof Uint8Array) &&
    !(source instanceof Readable) &&
    "path" in source &&
    typeof source.path === "string"
  );
}

/** The body's size when the source tells it without being read (the part size depends on it). */
function knownSize(source: CsvSource): number | undefined {
  if (typeof source === "string") return Buffer.byteLength(source, "utf8");
  if (source instanceof Uint8Array) return source.byteLength;
  return undefined;
}

/**
 * Streams `source` to `key` while validating it: the validator sees every byte before the upload
 * does. The first error (or the size limit) stops the upload, which aborts the multipart upload; the
 * source itself is still read to its end, so the report lists everything. Throws
 * ImportValidationError (nothing uploaded) or ImportConfigError (too big).
 */
export async function uploadValidated(
  ctx: ServiceContext,
  key: string,
  source: CsvSource,
  schema: DatasetSchema,
  options: UploadValidatedOptions = {},
): Promise<{ uri: string; report: ValidationReport }> {
  assertAiKey(key);
  const limit = options.maxBytes ?? MAX_IMPORT_BYTES.FULL;
  const tooBig = () =>
    new ImportConfigError(
      `the file is larger than the import limit of ${(limit / 1024 ** 3).toFixed(0)} GiB; split it into several imports (nothing was uploaded)`,
    );
  const path = isPathSource(source) ? source.path : undefined;
  const file = path !== undefined ? await open(path, "r") : undefined;
  try {
    const stat = await file?.stat();
    const regularFile = file !== undefined && path !== undefined && stat?.isFile() === true;
    // Known before a byte is sent, for files and in-memory bodies.
    const size = regularFile ? stat.size : knownSize(source);
    if (size !== undefined && size > limit) throw tooBig();

    const validator = new CsvValidator(schema);
    let total = 0;
    let report: ValidationReport | undefined;
    let stopped: "invalid" | "too-big" | undefined;
    /** Every byte passes here before the part holding it is handed to the engine. */
    const check = (bytes: Buffer, last: boolean) => {
      if (bytes.length > 0) {
        validator.write(bytes);
        total += bytes.length;
      }
      if (validator.failed) {
        stopped = "invalid";
        throw new Error("the CSV is not valid");
      }
      if (total > limit) {
        stopped = "too-big";
        throw new Error("larger than the import limit");
      }
      if (last) {
        // Errors only visible at the end (an empty file, a bad last line) stop the upload before
        // the part holding the last bytes goes up: the source says so with those bytes.
        report = validator.end();
        if (!report.valid) {
          stopped = "invalid";
          throw new Error("the CSV is not valid");
        }
      }
    };
    // A stream's size is unknown: unless told otherwise, parts big enough for the largest import it
    // may be (a known size gets the parts it needs).
    const partSize = size !== undefined ? partSizeFor(size, options.partSize) : (options.partSize ?? partSizeFor(limit));
    const queueSize = options.queueSize ?? DEFAULT_UPLOAD_CONCURRENCY;

    let reader: SourceReader | undefined;
    let parts: PartSource;
    if (regularFile) {
      parts = fileParts({ file, path, size: stat.size, partSize, inspect: check });
    } else {
      // Streams, rows, text, and paths that are not regular files (a pipe, /dev/stdin): read to the
      // end, from the handle already open (opening a pipe twice could drop what its writer sent).
      const bytes = file ? file.createReadStream({ highWaterMark: FILE_READ_BYTES, autoClose: false }) : source;
      const chunks = chunkReader(csvBytes(bytes, schema));
      reader = chunks;
      const validatedRead: PartFiller = async (buffer) => {
        if (report) return 0;
        const length = await chunks.read(buffer);
        check(buffer.subarray(0, length), length === 0 || chunks.ended());
        return length;
      };
      parts = bufferedParts(validatedRead, partSize, queueSize);
    }

    try {
      await uploadPreparedParts(ctx.clients.s3, ctx.storage.bucket, key, parts, {
        partSize,
        queueSize,
        contentType: "text/csv",
        ...(options.onProgress ? { onProgress: (loaded: number) => options.onProgress?.({ key, loaded, total: size }) } : {}),
      });
    } catch (err) {
      // Parts left behind matter more than why the upload stopped: say what to run.
      if (err instanceof UploadLeftPartsError) throw err;
      if (!stopped) throw err instanceof UploadAbortedError ? err : new UploadAbortedError(key, err);
    }
    if (stopped === "invalid") {
      if (!report) {
        // The upload is gone; read the rest for a report that lists every error, resuming after
        // the bytes the validator has already seen.
        const rest = Buffer.allocUnsafeSlow(FILE_READ_BYTES);
        if (regularFile) {
          for (let at = total; ;) {
            const { bytesRead } = await file.read(rest, 0, rest.length, at);
            if (bytesRead === 0) break;
            validator.write(rest.subarray(0, bytesRead));
            at += bytesRead;
          }
        } else if (reader) {
          for (let length = await reader.read(rest); length > 0; length = await reader.read(rest)) validator.write(rest.subarray(0, length));
        }
        report = validator.end();
      }
      throw new ImportValidationError(report);
    }
    if (stopped === "too-big") throw tooBig();
    if (!report) throw new Error("internal error: the upload finished before the validator's report");
    return { uri: ctx.storage.uriOf(key), report };
  } finally {
    await file?.close();
  }
}
