/**
 * ComprehendService. The single-document calls moto answers (sentiment, key phrases, PII) run
 * against the emulator; the Batch* APIs, entities and language detection, which moto does not
 * implement, run against aws-sdk-client-mock with a fake that answers from the text itself, so
 * that ordering, offsets and grouping can be checked.
 * (Over 350 lines: the pipeline's batching, limits, errors and rate, one self-contained case each.)
 */
import {
  BatchDetectDominantLanguageCommand,
  type BatchDetectDominantLanguageCommandInput,
  BatchDetectEntitiesCommand,
  type BatchDetectEntitiesCommandInput,
  BatchDetectKeyPhrasesCommand,
  BatchDetectSentimentCommand,
  type BatchDetectSentimentCommandInput,
  ComprehendClient,
  DetectDominantLanguageCommand,
  DetectEntitiesCommand,
  type DetectEntitiesCommandInput,
  DetectPiiEntitiesCommand,
  type DetectPiiEntitiesCommandInput,
  DetectSentimentCommand,
} from "@aws-sdk/client-comprehend";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { byCommand, injectFaults } from "../helpers/faults";
import { AwsClients } from "../../services/aws/clients";
import { type AnalyzedDocument, type AnalyzeOptions, ComprehendInputError, ComprehendService, emptyStats, type Entity } from "../../services/comprehend";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { ServiceContext } from "../../services/context";
import { AiStorage } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";

function context(clients: AwsClients): ServiceContext {
  return {
    config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: "roadmapx-files" }),
    clients,
    storage: new AiStorage(clients, "roadmapx-files"),
    logger: { info: () => undefined, warn: () => undefined },
  };
}

async function collect<T>(items: AsyncIterable<AnalyzedDocument<T>>): Promise<AnalyzedDocument<T>[]> {
  const out: AnalyzedDocument<T>[] = [];
  for await (const item of items) out.push(item);
  return out;
}

// --- A fake Comprehend that answers from the text ---------------------------------------------

const cp = (s: string) => Array.from(s);

function fakeSentiment(text: string) {
  const label = text.includes("great") ? "POSITIVE" : text.includes("awful") ? "NEGATIVE" : "NEUTRAL";
  const main = 0.9;
  const rest = 0.1 / 3;
  return {
    Sentiment: label as "POSITIVE" | "NEGATIVE" | "NEUTRAL",
    SentimentScore: {
      Positive: label === "POSITIVE" ? main : rest,
      Negative: label === "NEGATIVE" ? main : rest,
      Neutral: label === "NEUTRAL" ? main : rest,
      Mixed: rest,
    },
  };
}

/** Every "Alice" and "東京" as an entity, with code-point offsets (as Comprehend gives them). */
function fakeEntities(text: string) {
  // UTF-16 index -> code-point index, so offsets count an emoji as one.
  const codePointAt = new Uint32Array(text.length + 1);
  for (let i = 0, n = 0; i <= text.length; i++) {
    codePointAt[i] = n;
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  const found: { Text: string; Type: string; Score: number; BeginOffset: number; EndOffset: number }[] = [];
  for (const [word, type] of [
    ["Alice", "PERSON"],
    ["東京", "LOCATION"],
  ] as const) {
    for (let i = text.indexOf(word); i !== -1; i = text.indexOf(word, i + 1)) {
      found.push({ Text: word, Type: type, Score: 0.99, BeginOffset: codePointAt[i] ?? 0, EndOffset: codePointAt[i + word.length] ?? 0 });
    }
  }
  return found.sort((a, b) => a.BeginOffset - b.BeginOffset);
}

function fakeLanguage(text: string) {
  if (/[\u3040-\u30ff]/.test(text)) return [{ LanguageCode: "ja", Score: 0.98 }];
  if (/\b(el|la|muy)\b/.test(text))
    return [
      { LanguageCode: "es", Score: 0.95 },
      { LanguageCode: "pt", Score: 0.03 },
    ];
  if (/\b(och|är)\b/.test(text)) return [{ LanguageCode: "sv", Score: 0.97 }];
  return [{ LanguageCode: "en", Score: 0.99 }];
}

function answerBatches(mock: AwsClientStub<ComprehendClient>) {
  mock.on(BatchDetectSentimentCommand).callsFake((input: BatchDetectSentimentCommandInput) => ({
    ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, ...fakeSentiment(t) })),
    ErrorList: [],
  }));
  mock.on(BatchDetectEntitiesCommand).callsFake((input: BatchDetectEntitiesCommandInput) => ({
    ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, Entities: fakeEntities(t) })),
    ErrorList: [],
  }));
  mock.on(BatchDetectKeyPhrasesCommand).callsFake((input: { TextList?: string[] }) => ({
    ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, KeyPhrases: [{ Text: t, Score: 0.9, BeginOffset: 0, EndOffset: cp(t).length }] })),
    ErrorList: [],
  }));
  mock.on(BatchDetectDominantLanguageCommand).callsFake((input: BatchDetectDominantLanguageCommandInput) => ({
    ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, Languages: fakeLanguage(t) })),
    ErrorList: [],
  }));
  mock.on(DetectEntitiesCommand).callsFake((input: DetectEntitiesCommandInput) => ({ Entities: fakeEntities(input.Text ?? "") }));
  mock.on(DetectDominantLanguageCommand).callsFake((input: { Text?: string }) => ({ Languages: fakeLanguage(input.Text ?? "") }));
  mock.on(DetectPiiEntitiesCommand).callsFake((input: DetectPiiEntitiesCommandInput) => ({
    Entities: fakeEntities(input.Text ?? "").map((e) => ({ Type: "NAME", Score: e.Score, BeginOffset: e.BeginOffset, EndOffset: e.EndOffset })),
  }));
}

async function* documents(count: number, make: (i: number) => { id: string; text: string }, seen?: { read: number }) {
  for (let i = 0; i < count; i++) {
    if (seen) seen.read++;
    yield make(i);
  }
}

const sentimentDoc = (i: number) => ({
  id: `doc-${i}`,
  text: i % 3 === 0 ? `Review ${i}: a great roadmap` : i % 3 === 1 ? `Review ${i}: an awful week` : `Review ${i}: it shipped`,
});
const fast: Partial<AnalyzeOptions<unknown>> = { tps: 1_000_000, concurrency: 8 };

describe("Comprehend analyzeMany with the Batch APIs (aws-sdk-client-mock: moto has no Batch*)", function () {
  this.timeout(60_000);
  let mock: AwsClientStub<ComprehendClient>;
  let service: ComprehendService;
  let clients: AwsClients;

  before(() => {
    mock = mockClient(ComprehendClient);
  });
  after(() => mock.restore());
  beforeEach(() => {
    mock.reset();
    answerBatches(mock);
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    service = new ComprehendService(context(clients));
  });
  afterEach(() => clients.destroy());

  it("sends 10,000 documents through sentiment in exactly 400 BatchDetectSentiment calls and yields them in input order with their ids", async () => {
    const stats = emptyStats();
    const out = await collect(service.analyzeMany(documents(10_000, sentimentDoc), { operations: ["sentiment"], language: "en", ...fast, stats }));
    const calls = mock.commandCalls(BatchDetectSentimentCommand);
    expect(calls).to.have.length(400);
    expect(mock.calls()).to.have.length(400, "no other call");
    for (const call of calls) {
      expect(call.args[0].input.TextList).to.have.length(25);
      expect(call.args[0].input.LanguageCode).to.equal("en");
    }
    expect(out).to.have.length(10_000);
    out.forEach((doc, i) => {
      expect(doc.index).to.equal(i);
      expect(doc.input.id).to.equal(`doc-${i}`);
      expect(doc.results.sentiment?.sentiment).to.equal(["POSITIVE", "NEGATIVE", "NEUTRAL"][i % 3]);
      expect(doc.errors).to.deep.equal({});
    });
    expect(stats).to.include({ documents: 10_000, batchCalls: 400, singleCalls: 0, retriedItems: 0 });
  });

  it("keeps input order when batches finish out of order, and never runs more calls at once than asked", async () => {
    let active = 0;
    let peak = 0;
    // The first calls wait until four run at once, so the peak does not depend on how fast this
    // machine is (a safety wait keeps a broken limit from hanging the test).
    let fourRunning: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (fourRunning = resolve));
    mock.on(BatchDetectSentimentCommand).callsFake(async (input: BatchDetectSentimentCommandInput) => {
      active++;
      peak = Math.max(peak, active);
      if (active === 4) fourRunning();
      await Promise.race([gate, new Promise((r) => setTimeout(r, 10_000))]);
      // Later batches of each group of four answer first.
      const first = Number((input.TextList?.[0] ?? "").match(/Review (\d+)/)?.[1] ?? 0);
      await new Promise((r) => setTimeout(r, 40 - ((first / 25) % 4) * 10));
      active--;
      return { ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, ...fakeSentiment(t) })), ErrorList: [] };
    });
    const out = await collect(service.analyzeMany(documents(500, sentimentDoc), { operations: ["sentiment"], tps: 1_000_000, concurrency: 4 }));
    expect(out.map((d) => d.index)).to.deep.equal([...Array(500).keys()]);
    expect(out.map((d) => d.input.id)).to.deep.equal([...Array(500).keys()].map((i) => `doc-${i}`));
    expect(peak).to.equal(4);
  });

  it("holds at most maxInFlight documents, however slowly results are consumed", async () => {
    const seen = { read: 0 };
    let consumed = 0;
    let worst = 0;
    for await (const _ of service.analyzeMany(documents(2_000, sentimentDoc, seen), { operations: ["sentiment"], ...fast, maxInFlight: 100 })) {
      consumed++;
      worst = Math.max(worst, seen.read - consumed);
      if (consumed % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(consumed).to.equal(2_000);
    expect(worst).to.be.at.most(100);
    expect(mock.commandCalls(BatchDetectSentimentCommand)).to.have.length(80, "the window never forces a partial batch");
  });

  it("sends a partial batch when the input pauses, instead of holding documents until 25 arrive", async () => {
    // Ordered by events, not by the clock: the input pauses until the consumer has both results (or,
    // were the batch held, until a generous safety wait runs out, and then the order shows it).
    const events: string[] = [];
    let bothBack: () => void = () => undefined;
    const resultsIn = new Promise<void>((resolve) => (bothBack = resolve));
    async function* trickle() {
      yield { id: "a", text: "a great start" };
      yield { id: "b", text: "an awful middle" };
      events.push("input paused");
      await Promise.race([resultsIn, new Promise((r) => setTimeout(r, 10_000))]);
      events.push("input resumed");
      yield { id: "c", text: "the end" };
    }
    for await (const doc of service.analyzeMany(trickle(), { operations: ["sentiment"], ...fast, maxBatchWaitMs: 50 })) {
      events.push(`result ${doc.input.id}`);
      if (doc.input.id === "b") bothBack();
    }
    expect(events).to.deep.equal(["input paused", "result a", "result b", "input resumed", "result c"]);
    expect(mock.commandCalls(BatchDetectSentimentCommand).map((c) => c.args[0].input.TextList?.length)).to.deep.equal([2, 1]);
  });

  it("retries a per-item InternalServerException once in a later batch, and reports non-retryable item errors on the document", async () => {
    let calls = 0;
    mock.on(BatchDetectSentimentCommand).callsFake((input: BatchDetectSentimentCommandInput) => {
      calls++;
      const texts = input.TextList ?? [];
      const errors: { Index: number; ErrorCode: string; ErrorMessage: string }[] = [];
      const results: ReturnType<typeof fakeSentiment>[] & { Index?: number }[] = [];
      texts.forEach((t, Index) => {
        if (t.includes("flaky") && calls === 1) errors.push({ Index, ErrorCode: "InternalServerException", ErrorMessage: "try again" });
        else if (t.includes("always-failing")) errors.push({ Index, ErrorCode: "InternalServerException", ErrorMessage: "still broken" });
        else if (t.includes("invalid")) errors.push({ Index, ErrorCode: "InvalidRequestException", ErrorMessage: "the document is not valid" });
        else results.push({ Index, ...fakeSentiment(t) });
      });
      return { ResultList: results, ErrorList: errors };
    });
    const stats = emptyStats();
    const texts = ["a great flaky one", "an invalid one", "awful but fine", "always-failing text"];
    const out = await collect(service.analyzeMany(texts, { operations: ["sentiment"], ...fast, stats }));
    expect(out.map((d) => d.input)).to.deep.equal(texts);
    expect(out[0]?.results.sentiment?.sentiment).to.equal("POSITIVE");
    expect(out[0]?.errors).to.deep.equal({});
    expect(out[1]?.errors.sentiment).to.deep.equal({ code: "InvalidRequestException", message: "the document is not valid" });
    expect(out[2]?.results.sentiment?.sentiment).to.equal("NEGATIVE");
    expect(out[3]?.errors.sentiment).to.deep.equal({ code: "InternalServerException", message: "still broken" });
    // First call: four documents; second: the two retryable ones. The invalid one is not sent again.
    expect(mock.commandCalls(BatchDetectSentimentCommand).map((c) => c.args[0].input.TextList)).to.deep.equal([texts, [texts[0], texts[3]]]);
    expect(stats.retriedItems).to.equal(2);
  });

  it("survives a throttling storm: items of a batch throttled beyond the SDK's retries are sent once more, then reported per document", async () => {
    let calls = 0;
    const throttledTimes = new Map<string, number>();
    mock.on(BatchDetectSentimentCommand).callsFake((input: BatchDetectSentimentCommandInput) => {
      calls++;
      if (calls <= 4) {
        for (const t of input.TextList ?? []) throttledTimes.set(t, (throttledTimes.get(t) ?? 0) + 1);
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
      }
      return { ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, ...fakeSentiment(t) })), ErrorList: [] };
    });
    const texts = [...Array(75).keys()].map((i) => `document ${i} is great`);
    const stats = emptyStats();
    const out = await collect(service.analyzeMany(texts, { operations: ["sentiment"], ...fast, concurrency: 1, stats }));
    expect(out.map((d) => d.input)).to.deep.equal(texts);
    const throttledTwice = texts.filter((t) => throttledTimes.get(t) === 2);
    expect(throttledTwice.length).to.be.greaterThan(0);
    // Exactly the documents throttled on both tries failed, each with the throttle named; the rest succeeded.
    expect(out.filter((d) => d.errors.sentiment).map((d) => d.input)).to.deep.equal(throttledTwice);
    for (const d of out.filter((d) => d.errors.sentiment)) expect(d.errors.sentiment?.code).to.equal("ThrottlingException");
    expect(out.filter((d) => d.results.sentiment?.sentiment === "POSITIVE")).to.have.length(75 - throttledTwice.length);
    expect(Math.max(...throttledTimes.values())).to.equal(2, "no document is sent a third time");
    expect(stats.retriedItems).to.equal(throttledTimes.size, "every throttled document was retried once");
  });

  it("ends the stream with the error when access is denied, instead of failing every document", async () => {
    mock.on(BatchDetectSentimentCommand).rejects(
      Object.assign(new Error("User is not authorized to perform: comprehend:BatchDetectSentiment"), {
        name: "AccessDeniedException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const seen = { read: 0 };
    let error: unknown;
    try {
      await collect(service.analyzeMany(documents(10_000, sentimentDoc, seen), { operations: ["sentiment"], ...fast, maxInFlight: 100 }));
    } catch (err) {
      error = err;
    }
    expect((error as Error).name).to.equal("AccessDeniedException");
    expect(seen.read).to.be.at.most(101, "reading stopped at the first window");
  });

  it("stops reading when the consumer stops early, and closes the source", async () => {
    let read = 0;
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          read++;
          yield `document ${i} is great`;
        }
      } finally {
        closed = true;
      }
    }
    const taken: number[] = [];
    for await (const doc of service.analyzeMany(endless(), { operations: ["sentiment"], ...fast, maxInFlight: 50 })) {
      taken.push(doc.index);
      if (taken.length === 30) break;
    }
    // Closing happens once the calls in flight settle: let their callbacks run, by turns of the event loop, not by a clock.
    for (let turn = 0; turn < 200 && !closed; turn++) await new Promise((r) => setImmediate(r));
    expect(taken).to.deep.equal([...Array(30).keys()]);
    expect(closed).to.equal(true);
    expect(read).to.be.at.most(30 + 50 + 1, "no more than the window was read ahead");
  });

  it("ends the stream with the source's own error when the source fails", async () => {
    async function* failing() {
      yield "first document is great";
      throw new Error("cursor lost: connection to the database closed");
    }
    const seen: number[] = [];
    let error: unknown;
    try {
      for await (const doc of service.analyzeMany(failing(), { operations: ["sentiment"], ...fast })) seen.push(doc.index);
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("cursor lost: connection to the database closed");
  });

  it("ends the stream with the error of a source that cannot even be opened", async () => {
    const closedCursor: AsyncIterable<string> = {
      [Symbol.asyncIterator]() {
        throw new Error("cursor closed");
      },
    };
    let error: unknown;
    try {
      for await (const _ of service.analyzeMany(closedCursor, { operations: ["sentiment"], ...fast })) expect.fail("no document");
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("cursor closed");
    expect(mock.calls()).to.have.length(0);
  });

  it("hands what closing the source threw to the consumer that stopped, instead of losing it", async () => {
    async function* source() {
      try {
        for (let i = 0; ; i++) yield `Review ${i}: a great roadmap`;
      } finally {
        // eslint-disable-next-line no-unsafe-finally -- the point of the test
        throw new Error("could not release the database cursor");
      }
    }
    let error: unknown;
    try {
      for await (const _ of service.analyzeMany(source(), { operations: ["sentiment"], ...fast, maxInFlight: 25 })) break;
    } catch (err) {
      error = err;
    }
    expect((error as Error | undefined)?.message).to.equal("could not release the database cursor");
  });

  it("sends nothing more once the consumer stops: calls queued behind the concurrency limit are dropped", async () => {
    // Each call waits for the test to answer it: the first is answered, the others are still on the wire at the break.
    const unanswered: (() => void)[] = [];
    mock.on(BatchDetectSentimentCommand).callsFake(async (input: BatchDetectSentimentCommandInput) => {
      if (mock.commandCalls(BatchDetectSentimentCommand).length > 1) await new Promise<void>((r) => unanswered.push(r));
      return { ResultList: (input.TextList ?? []).map((t, Index) => ({ Index, ...fakeSentiment(t) })), ErrorList: [] };
    });
    let atBreak = -1;
    for await (const _ of service.analyzeMany(documents(1000, sentimentDoc), { operations: ["sentiment"], tps: 1_000_000, concurrency: 1, maxInFlight: 100 })) {
      atBreak = mock.commandCalls(BatchDetectSentimentCommand).length;
      break;
    }
    // Answer whatever is still on the wire, and let every callback that could start a queued call run.
    for (let turn = 0; turn < 50; turn++) {
      unanswered.splice(0).forEach((answer) => answer());
      await new Promise((r) => setImmediate(r));
    }
    const after = mock.commandCalls(BatchDetectSentimentCommand).length;
    expect(after).to.equal(atBreak, "no call started after the break");
    expect(after).to.be.at.most(2, "four batches were read; at most the one in flight and the next had started");
  });

  it("with language auto, sends the batches that follow detection when the input goes quiet, not when it resumes", async () => {
    // The input resumes only once the first three results are out: were they held until it resumed, this would never end.
    let resume: () => void = () => undefined;
    const quietUntilResults = new Promise<void>((r) => (resume = r));
    let resumed = false;
    async function* quietSource() {
      for (let i = 0; i < 3; i++) yield `Review ${i}: the release went out on time and everyone is happy`;
      await quietUntilResults;
      resumed = true;
      yield "Review 3: one more, after a long pause in the input";
    }
    const arrivedBeforeResume: boolean[] = [];
    for await (const doc of service.analyzeMany(quietSource(), { operations: ["sentiment"], language: "auto", ...fast, maxBatchWaitMs: 50 })) {
      arrivedBeforeResume.push(!resumed);
      expect(doc.results.sentiment?.sentiment).to.be.a("string");
      if (arrivedBeforeResume.length === 3) resume();
    }
    expect(arrivedBeforeResume).to.deep.equal([true, true, true, false]);
  });

  it("splits an oversize document for sentiment into batched pieces and combines the sentiment", async () => {
    const long = `${"This is a great plan. ".repeat(300)}${"An awful outcome. ".repeat(100)}`; // 8,400 bytes
    const out = await collect(service.analyzeMany([long, "short and great"], { operations: ["sentiment"], ...fast }));
    const sent = mock.commandCalls(BatchDetectSentimentCommand).flatMap((c) => c.args[0].input.TextList ?? []);
    expect(sent).to.have.length(3, "two pieces and the short document, in one batch");
    for (const t of sent) expect(Buffer.byteLength(t)).to.be.at.most(5000);
    expect(sent.slice(0, 2).join("")).to.equal(long);
    // 6,600 positive bytes vs 1,800 negative: under a quarter negative, so POSITIVE.
    expect(out[0]?.results.sentiment?.sentiment).to.equal("POSITIVE");
    expect(out[1]?.results.sentiment?.sentiment).to.equal("POSITIVE");
  });

  it("rejects an oversize document when asked to, with the limit in the message and no call for it", async () => {
    const long = "x".repeat(5001);
    const out = await collect(service.analyzeMany([long, "fine and great"], { operations: ["sentiment"], oversize: "reject", ...fast }));
    expect(out[0]?.errors.sentiment?.code).to.equal("TextSizeLimitExceededException");
    expect(out[0]?.errors.sentiment?.message).to.match(/5001 UTF-8 bytes, over the 5000-byte limit of DetectSentiment/);
    expect(mock.commandCalls(BatchDetectSentimentCommand).flatMap((c) => c.args[0].input.TextList)).to.deep.equal(["fine and great"]);
  });

  it("finds entities in a 250 KB multi-byte document: split at 100 KB without breaking characters, offsets shifted back", async () => {
    const chunk = "Alice flew to 東京 😀 on a great trip. ";
    const text = chunk.repeat(Math.ceil(250_000 / Buffer.byteLength(chunk)));
    const out = await collect(service.analyzeMany([{ text }], { operations: ["entities"], ...fast }));
    const singles = mock.commandCalls(DetectEntitiesCommand);
    expect(singles).to.have.length(3, "pieces over the 5,000-byte batch limit go one to a call");
    for (const c of singles) expect(Buffer.byteLength(c.args[0].input.Text ?? "")).to.be.at.most(100_000);
    const entities = out[0]?.results.entities as Entity[];
    expect(entities).to.have.length(fakeEntities(text).length);
    const chars = cp(text);
    for (const e of entities) expect(chars.slice(e.begin, e.end).join("")).to.equal(e.text);
    expect(entities.map((e) => e.begin)).to.deep.equal(fakeEntities(text).map((e) => e.BeginOffset));
  });

  it("detects each document's language with --language auto, then groups the batches by language", async () => {
    const texts = [
      "The roadmap for next quarter looks great",
      "La hoja de ruta es muy buena para el equipo",
      "来年のロードマップはとても良いと思います。計画です",
      "The release was awful for the whole team",
      "Planen för nästa kvartal är bra och tydlig",
      "too short",
    ];
    const out = await collect(service.analyzeMany(texts, { operations: ["sentiment", "entities"], language: "auto", ...fast }));
    const languageCalls = mock.commandCalls(BatchDetectDominantLanguageCommand);
    expect(languageCalls).to.have.length(1);
    expect(languageCalls[0]?.args[0].input.TextList).to.have.length(5, "the 9-character text is not sent for detection");
    for (const call of mock.commandCalls(BatchDetectSentimentCommand)) {
      const language = call.args[0].input.LanguageCode;
      for (const t of call.args[0].input.TextList ?? []) expect(fakeLanguage(t)[0]?.LanguageCode).to.equal(language);
    }
    expect(
      mock
        .commandCalls(BatchDetectSentimentCommand)
        .map((c) => c.args[0].input.LanguageCode)
        .sort(),
    ).to.deep.equal(["en", "es", "ja"]);
    expect(out.map((d) => d.languageCode)).to.deep.equal(["en", "es", "ja", "en", "sv", undefined]);
    expect(out[0]?.results.language, "language was not asked for, so it is not in the output").to.equal(undefined);
    expect(out[3]?.results.sentiment?.sentiment).to.equal("NEGATIVE");
    expect(out[4]?.errors.sentiment?.code).to.equal("UnsupportedLanguage");
    expect(out[4]?.errors.sentiment?.message).to.match(/does not support language "sv"/);
    expect(out[5]?.errors.sentiment?.code).to.equal("LanguageUnknown");
    expect(out[5]?.errors.entities?.message).to.match(/at least 20 characters.*pass a language code/);
  });

  it("returns the language as an operation, with every candidate", async () => {
    const out = await collect(service.analyzeMany(["La hoja de ruta es muy buena para el equipo"], { operations: ["language"], ...fast }));
    expect(out[0]?.results.language).to.deep.equal({
      languageCode: "es",
      score: 0.95,
      candidates: [
        { languageCode: "es", score: 0.95 },
        { languageCode: "pt", score: 0.03 },
      ],
    });
  });

  it("sends PII one document to a call (DetectPiiEntities has no batch form) with exact offsets", async () => {
    const texts = ["Call Alice tomorrow 😀", "Alice and Alice again"];
    const out = await collect(service.analyzeMany(texts, { operations: ["pii"], ...fast }));
    expect(mock.commandCalls(DetectPiiEntitiesCommand)).to.have.length(2);
    expect(out[0]?.results.pii).to.deep.equal([{ type: "NAME", score: 0.99, begin: 5, end: 10 }]);
    expect(out[1]?.results.pii?.map((p) => p.begin)).to.deep.equal([0, 10]);
  });

  it("reports empty and malformed documents on themselves, without a call", async () => {
    const out = await collect(
      service.analyzeMany([{ text: "" }, { text: "   \n" }, { nottext: 1 }, { text: "a great one" }] as { text?: string }[], {
        operations: ["sentiment", "key-phrases"],
        ...fast,
      }),
    );
    expect(out[0]?.errors.sentiment?.code).to.equal("EmptyDocument");
    expect(out[1]?.errors["key-phrases"]?.code).to.equal("EmptyDocument");
    expect(out[2]?.errors.sentiment).to.deep.equal({ code: "InvalidInput", message: "the document has no `text` field holding a string" });
    expect(out[3]?.errors).to.deep.equal({});
    expect(mock.commandCalls(BatchDetectSentimentCommand).flatMap((c) => c.args[0].input.TextList)).to.deep.equal(["a great one"]);
    expect(mock.commandCalls(BatchDetectKeyPhrasesCommand)).to.have.length(1);
  });

  it("refuses bad options before reading any document: unknown operations, unsupported languages, a zero rate", async () => {
    const seen = { read: 0 };
    const attempts: [Partial<AnalyzeOptions<unknown>>, RegExp][] = [
      [{ operations: [] }, /operations: name at least one/],
      [{ operations: ["sentiments" as never] }, /"sentiments" is not an operation/],
      [{ operations: ["sentiment"], language: "xx" }, /language: DetectSentiment does not support "xx"/],
      [{ operations: ["pii"], language: "fr" }, /DetectPiiEntities does not support "fr" \(supported: en, es\)/],
      [{ operations: ["sentiment"], tps: 0 }, /tps: must be a positive number/],
    ];
    for (const [options, message] of attempts) {
      const run = service.analyzeMany(documents(10, sentimentDoc, seen), options as AnalyzeOptions<{ id: string; text: string }>);
      let error: unknown;
      try {
        await run.next();
      } catch (err) {
        error = err;
      }
      expect(error, String(message)).to.be.instanceOf(ComprehendInputError);
      expect((error as Error).message).to.match(message);
    }
    expect(seen.read).to.equal(0);
    expect(mock.calls()).to.have.length(0);
  });

  it("single-document calls check the text and language before calling (aws-sdk-client-mock)", async () => {
    const refused: [() => Promise<unknown>, RegExp][] = [
      [() => service.detectSentiment(""), /text: the document is empty/],
      [() => service.detectSentiment("é".repeat(2501)), /5002 UTF-8 bytes is over the 5000-byte limit of DetectSentiment/],
      [() => service.detectEntities("hello", "klingon"), /DetectEntities does not support "klingon"/],
      [() => service.detectDominantLanguage("too short"), /at least 20 characters \(got 9\)/],
      [() => service.detectPiiEntities("Alice", "de"), /DetectPiiEntities does not support "de"/],
    ];
    for (const [call, message] of refused) {
      let error: unknown;
      try {
        await call();
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(ComprehendInputError);
      expect((error as Error).message).to.match(message);
    }
    expect(mock.calls()).to.have.length(0);
    expect(await service.detectEntities("Alice met Alice in 東京")).to.deep.equal([
      { text: "Alice", type: "PERSON", score: 0.99, begin: 0, end: 5 },
      { text: "Alice", type: "PERSON", score: 0.99, begin: 10, end: 15 },
      { text: "東京", type: "LOCATION", score: 0.99, begin: 19, end: 21 },
    ]);
    expect((await service.detectDominantLanguage("来年のロードマップはとても良いと思います")).languageCode).to.equal("ja");
  });

  it("sends one call per document with batch: false (for endpoints without Batch APIs)", async () => {
    mock.on(DetectSentimentCommand).callsFake((input: { Text?: string }) => fakeSentiment(input.Text ?? ""));
    const out = await collect(service.analyzeMany(["great", "awful", "meh"], { operations: ["sentiment"], batch: false, ...fast }));
    expect(mock.commandCalls(DetectSentimentCommand)).to.have.length(3);
    expect(mock.commandCalls(BatchDetectSentimentCommand)).to.have.length(0);
    expect(out.map((d) => d.results.sentiment?.sentiment)).to.deep.equal(["POSITIVE", "NEGATIVE", "NEUTRAL"]);
  });
});

describe("Comprehend single-document calls (against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  it("detects sentiment, key phrases and PII through the real protocol (moto answers canned values)", async () => {
    const service = new ComprehendService(context(ctx.clients));
    const sentiment = await service.detectSentiment("The new roadmap is clear and the team likes it.");
    expect(sentiment.sentiment).to.equal("NEUTRAL");
    expect(sentiment.scores.neutral).to.be.closeTo(0.9916, 1e-4);
    const phrases = await service.detectKeyPhrases("The new roadmap is clear.");
    expect(phrases.map((p) => [p.begin, p.end])).to.deep.equal([
      [50, 58],
      [230, 259],
      [334, 349],
    ]);
    const pii = await service.detectPiiEntities("Contact me at someone@example.com");
    expect(pii.map((p) => p.type)).to.deep.equal(["NAME", "EMAIL", "BANK_ACCOUNT_NUMBER"]);
  });

  it("streams documents one call each (batch: false) through a throttling storm, with the SDK's retries and ours", async () => {
    const clients = ctx.makeClients({ maxAttempts: 2 });
    // Three throttles in a row: the first call fails both its attempts (and is sent again by
    // analyzeMany), the second succeeds on its second attempt.
    const throttle = { kind: "throttle" } as const;
    const faults = injectFaults(clients.comprehend, byCommand("DetectSentimentCommand", { 1: throttle, 2: { kind: "throttle", http429: true }, 3: throttle }));
    const service = new ComprehendService(context(clients));
    const texts = [...Array(3).keys()].map((i) => `Document ${i} about the roadmap.`);
    const stats = emptyStats();
    const out = await collect(service.analyzeMany(texts, { operations: ["sentiment"], batch: false, tps: 1000, concurrency: 1, stats }));
    expect(faults.injected).to.have.length(3);
    expect(faults.sent.filter((r) => r.command === "DetectSentimentCommand")).to.have.length(6, "3 throttled + 3 answered");
    expect(out.map((d) => d.errors)).to.deep.equal(texts.map(() => ({})));
    expect(out.map((d) => d.results.sentiment?.sentiment)).to.deep.equal(texts.map(() => "NEUTRAL"));
    expect(stats).to.include({ singleCalls: 4, retriedItems: 1 });
  });
});
