/**
 * The public shapes of the Comprehend service: what each operation answers, what analyzeMany takes,
 * yields and counts, and its defaults. Types and constants only, so every other file can import them.
 */
import type { AsyncJobOptions } from "./job-types";
import type { Operation, SentimentResult } from "./text";

export interface Entity {
  text: string;
  type: string;
  score: number;
  /** Code-point offsets in the whole document (shifted back when it was analysed in pieces). */
  begin: number;
  end: number;
}
export interface KeyPhrase {
  text: string;
  score: number;
  begin: number;
  end: number;
}
export interface PiiEntity {
  type: string;
  score: number;
  begin: number;
  end: number;
}
export interface LanguageResult {
  /** The dominant language. */
  languageCode: string;
  score: number;
  /** Every language found, highest score first. */
  candidates: { languageCode: string; score: number }[];
}

export interface OperationResults {
  sentiment?: SentimentResult;
  entities?: Entity[];
  "key-phrases"?: KeyPhrase[];
  language?: LanguageResult;
  pii?: PiiEntity[];
}

/** What one operation answers for one document (or piece): the calls and merges are typed by it. */
export type OperationResult<Op extends Operation> = Required<OperationResults>[Op];

export interface DocumentError {
  /** Comprehend's error code, or one of ours: EmptyDocument, InvalidInput, TextSizeLimitExceededException, UnsupportedLanguage, TextTooShort, LanguageUnknown. */
  code: string;
  message: string;
}

export interface AnalyzedDocument<T> {
  /** 0-based position in the input. */
  index: number;
  input: T;
  /** The language the document was analysed in (detected with `language: "auto"`). */
  languageCode?: string;
  results: OperationResults;
  /** Operations that failed for this document, and why. */
  errors: Partial<Record<Operation, DocumentError>>;
}

export interface AnalyzeOptions<T> {
  operations: readonly Operation[];
  /** A language code, or "auto" to detect each document's language first (default "en"). */
  language?: string;
  /** A document over an API's limit is split and its results merged ("split", the default) or reported as an error ("reject"). */
  oversize?: "split" | "reject";
  /** Calls started per second at most (default 10). */
  tps?: number;
  /** Calls in flight at most (default 8). */
  concurrency?: number;
  /** Documents read but not yet yielded at most (default 500; rounded up to a multiple of 25). Bounds memory. */
  maxInFlight?: number;
  /** How long a partly filled batch waits for more input before it is sent anyway (default 100 ms). */
  maxBatchWaitMs?: number;
  /** Use the Batch* APIs (default true); false sends one call per document, for endpoints without them. */
  batch?: boolean;
  /** The text of an input item (default: the item itself if a string, else its `text` field). Throwing marks the item invalid. */
  getText?: (item: T) => string;
  /** Filled in as the run goes: calls made, documents, retries. */
  stats?: AnalyzeStats;
  /**
   * "sync": the Batch* calls above. "async": Comprehend analysis jobs (`analyzeAsync`, with
   * `oversize` defaulting to "split" as here). "auto" (the default): sync, unless a Comprehend role
   * is configured and the source holds more than `asyncThreshold` documents; the first
   * asyncThreshold + 1 documents are held in memory while that is decided, and the switch is logged.
   */
  mode?: "auto" | "sync" | "async";
  /** Documents above which "auto" runs analysis jobs (default ASYNC_THRESHOLD_DOCUMENTS, job-limits.ts says why). */
  asyncThreshold?: number;
  /** Options of the job path, when it is taken. */
  async?: AsyncJobOptions;
}

export interface AnalyzeStats {
  documents: number;
  batchCalls: number;
  singleCalls: number;
  /** Items sent again after a retryable per-item error or a failed call. */
  retriedItems: number;
  /** Documents analysed in more than one piece. */
  splitDocuments: number;
}

export function emptyStats(): AnalyzeStats {
  return { documents: 0, batchCalls: 0, singleCalls: 0, retriedItems: 0, splitDocuments: 0 };
}

export const DEFAULT_TPS = 10;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_IN_FLIGHT = 500;
export const DEFAULT_MAX_BATCH_WAIT_MS = 100;
