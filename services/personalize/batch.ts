/**
 * Personalize batch jobs end to end: `batchRecommend` (a batch inference job) and `batchSegment` (a
 * batch segment job) check the options and the solution version, stream the input as JSON lines to
 * `personalize/batch/<job>/input/input.jsonl` (checked record by record on the way: batch-input.ts),
 * say what the job costs, start it with the Personalize role and output to
 * `personalize/batch/<job>/output/`, wait (services/poll.ts: status changes with the elapsed time,
 * a cap), and read the results back line by line (batch-output.ts). `readBatchResults` picks a job
 * up by ARN, e.g. after a wait that timed out. Personalize has no waiters and no Stop or Delete for
 * batch jobs: a job that outlives the wait simply goes on.
 */
import type { BatchInferenceJob, BatchSegmentJob } from "@aws-sdk/client-personalize";
import { classify, PROJECT_TAG } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { formatDuration, pollUntil, WaitFailedError, WaitTimeoutError } from "../poll";
import { assertAiKey, UploadAbortedError } from "../storage";
import { inputLines, type InputStats } from "./batch-input";
import { listKeys, readOutput } from "./batch-output";
import {
  PERSONALIZE_BATCH_LIMITS,
  BatchInputError,
  BatchJobFailedError,
  type BatchJobOptions,
  type BatchJobRun,
  type BatchKind,
  type BatchRecommendation,
  type BatchSegmentResult,
  type BatchWaitOptions,
  BatchWaitTimeoutError,
  type BatchRecordKind,
} from "./batch-types";
import { ownedArn, ownedName } from "./owned";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

export const DEFAULT_BATCH_WAIT_TIMEOUT_MS = 6 * 3600_000;
export const DEFAULT_BATCH_POLL_INTERVAL_MS = 15_000;
export const DEFAULT_BATCH_MAX_POLL_INTERVAL_MS = 120_000;
const DEFAULT_UPLOAD_QUEUE = 4;

const VERSION_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:solution\/[^/]+\/[^/]+$/;
const FILTER_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:filter\/[^/]+$/;
const JOB_ARN: Readonly<Record<BatchKind, RegExp>> = {
  inference: /^arn:[\w-]+:personalize:[\w-]+:\d{12}:batch-inference-job\/[^/]+$/,
  segment: /^arn:[\w-]+:personalize:[\w-]+:\d{12}:batch-segment-job\/[^/]+$/,
};
/** Personalize's name rule (the API reference's jobName). */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/;
const WHAT: Readonly<Record<BatchKind, string>> = { inference: "batch inference job", segment: "batch segment job" };

/**
 * Which records each recipe takes (the input examples per recipe type); Trending-Now and
 * Next-Best-Action give no batch recommendations ("You can't get batch recommendations with the
 * Trending-Now or Next-Best-Action recipes"). A recipe not listed is not checked.
 */
const RECIPE_RECORDS: Readonly<Record<string, { job: BatchKind; kinds: readonly BatchRecordKind[] } | "none">> = {
  "aws-user-personalization": { job: "inference", kinds: ["user"] },
  "aws-user-personalization-v2": { job: "inference", kinds: ["user"] },
  "aws-popularity-count": { job: "inference", kinds: ["user"] },
  "aws-hrnn": { job: "inference", kinds: ["user"] },
  "aws-hrnn-metadata": { job: "inference", kinds: ["user"] },
  "aws-hrnn-coldstart": { job: "inference", kinds: ["user"] },
  "aws-sims": { job: "inference", kinds: ["item"] },
  "aws-similar-items": { job: "inference", kinds: ["item"] },
  "aws-personalized-ranking": { job: "inference", kinds: ["ranking"] },
  "aws-personalized-ranking-v2": { job: "inference", kinds: ["ranking"] },
  "aws-item-affinity": { job: "segment", kinds: ["itemAffinity"] },
  "aws-item-attribute-affinity": { job: "segment", kinds: ["itemAttributes"] },
  "aws-trending-now": "none",
  "aws-next-best-action": "none",
};

type Described = BatchInferenceJob | BatchSegmentJob;
type ResultOf<K extends BatchKind> = K extends "inference" ? BatchRecommendation : BatchSegmentResult;

const fail = (m: string) => new BatchInputError(m);

/** Everything about the options that can be told without AWS: before any call or upload. */
export function checkBatchOptions<T>(ctx: ServiceContext, kind: BatchKind, options: BatchJobOptions<T>): { jobName: string; roleArn: string } {
  const { solutionVersionArn, numResults, filterArn, name } = options;
  if (typeof solutionVersionArn !== "string" || !VERSION_ARN.test(solutionVersionArn)) {
    throw fail(
      `solutionVersionArn "${String(solutionVersionArn)}" is not a solution version ARN: expected arn:aws:personalize:REGION:ACCOUNT:solution/NAME/ID`,
    );
  }
  ownedArn(ctx, "solutionVersionArn", solutionVersionArn, fail);
  const max = kind === "inference" ? PERSONALIZE_BATCH_LIMITS.maxInferenceResults : PERSONALIZE_BATCH_LIMITS.maxSegmentUsers;
  if (numResults !== undefined && (!Number.isInteger(numResults) || numResults < 1 || numResults > max)) {
    throw fail(`numResults must be a whole number from 1 to ${max} (got ${numResults}); Personalize's default is ${PERSONALIZE_BATCH_LIMITS.defaultResults}`);
  }
  if (filterArn !== undefined && !FILTER_ARN.test(filterArn))
    throw fail(`filterArn "${filterArn}" is not a filter ARN: expected arn:aws:personalize:REGION:ACCOUNT:filter/NAME`);
  if (options.input === undefined || options.input === null) throw fail("input is required: records (an iterable) or { path } of a JSON-lines file");
  for (const [field, value] of [
    ["waitTimeoutMs", options.waitTimeoutMs],
    ["pollIntervalMs", options.pollIntervalMs],
    ["uploadConcurrency", options.uploadConcurrency],
  ] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw fail(`${field} must be a number above 0 (got ${value})`);
  }
  const prefix = ctx.config.resourceNamePrefix;
  const jobName = name ?? `${prefix}-${kind === "inference" ? "batch" : "segment"}-${Date.now()}`;
  ownedName(ctx, "name", jobName, fail);
  if (!NAME.test(jobName)) throw fail(`name "${jobName}" must be 1 to 63 letters, digits, "-" or "_", starting with a letter or digit`);
  const roleArn = ctx.config.personalizeRoleArn;
  if (!roleArn) throw fail("no Personalize role: set PERSONALIZE_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)");
  return { jobName, roleArn };
}

/** Contexts already told that their endpoint cannot describe solution versions: said once. */
const toldNoDescribe = new WeakSet<ServiceContext>();

/** The version must exist and be ACTIVE; answers the records its recipe takes, when the recipe is known. */
async function checkVersion(ctx: ServiceContext, kind: BatchKind, arn: string): Promise<{ kinds: readonly BatchRecordKind[]; recipe: string } | undefined> {
  let version;
  try {
    version = (await ctx.clients.personalize.send(new (sdkPersonalize().DescribeSolutionVersionCommand)({ solutionVersionArn: arn }))).solutionVersion;
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") throw fail(`solution version ${arn} does not exist (DescribeSolutionVersion)`);
    if (classify(err, "personalize:DescribeSolutionVersion", arn).kind !== "unavailable") throw err;
    if (!toldNoDescribe.has(ctx)) {
      toldNoDescribe.add(ctx);
      ctx.logger.warn("this endpoint does not implement DescribeSolutionVersion: the solution version is not checked before the upload");
    }
    return undefined;
  }
  if (version?.status !== "ACTIVE") {
    throw fail(`solution version ${arn} is ${version?.status ?? "in an unknown state"}: a batch job needs an ACTIVE (trained) version`);
  }
  const recipe = /recipe\/(.+)$/.exec(version.recipeArn ?? "")?.[1] ?? "";
  const known = RECIPE_RECORDS[recipe];
  if (known === "none")
    throw fail(
      `solution version ${arn} uses ${recipe}, which gives no batch recommendations (Personalize: "You can't get batch recommendations with the Trending-Now or Next-Best-Action recipes")`,
    );
  if (known && known.job !== kind) {
    throw fail(
      known.job === "segment"
        ? `solution version ${arn} uses the user-segmentation recipe ${recipe}: use batchSegment (\`personalize batch-segment\`)`
        : `solution version ${arn} uses ${recipe}, which makes recommendations, not user segments: use batchRecommend (\`personalize batch-recommend\`)`,
    );
  }
  return known ? { kinds: known.kinds, recipe } : undefined;
}

/** The cost, said before the job starts. */
function announceCost(ctx: ServiceContext, kind: BatchKind, jobName: string, records: number, numResults: number): void {
  const total = (records * numResults).toLocaleString("en-US");
  ctx.logger.warn(
    kind === "inference"
      ? `cost: batch inference job ${jobName} is billed by Amazon Personalize for the recommendations it generates: ${records} input record(s) x ${numResults} = up to ${total} recommendations (see aws.amazon.com/personalize/pricing); no campaign is involved.`
      : `cost: batch segment job ${jobName} is billed by Amazon Personalize for the user segments it generates: ${records} quer(ies) x up to ${numResults} users = up to ${total} users (see aws.amazon.com/personalize/pricing).`,
  );
}

async function describe(ctx: ServiceContext, kind: BatchKind, jobArn: string): Promise<Described | undefined> {
  const sdk = sdkPersonalize();
  return kind === "inference"
    ? (await ctx.clients.personalize.send(new sdk.DescribeBatchInferenceJobCommand({ batchInferenceJobArn: jobArn }))).batchInferenceJob
    : (await ctx.clients.personalize.send(new sdk.DescribeBatchSegmentJobCommand({ batchSegmentJobArn: jobArn }))).batchSegmentJob;
}

/** Waits until ACTIVE; CREATE FAILED and the cap become BatchJobFailedError and BatchWaitTimeoutError. */
async function waitForJob(ctx: ServiceContext, kind: BatchKind, jobArn: string, options: BatchWaitOptions): Promise<Described | undefined> {
  let inputUri = "";
  try {
    return await pollUntil<Described | undefined>({
      what: `${WHAT[kind]} ${jobArn}`,
      describe: async () => {
        const job = await describe(ctx, kind, jobArn);
        inputUri = job?.jobInput?.s3DataSource?.path ?? inputUri;
        return job;
      },
      statusOf: (j) => j?.status ?? "UNKNOWN",
      reasonOf: (j) => j?.failureReason,
      done: ["ACTIVE"],
      failed: ["CREATE FAILED"],
      intervalMs: options.pollIntervalMs ?? DEFAULT_BATCH_POLL_INTERVAL_MS,
      maxIntervalMs: options.maxPollIntervalMs ?? DEFAULT_BATCH_MAX_POLL_INTERVAL_MS,
      timeoutMs: options.waitTimeoutMs ?? DEFAULT_BATCH_WAIT_TIMEOUT_MS,
      onStatus: (s) => {
        ctx.logger.info(`personalize: ${WHAT[kind]} ${jobArn}: ${s.status} after ${formatDuration(s.elapsedMs)}`);
        options.onStatus?.({ ...s, jobArn });
      },
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (err) {
    if (err instanceof WaitFailedError) throw new BatchJobFailedError(jobArn, err.reason, inputUri);
    if (err instanceof WaitTimeoutError) throw new BatchWaitTimeoutError(jobArn, err.status, err.elapsedMs);
    throw err;
  }
}

/** The key (or folder, ending in "/") of an S3 path the job names, checked to be in the AI bucket under an AI prefix. */
function keyOf(ctx: ServiceContext, uri: string | undefined, field: string): string {
  if (!uri) throw new BatchInputError(`the job has no ${field}`);
  const folder = uri.endsWith("/");
  const { key } = ctx.storage.keyOfUri(folder ? uri.slice(0, -1) : uri, field);
  return folder ? `${key}/` : key;
}

/** Deletes the job's input (every object the input path names, as Personalize read them) and its output. */
async function removeJobObjects(ctx: ServiceContext, inputKey: string, outputPrefix: string): Promise<number> {
  const keys = [...new Set([...(await listKeys(ctx, inputKey)), ...(await listKeys(ctx, outputPrefix))])];
  for (const key of keys) await ctx.storage.delete(key);
  return keys.length;
}

interface ResultsPlan {
  kind: BatchKind;
  jobArn: string;
  /** The records sent, when this run sent them: the output is checked against it. */
  records?: number;
  cleanup?: boolean;
  wait: BatchWaitOptions;
}

/** Waits if need be, then streams the results; with `cleanup`, removes the job's objects when the reading ends (not when it fails). */
async function* results(ctx: ServiceContext, plan: ResultsPlan): AsyncGenerator<BatchRecommendation | BatchSegmentResult> {
  let job = await describe(ctx, plan.kind, plan.jobArn);
  if (job?.status === "CREATE FAILED") throw new BatchJobFailedError(plan.jobArn, job.failureReason, job.jobInput?.s3DataSource?.path ?? "");
  if (job?.status !== "ACTIVE") job = await waitForJob(ctx, plan.kind, plan.jobArn, plan.wait);
  const inputKey = keyOf(ctx, job?.jobInput?.s3DataSource?.path, "jobInput path");
  const outputKey = keyOf(ctx, job?.jobOutput?.s3DataDestination?.path, "jobOutput path");
  // Personalize treats the output path as a folder either way.
  const outputPrefix = outputKey.endsWith("/") ? outputKey : `${outputKey}/`;
  let read = 0;
  let failed = false;
  try {
    for await (const result of readOutput(ctx, plan.kind, outputPrefix)) {
      read++;
      yield result;
    }
    if (plan.records !== undefined && read !== plan.records) {
      ctx.logger.warn(`personalize: ${plan.jobArn} wrote ${read} result(s) for ${plan.records} input record(s)`);
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    if (plan.cleanup && !failed) {
      const removed = await removeJobObjects(ctx, inputKey, outputPrefix);
      ctx.logger.info(`personalize: removed the ${removed} input and output object(s) of ${plan.jobArn}`);
    }
  }
}

function run<K extends BatchKind>(ctx: ServiceContext, job: Omit<BatchJobRun<ResultOf<K>>, "results">, plan: ResultsPlan): BatchJobRun<ResultOf<K>> {
  return { ...job, results: () => results(ctx, plan) as AsyncIterable<ResultOf<K>> };
}

/** Uploads the input, starts the job, waits (unless told not to): the run, whose `results()` reads the output. */
export async function startBatchJob<K extends BatchKind, T>(ctx: ServiceContext, kind: K, options: BatchJobOptions<T>): Promise<BatchJobRun<ResultOf<K>>> {
  const started = Date.now();
  const { jobName, roleArn } = checkBatchOptions(ctx, kind, options);
  const expected = await checkVersion(ctx, kind, options.solutionVersionArn);
  const folder = `${ctx.config.prefixes.personalizeBatch}${jobName}/`;
  const inputKey = `${folder}input/input.jsonl`;
  const outputPrefix = `${folder}output/`;
  assertAiKey(inputKey);
  const stats: InputStats = { records: 0, bytes: 0, kind: undefined };
  try {
    await ctx.storage.upload(inputKey, inputLines(options.input, kind, stats, expected), {
      contentType: "application/json",
      queueSize: options.uploadConcurrency ?? DEFAULT_UPLOAD_QUEUE,
    });
  } catch (err) {
    // A bad record stopped the upload: nothing is left in the bucket, and the record is what to report.
    if (err instanceof UploadAbortedError && err.cause instanceof BatchInputError) throw err.cause;
    throw err;
  }
  const inputUri = ctx.storage.uriOf(inputKey);
  const outputUri = ctx.storage.uriOf(outputPrefix);
  ctx.logger.info(`personalize: uploaded ${stats.records} record(s) (${stats.bytes} bytes) to ${inputUri}`);
  announceCost(ctx, kind, jobName, stats.records, options.numResults ?? PERSONALIZE_BATCH_LIMITS.defaultResults);

  const sdk = sdkPersonalize();
  const common = {
    jobName,
    solutionVersionArn: options.solutionVersionArn,
    ...(options.filterArn !== undefined ? { filterArn: options.filterArn } : {}),
    ...(options.numResults !== undefined ? { numResults: options.numResults } : {}),
    roleArn,
    tags: [{ tagKey: PROJECT_TAG.key, tagValue: PROJECT_TAG.value }],
  };
  let jobArn: string | undefined;
  try {
    jobArn =
      kind === "inference"
        ? (
            await ctx.clients.personalize.send(
              new sdk.CreateBatchInferenceJobCommand({
                ...common,
                jobInput: { s3DataSource: { path: inputUri } },
                jobOutput: { s3DataDestination: { path: outputUri } },
              }),
            )
          ).batchInferenceJobArn
        : (
            await ctx.clients.personalize.send(
              new sdk.CreateBatchSegmentJobCommand({
                ...common,
                jobInput: { s3DataSource: { path: inputUri } },
                jobOutput: { s3DataDestination: { path: outputUri } },
              }),
            )
          ).batchSegmentJobArn;
  } catch (err) {
    if (options.cleanup) await ctx.storage.delete(inputKey);
    ctx.logger.warn(
      options.cleanup ? `personalize: the job did not start; its input was removed` : `personalize: the job did not start; its input stays at ${inputUri}`,
    );
    throw err;
  }
  if (!jobArn) throw new Error(`Create${kind === "inference" ? "BatchInferenceJob" : "BatchSegmentJob"} returned no ARN`);
  ctx.logger.info(`personalize: started ${WHAT[kind]} ${jobArn}`);
  const wait: BatchWaitOptions = options;
  const described = options.wait === false ? await describe(ctx, kind, jobArn) : await waitForJob(ctx, kind, jobArn, wait);
  const job = {
    kind,
    jobArn,
    jobName,
    status: described?.status ?? "UNKNOWN",
    inputUri,
    outputUri,
    records: stats.records,
    bytes: stats.bytes,
    elapsedMs: Date.now() - started,
  };
  return run<K>(ctx, job, { kind, jobArn, records: stats.records, cleanup: options.cleanup === true, wait });
}

/** The kind of job an ARN names. */
export function batchKindOf(jobArn: string): BatchKind {
  if (JOB_ARN.inference.test(jobArn)) return "inference";
  if (JOB_ARN.segment.test(jobArn)) return "segment";
  throw fail(`"${jobArn}" is not a batch job ARN: expected arn:aws:personalize:REGION:ACCOUNT:batch-inference-job/NAME or .../batch-segment-job/NAME`);
}

/** A job started earlier (found by ARN): its run, whose `results()` waits for it if needed and reads its output. */
export async function attachBatchJob(
  ctx: ServiceContext,
  jobArn: string,
  options: BatchWaitOptions & { cleanup?: boolean } = {},
): Promise<BatchJobRun<BatchRecommendation | BatchSegmentResult>> {
  const kind = batchKindOf(jobArn);
  ownedArn(ctx, "jobArn", jobArn, fail);
  let job: Described | undefined;
  try {
    job = await describe(ctx, kind, jobArn);
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") throw fail(`${WHAT[kind]} ${jobArn} does not exist`);
    throw err;
  }
  return {
    kind,
    jobArn,
    jobName: job?.jobName ?? jobArn.slice(jobArn.lastIndexOf("/") + 1),
    status: job?.status ?? "UNKNOWN",
    inputUri: job?.jobInput?.s3DataSource?.path ?? "",
    outputUri: job?.jobOutput?.s3DataDestination?.path ?? "",
    records: 0,
    bytes: 0,
    elapsedMs: 0,
    results: () => results(ctx, { kind, jobArn, cleanup: options.cleanup === true, wait: options }),
  };
}
