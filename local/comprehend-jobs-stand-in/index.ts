/**
 * A local stand-in for Amazon Comprehend's asynchronous analysis jobs (moto accepts the jobs and
 * keeps them SUBMITTED forever, reading and writing nothing): one loopback server that the SDK's
 * ComprehendClient talks to unchanged (only `endpoint` differs). It answers the Start, Describe,
 * List and Stop calls of sentiment, entities, key phrases, dominant language and PII jobs, with
 * Comprehend's statuses on a clock the caller may control, reads each job's input from the
 * emulator's S3 where Comprehend would, writes the output in Comprehend's layout and format, and
 * forwards every other call (the real-time Detect* ones) to the emulator. It is not Comprehend:
 * the analysis is a deterministic fake (analysis.ts), and no role is assumed (the role must only exist).
 *
 *   const standIn = await startComprehendJobsStandIn({ region, upstream: emulator.endpoint, s3: { endpoint: emulator.endpoint, credentials }, now: clock.now });
 *   new ComprehendClient({ endpoint: standIn.endpoint, region: standIn.region, credentials });
 */
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { type CallFailure, Faults } from "./faults";
import { DEFAULT_JOB_LIMITS, type JobLimits, NO_READ_ACCESS, runJob } from "./job-run";
import type { JobOperation } from "./job-types";
import { type JobDurations, resolveDurations } from "./lifecycle";
import { describedOutputUri } from "./locations";
import { JobsServer } from "./server";
import { type JobRecord, JobStore, type RoleCheck } from "./state";
import type { InputFormat, JobStatus, PiiMode } from "./validation";

export { ManualClock, type Clock } from "../personalize-stand-in/clock";
export { DEFAULT_DURATIONS, type JobDurations } from "./lifecycle";
export { DEFAULT_JOB_LIMITS, ERROR_MARKER, type JobLimits } from "./job-run";
export { JOB_OPERATIONS, JOB_OPERATION_NAMES, JOB_TYPES, type JobOperation } from "./job-types";
export type { CallFailure } from "./faults";

export interface ComprehendJobsStandInOptions {
  region: string;
  /** The account in ARNs and output folder names; default 123456789012, moto's. */
  accountId?: string;
  /** The emulator's endpoint: every request that is not a job operation goes there unchanged, and the data-access role is looked up there. */
  upstream: string;
  /** Where jobs read their input and write their output: the emulator's S3. Its credentials also read IAM. */
  s3: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
  /** What time it is (default Date.now). Statuses move only as it moves. */
  now?: () => number;
  /** Time in SUBMITTED, in IN_PROGRESS, and from Stop* to STOPPED; defaults in DEFAULT_DURATIONS (seconds). */
  durations?: Partial<JobDurations>;
  /** Loopback port; default 0 (a free one). */
  port?: number;
  /** Comprehend's quotas (default DEFAULT_JOB_LIMITS and 10 active jobs per type); tests may lower them. */
  limits?: Partial<JobLimits> & { maxActiveJobsPerType?: number };
}

/** What the stand-in holds of a job, for tests. Times in milliseconds. */
export interface JobSnapshot {
  jobId: string;
  jobArn: string;
  operation: JobOperation;
  jobName: string | undefined;
  status: JobStatus;
  message: string | undefined;
  submitTime: number;
  endTime: number | undefined;
  inputS3Uri: string;
  inputFormat: InputFormat;
  /** OutputDataConfig.S3Uri as Describe* answers it: the archive, or for PII the output folder. */
  outputS3Uri: string;
  languageCode: string | undefined;
  mode: PiiMode | undefined;
  dataAccessRoleArn: string;
  /** Documents analysed and per-document errors written, once the job has run. */
  documents: number | undefined;
  documentErrors: number | undefined;
  /** Objects the job wrote. */
  written: string[];
}

export class ComprehendJobsStandIn {
  private constructor(
    private readonly server: JobsServer,
    private readonly store: JobStore,
    private readonly faults: Faults,
    private readonly clients: { destroy(): void }[],
    private readonly now: () => number,
    readonly region: string,
    readonly accountId: string,
  ) {}

  static async start(options: ComprehendJobsStandInOptions): Promise<ComprehendJobsStandIn> {
    const region = options.region;
    const accountId = options.accountId ?? "123456789012";
    if (!/^\d{12}$/.test(accountId)) throw new RangeError(`accountId must be 12 digits (got ${accountId})`);
    const upstream = new URL(options.upstream);
    const now = options.now ?? Date.now;
    const limits: JobLimits = { ...DEFAULT_JOB_LIMITS, ...options.limits };
    const maxActiveJobsPerType = options.limits?.maxActiveJobsPerType ?? 10;
    const s3 = new S3Client({ endpoint: options.s3.endpoint, region, credentials: options.s3.credentials, forcePathStyle: true, maxAttempts: 3 });
    const iam = new IAMClient({ endpoint: upstream.origin, region, credentials: options.s3.credentials, maxAttempts: 3 });
    const checkRole: RoleCheck = async (roleArn) => {
      const roleName = roleArn.slice(roleArn.lastIndexOf("/") + 1);
      try {
        await iam.send(new GetRoleCommand({ RoleName: roleName }));
        return { ok: true };
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === "NoSuchEntity" || name === "NoSuchEntityException") return { ok: false, message: NO_READ_ACCESS };
        return {
          ok: false,
          message: `INTERNAL_SERVER_ERROR: the stand-in could not look up the data access role ${roleArn}: ${name ?? "Error"}: ${(err as Error).message}`,
        };
      }
    };
    const store = new JobStore(resolveDurations(options.durations), checkRole, (job, share, at) =>
      runJob(
        s3,
        {
          jobId: job.jobId,
          type: job.type,
          inputS3Uri: job.request.inputS3Uri,
          inputFormat: job.request.inputFormat,
          outputS3Uri: job.request.outputS3Uri,
          outputKmsKeyId: job.request.outputKmsKeyId,
          mode: job.request.mode,
          redaction: job.request.redaction,
        },
        { accountId, limits, share, nowSeconds: at / 1000 },
      ),
    );
    const faults = new Faults();
    const server = new JobsServer({ store, faults, upstream, now, context: () => ({ region, accountId, maxActiveJobsPerType }) });
    await server.listen(options.port ?? 0);
    return new ComprehendJobsStandIn(server, store, faults, [s3, iam], now, region, accountId);
  }

  /** `http://127.0.0.1:<port>`: the endpoint for ComprehendClient (job calls answered here, the rest forwarded). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /** The next job started (of `operation`, or of any) ends FAILED with `message`, as Describe*Job then answers. */
  failNext(message: string, options: { operation?: JobOperation } = {}): void {
    this.faults.failNext(message, options.operation);
  }

  /** The next `times` calls of `operationName` (e.g. `DescribeSentimentDetectionJob`, `DetectSentiment`) are throttled (HTTP 429) or answered with HTTP 500. */
  failCalls(operationName: string, options: { times?: number; as?: CallFailure } = {}): void {
    this.faults.failCalls(operationName, options.times ?? 1, options.as ?? "throttle");
  }

  /** Calls received of `operationName`, forwarded and failed ones included. */
  callCount(operationName: string): number {
    return this.server.calls.get(operationName) ?? 0;
  }

  /** The jobs held, in submission order, with their statuses at the clock's time (as of the last request's settling). */
  jobs(): JobSnapshot[] {
    const now = this.now();
    return [...this.store.jobs.values()].map((job) => this.snapshot(job, now));
  }

  private snapshot(job: JobRecord, now: number): JobSnapshot {
    const { request, lifecycle } = job;
    const result = job.result;
    return {
      jobId: job.jobId,
      jobArn: job.jobArn,
      operation: job.type.operation,
      jobName: request.jobName,
      status: lifecycle.statusAt(now),
      message: lifecycle.failureMessage(now),
      submitTime: lifecycle.submittedAt,
      endTime: lifecycle.endedAt(now),
      inputS3Uri: request.inputS3Uri,
      inputFormat: request.inputFormat,
      outputS3Uri: describedOutputUri(request.outputS3Uri, job.type, this.accountId, job.jobId),
      languageCode: request.languageCode,
      mode: request.mode,
      dataAccessRoleArn: request.dataAccessRoleArn,
      documents: result?.ok ? result.documents : undefined,
      documentErrors: result?.ok ? result.errors : undefined,
      written: result?.ok ? [...result.written] : [],
    };
  }

  /** Forgets every job and queued failure (as the emulator's reset does). */
  reset(): void {
    this.store.clear();
    this.faults.clear();
    this.server.calls.clear();
  }

  async stop(): Promise<void> {
    await this.server.close();
    for (const client of this.clients) client.destroy();
  }
}

export function startComprehendJobsStandIn(options: ComprehendJobsStandInOptions): Promise<ComprehendJobsStandIn> {
  return ComprehendJobsStandIn.start(options);
}
