/**
 * What an analysis job does with its input, in bounded memory whatever its size: list every object
 * under `InputDataConfig.S3Uri` in the emulator's S3, read each as a stream (ONE_DOC_PER_LINE: each
 * line a document; ONE_DOC_PER_FILE: each object one), "analyse" each document (analysis.ts), spool
 * the result records to a local file, then stream them to the output folder: `output.tar.gz` (a tar
 * with one file, `output`, gzip-compressed), or for PII one `<input>.out` per input object.
 *
 * Records are JSON, one a line, with AWS's field names (Developer Guide, "Async analysis for Amazon
 * Comprehend insights", the per-type output examples): `File` (the input object's name), `Line`
 * (0-based, ONE_DOC_PER_LINE only), then the real-time API's result fields, or for a document that
 * could not be analysed `ErrorCode` and `ErrorMessage`:
 * - DOCUMENT_SIZE_EXCEEDED, "Document size exceeds maximum size limit <n> bytes.";
 * - UNSUPPORTED_ENCODING, "Document is not in UTF-8 format and all subsequent lines are ignored."
 *   (the rest of that file is skipped);
 * - InternalServerException for a document holding the marker `[[stand-in:error]]` (failure on
 *   demand; the code Batch* calls report a document's internal error with).
 *
 * Job-level failures end the job FAILED with a message: input that cannot be read
 * ("NO_READ_ACCESS_TO_INPUT: …", AWS's wording in the CLI's examples), output that cannot be
 * written ("NO_WRITE_ACCESS_TO_OUTPUT: …"), and the quotas of "Guidelines and quotas" (at least 500
 * bytes and at most 5 GB of input, at most 1,000,000 documents), worded by the stand-in.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { detectDominantLanguage, detectEntities, detectKeyPhrases, detectPiiEntities, detectSentiment, redact } from "./analysis";
import type { JobType } from "./job-types";
import { decodeUtf8, linesOf } from "./lines";
import { type S3Location, fileNameOf, outputFolder, parseS3Uri, piiOutputKey, s3Uri } from "./locations";
import { tarGzOfFile } from "./tar";
import { uploadStream } from "./upload";
import type { InputFormat, MaskMode, PiiMode } from "./validation";

/** The marker that makes a document fail: per-document errors on demand. */
export const ERROR_MARKER = "[[stand-in:error]]";

export const NO_READ_ACCESS = "NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.";
export const NO_WRITE_ACCESS = "NO_WRITE_ACCESS_TO_OUTPUT: The provided data access role does not have write access to the output S3 URI.";

export interface JobInput {
  jobId: string;
  type: JobType;
  inputS3Uri: string;
  inputFormat: InputFormat;
  outputS3Uri: string;
  outputKmsKeyId: string | undefined;
  mode: PiiMode | undefined;
  redaction: { PiiEntityTypes?: string[]; MaskMode?: MaskMode; MaskCharacter?: string } | undefined;
}

export interface JobLimits {
  /** "Minimum total size of all files in a request": 500 bytes. */
  minInputBytes: number;
  /** "Maximum total size of all files in a request": 5 GB. */
  maxInputBytes: number;
  /** "Maximum number of files, one document per file" and "… lines, one document per line": 1,000,000. */
  maxDocuments: number;
}

export const DEFAULT_JOB_LIMITS: Readonly<JobLimits> = { minInputBytes: 500, maxInputBytes: 5 * 1000 ** 3, maxDocuments: 1_000_000 };

export type RunResult = { ok: true; documents: number; errors: number; written: string[] } | { ok: false; message: string };

export interface RunOptions {
  accountId: string;
  limits: JobLimits;
  /** The share of the input to analyse (a stopped job writes what it processed); 1 for all of it. */
  share: number;
  /** The archive entry's modification time. */
  nowSeconds: number;
}

class JobFailure extends Error {}

interface InputObject {
  key: string;
  size: number;
}

/** One document's result record (without File and Line), or its error. */
function analyse(job: JobInput, text: string): Record<string, unknown> | { ErrorCode: string; ErrorMessage: string } {
  if (text.includes(ERROR_MARKER)) {
    return { ErrorCode: "InternalServerException", ErrorMessage: `The stand-in failed this document on request (its text holds ${ERROR_MARKER}).` };
  }
  switch (job.type.operation) {
    case "sentiment":
      return { ...detectSentiment(text) };
    case "entities":
      return { Entities: detectEntities(text) };
    case "key-phrases":
      return { KeyPhrases: detectKeyPhrases(text) };
    case "language":
      return detectDominantLanguage(text);
    case "pii":
      return { Entities: detectPiiEntities(text) };
  }
}

const sizeExceeded = (type: JobType) => ({
  ErrorCode: "DOCUMENT_SIZE_EXCEEDED",
  ErrorMessage: `Document size exceeds maximum size limit ${type.maxDocumentBytes} bytes.`,
});
const UNSUPPORTED_ENCODING = { ErrorCode: "UNSUPPORTED_ENCODING", ErrorMessage: "Document is not in UTF-8 format and all subsequent lines are ignored." };

/** A spool file written with back-pressure. */
class Spool {
  private readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }
  async write(text: string): Promise<void> {
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }
  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }
  destroy(): void {
    this.stream.destroy();
  }
}

function s3ErrorName(err: unknown): string {
  return (err as { name?: string }).name ?? "Error";
}

async function listInput(s3: S3Client, input: S3Location): Promise<InputObject[]> {
  const objects: InputObject[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: input.bucket, Prefix: input.key, ContinuationToken: token }));
      // Zero-byte "folder" markers are not documents.
      for (const o of page.Contents ?? []) if (o.Key && !(o.Key.endsWith("/") && (o.Size ?? 0) === 0)) objects.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    if (s3ErrorName(err) === "NoSuchBucket" || s3ErrorName(err) === "AccessDenied") throw new JobFailure(NO_READ_ACCESS);
    throw err;
  }
  return objects;
}

class Run {
  documents = 0;
  errors = 0;
  private consumed = 0;
  private readonly budget: number;

  constructor(
    private readonly s3: S3Client,
    private readonly job: JobInput,
    private readonly options: RunOptions,
    totalBytes: number,
  ) {
    this.budget = options.share >= 1 ? Infinity : Math.floor(options.share * totalBytes);
  }

  get exhausted(): boolean {
    return this.consumed >= this.budget;
  }

  private redactionOf() {
    const r = this.job.redaction ?? {};
    return { types: r.PiiEntityTypes ?? ["ALL"], maskMode: r.MaskMode ?? "REPLACE_WITH_PII_ENTITY_TYPE", maskCharacter: r.MaskCharacter ?? "*" } as const;
  }

  /** The output line of one document: a JSON record, or for ONLY_REDACTION the redacted text. */
  private line(file: string, line: number | undefined, text: string | undefined, error: { ErrorCode: string; ErrorMessage: string } | undefined): string {
    this.documents++;
    if (this.documents > this.options.limits.maxDocuments) {
      throw new JobFailure(`The input has more than ${this.options.limits.maxDocuments} documents, the most one job may analyse.`);
    }
    const result = error ?? analyse(this.job, text ?? "");
    if ("ErrorCode" in result) this.errors++;
    if (this.job.mode === "ONLY_REDACTION") {
      // A document that could not be analysed is written empty: never unredacted.
      return "ErrorCode" in result ? "\n" : `${redact(text ?? "", detectPiiEntities(text ?? ""), this.redactionOf())}\n`;
    }
    return `${JSON.stringify({ File: file, ...(line === undefined ? {} : { Line: line }), ...result })}\n`;
  }

  private async body(bucket: string, key: string): Promise<Readable> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body as Readable;
    } catch (err) {
      if (["NoSuchKey", "NoSuchBucket", "AccessDenied", "NotFound"].includes(s3ErrorName(err))) throw new JobFailure(NO_READ_ACCESS);
      throw err;
    }
  }

  /** Analyses one input object into `spool`. */
  async object(bucket: string, object: InputObject, spool: Spool): Promise<void> {
    const file = fileNameOf(object.key);
    const limit = this.job.type.maxDocumentBytes;
    if (this.job.inputFormat === "ONE_DOC_PER_FILE") {
      if (object.size > limit) {
        await spool.write(this.line(file, undefined, undefined, sizeExceeded(this.job.type)));
      } else {
        const chunks: Buffer[] = [];
        for await (const chunk of await this.body(bucket, object.key)) chunks.push(chunk as Buffer);
        const text = decodeUtf8(Buffer.concat(chunks));
        await spool.write(this.line(file, undefined, text, text === undefined ? UNSUPPORTED_ENCODING : undefined));
      }
      this.consumed += object.size;
      return;
    }
    let lineNo = 0;
    for await (const line of linesOf(await this.body(bucket, object.key), limit)) {
      if (this.exhausted) return;
      this.consumed += line.length + 1;
      const text = line.oversize ? undefined : decodeUtf8(line.bytes);
      const error = line.oversize ? sizeExceeded(this.job.type) : text === undefined ? UNSUPPORTED_ENCODING : undefined;
      await spool.write(this.line(file, lineNo++, text, error));
      if (error === UNSUPPORTED_ENCODING) return;
    }
  }
}

async function upload(s3: S3Client, target: S3Location, kmsKeyId: string | undefined, body: AsyncIterable<Uint8Array>, contentType: string): Promise<void> {
  try {
    await uploadStream(s3, { ...target, kmsKeyId, contentType }, body);
  } catch (err) {
    if (["NoSuchBucket", "AccessDenied", "KMS.NotFoundException"].includes(s3ErrorName(err))) throw new JobFailure(NO_WRITE_ACCESS);
    throw err;
  }
}

export async function runJob(s3: S3Client, job: JobInput, options: RunOptions): Promise<RunResult> {
  let dir: string | undefined;
  try {
    const input = parseS3Uri(job.inputS3Uri);
    const objects = await listInput(s3, input);
    if (objects.length === 0) throw new JobFailure(`No input files were found at ${job.inputS3Uri}.`);
    const totalBytes = objects.reduce((sum, o) => sum + o.size, 0);
    if (totalBytes < options.limits.minInputBytes) {
      throw new JobFailure(`The input is ${totalBytes} bytes; an asynchronous job needs at least ${options.limits.minInputBytes} bytes of input in all.`);
    }
    if (totalBytes > options.limits.maxInputBytes)
      throw new JobFailure(`The input is ${totalBytes} bytes, over the ${options.limits.maxInputBytes} bytes one job may read.`);
    dir = await mkdtemp(join(tmpdir(), "comprehend-job-"));
    const run = new Run(s3, job, options, totalBytes);
    const folder = outputFolder(job.outputS3Uri, job.type, options.accountId, job.jobId);
    const written: string[] = [];
    if (job.type.operation === "pii") {
      for (const [i, object] of objects.entries()) {
        if (run.exhausted) break;
        const spool = new Spool(join(dir, `${i}.out`));
        try {
          await run.object(input.bucket, object, spool);
        } finally {
          await spool.close();
        }
        const target = piiOutputKey(folder, input.key, object.key);
        await upload(s3, target, job.outputKmsKeyId, createReadStream(spool.path), "text/plain");
        written.push(s3Uri(target));
        await rm(spool.path, { force: true });
      }
    } else {
      const spool = new Spool(join(dir, "output"));
      try {
        for (const object of objects) {
          if (run.exhausted) break;
          await run.object(input.bucket, object, spool);
        }
      } finally {
        await spool.close();
      }
      // A stopped job that processed nothing writes nothing.
      if (run.documents > 0 || options.share >= 1) {
        const target = { bucket: folder.bucket, key: `${folder.key}output.tar.gz` };
        await upload(s3, target, job.outputKmsKeyId, tarGzOfFile("output", spool.path, options.nowSeconds), "application/gzip");
        written.push(s3Uri(target));
      }
    }
    return { ok: true, documents: run.documents, errors: run.errors, written };
  } catch (err) {
    if (err instanceof JobFailure) return { ok: false, message: err.message };
    return { ok: false, message: `INTERNAL_SERVER_ERROR: the stand-in failed to run the job: ${s3ErrorName(err)}: ${(err as Error).message}` };
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
