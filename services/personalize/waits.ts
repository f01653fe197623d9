/**
 * Waiting on Personalize, whose JS client has no waiters: until a resource is ACTIVE (or has
 * failed), until a deletion is done, and the listing helper every step uses. Polls with backoff
 * and a cap (services/poll.ts).
 */
import { pollUntil, type PollStatus } from "../poll";
import { WorkflowError } from "./errors";

export interface WaitOptions {
  /** First pause between polls (default 15 s), growing 1.5x to `maxIntervalMs` (default 120 s). */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Default: 1 h for groups, datasets and campaigns, 12 h for training. */
  timeoutMs?: number;
  onStatus?: (what: string, status: PollStatus) => void;
  /** For tests: how to wait, and what time it is. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** True for the error Personalize answers about a resource that does not exist (any more). */
export function notFound(err: unknown): boolean {
  return (err as { name?: string }).name === "ResourceNotFoundException";
}

export /** Every item of a List* call, page after page, through the SDK's own paginator. */
async function collect<Page, T>(pages: AsyncIterable<Page>, items: (page: Page) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(...(items(page) ?? []));
  return all;
}

/** The polling every step shares, with the caller's pace, time-outs and clock. */
export class PersonalizeWaits {
  constructor(private readonly wait: WaitOptions = {}) {}

  /** Until ACTIVE (CREATE FAILED fails), or the `statuses` given (a recommender stops at INACTIVE, a deletion job ends COMPLETED). */
  waitFor<T>(
    what: string,
    describe: () => Promise<T>,
    statusOf: (t: T) => string | undefined,
    reasonOf: (t: T) => string | undefined,
    timeoutMs: number,
    statuses: { done: readonly string[]; failed: readonly string[] } = { done: ["ACTIVE"], failed: ["CREATE FAILED"] },
  ) {
    return pollUntil({
      what,
      describe,
      statusOf: (t) => statusOf(t) ?? "UNKNOWN",
      reasonOf,
      done: statuses.done,
      failed: statuses.failed,
      intervalMs: this.wait.intervalMs ?? 15_000,
      maxIntervalMs: this.wait.maxIntervalMs ?? 120_000,
      timeoutMs: this.wait.timeoutMs ?? timeoutMs,
      onStatus: (s) => this.wait.onStatus?.(what, s),
      ...(this.wait.sleep ? { sleep: this.wait.sleep } : {}),
      ...(this.wait.now ? { now: this.wait.now } : {}),
    });
  }

  /** Waits until `describe` answers ResourceNotFound (deletions are asynchronous). */
  async waitGone(what: string, describe: () => Promise<unknown>): Promise<void> {
    try {
      await pollUntil({
        what: `deletion of ${what}`,
        describe: async () => {
          try {
            await describe();
            return "DELETE IN_PROGRESS";
          } catch (err) {
            if (notFound(err)) return "DELETED";
            throw err;
          }
        },
        statusOf: (s) => s,
        done: ["DELETED"],
        failed: [],
        intervalMs: this.wait.intervalMs ?? 10_000,
        maxIntervalMs: this.wait.maxIntervalMs ?? 60_000,
        timeoutMs: this.wait.timeoutMs ?? 3600_000,
        onStatus: (s) => this.wait.onStatus?.(`deletion of ${what}`, s),
        ...(this.wait.sleep ? { sleep: this.wait.sleep } : {}),
        ...(this.wait.now ? { now: this.wait.now } : {}),
      });
    } catch (err) {
      throw new WorkflowError(`${(err as Error).message}`);
    }
  }

  /** Deletes a resource (already gone is fine) and waits until Personalize no longer knows it. */
  async remove(what: string, arn: string, remove: () => Promise<unknown>, describe: () => Promise<unknown>): Promise<string> {
    try {
      await remove();
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    await this.waitGone(`${what} ${arn}`, describe);
    return arn;
  }
}
