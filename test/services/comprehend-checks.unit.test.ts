/**
 * What is checked before anything is sent to Comprehend (services/comprehend/checks.ts), the limits
 * and language lists it checks against (text.ts), and merging split documents (merge.ts).
 */
import { expect } from "chai";
import {
  type AnalyzeOptions,
  BATCH_SIZE,
  checkAnalyzeOptions,
  combineSentiment,
  ComprehendInputError,
  HAS_BATCH,
  LANGUAGES,
  mergePieces,
  MIN_LANGUAGE_CHARS,
  OPERATIONS,
  SINGLE_LIMIT_BYTES,
  splitText,
} from "../../services/comprehend";
import { batch } from "../../services/comprehend/api";
import { API_NAME, checkDocument, codePointLength } from "../../services/comprehend/checks";

function refusal(run: () => void): { field: string; message: string } {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(ComprehendInputError);
    const e = err as ComprehendInputError;
    expect(e.name).to.equal("ComprehendInputError");
    expect(e.message.startsWith(`${e.field}: `)).to.equal(true);
    return { field: e.field, message: e.message };
  }
  throw new Error("expected a ComprehendInputError");
}

const MAIN = ["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"];

describe("Comprehend limits and languages (text.ts)", () => {
  it("per-API document limits, the batch shape, which APIs have a batch form, and the language lists", () => {
    expect(SINGLE_LIMIT_BYTES).to.deep.equal({ sentiment: 5000, entities: 100_000, "key-phrases": 100_000, language: 100_000, pii: 100_000 });
    expect(BATCH_SIZE).to.equal(25);
    expect(HAS_BATCH).to.deep.equal({ sentiment: true, entities: true, "key-phrases": true, language: true, pii: false });
    expect(LANGUAGES).to.deep.equal({ sentiment: MAIN, entities: MAIN, "key-phrases": MAIN, pii: ["en", "es"] });
    expect(MIN_LANGUAGE_CHARS).to.equal(20);
    expect(OPERATIONS).to.deep.equal(["sentiment", "entities", "key-phrases", "language", "pii"]);
    expect(API_NAME).to.deep.equal({
      sentiment: "DetectSentiment",
      entities: "DetectEntities",
      "key-phrases": "DetectKeyPhrases",
      language: "DetectDominantLanguage",
      pii: "DetectPiiEntities",
    });
  });

  it("splits 2-byte characters at the limit: a piece ends on a whole character", () => {
    const text = "é".repeat(2600); // 5,200 bytes, no sentence or word boundary
    const pieces = splitText(text, 5000);
    expect(pieces.map((p) => [p.text.length, p.begin])).to.deep.equal([
      [2500, 0],
      [100, 2500],
    ]);
  });

  it("counts each character's UTF-8 bytes at every boundary: 1, 2, 3 and 4 bytes, and lone surrogates as 3", () => {
    // Each character X closes a text of exactly the limit: the text and one more byte split right after X.
    const cases: [string, string, number][] = [
      ["U+007F", "\u007f", 1],
      ["U+0080", "\u0080", 2],
      ["U+07FF", "\u07ff", 2],
      ["U+0800", "\u0800", 3],
      ["U+D7FF", "\ud7ff", 3],
      ["U+E000", "\ue000", 3],
      ["U+10000 (D800 DC00)", "\ud800\udc00", 4],
      ["U+10FFFF (DBFF DFFF)", "\udbff\udfff", 4],
      ["a lone low surrogate DC00", "\udc00", 3],
      ["a lone low surrogate DFFF", "\udfff", 3],
      ["a high surrogate before a non-surrogate", "\udbff\ue000", 6],
      ["a high surrogate before a high one", "\ud800\udbff", 6],
      ["a 2-byte character before a lone low surrogate", "\u00e9\udc00", 5],
      // A 3-byte character is no high surrogate, even followed by a low one: 3 + 3 bytes, not a 4-byte pair.
      ["a 3-byte character before a lone low surrogate", "\u4e2d\udc00", 6],
      ["U+0800 before a lone low surrogate", "\u0800\udfff", 6],
      ["U+E000 before a lone low surrogate", "\ue000\udc00", 6],
    ];
    const limit = 100;
    for (const [what, x, bytes] of cases) {
      expect(Buffer.byteLength(x), what).to.equal(bytes);
      const head = "a".repeat(limit - bytes) + x;
      const pieces = splitText(`${head}b`, limit);
      expect(
        pieces.map((p) => p.text),
        what,
      ).to.deep.equal([head, "b"]);
      expect(pieces[1]?.begin, what).to.equal(Array.from(head).length);
    }
    // A high surrogate that ends the text counts 3 bytes too.
    expect(splitText(`${"a".repeat(97)}\udbff`, 100)).to.have.length(1);
    expect(splitText(`${"a".repeat(98)}\udbff`, 100).map((p) => p.text.length)).to.deep.equal([98, 1]);
  });

  it("piece offsets count code points: a pair once, a lone surrogate once", () => {
    for (const x of ["\ud800\udc00", "\udbff\udfff", "\udc00", "\ud800", "\udbffa", "\ud7ff", "\ue000"]) {
      const text = `${x.repeat(30)}${"b".repeat(100)}`;
      const pieces = splitText(text, 100);
      let begin = 0;
      const begins = pieces.map((p) => {
        const at = begin;
        begin += Array.from(p.text).length;
        return at;
      });
      expect(pieces.length, JSON.stringify(x)).to.be.greaterThan(1);
      expect(
        pieces.map((p) => p.begin),
        JSON.stringify(x),
      ).to.deep.equal(begins);
    }
  });

  it("a lone surrogate counts 3 bytes, as Buffer.byteLength does", () => {
    const text = `${"a".repeat(4997)}\ud800b`; // 4,997 + 3 + 1 bytes
    const pieces = splitText(text, 5000);
    expect(pieces.map((p) => p.text)).to.deep.equal([`${"a".repeat(4997)}\ud800`, "b"]);
    // A high surrogate at the very end, and one followed by another high surrogate.
    expect(splitText(`${"a".repeat(4998)}\ud800`, 5000).map((p) => p.text.length)).to.deep.equal([4998, 1]);
    expect(splitText(`${"a".repeat(4996)}\ud800\ud800`, 5000).map((p) => p.text.length)).to.deep.equal([4997, 1]);
  });

  it("packs whole sentences until the next would not fit, then cuts a sentence longer than the limit between graphemes", () => {
    const short = "Short one. ";
    const long = `Word ${"word ".repeat(1200)}end. `; // 6,010 bytes, one sentence
    const text = `${short}${long}`;
    const pieces = splitText(text, 5000);
    expect(pieces[0]?.text).to.equal(short);
    expect(pieces.map((p) => p.text).join("")).to.equal(text);
    expect(pieces.slice(1).every((p) => Buffer.byteLength(p.text) <= 5000)).to.equal(true);
    expect(pieces).to.have.length(3);
  });

  it("combines sentiment: scores weighted by bytes, MIXED from a quarter each, the best score otherwise", () => {
    const at = (sentiment: "POSITIVE" | "NEGATIVE" | "NEUTRAL" | "MIXED", s: Partial<Record<"positive" | "negative" | "neutral" | "mixed", number>>) => ({
      sentiment,
      scores: { positive: 0, negative: 0, neutral: 0, mixed: 0, ...s },
    });
    const combined = combineSentiment([
      { result: at("POSITIVE", { positive: 1 }), bytes: 300 },
      { result: at("NEGATIVE", { negative: 1 }), bytes: 100 },
    ]);
    expect(combined).to.deep.equal({ sentiment: "MIXED", scores: { positive: 0.75, negative: 0.25, neutral: 0, mixed: 0 } });
    // Exactly a quarter is enough; just under is not.
    expect(
      combineSentiment([
        { result: at("POSITIVE", { positive: 1 }), bytes: 301 },
        { result: at("NEGATIVE", { negative: 1 }), bytes: 99 },
      ]).sentiment,
    ).to.equal("POSITIVE");
    expect(
      combineSentiment([
        { result: at("NEGATIVE", { negative: 1 }), bytes: 301 },
        { result: at("POSITIVE", { positive: 1 }), bytes: 99 },
      ]).sentiment,
    ).to.equal("NEGATIVE");
    // The label follows the highest combined score, mixed included.
    expect(combineSentiment([{ result: at("NEUTRAL", { mixed: 0.6, neutral: 0.4 }), bytes: 10 }]).sentiment).to.equal("MIXED");
    // A quarter on the positive side is enough too.
    expect(
      combineSentiment([
        { result: at("POSITIVE", { positive: 1 }), bytes: 100 },
        { result: at("NEGATIVE", { negative: 1 }), bytes: 300 },
      ]).sentiment,
    ).to.equal("MIXED");
    // No bytes at all: nothing is divided by zero.
    expect(combineSentiment([{ result: at("NEUTRAL", { neutral: 1 }), bytes: 0 }])).to.deep.equal({
      sentiment: "POSITIVE",
      scores: { positive: 0, negative: 0, neutral: 0, mixed: 0 },
    });
    expect(combineSentiment([]).sentiment).to.equal("POSITIVE");
  });
});

describe("the API by operation (api.ts)", () => {
  it("has no batch form for PII: asking for one fails without a call", async () => {
    let sent = 0;
    const client = { send: async () => sent++ } as never;
    let error: unknown;
    try {
      await batch(client, "pii", ["Alice"], "en");
    } catch (err) {
      error = err;
    }
    expect(error).to.have.property("message", "DetectPiiEntities has no batch form");
    expect(sent).to.equal(0);
  });
});

describe("merging a split document's results (merge.ts)", () => {
  const pieces = [
    { text: "abc", begin: 0 },
    { text: "defg", begin: 3 },
  ];

  it("one piece's result is the document's", () => {
    const only = [{ text: "x", score: 1, begin: 0, end: 1 }];
    expect(mergePieces("key-phrases", [{ text: "x", begin: 0 }], [1], [only])).to.equal(only);
  });

  it("key phrases and PII are concatenated with offsets shifted by their piece's start", () => {
    expect(
      mergePieces("key-phrases", pieces, [3, 4], [[{ text: "a", score: 1, begin: 0, end: 1 }], [{ text: "d", score: 0.5, begin: 0, end: 1 }]]),
    ).to.deep.equal([
      { text: "a", score: 1, begin: 0, end: 1 },
      { text: "d", score: 0.5, begin: 3, end: 4 },
    ]);
    expect(mergePieces("pii", pieces, [3, 4], [[], [{ type: "NAME", score: 1, begin: 1, end: 3 }]])).to.deep.equal([
      { type: "NAME", score: 1, begin: 4, end: 6 },
    ]);
  });

  it("sentiment is combined by bytes", () => {
    const positive = { sentiment: "POSITIVE" as const, scores: { positive: 1, negative: 0, neutral: 0, mixed: 0 } };
    const neutral = { sentiment: "NEUTRAL" as const, scores: { positive: 0, negative: 0, neutral: 1, mixed: 0 } };
    expect(mergePieces("sentiment", pieces, [1, 3], [positive, neutral])).to.deep.equal({
      sentiment: "NEUTRAL",
      scores: { positive: 0.25, negative: 0, neutral: 0.75, mixed: 0 },
    });
  });

  it("language scores are averaged by bytes over every candidate, best first", () => {
    const merged = mergePieces(
      "language",
      pieces,
      [1, 3],
      [
        {
          languageCode: "en",
          score: 0.8,
          candidates: [
            { languageCode: "en", score: 0.8 },
            { languageCode: "de", score: 0.2 },
          ],
        },
        { languageCode: "de", score: 1, candidates: [{ languageCode: "de", score: 1 }] },
      ],
    );
    expect(merged.languageCode).to.equal("de");
    expect(merged.score).to.be.closeTo(0.8, 1e-12);
    expect(merged.candidates.map((c) => c.languageCode)).to.deep.equal(["de", "en"]);
    expect(merged.candidates[1]?.score).to.be.closeTo(0.2, 1e-12);
    // Without candidates (or bytes) there is no language.
    const none = { languageCode: "", score: 0, candidates: [] };
    expect(mergePieces("language", pieces, [0, 0], [none, none])).to.deep.equal(none);
  });

  it("refuses an operation it does not know (from plain JavaScript)", () => {
    expect(() => mergePieces("translate" as "pii", pieces, [3, 4], [[], []])).to.throw(Error, "unknown operation translate");
  });
});

describe("Comprehend input checks (checks.ts)", () => {
  it("counts code points: an emoji is one, a lone surrogate too", () => {
    expect(codePointLength("")).to.equal(0);
    expect(codePointLength("abc")).to.equal(3);
    expect(codePointLength("😀😀")).to.equal(2);
    expect(codePointLength("\udbff\udfff")).to.equal(1);
    expect(codePointLength("\ud7ff\ue000")).to.equal(2);
    expect(codePointLength("\udc00")).to.equal(1);
    expect(codePointLength("\ud800\udc00")).to.equal(1);
    expect(codePointLength("\udbff\udc00")).to.equal(1);
  });

  describe("checkDocument", () => {
    it("refuses an empty or blank document, or one that is not a string", () => {
      for (const text of ["", "  \n", 5 as unknown as string]) {
        expect(refusal(() => checkDocument("sentiment", text, "en"))).to.deep.equal({
          field: "text",
          message: "text: the document is empty; Comprehend needs text",
        });
      }
    });

    it("each API's limit in UTF-8 bytes: the limit passes, a byte more does not", () => {
      checkDocument("sentiment", "é".repeat(2500), "en");
      expect(refusal(() => checkDocument("sentiment", `${"é".repeat(2500)}x`, "en"))).to.deep.equal({
        field: "text",
        message: "text: 5001 UTF-8 bytes is over the 5000-byte limit of DetectSentiment; analyzeMany splits long documents",
      });
      checkDocument("entities", "x".repeat(100_000), "en");
      expect(refusal(() => checkDocument("pii", "x".repeat(100_001), "en")).message).to.include("over the 100000-byte limit of DetectPiiEntities");
    });

    it("language detection needs 20 code points, and no language", () => {
      checkDocument("language", "😀".repeat(20));
      expect(refusal(() => checkDocument("language", "😀".repeat(19)))).to.deep.equal({
        field: "text",
        message: "text: language detection needs at least 20 characters (got 19)",
      });
    });

    it("other operations need a language they support", () => {
      checkDocument("pii", "Alice", "es");
      checkDocument("sentiment", "hello", "zh-TW");
      expect(refusal(() => checkDocument("pii", "Alice", "fr"))).to.deep.equal({
        field: "language",
        message: 'language: DetectPiiEntities does not support "fr" (supported: en, es)',
      });
      expect(refusal(() => checkDocument("entities", "Alice"))).to.deep.equal({
        field: "language",
        message: `language: DetectEntities does not support "undefined" (supported: ${MAIN.join(", ")})`,
      });
    });
  });

  describe("checkAnalyzeOptions", () => {
    const check = (options: Partial<AnalyzeOptions<unknown>>) => () =>
      checkAnalyzeOptions({ operations: ["sentiment"], ...options } as AnalyzeOptions<unknown>);

    it("accepts the defaults and every valid option", () => {
      check({})();
      check({ operations: [...OPERATIONS], language: "auto", oversize: "reject", tps: 0.5, concurrency: 1, maxInFlight: 1, maxBatchWaitMs: 0 })();
      check({ operations: ["language"], language: "sv" })();
      check({ oversize: "split" })();
    });

    it("refuses no operation, an unknown one and one named twice", () => {
      expect(refusal(check({ operations: [] }))).to.deep.equal({
        field: "operations",
        message: "operations: name at least one of sentiment, entities, key-phrases, language, pii",
      });
      expect(refusal(check({ operations: ["sentiments" as "sentiment"] }))).to.deep.equal({
        field: "operations",
        message: 'operations: "sentiments" is not an operation (sentiment, entities, key-phrases, language, pii)',
      });
      expect(refusal(check({ operations: ["pii", "sentiment", "pii"] }))).to.deep.equal({
        field: "operations",
        message: "operations: an operation is named twice",
      });
    });

    it("checks the language against each operation but language detection; English by default", () => {
      expect(refusal(check({ operations: ["language", "pii"], language: "de" })).message).to.equal(
        'language: DetectPiiEntities does not support "de" (supported: en, es)',
      );
      check({ operations: ["pii"] })();
    });

    it("refuses an oversize mode that is neither split nor reject", () => {
      expect(refusal(check({ oversize: "truncate" as "split" }))).to.deep.equal({
        field: "oversize",
        message: 'oversize: "truncate" is neither split nor reject',
      });
    });

    it("tps, concurrency and maxInFlight must be positive and finite; maxBatchWaitMs 0 or more", () => {
      for (const field of ["tps", "concurrency", "maxInFlight"] as const) {
        for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          expect(refusal(check({ [field]: value })), `${field} ${value}`).to.deep.equal({
            field,
            message: `${field}: must be a positive number (got ${value})`,
          });
        }
      }
      for (const value of [-1, Number.NaN]) {
        expect(refusal(check({ maxBatchWaitMs: value }))).to.deep.equal({ field: "maxBatchWaitMs", message: "maxBatchWaitMs: must be 0 or more" });
      }
    });
  });
});
