import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { CsvValidator, MIN_INTERACTIONS, validateCsv } from "../../services/personalize/csv";
import { type DatasetType, SchemaError, builtinSchema, parseSchema } from "../../services/personalize/schemas";

const CORPUS = join(__dirname, "..", "fixtures", "csv");

interface Expected {
  file: string;
  type: DatasetType;
  errors: { line: number; kind: string; message: string }[];
}

const manifest = JSON.parse(readFileSync(join(CORPUS, "manifest.json"), "utf8")) as Expected[];

describe("Personalize CSV validation", () => {
  describe("the corpus of bad CSVs: each produces the error it must", () => {
    for (const entry of manifest) {
      it(`${entry.file}: ${entry.errors.length ? entry.errors.map((e) => `${e.kind} at line ${e.line}`).join(", ") : "valid"}`, async () => {
        const report = await validateCsv(createReadStream(join(CORPUS, entry.file)), builtinSchema(entry.type));
        expect(
          report.errors.map((e) => ({ line: e.line, kind: e.kind })),
          JSON.stringify(report.errors, null, 2),
        ).to.deep.equal(entry.errors.map((e) => ({ line: e.line, kind: e.kind })));
        for (const [i, e] of entry.errors.entries()) expect(report.errors[i]?.message).to.include(e.message);
        expect(report.valid).to.equal(entry.errors.length === 0);
        expect(report.errorCount).to.equal(entry.errors.length);
      });
    }
  });

  it("IDs may be 256 characters and not 257, on the fast path and through csv-parse (quoted)", async () => {
    const schema = builtinSchema("interactions");
    for (const quote of ["", '"']) {
      const id = (n: number) => `${quote}${"u".repeat(n)}${quote}`;
      const ok = await validateCsv([Buffer.from(`USER_ID,ITEM_ID,TIMESTAMP\n${id(256)},i1,1700000000\n`)], schema);
      expect(ok.errors, `256 ${quote}`).to.deep.equal([]);
      const long = await validateCsv([Buffer.from(`USER_ID,ITEM_ID,TIMESTAMP\n${id(257)},i1,1700000000\n`)], schema);
      expect(
        long.errors.map((e) => [e.kind, e.message]),
        `257 ${quote}`,
      ).to.deep.equal([["id-too-long", "USER_ID is 257 characters long; Personalize allows 256"]]);
    }
  });

  it("counts every error but lists only the first ones in full", async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `u${i},i${i},${1_700_000_000_000 + i}`).join("\n");
    const report = await validateCsv([Buffer.from(`USER_ID,ITEM_ID,TIMESTAMP\n${rows}\n`)], builtinSchema("interactions"), { maxReported: 5 });
    expect(report.errorCount).to.equal(500);
    expect(report.errorCounts).to.deep.equal({ "timestamp-milliseconds": 500 });
    expect(report.errors.map((e) => e.line)).to.deep.equal([2, 3, 4, 5, 6]);
    expect(report.rows).to.equal(500);
  });

  it("gives the same report however the bytes are chunked (multi-byte characters split across chunks)", async () => {
    const text = 'USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\nüser-1,ítem-😀,1700000000,view\nu2,i2,1700000001000,view\nu3,i3,1700000002,"a, b"\n';
    const whole = await validateCsv([Buffer.from(text)], builtinSchema("interactions"));
    const bytes = Buffer.from(text);
    const oneByOne = await validateCsv(
      (function* () {
        for (const b of bytes) yield Buffer.from([b]);
      })(),
      builtinSchema("interactions"),
    );
    expect(oneByOne).to.deep.equal(whole);
    expect(whole.errors.map((e) => e.kind)).to.deep.equal(["timestamp-milliseconds"]);
    expect(whole.rows).to.equal(3);
  });

  it("reports the first error as soon as it is seen (so an upload can stop at once)", () => {
    const seen: string[] = [];
    const validator = new CsvValidator(builtinSchema("interactions"), { onFirstError: (e) => seen.push(`${e.line}:${e.kind}`) });
    validator.write(Buffer.from("USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1\nu2,i2,bad\n"));
    expect(seen).to.deep.equal(["3:not-integer"]);
    expect(validator.failed).to.equal(true);
    validator.write(Buffer.from("u3,i3,worse\n"));
    expect(seen).to.have.length(1);
    expect(validator.end().errorCount).to.equal(2);
  });

  describe("training readiness (warnings, not errors)", () => {
    it(`warns below ${MIN_INTERACTIONS} interactions and below 25 users with 2+ interactions`, async () => {
      const rows = Array.from({ length: 30 }, (_, i) => `u${i % 20},i${i},${1_700_000_000 + i}`).join("\n");
      const report = await validateCsv([Buffer.from(`USER_ID,ITEM_ID,TIMESTAMP\n${rows}\n`)], builtinSchema("interactions"));
      expect(report.valid).to.equal(true);
      expect(report.warnings).to.deep.equal([
        "only 30 interactions: Personalize needs at least 1000 to train a solution",
        "only 10 users with 2 or more interactions: Personalize needs at least 25 to train",
      ]);
    });

    it("has nothing to say about a dataset ready to train", async () => {
      const report = await validateCsv(createReadStream(join(CORPUS, "good-interactions.csv")), builtinSchema("interactions"));
      expect(report).to.include({ valid: true, rows: 1200, errorCount: 0 });
      expect(report.warnings).to.deep.equal([]);
    });
  });

  describe("schemas", () => {
    it("parses a custom Avro schema with optional, categorical and numeric fields", () => {
      const schema = parseSchema("items", {
        type: "record",
        name: "Items",
        fields: [
          { name: "ITEM_ID", type: "string" },
          { name: "PRICE", type: ["null", "double"] },
          { name: "TAGS", type: "string", categorical: true },
          { name: "IS_FREE", type: "boolean" },
        ],
      });
      expect(schema.fields.map((f) => `${f.name}:${f.type}${f.nullable ? "?" : ""}${f.categorical ? "*" : ""}`)).to.deep.equal([
        "ITEM_ID:string",
        "PRICE:double?",
        "TAGS:string*",
        "IS_FREE:boolean",
      ]);
    });

    it("validates rows against a custom schema's types", async () => {
      const schema = parseSchema("items", {
        type: "record",
        name: "Items",
        fields: [
          { name: "ITEM_ID", type: "string" },
          { name: "PRICE", type: ["null", "double"] },
          { name: "STOCK", type: "int" },
          { name: "IS_FREE", type: "boolean" },
        ],
      });
      const report = await validateCsv([Buffer.from("ITEM_ID,PRICE,STOCK,IS_FREE\ni1,,3,true\ni2,abc,99999999999,yes\n")], schema);
      expect(report.errors.map((e) => `${e.line}:${e.kind}:${e.column}`)).to.deep.equal([
        "3:not-number:PRICE",
        "3:integer-out-of-range:STOCK",
        "3:not-boolean:IS_FREE",
      ]);
    });

    const badSchemas: [string, unknown, RegExp][] = [
      ["not a record", { type: "array" }, /must be an Avro record/],
      [
        "missing a required field",
        { type: "record", name: "I", fields: [{ name: "USER_ID", type: "string" }] },
        /an interactions schema needs a ITEM_ID field/,
      ],
      [
        "a nullable required field",
        {
          type: "record",
          name: "I",
          fields: [
            { name: "USER_ID", type: ["null", "string"] },
            { name: "ITEM_ID", type: "string" },
            { name: "TIMESTAMP", type: "long" },
          ],
        },
        /USER_ID must not be nullable/,
      ],
      [
        "an unsupported type",
        { type: "record", name: "I", fields: [{ name: "USER_ID", type: "bytes" }] },
        /field USER_ID has type "bytes"; use one of string, int, long/,
      ],
      [
        "a TIMESTAMP that is not a long",
        {
          type: "record",
          name: "I",
          fields: [
            { name: "USER_ID", type: "string" },
            { name: "ITEM_ID", type: "string" },
            { name: "TIMESTAMP", type: "string" },
          ],
        },
        /TIMESTAMP must be a long/,
      ],
      [
        "a categorical number",
        {
          type: "record",
          name: "I",
          fields: [
            { name: "USER_ID", type: "string" },
            { name: "ITEM_ID", type: "string" },
            { name: "TIMESTAMP", type: "long" },
            { name: "N", type: "int", categorical: true },
          ],
        },
        /only string fields can be/,
      ],
    ];
    for (const [what, avro, message] of badSchemas) {
      it(`refuses a custom schema with ${what}`, () => {
        expect(() => parseSchema("interactions", avro as object, "schema.json")).to.throw(SchemaError, message);
      });
    }
  });
});
