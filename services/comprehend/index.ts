/**
 * Amazon Comprehend for RoadmapX: single-document calls, and `analyzeMany`, a streaming pipeline
 * that sends any number of documents through the Batch* APIs, 25 at a time, at a client-side rate,
 * and yields one result per document in input order with flat memory; above a size (mode "auto")
 * or when asked, the same results through Comprehend's asynchronous analysis jobs (`analyzeAsync`).
 *
 * The parts, one idea a file: text.ts (limits, splitting), types.ts (public shapes, defaults),
 * checks.ts (input checks), api.ts (the SDK calls, typed), merge.ts (split documents' results),
 * pipeline.ts (the analyzeMany run). The job path: job-limits.ts (AWS's limits, cost, the
 * threshold), job-types.ts (its shapes and errors), job-checks.ts, job-input.ts (documents to
 * lines), job-staging.ts (input staged and checked on disk), jobs.ts (the job calls), job-wait.ts,
 * job-archive.ts (output.tar.gz read as a stream), job-order.ts (records back in line order),
 * job-output.ts, async-run.ts (a run, start to read-back), auto-mode.ts. This file is the service
 * and what the package exports.
 */
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { ServiceContext } from "../context";
import * as api from "./api";
import { attachRun, deleteRunObjects, readResults, type ReadOptions, startAnalysis } from "./async-run";
import { holdUpTo, syncOnlyReason } from "./auto-mode";
import { checkAnalyzeOptions, checkDocument } from "./checks";
import { ASYNC_THRESHOLD_DOCUMENTS } from "./job-limits";
import { isFactory } from "./job-staging";
import type { AnalysisJob, AnalysisRun, AsyncAnalyzeOptions, CompletedJob, DocumentSource } from "./job-types";
import { type WaitSettings, waitForJobs } from "./job-wait";
import { AnalyzeRun } from "./pipeline";
import type { SentimentResult } from "./text";
import type { AnalyzedDocument, AnalyzeOptions, Entity, KeyPhrase, LanguageResult, PiiEntity } from "./types";

export * from "./text";
export * from "./types";
export * from "./job-types";
export { checkAnalyzeOptions } from "./checks";
export { mergePieces } from "./merge";
export { ASYNC_LIMIT_BYTES, ASYNC_LIMITS, ASYNC_THRESHOLD_DOCUMENTS, type AsyncLimits, LIST_PRICE_PER_UNIT_USD, unitsOf } from "./job-limits";
export { checkAsyncOptions, comprehendRole } from "./job-checks";
export { oneLine, OversizeDocumentError } from "./job-input";
export { InputChangedError, type ReadOptions } from "./async-run";
export { OutputFormatError } from "./job-archive";
export { parseJobArn } from "./jobs";
export type { WaitSettings } from "./job-wait";

export class ComprehendService {
  /** Mode "auto" says once per service why it cannot take the job path. */
  private syncOnlyNoted = false;

  constructor(private readonly ctx: ServiceContext) {}

  private get client() {
    return this.ctx.clients.comprehend;
  }

  // --- Single documents: checked, then one call each --------------------------------------------

  async detectSentiment(text: string, language = "en"): Promise<SentimentResult> {
    checkDocument("sentiment", text, language);
    return api.detectSentiment(this.client, text, language);
  }
  async detectEntities(text: string, language = "en"): Promise<Entity[]> {
    checkDocument("entities", text, language);
    return api.detectEntities(this.client, text, language);
  }
  async detectKeyPhrases(text: string, language = "en"): Promise<KeyPhrase[]> {
    checkDocument("key-phrases", text, language);
    return api.detectKeyPhrases(this.client, text, language);
  }
  async detectDominantLanguage(text: string): Promise<LanguageResult> {
    checkDocument("language", text);
    return api.detectDominantLanguage(this.client, text);
  }
  async detectPiiEntities(text: string, language = "en"): Promise<PiiEntity[]> {
    checkDocument("pii", text, language);
    return api.detectPiiEntities(this.client, text, language);
  }

  /**
   * Analyses a stream of documents and yields one result per document, in input order. Documents
   * go 25 to a call through the Batch* APIs (grouped by language with `language: "auto"`), at most
   * `tps` calls a second and `concurrency` at once; at most `maxInFlight` documents are held, so
   * memory stays flat however long the stream. A document's failure is reported on it (`errors`);
   * what would fail every call (access denied, credentials, unreachable) ends the stream with that
   * error. In mode "auto" (the default), with a Comprehend role configured, a source of more than
   * `asyncThreshold` documents (ASYNC_THRESHOLD_DOCUMENTS) goes through analysis jobs instead
   * (analyzeAsync, same results), and the logger says so; mode "sync" or "async" decides outright.
   */
  analyzeMany<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    // The synchronous run is handed back as it is, not wrapped: its batching depends on how fast
    // results are taken, and a generator in between would change that.
    const mode = options.mode ?? "auto";
    if (mode === "sync") return this.syncMany(source, options);
    if (mode === "auto") {
      const reason = syncOnlyReason(this.ctx, options);
      if (reason !== undefined) {
        if (!this.syncOnlyNoted) {
          this.syncOnlyNoted = true;
          this.ctx.logger.info(`comprehend: mode "auto" stays with the Batch* calls whatever the size: ${reason}`);
        }
        return this.syncMany(source, options);
      }
    }
    return this.jobsOrSync(source, options);
  }

  /** Mode "async", or "auto" with a role: jobs, or Batch* calls when the source ends by the threshold. */
  private async *jobsOrSync<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    checkAnalyzeOptions(options);
    if (options.mode === "async") {
      yield* this.countedAsync(source, options);
      return;
    }
    const threshold = options.asyncThreshold ?? ASYNC_THRESHOLD_DOCUMENTS;
    const held = await holdUpTo(source, threshold);
    if (held.ended) {
      yield* this.syncMany(held.held, options);
      return;
    }
    this.ctx.logger.info(
      `comprehend: more than ${threshold} documents: analysing them with Comprehend analysis jobs (mode "auto"; mode "sync" keeps the Batch* calls)`,
    );
    yield* this.countedAsync(held.rest, options);
  }

  /** analyzeMany through analysis jobs, counting documents in its stats. */
  private async *countedAsync<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    const asyncOptions: AsyncAnalyzeOptions<T> = {
      ...options.async,
      operations: options.operations,
      oversize: options.oversize ?? "split",
      ...(options.language !== undefined ? { language: options.language } : {}),
      ...(options.getText ? { getText: options.getText } : {}),
    };
    for await (const doc of this.analyzeAsync(source, asyncOptions)) {
      if (options.stats) options.stats.documents++;
      yield doc;
    }
  }

  private async *syncMany<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    checkAnalyzeOptions(options);
    const run = new AnalyzeRun<T>(() => this.client, options);
    // pump() never rejects: what the source throws becomes run.fatal or run.closeError.
    const pumping = run.pump(source);
    try {
      for (;;) {
        const woken = run.woken;
        let yielded = false;
        for (let doc = run.takeReady(); doc; doc = run.takeReady()) {
          yielded = true;
          yield doc;
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

  // --- Analysis jobs ------------------------------------------------------------------------------

  /**
   * Checks the documents (limits, language, empty input: nothing is uploaded when one fails), uploads
   * them as ONE_DOC_PER_LINE input under `comprehend/input/<run>/`, announces the cost and starts one
   * job per operation (and per part of at most 1,000,000 lines and 5 GB). `source` may be a function
   * that returns the documents again: they are then read twice (to upload, to read the results)
   * instead of kept on disk until the results are read.
   */
  startAnalysisJob<T>(source: DocumentSource<T>, options: AsyncAnalyzeOptions<T>): Promise<AnalysisRun> {
    return startAnalysis(this.ctx, source, options);
  }

  /**
   * Waits for a run's jobs, status changes and elapsed time to the logger; throws
   * AnalysisJobFailedError (the service's Message; the other jobs stopped) or, after
   * `waitTimeoutMs`, AnalysisWaitTimeoutError (the jobs go on; it names them and how to resume).
   */
  waitForJob(run: AnalysisRun | readonly AnalysisJob[], options: WaitSettings = {}): Promise<CompletedJob[]> {
    return waitForJobs(this.ctx, "jobs" in run ? run.jobs : run, options);
  }

  /**
   * The results of finished jobs, one AnalyzedDocument per input document in input order. `source`
   * is the run's input again; leave it out for a run whose source could be read only once (its
   * items were kept on disk). With `cleanup`, the run's objects are deleted once all are read.
   */
  readJobResults<T>(
    run: AnalysisRun,
    completed: readonly CompletedJob[],
    source?: DocumentSource<T>,
    options: ReadOptions<T> = {},
  ): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    return readResults(this.ctx, run, completed, source, options);
  }

  /**
   * analyzeMany's results through Comprehend analysis jobs: start, wait, read back (the three calls
   * above). For millions of documents; a job takes minutes however small (job-limits.ts).
   */
  async *analyzeAsync<T>(source: DocumentSource<T>, options: AsyncAnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    const run = await this.startAnalysisJob(source, options);
    let completed: CompletedJob[];
    try {
      completed = await this.waitForJob(run, options);
    } catch (err) {
      if (run.spill) await rm(dirname(run.spill), { recursive: true, force: true });
      throw err;
    }
    yield* this.readJobResults(run, completed, isFactory(source) ? source : undefined, options);
  }

  /** The run that job ARNs belong to (their Describe* answers and the run's manifest.json). */
  attachAnalysisRun(jobArns: readonly string[]): Promise<AnalysisRun> {
    return attachRun(this.ctx, jobArns);
  }

  /**
   * Picks up a run that an earlier process started (after a wait that timed out): waits for its jobs,
   * then reads the results. `source` must be the run's input again, unchanged.
   */
  async *resumeAnalysis<T>(
    jobArns: readonly string[],
    source: DocumentSource<T>,
    options: WaitSettings & ReadOptions<T> = {},
  ): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
    const run = await this.attachAnalysisRun(jobArns);
    const completed = await this.waitForJob(run, options);
    yield* this.readJobResults(run, completed, source, options);
  }

  /** Deletes a run's input and output objects (only those under its two folders). Answers how many. */
  deleteAnalysisRun(run: AnalysisRun): Promise<number> {
    return deleteRunObjects(this.ctx, run.manifest);
  }
}
