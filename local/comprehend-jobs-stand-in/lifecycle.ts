/**
 * A job's status from the clock, as the API reference describes it: `SUBMITTED → IN_PROGRESS →
 * COMPLETED | FAILED`, and after a Stop* call `STOP_REQUESTED → STOPPED`, unless the job completes
 * before it can be stopped, when it is COMPLETED (StopSentimentDetectionJob: "If the job completes
 * before it can be stopped, it is put into the COMPLETED state"). A status is computed when asked,
 * never by a timer: nothing moves unless the clock does.
 */
import type { JobStatus } from "./validation";

export interface JobDurations {
  /** Time in SUBMITTED. */
  submittedMs: number;
  /** Time in IN_PROGRESS: the "analysis". */
  inProgressMs: number;
  /** Time from a Stop* call to STOPPED. */
  stopMs: number;
}

/** Seconds, not AWS's minutes (a job takes five to ten), so a demo on the wall clock ends quickly. */
export const DEFAULT_DURATIONS: Readonly<JobDurations> = { submittedMs: 1000, inProgressMs: 3000, stopMs: 1000 };

export function resolveDurations(given: Partial<JobDurations> = {}): JobDurations {
  const merged = { ...DEFAULT_DURATIONS, ...given };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`durations: ${key} must be 0 or more milliseconds (got ${value})`);
  }
  return merged;
}

/** How a job ended, once known: COMPLETED, or FAILED at a time with the service's message. */
export type Outcome = { status: "COMPLETED" } | { status: "FAILED"; message: string; at: number };

export class JobLifecycle {
  private outcome: Outcome | undefined;
  private stopRequestedAt: number | undefined;

  constructor(
    readonly submittedAt: number,
    private readonly durations: JobDurations,
  ) {}

  get inProgressAt(): number {
    return this.submittedAt + this.durations.submittedMs;
  }

  /** When the analysis ends (COMPLETED, or FAILED for a failure found while analysing). */
  get doneAt(): number {
    return this.inProgressAt + this.durations.inProgressMs;
  }

  /** When the job ends on its own: its failure's time, else doneAt. */
  get naturalEndAt(): number {
    return this.outcome?.status === "FAILED" ? this.outcome.at : this.doneAt;
  }

  /** When a requested stop takes effect, if it does before the job ends on its own. */
  get stoppedAt(): number | undefined {
    if (this.stopRequestedAt === undefined) return undefined;
    const at = this.stopRequestedAt + this.durations.stopMs;
    return at < this.naturalEndAt ? at : undefined;
  }

  get requestedStopAt(): number | undefined {
    return this.stopRequestedAt;
  }

  get decided(): boolean {
    return this.outcome !== undefined;
  }

  /** The first decision stands. */
  decide(outcome: Outcome): void {
    this.outcome ??= outcome;
  }

  requestStop(now: number): void {
    this.stopRequestedAt ??= now;
  }

  statusAt(now: number): JobStatus {
    const stoppedAt = this.stoppedAt;
    if (stoppedAt !== undefined && now >= stoppedAt) return "STOPPED";
    if (this.outcome?.status === "FAILED" && now >= this.outcome.at) return "FAILED";
    if (this.stopRequestedAt !== undefined && now >= this.stopRequestedAt && now < this.naturalEndAt) return "STOP_REQUESTED";
    if (now < this.inProgressAt) return "SUBMITTED";
    // Undecided at its end only while the stand-in is still analysing: the server settles first.
    if (now < this.doneAt || !this.outcome) return "IN_PROGRESS";
    return this.outcome.status;
  }

  /** EndTime: when the job reached COMPLETED, FAILED or STOPPED, if it has by `now`. */
  endedAt(now: number): number | undefined {
    const status = this.statusAt(now);
    if (status === "STOPPED") return this.stoppedAt;
    if (status === "FAILED" || status === "COMPLETED") return this.naturalEndAt;
    return undefined;
  }

  failureMessage(now: number): string | undefined {
    return this.statusAt(now) === "FAILED" && this.outcome?.status === "FAILED" ? this.outcome.message : undefined;
  }

  /** Counts against the 10 concurrent jobs per type. */
  activeAt(now: number): boolean {
    const status = this.statusAt(now);
    return status === "SUBMITTED" || status === "IN_PROGRESS" || status === "STOP_REQUESTED";
  }

  /**
   * The share of the analysis done when the stop was asked for (0 while SUBMITTED, 1 at the end):
   * a stopped job writes the documents "already processed" (StopSentimentDetectionJob).
   */
  processedShareAtStop(): number {
    if (this.stopRequestedAt === undefined) return 1;
    const span = this.durations.inProgressMs;
    if (span === 0) return this.stopRequestedAt >= this.inProgressAt ? 1 : 0;
    return Math.min(1, Math.max(0, (this.stopRequestedAt - this.inProgressAt) / span));
  }
}
