/**
 * A multipart upload whose producer writes straight into reusable part buffers: for the validated
 * CSV import, which reads (and checks) every byte anyway and can read it into its final place.
 *
 * Why not lib-storage here, when AiStorage.upload uses it for everything else: lib-storage cuts a
 * stream into parts by concatenating the chunks it is given (Buffer.concat), so every part is a
 * fresh part-sized Buffer - a gigabyte of short-lived off-heap memory per gigabyte sent. V8 frees
 * such memory only in full collections, so staying in bounds needed frequent forced collections and
 * still ran slower than `aws s3 cp`. With queueSize + 1 buffers reused for the whole upload there is
 * no copy and no garbage. The figures, before and after: the README's benchmark section.
 *
 * What it keeps from lib-storage's contract: parts go up `queueSize` at a time, each with its CRC32
 * (and UNSIGNED-PAYLOAD where services/aws/clients.ts allows it); a body smaller than one part is a
 * single PutObject; and any failure - the producer's, S3's or the progress callback's - waits for the
 * parts in flight and then aborts the multipart upload, so no parts and no partial object remain.
 * Buffers are allocated as parts need them (at most queueSize + 1), so a small body stays small.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { UploadAbortedError, UploadLeftPartsError } from "./storage-errors";

/** S3's limits for a multipart upload. */
export const MAX_PARTS = 10_000;
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** The part size unless a caller asks for another: 8 MiB, as AWS's transfer clients use. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

/** Refuses a part size S3 would refuse (every part but the last must reach the minimum). */
export function checkPartSize(partSize: number): void {
  if (partSize < MIN_PART_SIZE) throw new RangeError(`partSize ${partSize} is below S3's minimum of ${MIN_PART_SIZE} bytes`);
}

/**
 * Fills `buffer` from its start with the next bytes of the body and returns how many it wrote; less
 * than `buffer.length` only at the end of the body (0 once it is over). Throwing stops the upload.
 */
export type PartFiller = (buffer: Buffer) => Promise<number>;

export interface PartUploadOptions {
  partSize: number;
  /** Parts in flight at once; the upload holds queueSize + 1 part buffers. */
  queueSize: number;
  contentType?: string;
  /** Called after each part (and after a single PutObject) with the bytes sent so far. */
  onProgress?: (loaded: number) => void;
}

/** Reads into one reusable buffer at a time until it is full or the body ends. */
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
 * Uploads the body `fill` produces to s3://bucket/key. Throws UploadAbortedError (nothing left
 * behind), or UploadLeftPartsError when even the abort failed.
 */
export async function uploadParts(
  s3: S3Client,
  bucket: string,
  key: string,
  fill: PartFiller,
  options: PartUploadOptions,
): Promise<{ etag?: string | undefined }> {
  const { partSize, queueSize } = options;
  checkPartSize(partSize);
  if (!Number.isInteger(queueSize) || queueSize < 1) throw new RangeError(`queueSize must be a whole number of at least 1 (got ${queueSize})`);
  const contentType = options.contentType ? { ContentType: options.contentType } : {};

  // The first part decides: a body that fits in it goes up as one PutObject.
  const first = Buffer.allocUnsafeSlow(partSize);
  let firstLength: number;
  try {
    firstLength = await fillCompletely(fill, first);
  } catch (err) {
    throw new UploadAbortedError(key, err);
  }
  if (firstLength < partSize) {
    let etag: string | undefined;
    try {
      etag = (
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: first.subarray(0, firstLength), ChecksumAlgorithm: "CRC32", ...contentType }))
      ).ETag;
    } catch (err) {
      throw new UploadAbortedError(key, err);
    }
    try {
      options.onProgress?.(firstLength);
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
    throw new UploadAbortedError(key, err);
  }
  if (!uploadId) throw new UploadAbortedError(key, new Error("S3 returned no UploadId"));
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const free: Buffer[] = [];
  let allocated = 1;
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

  const send = (buffer: Buffer, length: number, partNumber: number) => {
    const part = s3
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          Body: buffer.subarray(0, length),
          ChecksumAlgorithm: "CRC32",
        }),
      )
      .then(
        (result) => {
          completed.push({ PartNumber: partNumber, ETag: result.ETag, ChecksumCRC32: result.ChecksumCRC32 });
          sent += length;
          try {
            options.onProgress?.(sent);
          } catch (err) {
            fail(err);
          }
        },
        (err: unknown) => fail(err),
      )
      .finally(() => {
        inFlight.delete(part);
        // The buffer is S3's until its request is over (retries resend it); then it is ours again.
        free.push(buffer);
        const resume = wake;
        wake = undefined;
        resume?.();
      });
    inFlight.add(part);
  };

  try {
    let partNumber = 1;
    let buffer: Buffer = first;
    let length = firstLength;
    // The first part is already full; each later one is filled while earlier ones are in flight.
    for (;;) {
      if (length > 0) {
        if (partNumber > MAX_PARTS) throw new Error(`the body needs more than S3's ${MAX_PARTS} parts of ${partSize} bytes: use a larger partSize`);
        // At most queueSize parts on the wire; the one extra buffer is the part being filled.
        while (inFlight.size >= queueSize && !failed) await new Promise<void>((resolve) => (wake = resolve));
        if (failed) throw failure;
        send(buffer, length, partNumber++);
      }
      if (length < partSize) break;
      let next = free.shift();
      if (!next && allocated <= queueSize) {
        next = Buffer.allocUnsafeSlow(partSize);
        allocated++;
      }
      // Never empty: queueSize + 1 buffers, at most queueSize of them on the wire.
      if (!next) throw new Error("internal error: no free part buffer");
      buffer = next;
      length = await fillCompletely(fill, buffer);
      if (failed) throw failure;
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
  }
}
