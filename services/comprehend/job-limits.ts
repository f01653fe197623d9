/**
 * What AWS allows an asynchronous analysis job, what a job costs, and when analyzeMany switches to
 * jobs on its own. Constants and pure functions only.
 *
 * Limits: Amazon Comprehend Developer Guide, "Guidelines and quotas", asynchronous jobs: each
 * document at most 1 MB for entities, key phrases, PII and language, 5 KB for sentiment; at most
 * 5 GB in all and 1,000,000 documents per job; at most 10 concurrent active jobs per job type.
 * (Targeted sentiment, 10 KB a document and 30,000 a job, is not one of our operations.)
 */
import { codePointLength } from "./checks";
import type { Operation } from "./text";

/**
 * Largest document each job type takes, in UTF-8 bytes: AWS's "5 KB" and "1 MB" in binary units, as
 * the guide's sample job output counts them ("Document size is exceeded maximum size limit 5120
 * bytes."; "102400 bytes" for the former 100 KB entity limit). A job would report a larger document
 * as DOCUMENT_SIZE_EXCEEDED on its line; the run refuses or splits it before uploading instead.
 */
export const ASYNC_LIMIT_BYTES: Readonly<Record<Operation, number>> = {
  sentiment: 5 * 1024,
  entities: 1024 * 1024,
  "key-phrases": 1024 * 1024,
  language: 1024 * 1024,
  pii: 1024 * 1024,
};

export interface AsyncLimits {
  /** Lines (documents, or pieces of split documents) per job: AWS's 1,000,000. */
  maxLinesPerJob: number;
  /** Bytes of input per job, newlines included: AWS's 5 GB. */
  maxBytesPerJob: number;
  /** Jobs of one type running at once in an account: AWS's 10. A run needing more parts is refused. */
  maxJobsPerType: number;
  /** Per-document limits by operation (ASYNC_LIMIT_BYTES). */
  documentBytes: Readonly<Record<Operation, number>>;
}

export const ASYNC_LIMITS: Readonly<AsyncLimits> = {
  maxLinesPerJob: 1_000_000,
  maxBytesPerJob: 5_000_000_000,
  maxJobsPerType: 10,
  documentBytes: ASYNC_LIMIT_BYTES,
};

/** The job API of each operation, for messages. */
export const JOB_API: Readonly<Record<Operation, string>> = {
  sentiment: "StartSentimentDetectionJob",
  entities: "StartEntitiesDetectionJob",
  "key-phrases": "StartKeyPhrasesDetectionJob",
  language: "StartDominantLanguageDetectionJob",
  pii: "StartPiiEntitiesDetectionJob",
};

/**
 * Billing (aws.amazon.com/comprehend/pricing): requests are metered in units of 100 characters,
 * at least 3 units (300 characters) per document, at the same price synchronous or asynchronous;
 * in an analysis job each line is a document. The list price of these operations is $0.0001 a unit
 * for the first 10 million units a month (less above that).
 */
export const CHARACTERS_PER_UNIT = 100;
export const MIN_UNITS_PER_DOCUMENT = 3;
export const LIST_PRICE_PER_UNIT_USD = 0.0001;

/** Units one document (one line of a job) is billed for, per operation. */
export function unitsOf(text: string): number {
  return Math.max(MIN_UNITS_PER_DOCUMENT, Math.ceil(codePointLength(text) / CHARACTERS_PER_UNIT));
}

/**
 * Above this many documents, `analyzeMany` in mode "auto" runs analysis jobs instead of Batch*
 * calls (when a Comprehend role is configured). Provisional figures, until the benchmark measures them:
 *  - synchronous: 10 calls a second (the default `tps`, Comprehend's default quota) x 25 documents =
 *    250 documents a second for one operation; operations share the limiter, so k operations run
 *    at 250/k documents a second;
 *  - asynchronous: every job, however small, waits for its workers: AWS documents no figure, and
 *    jobs are commonly reported to take 5-10 minutes before the first result, whatever their size;
 *    jobs of different operations run side by side, so k operations cost the same wait;
 *  - cost: the same price per unit both ways (see above), so time alone decides; S3 storage for the
 *    input and output is negligible.
 * Break-even = 250/k documents a second x the start-up: 75,000-150,000 documents for one operation,
 * 37,500-75,000 for two. 50,000 sits at the low end, where a job also spares the process hours of
 * calls (ten million documents are 11 hours of Batch* calls).
 */
export const ASYNC_THRESHOLD_DOCUMENTS = 50_000;
