/**
 * The job path's output side, as pure functions on bytes: reading output.tar.gz as a stream (tar
 * headers of every kind an archiver writes, records split anywhere), finding JSON records whatever
 * their layout, putting them back in line order with bounded memory (and spilling when the order
 * is bad), and records to our results and per-document errors.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { expect } from "chai";
import { JsonObjectSplitter, OutputFormatError, type OutputRecord, outputRecords, TarReader, toRecord } from "../../services/comprehend/job-archive";
import { inLineOrder } from "../../services/comprehend/job-order";
import { outcomeOf } from "../../services/comprehend/job-output";
import { tarOf } from "../helpers/tar";

/** The bytes in pieces of `size` (1: every byte its own chunk). */
async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

const record = (line: number, extra: Record<string, unknown> = { Sentiment: "POSITIVE" }) => JSON.stringify({ File: "documents.txt", Line: line, ...extra });

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("Comprehend jobs: reading output archives", () => {
  it("reads the records of output.tar.gz as a stream, whatever the chunking, skipping directories", async () => {
    const lines = Array.from({ length: 300 }, (_, i) => record(i, { Sentiment: i % 2 ? "NEGATIVE" : "POSITIVE", Note: 'a } and a { in a "string"' }));
    const archive = gzipSync(tarOf([{ name: "output", data: `${lines.join("\n")}\n` }], { directory: "dir/" }));
    for (const size of [1, 7, 512, 65536]) {
      const out = await all(outputRecords(chunks(archive, size), "tar.gz", "test"));
      expect(
        out.map((r) => r.line),
        `chunks of ${size}`,
      ).to.deep.equal(lines.map((_, i) => i));
      expect(out[1]?.value["Sentiment"]).to.equal("NEGATIVE");
      expect(out[1]?.value["Note"]).to.equal('a } and a { in a "string"');
    }
  });

  it("takes every regular file of the archive, named by ustar, pax or GNU headers", () => {
    const seen: [string, string][] = [];
    const longName = `${"deep/".repeat(30)}output`;
    const tar = tarOf([
      { name: "a", data: "first" },
      { name: longName, data: "second", kind: "pax" },
      { name: `${longName}-2`, data: "third", kind: "gnu" },
    ]);
    const reader = new TarReader("test", (name, bytes) => seen.push([name, bytes.toString()]));
    for (let i = 0; i < tar.length; i += 100) reader.push(tar.subarray(i, i + 100));
    reader.end();
    expect(seen).to.deep.equal([
      ["a", "first"],
      [longName, "second"],
      [`${longName}-2`, "third"],
    ]);
  });

  it("finds pretty-printed records and JSON arrays of them as well as JSON lines", () => {
    const found: unknown[] = [];
    const splitter = new JsonObjectSplitter("test", (raw) => found.push(JSON.parse(raw.toString())));
    const text = `[\n  {\n    "File": "d", "Line": 0,\n    "Entities": [{"Text": "x\\"}"}]\n  },\n  {"File": "d", "Line": 1}\n]\n`;
    for (const ch of Buffer.from(text)) splitter.push(Buffer.from([ch]));
    splitter.end();
    expect(found).to.deep.equal([
      { File: "d", Line: 0, Entities: [{ Text: 'x"}' }] },
      { File: "d", Line: 1 },
    ]);
  });

  it("says what is wrong with output that is not a job's: not gzip, not tar, cut short, not JSON, no Line", async () => {
    const tarOfLines = (text: string) => gzipSync(tarOf([{ name: "output", data: text }]));
    const cases: [Buffer, "tar.gz" | "lines", RegExp][] = [
      [Buffer.from("plain text"), "tar.gz", /not a gzip stream/],
      [gzipSync(Buffer.alloc(512, 1)), "tar.gz", /a tar header without the ustar magic/],
      [gzipSync(tarOf([{ name: "output", data: record(0) }]).subarray(0, 520)), "tar.gz", /the archive ends inside a file/],
      [tarOfLines(`${record(0)}\nnot json\n`), "tar.gz", /unexpected "n" between result records/],
      [Buffer.from('{"File": "d"}\n'), "lines", /a record without a 0-based Line/],
      [Buffer.from('{"File": "d", "Line": 0'), "lines", /the output ends inside a record/],
    ];
    for (const [bytes, format, message] of cases) {
      const err = await rejection(all(outputRecords(chunks(bytes, 64), format, "s3://b/k")));
      expect(err, String(message)).to.be.instanceOf(OutputFormatError);
      expect(err.message).to.match(message);
      expect(err.message).to.match(/^s3:\/\/b\/k: .*\(not the output format of a Comprehend analysis job\)$/);
    }
  });
});

describe("Comprehend jobs: records back in line order", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cj-order-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const records = (order: number[]): OutputRecord[] => order.map((line) => toRecord(Buffer.from(record(line, { Sentiment: `S${line}` })), "test"));
  async function* from(rs: OutputRecord[], seen?: number[]): AsyncGenerator<OutputRecord> {
    for (const r of rs) {
      seen?.push(r.line);
      yield r;
    }
  }

  it("passes records in order at once, and waits for a late one within the window", async () => {
    const pulled: number[] = [];
    const ordered = inLineOrder(from(records([0, 1, 3, 2, 4]), pulled), 5, { where: "t", window: 2, tempDir: dir });
    const first = await ordered.next();
    expect(first.value?.line).to.equal(0);
    expect(pulled).to.deep.equal([0], "nothing read ahead of what was asked");
    const rest = await all(ordered);
    expect(rest.map((r) => r.line)).to.deep.equal([1, 2, 3, 4]);
    expect(readdirSync(dir)).to.deep.equal([], "no spill within the window");
  });

  it("spills to a file when the window overflows, and still hands every record over in order, then removes the file", async () => {
    const shuffled = Array.from({ length: 1000 }, (_, i) => (i * 389) % 1000);
    const ordered = inLineOrder(from(records(shuffled)), 1000, { where: "t", window: 10, tempDir: dir });
    const out: OutputRecord[] = [];
    for await (const r of ordered) {
      out.push(r);
      if (out.length === 500) expect(readdirSync(dir)).to.have.length(1, "spilled while reading");
    }
    expect(out.map((r) => r.line)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i));
    expect(out.map((r) => r.value["Sentiment"])).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `S${i}`));
    expect(readdirSync(dir)).to.deep.equal([]);
  });

  it("gives a line the output lacks a MissingResult record, and refuses a line twice or past the input", async () => {
    const out = await all(inLineOrder(from(records([0, 2])), 4, { where: "t", tempDir: dir }));
    expect(out.map((r) => [r.line, r.value["ErrorCode"] ?? "ok"])).to.deep.equal([
      [0, "ok"],
      [1, "MissingResult"],
      [2, "ok"],
      [3, "MissingResult"],
    ]);
    expect((await rejection(all(inLineOrder(from(records([0, 1, 1])), 3, { where: "t", tempDir: dir })))).message).to.match(/^t: line 1 appears twice/);
    expect((await rejection(all(inLineOrder(from(records([2, 0, 3])), 3, { where: "t", window: 1, tempDir: dir })))).message).to.match(
      /^t: a record for line 3, but the job's input has 3 line\(s\)/,
    );
    expect(readdirSync(dir)).to.deep.equal([]);
  });
});

describe("Comprehend jobs: records to results", () => {
  const rec = (value: Record<string, unknown>) => toRecord(Buffer.from(JSON.stringify({ File: "d", Line: 0, ...value })), "t");

  it("reads each operation's fields as the sync API's, and ErrorCode/ErrorMessage as the document's error", () => {
    expect(outcomeOf("sentiment", rec({ Sentiment: "MIXED", SentimentScore: { Positive: 0.4, Negative: 0.4, Neutral: 0.1, Mixed: 0.1 } }))).to.deep.equal({
      result: { sentiment: "MIXED", scores: { positive: 0.4, negative: 0.4, neutral: 0.1, mixed: 0.1 } },
    });
    expect(outcomeOf("entities", rec({ Entities: [{ Text: "Paris", Type: "LOCATION", Score: 0.9, BeginOffset: 3, EndOffset: 8 }] })).result).to.deep.equal([
      { text: "Paris", type: "LOCATION", score: 0.9, begin: 3, end: 8 },
    ]);
    expect(outcomeOf("key-phrases", rec({ KeyPhrases: [{ Text: "a b", Score: 1, BeginOffset: 0, EndOffset: 3 }] })).result).to.deep.equal([
      { text: "a b", score: 1, begin: 0, end: 3 },
    ]);
    expect(
      outcomeOf(
        "language",
        rec({
          Languages: [
            { LanguageCode: "fr", Score: 0.2 },
            { LanguageCode: "en", Score: 0.7 },
          ],
        }),
      ).result,
    ).to.deep.include({ languageCode: "en", score: 0.7 });
    expect(outcomeOf("pii", rec({ Entities: [{ Type: "EMAIL", Score: 1, BeginOffset: 1, EndOffset: 9 }] })).result).to.deep.equal([
      { type: "EMAIL", score: 1, begin: 1, end: 9 },
    ]);
    expect(
      outcomeOf("pii", rec({ ErrorCode: "DOCUMENT_SIZE_EXCEEDED", ErrorMessage: "Document size exceeds maximum size limit 1048576 bytes." })),
    ).to.deep.equal({
      error: { code: "DOCUMENT_SIZE_EXCEEDED", message: "Document size exceeds maximum size limit 1048576 bytes." },
    });
  });
});
