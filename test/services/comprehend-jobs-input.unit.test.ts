/**
 * The job path's input side, as pure functions and on local disk: a document to its lines (CR/LF,
 * limits, splitting, known errors), staging into parts by AWS's per-job limits, the checks made
 * before anything is uploaded, units, ARNs and names.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import {
  ASYNC_LIMITS,
  type AsyncLimits,
  checkAsyncOptions,
  ComprehendInputError,
  oneLine,
  OversizeDocumentError,
  parseJobArn,
  unitsOf,
} from "../../services/comprehend";
import { documentLimit, planDocument, type PlanSettings } from "../../services/comprehend/job-input";
import { stageInput } from "../../services/comprehend/job-staging";
import { jobNameOf } from "../../services/comprehend/jobs";

const settings = (over: Partial<PlanSettings<string>> = {}): PlanSettings<string> => ({
  operations: ["sentiment", "entities"],
  getText: (s) => s,
  oversize: "refuse",
  documentBytes: ASYNC_LIMITS.documentBytes,
  ...over,
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("Comprehend jobs: documents to lines", () => {
  it("makes one line of a document: CR and LF become spaces, code points and bytes unchanged, U+2028 kept", () => {
    const text = "first\r\nsecond\nthird\rfourth\u2028fifth é😀";
    const line = oneLine(text);
    expect(line).to.equal("first  second third fourth\u2028fifth é😀");
    expect([...line]).to.have.length([...text].length);
    expect(Buffer.byteLength(line)).to.equal(Buffer.byteLength(text));
    expect(planDocument(text, 0, settings()).lines).to.deep.equal([line]);
  });

  it("reports invalid, empty and too-short documents as the sync path does, and sends nothing for them", () => {
    const throwing = settings({
      getText: () => {
        throw new Error("no text field");
      },
    });
    expect(planDocument("x", 0, throwing)).to.deep.equal({
      lines: [],
      errors: { sentiment: { code: "InvalidInput", message: "no text field" }, entities: { code: "InvalidInput", message: "no text field" } },
    });
    expect(planDocument(" \n ", 0, settings()).errors.sentiment?.code).to.equal("EmptyDocument");
    const short = planDocument("Hola amigos", 0, settings({ operations: ["language", "sentiment"] }));
    expect(short.lines).to.deep.equal(["Hola amigos"]);
    expect(short.errors).to.deep.equal({
      language: { code: "TextTooShort", message: "language detection needs at least 20 characters (the document has 11)" },
    });
    expect(planDocument("Hola amigos", 0, settings({ operations: ["language"] })).lines).to.deep.equal([]);
  });

  it("takes the smallest limit of the run's operations: refuses, rejects or splits a document over it", () => {
    const limits = { ...ASYNC_LIMITS.documentBytes, sentiment: 40 };
    expect(documentLimit(["entities", "sentiment"], limits)).to.equal(40);
    const text = "One sentence here. Another one there. And a third, much longer, sentence at the end.";
    const err = (() => {
      try {
        planDocument(text, 4, settings({ documentBytes: limits }));
      } catch (e) {
        return e as OversizeDocumentError;
      }
      return undefined;
    })();
    expect(err).to.be.instanceOf(OversizeDocumentError);
    expect(err?.message).to.match(
      /^oversize: document 5 is 84 UTF-8 bytes, over the 40-byte per-document limit of StartSentimentDetectionJob; nothing was uploaded/,
    );

    const rejected = planDocument(text, 0, settings({ documentBytes: limits, oversize: "reject" }));
    expect(rejected.lines).to.deep.equal([]);
    expect(rejected.errors.sentiment?.message).to.equal(
      "the document is 84 UTF-8 bytes, over the 40-byte limit of StartSentimentDetectionJob (split it, or let oversize documents be split)",
    );
    expect(rejected.errors.entities?.message).to.match(/over the 40-byte limit of StartSentimentDetectionJob, whose job shares this input: it was not sent/);

    const split = planDocument(text, 0, settings({ documentBytes: limits, oversize: "split" }));
    expect(split.lines.join("")).to.equal(text);
    expect(split.lines.every((l) => Buffer.byteLength(l) <= 40)).to.equal(true);
    // Whole sentences packed up to the limit, then a long sentence cut between graphemes.
    expect(split.lines.slice(0, 1)).to.deep.equal(["One sentence here. Another one there. "]);
    expect(split.pieces?.map((p) => p.begin)).to.deep.equal(split.lines.map((_, i) => split.lines.slice(0, i).join("").length));
    expect(split.pieces?.map((p) => p.bytes)).to.deep.equal(split.lines.map((l) => Buffer.byteLength(l)));
  });

  it("bills each line 100 characters a unit, at least 3", () => {
    expect(unitsOf("short")).to.equal(3);
    expect(unitsOf("x".repeat(301))).to.equal(4);
    expect(unitsOf("😀".repeat(300))).to.equal(3);
  });

  it("reads job ARNs back into their operation and id, and names jobs after their run", () => {
    expect(parseJobArn("arn:aws:comprehend:us-east-1:123456789012:pii-entities-detection-job/0a1b2c")).to.deep.equal({ operation: "pii", jobId: "0a1b2c" });
    expect(parseJobArn("arn:aws:comprehend:eu-west-1:123456789012:dominant-language-detection-job/ff")).to.deep.equal({ operation: "language", jobId: "ff" });
    expect(parseJobArn("arn:aws:comprehend:us-east-1:123456789012:document-classifier/x")).to.match(/is a document-classifier, not one of/);
    expect(parseJobArn("nope")).to.match(/is not a Comprehend job ARN/);
    expect(jobNameOf("roadmapx-20260101-000000-ab12", "key-phrases", 3)).to.equal("roadmapx-20260101-000000-ab12-key-phrases-3");
  });

  it("checks options before anything is read: operations, one supported language, oversize, limits", () => {
    const bad: [Parameters<typeof checkAsyncOptions>[0], RegExp][] = [
      [{ operations: [] }, /^operations: name at least one/],
      [{ operations: ["sentiments" as never] }, /^operations: "sentiments" is not an operation/],
      [{ operations: ["sentiment", "sentiment"] }, /named twice/],
      [{ operations: ["sentiment"], language: "auto" }, /^language: "auto"/],
      [{ operations: ["entities"], language: "sv" }, /^language: StartEntitiesDetectionJob does not support "sv"/],
      [{ operations: ["sentiment"], oversize: "trim" as never }, /^oversize: "trim" is none of refuse, split, reject/],
      [{ operations: ["sentiment"], waitTimeoutMs: 0 }, /^waitTimeoutMs: must be a number above 0/],
      [{ operations: ["sentiment"], limits: { maxLinesPerJob: 1.5 } }, /^limits.maxLinesPerJob: must be a whole number above 0/],
    ];
    for (const [options, message] of bad) expect(() => checkAsyncOptions(options), String(message)).to.throw(ComprehendInputError, message);
    // Dominant language takes any language code (it has none).
    expect(checkAsyncOptions({ operations: ["language"], language: "sv" }).maxLinesPerJob).to.equal(1_000_000);
  });
});

describe("Comprehend jobs: staging the input on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cj-unit-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const limits = (over: Partial<AsyncLimits>): AsyncLimits => ({ ...ASYNC_LIMITS, ...over });

  it("writes parts of at most maxLinesPerJob lines and maxBytesPerJob bytes, a document never across two", async () => {
    const items = Array.from({ length: 10 }, (_, i) => `document number ${i}`);
    const staged = await stageInput(() => items, settings(), limits({ maxLinesPerJob: 4 }), { tempDir: dir });
    expect(staged.parts.map((p) => [p.lines, p.documents])).to.deep.equal([
      [4, 4],
      [4, 4],
      [2, 2],
    ]);
    expect(readFileSync(staged.parts[1]?.file ?? "", "utf8")).to.equal(`${items.slice(4, 8).join("\n")}\n`);
    expect(staged).to.include({ documents: 10, lines: 10, units: 30, spill: undefined });
    expect(staged.bytes).to.equal(items.reduce((n, t) => n + t.length + 1, 0));

    const bySize = await stageInput(() => items, settings(), limits({ maxBytesPerJob: 40 }), { tempDir: dir });
    expect(bySize.parts.map((p) => p.bytes)).to.deep.equal([36, 36, 36, 36, 36]);
    await staged.dispose();
    await bySize.dispose();
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("keeps the split pieces of a document together, and counts documents not sent", async () => {
    const s = settings({ oversize: "split", documentBytes: { ...ASYNC_LIMITS.documentBytes, sentiment: 20 } });
    const staged = await stageInput(() => ["tiny one", "   ", "First part here. Second part here.", "last"], s, limits({ maxLinesPerJob: 2 }), {
      tempDir: dir,
    });
    expect(staged.parts.map((p) => [p.lines, p.documents])).to.deep.equal([
      [1, 2],
      [2, 1],
      [1, 1],
    ]);
    expect(readFileSync(staged.parts[1]?.file ?? "", "utf8")).to.equal("First part here. \nSecond part here.\n");
    await staged.dispose();
  });

  it("refuses, leaving nothing behind, more parts than Comprehend runs at once, an empty input, nothing to send", async () => {
    const items = Array.from({ length: 7 }, (_, i) => `document number ${i}`);
    const tooMany = await rejection(stageInput(() => items, settings(), limits({ maxLinesPerJob: 2, maxJobsPerType: 3 }), { tempDir: dir }));
    expect(tooMany.message).to.match(/^source: the input needs more than 3 jobs per operation .* nothing was uploaded/);
    expect((await rejection(stageInput(() => [], settings(), ASYNC_LIMITS, { tempDir: dir }))).message).to.equal(
      "source: the input has no documents: give at least one",
    );
    const none = await rejection(stageInput(() => ["", "  "], settings(), ASYNC_LIMITS, { tempDir: dir }));
    expect(none.message).to.match(/^source: none of the 2 document\(s\) can be sent \(document 1: EmptyDocument: /);
    const oversize = await rejection(stageInput(() => ["ok", "x".repeat(5121)], settings(), ASYNC_LIMITS, { tempDir: dir }));
    expect(oversize).to.be.instanceOf(OversizeDocumentError);
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("keeps the items of a source read once, with each document's shape, and refuses items that JSON cannot hold", async () => {
    async function* once() {
      yield { id: 1, text: "hello there" };
      yield { id: 2, text: "" };
    }
    const staged = await stageInput(once(), { ...settings(), getText: (d: { text: string }) => d.text }, ASYNC_LIMITS, { tempDir: dir });
    expect(staged.spill && existsSync(staged.spill)).to.equal(true);
    const lines = readFileSync(staged.spill ?? "", "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).to.deep.equal({ i: { id: 1, text: "hello there" }, s: { lines: 1, errors: {} } });
    expect(lines[1]).to.have.nested.property("s.errors.sentiment.code", "EmptyDocument");
    await staged.dispose();

    const circular: { text: string; self?: unknown } = { text: "loops" };
    circular.self = circular;
    const err = await rejection(stageInput([circular], { ...settings(), getText: (d: { text: string }) => d.text }, ASYNC_LIMITS, { tempDir: dir }));
    expect(err.message).to.match(/^source: document 1 cannot be kept as JSON until its results are read .* pass a function that returns the source again/);
    expect(readdirSync(dir)).to.deep.equal([]);
  });
});
