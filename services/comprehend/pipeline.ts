/**
 * The analyzeMany pipeline: one `AnalyzeRun` per call reads the input into a bounded window, groups
 * work into Batch* calls (or single calls), sends them at the run's rate and concurrency, retries
 * once what may pass on a second try, merges split documents and hands documents back in input
 * order. Its state is private; the service drives it through the methods below.
 */
// Over 350 lines: one class whose reader, batching, calls and retries share the window's private state.
import type { ComprehendClient } from "@aws-sdk/client-comprehend";
import { classify, isRetryable, RETRYABLE_ERROR_NAMES } from "@roadmapx-ai/core";
import { RateLimiter, Semaphore } from "../rate-limit";
import * as api from "./api";
import { API_NAME, codePointLength } from "./checks";
import { mergePieces } from "./merge";
import { BATCH_LIMIT_BYTES, BATCH_SIZE, HAS_BATCH, LANGUAGES, MIN_LANGUAGE_CHARS, type Operation, type Piece, SINGLE_LIMIT_BYTES, splitText } from "./text";
import {
  type AnalyzedDocument,
  type AnalyzeOptions,
  type AnalyzeStats,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BATCH_WAIT_MS,
  DEFAULT_MAX_IN_FLIGHT,
  DEFAULT_TPS,
  type DocumentError,
  emptyStats,
  type OperationResult,
} from "./types";

/** Whatever one operation answers (the pipeline handles every operation alike). */
type AnyResult = OperationResult<Operation>;

interface OpState {
  pieces: Piece[];
  bytes: number[];
  results: AnyResult[];
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

export function defaultText(item: unknown): string {
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
export class AnalyzeRun<T> {
  /** Documents read and not yet yielded, in a ring indexed by position (the window bounds it). */
  private readonly ring: (DocState<T> | undefined)[];
  private nextIndex = 0;
  private emitIndex = 0;
  private outstanding = 0;
  /** What ended the run for every document (see isFatal), or what the source threw. */
  private failure: unknown;
  private inputDone = false;
  private stopped = false;
  private readonly buffers = new Map<string, WorkItem<T>[]>();
  /** Wakes the consumer side: a call finished, a document finished on arrival, the input ended. */
  private wake = new Deferred();
  /** Wakes the reader when the window has room again (or the run stops). */
  private space: Deferred | undefined;
  /** True while the reader waits for the next input document (not for room in the window). */
  private readingInput = false;
  /** What closing the source threw after the consumer stopped (reported, not lost). */
  private closeFailure: unknown;
  private lastAdmitAt = 0;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly maxInFlight: number;
  private readonly maxBatchWait: number;
  private readonly limiter: RateLimiter;
  private readonly slots: Semaphore;
  private readonly getText: (item: T) => string;
  private readonly auto: boolean;
  private readonly batch: boolean;
  private readonly stats: AnalyzeStats;

  constructor(
    /** Looked up at each call, as the service's client is: the first call creates it. */
    private readonly client: () => ComprehendClient,
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
  takeReady(): AnalyzedDocument<T> | undefined {
    if (this.emitIndex >= this.nextIndex) return undefined;
    const slot = this.emitIndex % this.maxInFlight;
    const doc = this.ring[slot];
    if (!doc || doc.remaining !== 0) return undefined;
    this.ring[slot] = undefined;
    this.emitIndex++;
    return doc.out;
  }

  /** What ends the stream: a fatal error (see isFatal), or what the source threw. */
  get fatal(): unknown {
    return this.failure;
  }

  /** True once the source has ended (or thrown): no more documents will be read. */
  get sourceDone(): boolean {
    return this.inputDone;
  }

  /** What closing the source threw after the consumer stopped (reported, not lost). */
  get closeError(): unknown {
    return this.closeFailure;
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
        while (!this.stopped && this.failure === undefined && this.nextIndex - this.emitIndex >= this.maxInFlight) {
          this.flushIfStalled();
          this.space = new Deferred();
          await this.space.promise;
        }
        if (this.stopped || this.failure !== undefined) break;
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
      this.failure ??= err;
    } finally {
      this.readingInput = false;
      clearTimeout(this.lingerTimer);
      if (ended) {
        this.inputDone = true;
        this.flush();
      } else {
        try {
          await input?.return?.();
        } catch (err) {
          this.closeFailure = err;
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
    return this.stopped || this.failure !== undefined;
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
    if (this.outstanding === 0 && (this.inputDone || this.nextIndex - this.emitIndex >= this.maxInFlight)) this.flush();
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

  private hasPartialBatches(): boolean {
    for (const b of this.buffers.values()) if (b.length > 0) return true;
    return false;
  }

  private admit(input: T): void {
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
  private flush(): void {
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
          if (isFatal(err)) this.failure ??= err;
          else onError(err);
        },
      )
      .catch((err: unknown) => {
        this.failure ??= err;
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
        api.batch(
          this.client(),
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
      () => api.single(this.client(), item.op, item.text, item.language),
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

  private pieceDone(item: WorkItem<T>, result: AnyResult): void {
    const state = item.doc.ops[item.op];
    if (!state || state.failed) return;
    state.results[item.piece] = result;
    if (--state.left > 0) return;
    this.finishOp(item.doc, item.op, mergePieces(item.op, state.pieces, state.bytes, state.results), undefined);
  }

  private finishOp(doc: DocState<T>, op: Operation, result: AnyResult | undefined, error: DocumentError | undefined): void {
    delete doc.ops[op];
    doc.remaining--;
    const wanted = this.options.operations.includes(op);
    if (error) {
      if (wanted) doc.out.errors[op] = error;
    } else if (wanted) {
      // `result` is what `op` answered; an item's operation is a plain union, so that link is not in the types.
      (doc.out.results as Record<Operation, AnyResult | undefined>)[op] = result;
    }
    if (this.auto && op === "language") {
      const others = this.options.operations.filter((o) => o !== "language");
      const detected = error ? undefined : (result as OperationResult<"language">).languageCode;
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
