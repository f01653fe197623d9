/**
 * Polling with backoff and a cap, for AWS resources that have no SDK waiter (the Personalize client
 * has none). Every wait says what it is waiting for, reports each status change with the elapsed
 * time, and ends with a clear error on failure or time-out.
 */
import { isRetryable } from "@roadmapx-ai/core";

export interface PollStatus {
  status: string;
  elapsedMs: number;
}

export interface PollOptions<T> {
  /** What is being waited for, for messages ("dataset import job arn:..."). */
  what: string;
  /** Reads the current state. Throttling and transient errors are retried by the SDK client. */
  describe: () => Promise<T>;
  statusOf: (state: T) => string;
  /** Statuses that end the wait successfully. */
  done: readonly string[];
  /** Statuses that end it with an error; `reasonOf` says why. */
  failed: readonly string[];
  reasonOf?: (state: T) => string | undefined;
  /** First pause between polls (default 5 s); it grows by 1.5x up to `maxIntervalMs` (default 60 s). */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Give up after this long (default 6 h). */
  timeoutMs?: number;
  onStatus?: (status: PollStatus) => void;
  /** Called on every poll, status changed or not (progress displays). */
  onPoll?: (status: PollStatus) => void;
  /**
   * A long wait should not die of one bad minute: throttling, 5xx and network errors that outlast
   * the SDK's own retries are tolerated this many times in a row (default 5) before the wait fails.
   */
  maxTransientErrors?: number;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export class WaitFailedError extends Error {
  constructor(
    readonly what: string,
    readonly status: string,
    readonly reason: string | undefined,
  ) {
    super(`${what} ended in ${status}${reason ? `: ${reason}` : ""}`);
    this.name = "WaitFailedError";
  }
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly status: string,
    readonly elapsedMs: number,
  ) {
    super(`${what} is still ${status} after ${formatDuration(elapsedMs)}; it goes on in AWS (nothing was cancelled): check it again later`);
    this.name = "WaitTimeoutError";
  }
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until a done or failed status, or the time-out; returns the final state. */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const started = now();
  const timeoutMs = options.timeoutMs ?? 6 * 3600_000;
  let interval = options.intervalMs ?? 5000;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  let last: string | undefined;
  let transientInARow = 0;
  for (;;) {
    let state: T;
    try {
      state = await options.describe();
      transientInARow = 0;
    } catch (err) {
      if (!isRetryable(err) || ++transientInARow > (options.maxTransientErrors ?? 5)) throw err;
      const elapsedMs = now() - started;
      if (elapsedMs + interval > timeoutMs) throw new WaitTimeoutError(options.what, last ?? "UNKNOWN", elapsedMs);
      await sleep(interval);
      interval = Math.min(Math.round(interval * 1.5), maxInterval);
      continue;
    }
    const status = options.statusOf(state);
    const elapsedMs = now() - started;
    if (status !== last) {
      options.onStatus?.({ status, elapsedMs });
      last = status;
    }
    options.onPoll?.({ status, elapsedMs });
    if (options.done.includes(status)) return state;
    if (options.failed.includes(status)) throw new WaitFailedError(options.what, status, options.reasonOf?.(state));
    if (elapsedMs + interval > timeoutMs) throw new WaitTimeoutError(options.what, status, elapsedMs);
    await sleep(interval);
    interval = Math.min(Math.round(interval * 1.5), maxInterval);
  }
}
