/**
 * Writing a stream to S3 in bounded memory: parts of 8 MiB, one at a time (S3's multipart upload:
 * every part but the last at least 5 MiB); a body smaller than one part goes up as one PutObject.
 * A failure aborts the multipart upload, so no parts remain. With a KMS key, the object is written
 * SSE-KMS with it, as Comprehend writes output under `OutputDataConfig.KmsKeyId`.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  type CompletedPart,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { S3Location } from "./locations";

export const PART_BYTES = 8 * 1024 * 1024;

export interface UploadTarget extends S3Location {
  kmsKeyId?: string | undefined;
  contentType?: string;
}

export async function uploadStream(s3: S3Client, target: UploadTarget, body: AsyncIterable<Uint8Array>, partBytes = PART_BYTES): Promise<number> {
  const encryption = target.kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: target.kmsKeyId } : {};
  const part = Buffer.alloc(partBytes);
  let filled = 0;
  let total = 0;
  let uploadId: string | undefined;
  const parts: CompletedPart[] = [];
  const sendPart = async () => {
    uploadId ??= (await s3.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ContentType: target.contentType, ...encryption })))
      .UploadId;
    const PartNumber = parts.length + 1;
    const answer = await s3.send(
      new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, PartNumber, Body: part.subarray(0, filled), ContentLength: filled }),
    );
    parts.push({ PartNumber, ETag: answer.ETag });
    filled = 0;
  };
  try {
    for await (const chunk of body) {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(partBytes - filled, chunk.length - at);
        part.set(chunk.subarray(at, at + n), filled);
        filled += n;
        at += n;
        total += n;
        if (filled === partBytes) await sendPart();
      }
    }
    if (uploadId === undefined) {
      await s3.send(
        new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: part.subarray(0, filled), ContentType: target.contentType, ...encryption }),
      );
      return total;
    }
    if (filled > 0) await sendPart();
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return total;
  } catch (err) {
    if (uploadId !== undefined) {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId })).catch(() => undefined);
    }
    throw err;
  }
}
