/**
 * What a batch inference or batch segment job does with S3: read every object whose key starts
 * with `jobInput.s3DataSource.path` ("Amazon S3 is prefix based ... end the path with / to use only
 * the files within a folder", Creating a batch inference job), answer each line (batch-lines.ts),
 * and write `<output path>/<input file name>.out` per input file ("The output file's name will be of
 * the format input-name.out"). Input is read line by line and output written in parts, so a job's
 * memory does not grow with its input. It reads and writes with the stand-in's own S3 credentials,
 * not `roleArn` (as import-job.ts: whether the role may is the verifier's check).
 *
 * Limits, from the Personalize quotas page: at most 1000 input files and 1 GB of input per batch
 * inference job, 50 million records per input file; per input file at most 500 queries for
 * Item-Affinity and 10 for Item-Attribute-Affinity. The failure reasons' wording is the stand-in's.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { answerLine, type LineContext } from "./batch-lines";
import { OutputWriter } from "./output-writer";

export type BatchRunResult = { ok: true; inputs: string[]; outputs: string[]; lines: number; errors: number } | { ok: false; reason: string };

export interface BatchRunRequest {
  kind: "inference" | "segment";
  inputPath: string;
  outputPath: string;
  lines: LineContext;
}

export const BATCH_LIMITS = {
  maxFiles: 1000,
  maxBytes: 1024 ** 3,
  maxRecordsPerFile: 50_000_000,
  /** Queries per input file of a batch segment job, by recipe. */
  segmentQueries: { "aws-item-affinity": 500, "aws-item-attribute-affinity": 10 } as Readonly<Record<string, number>>,
} as const;

class BatchFailure extends Error {}

function location(uri: string, what: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new BatchFailure(`The ${what} path ${uri} is not an s3:// location; this local stand-in reads and writes S3 only.`);
  return { bucket: match[1] as string, key: match[2] ?? "" };
}

function s3Failure(uri: string, err: unknown): BatchFailure {
  const e = err as { name?: string; message?: string };
  if (e.name === "NoSuchBucket") return new BatchFailure(`The bucket of ${uri} does not exist (NoSuchBucket).`);
  if (e.name === "NoSuchKey" || e.name === "NotFound") return new BatchFailure(`Input file ${uri} does not exist (NoSuchKey).`);
  if (e.name === "AccessDenied" || e.name === "Forbidden") {
    return new BatchFailure(`Insufficient privileges for accessing data in S3: fix the bucket policy or the role's permissions for ${uri}.`);
  }
  return new BatchFailure(`Failed to access ${uri}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
}

/** The part of an input key that names its output: after the folder the input path is in. */
function relativeName(key: string, inputKey: string): string {
  const folder = inputKey.slice(0, inputKey.lastIndexOf("/") + 1);
  return key.slice(folder.length);
}

export class BatchRunner {
  constructor(private readonly s3: S3Client | undefined) {}

  async run(request: BatchRunRequest): Promise<BatchRunResult> {
    try {
      return await this.runAll(request);
    } catch (err) {
      if (err instanceof BatchFailure) return { ok: false, reason: err.message };
      return { ok: false, reason: `The batch job failed: ${(err as Error).message}` };
    }
  }

  private async runAll(request: BatchRunRequest): Promise<BatchRunResult> {
    const input = location(request.inputPath, "input");
    const output = location(request.outputPath, "output");
    if (!this.s3) throw new BatchFailure(`This local stand-in was started without an S3 endpoint, so it cannot read ${request.inputPath}.`);
    const objects = await this.list(input.bucket, input.key, request.inputPath);
    if (objects.length === 0) throw new BatchFailure(`No input files were found at ${request.inputPath}.`);
    if (objects.length > BATCH_LIMITS.maxFiles) {
      throw new BatchFailure(`The input at ${request.inputPath} has ${objects.length} files; a batch job reads at most ${BATCH_LIMITS.maxFiles}.`);
    }
    const bytes = objects.reduce((sum, o) => sum + o.size, 0);
    if (bytes > BATCH_LIMITS.maxBytes) {
      throw new BatchFailure(
        `The input at ${request.inputPath} has ${bytes} bytes; a batch job's input may have at most 1 GB (${BATCH_LIMITS.maxBytes} bytes).`,
      );
    }
    const outputFolder = output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`;
    const result = { ok: true as const, inputs: [] as string[], outputs: [] as string[], lines: 0, errors: 0 };
    for (const object of objects) {
      const inputUri = `s3://${input.bucket}/${object.key}`;
      const writer = new OutputWriter(this.s3, output.bucket, `${outputFolder}${relativeName(object.key, input.key)}.out`);
      try {
        const counts = await this.answerFile(await this.open(input.bucket, object.key, inputUri), inputUri, writer, request.lines);
        await writer.finish();
        result.lines += counts.lines;
        result.errors += counts.errors;
      } catch (err) {
        await writer.abort();
        throw err instanceof BatchFailure ? err : s3Failure(`s3://${output.bucket}/${writer.key}`, err);
      }
      result.inputs.push(inputUri);
      result.outputs.push(`s3://${output.bucket}/${writer.key}`);
    }
    return result;
  }

  private async list(bucket: string, prefix: string, uri: string): Promise<{ key: string; size: number }[]> {
    const s3 = this.s3 as S3Client;
    const objects: { key: string; size: number }[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith("/")) objects.push({ key: o.Key, size: o.Size ?? 0 });
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Failure(uri, err);
    }
    return objects;
  }

  private async open(bucket: string, key: string, uri: string): Promise<Readable> {
    try {
      const object = await (this.s3 as S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body as Readable;
    } catch (err) {
      throw s3Failure(uri, err);
    }
  }

  private async answerFile(body: Readable, uri: string, writer: OutputWriter, ctx: LineContext): Promise<{ lines: number; errors: number }> {
    const maxQueries = ctx.recipeType === "USER_SEGMENTATION" ? BATCH_LIMITS.segmentQueries[ctx.recipe] : undefined;
    const maxRecords = maxQueries ?? BATCH_LIMITS.maxRecordsPerFile;
    let lines = 0;
    let errors = 0;
    const reader = createInterface({ input: body, crlfDelay: Infinity });
    try {
      for await (const line of reader) {
        const answer = answerLine(line, ctx);
        if (!answer) continue;
        if (++lines > maxRecords) {
          throw new BatchFailure(
            maxQueries !== undefined
              ? `Input file ${uri} has more than ${maxQueries} queries; the ${ctx.recipe} recipe takes at most ${maxQueries} per input file.`
              : `Input file ${uri} has more than ${maxRecords} records; a batch inference job takes at most ${maxRecords} per input file.`,
          );
        }
        if (typeof answer["error"] === "string") errors++;
        await writer.write(`${JSON.stringify(answer)}\n`);
      }
    } finally {
      reader.close();
      body.destroy();
    }
    return { lines, errors };
  }
}
