/**
 * The transform jobs the stand-in holds, and what the clock makes happen to them. Statuses as
 * DescribeTransformJob's TransformJobStatus has them: `InProgress` → `Completed` | `Failed`, or on
 * StopTransformJob `Stopping` → `Stopped` ("When Amazon SageMaker receives a StopTransformJob
 * request, the status of the job changes to Stopping. After Amazon SageMaker stops the job, the
 * status is set to Stopped": the Service Authorization Reference's description of the action).
 *
 * Times: CreationTime at the call; TransformStartTime once the instances would be up (`startingMs`
 * later: "when the transform job starts on ML instances", billed from there); the job's work is done
 * `runningMs` after that, when it reads its input and writes its output (run.ts), and
 * TransformEndTime is that moment. A job that is failed on demand (`failNext`) fails then, having
 * written nothing; a stopped job writes nothing (assumption: AWS does not say what a stop keeps).
 */
import type { Clock } from "./clock";
import type { RunOutcome } from "./run";
import type { TransformJobRequest } from "./validation";

export type TransformJobStatus = "InProgress" | "Completed" | "Failed" | "Stopping" | "Stopped";

export interface TransformDurations {
  /** CreateTransformJob → TransformStartTime (instances provisioned). */
  startingMs: number;
  /** TransformStartTime → the work is done and the job ends. */
  runningMs: number;
  /** StopTransformJob → Stopped. */
  stoppingMs: number;
}

export const DEFAULT_DURATIONS: TransformDurations = { startingMs: 1000, runningMs: 4000, stoppingMs: 2000 };

export interface TransformJob {
  request: TransformJobRequest;
  arn: string;
  status: TransformJobStatus;
  failureReason?: string | undefined;
  /** The model's, read with DescribeModel when the job was created: the role the job runs with. */
  executionRoleArn: string;
  createdAt: number;
  lastModifiedAt: number;
  startAt: number;
  dueAt: number;
  stopRequestedAt?: number | undefined;
  endAt?: number | undefined;
  /** A failure queued with failNext, taken when the job was created. */
  forcedFailure?: string | undefined;
  outcome?: RunOutcome | undefined;
}

/** What `jobs()` shows: not an AWS API, for tests and the demo. */
export interface TransformJobView {
  name: string;
  arn: string;
  status: TransformJobStatus;
  failureReason?: string | undefined;
  modelName: string;
  executionRoleArn: string;
  /** The `.out` objects written, in input order. */
  outputs: string[];
  /** Records sent to the model. */
  records: number;
  /** Per-object lines, as SageMaker's data log has them. */
  logs: string[];
}

export type Runner = (job: TransformJob) => Promise<RunOutcome>;

export class TransformJobs {
  /** By lowercased name: SageMaker writes names lowercased into ARNs, so two names that differ only in case are one job. */
  private readonly byName = new Map<string, TransformJob>();

  constructor(
    readonly now: Clock,
    private readonly durations: TransformDurations,
    private readonly run: Runner,
  ) {}

  get(name: string): TransformJob | undefined {
    return this.byName.get(name.toLowerCase());
  }

  byArn(arn: string): TransformJob | undefined {
    return [...this.byName.values()].find((job) => job.arn === arn);
  }

  all(): TransformJob[] {
    return [...this.byName.values()];
  }

  add(request: TransformJobRequest, arn: string, executionRoleArn: string, forcedFailure: string | undefined): TransformJob {
    const at = this.now();
    const startAt = at + this.durations.startingMs;
    const job: TransformJob = {
      request,
      arn,
      status: "InProgress",
      executionRoleArn,
      createdAt: at,
      lastModifiedAt: at,
      startAt,
      dueAt: startAt + this.durations.runningMs,
      forcedFailure,
    };
    this.byName.set(request.TransformJobName.toLowerCase(), job);
    return job;
  }

  requestStop(job: TransformJob): void {
    const at = this.now();
    job.status = "Stopping";
    job.stopRequestedAt = at;
    job.lastModifiedAt = at;
  }

  /** Brings every job to where the clock says it is; runs the work of each job that is due (in creation order). */
  async settle(): Promise<void> {
    const at = this.now();
    for (const job of this.all()) {
      if (job.status === "Stopping" && job.stopRequestedAt !== undefined && at >= job.stopRequestedAt + this.durations.stoppingMs) {
        job.status = "Stopped";
        job.endAt = job.stopRequestedAt + this.durations.stoppingMs;
        job.lastModifiedAt = job.endAt;
      }
      if (job.status !== "InProgress" || at < job.dueAt) continue;
      if (job.forcedFailure !== undefined) {
        job.outcome = { failureReason: job.forcedFailure, outputs: [], records: 0, logs: [] };
      } else {
        job.outcome = await this.run(job);
      }
      job.status = job.outcome.failureReason === undefined ? "Completed" : "Failed";
      job.failureReason = job.outcome.failureReason;
      job.endAt = job.dueAt;
      job.lastModifiedAt = job.dueAt;
    }
  }

  view(job: TransformJob): TransformJobView {
    return {
      name: job.request.TransformJobName,
      arn: job.arn,
      status: job.status,
      ...(job.failureReason !== undefined ? { failureReason: job.failureReason } : {}),
      modelName: job.request.ModelName,
      executionRoleArn: job.executionRoleArn,
      outputs: job.outcome?.outputs ?? [],
      records: job.outcome?.records ?? 0,
      logs: job.outcome?.logs ?? [],
    };
  }

  clear(): void {
    this.byName.clear();
  }
}
