/**
 * Failures on demand, for tests and demos: the next creation of a kind ends CREATE FAILED with a
 * given reason, or the next N calls of an operation are throttled or answered with a server error
 * before the stand-in looks at them.
 */
import { StandInError } from "./errors";
import { LIFECYCLE_KINDS, type LifecycleKind } from "./lifecycle";

/** The Create* operation of each kind, so `failNext` takes either name. */
export const CREATE_OPERATIONS: Readonly<Record<string, LifecycleKind>> = {
  CreateDatasetGroup: "datasetGroup",
  CreateDataset: "dataset",
  CreateDatasetImportJob: "datasetImportJob",
  CreateSolution: "solution",
  CreateSolutionVersion: "solutionVersion",
  CreateCampaign: "campaign",
  CreateEventTracker: "eventTracker",
  CreateBatchInferenceJob: "batchInferenceJob",
  CreateBatchSegmentJob: "batchSegmentJob",
  CreateFilter: "filter",
  CreateRecommender: "recommender",
  CreateDataDeletionJob: "dataDeletionJob",
};

export type CallFailure = "throttle" | "server-error";

export class Faults {
  private readonly creationFailures = new Map<LifecycleKind, string[]>();
  private readonly callFailures = new Map<string, CallFailure[]>();

  /** The next creation of `target` (a kind, or its Create* operation) ends CREATE FAILED with `reason`. */
  failNext(target: LifecycleKind | string, reason: string): void {
    const kind = (LIFECYCLE_KINDS as readonly string[]).includes(target) ? (target as LifecycleKind) : CREATE_OPERATIONS[target];
    if (!kind) throw new Error(`failNext: ${target} is neither a resource kind (${LIFECYCLE_KINDS.join(", ")}) nor a Create* operation`);
    const queue = this.creationFailures.get(kind) ?? [];
    queue.push(reason);
    this.creationFailures.set(kind, queue);
  }

  takeCreationFailure(kind: LifecycleKind): string | undefined {
    return this.creationFailures.get(kind)?.shift();
  }

  /** The next `times` calls of `operation` (e.g. `DescribeDatasetGroup`, `GetRecommendations`) fail as said. */
  failCalls(operation: string, times: number, as: CallFailure): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`failCalls: times must be a whole number of 1 or more (got ${times})`);
    const queue = this.callFailures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(as);
    this.callFailures.set(operation, queue);
  }

  /** The injected error for this call, if one is queued: throttling as JSON services send it, or a 500. */
  takeCallFailure(operation: string): StandInError | undefined {
    const failure = this.callFailures.get(operation)?.shift();
    if (failure === "throttle") return new StandInError("ThrottlingException", "Rate exceeded");
    if (failure === "server-error") return new StandInError("InternalServerError", "We encountered an internal error. Please try again.");
    return undefined;
  }

  clear(): void {
    this.creationFailures.clear();
    this.callFailures.clear();
  }
}
