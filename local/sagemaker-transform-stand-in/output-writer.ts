/**
 * One `.out` object, written as SageMaker writes results: through S3 multipart upload
 * (batch-transform.md, "Batch Transform Errors"), so memory holds at most one part whatever the
 * output's size, and an output that fails part-way is aborted and leaves no object ("Batch transform
 * doesn't upload partially processed objects", TransformOutput). Small outputs go up as one PutObject.
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
import type { S3Location } from "./s3-objects";

/** S3's minimum part size is 5 MiB; 8 MiB as AWS's transfer clients use. */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
export const MIN_PART_BYTES = 5 * 1024 * 1024;

export class OutputWriter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];
  /** Bytes written so far. */
  bytes = 0;

  constructor(
    private readonly s3: S3Client,
    private readonly target: S3Location,
    private readonly kmsKeyId: string | undefined,
    private readonly partBytes = DEFAULT_PART_BYTES,
  ) {}

  private get encryption() {
    return this.kmsKeyId ? { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: this.kmsKeyId } : {};
  }

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, "utf8");
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.bytes += chunk.length;
    if (this.buffered >= this.partBytes) await this.flushPart();
  }

  private async flushPart(): Promise<void> {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    if (!this.uploadId) {
      const created = await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, ...this.encryption }));
      this.uploadId = created.UploadId;
    }
    const partNumber = this.parts.length + 1;
    const sent = await this.s3.send(
      new UploadPartCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }),
    );
    this.parts.push({ PartNumber: partNumber, ETag: sent.ETag });
  }

  /** Makes the object: everything written, as one object. */
  async finish(): Promise<void> {
    if (!this.uploadId) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.target.bucket, Key: this.target.key, Body: Buffer.concat(this.chunks), ...this.encryption }));
      this.chunks = [];
      return;
    }
    if (this.buffered > 0) await this.flushPart();
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.target.bucket,
        Key: this.target.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
  }

  /** Leaves nothing: no object, no parts. */
  async abort(): Promise<void> {
    this.chunks = [];
    if (!this.uploadId) return;
    await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.target.bucket, Key: this.target.key, UploadId: this.uploadId })).catch(() => undefined);
  }
}
