/**
 * Waiting for a run's jobs together, each polled with services/poll.ts (status changes and elapsed
 * time to the logger and `onJobStatus`, a cap, transient errors tolerated). The first job that
 * fails ends the wait: the others are stopped (they would only bill for a run that cannot finish)
 * and AnalysisJobFailedError carries the service's Message. When the cap comes first, nothing is
 * stopped: AnalysisWaitTimeoutError names every unfinished job and the command that resumes.
 */
import type { ServiceContext } from "../context";
import { formatDuration, pollUntil, WaitFailedError, WaitTimeoutError } from "../poll";
import { describeJob, JOB_DONE, JOB_FAILED, type JobState, stopJob } from "./jobs";
import { type AnalysisJob, AnalysisJobFailedError, AnalysisWaitTimeoutError, type AsyncJobOptions, type CompletedJob } from "./job-types";

export const DEFAULT_WAIT_TIMEOUT_MS = 6 * 3600_000;
export const DEFAULT_POLL_INTERVAL_MS = 15_000;
export const DEFAULT_MAX_POLL_INTERVAL_MS = 60_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class Cancelled extends Error {}

/** A sleep that ends early, rejecting, once `signal` aborts (so a failed job ends every other poll). */
function abortable(sleep: (ms: number) => Promise<void>, signal: AbortSignal): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(new Cancelled());
      const onAbort = () => reject(new Cancelled());
      signal.addEventListener("abort", onAbort, { once: true });
      sleep(ms).then(
        () => {
          signal.removeEventListener("abort", onAbort);
          if (signal.aborted) reject(new Cancelled());
          else resolve();
        },
        (err: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
}

export type WaitSettings = Pick<AsyncJobOptions, "waitTimeoutMs" | "pollIntervalMs" | "maxPollIntervalMs" | "onJobStatus" | "sleep" | "now">;

/** Waits until every job is COMPLETED; answers each with its output URI (as Describe* gives it). */
export async function waitForJobs(ctx: ServiceContext, jobs: readonly AnalysisJob[], options: WaitSettings = {}): Promise<CompletedJob[]> {
  const client = ctx.clients.comprehend;
  const controller = new AbortController();
  const sleep = abortable(options.sleep ?? realSleep, controller.signal);
  const latest = new Map<AnalysisJob, string>();
  const parts = new Set(jobs.map((j) => j.part)).size;
  const label = (job: AnalysisJob) => `${job.operation} job ${job.jobId}${parts > 1 ? ` (part ${job.part + 1} of ${parts})` : ""}`;
  let failure: AnalysisJobFailedError | undefined;

  const waitOne = async (job: AnalysisJob): Promise<CompletedJob> => {
    const state = await pollUntil<JobState>({
      what: `Comprehend ${job.operation} job ${job.jobArn}`,
      describe: () => describeJob(client, job.operation, job.jobId),
      statusOf: (s) => s.status,
      done: JOB_DONE,
      failed: JOB_FAILED,
      reasonOf: (s) => s.message,
      intervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      maxIntervalMs: options.maxPollIntervalMs ?? DEFAULT_MAX_POLL_INTERVAL_MS,
      timeoutMs: options.waitTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS,
      onStatus: ({ status, elapsedMs }) => {
        latest.set(job, status);
        ctx.logger.info(`comprehend: ${label(job)}: ${status} after ${formatDuration(elapsedMs)}`);
        options.onJobStatus?.({ job, status, elapsedMs });
      },
      sleep,
      ...(options.now ? { now: options.now } : {}),
    });
    latest.set(job, state.status);
    return { ...job, outputUri: state.outputUri };
  };

  const settled = await Promise.allSettled(
    jobs.map((job) =>
      waitOne(job).catch(async (err: unknown) => {
        if (err instanceof WaitFailedError && !failure) {
          // First failure: stop every other poll, then every other unfinished job.
          controller.abort();
          const others = jobs.filter((j) => j !== job && !JOB_DONE.includes(latest.get(j) as never) && !JOB_FAILED.includes(latest.get(j) as never));
          const stopped: string[] = [];
          await Promise.all(
            others.map((j) =>
              stopJob(client, j.operation, j.jobId).then(
                () => stopped.push(j.jobArn),
                (e: unknown) => ctx.logger.warn(`comprehend: could not stop ${j.jobArn}: ${(e as Error).message}`),
              ),
            ),
          );
          failure = new AnalysisJobFailedError(job, err.status, err.reason, stopped);
        } else if (!(err instanceof WaitTimeoutError) && !(err instanceof Cancelled)) {
          // Describe itself failed (denied, unreachable): the other polls would fail alike.
          controller.abort();
        }
        throw err;
      }),
    ),
  );
  if (failure) throw failure;
  const timedOut = settled.flatMap((s, i) =>
    s.status === "rejected" && s.reason instanceof WaitTimeoutError ? [{ job: jobs[i] as AnalysisJob, err: s.reason }] : [],
  );
  const other = settled.find((s) => s.status === "rejected" && !(s.reason instanceof WaitTimeoutError) && !(s.reason instanceof Cancelled));
  if (other?.status === "rejected") throw other.reason;
  if (timedOut.length) {
    const elapsed = Math.max(...timedOut.map((t) => t.err.elapsedMs));
    throw new AnalysisWaitTimeoutError(
      timedOut.map((t) => ({ arn: t.job.jobArn, status: t.err.status })),
      jobs.map((j) => j.jobArn),
      elapsed,
    );
  }
  return settled.map((s) => (s as PromiseFulfilledResult<CompletedJob>).value);
}
