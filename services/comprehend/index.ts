/**
 * Amazon Comprehend for RoadmapX: single-document calls, and `analyzeMany`, a streaming pipeline
 * that sends any number of documents through the Batch* APIs, 25 at a time, at a client-side rate,
 * and yields one result per document in input order with flat memory.
 */
import type {
  BatchItemError,
  DominantLanguage,
  Entity as SdkEntity,
  KeyPhrase as SdkKeyPhrase,
  LanguageCode,
  PiiEntity as SdkPiiEntity,
  SentimentScore,
} from "@aws-sdk/client-comprehend";
import { classify, isRetryable, RETRYABLE_ERROR_NAMES } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { RateLimiter, Semaphore } from "../rate-limit";
import {
  BATCH_LIMIT_BYTES,
  BATCH_SIZE,
  combineSentiment,
  ComprehendInputError,
  HAS_BATCH,
  LANGUAGES,
  MIN_LANGUAGE_CHARS,
  OPERATIONS,
  type Operation,
  type Piece,
  SENTIMENTS,
  type SentimentLabel,
  type SentimentResult,
  SINGLE_LIMIT_BYTES,
  splitText,
} from "./text";

/** @aws-sdk/client-comprehend, loaded on the first call: importing the services must not load every SDK client. */
const sdkComprehend = (): typeof import("@aws-sdk/client-comprehend") => require("@aws-sdk/client-comprehend") as typeof import("@aws-sdk/client-comprehend");

export * from "./text";

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

/** The API that answers each operation, for messages. */
const API_NAME: Readonly<Record<Operation, string>> = {
  sentiment: "DetectSentiment",
  entities: "DetectEntities",
  "key-phrases": "DetectKeyPhrases",
  language: "DetectDominantLanguage",
  pii: "DetectPiiEntities",
};

export const DEFAULT_TPS = 10;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_IN_FLIGHT = 500;
export const DEFAULT_MAX_BATCH_WAIT_MS = 100;

function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

// --- From SDK shapes to ours ------------------------------------------------------------------

function sentimentOf(label: string | undefined, s: SentimentScore | undefined): SentimentResult {
  const sentiment = (SENTIMENTS as readonly string[]).includes(label ?? "") ? (label as SentimentLabel) : "NEUTRAL";
  return { sentiment, scores: { positive: s?.Positive ?? 0, negative: s?.Negative ?? 0, neutral: s?.Neutral ?? 0, mixed: s?.Mixed ?? 0 } };
}
const entitiesOf = (list: SdkEntity[] | undefined): Entity[] =>
  (list ?? []).map((e) => ({ text: e.Text ?? "", type: e.Type ?? "OTHER", score: e.Score ?? 0, begin: e.BeginOffset ?? 0, end: e.EndOffset ?? 0 }));
const keyPhrasesOf = (list: SdkKeyPhrase[] | undefined): KeyPhrase[] =>
  (list ?? []).map((k) => ({ text: k.Text ?? "", score: k.Score ?? 0, begin: k.BeginOffset ?? 0, end: k.EndOffset ?? 0 }));
const piiOf = (list: SdkPiiEntity[] | undefined): PiiEntity[] =>
  (list ?? []).map((p) => ({ type: p.Type ?? "OTHER", score: p.Score ?? 0, begin: p.BeginOffset ?? 0, end: p.EndOffset ?? 0 }));
function languageOf(list: DominantLanguage[] | undefined): LanguageResult {
  const candidates = (list ?? []).map((l) => ({ languageCode: l.LanguageCode ?? "", score: l.Score ?? 0 })).sort((a, b) => b.score - a.score);
  return { languageCode: candidates[0]?.languageCode ?? "", score: candidates[0]?.score ?? 0, candidates };
}

// --- Merging the pieces of a split document ---------------------------------------------------

function shift<R extends { begin: number; end: number }>(items: R[], by: number): R[] {
  return by === 0 ? items : items.map((i) => ({ ...i, begin: i.begin + by, end: i.end + by }));
}

/**
 * One result from the results of a document's pieces. Entities, key phrases and PII are
 * concatenated with offsets shifted by where their piece starts; sentiment is combined by
 * `combineSentiment` (byte-weighted, MIXED when clearly positive and negative pieces meet);
 * language scores are averaged weighted by bytes.
 */
export function mergePieces(op: Operation, pieces: readonly Piece[], bytes: readonly number[], results: readonly unknown[]): unknown {
  if (results.length === 1) return results[0];
  switch (op) {
    case "sentiment":
      return combineSentiment((results as readonly SentimentResult[]).map((result, i) => ({ result, bytes: bytes[i] ?? 0 })));
    case "entities":
    case "key-phrases":
    case "pii":
      return (results as readonly Entity[][]).flatMap((r, i) => shift(r, pieces[i]?.begin ?? 0));
    case "language": {
      const total = bytes.reduce((s, b) => s + b, 0) || 1;
      const scores = new Map<string, number>();
      (results as readonly LanguageResult[]).forEach((r, i) => {
        for (const c of r.candidates) scores.set(c.languageCode, (scores.get(c.languageCode) ?? 0) + (c.score * (bytes[i] ?? 0)) / total);
      });
      const candidates = [...scores].map(([languageCode, score]) => ({ languageCode, score })).sort((a, b) => b.score - a.score);
      const merged: LanguageResult = { languageCode: candidates[0]?.languageCode ?? "", score: candidates[0]?.score ?? 0, candidates };
      return merged;
    }
    default:
      throw new Error(`unknown operation ${String(op)}`);
  }
}

// --- The streaming pipeline -------------------------------------------------------------------

interface OpState {
  pieces: Piece[];
  bytes: number[];
  results: unknown[];
  left: number;
  failed: boolean;
}

interface DocState<T> {
  text: string;
  /** The text's UTF-8 length, measured once for every operation's limit. */
  bytes: number;
  ops: Partial<Record<Operation, OpState>>;
  /** Operations (detection included) not finished yet; the document is yielded at 0. */
  remaining: number;
  out: AnalyzedDocument<T>;
}

interface WorkItem<T> {
  doc: DocState<T>;
  op: Operation;
  piece: number;
  text: string;
  language: string | undefined;
  attempt: number;
}

function defaultText(item: unknown): string {
  if (typeof item === "string") return item;
  const text = (item as { text?: unknown } | null)?.text;
  if (typeof text !== "string") throw new Error("the document has no `text` field holding a string");
  return text;
}

class Deferred {
  promise: Promise<void>;
  resolve!: () => void;
  constructor() {
    this.promise = new Promise<void>((r) => {
      this.resolve = r;
    });
  }
}

/** What a call queued before the run halted resolves to instead of an answer. */
const CANCELLED: unique symbol = Symbol("cancelled");

/** One analyzeMany run: documents in flight, batch buffers, calls outstanding. */
class AnalyzeRun<T> {
  /** Documents read and not yet yielded, in a ring indexed by position (the window bounds it). */
  private readonly ring: (DocState<T> | undefined)[];
  nextIndex = 0;
  emitIndex = 0;
  outstanding = 0;
  fatal: unknown;
  sourceDone = false;
  private stopped = false;
  private readonly buffers = new Map<string, WorkItem<T>[]>();
  /** Wakes the consumer side: a call finished, a document finished on arrival, the input ended. */
  private wake = new Deferred();
  /** Wakes the reader when the window has room again (or the run stops). */
  private space: Deferred | undefined;
  /** True while the reader waits for the next input document (not for room in the window). */
  private readingInput = false;
  /** What closing the source threw after the consumer stopped (reported, not lost). */
  closeError: unknown;
  private lastAdmitAt = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly maxInFlight: number;
  private readonly maxBatchWait: number;
  private readonly limiter: RateLimiter;
  private readonly slots: Semaphore;
  private readonly getText: (item: T) => string;
  private readonly auto: boolean;
  private readonly batch: boolean;
  readonly stats: AnalyzeStats;

  constructor(
    private readonly service: ComprehendService,
    private readonly options: AnalyzeOptions<T>,
  ) {
    this.maxInFlight = Math.ceil((options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) / BATCH_SIZE) * BATCH_SIZE;
    this.ring = new Array<DocState<T> | undefined>(this.maxInFlight).fill(undefined);
    this.maxBatchWait = options.maxBatchWaitMs ?? DEFAULT_MAX_BATCH_WAIT_MS;
    this.limiter = new RateLimiter(options.tps ?? DEFAULT_TPS);
    this.slots = new Semaphore(options.concurrency ?? DEFAULT_CONCURRENCY);
    this.getText = options.getText ?? defaultText;
    this.auto = (options.language ?? "en") === "auto";
    this.batch = options.batch ?? true;
    this.stats = options.stats ?? emptyStats();
  }

  /** The next document in input order, once every operation on it is done. */
  takeReady(): DocState<T> | undefined {
    if (this.emitIndex >= this.nextIndex) return undefined;
    const slot = this.emitIndex % this.maxInFlight;
    const doc = this.ring[slot];
    if (!doc || doc.remaining !== 0) return undefined;
    this.ring[slot] = undefined;
    this.emitIndex++;
    return doc;
  }

  /** True when every document read has been yielded. */
  get drained(): boolean {
    return this.emitIndex === this.nextIndex;
  }

  get woken(): Promise<void> {
    return this.wake.promise;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = new Deferred();
    w.resolve();
  }

  /**
   * Reads the input into the run, holding at most maxInFlight documents not yet yielded. Runs beside
   * the consumer, so documents are admitted while results are being handed out.
   */
  async pump(source: AsyncIterable<T> | Iterable<T>): Promise<void> {
    let input: AsyncIterator<T> | undefined;
    let ended = false;
    try {
      // Inside the try: a source that throws when opened (a closed cursor) ends the run with that error.
      input = toAsyncIterator(source);
      for (;;) {
        while (!this.stopped && this.fatal === undefined && this.nextIndex - this.emitIndex >= this.maxInFlight) {
          this.flushIfStalled();
          this.space = new Deferred();
          await this.space.promise;
        }
        if (this.stopped || this.fatal !== undefined) break;
        // Whatever waits in partial batches (documents admitted earlier, items routed after a
        // language detection or for a retry) goes once the input has been quiet for maxBatchWait.
        this.armLinger();
        this.readingInput = true;
        const next = await input.next();
        this.readingInput = false;
        if (this.stopped) break;
        if (next.done) {
          ended = true;
          break;
        }
        this.admit(next.value);
        this.lastAdmitAt = performance.now();
      }
    } catch (err) {
      ended = true; // a source that threw is finished
      this.fatal ??= err;
    } finally {
      this.readingInput = false;
      clearTimeout(this.lingerTimer);
      if (ended) {
        this.sourceDone = true;
        this.flush();
      } else {
        try {
          await input?.return?.();
        } catch (err) {
          this.closeError = err;
        }
      }
      this.notify();
    }
  }

  /** The consumer took documents: the reader may go on. */
  roomMade(): void {
    const space = this.space;
    this.space = undefined;
    space?.resolve();
  }

  /** The consumer stopped, or a fatal error ended the run: nothing more is sent. */
  private get halted(): boolean {
    return this.stopped || this.fatal !== undefined;
  }

  /** True while the reader waits on the source (closing it then would wait for that read). */
  get reading(): boolean {
    return this.readingInput;
  }

  /** The consumer stopped early (break, return, error): stop reading and let calls in flight end. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.lingerTimer);
    this.roomMade();
  }

  /**
   * Nothing more can come in (input ended, or the window is full) and no call is on its way: what
   * waits in partial batches goes now, or the run would wait forever.
   */
  private flushIfStalled(): void {
    if (this.outstanding === 0 && (this.sourceDone || this.nextIndex - this.emitIndex >= this.maxInFlight)) this.flush();
  }

  /**
   * Partial batches wait for more input, but not for long: once the input has been quiet for
   * maxBatchWait they are sent. One timer, re-armed at most once per wait period.
   */
  private armLinger(): void {
    if (this.lingerTimer !== undefined || !this.hasPartialBatches()) return;
    const check = () => {
      this.lingerTimer = undefined;
      if (!this.readingInput || this.stopped) return;
      const quiet = performance.now() - this.lastAdmitAt;
      if (quiet >= this.maxBatchWait) this.flush();
      else this.lingerTimer = setTimeout(check, this.maxBatchWait - quiet);
    };
    this.lingerTimer = setTimeout(check, this.maxBatchWait);
  }

  hasPartialBatches(): boolean {
    for (const b of this.buffers.values()) if (b.length > 0) return true;
    return false;
  }

  admit(input: T): void {
    const index = this.nextIndex;
    this.start(input);
    // A document refused on arrival (empty, invalid) is ready at once: wake the consumer if it is next.
    if (index === this.emitIndex && this.ring[index % this.maxInFlight]?.remaining === 0) this.notify();
  }

  private start(input: T): void {
    const index = this.nextIndex++;
    this.stats.documents++;
    const ops = this.options.operations;
    const doc: DocState<T> = { text: "", bytes: 0, ops: {}, remaining: 0, out: { index, input, results: {}, errors: {} } };
    this.ring[index % this.maxInFlight] = doc;
    let text: string;
    try {
      text = this.getText(input);
    } catch (err) {
      for (const op of ops) doc.out.errors[op] = { code: "InvalidInput", message: (err as Error).message };
      return;
    }
    if (text.trim() === "") {
      for (const op of ops) doc.out.errors[op] = { code: "EmptyDocument", message: "the document is empty (or only whitespace); Comprehend needs text" };
      return;
    }
    doc.text = text;
    doc.bytes = Buffer.byteLength(text, "utf8");
    if (this.auto) {
      // Detection first; the other operations start when the language is known.
      doc.remaining = ops.length + (ops.includes("language") ? 0 : 1);
      this.startOp(doc, "language", undefined);
    } else {
      doc.remaining = ops.length;
      for (const op of ops) this.startOp(doc, op, this.options.language ?? "en");
    }
  }

  private startOp(doc: DocState<T>, op: Operation, language: string | undefined): void {
    if (op !== "language" && language !== undefined && !LANGUAGES[op].includes(language)) {
      this.finishOp(doc, op, undefined, {
        code: "UnsupportedLanguage",
        message: `${API_NAME[op]} does not support language "${language}" (it supports ${LANGUAGES[op].join(", ")})`,
      });
      return;
    }
    if (op === "language" && codePointLength(doc.text) < MIN_LANGUAGE_CHARS) {
      this.finishOp(doc, op, undefined, {
        code: "TextTooShort",
        message: `language detection needs at least ${MIN_LANGUAGE_CHARS} characters (the document has ${codePointLength(doc.text)})${this.auto ? "; pass a language code instead of auto" : ""}`,
      });
      return;
    }
    const limit = SINGLE_LIMIT_BYTES[op];
    const bytes = doc.bytes;
    if (bytes > limit && this.options.oversize === "reject") {
      this.finishOp(doc, op, undefined, {
        code: "TextSizeLimitExceededException",
        message: `the document is ${bytes} UTF-8 bytes, over the ${limit}-byte limit of ${API_NAME[op]} (split it, or let oversize documents be split)`,
      });
      return;
    }
    let pieces: Piece[];
    try {
      pieces = splitText(doc.text, limit);
    } catch (err) {
      // One grapheme over the limit (a character with thousands of combining marks): nothing to split on.
      this.finishOp(doc, op, undefined, { code: "TextSizeLimitExceededException", message: `${(err as Error).message}; it cannot be split` });
      return;
    }
    if (pieces.length > 1) this.stats.splitDocuments++;
    const pieceBytes = pieces.map((p) => (pieces.length === 1 ? bytes : Buffer.byteLength(p.text, "utf8")));
    doc.ops[op] = { pieces, bytes: pieceBytes, results: new Array(pieces.length), left: pieces.length, failed: false };
    pieces.forEach((p, piece) => this.route({ doc, op, piece, text: p.text, language, attempt: 1 }, pieceBytes[piece] ?? 0));
  }

  /** To a batch buffer when a batch API takes the piece, else a call of its own. */
  private route(item: WorkItem<T>, bytes: number): void {
    if (this.batch && HAS_BATCH[item.op] && bytes <= BATCH_LIMIT_BYTES) {
      const key = `${item.op}\u0000${item.language ?? ""}`;
      let buffer = this.buffers.get(key);
      if (!buffer) this.buffers.set(key, (buffer = []));
      buffer.push(item);
      if (buffer.length >= BATCH_SIZE) {
        this.buffers.set(key, []);
        this.sendBatch(buffer);
      } else if (this.readingInput) this.armLinger();
    } else {
      this.sendSingle(item);
    }
  }

  /** Sends every partly filled batch. */
  flush(): void {
    if (this.halted) return;
    for (const [key, buffer] of this.buffers) {
      if (buffer.length === 0) continue;
      this.buffers.set(key, []);
      this.sendBatch(buffer);
    }
  }

  private call<R>(send: () => Promise<R>, onResult: (r: R) => void, onError: (err: unknown) => void): void {
    if (this.halted) return;
    this.outstanding++;
    void this.slots
      .run(async () => {
        await this.limiter.acquire();
        // Queued before the consumer stopped or a fatal error: not sent (it would be billed for nothing).
        if (this.halted) return CANCELLED;
        return send();
      })
      .then(
        (r) => {
          if (r !== CANCELLED) onResult(r);
        },
        (err: unknown) => {
          if (isFatal(err)) this.fatal ??= err;
          else onError(err);
        },
      )
      .catch((err: unknown) => {
        this.fatal ??= err;
      })
      .finally(() => {
        this.outstanding--;
        this.flushIfStalled();
        this.notify();
      });
  }

  private sendBatch(items: WorkItem<T>[]): void {
    const first = items[0];
    if (!first) return;
    this.stats.batchCalls++;
    this.call(
      () =>
        this.service.batch(
          first.op,
          items.map((i) => i.text),
          first.language,
        ),
      ({ results, errors }) => {
        const answered = new Set<number>();
        for (const [index, result] of results) {
          const item = items[index];
          if (!item || answered.has(index)) continue;
          answered.add(index);
          this.pieceDone(item, result);
        }
        for (const e of errors) {
          const item = items[e.Index ?? -1];
          if (!item || answered.has(e.Index ?? -1)) continue;
          answered.add(e.Index ?? -1);
          this.itemFailed(item, e.ErrorCode ?? "UnknownError", e.ErrorMessage ?? "no message");
        }
        items.forEach((item, index) => {
          if (!answered.has(index)) this.itemFailed(item, "MissingResult", "the batch answer had neither a result nor an error for this document");
        });
      },
      (err) => {
        for (const item of items) this.callFailed(item, err);
      },
    );
  }

  private sendSingle(item: WorkItem<T>): void {
    this.stats.singleCalls++;
    this.call(
      () => this.service.single(item.op, item.text, item.language),
      (result) => this.pieceDone(item, result),
      (err) => this.callFailed(item, err),
    );
  }

  private callFailed(item: WorkItem<T>, err: unknown): void {
    const e = err as { name?: string; message?: string };
    this.itemFailed(item, e.name ?? "Error", (e.message ?? String(err)).split("\n")[0] ?? "", isRetryable(err));
  }

  private itemFailed(item: WorkItem<T>, code: string, message: string, retryable = RETRYABLE_ERROR_NAMES.has(code)): void {
    const state = item.doc.ops[item.op];
    if (!state || state.failed) return;
    if (retryable && item.attempt < 2) {
      this.stats.retriedItems++;
      this.route({ ...item, attempt: item.attempt + 1 }, Buffer.byteLength(item.text, "utf8"));
      return;
    }
    state.failed = true;
    const pieces = state.pieces.length > 1 ? ` (piece ${item.piece + 1} of ${state.pieces.length})` : "";
    this.finishOp(item.doc, item.op, undefined, { code, message: `${message}${pieces}` });
  }

  private pieceDone(item: WorkItem<T>, result: unknown): void {
    const state = item.doc.ops[item.op];
    if (!state || state.failed) return;
    state.results[item.piece] = result;
    if (--state.left > 0) return;
    this.finishOp(item.doc, item.op, mergePieces(item.op, state.pieces, state.bytes, state.results), undefined);
  }

  private finishOp(doc: DocState<T>, op: Operation, result: unknown, error: DocumentError | undefined): void {
    delete doc.ops[op];
    doc.remaining--;
    const wanted = this.options.operations.includes(op);
    if (error) {
      if (wanted) doc.out.errors[op] = error;
    } else if (wanted) {
      (doc.out.results as Record<Operation, unknown>)[op] = result;
    }
    if (this.auto && op === "language") {
      const others = this.options.operations.filter((o) => o !== "language");
      const detected = error ? undefined : (result as LanguageResult).languageCode;
      if (detected) {
        doc.out.languageCode = detected;
        for (const other of others) this.startOp(doc, other, detected);
      } else {
        for (const other of others) {
          this.finishOp(doc, other, undefined, {
            code: "LanguageUnknown",
            message: `the document's language could not be detected (${error?.message ?? "no language found"}); pass a language code`,
          });
        }
      }
    }
    if (doc.remaining === 0) {
      doc.text = "";
      doc.ops = {};
    }
  }
}

/** Denied, bad credentials, unreachable, API missing: every further call would fail the same way. */
function isFatal(err: unknown): boolean {
  const kind = classify(err, "", "").kind;
  return kind === "denied" || kind === "credentials" || kind === "unreachable" || kind === "unavailable";
}

function toAsyncIterator<T>(source: AsyncIterable<T> | Iterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
  const it = source[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async (value?: unknown) => it.return?.(value) ?? { done: true, value: undefined },
  };
}

export class ComprehendService {
  constructor(private readonly ctx: ServiceContext) {}

  private get client() {
    return this.ctx.clients.comprehend;
  }

  // --- Single documents: checked, then one call each --------------------------------------------

  private check(op: Operation, text: string, language?: string): void {
    if (typeof text !== "string" || text.trim() === "") throw new ComprehendInputError("text", "the document is empty; Comprehend needs text");
    const bytes = Buffer.byteLength(text, "utf8");
    if (bytes > SINGLE_LIMIT_BYTES[op]) {
      throw new ComprehendInputError(
        "text",
        `${bytes} UTF-8 bytes is over the ${SINGLE_LIMIT_BYTES[op]}-byte limit of ${API_NAME[op]}; analyzeMany splits long documents`,
      );
    }
    if (op === "language" && codePointLength(text) < MIN_LANGUAGE_CHARS) {
      throw new ComprehendInputError("text", `language detection needs at least ${MIN_LANGUAGE_CHARS} characters (got ${codePointLength(text)})`);
    }
    if (op !== "language") checkLanguage(op, language);
  }

  async detectSentiment(text: string, language = "en"): Promise<SentimentResult> {
    this.check("sentiment", text, language);
    return (await this.single("sentiment", text, language)) as SentimentResult;
  }
  async detectEntities(text: string, language = "en"): Promise<Entity[]> {
    this.check("entities", text, language);
    return (await this.single("entities", text, language)) as Entity[];
  }
  async detectKeyPhrases(text: string, language = "en"): Promise<KeyPhrase[]> {
    this.check("key-phrases", text, language);
    return (await this.single("key-phrases", text, language)) as KeyPhrase[];
  }
  async detectDominantLanguage(text: string): Promise<LanguageResult> {
    this.check("language", text);
    return (await this.single("language", text, undefined)) as LanguageResult;
  }
  async detectPiiEntities(text: string, language = "en"): Promise<PiiEntity[]> {
    this.check("pii", text, language);
    return (await this.single("pii", text, language)) as PiiEntity[];
  }

  /** One document through one operation's single-document API. */
  async single(op: Operation, text: string, language: string | undefined): Promise<unknown> {
    const LanguageCode = language as LanguageCode;
    switch (op) {
      case "sentiment": {
        const r = await this.client.send(new (sdkComprehend().DetectSentimentCommand)({ Text: text, LanguageCode }));
        return sentimentOf(r.Sentiment, r.SentimentScore);
      }
      case "entities":
        return entitiesOf((await this.client.send(new (sdkComprehend().DetectEntitiesCommand)({ Text: text, LanguageCode }))).Entities);
      case "key-phrases":
        return keyPhrasesOf((await this.client.send(new (sdkComprehend().DetectKeyPhrasesCommand)({ Text: text, LanguageCode }))).KeyPhrases);
      case "language":
        return languageOf((await this.client.send(new (sdkComprehend().DetectDominantLanguageCommand)({ Text: text }))).Languages);
      case "pii":
        return piiOf((await this.client.send(new (sdkComprehend().DetectPiiEntitiesCommand)({ Text: text, LanguageCode }))).Entities);
    }
  }

  /** Up to 25 documents through one operation's Batch* API: results by index, and the per-item errors. */
  async batch(op: Operation, texts: string[], language: string | undefined): Promise<{ results: [number, unknown][]; errors: BatchItemError[] }> {
    const LanguageCode = language as LanguageCode;
    const TextList = texts;
    switch (op) {
      case "sentiment": {
        const r = await this.client.send(new (sdkComprehend().BatchDetectSentimentCommand)({ TextList, LanguageCode }));
        return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, sentimentOf(i.Sentiment, i.SentimentScore)]), errors: r.ErrorList ?? [] };
      }
      case "entities": {
        const r = await this.client.send(new (sdkComprehend().BatchDetectEntitiesCommand)({ TextList, LanguageCode }));
        return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, entitiesOf(i.Entities)]), errors: r.ErrorList ?? [] };
      }
      case "key-phrases": {
        const r = await this.client.send(new (sdkComprehend().BatchDetectKeyPhrasesCommand)({ TextList, LanguageCode }));
        return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, keyPhrasesOf(i.KeyPhrases)]), errors: r.ErrorList ?? [] };
      }
      case "language": {
        const r = await this.client.send(new (sdkComprehend().BatchDetectDominantLanguageCommand)({ TextList }));
        return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, languageOf(i.Languages)]), errors: r.ErrorList ?? [] };
      }
      case "pii":
        throw new Error("DetectPiiEntities has no batch form");
    }
  }

  /**
   * Analyses a stream of documents and yields one result per document, in input order. Documents
   * go 25 to a call through the Batch* APIs (grouped by language with `language: "auto"`), at most
   * `tps` calls a second and `concurrency` at once; at most `maxInFlight` documents are held, so
   * memory stays flat however long the stream. A document's failure is reported on it (`errors`);
   * what would fail every call (access denied, credentials, unreachable) ends the stream with that
   * error.
   */
  async *analyzeMany<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    checkAnalyzeOptions(options);
    const run = new AnalyzeRun<T>(this, options);
    // pump() never rejects: what the source throws becomes run.fatal or run.closeError.
    const pumping = run.pump(source);
    try {
      for (;;) {
        const woken = run.woken;
        let yielded = false;
        for (let doc = run.takeReady(); doc; doc = run.takeReady()) {
          yielded = true;
          yield doc.out;
        }
        if (yielded) run.roomMade();
        if (run.fatal !== undefined) throw run.fatal;
        if (run.sourceDone && run.drained) return;
        await woken;
      }
    } finally {
      run.stop();
      if (!run.reading) {
        // The source is being closed now: wait for it, and let what closing it threw reach the caller.
        await pumping;
        // eslint-disable-next-line no-unsafe-finally -- what closing the source threw must reach the caller
        if (run.closeError !== undefined) throw run.closeError;
      } else {
        // A read is pending on a slow source; the source is closed when it answers. Not worth a wait.
        void pumping.then(() => {
          if (run.closeError !== undefined)
            this.ctx.logger.warn(`comprehend: closing the input failed: ${String((run.closeError as Error)?.message ?? run.closeError)}`);
        });
      }
    }
  }
}

function checkLanguage(op: Exclude<Operation, "language">, language: string | undefined): void {
  if (language === undefined || !LANGUAGES[op].includes(language)) {
    throw new ComprehendInputError("language", `${API_NAME[op]} does not support "${language}" (supported: ${LANGUAGES[op].join(", ")})`);
  }
}

/** Options are checked before the first document is read: a typo fails at once, not per document. */
export function checkAnalyzeOptions<T>(options: AnalyzeOptions<T>): void {
  if (options.operations.length === 0) throw new ComprehendInputError("operations", `name at least one of ${OPERATIONS.join(", ")}`);
  for (const op of options.operations) {
    if (!OPERATIONS.includes(op)) throw new ComprehendInputError("operations", `"${op}" is not an operation (${OPERATIONS.join(", ")})`);
  }
  if (new Set(options.operations).size !== options.operations.length) throw new ComprehendInputError("operations", "an operation is named twice");
  const language = options.language ?? "en";
  if (language !== "auto") {
    for (const op of options.operations) if (op !== "language") checkLanguage(op, language);
  }
  if (options.oversize !== undefined && options.oversize !== "split" && options.oversize !== "reject") {
    throw new ComprehendInputError("oversize", `"${String(options.oversize)}" is neither split nor reject`);
  }
  const positive = (field: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new ComprehendInputError(field, `must be a positive number (got ${value})`);
  };
  positive("tps", options.tps);
  positive("concurrency", options.concurrency);
  positive("maxInFlight", options.maxInFlight);
  if (options.maxBatchWaitMs !== undefined && !(options.maxBatchWaitMs >= 0)) throw new ComprehendInputError("maxBatchWaitMs", "must be 0 or more");
}
