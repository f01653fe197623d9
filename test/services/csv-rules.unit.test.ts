/**
 * The CSV validator's rules one at a time (services/personalize/csv-columns.ts, csv-validator.ts,
 * csv-readiness.ts): each column type's checks and messages, the header's, the line-level ones,
 * and training readiness. Every case runs on the general path and on the fast path, which must
 * agree (csv-fast-path.unit.test.ts compares them at scale).
 */
import { expect } from "chai";
import { CsvValidator, MIN_INTERACTIONS, MIN_REPEAT_USERS, validateCsv, type ValidationReport } from "../../services/personalize/csv";
import { builtinSchema, type DatasetSchema, parseSchema } from "../../services/personalize/schemas";

const interactions = builtinSchema("interactions");
const items = builtinSchema("items");

/** The report for `text`, checked to be the same with and without the fast path. */
async function report(text: string | Buffer, schema: DatasetSchema = interactions, options: { maxReported?: number } = {}): Promise<ValidationReport> {
  const data = typeof text === "string" ? Buffer.from(text) : text;
  const general = await validateCsv([data], schema, { ...options, fastPath: false });
  const fast = await validateCsv([data], schema, options);
  expect(fast, "the fast path's report").to.deep.equal(general);
  return general;
}

/** Line, kind, column and message of each error. */
async function errors(text: string | Buffer, schema: DatasetSchema = interactions): Promise<string[]> {
  return (await report(text, schema)).errors.map((e) => `${e.line} ${e.kind}${e.column ? ` [${e.column}]` : ""}: ${e.message}`);
}

const HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n";
/** A schema with a column of every type. */
const every = parseSchema("items", {
  type: "record",
  name: "Every",
  fields: [
    { name: "ITEM_ID", type: "string" },
    { name: "N", type: "int" },
    { name: "BIG", type: "long" },
    { name: "PRICE", type: "double" },
    { name: "RATIO", type: ["null", "float"] },
    { name: "FREE", type: "boolean" },
    { name: "TAGS", type: ["null", "string"], categorical: true },
    { name: "CREATION_TIMESTAMP", type: "long" },
    { name: "NOTE", type: ["null", "string"] },
  ],
});
const EVERY_HEADER = "ITEM_ID,N,BIG,PRICE,RATIO,FREE,TAGS,CREATION_TIMESTAMP,NOTE\n";
const row = (values: Partial<Record<"id" | "n" | "big" | "price" | "ratio" | "free" | "tags" | "ts" | "note", string>>) =>
  [
    values.id ?? "i1",
    values.n ?? "1",
    values.big ?? "2",
    values.price ?? "1.5",
    values.ratio ?? "",
    values.free ?? "true",
    values.tags ?? "a|b",
    values.ts ?? "1700000000",
    values.note ?? "",
  ].join(",");

describe("CSV rules, one at a time", () => {
  describe("IDs and strings", () => {
    it("an ID of 256 characters passes however many bytes they take; 257 characters do not", async () => {
      expect(await errors(`${HEADER}${"é".repeat(256)},i1,1700000000,view\n`)).to.deep.equal([]);
      expect(await errors(`${HEADER}${"é".repeat(257)},i1,1700000000,view\n`)).to.deep.equal([
        "2 id-too-long [USER_ID]: USER_ID is 257 characters long; Personalize allows 256",
      ]);
      expect(await errors(`${HEADER}u1,${"x".repeat(300)},1700000000,view\n`)).to.deep.equal([
        "2 id-too-long [ITEM_ID]: ITEM_ID is 300 characters long; Personalize allows 256",
      ]);
    });

    it("a required column may not be empty; an optional one may", async () => {
      expect(await errors(`${HEADER},i1,1700000000,view\nu1,i1,1700000000,\n`)).to.deep.equal([
        "2 required-empty [USER_ID]: USER_ID is empty, and the schema requires it",
      ]);
      const required = parseSchema("users", {
        type: "record",
        name: "U",
        fields: [
          { name: "USER_ID", type: "string" },
          { name: "NAME", type: "string" },
        ],
      });
      expect(await errors("USER_ID,NAME\nu1,\nu2,Bo\n", required)).to.deep.equal(["2 required-empty [NAME]: NAME is empty, and the schema requires it"]);
    });

    it("categorical values may not have an empty part between, before or after the separators", async () => {
      const bad = ["|a", "a|", "a||b", "|"];
      for (const tags of bad) {
        expect(await errors(`${EVERY_HEADER}${row({ tags })}\n`, every), tags).to.deep.equal([
          `2 multi-value-empty [TAGS]: TAGS "${tags}" has an empty value between "|" separators`,
        ]);
      }
      for (const tags of ["a", "a|b|c", "ab|cd"]) expect(await errors(`${EVERY_HEADER}${row({ tags })}\n`, every), tags).to.deep.equal([]);
    });

    it("quotes at most 60 characters of a categorical value, and 40 of any other, in a message", async () => {
      const tags = `${"t".repeat(70)}||x`;
      expect(await errors(`${EVERY_HEADER}${row({ tags })}\n`, every)).to.deep.equal([
        `2 multi-value-empty [TAGS]: TAGS "${"t".repeat(60)}" has an empty value between "|" separators`,
      ]);
      expect(await errors(`${EVERY_HEADER}${row({ n: "9".repeat(45) + "x" })}\n`, every)).to.deep.equal([
        `2 not-integer [N]: N "${"9".repeat(40)}" is not a whole number`,
      ]);
      // Multi-byte characters are cut on a character, not a byte.
      expect(await errors(`${EVERY_HEADER}${row({ n: "é".repeat(45) })}\n`, every)).to.deep.equal([
        `2 not-integer [N]: N "${"é".repeat(40)}" is not a whole number`,
      ]);
    });
  });

  describe("numbers", () => {
    it("integers are digits with an optional minus, within 32 bits for an int", async () => {
      for (const n of ["0", "-1", "2147483647", "-2147483648", "007"]) expect(await errors(`${EVERY_HEADER}${row({ n })}\n`, every), n).to.deep.equal([]);
      for (const n of ["2147483648", "-2147483649"]) {
        expect(await errors(`${EVERY_HEADER}${row({ n })}\n`, every), n).to.deep.equal([
          `2 integer-out-of-range [N]: N ${n} does not fit an int (32 bits); make the field a long`,
        ]);
      }
      for (const n of ["1.5", "-", "1e3", "+1", " 1", "x"]) {
        expect(await errors(`${EVERY_HEADER}${row({ n })}\n`, every), n).to.deep.equal([`2 not-integer [N]: N "${n}" is not a whole number`]);
      }
      // A long has no 32-bit limit.
      expect(await errors(`${EVERY_HEADER}${row({ big: "9007199254740991" })}\n`, every)).to.deep.equal([]);
      expect(await errors(`${EVERY_HEADER}${row({ big: "-9007199254740991" })}\n`, every)).to.deep.equal([]);
      expect(await errors(`${EVERY_HEADER}${row({ big: "12a" })}\n`, every)).to.deep.equal(['2 not-integer [BIG]: BIG "12a" is not a whole number']);
    });

    it("timestamps are whole epoch seconds from 1970 up to 10^11; more looks like milliseconds", async () => {
      for (const ts of ["0", "1700000000", "100000000000"]) expect(await errors(`${EVERY_HEADER}${row({ ts })}\n`, every), ts).to.deep.equal([]);
      expect(await errors(`${EVERY_HEADER}${row({ ts: "100000000001" })}\n`, every)).to.deep.equal([
        "2 timestamp-milliseconds [CREATION_TIMESTAMP]: CREATION_TIMESTAMP 100000000001 looks like milliseconds: Personalize wants Unix epoch seconds (divide by 1000)",
      ]);
      expect(await errors(`${EVERY_HEADER}${row({ ts: "-1" })}\n`, every)).to.deep.equal([
        "2 timestamp-negative [CREATION_TIMESTAMP]: CREATION_TIMESTAMP -1 is before 1970",
      ]);
      expect(await errors(`${EVERY_HEADER}${row({ ts: "2023-11-14" })}\n`, every)).to.deep.equal([
        '2 not-integer [CREATION_TIMESTAMP]: CREATION_TIMESTAMP "2023-11-14" is not a whole number (Unix epoch seconds)',
      ]);
      // An optional timestamp may be empty.
      expect(await errors(`ITEM_ID,CREATION_TIMESTAMP\ni1,\n`, items)).to.deep.equal([]);
    });

    it("floats and doubles are finite numbers; an optional one may be empty", async () => {
      for (const price of ["1", "-0.5", "1e3", ".5", "0x10"]) expect(await errors(`${EVERY_HEADER}${row({ price })}\n`, every), price).to.deep.equal([]);
      for (const price of ["abc", "Infinity", "1,5".replace(",", ";"), " "]) {
        expect(await errors(`${EVERY_HEADER}${row({ price })}\n`, every), price).to.deep.equal([`2 not-number [PRICE]: PRICE "${price}" is not a number`]);
      }
      expect(await errors(`${EVERY_HEADER}${row({ ratio: "NaN" })}\n`, every)).to.deep.equal(['2 not-number [RATIO]: RATIO "NaN" is not a number']);
      expect(await errors(`${EVERY_HEADER}${row({ price: "" })}\n`, every)).to.deep.equal([
        "2 required-empty [PRICE]: PRICE is empty, and the schema requires it",
      ]);
    });

    it("booleans are true or false, lowercase", async () => {
      expect(await errors(`${EVERY_HEADER}${row({ free: "false" })}\n`, every)).to.deep.equal([]);
      for (const free of ["True", "1", "yes"]) {
        expect(await errors(`${EVERY_HEADER}${row({ free })}\n`, every), free).to.deep.equal([`2 not-boolean [FREE]: FREE "${free}" is not true or false`]);
      }
    });

    it("checks quoted values by the same rules", async () => {
      expect(await errors(`${EVERY_HEADER}"i,1","-3","4","2.5","","false","x|y","1700000000","a ""note"""\n`, every)).to.deep.equal([]);
      expect(await errors(`${EVERY_HEADER}"i1","x","4","2.5","","false","x||y","1700000000000",""\n`, every)).to.deep.equal([
        '2 not-integer [N]: N "x" is not a whole number',
        '2 multi-value-empty [TAGS]: TAGS "x||y" has an empty value between "|" separators',
        "2 timestamp-milliseconds [CREATION_TIMESTAMP]: CREATION_TIMESTAMP 1700000000000 looks like milliseconds: Personalize wants Unix epoch seconds (divide by 1000)",
      ]);
    });
  });

  describe("the header", () => {
    it("names unknown, duplicate and missing columns, and the schema's fields", async () => {
      expect(await errors("USER_ID,ITEM_ID,ITEM_ID,RATING\nu1,i1,i1,5\n")).to.deep.equal([
        "1 header-duplicate-column [ITEM_ID]: column ITEM_ID appears twice in the header",
        "1 header-unknown-column [RATING]: column RATING is not a field of the interactions schema (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE)",
        "1 header-missing-column [TIMESTAMP]: the header has no TIMESTAMP column, which the interactions schema requires",
      ]);
    });

    it("a quoted header is reported, and its names are still read", async () => {
      expect(await errors('"USER_ID","ITEM_ID","TIMESTAMP"\nu1,i1,1700000000\n')).to.deep.equal([
        "1 header-quoted: the header row must not be quoted: write the field names as they are",
      ]);
    });

    it("trims names, drops a byte-order mark and takes columns in any order; optional columns may be left out", async () => {
      expect(await errors("\ufeffTIMESTAMP , USER_ID,ITEM_ID\n1700000000,u1,i1\n")).to.deep.equal([]);
      expect(await errors("\ufeffTIMESTAMP,USER_ID,ITEM_ID\n1700000000,u1,x\n")).to.deep.equal([]);
      // A byte-order mark further down is data.
      expect(await errors("USER_ID,ITEM_ID,TIMESTAMP\n\ufeffu1,i1,1700000000\n")).to.deep.equal([]);
      expect(await errors("USER_ID,ITEM_ID,TIMESTAMP\n\ufeff,i1,1700000000\n")).to.deep.equal([]);
    });

    it("values of an unknown or duplicate column are not checked", async () => {
      expect(await errors("USER_ID,ITEM_ID,TIMESTAMP,RATING,TIMESTAMP\nu1,i1,1700000000,x,notanumber\n")).to.deep.equal([
        "1 header-unknown-column [RATING]: column RATING is not a field of the interactions schema (USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE)",
        "1 header-duplicate-column [TIMESTAMP]: column TIMESTAMP appears twice in the header",
      ]);
    });
  });

  describe("lines", () => {
    it("counts values against the header's columns, singular and plural", async () => {
      expect(await errors(`${HEADER}u1\nu1,i1\nu1,i1,1,view,extra\n"u1"\n"u1","i1"\n`)).to.deep.equal([
        "2 field-count: 1 value, but the header has 4 columns",
        "3 field-count: 2 values, but the header has 4 columns",
        "4 field-count: 5 values, but the header has 4 columns",
        "5 field-count: 1 value, but the header has 4 columns",
        "6 field-count: 2 values, but the header has 4 columns",
      ]);
    });

    it("a line with more commas than the scanner first makes room for is counted right", async () => {
      const many = Array.from({ length: 150 }, (_, i) => `v${i}`).join(",");
      expect(await errors(`${HEADER}${many}\nu1,i1,1700000000,view\n`)).to.deep.equal(["2 field-count: 150 values, but the header has 4 columns"]);
      const wide = parseSchema("users", {
        type: "record",
        name: "Wide",
        fields: [{ name: "USER_ID", type: "string" }, ...Array.from({ length: 99 }, (_, i) => ({ name: `C${i}`, type: "int" }))],
      });
      const header = ["USER_ID", ...Array.from({ length: 99 }, (_, i) => `C${i}`)].join(",");
      const values = ["u1", ...Array.from({ length: 99 }, (_, i) => (i === 98 ? "x" : String(i)))].join(",");
      expect(await errors(`${header}\n${values}\n${values.replace(",x", ",7")}\n`, wide)).to.deep.equal(['2 not-integer [C98]: C98 "x" is not a whole number']);
    });

    it("an empty line is an error only when a record follows it; trailing blank lines are fine", async () => {
      expect(await errors(`${HEADER}u1,i1,1700000000,view\n\n\nu2,i2,1700000000,view\n\n\n`)).to.deep.equal([
        "3 empty-line: empty line in the middle of the file: remove it",
      ]);
      expect(await errors(`${HEADER}\nu2,i2,1700000000,view\n`)).to.deep.equal(["2 empty-line: empty line in the middle of the file: remove it"]);
      expect((await report(`${HEADER}u1,i1,1700000000,view\n\r\n`)).valid).to.equal(true);
    });

    it("takes CRLF line ends, and reads a last line without one", async () => {
      const r = await report(`USER_ID,ITEM_ID,TIMESTAMP\r\nu1,i1,1700000000\r\nu2,i2,1700000001`);
      expect(r).to.include({ valid: true, rows: 2 });
      expect(await errors(`USER_ID,ITEM_ID,TIMESTAMP\r\nu1,i1,17000x\r\n`)).to.deep.equal([
        '2 not-integer [TIMESTAMP]: TIMESTAMP "17000x" is not a whole number (Unix epoch seconds)',
      ]);
    });

    it("a quoted value that runs past its line is one error, and the record's other lines are skipped up to the closing quote", async () => {
      expect(await errors(`${HEADER}u1,i1,1700000000,"multi\nline\nstill "" inside\nend"\nu2,i2,bad,view\n`)).to.deep.equal([
        "2 multiline-record: a quoted value runs past the end of the line: Personalize reads one record per line",
        '6 not-integer [TIMESTAMP]: TIMESTAMP "bad" is not a whole number (Unix epoch seconds)',
      ]);
    });

    it("reports quoting that is not valid CSV", async () => {
      expect(await errors(`${HEADER}u1,i1,1700000000,"a"b"c"\n`)).to.deep.equal(["2 malformed-quotes: the quoting is not valid CSV (Invalid Closing Quote)"]);
    });

    it("reports bytes that are not UTF-8 on their line, and reads the lines around them", async () => {
      const data = Buffer.concat([Buffer.from(`${HEADER}u1,i1,1700000000,view\nu`), Buffer.from([0xff]), Buffer.from(`,i2,1700000000,view\nu3,i3,x,view\n`)]);
      expect(await errors(data)).to.deep.equal([
        "3 invalid-utf8: the file is not valid UTF-8 here: save it as UTF-8 (Personalize reads nothing else)",
        '4 not-integer [TIMESTAMP]: TIMESTAMP "x" is not a whole number (Unix epoch seconds)',
      ]);
    });

    it("an empty file, and a file of blank lines, have no header", async () => {
      for (const text of ["", "\n\n"]) {
        expect(await errors(text), JSON.stringify(text)).to.deep.equal(["1 empty-file: the file is empty: it needs a header row and data rows"]);
      }
      expect((await report("")).rows).to.equal(0);
    });
  });

  describe("the report", () => {
    it("counts rows, bytes and errors by kind, and lists the first 20 in full by default", async () => {
      const lines = Array.from({ length: 30 }, (_, i) => `u${i},i${i},${i % 2 ? "x" : "1700000000000"},view`).join("\n");
      const text = `${HEADER}${lines}\n`;
      const r = await report(text);
      expect(r).to.include({ datasetType: "interactions", valid: false, rows: 30, bytes: Buffer.byteLength(text), errorCount: 30 });
      expect(r.errors).to.have.length(20);
      expect(r.errorCounts).to.deep.equal({ "timestamp-milliseconds": 15, "not-integer": 15 });
      expect(r.warnings).to.deep.equal([]);
      expect((await report(text, interactions, { maxReported: 0 })).errors).to.deep.equal([]);
    });

    it("a valid file's report", async () => {
      const text = "ITEM_ID,CATEGORY\ni1,books|films\n";
      expect(await report(text, items)).to.deep.equal({
        datasetType: "items",
        valid: true,
        rows: 1,
        bytes: Buffer.byteLength(text),
        errors: [],
        errorCount: 0,
        errorCounts: {},
        warnings: [],
      });
    });

    it("reports each chunk's bytes, whatever their type, and the same however the file is cut", async () => {
      const text = `${HEADER}u1,i1,1700000000,"a, b"\nüser,i2,1700000001,view\nu3,i3,x,view`;
      const whole = await validateCsv([text], interactions);
      for (const cut of [1, 2, 3, 7, 40]) {
        const bytes = Buffer.from(text);
        const chunks: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; at += cut) chunks.push(new Uint8Array(bytes.subarray(at, at + cut)));
        expect(await validateCsv(chunks, interactions), `cut ${cut}`).to.deep.equal(whole);
      }
      expect(whole.bytes).to.equal(Buffer.byteLength(text));
      expect(whole.rows).to.equal(3);
    });

    it("calls onFirstError once, with the first error, and `failed` says whether there was one", () => {
      const seen: string[] = [];
      const validator = new CsvValidator(interactions, { onFirstError: (e) => seen.push(`${e.line}:${e.kind}`) });
      validator.write(Buffer.from(`${HEADER}u1,i1,1700000000,view\n`));
      expect(validator.failed).to.equal(false);
      validator.write(Buffer.from("u2,i2,x,view\n,i3,1,view\n"));
      expect(validator.failed).to.equal(true);
      expect(seen).to.deep.equal(["3:not-integer"]);
      expect(validator.end().errors.map((e) => e.kind)).to.deep.equal(["not-integer", "required-empty"]);
    });
  });

  describe("training readiness", () => {
    const rows = (count: number, user: (i: number) => string) => Array.from({ length: count }, (_, i) => `${user(i)},i${i},1700000000`).join("\n");

    it(`needs ${MIN_INTERACTIONS} interactions: one fewer is a warning`, async () => {
      const user = (i: number) => `u${i % 30}`;
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(1000, user)}\n`)).warnings).to.deep.equal([]);
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(999, user)}\n`)).warnings).to.deep.equal([
        "only 999 interactions: Personalize needs at least 1000 to train a solution",
      ]);
    });

    it(`needs ${MIN_REPEAT_USERS} users with two interactions or more, however their IDs are quoted`, async () => {
      // 25 users twice each, the rest once: enough.
      const enough = (i: number) => (i < 50 ? `u${i % 25}` : `once-${i}`);
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(1000, enough)}\n`)).warnings).to.deep.equal([]);
      const quoted = (i: number) => (i < 50 ? `"u${i % 25}"` : `once-${i}`);
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(1000, quoted)}\n`)).warnings).to.deep.equal([]);
      const few = (i: number) => (i < 48 ? `u${i % 24}` : `once-${i}`);
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(1000, few)}\n`)).warnings).to.deep.equal([
        "only 24 users with 2 or more interactions: Personalize needs at least 25 to train",
      ]);
      const distinct = (i: number) => `user-${i}`;
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\n${rows(1000, distinct)}\n`)).warnings).to.deep.equal([
        "only 0 users with 2 or more interactions: Personalize needs at least 25 to train",
      ]);
    });

    it("says when 100,000 distinct users came by before 25 repeated", async () => {
      const lines: string[] = [];
      for (let i = 0; i < 100_001; i++) lines.push(`user-${i},i,1700000000`);
      for (let i = 0; i < 30; i++) lines.push(`user-${i},i,1700000000`, `user-${i},i,1700000000`);
      const r = await validateCsv([Buffer.from(`USER_ID,ITEM_ID,TIMESTAMP\n${lines.join("\n")}\n`)], interactions);
      expect(r.warnings).to.deep.equal(["could not confirm 25 users with 2+ interactions within the first 100000 distinct users"]);
    });

    it("says nothing about readiness for an invalid file, or for items and users", async () => {
      expect((await report(`USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,x\n`)).warnings).to.deep.equal([]);
      expect((await report(`ITEM_ID\ni1\n`, items)).warnings).to.deep.equal([]);
      // An interactions file without a USER_ID column has other problems, and no readiness count.
      expect((await report(`ITEM_ID,TIMESTAMP\ni1,1700000000\n`)).warnings).to.deep.equal([]);
    });
  });
});
