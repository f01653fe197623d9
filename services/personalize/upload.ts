/**
 * Validate-while-uploading, the heart of an import: no Personalize API here (and no Personalize SDK
 * import), so the streaming path carries only the S3 client.
 *
 * Bytes are read (or copied from the source's chunks) straight into reusable part buffers, checked
 * there by the validator, and sent from there (services/part-upload.ts says why not lib-storage on
 * this path). So every byte that goes up has been validated first, and nothing is copied again.
 */
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { ServiceContext } from "../context";
import { DEFAULT_PART_SIZE, MAX_PARTS, type PartFiller, uploadParts } from "../part-upload";
import { assertAiKey, type UploadProgress } from "../storage";
import { UploadAbortedError, UploadLeftPartsError } from "../storage-errors";
import { CsvValidator, type ValidationReport } from "./csv";
import { type CsvSource, csvBytes } from "./source";
import type { DatasetSchema } from "./schemas";
import { ImportConfigError, ImportValidationError, MAX_IMPORT_BYTES, SourceChangedError } from "./errors";

/**
 * Parts in flight during a validate-and-upload. Two keep the pipe busy: while one part is on the
 * wire the validator fills the next. Each more holds another part (8 MiB) in memory. Links with high
 * latency to S3 may want more: `uploadConcurrency` / `--upload-concurrency`.
 */
export const DEFAULT_UPLOAD_CONCURRENCY = 2;

const MIB = 1024 * 1024;
/** Bytes per read of a file source: the validator checks each read as it lands. */
const FILE_READ_BYTES = MIB;

export interface UploadValidatedOptions {
  /** Refuse sources larger than this (Personalize's per-job limit for the import mode). */
  maxBytes?: number;
  partSize?: number;
  /** Parts in flight at once (default 2): see DEFAULT_UPLOAD_CONCURRENCY. */
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

/** Reads bytes into part buffers, and knows when the body has ended (before anyone asks again). */
interface SourceReader {
  read: PartFiller;
  /** True once every byte has been returned: the validator can end before the last part goes up. */
  ended(): boolean;
}

/** A regular file of `size` bytes, read in place; refuses a file that shrinks or grows meanwhile. */
function fileReader(file: FileHandle, path: string, size: number): SourceReader {
  let position = 0;
  let checkedEnd = false;
  return {
    read: async (buffer) => {
      if (position >= size) return 0;
      const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, FILE_READ_BYTES, size - position), position);
      if (bytesRead === 0) throw new SourceChangedError(path, `it is now shorter than the ${size} bytes it had`);
      position += bytesRead;
      if (position === size) {
        // A file still being written would otherwise be imported cut short at its size when opened.
        const { bytesRead: more } = await file.read(Buffer.alloc(1), 0, 1, size);
        if (more > 0) throw new SourceChangedError(path, `it grew past the ${size} bytes it had`);
        checkedEnd = true;
      }
      return bytesRead;
    },
    ended: () => checkedEnd || size === 0,
  };
}

/** Copies the source's chunks into the buffers it is given; looks one chunk ahead to see the end. */
function chunkReader(chunks: AsyncIterator<Uint8Array>): SourceReader {
  let pending: Uint8Array | undefined;
  let offset = 0;
  let exhausted = false;
  const advance = async () => {
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        exhausted = true;
        pending = undefined;
        return;
      }
      if (next.value.byteLength > 0) {
        pending = next.value;
        offset = 0;
        return;
      }
    }
  };
  return {
    read: async (buffer) => {
      if (!pending && !exhausted) await advance();
      if (!pending) return 0;
      const length = Math.min(buffer.length, pending.byteLength - offset);
      buffer.set(pending.subarray(offset, offset + length));
      offset += length;
      if (offset >= pending.byteLength) await advance();
      return length;
    },
    ended: () => exhausted,
  };
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
    let size: number | undefined;
    let reader: SourceReader;
    const stat = await file?.stat();
    if (file && path !== undefined && stat?.isFile()) {
      size = stat.size;
      reader = fileReader(file, path, size);
    } else {
      // Streams, rows, text, and paths that are not regular files (a pipe, /dev/stdin): read to the
      // end, from the handle already open (opening a pipe twice could drop what its writer sent).
      size = knownSize(source);
      const bytes = file ? file.createReadStream({ highWaterMark: FILE_READ_BYTES, autoClose: false }) : source;
      reader = chunkReader(csvBytes(bytes, schema));
    }
    // Known before a byte is sent.
    if (size !== undefined && size > limit) throw tooBig();

    const validator = new CsvValidator(schema);
    let total = 0;
    let report: ValidationReport | undefined;
    let stopped: "invalid" | "too-big" | undefined;
    const validatedRead: PartFiller = async (buffer) => {
      if (report) return 0;
      const length = await reader.read(buffer);
      if (length > 0) {
        validator.write(buffer.subarray(0, length));
        total += length;
      }
      if (validator.failed) {
        stopped = "invalid";
        throw new Error("the CSV is not valid");
      }
      if (total > limit) {
        stopped = "too-big";
        throw new Error("larger than the import limit");
      }
      if (length === 0 || reader.ended()) {
        // Errors only visible at the end (an empty file, a bad last line) stop the upload before
        // the part holding the last bytes goes up: the reader says so with those bytes.
        report = validator.end();
        if (!report.valid) {
          stopped = "invalid";
          throw new Error("the CSV is not valid");
        }
      }
      return length;
    };

    try {
      await uploadParts(ctx.clients.s3, ctx.storage.bucket, key, validatedRead, {
        // A stream's size is unknown: unless told otherwise, parts big enough for the largest
        // import it may be (a known size gets the parts it needs).
        partSize: size !== undefined ? partSizeFor(size, options.partSize) : (options.partSize ?? partSizeFor(limit)),
        queueSize: options.queueSize ?? DEFAULT_UPLOAD_CONCURRENCY,
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
        // The upload is gone; read the rest for a report that lists every error.
        const rest = Buffer.allocUnsafeSlow(FILE_READ_BYTES);
        // The reader resumes after the bytes the validator has already seen.
        for (let length = await reader.read(rest); length > 0; length = await reader.read(rest)) validator.write(rest.subarray(0, length));
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
