/**
 * A completed transform job's results, read back in input order with bounded memory: the input
 * objects as the job saw them (S3Prefix: every object under the prefix, in key order; ManifestFile:
 * the manifest's order), and for each its `<S3OutputPath>/<key after the prefix's folder>.out`
 * (one `.out` per input object, "with the same name", "in a corresponding subfolder": TransformOutput
 * and the batch transform guide), one result per line ("The predictions in an output file are listed
 * in the same order as the corresponding records in the input file").
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { DescribeTransformJobCommandOutput } from "@aws-sdk/client-sagemaker";
import type { ServiceContext } from "../context";
import { SageMakerInputError } from "./validate";

export interface TransformResultRecord {
  /** The input object this result is for (`s3://...`). */
  input: string;
  /** Its place among that object's records, from 0. */
  record: number;
  /** The model's answer for it, as the `.out` line holds it. */
  output: string;
}

function location(uri: string, field: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new SageMakerInputError(field, `${uri} is not an s3:// URI`);
  return { bucket: match[1] as string, key: match[2] ?? "" };
}

const folderOf = (prefix: string): string => prefix.slice(0, prefix.lastIndexOf("/") + 1);

/** Input objects as the job read them: [bucket, key, key relative to the prefix's folder]. */
async function* inputObjects(ctx: ServiceContext, dataType: string, uri: string): AsyncGenerator<{ bucket: string; key: string; relative: string }> {
  const source = location(uri, "TransformInput.S3Uri");
  if (dataType === "ManifestFile") {
    const got = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
    const entries = JSON.parse((await got.Body?.transformToString("utf8")) ?? "[]") as unknown[];
    const [head, ...relatives] = entries;
    const base = location(String((head as { prefix?: unknown } | undefined)?.prefix ?? ""), "manifest prefix");
    for (const relative of relatives) yield { bucket: base.bucket, key: `${base.key}${String(relative)}`, relative: String(relative) };
    return;
  }
  const folder = folderOf(source.key);
  let token: string | undefined;
  do {
    const page = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: source.bucket, Prefix: source.key, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key && !object.Key.endsWith("/")) yield { bucket: source.bucket, key: object.Key, relative: object.Key.slice(folder.length) };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Every result of a completed job, object by object in input order, lines in order. */
export async function* readResults(ctx: ServiceContext, job: DescribeTransformJobCommandOutput): AsyncGenerator<TransformResultRecord> {
  const name = job.TransformJobName ?? "";
  if (job.TransformOutput?.AssembleWith !== "Line") {
    throw new SageMakerInputError(
      "jobName",
      `transform job ${name} joined its results without line breaks (AssembleWith ${job.TransformOutput?.AssembleWith ?? "None"}), so they cannot be told apart: read its .out objects under ${job.TransformOutput?.S3OutputPath} as a whole`,
    );
  }
  const source = job.TransformInput?.DataSource?.S3DataSource;
  const output = location(job.TransformOutput.S3OutputPath ?? "", "TransformOutput.S3OutputPath");
  const outputFolder = output.key === "" || output.key.endsWith("/") ? output.key : `${output.key}/`;
  for await (const input of inputObjects(ctx, source?.S3DataType ?? "S3Prefix", source?.S3Uri ?? "")) {
    const key = `${outputFolder}${input.relative}.out`;
    let body: Readable;
    try {
      body = (await ctx.clients.s3.send(new GetObjectCommand({ Bucket: output.bucket, Key: key }))).Body as Readable;
    } catch (err) {
      if ((err as { name?: string }).name === "NoSuchKey") {
        throw new Error(
          `transform job ${name} has no output s3://${output.bucket}/${key} for its input s3://${input.bucket}/${input.key} (was the input changed after the job ran?)`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const lines = createInterface({ input: body, crlfDelay: Infinity });
    let record = 0;
    try {
      for await (const line of lines) {
        yield { input: `s3://${input.bucket}/${input.key}`, record: record++, output: line };
      }
    } finally {
      lines.close();
      body.destroy();
    }
  }
}
