/**
 * Comprehend limits and splitting: byte limits measured in UTF-8, pieces never cut inside a
 * character or a grapheme, offsets in code points, and the documented sentiment rule.
 */
import { expect } from "chai";
import { BATCH_LIMIT_BYTES, combineSentiment, mergePieces, type SentimentResult, SINGLE_LIMIT_BYTES, splitText } from "../../services/comprehend";

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const codePoints = (s: string) => Array.from(s).length;

function expectWellFormed(text: string, limit: number) {
  const pieces = splitText(text, limit);
  expect(pieces.map((p) => p.text).join("")).to.equal(text, "the pieces joined give the text back");
  let begin = 0;
  for (const p of pieces) {
    expect(bytes(p.text), `piece at ${p.begin}`).to.be.at.most(limit);
    expect(p.begin).to.equal(begin, "begin is the code-point offset of the piece");
    // A piece never starts with a lone low surrogate nor ends with a lone high one.
    expect(p.text.charCodeAt(0) & 0xfc00).to.not.equal(0xdc00);
    expect(p.text.charCodeAt(p.text.length - 1) & 0xfc00).to.not.equal(0xd800);
    expect(Buffer.from(p.text, "utf8").toString("utf8")).to.equal(p.text, "each piece is valid UTF-8 on its own");
    begin += codePoints(p.text);
  }
  return pieces;
}

describe("Comprehend text limits and splitting", () => {
  it("uses the per-API limits: 5,000 bytes for sentiment and batches, 100,000 for the others", () => {
    expect(SINGLE_LIMIT_BYTES.sentiment).to.equal(5000);
    expect(SINGLE_LIMIT_BYTES.entities).to.equal(100_000);
    expect(SINGLE_LIMIT_BYTES.pii).to.equal(100_000);
    expect(BATCH_LIMIT_BYTES).to.equal(5000);
  });

  it("keeps a document of exactly the limit whole, and splits one byte more", () => {
    expect(splitText("a".repeat(5000), 5000)).to.have.length(1);
    const pieces = expectWellFormed("a".repeat(5001), 5000);
    expect(pieces.map((p) => p.text.length)).to.deep.equal([5000, 1]);
  });

  it("splits between sentences where it can", () => {
    const sentence = "This roadmap is good. ";
    const text = sentence.repeat(400); // 8,800 bytes
    const pieces = expectWellFormed(text, 5000);
    expect(pieces).to.have.length(2);
    for (const p of pieces) expect(p.text.startsWith("This roadmap")).to.equal(true);
    expect(pieces[0]?.text.endsWith(". ")).to.equal(true);
  });

  it("never cuts a 4-byte emoji straddling the limit", () => {
    // 4,998 ASCII bytes then an emoji: bytes 4,999-5,002 would straddle the 5,000-byte limit.
    const text = `${"x".repeat(4998)}😀tail`;
    const pieces = expectWellFormed(text, 5000);
    expect(pieces[0]?.text).to.equal("x".repeat(4998));
    expect(pieces[1]?.text).to.equal("😀tail");
    expect(pieces[1]?.begin).to.equal(4998);
  });

  it("counts offsets in code points: an emoji is one, though two UTF-16 units", () => {
    const text = "😀".repeat(1300); // 5,200 bytes, 2,600 UTF-16 units, 1,300 code points
    const pieces = expectWellFormed(text, 5000);
    expect(pieces.map((p) => p.begin)).to.deep.equal([0, 1250]);
  });

  it("splits CJK text (3 bytes a character, no spaces) at the limit without breaking a character", () => {
    const text = "東京の新しい計画".repeat(300); // 7,200 bytes, one 'sentence'
    const pieces = expectWellFormed(text, 5000);
    expect(bytes(pieces[0]?.text ?? "")).to.equal(4998); // 1,666 characters: the next would make 5,001
    expect(pieces[1]?.begin).to.equal(1666);
  });

  it("keeps a ZWJ emoji sequence (one grapheme, 25 bytes) in one piece", () => {
    const family = "👨‍👩‍👧‍👦";
    const text = `${"y".repeat(4990)}${family}${"z".repeat(10)}`;
    const pieces = expectWellFormed(text, 5000);
    expect(pieces.some((p) => p.text.includes(family))).to.equal(true);
    expect(pieces[0]?.text).to.equal("y".repeat(4990));
  });

  it("refuses a single grapheme longer than the limit rather than cutting it", () => {
    const monster = `a${"\u0301".repeat(3000)}`; // one grapheme of 6,001 bytes
    expect(() => splitText(monster, 5000)).to.throw(RangeError, /6001 bytes/);
  });

  it("shifts entity offsets back to the whole document when merging pieces", () => {
    const pieces = [
      { text: "abc", begin: 0 },
      { text: "def", begin: 3 },
    ];
    const merged = mergePieces(
      "entities",
      pieces,
      [3, 3],
      [[{ text: "b", type: "X", score: 1, begin: 1, end: 2 }], [{ text: "e", type: "X", score: 1, begin: 1, end: 2 }]],
    );
    expect(merged).to.deep.equal([
      { text: "b", type: "X", score: 1, begin: 1, end: 2 },
      { text: "e", type: "X", score: 1, begin: 4, end: 5 },
    ]);
  });

  it("merges language scores weighted by bytes", () => {
    const merged = mergePieces(
      "language",
      [
        { text: "", begin: 0 },
        { text: "", begin: 0 },
      ],
      [3000, 1000],
      [
        { languageCode: "en", score: 1, candidates: [{ languageCode: "en", score: 1 }] },
        { languageCode: "es", score: 1, candidates: [{ languageCode: "es", score: 1 }] },
      ],
    );
    expect(merged).to.deep.include({ languageCode: "en", score: 0.75 });
  });
});

describe("combineSentiment (the documented rule for split documents)", () => {
  const result = (sentiment: SentimentResult["sentiment"], main: number): SentimentResult => {
    const rest = (1 - main) / 3;
    const scores = { positive: rest, negative: rest, neutral: rest, mixed: rest };
    scores[sentiment.toLowerCase() as keyof typeof scores] = main;
    return { sentiment, scores };
  };

  it("weights scores by bytes: a long neutral piece outweighs a short positive one", () => {
    const combined = combineSentiment([
      { result: result("NEUTRAL", 0.9), bytes: 4000 },
      { result: result("POSITIVE", 0.9), bytes: 500 },
    ]);
    expect(combined.sentiment).to.equal("NEUTRAL");
    expect(combined.scores.neutral).to.be.closeTo((0.9 * 4000 + (0.1 / 3) * 500) / 4500, 1e-9);
  });

  it("is MIXED when positive and negative pieces each carry at least a quarter of the bytes", () => {
    expect(
      combineSentiment([
        { result: result("POSITIVE", 0.95), bytes: 3000 },
        { result: result("NEGATIVE", 0.95), bytes: 1000 },
      ]).sentiment,
    ).to.equal("MIXED");
    // Under a quarter: the negative aside does not make the document mixed.
    expect(
      combineSentiment([
        { result: result("POSITIVE", 0.95), bytes: 4000 },
        { result: result("NEGATIVE", 0.95), bytes: 1000 },
      ]).sentiment,
    ).to.equal("POSITIVE");
  });
});
