/**
 * The AI side of the bucket: keys under the AI prefixes only (never `user-uploads/`), streaming
 * multipart uploads with bounded memory that leave nothing behind when they fail, and downloads as
 * streams.
 */
import { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { AI_PREFIXES, PREFIXES, type PrefixName } from "@roadmapx-ai/core";
import type { AwsClients } from "./aws/clients";
import { garbageCollector } from "./memory";
import { checkPartSize, DEFAULT_PART_SIZE, MIN_PART_SIZE } from "./part-upload";
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

export type UploadBody = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface UploadProgress {
  key: string;
  /** Bytes sent so far. */
  loaded: number;
  /** Total bytes, when known in advance. */
  total?: number | undefined;
}

export interface UploadOptions {
  contentType?: string;
  /** Bytes per part (default 8 MiB; S3's minimum is 5 MiB). Memory ≈ partSize × (queueSize + 1). */
  partSize?: number;
  /** Parts in flight at once (default 4). */
  queueSize?: number;
  onProgress?: (progress: UploadProgress) => void;
  /** Aborting it stops the upload and removes every part already sent. */
  signal?: AbortSignal;
  /**
   * Run a full garbage collection each time this many more bytes have been uploaded, so finished
   * parts do not linger until V8 gets round to them (see services/memory.ts). For batch processes;
   * off by default.
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
    const partSize = options.partSize ?? DEFAULT_PART_SIZE;
    checkPartSize(partSize);
    // lib-storage reads a stream we own. Stopping means destroying that stream: lib-storage then
    // aborts the multipart upload *before* done() rejects. (Its own abort() rejects at once and
    // removes the parts later, in the background.)
    const source =
      body instanceof Readable
        ? body
        : typeof body === "string" || body instanceof Uint8Array
          ? Readable.from([Buffer.from(body)])
          : // One chunk of read-ahead: object-mode streams otherwise buffer 16 chunks (16 MiB of 1 MiB reads).
            Readable.from(body, { highWaterMark: 1 });
    const upload = new Upload({
      client: this.clients.s3,
      params: { Bucket: this.bucket, Key: key, Body: source, ...(options.contentType ? { ContentType: options.contentType } : {}) },
      partSize,
      queueSize: options.queueSize ?? 4,
      // The default, said out loud: a failed upload removes its parts.
      leavePartsOnError: false,
    });
    const every = options.collectGarbageEveryBytes;
    const collect = every ? garbageCollector() : undefined;
    let collectedAt = 0;
    upload.on("httpUploadProgress", (p) => {
      const loaded = p.loaded ?? 0;
      if (collect && every && loaded - collectedAt >= every) {
        collectedAt = loaded;
        collect();
      }
      options.onProgress?.({ key, loaded, total: p.total });
    });
    const stop = () => source.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error("upload aborted"));
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener("abort", stop, { once: true });
    try {
      const result = await upload.done();
      return {
        bucket: this.bucket,
        key,
        uri: this.uriOf(key),
        etag: result.ETag,
        versionId: "VersionId" in result ? (result.VersionId as string | undefined) : undefined,
      };
    } catch (err) {
      throw new UploadAbortedError(key, err);
    } finally {
      options.signal?.removeEventListener("abort", stop);
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
