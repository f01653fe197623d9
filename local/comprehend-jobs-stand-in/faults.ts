/**
 * Failures on demand, for tests and demos: the next job started (of one operation, or of any) ends
 * FAILED with a given Message, as Describe*Job answers a failed job; or the next N calls of an
 * operation (a job operation or a forwarded one, such as DetectSentiment) are throttled or answered
 * with a server error before the stand-in looks at them.
 */
import { JobsError } from "./errors";
import { JOB_OPERATIONS, type JobOperation } from "./job-types";

export type CallFailure = "throttle" | "server-error";

export class Faults {
  private readonly jobFailures: { message: string; operation: JobOperation | undefined }[] = [];
  private readonly callFailures = new Map<string, CallFailure[]>();

  failNext(message: string, operation?: JobOperation): void {
    if (operation !== undefined && !JOB_OPERATIONS.includes(operation)) {
      throw new Error(`failNext: ${String(operation)} is not one of ${JOB_OPERATIONS.join(", ")}`);
    }
    this.jobFailures.push({ message, operation });
  }

  /** The failure queued for the next job of `operation`, taken off the queue. */
  takeJobFailure(operation: JobOperation): string | undefined {
    const i = this.jobFailures.findIndex((f) => f.operation === undefined || f.operation === operation);
    return i === -1 ? undefined : this.jobFailures.splice(i, 1)[0]?.message;
  }

  failCalls(operation: string, times: number, as: CallFailure): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`failCalls: times must be a whole number of 1 or more (got ${times})`);
    if (as !== "throttle" && as !== "server-error") throw new RangeError(`failCalls: as must be "throttle" or "server-error" (got ${String(as)})`);
    const queue = this.callFailures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(as);
    this.callFailures.set(operation, queue);
  }

  /**
   * The injected error for this call, if one is queued: TooManyRequestsException (HTTP 429, what
   * Comprehend throttles with; the SDK retries it) or InternalServerException (HTTP 500).
   */
  takeCallFailure(operation: string): JobsError | undefined {
    const failure = this.callFailures.get(operation)?.shift();
    if (failure === "throttle") return new JobsError("TooManyRequestsException", "Rate exceeded");
    if (failure === "server-error") return new JobsError("InternalServerException", "An internal server error occurred. Retry your request.");
    return undefined;
  }

  clear(): void {
    this.jobFailures.length = 0;
    this.callFailures.clear();
  }
}
