/**
 * The public shapes of the asynchronous path (analysis jobs): what `analyzeAsync` and the
 * start/wait/read calls take and answer, and their errors. Types, and the errors' classes.
 */
import { WaitFailedError, WaitTimeoutError, formatDuration } from "../poll";
import type { AsyncLimits } from "./job-limits";
import type { Operation } from "./text";
import type { AnalyzeOptions } from "./types";

/** A source of documents; a function that returns it again lets the run read it twice instead of keeping a copy. */
export type DocumentSource<T> = AsyncIterable<T> | Iterable<T> | (() => AsyncIterable<T> | Iterable<T>);

/** How items of a source read only once are kept on disk until their results are read (default: as JSON). */
export interface ItemCodec<T> {
  encode(item: T): unknown;
  decode(value: unknown): T;
}

/** Options of the job path that the synchronous one does not have (the same whatever the items). */
export interface AsyncJobOptions {
  /** Give up waiting after this long (default 6 h); the jobs go on in AWS, and the error says how to resume. */
  waitTimeoutMs?: number;
  /** First pause between status polls (default 15 s), growing 1.5x up to `maxPollIntervalMs` (default 60 s). */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Delete the run's input and output objects once every result has been read (default false). */
  cleanup?: boolean;
  /** AWS's limits, for tests or raised quotas (default ASYNC_LIMITS). */
  limits?: Partial<AsyncLimits>;
  /** Where input is staged before upload (default the OS's temporary directory). */
  tempDir?: string;
  /** Out-of-order results held in memory before the read-back spills to a file (default 4096). */
  reorderWindow?: number;
  /** Each job's status changes, with the time since the wait began. */
  onJobStatus?: (change: JobStatusChange) => void;
  /** For tests: how the wait sleeps and reads the time. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** `analyzeAsync`'s options: the synchronous ones that apply, and the job path's. */
export interface AsyncAnalyzeOptions<T> extends Pick<AnalyzeOptions<T>, "operations" | "language" | "getText">, AsyncJobOptions {
  /**
   * A document over a job type's limit: refuse the whole run before anything is uploaded ("refuse",
   * the default), analyse it in pieces and merge the results ("split"), or leave it out and report
   * TextSizeLimitExceededException on it ("reject").
   */
  oversize?: "refuse" | "split" | "reject";
  /** How items of a source that can be read only once are kept until their results are read (default JSON). */
  codec?: ItemCodec<T>;
}

/** One analysis job of a run: one operation over one part of the input. */
export interface AnalysisJob {
  operation: Operation;
  /** 0-based part of the input it reads. */
  part: number;
  jobId: string;
  jobArn: string;
  jobName: string;
}

/** What a run uploaded, kept beside its input as `manifest.json` so a later process can read the results. */
export interface RunManifest {
  version: 1;
  /** The run's folder name under comprehend/input/ and comprehend/output/: `<prefix>-<time>-<random>`. */
  name: string;
  operations: Operation[];
  language: string;
  oversize: "refuse" | "split" | "reject";
  documents: number;
  /** Lines in all (documents sent, pieces counted), and the input's size. */
  lines: number;
  bytes: number;
  /** Billed units per operation (100 characters, at least 3 per line). */
  units: number;
  /** The per-document limits the input was planned with (split pieces are cut to the smallest of the run's). */
  documentBytes: Record<Operation, number>;
  parts: { index: number; key: string; documents: number; lines: number; bytes: number }[];
  inputPrefix: string;
  outputPrefix: string;
}

/** A started run: its manifest and jobs, and (for a source read once) where its items wait on disk. */
export interface AnalysisRun {
  manifest: RunManifest;
  jobs: AnalysisJob[];
  /** The items of a source that could be read only once, kept until readJobResults reads them (then deleted). */
  spill?: string | undefined;
}

export interface JobStatusChange {
  job: AnalysisJob;
  status: string;
  elapsedMs: number;
}

/** A finished job, with where Comprehend wrote its output (from Describe*, as AWS rewrites it). */
export interface CompletedJob extends AnalysisJob {
  outputUri: string;
}

/** The command that picks a run up again, for messages (the CLI adds the input file). */
export function resumeHint(arns: readonly string[]): string {
  return `roadmapx-ai comprehend results --jobs ${arns.join(",")} --file <the same input>`;
}

/** A job ended FAILED (or STOPPED): the service's message, and which job. */
export class AnalysisJobFailedError extends WaitFailedError {
  constructor(
    readonly job: AnalysisJob,
    status: string,
    reason: string | undefined,
    stopped: readonly string[],
  ) {
    super(`Comprehend ${job.operation} job ${job.jobArn}`, status, reason);
    this.name = "AnalysisJobFailedError";
    if (stopped.length) this.message += `; the run's other unfinished jobs were stopped: ${stopped.join(", ")}`;
  }
}

/** The wait's cap came first: every unfinished job goes on, and the message says how to pick the run up. */
export class AnalysisWaitTimeoutError extends WaitTimeoutError {
  /** The resume command as the message gives it (a caller that knows the input may put a precise one in its place). */
  readonly hint: string;

  constructor(
    readonly pending: readonly { arn: string; status: string }[],
    readonly jobArns: readonly string[],
    elapsedMs: number,
  ) {
    super(`Comprehend analysis jobs`, pending[0]?.status ?? "UNKNOWN", elapsedMs);
    this.name = "AnalysisWaitTimeoutError";
    this.hint = resumeHint(jobArns);
    this.message =
      `${pending.length} Comprehend analysis job(s) still running after ${formatDuration(elapsedMs)}: ` +
      `${pending.map((p) => `${p.arn} (${p.status})`).join(", ")}. They go on in AWS (nothing was stopped); ` +
      `read the results later with \`${this.hint}\` (or ComprehendService.resumeAnalysis with these ARNs)`;
  }
}
