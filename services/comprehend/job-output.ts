/**
 * A finished job's output, found where Describe* says it is, read as records in line order, and
 * each record turned into our result shape (the sync API's fields, so api.ts's converters apply) or
 * a per-document error (`ErrorCode`, `ErrorMessage`).
 *
 * Where: every job type but PII writes one `output/output.tar.gz`, and Describe* answers its URI;
 * PII jobs write one `<input file>.out` per input file under their `output/` folder, which is listed.
 */
import { type ListObjectsV2CommandOutput, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import type { DominantLanguage, Entity as SdkEntity, KeyPhrase as SdkKeyPhrase, PiiEntity as SdkPiiEntity, SentimentScore } from "@aws-sdk/client-comprehend";
import type { ServiceContext } from "../context";
import { assertAiKey } from "../storage";
import { entitiesOf, keyPhrasesOf, languageOf, piiOf, sentimentOf } from "./api";
import { OutputFormatError, type OutputRecord, outputRecords } from "./job-archive";
import { inLineOrder } from "./job-order";
import type { CompletedJob } from "./job-types";
import type { Operation } from "./text";
import type { DocumentError, OperationResult } from "./types";

/** The output objects of a job, in key order, with their format. */
export async function outputObjects(ctx: ServiceContext, job: CompletedJob): Promise<{ key: string; format: "tar.gz" | "lines" }[]> {
  const prefix = `s3://${ctx.storage.bucket}/`;
  if (!job.outputUri.startsWith(prefix)) throw new OutputFormatError(job.jobArn, `its output ${job.outputUri} is not in the AI bucket ${ctx.storage.bucket}`);
  const key = job.outputUri.slice(prefix.length);
  if (key.endsWith(".tar.gz")) {
    assertAiKey(key);
    return [{ key, format: "tar.gz" }];
  }
  // A folder (PII): its `.out` files. When Describe answered the run's folder rather than the job's, keep the job's own.
  const folder = key.endsWith("/") ? key : `${key}/`;
  assertAiKey(folder.slice(0, -1));
  const own = folder.includes(job.jobId);
  const keys: string[] = [];
  const pages = paginateListObjectsV2({ client: ctx.clients.s3 }, { Bucket: ctx.storage.bucket, Prefix: folder });
  for await (const page of pages as AsyncIterable<ListObjectsV2CommandOutput>) {
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith(".out") && (own || o.Key.includes(`-${job.jobId}/`))) keys.push(o.Key);
    }
  }
  if (keys.length === 0) throw new OutputFormatError(job.jobArn, `no .out file under ${prefix}${folder}`);
  return keys.sort().map((k) => ({ key: k, format: "lines" as const }));
}

/** Every record of a job, in line order 0..lines-1 (job-order.ts), one output object after another. */
export async function* jobRecords(
  ctx: ServiceContext,
  job: CompletedJob,
  lines: number,
  options: { tempDir: string; window?: number | undefined },
): AsyncGenerator<OutputRecord> {
  const objects = await outputObjects(ctx, job);
  async function* all(): AsyncGenerator<OutputRecord> {
    for (const o of objects) {
      const body = await ctx.storage.download(o.key);
      yield* outputRecords(body, o.format, `${ctx.storage.uriOf(o.key)} (${job.operation} job ${job.jobArn})`);
    }
  }
  yield* inLineOrder(all(), lines, { where: `the output of ${job.operation} job ${job.jobArn}`, window: options.window, tempDir: options.tempDir });
}

export type RecordOutcome<Op extends Operation> = { result: OperationResult<Op>; error?: undefined } | { result?: undefined; error: DocumentError };

type Convert<Op extends Operation> = (v: Record<string, unknown>) => OperationResult<Op>;

// Mapped over the operations, so indexing with an `Op` keeps the result type tied to it.
const CONVERT: { [Op in Operation]: Convert<Op> } = {
  sentiment: (v) => sentimentOf(v["Sentiment"] as string | undefined, v["SentimentScore"] as SentimentScore | undefined),
  entities: (v) => entitiesOf(v["Entities"] as SdkEntity[] | undefined),
  "key-phrases": (v) => keyPhrasesOf(v["KeyPhrases"] as SdkKeyPhrase[] | undefined),
  language: (v) => languageOf(v["Languages"] as DominantLanguage[] | undefined),
  pii: (v) => piiOf(v["Entities"] as SdkPiiEntity[] | undefined),
};

/** One record as our result, or the per-document error it reports. */
export function outcomeOf<Op extends Operation>(op: Op, record: OutputRecord): RecordOutcome<Op> {
  const v = record.value;
  if (typeof v["ErrorCode"] === "string" || typeof v["ErrorMessage"] === "string") {
    return {
      error: {
        code: typeof v["ErrorCode"] === "string" ? v["ErrorCode"] : "UnknownError",
        message: typeof v["ErrorMessage"] === "string" ? v["ErrorMessage"] : "no message",
      },
    };
  }
  return { result: CONVERT[op](v) };
}
