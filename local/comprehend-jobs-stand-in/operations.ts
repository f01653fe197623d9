/**
 * The job operations, one handler per verb for all five job types: Start*, Describe*, List* (with
 * Filter and NextToken/MaxResults paging), Stop*. Answers are the SDK's shapes (members of
 * `<Api>DetectionJobProperties` in @aws-sdk/client-comprehend); timestamps are epoch seconds, as
 * awsJson1_1 sends them.
 *
 * Service rules, from the API reference and the Developer Guide:
 * - at most 10 active jobs (SUBMITTED, IN_PROGRESS, STOP_REQUESTED) of a type ("Each account can
 *   have up to 10 concurrent active jobs of a given job type"); the 11th Start is refused with
 *   TooManyRequestsException, the Start* error "The number of requests exceeds the limit";
 * - ClientRequestToken makes Start idempotent: the same token and request answer the same job;
 * - Stop* of a COMPLETED or FAILED job is an InvalidRequestException; of a STOPPED job, it answers STOPPED;
 * - List*'s Filter: "You can only set one filter at a time" (SubmitTimeBefore and SubmitTimeAfter
 *   together count as one, a time range), else InvalidFilterException.
 */
import { randomBytes } from "node:crypto";
import { JobsError, invalidRequest } from "./errors";
import type { Faults } from "./faults";
import { type JobType, type JobVerb } from "./job-types";
import { describedOutputUri } from "./locations";
import type { JobRecord, JobStore } from "./state";
import { type Body, parseJobId, parseList, parseStart } from "./validation";

export interface OperationContext {
  store: JobStore;
  faults: Faults;
  region: string;
  accountId: string;
  /** The clock's reading for this request, once, so one answer is consistent. */
  now: number;
  maxActiveJobsPerType: number;
}

const seconds = (ms: number): number => ms / 1000;

/** Keys in a fixed order, so two equal requests serialise alike. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Body)[k])]),
    );
  }
  return value;
}

function fingerprintOf(body: Body): string {
  const { ClientRequestToken: _token, ...rest } = body;
  return JSON.stringify(canonical(rest));
}

export function properties(job: JobRecord, ctx: Pick<OperationContext, "accountId" | "now">): Record<string, unknown> {
  const { request, lifecycle, type } = job;
  const status = lifecycle.statusAt(ctx.now);
  const message = lifecycle.failureMessage(ctx.now);
  const endedAt = lifecycle.endedAt(ctx.now);
  return {
    JobId: job.jobId,
    JobArn: job.jobArn,
    ...(request.jobName === undefined ? {} : { JobName: request.jobName }),
    JobStatus: status,
    ...(message === undefined ? {} : { Message: message }),
    SubmitTime: seconds(lifecycle.submittedAt),
    ...(endedAt === undefined ? {} : { EndTime: seconds(endedAt) }),
    InputDataConfig: { S3Uri: request.inputS3Uri, InputFormat: request.inputFormat },
    OutputDataConfig: {
      S3Uri: describedOutputUri(request.outputS3Uri, type, ctx.accountId, job.jobId),
      ...(request.outputKmsKeyId === undefined ? {} : { KmsKeyId: request.outputKmsKeyId }),
    },
    ...(request.languageCode === undefined ? {} : { LanguageCode: request.languageCode }),
    DataAccessRoleArn: request.dataAccessRoleArn,
    ...(request.volumeKmsKeyId === undefined ? {} : { VolumeKmsKeyId: request.volumeKmsKeyId }),
    ...(request.mode === undefined ? {} : { Mode: request.mode }),
    ...(request.redaction === undefined ? {} : { RedactionConfig: request.redaction }),
  };
}

function find(type: JobType, jobId: string, ctx: OperationContext): JobRecord {
  const job = ctx.store.jobs.get(jobId);
  if (!job || job.type.operation !== type.operation) throw new JobsError("JobNotFoundException", `Could not find the ${type.label} job ${jobId}.`);
  return job;
}

function start(type: JobType, body: Body, ctx: OperationContext): object {
  const request = parseStart(type, body);
  if (type.operation === "entities" && (body["EntityRecognizerArn"] !== undefined || body["FlywheelArn"] !== undefined)) {
    throw invalidRequest(
      "This local stand-in for Comprehend's analysis jobs runs the built-in models only: custom entity recognizers and flywheels are not modelled.",
    );
  }
  const fingerprint = fingerprintOf(body);
  if (request.clientRequestToken !== undefined) {
    const earlier = ctx.store.tokens.get(`${type.operation}:${request.clientRequestToken}`);
    const job = earlier === undefined ? undefined : ctx.store.jobs.get(earlier);
    if (job) {
      if (job.fingerprint !== fingerprint) {
        throw invalidRequest(`The ClientRequestToken ${request.clientRequestToken} was already used for job ${job.jobId} with different parameters.`);
      }
      return { JobId: job.jobId, JobArn: job.jobArn, JobStatus: job.lifecycle.statusAt(ctx.now) };
    }
  }
  const active = ctx.store.activeOfType(type, ctx.now);
  if (active >= ctx.maxActiveJobsPerType) {
    throw new JobsError(
      "TooManyRequestsException",
      `The number of requests exceeds the limit: ${active} ${type.label} jobs are active, the most an account may have at once (${ctx.maxActiveJobsPerType}). Resubmit your request later.`,
    );
  }
  // Comprehend's job ids are 32 hex digits.
  const jobId = randomBytes(16).toString("hex");
  const job = ctx.store.create(
    { jobId, jobArn: `arn:${partitionOf(ctx.region)}:comprehend:${ctx.region}:${ctx.accountId}:${type.resourceType}/${jobId}`, type, request, fingerprint },
    ctx.now,
    ctx.faults.takeJobFailure(type.operation),
  );
  return { JobId: job.jobId, JobArn: job.jobArn, JobStatus: job.lifecycle.statusAt(ctx.now) };
}

function describe(type: JobType, body: Body, ctx: OperationContext): object {
  return { [type.propertiesKey]: properties(find(type, parseJobId(body), ctx), ctx) };
}

function stop(type: JobType, body: Body, ctx: OperationContext): object {
  const job = find(type, parseJobId(body), ctx);
  const status = job.lifecycle.statusAt(ctx.now);
  if (status === "COMPLETED" || status === "FAILED")
    throw invalidRequest(`The ${type.label} job ${job.jobId} is ${status}; only a job in progress can be stopped.`);
  if (status !== "STOPPED") job.lifecycle.requestStop(ctx.now);
  return { JobId: job.jobId, JobStatus: job.lifecycle.statusAt(ctx.now) };
}

interface PageToken {
  listing: string;
  offset: number;
}

function list(type: JobType, body: Body, ctx: OperationContext): object {
  const request = parseList(body);
  const kinds = [request.jobName, request.jobStatus, request.submitTimeBefore ?? request.submitTimeAfter].filter((v) => v !== undefined);
  if (kinds.length > 1)
    throw new JobsError("InvalidFilterException", "The filter specified for the operation is invalid: set only one of JobName, JobStatus and the submit time.");
  const listing = JSON.stringify([type.operation, request.jobName, request.jobStatus, request.submitTimeBefore, request.submitTimeAfter]);
  const matching = ctx.store.ofType(type).filter((job) => {
    const submitted = seconds(job.lifecycle.submittedAt);
    return (
      (request.jobName === undefined || job.request.jobName === request.jobName) &&
      (request.jobStatus === undefined || job.lifecycle.statusAt(ctx.now) === request.jobStatus) &&
      (request.submitTimeBefore === undefined || submitted < request.submitTimeBefore) &&
      (request.submitTimeAfter === undefined || submitted > request.submitTimeAfter)
    );
  });
  let offset = 0;
  if (request.nextToken !== undefined) {
    const token = decodeToken(request.nextToken);
    if (!token || token.listing !== listing) throw invalidRequest("The NextToken is not valid for this request.");
    offset = token.offset;
  }
  const page = matching.slice(offset, offset + request.maxResults);
  const next = offset + page.length;
  return {
    [type.listKey]: page.map((job) => properties(job, ctx)),
    ...(next < matching.length ? { NextToken: Buffer.from(JSON.stringify({ listing, offset: next } satisfies PageToken)).toString("base64url") } : {}),
  };
}

function decodeToken(text: string): PageToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<PageToken>;
    return typeof value.listing === "string" && Number.isInteger(value.offset) && (value.offset as number) >= 0 ? (value as PageToken) : undefined;
  } catch {
    return undefined;
  }
}

function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

export const HANDLERS: Readonly<Record<JobVerb, (type: JobType, body: Body, ctx: OperationContext) => object>> = {
  Start: start,
  Describe: describe,
  List: list,
  Stop: stop,
};
