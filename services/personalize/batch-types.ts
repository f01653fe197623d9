/**
 * Personalize batch jobs as the services offer them: the records that go in, the results that come
 * out, the options, the errors, and AWS's limits (with where each one is written down).
 */
import type { PollStatus } from "../poll";
import { WaitFailedError, WaitTimeoutError } from "../poll";
import { WorkflowError } from "./errors";

/** `filterValues` for a filter with placeholder parameters ("Providing filter values in your input JSON"). */
export type FilterValues = Record<string, string>;

/** USER_PERSONALIZATION (and Popularity-Count) recipes: recommendations for a user. */
export interface UserRecord {
  userId: string;
  filterValues?: FilterValues;
}
/** RELATED_ITEMS recipes: items related to an item. */
export interface ItemRecord {
  itemId: string;
  filterValues?: FilterValues;
}
/** PERSONALIZED_RANKING recipes: a user's ranking of a list of items. */
export interface RankingRecord {
  userId: string;
  itemList: string[];
  filterValues?: FilterValues;
}
export type BatchRecommendRecord = UserRecord | ItemRecord | RankingRecord;

/** Item-Affinity: the users most likely to interact with an item. */
export interface ItemAffinityRecord {
  itemId: string;
  filterValues?: FilterValues;
}
/** Item-Attribute-Affinity: users for items with attributes, `ITEMS.genres = "Comedy" AND ...`. */
export interface ItemAttributesRecord {
  itemAttributes: string;
  filterValues?: FilterValues;
}
export type BatchSegmentRecord = ItemAffinityRecord | ItemAttributesRecord;

/** Records from memory or a generator, or a JSON-lines file read from where it is. */
export type BatchSource<T> = Iterable<T> | AsyncIterable<T> | { path: string };

/** What each input line asks for: decides the recipe types a job can run on. */
export type BatchRecordKind = "user" | "item" | "ranking" | "itemAffinity" | "itemAttributes";

export interface BatchWaitOptions {
  /** Wait for the job (default true); without it the job is started and its run returned at once. */
  wait?: boolean;
  /** Give up waiting after this long (default 6 h); the job goes on in AWS. */
  waitTimeoutMs?: number;
  /** First pause between status checks (default 15 s), growing 1.5x to `maxPollIntervalMs` (default 2 min). */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  onStatus?: (status: PollStatus & { jobArn: string }) => void;
  /** For tests: how to wait, and what time it is. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface BatchJobOptions<T> extends BatchWaitOptions {
  /** A trained (ACTIVE) solution version of this project (`arn:...:solution/<prefix>-.../<id>`). */
  solutionVersionArn: string;
  input: BatchSource<T>;
  /** Results per input line: recommendations (1-500, Personalize's default 25) or users per segment (1-5,000,000, default 25). */
  numResults?: number;
  /** A filter (`arn:...:filter/NAME`) applied to the results. */
  filterArn?: string;
  /** The job's name (it must start with the resource-name prefix); default `<prefix>-batch-<time>` / `<prefix>-segment-<time>`. */
  name?: string;
  /** Delete the job's input and output objects once its results have been read through (or the reading stopped). */
  cleanup?: boolean;
  /** Parts uploaded at once (default 4; 8 MiB of memory each). */
  uploadConcurrency?: number;
}

export type BatchRecommendOptions = BatchJobOptions<BatchRecommendRecord>;
export type BatchSegmentOptions = BatchJobOptions<BatchSegmentRecord>;

/** One line of a batch inference job's output, in input order. */
export interface BatchRecommendation {
  /** 1-based position in the output, which follows the input's order. */
  line: number;
  input: unknown;
  recommendedItems: string[];
  /** Only some recipes score (User-Personalization, Personalized-Ranking); null otherwise. */
  scores: number[] | null;
  /** Personalize's message for a line it could not answer. */
  error: string | null;
}

/** One line of a batch segment job's output, in input order. */
export interface BatchSegmentResult {
  line: number;
  input: unknown;
  recommendedUsers: string[];
  scores: number[] | null;
  error: string | null;
}

export type BatchKind = "inference" | "segment";

/** A job the services started (or found), and how to read its results. */
export interface BatchJobRun<R> {
  kind: BatchKind;
  jobArn: string;
  jobName: string;
  /** The status when the call returned: ACTIVE after a wait, the first status without one. */
  status: string;
  inputUri: string;
  outputUri: string;
  /** Input records and bytes uploaded (0 for a job found by ARN). */
  records: number;
  bytes: number;
  elapsedMs: number;
  /**
   * The results, read line by line from the job's `.out` object(s) (waiting first if the job is not
   * finished): bounded memory however large. With `cleanup`, the job's objects are deleted once the
   * reading is over.
   */
  results(): AsyncIterable<R>;
}

/** Bad input or options, found before anything is uploaded or started (exit 2 in the CLI). */
export class BatchInputError extends WorkflowError {
  constructor(message: string) {
    super(message);
    this.name = "BatchInputError";
  }
}

/** The job ran and ended CREATE FAILED: Personalize's reason, and where its input stays. */
export class BatchJobFailedError extends WaitFailedError {
  constructor(
    readonly jobArn: string,
    readonly failureReason: string | undefined,
    readonly inputUri: string,
  ) {
    super(`Personalize batch job ${jobArn}`, "CREATE FAILED", failureReason);
    this.message = `batch job ${jobArn} failed: ${failureReason ?? "no reason given"} (its input stays at ${inputUri})`;
    this.name = "BatchJobFailedError";
  }
}

/** The wait ran out first; the job goes on in AWS, and its results can be read later. */
export class BatchWaitTimeoutError extends WaitTimeoutError {
  /** How to pick the job up again from the shell. */
  readonly hint: string;
  constructor(
    readonly jobArn: string,
    status: string,
    elapsedMs: number,
  ) {
    super(`Personalize batch job ${jobArn}`, status, elapsedMs);
    this.hint = `roadmapx-ai personalize batch-results --job-arn ${jobArn}`;
    this.message = `${this.message}. Read its results once it is done with \`${this.hint}\` (or readBatchResults("${jobArn}") in code)`;
    this.name = "BatchWaitTimeoutError";
  }
}

/** A `.out` line that is not what Personalize writes. */
export class BatchOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BatchOutputError";
  }
}

/**
 * AWS's limits, each checked before anything is uploaded:
 * - 1 GB of input per batch job (Personalize quotas: "Maximum size of batch inference job input");
 * - numResults: default 25 (console: "The default is 25"); at most 5 million users per segment
 *   (CreateBatchSegmentJob); batch inference has no documented maximum, and is held to
 *   GetRecommendations' 500, since batch scores are computed the same way;
 * - per input file at most 500 Item-Affinity and 10 Item-Attribute-Affinity queries (quotas page);
 * - ids at most 256 characters, an itemList of at most 500 items, at most 25 filter values
 *   (GetRecommendations / GetPersonalizedRanking, whose inputs batch lines mirror).
 */
export const PERSONALIZE_BATCH_LIMITS = {
  maxInputBytes: 1024 ** 3,
  defaultResults: 25,
  maxInferenceResults: 500,
  maxSegmentUsers: 5_000_000,
  maxItemAffinityQueries: 500,
  maxItemAttributeQueries: 10,
  maxIdLength: 256,
  maxItemList: 500,
  maxFilterValues: 25,
} as const;
