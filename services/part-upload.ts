/**
 * The project's one upload engine: every upload (AiStorage.upload, the validated Personalize import,
 * SageMaker training data) goes through `uploadPreparedParts`. A body arrives as a sequence of
 * prepared parts, each with its length and the CRC32 computed while its bytes were read (and, for
 * an import, validated), and each part is sent in one of two ways:
 *  - from a file region (`open`): its bytes are not held in memory while on the wire, so memory does
 *    not grow with the parts in flight; the CRC32 goes up as the part's checksum, so S3 itself refuses
 *    a region whose bytes changed between reading and sending (BadDigest), which the engine reports as
 *    SourceChangedError;
 *  - from a buffer (streams and iterables, which cannot be read twice): the buffer is the source's,
 *    lent to the part and given back (`release`) once its request is over, so a pool of
 *    queueSize + 1 buffers serves the whole upload.
 *
 * Why not lib-storage: it cuts a stream into parts by concatenating chunks (a fresh part-sized Buffer
 * per part, a gigabyte of garbage per gigabyte sent, which needed forced collections to stay in
 * bounds), it cannot send a part from a file region, and it does not take a checksum computed ahead.
 * What this keeps from its contract: `queueSize` parts in flight, a body that fits in one part goes
 * up as a single PutObject, and any failure (the source's, S3's, the progress callback's, an abort
 * signal) waits for the parts in flight and then aborts the multipart upload, so no parts and no
 * partial object remain.
 */
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type PutObjectCommandOutput,
  type S3Client,
  UploadPartCommand,
  type UploadPartCommandOutput,
} from "@aws-sdk/client-s3";
import { isRetryable } from "@roadmapx-ai/core";
import { SourceChangedError, UploadAbortedError, UploadLeftPartsError } from "./storage-errors";
import { crc32Base64 } from "./crc32";

/** S3's limits for a multipart upload. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** The part size unless a caller asks for another: 8 MiB, as AWS's transfer clients use. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/**
 * Parts in flight unless a caller asks for another number: 10, as AWS's own transfer clients
 * (`aws s3 cp`, the CRT's default) do. On S3 one request carries about one connection's worth of
 * throughput (AWS's guidance: one request per 85-90 MB/s wanted) and each part waits a round trip,
 * so few requests in flight leave a real link idle; 10 fills a laptop's uplink and most of an EC2
 * instance's share. From a file it costs no memory (parts are sent from the file); from a stream,
 * one part buffer each.
 */
export const DEFAULT_QUEUE_SIZE = 10;

/** Refuses a part size S3 would refuse (every part but the last must reach the minimum). */
export function checkPartSize(partSize: number): void {
  if (partSize < MIN_PART_SIZE) throw new RangeError(`partSize ${partSize} is below S3's minimum of ${MIN_PART_SIZE} bytes`);
}

export function checkQueueSize(queueSize: number): void {
  if (!Number.isInteger(queueSize) || queueSize < 1) throw new RangeError(`queueSize must be a whole number of at least 1 (got ${queueSize})`);
}

/** One part of the body, read (and checked) by its source, ready to go up. */
export interface PreparedPart {
  length: number;
  /** Base64 big-endian CRC32 of the part's bytes, as S3's `x-amz-checksum-crc32` wants it. */
  crc32: string;
  /** True for the body's last part (the source knows when it has ended). */
  last: boolean;
  /** The bytes, when the part is sent from memory. */
  buffer?: Buffer | undefined;
  /** Opens the bytes again from their file, once per attempt (retries need a fresh stream). */
  open?: (() => Readable) | undefined;
  /** Names the file in SourceChangedError when S3 refuses the region's checksum. */
  path?: string | undefined;
  /** Called once the part's request is over, whatever its outcome: a lent buffer may be reused. */
  release?: (() => void) | undefined;
}

/** Produces the body's parts in order; throwing stops the upload (and aborts it). */
export interface PartSource {
  next(): Promise<PreparedPart | undefined>;
}

export interface PartUploadOptions {
  partSize: number;
  /** Parts in flight at once. */
  queueSize: number;
  contentType?: string | undefined;
  /** Called after each part (and after a single PutObject) with the bytes sent so far. */
  onProgress?: ((loaded: number) => void) | undefined;
  /** Aborting it stops the upload: the parts in flight finish, then the multipart upload is aborted. */
  signal?: AbortSignal | undefined;
  /** How a file part waits before it is sent again (tests pass their clock's). */
  sleep?: Sleep | undefined;
}

/** S3's answers when a checksum does not match the bytes it received. */
const CHECKSUM_MISMATCH = new Set(["BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"]);

/** A file part S3 refused by its checksum: the file changed after it was read. */
function explain(part: PreparedPart, partNumber: number, err: unknown): unknown {
  const name = (err as { name?: string; Code?: string })?.name;
  if (part.path !== undefined && name !== undefined && CHECKSUM_MISMATCH.has(name)) {
    return new SourceChangedError(part.path, `S3 refused part ${partNumber} (${name}): its bytes are no longer the ones read and checked before it was sent`, {
      cause: err,
    });
  }
  return err;
}

/** The body of one attempt: the lent buffer, or a fresh stream of the file region. */
function bodyOf(part: PreparedPart): Buffer | Readable {
  if (part.buffer) return part.buffer.subarray(0, part.length);
  if (part.open) return part.open();
  throw new Error("internal error: a part with neither a buffer nor a file region");
}

/**
 * Sends a part (or a single PutObject), retrying a file region itself: the SDK does not retry a
 * request whose body is a stream (it cannot rewind it), so a file part that meets a throttle, a 5xx
 * or a reset is sent again here, as a fresh read of its region, with the SDK's own attempt budget
 * and a capped exponential back-off. Buffered parts are retried by the SDK as usual.
 */
async function sendWithRetries<T>(s3: S3Client, part: PreparedPart, send: () => Promise<T>, sleep: Sleep): Promise<T> {
  const attempts = part.open ? await s3.config.maxAttempts() : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= attempts || !isRetryable(err)) throw err;
      await sleep(Math.min(20_000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
    }
  }
}

export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Uploads the parts `source` prepares to s3://bucket/key. Throws UploadAbortedError (nothing left
 * behind; its cause is why: the source's error, S3's, SourceChangedError), or UploadLeftPartsError
 * when even the abort failed.
 */
export async function uploadPreparedParts(
  s3: S3Client,
  bucket: string,
  key: string,
  source: PartSource,
  options: PartUploadOptions,
): Promise<{ etag?: string | undefined }> {
  const { partSize, queueSize, signal } = options;
  const sleep = options.sleep ?? realSleep;
  checkPartSize(partSize);
  checkQueueSize(queueSize);
  const contentType = options.contentType ? { ContentType: options.contentType } : {};
  const aborted = () => (signal?.reason instanceof Error ? signal.reason : new Error("upload aborted"));

  // The first part decides: a body that ends within it goes up as one PutObject.
  let first: PreparedPart | undefined;
  try {
    if (signal?.aborted) throw aborted();
    first = await source.next();
  } catch (err) {
    throw new UploadAbortedError(key, err);
  }
  if (!first || first.last) {
    const part = first ?? { length: 0, crc32: crc32Base64(Buffer.alloc(0)), last: true, buffer: Buffer.alloc(0) };
    let etag: string | undefined;
    try {
      if (signal?.aborted) throw aborted();
      const put = () =>
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: bodyOf(part), ContentLength: part.length, ChecksumCRC32: part.crc32, ...contentType });
      etag = (await sendWithRetries<PutObjectCommandOutput>(s3, part, () => s3.send(put()), sleep)).ETag;
    } catch (err) {
      throw new UploadAbortedError(key, explain(part, 1, err));
    } finally {
      part.release?.();
    }
    try {
      options.onProgress?.(part.length);
    } catch (err) {
      // A failure is a failure: take the object back, as an aborted multipart upload would.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      throw new UploadAbortedError(key, err);
    }
    return { etag };
  }

  let uploadId: string | undefined;
  try {
    uploadId = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "CRC32", ...contentType }))).UploadId;
  } catch (err) {
    first.release?.();
    throw new UploadAbortedError(key, err);
  }
  if (!uploadId) {
    first.release?.();
    throw new UploadAbortedError(key, new Error("S3 returned no UploadId"));
  }
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  // A flag as well as the value: `throw undefined` is still a failure.
  let failed = false;
  let failure: unknown;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    failure = err;
  };
  let wake: (() => void) | undefined;
  const onAbort = () => {
    fail(aborted());
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  signal?.addEventListener("abort", onAbort, { once: true });

  const send = (part: PreparedPart, partNumber: number) => {
    const uploadPart = () =>
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        Body: bodyOf(part),
        ContentLength: part.length,
        ChecksumCRC32: part.crc32,
      });
    const request = sendWithRetries<UploadPartCommandOutput>(s3, part, () => s3.send(uploadPart()), sleep)
      .then(
        (result) => {
          completed.push({ PartNumber: partNumber, ETag: result.ETag, ChecksumCRC32: result.ChecksumCRC32 ?? part.crc32 });
          sent += part.length;
          try {
            options.onProgress?.(sent);
          } catch (err) {
            fail(err);
          }
        },
        (err: unknown) => fail(explain(part, partNumber, err)),
      )
      .finally(() => {
        inFlight.delete(request);
        // The buffer is S3's until its request is over (retries resend it); then the source's again.
        part.release?.();
        const resume = wake;
        wake = undefined;
        resume?.();
      });
    inFlight.add(request);
  };

  try {
    let partNumber = 1;
    let part: PreparedPart | undefined = first;
    while (part) {
      if (partNumber > MAX_PARTS) {
        part.release?.();
        throw new Error(`the body needs more than S3's ${MAX_PARTS} parts of ${partSize} bytes: use a larger partSize`);
      }
      // At most queueSize parts on the wire; the source prepares the next one meanwhile.
      while (inFlight.size >= queueSize && !failed) await new Promise<void>((resolve) => (wake = resolve));
      if (failed) {
        part.release?.();
        throw failure;
      }
      send(part, partNumber++);
      if (part.last) break;
      part = await source.next();
      if (failed) {
        part?.release?.();
        throw failure;
      }
    }
    await Promise.all(inFlight);
    if (failed) throw failure;
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: completed } }));
    return { etag: done.ETag };
  } catch (err) {
    // Parts still in flight would outlive an abort sent now (S3 may keep them): let them finish first.
    await Promise.allSettled([...inFlight]);
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    } catch (abortErr) {
      throw new UploadLeftPartsError(bucket, key, uploadId, err, abortErr);
    }
    throw new UploadAbortedError(key, err);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Fills `buffer` from its start with the next bytes of the body and returns how many it wrote; less
 * than `buffer.length` only at the end of the body (0 once it is over). Throwing stops the upload.
 */
export type PartFiller = (buffer: Buffer) => Promise<number>;

/** Reads into one buffer until it is full or the body ends. */
async function fillCompletely(fill: PartFiller, buffer: Buffer): Promise<number> {
  let length = 0;
  while (length < buffer.length) {
    const wrote = await fill(length === 0 ? buffer : buffer.subarray(length));
    if (wrote === 0) break;
    length += wrote;
  }
  return length;
}

/**
 * Parts from a body that can be read only once (a stream, an iterable, rows): `fill` writes the
 * bytes into pooled part buffers, at most queueSize + 1 of them (queueSize on the wire, one being
 * filled), each allocated only when a part needs it (a small body stays small) and reused once its
 * part's request is over. A part shorter than partSize is the last; a body that ends exactly at a
 * part boundary learns so from the next fill, and ends with no more parts.
 */
export function bufferedParts(fill: PartFiller, partSize: number, queueSize: number): PartSource {
  const free: Buffer[] = [];
  let allocated = 0;
  let waiting: (() => void) | undefined;
  let ended = false;
  const release = (buffer: Buffer) => () => {
    free.push(buffer);
    const resume = waiting;
    waiting = undefined;
    resume?.();
  };
  const take = async (): Promise<Buffer> => {
    for (;;) {
      const buffer = free.shift();
      if (buffer) return buffer;
      if (allocated <= queueSize) {
        allocated++;
        return Buffer.allocUnsafeSlow(partSize);
      }
      await new Promise<void>((resolve) => (waiting = resolve));
    }
  };
  return {
    async next() {
      if (ended) return undefined;
      const buffer = await take();
      let length: number;
      try {
        length = await fillCompletely(fill, buffer);
      } catch (err) {
        free.push(buffer);
        throw err;
      }
      if (length < partSize) ended = true;
      if (length === 0) {
        free.push(buffer);
        return undefined;
      }
      return { length, crc32: crc32Base64(buffer.subarray(0, length)), last: ended, buffer, release: release(buffer) };
    },
  };
}

/**
 * Uploads the body `fill` produces to s3://bucket/key, from pooled part buffers (see bufferedParts).
 * Throws UploadAbortedError (nothing left behind), or UploadLeftPartsError when even the abort failed.
 */
export function uploadParts(s3: S3Client, bucket: string, key: string, fill: PartFiller, options: PartUploadOptions): Promise<{ etag?: string | undefined }> {
  checkPartSize(options.partSize);
  checkQueueSize(options.queueSize);
  return uploadPreparedParts(s3, bucket, key, bufferedParts(fill, options.partSize, options.queueSize), options);
}
