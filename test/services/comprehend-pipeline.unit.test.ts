/**
 * analyzeMany's pipeline (services/comprehend/pipeline.ts) and the API mapping (api.ts), on a fake
 * Comprehend client: batching, the window, concurrency, retries, errors, language detection,
 * oversize documents and the source's life cycle. Nothing here waits on a clock: calls are answered
 * at once, or held until the test answers them, and the tests wait for events (or event-loop turns).
 */
import { expect } from "chai";
import { type AnalyzedDocument, type AnalyzeOptions, ComprehendService, emptyStats, type Operation } from "../../services/comprehend";
import type { ServiceContext } from "../../services/context";

type Input = Record<string, unknown> & { TextList?: string[]; Text?: string; LanguageCode?: string };
interface Call {
  /** The API, e.g. "BatchDetectSentiment". */
  api: string;
  input: Input;
}
interface HeldCall extends Call {
  answer(): void;
  fail(err: unknown): void;
}
type Answer = (api: string, input: Input) => unknown;

const languageOf = (text: string) => (/\b(el|la|muy)\b/.test(text) ? "es" : /\b(och|är)\b/.test(text) ? "sv" : /[\u3040-\u30ff]/.test(text) ? "ja" : "en");
const sentimentOf = (text: string) => (text.includes("great") ? "POSITIVE" : text.includes("awful") ? "NEGATIVE" : "NEUTRAL");
const scores = (label: string) => ({
  Positive: label === "POSITIVE" ? 0.9 : 0.05,
  Negative: label === "NEGATIVE" ? 0.9 : 0.05,
  Neutral: label === "NEUTRAL" ? 0.9 : 0.05,
  Mixed: 0.05,
});
/** Entities: every "Alice", at its code-point offset in the text sent. */
function alices(text: string) {
  const cps = Array.from(text);
  const found = [];
  for (let i = 0; i + 5 <= cps.length; i++)
    if (cps.slice(i, i + 5).join("") === "Alice") found.push({ Text: "Alice", Type: "PERSON", Score: 0.9, BeginOffset: i, EndOffset: i + 5 });
  return found;
}

/** What Comprehend would answer, from the text itself. */
const fromText: Answer = (api, input) => {
  const texts = input.TextList ?? [];
  switch (api) {
    case "BatchDetectSentiment":
      return { ResultList: texts.map((t, Index) => ({ Index, Sentiment: sentimentOf(t), SentimentScore: scores(sentimentOf(t)) })), ErrorList: [] };
    case "BatchDetectEntities":
      return { ResultList: texts.map((t, Index) => ({ Index, Entities: alices(t) })), ErrorList: [] };
    case "BatchDetectKeyPhrases":
      return {
        ResultList: texts.map((t, Index) => ({ Index, KeyPhrases: [{ Text: t, Score: 0.8, BeginOffset: 0, EndOffset: Array.from(t).length }] })),
        ErrorList: [],
      };
    case "BatchDetectDominantLanguage":
      return { ResultList: texts.map((t, Index) => ({ Index, Languages: [{ LanguageCode: languageOf(t), Score: 0.99 }] })), ErrorList: [] };
    case "DetectSentiment":
      return { Sentiment: sentimentOf(input.Text ?? ""), SentimentScore: scores(sentimentOf(input.Text ?? "")) };
    case "DetectEntities":
      return { Entities: alices(input.Text ?? "") };
    case "DetectKeyPhrases":
      return { KeyPhrases: [] };
    case "DetectDominantLanguage":
      return { Languages: [{ LanguageCode: languageOf(input.Text ?? ""), Score: 0.99 }] };
    case "DetectPiiEntities":
      return { Entities: alices(input.Text ?? "").map((e) => ({ Type: "NAME", Score: e.Score, BeginOffset: e.BeginOffset, EndOffset: e.EndOffset })) };
  }
  throw new Error(`the fake does not answer ${api}`);
};

class FakeComprehend {
  readonly calls: Call[] = [];
  readonly held: HeldCall[] = [];
  /** Hold every call until the test answers it. */
  hold = false;
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(public answer: Answer = fromText) {}

  async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
    const call = { api: command.constructor.name.replace(/Command$/, ""), input: command.input as Input };
    this.calls.push(call);
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.held.push({ ...call, answer: resolve, fail: reject });
        this.waiters = this.waiters.filter((w) => (this.held.length >= w.count ? (w.resolve(), false) : true));
      });
    }
    return this.answer(call.api, call.input);
  }

  /** Resolves once `count` calls are held. */
  heldCalls(count: number): Promise<void> {
    if (this.held.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  batches(api = "BatchDetectSentiment"): string[][] {
    return this.calls.filter((c) => c.api === api).map((c) => c.input.TextList ?? []);
  }
}

function service(fake: FakeComprehend, warnings: string[] = []): ComprehendService {
  const ctx = { clients: { comprehend: fake }, logger: { info: () => undefined, warn: (m: string) => warnings.push(m) } };
  return new ComprehendService(ctx as unknown as ServiceContext);
}

/** No client-side pacing worth the name: the limiter never has to wait. */
const unpaced = { tps: 1e12 };

async function collect<T>(items: AsyncIterable<AnalyzedDocument<T>>): Promise<AnalyzedDocument<T>[]> {
  const out: AnalyzedDocument<T>[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

/** Lets every pending callback run: `turns` turns of the event loop. */
async function turns(count = 20): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((r) => setImmediate(r));
}

function counted(count: number, text: (i: number) => string = (i) => `Review ${i} is great`) {
  const seen = { read: 0, closed: false };
  async function* source() {
    try {
      for (let i = 0; i < count; i++) {
        seen.read++;
        yield text(i);
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, source: source() };
}

/**
 * A source that yields `items` in order and, before the item at each index in `waits`, waits for
 * the test to call `open(index)`; counts what it read and whether it was closed.
 */
function gated<T>(items: T[], waits: number[]) {
  const gates = new Map(
    waits.map((i) => {
      let open: () => void = () => undefined;
      const opened = new Promise<void>((r) => (open = r));
      return [i, { opened, open }] as const;
    }),
  );
  const seen = { read: 0, closed: false, waiting: -1 };
  async function* source() {
    try {
      for (const [i, item] of items.entries()) {
        const gate = gates.get(i);
        if (gate) {
          seen.waiting = i;
          await gate.opened;
          seen.waiting = -1;
        }
        seen.read++;
        yield item;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, source: source(), open: (i: number) => gates.get(i)?.open() };
}

const awsError = (name: string, status: number, message = name) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("Comprehend analyzeMany pipeline (fake client)", () => {
  it("sends 25 documents a call in input order, in English unless told, and counts calls and documents", async () => {
    const fake = new FakeComprehend();
    const stats = emptyStats();
    const texts = Array.from({ length: 60 }, (_, i) => `Review ${i} is ${i % 2 ? "awful" : "great"}`);
    const out = await collect(service(fake).analyzeMany(texts, { operations: ["sentiment"], ...unpaced, stats }));
    expect(fake.batches().map((b) => b.length)).to.deep.equal([25, 25, 10]);
    expect(fake.batches().flat()).to.deep.equal(texts);
    expect(fake.calls.map((c) => c.input.LanguageCode)).to.deep.equal(["en", "en", "en"]);
    expect(out.map((d) => d.index)).to.deep.equal([...texts.keys()]);
    expect(out.map((d) => d.input)).to.deep.equal(texts);
    expect(out.map((d) => d.results.sentiment?.sentiment)).to.deep.equal(texts.map((_, i) => (i % 2 ? "NEGATIVE" : "POSITIVE")));
    expect(out[0]?.results.sentiment?.scores).to.deep.equal({ positive: 0.9, negative: 0.05, neutral: 0.05, mixed: 0.05 });
    expect(stats).to.deep.equal({ documents: 60, batchCalls: 3, singleCalls: 0, retriedItems: 0, splitDocuments: 0 });
    for (const d of out) expect(d.errors).to.deep.equal({});
  });

  it("runs each operation on each document, in batches of its own, with the language asked for", async () => {
    const fake = new FakeComprehend();
    const out = await collect(
      service(fake).analyzeMany(["Alice is great", "Bob and Alice"], { operations: ["sentiment", "entities", "key-phrases"], language: "es", ...unpaced }),
    );
    expect(fake.calls.map((c) => [c.api, c.input.LanguageCode, c.input.TextList?.length])).to.have.deep.members([
      ["BatchDetectSentiment", "es", 2],
      ["BatchDetectEntities", "es", 2],
      ["BatchDetectKeyPhrases", "es", 2],
    ]);
    expect(out[1]?.results.entities).to.deep.equal([{ text: "Alice", type: "PERSON", score: 0.9, begin: 8, end: 13 }]);
    expect(out[0]?.results["key-phrases"]).to.deep.equal([{ text: "Alice is great", score: 0.8, begin: 0, end: 14 }]);
    expect(Object.keys(out[0]?.results ?? {}).sort()).to.deep.equal(["entities", "key-phrases", "sentiment"]);
  });

  it("holds at most maxInFlight documents (rounded up to whole batches) while calls are out, and defaults to 500", async () => {
    for (const [maxInFlight, window] of [
      [30, 50],
      [50, 50],
      [undefined, 500],
    ] as const) {
      const fake = new FakeComprehend();
      fake.hold = true;
      const { seen, source } = counted(2000);
      const run = service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, ...(maxInFlight ? { maxInFlight } : {}), concurrency: 100 });
      const first = run.next();
      await fake.heldCalls(window / 25);
      await turns();
      expect(seen.read, `maxInFlight ${maxInFlight}`).to.equal(window);
      expect(fake.held).to.have.length(window / 25);
      // Taking the first batch's documents makes room for one more batch's worth.
      fake.held[0]?.answer();
      expect((await first).value?.index).to.equal(0);
      for (let i = 1; i < 25; i++) await run.next();
      const after = run.next();
      await fake.heldCalls(window / 25 + 1);
      await turns();
      expect(seen.read).to.equal(window + 25);
      fake.hold = false;
      fake.held.forEach((c) => c.answer());
      expect((await after).value?.index).to.equal(25);
      await run.return(undefined);
    }
  });

  it("runs at most `concurrency` calls at once (8 by default), and starts the next as one ends", async () => {
    for (const [concurrency, expected] of [
      [3, 3],
      [undefined, 8],
    ] as const) {
      const fake = new FakeComprehend();
      fake.hold = true;
      const texts = Array.from({ length: 25 * 12 }, (_, i) => `doc ${i}`);
      const collecting = collect(service(fake).analyzeMany(texts, { operations: ["sentiment"], ...unpaced, ...(concurrency ? { concurrency } : {}) }));
      await fake.heldCalls(expected);
      await turns();
      expect(fake.calls, `concurrency ${concurrency}`).to.have.length(expected);
      fake.held[0]?.answer();
      await fake.heldCalls(expected + 1);
      await turns();
      expect(fake.calls).to.have.length(expected + 1);
      // Answer the rest as they come.
      fake.hold = false;
      fake.held.forEach((c) => c.answer());
      expect(await collecting).to.have.length(300);
    }
  });

  it("an empty source ends the stream without a call", async () => {
    const fake = new FakeComprehend();
    expect(await collect(service(fake).analyzeMany([], { operations: ["sentiment"] }))).to.deep.equal([]);
    expect(fake.calls).to.deep.equal([]);
  });

  it("yields in input order when later batches are answered first", async () => {
    const fake = new FakeComprehend();
    fake.hold = true;
    const texts = Array.from({ length: 75 }, (_, i) => `Review ${i} is great`);
    const collecting = collect(service(fake).analyzeMany(texts, { operations: ["sentiment"], ...unpaced }));
    await fake.heldCalls(3);
    fake.held[2]?.answer();
    fake.held[1]?.answer();
    await turns();
    fake.held[0]?.answer();
    const out = await collecting;
    expect(out.map((d) => d.input)).to.deep.equal(texts);
  });

  it("sends one call per document with batch: false, and PII always so", async () => {
    const fake = new FakeComprehend();
    const stats = emptyStats();
    const out = await collect(service(fake).analyzeMany(["Alice is great", "awful"], { operations: ["sentiment", "pii"], batch: false, ...unpaced, stats }));
    expect(fake.calls.map((c) => [c.api, c.input.Text, c.input.LanguageCode])).to.have.deep.members([
      ["DetectSentiment", "Alice is great", "en"],
      ["DetectSentiment", "awful", "en"],
      ["DetectPiiEntities", "Alice is great", "en"],
      ["DetectPiiEntities", "awful", "en"],
    ]);
    expect(out.map((d) => d.results.sentiment?.sentiment)).to.deep.equal(["POSITIVE", "NEGATIVE"]);
    expect(out[0]?.results.pii).to.deep.equal([{ type: "NAME", score: 0.9, begin: 0, end: 5 }]);
    expect(stats).to.include({ singleCalls: 4, batchCalls: 0 });
    const pii = new FakeComprehend();
    await collect(service(pii).analyzeMany(["Alice", "Alice again"], { operations: ["pii"], ...unpaced }));
    expect(pii.calls.map((c) => c.api)).to.deep.equal(["DetectPiiEntities", "DetectPiiEntities"]);
  });

  describe("per-item and per-call failures", () => {
    it("retries a retryable item error once, in a later batch, and reports the second failure on the document", async () => {
      let call = 0;
      const fake = new FakeComprehend((_api, input) => {
        call++;
        const texts = input.TextList ?? [];
        const failing = (t: string) => t.includes("always") || (t.includes("flaky") && call === 1);
        return {
          ResultList: texts.flatMap((t, Index) => (failing(t) ? [] : [{ Index, Sentiment: "POSITIVE", SentimentScore: scores("POSITIVE") }])),
          ErrorList: texts.flatMap((t, Index) => (failing(t) ? [{ Index, ErrorCode: "ThrottlingException", ErrorMessage: `busy ${call}` }] : [])),
        };
      });
      const stats = emptyStats();
      const out = await collect(service(fake).analyzeMany(["flaky one", "fine", "always down"], { operations: ["sentiment"], ...unpaced, stats }));
      expect(fake.batches()).to.deep.equal([
        ["flaky one", "fine", "always down"],
        ["flaky one", "always down"],
      ]);
      expect(out[0]?.results.sentiment?.sentiment).to.equal("POSITIVE");
      expect(out[2]?.errors.sentiment).to.deep.equal({ code: "ThrottlingException", message: "busy 2" });
      expect(out[2]?.results.sentiment).to.equal(undefined);
      expect(stats.retriedItems).to.equal(2);
    });

    it("reports a non-retryable item error at once, an answer without the item as MissingResult, and ignores answers given twice", async () => {
      const fake = new FakeComprehend(() => ({
        ResultList: [
          { Index: 0, Sentiment: "NEGATIVE", SentimentScore: scores("NEGATIVE") },
          { Index: 0, Sentiment: "POSITIVE", SentimentScore: scores("POSITIVE") },
          { Index: 7, Sentiment: "POSITIVE" },
        ],
        ErrorList: [
          { Index: 0, ErrorCode: "InvalidRequestException", ErrorMessage: "answered already" },
          { Index: 1, ErrorCode: "InvalidRequestException", ErrorMessage: "bad document" },
          { Index: 1, ErrorCode: "InternalServerException", ErrorMessage: "twice" },
          { Index: 3 },
        ],
      }));
      const stats = emptyStats();
      const out = await collect(service(fake).analyzeMany(["a", "b", "c", "d"], { operations: ["sentiment"], ...unpaced, stats }));
      expect(out[0]?.results.sentiment?.sentiment).to.equal("NEGATIVE");
      expect(out[0]?.errors).to.deep.equal({});
      expect(out[1]?.errors.sentiment).to.deep.equal({ code: "InvalidRequestException", message: "bad document" });
      expect(out[2]?.errors.sentiment).to.deep.equal({
        code: "MissingResult",
        message: "the batch answer had neither a result nor an error for this document",
      });
      expect(out[3]?.errors.sentiment).to.deep.equal({ code: "UnknownError", message: "no message" });
      expect(fake.calls).to.have.length(1);
      expect(stats.retriedItems).to.equal(0);
    });

    it("a result or an error without an index answers no item", async () => {
      const fake = new FakeComprehend(() => ({ ResultList: [{ Sentiment: "POSITIVE" }], ErrorList: [{ ErrorCode: "InvalidRequestException" }] }));
      const out = await collect(service(fake).analyzeMany(["a"], { operations: ["sentiment"], ...unpaced }));
      expect(out[0]?.errors.sentiment?.code).to.equal("MissingResult");
      // Nor the second document of the batch: an answer without an index is no one's.
      for (const op of ["sentiment", "entities", "key-phrases", "language"] as const) {
        const noIndex = new FakeComprehend(() => ({
          ResultList: [
            { Index: 0, Languages: [], Entities: [], KeyPhrases: [], Sentiment: "POSITIVE" },
            { Languages: [], Entities: [], KeyPhrases: [], Sentiment: "NEGATIVE" },
          ],
          ErrorList: [{ ErrorCode: "InvalidRequestException", ErrorMessage: "whose?" }],
        }));
        const two = await collect(
          service(noIndex).analyzeMany(["a text long enough to be detected", "another text long enough to be detected"], { operations: [op], ...unpaced }),
        );
        expect(two[0]?.errors, op).to.deep.equal({});
        expect(two[1]?.errors[op]?.code, op).to.equal("MissingResult");
      }
    });

    it("a single call that fails fails its document's operation, and a retryable one is sent once more", async () => {
      let calls = 0;
      const fake = new FakeComprehend((api, input) => {
        calls++;
        if (input.Text === "bad") throw awsError("ValidationException", 400, "bad text");
        if (input.Text === "busy" && calls < 4) throw awsError("ThrottlingException", 400, "Rate exceeded");
        return fromText(api, input);
      });
      const out = await collect(service(fake).analyzeMany(["bad", "busy", "Alice"], { operations: ["pii"], ...unpaced, concurrency: 1 }));
      expect(out[0]?.errors.pii).to.deep.equal({ code: "ValidationException", message: "bad text" });
      expect(out[1]?.errors).to.deep.equal({});
      expect(out[2]?.results.pii).to.have.length(1);
      expect(fake.calls.filter((c) => c.input.Text === "busy")).to.have.length(2);
    });

    it("a fatal error drops the calls queued behind the concurrency limit: they are never sent", async () => {
      const fake = new FakeComprehend();
      fake.hold = true;
      const texts = Array.from({ length: 50 }, (_, i) => `doc ${i}`);
      const collecting = failure(() => collect(service(fake).analyzeMany(texts, { operations: ["sentiment"], ...unpaced, concurrency: 1 })));
      await fake.heldCalls(1);
      await turns();
      // The second batch waits for the first's slot.
      expect(fake.calls).to.have.length(1);
      fake.held[0]?.fail(awsError("AccessDeniedException", 400));
      expect(await collecting).to.have.property("name", "AccessDeniedException");
      await turns();
      expect(fake.calls).to.have.length(1);
    });

    it("a failed call fails its items: retryable errors are sent once more, others reported with the error's name and first line", async () => {
      let call = 0;
      const fake = new FakeComprehend((api, input) => {
        call++;
        if (call === 1) throw awsError("ThrottlingException", 400, "Rate exceeded");
        if (call === 2) throw awsError("ValidationException", 400, "1 validation error detected\nat TextList");
        return fromText(api, input);
      });
      const stats = emptyStats();
      const out = await collect(service(fake).analyzeMany(["one", "two"], { operations: ["sentiment"], ...unpaced, stats }));
      expect(fake.batches()).to.deep.equal([
        ["one", "two"],
        ["one", "two"],
      ]);
      expect(out.map((d) => d.errors.sentiment)).to.deep.equal([
        { code: "ValidationException", message: "1 validation error detected" },
        { code: "ValidationException", message: "1 validation error detected" },
      ]);
      expect(stats.retriedItems).to.equal(2);
    });

    it("a call that fails with something that is not an Error reports it as such", async () => {
      const fake = new FakeComprehend(() => {
        throw "the wire broke";
      });
      const out = await collect(service(fake).analyzeMany(["one"], { operations: ["sentiment"], ...unpaced }));
      expect(out[0]?.errors.sentiment).to.deep.equal({ code: "Error", message: "the wire broke" });
    });

    for (const [what, err] of [
      ["access denied", awsError("AccessDeniedException", 400)],
      ["bad credentials", awsError("UnrecognizedClientException", 400)],
      ["an unreachable endpoint", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
      ["an API the endpoint lacks", awsError("NotImplemented", 501)],
    ] as const) {
      it(`ends the stream with the error on ${what}, without sending anything more`, async () => {
        const fake = new FakeComprehend(() => {
          throw err;
        });
        const { seen, source } = counted(1000);
        const thrown = await failure(() =>
          collect(service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, maxInFlight: 50, concurrency: 1 })),
        );
        expect(thrown).to.equal(err);
        await turns();
        expect(fake.calls.length).to.be.at.most(2);
        expect(seen.read).to.be.at.most(51);
        expect(seen.closed).to.equal(true);
      });
    }
  });

  describe("documents", () => {
    it("reports empty and textless documents on themselves, without a call; takes `text` fields and strings", async () => {
      const fake = new FakeComprehend();
      const inputs = ["", " \n\t", { text: "Alice is great" }, { nottext: 1 }, null, { text: 7 }, "plain and awful"];
      const out = await collect(service(fake).analyzeMany(inputs as unknown[], { operations: ["sentiment", "entities"], ...unpaced }));
      const empty = { code: "EmptyDocument", message: "the document is empty (or only whitespace); Comprehend needs text" };
      const invalid = { code: "InvalidInput", message: "the document has no `text` field holding a string" };
      expect(out.map((d) => d.errors)).to.deep.equal([
        { sentiment: empty, entities: empty },
        { sentiment: empty, entities: empty },
        {},
        { sentiment: invalid, entities: invalid },
        { sentiment: invalid, entities: invalid },
        { sentiment: invalid, entities: invalid },
        {},
      ]);
      expect(out.map((d) => d.input)).to.deep.equal(inputs);
      expect(fake.batches()).to.deep.equal([["Alice is great", "plain and awful"]]);
      expect(out[6]?.results.sentiment?.sentiment).to.equal("NEGATIVE");
    });

    it("takes the text through getText, and a getText that throws marks the document invalid", async () => {
      const fake = new FakeComprehend();
      const out = await collect(
        service(fake).analyzeMany([{ body: "great stuff" }, { body: "" }, { nobody: true }], {
          operations: ["sentiment"],
          ...unpaced,
          getText: (item: { body?: string }) => {
            if (item.body === undefined) throw new Error("no body");
            return item.body;
          },
        }),
      );
      expect(out[0]?.results.sentiment?.sentiment).to.equal("POSITIVE");
      expect(out[1]?.errors.sentiment?.code).to.equal("EmptyDocument");
      expect(out[2]?.errors.sentiment).to.deep.equal({ code: "InvalidInput", message: "no body" });
    });

    it("yields a refused document as soon as it arrives, while the input is still paused", async () => {
      const fake = new FakeComprehend();
      const { source, open } = gated(["", "", "a great one"], [1, 2]);
      const got: string[] = [];
      for await (const doc of service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced })) {
        got.push(doc.errors.sentiment?.code ?? doc.results.sentiment?.sentiment ?? "?");
        // The input goes on only once this document is out: were it held, this would never end.
        open(doc.index + 1);
      }
      expect(got).to.deep.equal(["EmptyDocument", "EmptyDocument", "POSITIVE"]);
    });

    it("yields a refused document as soon as it is next, before the batch it would have waited for", async () => {
      const fake = new FakeComprehend();
      fake.hold = true;
      const run = service(fake).analyzeMany(["", "waits for its batch"], { operations: ["sentiment"], ...unpaced });
      const first = await run.next();
      expect(first.value?.errors.sentiment?.code).to.equal("EmptyDocument");
      await fake.heldCalls(1);
      fake.held[0]?.answer();
      expect((await run.next()).value?.index).to.equal(1);
      expect((await run.next()).done).to.equal(true);
    });

    it("a document is yielded once every operation on it is done, each with its own result or error", async () => {
      const fake = new FakeComprehend((api, input) => {
        if (api === "BatchDetectEntities") throw awsError("ValidationException", 400, "entities refused");
        return fromText(api, input);
      });
      const out = await collect(service(fake).analyzeMany(["Alice is great"], { operations: ["sentiment", "entities"], ...unpaced }));
      expect(out[0]?.results).to.have.keys(["sentiment"]);
      expect(out[0]?.errors).to.deep.equal({ entities: { code: "ValidationException", message: "entities refused" } });
    });
  });

  describe("limits", () => {
    it("splits a document over an API's limit into pieces, sends pieces over the batch limit one to a call, and merges offsets", async () => {
      const fake = new FakeComprehend();
      const stats = emptyStats();
      const sentence = "Alice wrote a long and careful note. ";
      const long = sentence.repeat(Math.ceil(120_000 / sentence.length));
      const out = await collect(service(fake).analyzeMany([long, "Alice"], { operations: ["entities"], ...unpaced, stats }));
      const singles = fake.calls.filter((c) => c.api === "DetectEntities");
      expect(singles).to.have.length(2);
      expect(singles.map((c) => c.input.Text).join("")).to.equal(long);
      for (const c of singles) expect(Buffer.byteLength(c.input.Text ?? "")).to.be.at.most(100_000);
      expect(fake.batches("BatchDetectEntities")).to.deep.equal([["Alice"]]);
      const begins = (out[0]?.results.entities ?? []).map((e) => e.begin);
      expect(begins).to.deep.equal(alices(long).map((e) => e.BeginOffset));
      expect(stats).to.include({ splitDocuments: 1, singleCalls: 2, batchCalls: 1 });
    });

    it("sends a piece of exactly 5,000 bytes in a batch, and one byte more alone", async () => {
      const fake = new FakeComprehend();
      await collect(service(fake).analyzeMany(["a".repeat(5000), "b".repeat(5001)], { operations: ["entities"], ...unpaced }));
      expect(fake.batches("BatchDetectEntities")).to.deep.equal([["a".repeat(5000)]]);
      expect(fake.calls.filter((c) => c.api === "DetectEntities").map((c) => c.input.Text)).to.deep.equal(["b".repeat(5001)]);
    });

    it("with oversize: reject, reports the document (5,000 bytes is fine, 5,001 is not) and sends nothing for it", async () => {
      const fake = new FakeComprehend();
      const out = await collect(
        service(fake).analyzeMany(["é".repeat(2500), `${"é".repeat(2500)}x`], { operations: ["sentiment"], oversize: "reject", ...unpaced }),
      );
      expect(out[0]?.errors).to.deep.equal({});
      expect(out[1]?.errors.sentiment).to.deep.equal({
        code: "TextSizeLimitExceededException",
        message: "the document is 5001 UTF-8 bytes, over the 5000-byte limit of DetectSentiment (split it, or let oversize documents be split)",
      });
      expect(fake.batches()).to.deep.equal([["é".repeat(2500)]]);
    });

    it("names the failing piece of a split document", async () => {
      const fake = new FakeComprehend((_api, input) => {
        const texts = input.TextList ?? [];
        return {
          ResultList: texts.flatMap((t, Index) => (t.startsWith("bad") ? [] : [{ Index, Sentiment: "POSITIVE", SentimentScore: scores("POSITIVE") }])),
          ErrorList: texts.flatMap((t, Index) => (t.startsWith("bad") ? [{ Index, ErrorCode: "InvalidRequestException", ErrorMessage: "no" }] : [])),
        };
      });
      const text = `${"good. ".repeat(800)}${"bad. ".repeat(800)}`;
      const out = await collect(service(fake).analyzeMany([text], { operations: ["sentiment"], ...unpaced }));
      expect(out[0]?.errors.sentiment).to.deep.equal({ code: "InvalidRequestException", message: "no (piece 2 of 2)" });
    });

    it("merges a split document's sentiment by bytes", async () => {
      const fake = new FakeComprehend();
      const text = `${"This is great. ".repeat(400)}${"It is awful. ".repeat(100)}`;
      const out = await collect(service(fake).analyzeMany([text], { operations: ["sentiment"], ...unpaced }));
      expect(fake.batches().flat()).to.have.length(2);
      expect(out[0]?.results.sentiment?.sentiment).to.equal("POSITIVE");
      expect(out[0]?.results.sentiment?.scores.positive).to.be.greaterThan(0.5).and.lessThan(0.9);
    });

    it("reports a single character sequence over the limit as one that cannot be split", async () => {
      const fake = new FakeComprehend();
      const out = await collect(service(fake).analyzeMany([`a${"\u0301".repeat(3000)}`], { operations: ["sentiment"], ...unpaced }));
      expect(out[0]?.errors.sentiment).to.deep.equal({
        code: "TextSizeLimitExceededException",
        message: "a single character sequence is 6001 bytes, more than the 5000-byte limit; it cannot be split",
      });
      expect(fake.calls).to.have.length(0);
    });
  });

  describe("languages", () => {
    it("with auto: detects first, then sends each language's documents together; unsupported and undetectable ones are reported", async () => {
      const fake = new FakeComprehend();
      const texts = [
        "The roadmap for next quarter looks great",
        "La hoja de ruta es muy buena para el equipo",
        "Planen för nästa kvartal är bra och tydlig",
        "The release was awful for the whole team",
        "too short",
      ];
      const out = await collect(service(fake).analyzeMany(texts, { operations: ["sentiment"], language: "auto", ...unpaced }));
      expect(fake.batches("BatchDetectDominantLanguage")).to.deep.equal([texts.slice(0, 4)]);
      expect(
        fake.calls
          .filter((c) => c.api === "BatchDetectSentiment")
          .map((c) => [c.input.LanguageCode, c.input.TextList])
          .sort(),
      ).to.deep.equal([
        ["en", [texts[0], texts[3]]],
        ["es", [texts[1]]],
      ]);
      expect(out.map((d) => d.languageCode)).to.deep.equal(["en", "es", "sv", "en", undefined]);
      expect(out[0]?.results).to.have.keys(["sentiment"]);
      expect(out[2]?.errors.sentiment).to.deep.equal({
        code: "UnsupportedLanguage",
        message: 'DetectSentiment does not support language "sv" (it supports en, es, fr, de, it, pt, ar, hi, ja, ko, zh, zh-TW)',
      });
      expect(out[4]?.errors).to.have.keys(["sentiment"]);
      expect(out[4]?.errors.sentiment).to.deep.equal({
        code: "LanguageUnknown",
        message:
          "the document's language could not be detected (language detection needs at least 20 characters (the document has 9); pass a language code instead of auto); pass a language code",
      });
    });

    it("with auto and language among the operations: returns the detection too, and counts 20 code points as enough", async () => {
      const fake = new FakeComprehend();
      const twenty = "😀".repeat(19) + "x"; // 20 code points, 39 UTF-16 units
      const out = await collect(
        service(fake).analyzeMany([twenty, "😀".repeat(19)], { operations: ["language", "key-phrases"], language: "auto", ...unpaced }),
      );
      expect(out[0]?.results.language).to.deep.equal({ languageCode: "en", score: 0.99, candidates: [{ languageCode: "en", score: 0.99 }] });
      expect(out[0]?.results["key-phrases"]).to.have.length(1);
      expect(out[1]?.errors.language?.code).to.equal("TextTooShort");
      expect(out[1]?.errors["key-phrases"]?.code).to.equal("LanguageUnknown");
    });

    it("a detection that finds no language leaves the other operations unknown, saying why", async () => {
      const fake = new FakeComprehend((api, input) =>
        api === "BatchDetectDominantLanguage" ? { ResultList: [{ Index: 0, Languages: [] }], ErrorList: [] } : fromText(api, input),
      );
      const out = await collect(service(fake).analyzeMany(["a text long enough to be detected"], { operations: ["sentiment"], language: "auto", ...unpaced }));
      expect(out[0]?.errors.sentiment).to.deep.equal({
        code: "LanguageUnknown",
        message: "the document's language could not be detected (no language found); pass a language code",
      });
      expect(fake.calls.map((c) => c.api)).to.deep.equal(["BatchDetectDominantLanguage"]);
    });

    it("language detection with a fixed language reports a short text without mentioning auto", async () => {
      const fake = new FakeComprehend();
      const out = await collect(service(fake).analyzeMany(["short"], { operations: ["language"], ...unpaced }));
      expect(out[0]?.errors.language).to.deep.equal({ code: "TextTooShort", message: "language detection needs at least 20 characters (the document has 5)" });
    });

    it("the language result lists every candidate, best first", async () => {
      const fake = new FakeComprehend(() => ({
        ResultList: [
          {
            Index: 0,
            Languages: [{ LanguageCode: "pt", Score: 0.2 }, { LanguageCode: "es", Score: 0.7 }, { Score: 0.1 }],
          },
        ],
        ErrorList: [],
      }));
      const out = await collect(service(fake).analyzeMany(["a text long enough to be detected"], { operations: ["language"], ...unpaced }));
      expect(out[0]?.results.language).to.deep.equal({
        languageCode: "es",
        score: 0.7,
        candidates: [
          { languageCode: "es", score: 0.7 },
          { languageCode: "pt", score: 0.2 },
          { languageCode: "", score: 0.1 },
        ],
      });
    });
  });

  describe("the source", () => {
    it("takes a plain iterable, and closes it when the consumer stops early", async () => {
      const fake = new FakeComprehend();
      let returned = 0;
      const texts = Array.from({ length: 100 }, (_, i) => `doc ${i}`);
      const iterable: Iterable<string> = {
        [Symbol.iterator]() {
          const it = texts[Symbol.iterator]();
          return { next: () => it.next(), return: () => (returned++, { done: true, value: undefined }) };
        },
      };
      for await (const doc of service(fake).analyzeMany(iterable, { operations: ["sentiment"], ...unpaced, maxInFlight: 25 })) {
        if (doc.index === 3) break;
      }
      expect(returned).to.equal(1);
    });

    it("stops reading and closes an async source when the consumer stops, and sends no call queued behind the limit", async () => {
      const fake = new FakeComprehend();
      fake.hold = true;
      const { seen, source } = counted(10_000);
      const run = service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, concurrency: 1, maxInFlight: 100 });
      const first = run.next();
      await fake.heldCalls(1);
      fake.held[0]?.answer();
      await first;
      await run.return(undefined);
      await turns();
      fake.held.slice(1).forEach((c) => c.answer());
      await turns();
      expect(seen.closed).to.equal(true);
      expect(seen.read).to.be.at.most(101);
      expect(fake.calls.length).to.be.at.most(2);
    });

    it("a consumer that stops while the window is full ends the reading at once, and closes the source", async () => {
      const fake = new FakeComprehend();
      fake.hold = true;
      const { seen, source } = counted(1000, (i) => (i === 0 ? "" : `doc ${i}`));
      const run = service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, maxInFlight: 25 });
      // The empty first document is out at once; meanwhile the reader fills the window and waits.
      expect((await run.next()).value?.index).to.equal(0);
      await fake.heldCalls(1);
      await turns();
      expect(seen.read).to.equal(26);
      await run.return(undefined);
      expect(seen.closed).to.equal(true);
      expect(seen.read).to.equal(26);
      fake.held.forEach((c) => c.answer());
    });

    it("a consumer that stops while the source is slow to answer admits nothing the source gives afterwards", async () => {
      const fake = new FakeComprehend();
      const stats = emptyStats();
      const { seen, source, open } = gated(["", "late one", "later"], [1]);
      const run = service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, stats });
      expect((await run.next()).value?.index).to.equal(0);
      await turns();
      expect(seen.waiting).to.equal(1);
      await run.return(undefined);
      open(1);
      await turns();
      expect(seen.closed).to.equal(true);
      expect(stats.documents).to.equal(1);
      expect(fake.calls).to.deep.equal([]);
    });

    it("while the input is paused, a partial batch waits for it (maxBatchWaitMs not yet over) even when no call is out", async () => {
      const fake = new FakeComprehend();
      fake.hold = true;
      const texts = Array.from({ length: 50 }, (_, i) => `doc ${i}`);
      const { source, open } = gated(texts, [30]);
      const collecting = collect(service(fake).analyzeMany(source, { operations: ["sentiment"], ...unpaced, maxBatchWaitMs: 60_000 }));
      await fake.heldCalls(1);
      fake.hold = false;
      fake.held[0]?.answer();
      await turns();
      // Five documents wait in a partial batch; the input is quiet for far less than a minute.
      expect(fake.batches().map((b) => b.length)).to.deep.equal([25]);
      open(30);
      await collecting;
      expect(fake.batches().map((b) => b.length)).to.deep.equal([25, 25]);
    });

    it("a full window with only partial batches left sends them (with language auto, each language's batch is partial)", async () => {
      const fake = new FakeComprehend();
      const texts = Array.from({ length: 60 }, (_, i) => (i % 2 ? `La hoja de ruta ${i} es muy buena` : `The roadmap number ${i} looks great`));
      const out = await collect(
        service(fake).analyzeMany(texts, { operations: ["sentiment"], language: "auto", ...unpaced, maxInFlight: 25, maxBatchWaitMs: 60_000 }),
      );
      expect(out.map((d) => d.languageCode)).to.deep.equal(texts.map((_, i) => (i % 2 ? "es" : "en")));
      expect(out.every((d) => d.results.sentiment !== undefined)).to.equal(true);
      // Each window of 25 documents is detected in one call, then sent as two partial batches.
      expect(fake.batches("BatchDetectDominantLanguage").map((b) => b.length)).to.deep.equal([25, 25, 10]);
      expect(fake.batches().map((b) => b.length)).to.deep.equal([13, 12, 12, 13, 5, 5]);
    });

    it("with language auto, the batches that follow detection go once the input is quiet, not when it resumes", async () => {
      const fake = new FakeComprehend();
      const texts = [
        "Review 0: the release went out on time",
        "Review 1: the team is happy with it",
        "Review 2: the plan for next year",
        "Review 3: after a long pause",
      ];
      const { source, open } = gated(texts, [3]);
      const got: number[] = [];
      for await (const doc of service(fake).analyzeMany(source, { operations: ["sentiment"], language: "auto", ...unpaced, maxBatchWaitMs: 0 })) {
        got.push(doc.index);
        if (got.length === 3) open(3);
      }
      expect(got).to.deep.equal([0, 1, 2, 3]);
      expect(fake.batches().map((b) => b.length)).to.deep.equal([3, 1]);
    });

    it("ends the stream with what the source throws, and with what opening it throws", async () => {
      const fake = new FakeComprehend();
      async function* failing() {
        yield "first";
        throw new Error("cursor lost");
      }
      expect(await failure(() => collect(service(fake).analyzeMany(failing(), { operations: ["sentiment"], ...unpaced })))).to.have.property(
        "message",
        "cursor lost",
      );
      const unopenable: AsyncIterable<string> = {
        [Symbol.asyncIterator]() {
          throw new Error("cursor closed");
        },
      };
      expect(await failure(() => collect(service(fake).analyzeMany(unopenable, { operations: ["sentiment"], ...unpaced })))).to.have.property(
        "message",
        "cursor closed",
      );
    });

    it("hands what closing the source threw to the consumer that stopped", async () => {
      const fake = new FakeComprehend();
      async function* source() {
        try {
          for (let i = 0; ; i++) yield `doc ${i}`;
        } finally {
          // eslint-disable-next-line no-unsafe-finally -- the point of the test
          throw new Error("could not release the cursor");
        }
      }
      const err = await failure(async () => {
        for await (const _ of service(fake).analyzeMany(source(), { operations: ["sentiment"], ...unpaced, maxInFlight: 25 })) break;
      });
      expect(err).to.have.property("message", "could not release the cursor");
    });

    it("sends a partial batch once the input goes quiet (maxBatchWaitMs), before the input resumes", async () => {
      const fake = new FakeComprehend();
      const events: string[] = [];
      let resume: () => void = () => undefined;
      const resumed = new Promise<void>((r) => (resume = r));
      async function* quiet() {
        yield "a great start";
        events.push("quiet");
        await resumed;
        events.push("resumed");
        yield "the end";
      }
      for await (const doc of service(fake).analyzeMany(quiet(), { operations: ["sentiment"], ...unpaced, maxBatchWaitMs: 0 })) {
        events.push(`result ${doc.input}`);
        resume();
      }
      expect(events).to.deep.equal(["quiet", "result a great start", "resumed", "result the end"]);
      expect(fake.batches()).to.deep.equal([["a great start"], ["the end"]]);
    });
  });
});

describe("Comprehend single-document calls (fake client)", () => {
  it("each operation's API, in English by default, answering in our shapes", async () => {
    const fake = new FakeComprehend();
    const s = service(fake);
    expect(await s.detectSentiment("a great day")).to.deep.equal({
      sentiment: "POSITIVE",
      scores: { positive: 0.9, negative: 0.05, neutral: 0.05, mixed: 0.05 },
    });
    expect(await s.detectEntities("Alice is here", "fr")).to.deep.equal([{ text: "Alice", type: "PERSON", score: 0.9, begin: 0, end: 5 }]);
    expect(await s.detectKeyPhrases("nothing here")).to.deep.equal([]);
    expect(await s.detectPiiEntities("Alice")).to.deep.equal([{ type: "NAME", score: 0.9, begin: 0, end: 5 }]);
    expect(await s.detectDominantLanguage("La hoja de ruta es muy buena")).to.deep.include({ languageCode: "es" });
    expect(fake.calls.map((c) => [c.api, c.input.LanguageCode])).to.deep.equal([
      ["DetectSentiment", "en"],
      ["DetectEntities", "fr"],
      ["DetectKeyPhrases", "en"],
      ["DetectPiiEntities", "en"],
      ["DetectDominantLanguage", undefined],
    ]);
  });

  it("fills what an answer leaves out: an unknown label is NEUTRAL, missing scores and offsets are 0", async () => {
    const fake = new FakeComprehend((api) => {
      switch (api) {
        case "DetectSentiment":
          return { Sentiment: "SOMETHING_NEW" };
        case "DetectEntities":
          return { Entities: [{}] };
        case "DetectKeyPhrases":
          return { KeyPhrases: [{}] };
        case "DetectPiiEntities":
          return { Entities: [{}] };
        default:
          return {};
      }
    });
    const s = service(fake);
    expect(await s.detectSentiment("text")).to.deep.equal({ sentiment: "NEUTRAL", scores: { positive: 0, negative: 0, neutral: 0, mixed: 0 } });
    expect(await s.detectEntities("text")).to.deep.equal([{ text: "", type: "OTHER", score: 0, begin: 0, end: 0 }]);
    expect(await s.detectKeyPhrases("text")).to.deep.equal([{ text: "", score: 0, begin: 0, end: 0 }]);
    expect(await s.detectPiiEntities("text")).to.deep.equal([{ type: "OTHER", score: 0, begin: 0, end: 0 }]);
    expect(await s.detectDominantLanguage("a text long enough to be detected")).to.deep.equal({ languageCode: "", score: 0, candidates: [] });
    const empty = new FakeComprehend(() => ({}));
    expect(await service(empty).detectEntities("text")).to.deep.equal([]);
    expect(await service(empty).detectKeyPhrases("text")).to.deep.equal([]);
    expect(await service(empty).detectPiiEntities("text")).to.deep.equal([]);
  });

  it("every sentiment label Comprehend gives is kept", async () => {
    for (const label of ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]) {
      const fake = new FakeComprehend(() => ({ Sentiment: label, SentimentScore: scores(label) }));
      expect((await service(fake).detectSentiment("text")).sentiment).to.equal(label);
    }
  });

  it("a batch answer without lists is no results and no errors (each document then has neither)", async () => {
    for (const op of ["sentiment", "entities", "key-phrases", "language"] as Operation[]) {
      const fake = new FakeComprehend(() => ({}));
      const out = await collect(service(fake).analyzeMany(["a text long enough to be detected"], { operations: [op], ...unpaced } as AnalyzeOptions<string>));
      expect(out[0]?.errors[op]?.code, op).to.equal("MissingResult");
    }
  });
});
