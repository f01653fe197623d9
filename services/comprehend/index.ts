/**
 * Amazon Comprehend for RoadmapX: single-document calls, and `analyzeMany`, a streaming pipeline
 * that sends any number of documents through the Batch* APIs, 25 at a time, at a client-side rate,
 * and yields one result per document in input order with flat memory.
 *
 * The parts, one idea a file: text.ts (limits, splitting), types.ts (public shapes, defaults),
 * checks.ts (input checks), api.ts (the SDK calls, typed), merge.ts (split documents' results),
 * pipeline.ts (the analyzeMany run). This file is the service and what the package exports.
 */
import type { ServiceContext } from "../context";
import * as api from "./api";
import { checkAnalyzeOptions, checkDocument } from "./checks";
import { AnalyzeRun } from "./pipeline";
import type { SentimentResult } from "./text";
import type { AnalyzedDocument, AnalyzeOptions, Entity, KeyPhrase, LanguageResult, PiiEntity } from "./types";

export * from "./text";
export * from "./types";
export { checkAnalyzeOptions } from "./checks";
export { mergePieces } from "./merge";

export class ComprehendService {
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
   * error.
   */
  async *analyzeMany<T>(source: AsyncIterable<T> | Iterable<T>, options: AnalyzeOptions<T>): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
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
}
