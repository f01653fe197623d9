/**
 * The validator's WebAssembly fast path (services/personalize/fast-lines.ts) must never change a
 * report: every test here validates the same bytes with and without it and compares the reports
 * whole. The mutations are the ones a real export goes wrong with, placed anywhere in the file and
 * fed in chunks of random sizes, so lines straddle chunk and window boundaries.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { compileLineScanner } from "../../scripts/build-wasm";
import { builtinSchema, CsvValidator, type DatasetSchema, type ValidationReport } from "../../services/personalize";
import { LINE_SCANNER_WASM_HEX } from "../../services/personalize/wasm/line-scanner.wasm";

const CORPUS = join(__dirname, "..", "fixtures", "csv");

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validate(schema: DatasetSchema, data: Buffer, fastPath: boolean, chunkSizes: () => number): { report: ValidationReport; fastLines: number } {
  const validator = new CsvValidator(schema, { fastPath, maxReported: 1000 });
  for (let at = 0; at < data.length;) {
    const size = Math.max(1, chunkSizes());
    validator.write(data.subarray(at, at + size));
    at += size;
  }
  return { report: validator.end(), fastLines: validator.linesOnFastPath };
}

function bothWays(schema: DatasetSchema, data: Buffer, seed: number): { fast: ReturnType<typeof validate>; general: ReturnType<typeof validate> } {
  const sizes = (s: number) => {
    const r = random(s);
    return () => (r() < 0.5 ? Math.floor(r() * 64) : Math.floor(r() * 300_000));
  };
  return { fast: validate(schema, data, true, sizes(seed)), general: validate(schema, data, false, sizes(seed)) };
}

/** Interactions: 60 rows where 30 users repeat (so readiness tracking ends), then varied valid rows. */
function interactions(rows: number, r: () => number, crlf = false): string[] {
  const lines = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
  for (let i = 0; i < 60; i++) lines.push(`user-${i % 30},item-${i},${1_700_000_000 + i},view`);
  for (let i = 0; i < rows; i++) {
    const user = r() < 0.05 ? `ü-${i}-名前` : `user-${Math.floor(r() * 5000)}`;
    const event = r() < 0.1 ? "" : r() < 0.5 ? "click" : "purchase";
    lines.push(`${user},item-${Math.floor(r() * 9000)},${1_600_000_000 + Math.floor(r() * 1e8)},${event}`);
  }
  return crlf ? lines.map((l) => `${l}\r`) : lines;
}

/** What goes wrong in real exports, applied to one line. */
const MUTATIONS: ((line: string, r: () => number) => string)[] = [
  (l) => `"${l.replace(",", '","')}"`, // quoted values
  (l) => l.replace(/,/, ',"a,b",').replace(/,[^,]*$/, ""), // a quoted comma, same column count
  (l) => `${l},"unclosed`, // a quote that runs past the line
  (l) => l.replace(",", ""), // a missing column
  (l) => `${l},extra`, // an extra column
  () => "", // an empty line in the middle
  (l) => l.replace(/,(\d+),/, (_, t: string) => `,${t}123,`), // milliseconds
  (l) => l.replace(/,(\d+),/, ",16x0000000,"), // a letter in the timestamp
  (l) => l.replace(/,(\d+),/, ",-5,"), // negative
  (l) => l.replace(/,(\d+),/, ",,"), // empty timestamp
  (l) => l.replace(/,(\d+),/, ",12345678901234567,"), // 17 digits
  (l) => l.replace(/^[^,]*/, ""), // empty USER_ID
  (l) => l.replace(/^[^,]*/, "u".repeat(256)), // ID at the limit (fine)
  (l) => l.replace(/^[^,]*/, "u".repeat(257)), // ID over the limit
  (l) => l.replace(/^[^,]*/, "é".repeat(129)), // 258 bytes, 129 characters
  (l) => `${l}\r`, // one CRLF line among LF lines
  (l) => l.replace("item", "it\rem"), // a lone CR inside a value
  (l) => `${l.slice(0, 3)}\u0000${l.slice(3)}`, // a NUL byte
  (l) => `${l} `, // trailing space in the last value
]; // (invalid UTF-8 is added on bytes, below)

describe("CSV validator fast path (WebAssembly): the same report as the general path, faster", () => {
  it("runs the WebAssembly that line-scanner.wat compiles to (rebuild with npm run build:wasm)", async () => {
    const compiled = Buffer.from(await compileLineScanner()).toString("hex");
    expect(compiled).to.equal(LINE_SCANNER_WASM_HEX);
  });

  it("vouches for nearly every line of a clean interactions file, with the same report", () => {
    const data = Buffer.from(`${interactions(20_000, random(1)).join("\n")}\n`);
    const { fast, general } = bothWays(builtinSchema("interactions"), data, 7);
    expect(fast.report).to.deep.equal(general.report);
    expect(fast.report.valid).to.equal(true);
    expect(fast.report.rows).to.equal(20_060);
    expect(fast.fastLines).to.be.greaterThan(19_000);
    expect(general.fastLines).to.equal(0);
  });

  it("gives the general path's report for 400 files, each with 1-3 of the usual export mistakes anywhere", () => {
    let fastLinesSeen = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = random(seed);
      const lines = interactions(300 + Math.floor(r() * 400), r, r() < 0.15);
      const mutations = 1 + Math.floor(r() * 3);
      for (let m = 0; m < mutations; m++) {
        const at = 1 + Math.floor(r() * (lines.length - 1));
        const mutate = MUTATIONS[Math.floor(r() * MUTATIONS.length)] as (typeof MUTATIONS)[number];
        lines[at] = mutate(lines[at] as string, r);
      }
      let data = Buffer.from(lines.join("\n") + (r() < 0.8 ? "\n" : ""));
      if (r() < 0.1) {
        const at = Math.floor(r() * data.length);
        data = Buffer.concat([data.subarray(0, at), Buffer.from([0xff]), data.subarray(at)]);
      }
      const { fast, general } = bothWays(builtinSchema("interactions"), data, seed);
      expect(fast.report, `seed ${seed}`).to.deep.equal(general.report);
      fastLinesSeen += fast.fastLines;
    }
    expect(fastLinesSeen).to.be.greaterThan(100_000, "most lines went through the fast path");
  });

  it("gives the general path's report for every file in the bad-CSV corpus", () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".csv"));
    expect(files.length).to.be.greaterThan(5);
    for (const file of files) {
      const type = file.includes("items") ? "items" : file.includes("users") ? "users" : "interactions";
      const data = readFileSync(join(CORPUS, file));
      const { fast, general } = bothWays(builtinSchema(type), data, file.length);
      expect(fast.report, file).to.deep.equal(general.report);
    }
  });

  it("handles a file given whole, across 1 MiB windows, with a line longer than a window", () => {
    const lines = interactions(60_000, random(5));
    lines.splice(30_000, 0, `user-1,item-1,1700000000,${"x".repeat(1_200_000)}`);
    const data = Buffer.from(`${lines.join("\n")}\n`);
    expect(data.length).to.be.greaterThan(3 * 1024 * 1024);
    const schema = builtinSchema("interactions");
    const whole = () => data.length;
    const fast = validate(schema, data, true, whole);
    const general = validate(schema, data, false, whole);
    expect(fast.report).to.deep.equal(general.report);
    expect(fast.report.rows).to.equal(60_061);
    expect(fast.fastLines).to.be.greaterThan(59_000);
  });

  it("stays fast through blank lines and multi-line records: only those lines take the general path", () => {
    const lines = interactions(30_000, random(9));
    for (let at = 1000; at < lines.length; at += 1000) lines[at] = at % 2000 === 0 ? "" : `${lines[at]},"runs on\nto the next line"`;
    const data = Buffer.from(`${lines.join("\n")}\n`);
    const { fast, general } = bothWays(builtinSchema("interactions"), data, 11);
    expect(fast.report).to.deep.equal(general.report);
    expect(fast.report.valid).to.equal(false);
    expect(fast.fastLines).to.be.greaterThan(29_000);
  });

  it("keeps to the general path for schemas whose columns always need the full check", () => {
    const data = Buffer.from(
      `ITEM_ID,CATEGORY,CREATION_TIMESTAMP\n${Array.from({ length: 500 }, (_, i) => `item-${i},books,${1_700_000_000 + i}`).join("\n")}\n`,
    );
    const { fast, general } = bothWays(builtinSchema("items"), data, 3);
    expect(fast.report).to.deep.equal(general.report);
    expect(fast.fastLines).to.equal(0);
  });
});
