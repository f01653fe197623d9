/**
 * The AI side of the bucket: keys under the AI prefixes only (never `user-uploads/`), uploads through
 * the project's one engine (services/part-upload.ts: files sent from the file, streams through a
 * small pool of part buffers, nothing left behind when they fail), and downloads as streams.
 */
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { AI_PREFIXES, PREFIXES, type PrefixName } from "@roadmapx-ai/core";
import type { AwsClients } from "./aws/clients";
import { chunkReader } from "./chunk-reader";
import { crc32Base64 } from "./crc32";
import { fileParts } from "./file-parts";
import {
  checkPartSize,
  checkQueueSize,
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  type PartSource,
  bufferedParts,
  uploadPreparedParts,
} from "./part-upload";
import { KeyError, UploadAbortedError } from "./storage-errors";

export { KeyError, UploadAbortedError };

export type AiPrefix = Exclude<PrefixName, "userUploads">;

const MAX_KEY_BYTES = 1024;

function checkSegment(segment: string, whole: string): void {
  if (segment === "") throw new KeyError(`key "${whole}" has an empty segment ("//" or a leading or trailing "/")`);
  if (segment === "." || segment === "..") throw new KeyError(`key "${whole}" contains "${segment}": keys must not climb out of their prefix`);
  if (segment.includes("\\")) throw new KeyError(`key "${whole}" contains a backslash: use "/" between segments`);
  // Control characters break S3 listings, XML responses and most tooling.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
  if (/[\u0000-\u001f\u007f]/.test(segment)) throw new KeyError(`key "${whole}" contains a control character`);
}

/**
 * Builds a key under an AI prefix: `aiKey("personalize", "datasets", "interactions.csv")` →
 * `personalize/datasets/interactions.csv`. Parts may contain "/" (sub-paths); each segment is
 * checked. Absolute, empty and `..` keys are refused.
 */
export function aiKey(prefix: AiPrefix, ...parts: string[]): string {
  if (parts.length === 0) throw new KeyError(`a key under ${PREFIXES[prefix]} needs a name after the prefix`);
  const rest = parts.join("/");
  if (rest.startsWith("/")) throw new KeyError(`key part "${rest}" is absolute: give it relative to ${PREFIXES[prefix]}`);
  for (const segment of rest.split("/")) checkSegment(segment, rest);
  const key = `${PREFIXES[prefix]}${rest}`;
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) throw new KeyError(`key "${key.slice(0, 60)}..." is longer than S3's ${MAX_KEY_BYTES} bytes`);
  return key;
}

/**
 * Checks a full key the caller built: it must sit under one of the AI prefixes and be well formed.
 * Returns the prefix it belongs to.
 */
export function assertAiKey(key: string): AiPrefix {
  if (key.startsWith(PREFIXES.userUploads)) {
    throw new KeyError(`key "${key}" is under ${PREFIXES.userUploads}, which belongs to the application: the AI side never writes there`);
  }
  const prefix = (AI_PREFIXES as AiPrefix[]).find((p) => key.startsWith(PREFIXES[p]));
  if (!prefix) {
    throw new KeyError(`key "${key}" is not under an AI prefix (${AI_PREFIXES.map((p) => PREFIXES[p]).join(", ")})`);
  }
  aiKey(prefix, key.slice(PREFIXES[prefix].length));
  return prefix;
}

/** A file to upload from where it is (`{ path }`): sent region by region, never held in memory. */
export interface FileBody {
  path: string;
}

export type UploadBody = string | Uint8Array | Readable | AsyncIterable<Uint8Array> | FileBody;

export interface UploadProgress {
  key: string;
  /** Bytes sent so far. */
  loaded: number;
  /** Total bytes, when known in advance. */
  total?: number | undefined;
}

export interface UploadOptions {
  contentType?: string;
  /**
   * Bytes per part (default 8 MiB, more when 10,000 parts would not hold a file; S3's minimum is
   * 5 MiB). A stream's upload holds partSize × (queueSize + 1); a file's, one 1 MiB read buffer.
   */
  partSize?: number;
  /** Parts in flight at once (default 10, as AWS's transfer clients: DEFAULT_QUEUE_SIZE says why). */
  queueSize?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting it stops the upload and removes every part already sent. */
  signal?: AbortSignal;
  /**
   * @deprecated Accepted and ignored since 0.3: the upload engine reuses its part buffers (or sends
   * from the file), so there is no garbage to collect.
   */
  collectGarbageEveryBytes?: number;
}

export interface UploadResult {
  bucket: string;
  key: string;
  uri: string;
  etag?: string | undefined;
  versionId?: string | undefined;
}

export { MIN_PART_SIZE };

function isFileBody(body: UploadBody): body is FileBody {
  return (
    typeof body === "object" &&
    body !== null &&
    !(body instanceof Uint8Array) &&
    !(body instanceof Readable) &&
    typeof (body as FileBody).path === "string" &&
    !(Symbol.asyncIterator in body)
  );
}

/** Parts of a body already in memory: views of it, no copy. */
function inMemoryParts(bytes: Buffer, partSize: number): PartSource {
  let position = 0;
  let done = false;
  return {
    async next() {
      if (done || (position >= bytes.length && position > 0)) return undefined;
      const view = bytes.subarray(position, Math.min(position + partSize, bytes.length));
      position += view.length;
      done = position >= bytes.length;
      return { length: view.length, crc32: crc32Base64(view), last: done, buffer: view };
    },
  };
}

export class AiStorage {
  constructor(
    private readonly clients: AwsClients,
    readonly bucket: string,
  ) {}

  uriOf(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /**
   * The key of an `s3://` URI in this bucket, checked like every key the AI side uses (under an AI
   * prefix, no `..` or empty segments). `field` names the option in the error.
   */
  keyOfUri(uri: string, field: string): { key: string; prefix: AiPrefix } {
    const prefix = `s3://${this.bucket}/`;
    if (!uri.startsWith(prefix)) throw new KeyError(`${field}: ${uri} is not in the AI bucket: give an ${prefix}... URI`);
    const key = uri.slice(prefix.length);
    return { key, prefix: assertAiKey(key) };
  }

  /**
   * Streams `body` to `key` (multipart for large bodies). On any error (the source, S3, or an abort
   * through `signal`) the multipart upload is aborted, so no parts and no partial object remain.
   */
  async upload(key: string, body: UploadBody, options: UploadOptions = {}): Promise<UploadResult> {
    assertAiKey(key);
    const requestedPartSize = options.partSize ?? DEFAULT_PART_SIZE;
    checkPartSize(requestedPartSize);
    const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    checkQueueSize(queueSize);
    const file = isFileBody(body) ? await open(body.path, "r") : undefined;
    try {
      const stat = await file?.stat();
      let parts: PartSource;
      let total: number | undefined;
      let partSize = requestedPartSize;
      if (file && isFileBody(body) && stat?.isFile()) {
        total = stat.size;
        partSize = Math.max(requestedPartSize, Math.ceil(total / MAX_PARTS / MIN_PART_SIZE) * MIN_PART_SIZE);
        parts = fileParts({ file, path: body.path, size: total, partSize });
      } else if (typeof body === "string" || body instanceof Uint8Array) {
        const bytes = Buffer.isBuffer(body) ? body : typeof body === "string" ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
        total = bytes.length;
        partSize = Math.max(requestedPartSize, Math.ceil(total / MAX_PARTS / MIN_PART_SIZE) * MIN_PART_SIZE);
        parts = inMemoryParts(bytes, partSize);
      } else {
        // A stream, an iterable, or a path that is not a regular file (a pipe): read once, through the pool.
        const stream = file ? file.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }) : (body as Readable | AsyncIterable<Uint8Array>);
        const chunks = chunkReader((stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]());
        parts = bufferedParts(chunks.read, partSize, queueSize);
      }
      const result = await uploadPreparedParts(this.clients.s3, this.bucket, key, parts, {
        partSize,
        queueSize,
        contentType: options.contentType,
        signal: options.signal,
        ...(options.onProgress ? { onProgress: (loaded: number) => options.onProgress?.({ key, loaded, total }) } : {}),
      });
      return { bucket: this.bucket, key, uri: this.uriOf(key), etag: result.etag };
    } catch (err) {
      // A stream we were reading must stop too: its producer learns the upload is over.
      if (body instanceof Readable) body.destroy();
      throw err instanceof UploadAbortedError || (err as Error).name === "UploadLeftPartsError" ? err : new UploadAbortedError(key, err);
    } finally {
      await file?.close();
    }
  }

  /** The object as a stream (nothing is buffered in memory). */
  async download(key: string): Promise<Readable> {
    assertAiKey(key);
    const result = await this.clients.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!(result.Body instanceof Readable)) throw new Error(`no body for ${this.uriOf(key)}`);
    return result.Body;
  }

  async exists(key: string): Promise<boolean> {
    assertAiKey(key);
    try {
      await this.clients.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    assertAiKey(key);
    await this.clients.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
