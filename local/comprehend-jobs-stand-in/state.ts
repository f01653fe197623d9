/**
 * The jobs the stand-in holds and what the clock makes happen to them. `settle(now)` applies
 * everything due by `now`, oldest job first; the server runs it before every job request, so an
 * answer always reflects the clock and nothing happens between requests:
 * - when a job leaves SUBMITTED, its DataAccessRoleArn must exist (IAM GetRole in the emulator),
 *   else the job ends FAILED with NO_READ_ACCESS_TO_INPUT at that moment;
 * - when its analysis is due, the job reads its input and writes its output (job-run.ts), then is
 *   COMPLETED, or FAILED with the reason (or with the failure queued by `failNext`);
 * - when a requested stop takes effect, the job writes the documents it had processed by the time
 *   of the Stop* call (StopSentimentDetectionJob: "any documents already processed are written to
 *   the output location"), a share of its input in proportion to the time it had spent IN_PROGRESS.
 */
import type { JobType } from "./job-types";
import type { RunResult } from "./job-run";
import { type JobDurations, JobLifecycle } from "./lifecycle";
import type { StartRequest } from "./validation";

export interface JobRecord {
  jobId: string;
  jobArn: string;
  type: JobType;
  request: StartRequest;
  lifecycle: JobLifecycle;
  /** The Start request without its token, to tell a retry from a different request with the same token. */
  fingerprint: string;
  roleChecked: boolean;
  stopWritten: boolean;
  /** What the last run of the analysis did (for `jobs()`). */
  result: RunResult | undefined;
}

export type RoleCheck = (roleArn: string) => Promise<{ ok: true } | { ok: false; message: string }>;
export type JobRunner = (job: JobRecord, share: number, now: number) => Promise<RunResult>;

export class JobStore {
  /** By job id, in submission order (List* answers in that order; AWS documents none). */
  readonly jobs = new Map<string, JobRecord>();
  /** `<operation>:<ClientRequestToken>` → job id. */
  readonly tokens = new Map<string, string>();

  constructor(
    readonly durations: JobDurations,
    private readonly checkRole: RoleCheck,
    private readonly run: JobRunner,
  ) {}

  create(record: Omit<JobRecord, "lifecycle" | "roleChecked" | "stopWritten" | "result">, now: number, failure: string | undefined): JobRecord {
    const lifecycle = new JobLifecycle(now, this.durations);
    const job: JobRecord = { ...record, lifecycle, roleChecked: false, stopWritten: false, result: undefined };
    if (failure !== undefined) {
      // Failure on demand: at the end of the analysis, whatever the role and the input.
      lifecycle.decide({ status: "FAILED", message: failure, at: lifecycle.doneAt });
      job.roleChecked = true;
    }
    this.jobs.set(job.jobId, job);
    if (record.request.clientRequestToken) this.tokens.set(`${record.type.operation}:${record.request.clientRequestToken}`, job.jobId);
    return job;
  }

  ofType(type: JobType): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.type.operation === type.operation);
  }

  activeOfType(type: JobType, now: number): number {
    return this.ofType(type).filter((j) => j.lifecycle.activeAt(now)).length;
  }

  async settle(now: number): Promise<void> {
    for (const job of this.jobs.values()) {
      const lc = job.lifecycle;
      const stoppedAt = lc.stoppedAt;
      if (!job.roleChecked && now >= lc.inProgressAt && !(stoppedAt !== undefined && stoppedAt <= lc.inProgressAt)) {
        job.roleChecked = true;
        const check = await this.checkRole(job.request.dataAccessRoleArn);
        if (!check.ok) lc.decide({ status: "FAILED", message: check.message, at: lc.inProgressAt });
      }
      if (!lc.decided && now >= lc.doneAt && lc.stoppedAt === undefined) {
        job.result = await this.run(job, 1, now);
        lc.decide(job.result.ok ? { status: "COMPLETED" } : { status: "FAILED", message: job.result.message, at: lc.doneAt });
      }
      const stopped = lc.stoppedAt;
      if (stopped !== undefined && now >= stopped && !job.stopWritten) {
        job.stopWritten = true;
        const share = lc.processedShareAtStop();
        if (share > 0) job.result = await this.run(job, share, now);
      }
    }
  }

  clear(): void {
    this.jobs.clear();
    this.tokens.clear();
  }
}
