/**
 * Failures on demand, for tests and demos: the next transform job created ends Failed with a given
 * reason (`failNext`), or the next N calls of an operation, the stand-in's own or one it forwards,
 * are throttled or answered with a server error before anything else looks at them (`failCalls`).
 */
import { StandInError } from "./errors";

export type CallFailure = "throttle" | "server-error";

export class Faults {
  private readonly jobFailures: string[] = [];
  private readonly callFailures = new Map<string, CallFailure[]>();

  failNext(reason: string): void {
    if (reason.trim() === "") throw new RangeError("failNext: give the FailureReason the job should end with");
    this.jobFailures.push(reason);
  }

  takeJobFailure(): string | undefined {
    return this.jobFailures.shift();
  }

  failCalls(operation: string, times: number, as: CallFailure): void {
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`failCalls: times must be a whole number of 1 or more (got ${times})`);
    const queue = this.callFailures.get(operation) ?? [];
    for (let i = 0; i < times; i++) queue.push(as);
    this.callFailures.set(operation, queue);
  }

  /** The injected error for this call, if one is queued: throttling as SageMaker sends it, or a 500. */
  takeCallFailure(operation: string): StandInError | undefined {
    const failure = this.callFailures.get(operation)?.shift();
    if (failure === "throttle") return new StandInError("ThrottlingException", "Rate exceeded");
    if (failure === "server-error") return new StandInError("InternalFailure", "We encountered an internal error. Please try again.");
    return undefined;
  }

  clear(): void {
    this.jobFailures.length = 0;
    this.callFailures.clear();
  }
}
