/**
 * Writes one output object as it is produced, in parts of 8 MiB (S3's multipart minimum is 5 MiB
 * but the last part), so a batch job's output of any size holds one part in memory. An output
 * smaller than one part is a single PutObject. Nothing is visible until `finish()`; `abort()`
 * leaves no object and no parts.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";

const PART_BYTES = 8 * 1024 * 1024;

export class OutputWriter {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  /** Bytes written so far. */
  bytes = 0;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
  ) {}

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, "utf8");
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.bytes += chunk.length;
    if (this.buffered >= PART_BYTES) await this.flushPart();
  }

  private take(): Buffer {
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.buffered = 0;
    return body;
  }

  private async flushPart(): Promise<void> {
    this.uploadId ??= (await this.s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: "application/json" }))).UploadId;
    const PartNumber = this.parts.length + 1;
    const answer = await this.s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber, Body: this.take() }));
    this.parts.push({ ETag: answer.ETag ?? "", PartNumber });
  }

  async finish(): Promise<void> {
    if (!this.uploadId) {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: this.take(), ContentType: "application/json" }));
      return;
    }
    if (this.buffered > 0) await this.flushPart();
    await this.s3.send(
      new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }),
    );
  }

  async abort(): Promise<void> {
    this.take();
    if (this.uploadId)
      await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }
}
