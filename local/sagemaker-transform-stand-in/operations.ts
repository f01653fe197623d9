/**
 * The calls the stand-in answers itself: CreateTransformJob, DescribeTransformJob,
 * ListTransformJobs, StopTransformJob, and ListTags for its own transform-job ARNs (the IAM gate
 * reads tags with it). Shapes from @aws-sdk/client-sagemaker's models (awsJson1_1: timestamps as
 * epoch seconds); error names and wording: README.md of this folder.
 */
import { type DescribeModelCommandOutput, DescribeModelCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import { StandInError, validation } from "./errors";
import type { TransformJob, TransformJobs } from "./jobs";
import { checkCreateTransformJob, checkJobName, checkList } from "./validation";

export interface OperationContext {
  jobs: TransformJobs;
  /** The upstream (the emulator), where models live. */
  sagemaker: SageMakerClient;
  region: string;
  accountId: string;
  /** A failure queued with failNext, if any: the job created now takes it. */
  takeFailure(): string | undefined;
}

export type Handler = (body: unknown, ctx: OperationContext) => Promise<unknown>;

const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

/** Drops undefined members, so the answer holds only what is set (as AWS's JSON does). */
function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function notFound(ctx: OperationContext, name: string): StandInError {
  // The emulator's wording for a transform job it does not hold.
  return validation(`Could not find transform job '${jobArn(ctx, name)}'.`);
}

function jobArn(ctx: OperationContext, name: string): string {
  return `arn:aws:sagemaker:${ctx.region}:${ctx.accountId}:transform-job/${name.toLowerCase()}`;
}

async function describeModel(ctx: OperationContext, modelName: string): Promise<DescribeModelCommandOutput> {
  try {
    return await ctx.sagemaker.send(new DescribeModelCommand({ ModelName: modelName }));
  } catch (err) {
    const e = err as { name?: string; message?: string };
    if (e.name === "ValidationException" && /could not find/i.test(e.message ?? "")) throw validation(`Could not find model "${modelName}".`);
    throw new StandInError("InternalFailure", `The stand-in could not read model ${modelName} upstream: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
  }
}

const createTransformJob: Handler = async (body, ctx) => {
  const request = checkCreateTransformJob(body);
  const existing = ctx.jobs.get(request.TransformJobName);
  if (existing) {
    throw new StandInError(
      "ResourceInUse",
      `Job name must be unique within an AWS account and region, and a job with this name already exists (${existing.arn})`,
    );
  }
  const model = await describeModel(ctx, request.ModelName);
  const job = ctx.jobs.add(request, jobArn(ctx, request.TransformJobName), model.ExecutionRoleArn ?? "", ctx.takeFailure());
  return { TransformJobArn: job.arn };
};

function describe(job: TransformJob, now: number): Record<string, unknown> {
  const r = job.request;
  return compact({
    TransformJobName: r.TransformJobName,
    TransformJobArn: job.arn,
    TransformJobStatus: job.status,
    FailureReason: job.failureReason,
    ModelName: r.ModelName,
    MaxConcurrentTransforms: r.MaxConcurrentTransforms,
    ModelClientConfig: r.ModelClientConfig,
    // The API reference's default payload size.
    MaxPayloadInMB: r.MaxPayloadInMB ?? 6,
    BatchStrategy: r.BatchStrategy,
    Environment: r.Environment,
    TransformInput: compact({
      DataSource: r.TransformInput.DataSource,
      ContentType: r.TransformInput.ContentType,
      CompressionType: r.TransformInput.CompressionType ?? "None",
      SplitType: r.TransformInput.SplitType ?? "None",
    }),
    TransformOutput: compact({ ...r.TransformOutput }),
    DataCaptureConfig: r.DataCaptureConfig,
    TransformResources: compact({ ...r.TransformResources }),
    CreationTime: seconds(job.createdAt),
    // Set once the instances are up; a job stopped before that never started.
    TransformStartTime: now >= job.startAt && (job.stopRequestedAt === undefined || job.stopRequestedAt >= job.startAt) ? seconds(job.startAt) : undefined,
    TransformEndTime: seconds(job.endAt),
    ExperimentConfig: r.ExperimentConfig,
  });
}

const describeTransformJob: Handler = (body, ctx) => {
  const name = checkJobName(body);
  const job = ctx.jobs.get(name);
  if (!job) throw notFound(ctx, name);
  return Promise.resolve(describe(job, ctx.jobs.now()));
};

const stopTransformJob: Handler = (body, ctx) => {
  const name = checkJobName(body);
  const job = ctx.jobs.get(name);
  if (!job) throw notFound(ctx, name);
  // Stopping again is harmless; a job that has ended cannot be stopped.
  if (job.status === "InProgress") ctx.jobs.requestStop(job);
  else if (job.status !== "Stopping")
    throw validation(`Transform job ${job.request.TransformJobName} is ${job.status}: only a job in progress can be stopped.`);
  return Promise.resolve({});
};

function encodeToken(listing: string, offset: number): string {
  return Buffer.from(JSON.stringify({ listing, offset }), "utf8").toString("base64url");
}

function decodeToken(token: string, listing: string): number {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { listing?: unknown; offset?: unknown };
    if (value.listing === listing && Number.isInteger(value.offset) && (value.offset as number) >= 0) return value.offset as number;
  } catch {
    // falls through to the error below
  }
  throw validation("The NextToken is not valid for this request.");
}

const listTransformJobs: Handler = (body, ctx) => {
  const q = checkList(body);
  const within = (at: number, after: number | undefined, before: number | undefined) =>
    (after === undefined || at > after) && (before === undefined || at < before);
  const matching = ctx.jobs
    .all()
    .filter(
      (job) =>
        (q.nameContains === undefined || job.request.TransformJobName.includes(q.nameContains)) &&
        (q.statusEquals === undefined || job.status === q.statusEquals) &&
        within(job.createdAt, q.creationTimeAfter, q.creationTimeBefore) &&
        within(job.lastModifiedAt, q.lastModifiedTimeAfter, q.lastModifiedTimeBefore),
    );
  const key = (job: TransformJob): string | number => (q.sortBy === "Name" ? job.request.TransformJobName : q.sortBy === "Status" ? job.status : job.createdAt);
  matching.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    const order = x < y ? -1 : x > y ? 1 : a.createdAt - b.createdAt;
    return q.sortOrder === "Ascending" ? order : -order;
  });
  const listing = JSON.stringify({ ...q, maxResults: undefined, nextToken: undefined });
  const offset = q.nextToken === undefined ? 0 : decodeToken(q.nextToken, listing);
  const pageJobs = matching.slice(offset, offset + q.maxResults);
  const next = offset + pageJobs.length;
  return Promise.resolve(
    compact({
      TransformJobSummaries: pageJobs.map((job) =>
        compact({
          TransformJobName: job.request.TransformJobName,
          TransformJobArn: job.arn,
          CreationTime: seconds(job.createdAt),
          TransformEndTime: seconds(job.endAt),
          LastModifiedTime: seconds(job.lastModifiedAt),
          TransformJobStatus: job.status,
          FailureReason: job.failureReason,
        }),
      ),
      NextToken: next < matching.length ? encodeToken(listing, next) : undefined,
    }),
  );
};

/** ListTags for one of this stand-in's jobs (other ARNs are the upstream's: server.ts forwards them). */
export const listTags: Handler = (body, ctx) => {
  const arn = (body as { ResourceArn?: unknown } | undefined)?.ResourceArn;
  const job = typeof arn === "string" ? ctx.jobs.byArn(arn) : undefined;
  if (!job) throw validation(`Could not find resource ${String(arn)}.`);
  return Promise.resolve({ Tags: job.request.Tags });
};

export const OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateTransformJob: createTransformJob,
  DescribeTransformJob: describeTransformJob,
  ListTransformJobs: listTransformJobs,
  StopTransformJob: stopTransformJob,
};

/** A ListTags request the stand-in answers: one naming a transform job it holds. */
export function ownsTagRequest(body: unknown, jobs: TransformJobs): boolean {
  const arn = (body as { ResourceArn?: unknown } | undefined)?.ResourceArn;
  return typeof arn === "string" && jobs.byArn(arn) !== undefined;
}
