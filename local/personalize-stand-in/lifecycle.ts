/**
 * How a resource's status moves with time, as Personalize documents it: `CREATE PENDING →
 * CREATE IN_PROGRESS → ACTIVE` (or `CREATE FAILED` with a reason), and for deletions `DELETE
 * PENDING → DELETE IN_PROGRESS`, then gone (dataset groups list `DELETE PENDING` only). A status is
 * computed from the clock when asked, never by a timer: time passes only when the clock says so.
 */

export type LifecycleKind =
  | "datasetGroup"
  | "dataset"
  | "datasetImportJob"
  | "solution"
  | "solutionVersion"
  | "campaign"
  | "eventTracker"
  | "batchInferenceJob"
  | "batchSegmentJob"
  | "filter"
  | "recommender"
  | "dataDeletionJob";
export const LIFECYCLE_KINDS: readonly LifecycleKind[] = [
  "datasetGroup",
  "dataset",
  "datasetImportJob",
  "solution",
  "solutionVersion",
  "campaign",
  "eventTracker",
  "batchInferenceJob",
  "batchSegmentJob",
  "filter",
  "recommender",
  "dataDeletionJob",
];

export interface LifecycleDurations {
  /** Time in CREATE PENDING. */
  pendingMs: number;
  /** Time in CREATE IN_PROGRESS (for a solution version: the training time). */
  inProgressMs: number;
  /** Time in DELETE PENDING. */
  deletePendingMs: number;
  /** Time in DELETE IN_PROGRESS (dataset groups stay DELETE PENDING for it instead). */
  deleteInProgressMs: number;
}

/**
 * Seconds rather than AWS's minutes and hours (a dataset group takes about a minute, an import ten
 * minutes or more, training an hour or more), so a demo on the wall clock finishes quickly.
 */
export const DEFAULT_DURATIONS: Readonly<Record<LifecycleKind, LifecycleDurations>> = {
  datasetGroup: { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 },
  dataset: { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 },
  datasetImportJob: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 0, deleteInProgressMs: 0 },
  solution: { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 },
  solutionVersion: { pendingMs: 2000, inProgressMs: 10_000, deletePendingMs: 0, deleteInProgressMs: 0 },
  campaign: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 1000, deleteInProgressMs: 2000 },
  eventTracker: { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 },
  // Batch jobs take tens of minutes on AWS and have no Delete; batch-operations.ts words their statuses PENDING and IN PROGRESS.
  batchInferenceJob: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 0, deleteInProgressMs: 0 },
  batchSegmentJob: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 0, deleteInProgressMs: 0 },
  filter: { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 },
  // Stopping and starting a recommender take pendingMs then inProgressMs too (recommender-status.ts).
  recommender: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 1000, deleteInProgressMs: 2000 },
  // A data deletion job "can take up to a day" (CreateDataDeletionJob); data-deletion-operations.ts words its statuses.
  dataDeletionJob: { pendingMs: 2000, inProgressMs: 5000, deletePendingMs: 0, deleteInProgressMs: 0 },
};

/** Dataset groups document no DELETE IN_PROGRESS; import jobs, solution versions and batch jobs are not deleted on their own. */
const DELETE_STATUSES: Readonly<Record<LifecycleKind, readonly string[]>> = {
  datasetGroup: ["DELETE PENDING"],
  dataset: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  datasetImportJob: [],
  solution: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  solutionVersion: [],
  campaign: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  eventTracker: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  batchInferenceJob: [],
  batchSegmentJob: [],
  filter: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  recommender: ["DELETE PENDING", "DELETE IN_PROGRESS"],
  dataDeletionJob: [],
};

export type Outcome = { ok: true } | { ok: false; reason: string };

/** `GONE`: deleted, no longer known to the API. */
export type Status = "CREATE PENDING" | "CREATE IN_PROGRESS" | "ACTIVE" | "CREATE FAILED" | "DELETE PENDING" | "DELETE IN_PROGRESS" | "GONE";

export class Lifecycle {
  /** Known once decided: at creation for most, when the input has been read for an import job. */
  private outcome: Outcome | undefined;
  private deleteRequestedAt: number | undefined;

  constructor(
    readonly kind: LifecycleKind,
    readonly createdAt: number,
    private readonly durations: LifecycleDurations,
    outcome?: Outcome,
  ) {
    this.outcome = outcome;
  }

  /** When creation ends, ACTIVE or CREATE FAILED. */
  get doneAt(): number {
    return this.createdAt + this.durations.pendingMs + this.durations.inProgressMs;
  }

  get decided(): boolean {
    return this.outcome !== undefined;
  }

  decide(outcome: Outcome): void {
    this.outcome ??= outcome;
  }

  get failureReason(): string | undefined {
    return this.outcome && !this.outcome.ok ? this.outcome.reason : undefined;
  }

  get deleting(): boolean {
    return this.deleteRequestedAt !== undefined;
  }

  requestDelete(now: number): void {
    this.deleteRequestedAt ??= now;
  }

  statusAt(now: number): Status {
    if (this.deleteRequestedAt !== undefined) {
      const since = now - this.deleteRequestedAt;
      const [pending, inProgress] = DELETE_STATUSES[this.kind];
      if (since < this.durations.deletePendingMs) return (pending ?? "DELETE PENDING") as Status;
      if (since < this.durations.deletePendingMs + this.durations.deleteInProgressMs) return (inProgress ?? pending ?? "DELETE PENDING") as Status;
      return "GONE";
    }
    const since = now - this.createdAt;
    if (since < this.durations.pendingMs) return "CREATE PENDING";
    // Undecided at its end only while the stand-in is still reading the input: settle() awaits that.
    if (now < this.doneAt || !this.outcome) return "CREATE IN_PROGRESS";
    return this.outcome.ok ? "ACTIVE" : "CREATE FAILED";
  }

  /** The time of the last status change up to `now`. */
  lastUpdatedAt(now: number): number {
    const changes = [this.createdAt, this.createdAt + this.durations.pendingMs, this.doneAt];
    if (this.deleteRequestedAt !== undefined) changes.push(this.deleteRequestedAt, this.deleteRequestedAt + this.durations.deletePendingMs);
    return Math.max(...changes.filter((t) => t <= now));
  }

  /** Whether creation is over (ACTIVE or CREATE FAILED), so the resource may be deleted. */
  settledAt(now: number): boolean {
    const status = this.statusAt(now);
    return status === "ACTIVE" || status === "CREATE FAILED";
  }
}

export function resolveDurations(all: Partial<LifecycleDurations> = {}, byKind: Partial<Record<LifecycleKind, Partial<LifecycleDurations>>> = {}) {
  const resolved = {} as Record<LifecycleKind, LifecycleDurations>;
  for (const kind of LIFECYCLE_KINDS) {
    const merged = { ...DEFAULT_DURATIONS[kind], ...all, ...byKind[kind] };
    for (const [key, value] of Object.entries(merged)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`durations of ${kind}: ${key} must be 0 or more milliseconds (got ${value})`);
    }
    resolved[kind] = merged;
  }
  return resolved;
}
