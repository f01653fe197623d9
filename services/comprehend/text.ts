/**
 * Comprehend's limits, and splitting text that exceeds them. Limits are UTF-8 bytes per document,
 * measured with Buffer.byteLength; pieces end on sentence boundaries where they can, then on
 * grapheme boundaries, never inside a character. Offsets are Unicode code points, as Comprehend
 * counts them (a multi-byte character, an emoji included, is one).
 */

/** A request the caller should fix (an option, a document, a language); `field` names what. */
export class ComprehendInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "ComprehendInputError";
  }
}

export { COMPREHEND_OPERATIONS as OPERATIONS, type ComprehendOperation as Operation } from "@roadmapx-ai/core";
import type { ComprehendOperation as Operation } from "@roadmapx-ai/core";

/** Largest document each single-document API takes, in UTF-8 bytes. */
export const SINGLE_LIMIT_BYTES: Readonly<Record<Operation, number>> = {
  sentiment: 5000,
  entities: 100_000,
  "key-phrases": 100_000,
  language: 100_000,
  pii: 100_000,
};

/** The Batch* APIs: at most 25 documents a call, each at most 5,000 bytes, all of one language. */
export const BATCH_SIZE = 25;
export const BATCH_LIMIT_BYTES = 5000;
/** DetectPiiEntities has no batch form. */
export const HAS_BATCH: Readonly<Record<Operation, boolean>> = { sentiment: true, entities: true, "key-phrases": true, language: true, pii: false };

const MAIN_LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"];
/** Languages each operation supports (language detection takes any text). */
export const LANGUAGES: Readonly<Record<Exclude<Operation, "language">, readonly string[]>> = {
  sentiment: MAIN_LANGUAGES,
  entities: MAIN_LANGUAGES,
  "key-phrases": MAIN_LANGUAGES,
  pii: ["en", "es"],
};

/** DetectDominantLanguage needs at least this many characters to answer. */
export const MIN_LANGUAGE_CHARS = 20;

export interface Piece {
  text: string;
  /** Where the piece starts in the whole text, in code points (what result offsets are shifted by). */
  begin: number;
}

/** Code points as string iteration counts them: a surrogate pair once, a lone surrogate (high or low) once. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // The low half of a pair was counted with its high half.
    const lowAfterHigh = c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
    if (!lowAfterHigh) n++;
  }
  return n;
}

const sentences = new Intl.Segmenter(undefined, { granularity: "sentence" });
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** UTF-8 bytes of the code point starting at `i` and how many UTF-16 units it takes. */
function utf8At(text: string, i: number): [bytes: number, units: number] {
  const c = text.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return [4, 2];
  }
  return [3, 1];
}

/**
 * Splits `text` into pieces of at most `maxBytes` UTF-8 bytes: whole sentences packed together,
 * and a sentence longer than the limit cut between graphemes (so never inside a character, nor
 * between an emoji and its modifiers). The pieces joined give the text back.
 *
 * Each cut asks the segmenters only for the boundary before the furthest point the limit allows
 * (`containing`): iterating every sentence of a long text is quadratic in ICU (2.5 s for 250 KB),
 * this is a few milliseconds.
 */
export function splitText(text: string, maxBytes: number): Piece[] {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return [{ text, begin: 0 }];
  const sentenceSegments = sentences.segment(text);
  const graphemeSegments = graphemes.segment(text);
  const pieces: Piece[] = [];
  let start = 0;
  let begin = 0;
  while (start < text.length) {
    // The furthest end (UTF-16 index) the byte limit allows, on a code-point boundary.
    let end = start;
    let bytes = 0;
    while (end < text.length) {
      const [b, units] = utf8At(text, end);
      if (bytes + b > maxBytes) break;
      bytes += b;
      end += units;
    }
    if (end < text.length) {
      const sentenceStart = sentenceSegments.containing(end)?.index ?? start;
      if (sentenceStart > start) {
        end = sentenceStart;
      } else {
        const graphemeStart = graphemeSegments.containing(end)?.index ?? start;
        if (graphemeStart <= start) {
          const grapheme = graphemeSegments.containing(start)?.segment ?? "";
          // A single grapheme larger than the limit cannot be sent whole; nothing can split it.
          throw new RangeError(`a single character sequence is ${Buffer.byteLength(grapheme, "utf8")} bytes, more than the ${maxBytes}-byte limit`);
        }
        end = graphemeStart;
      }
    }
    const piece = text.slice(start, end);
    pieces.push({ text: piece, begin });
    begin += codePoints(piece);
    start = end;
  }
  return pieces;
}

export const SENTIMENTS = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"] as const;
export type SentimentLabel = (typeof SENTIMENTS)[number];

export interface SentimentResult {
  sentiment: SentimentLabel;
  scores: { positive: number; negative: number; neutral: number; mixed: number };
}

/**
 * One sentiment for a document analysed in pieces: each score is the average of the pieces' scores
 * weighted by their length in bytes (a long paragraph counts more than a short one), and the label
 * is the highest combined score, except that clearly positive and clearly negative pieces (each
 * label held by a piece carrying at least a quarter of the bytes) make the document MIXED.
 */
export function combineSentiment(parts: { result: SentimentResult; bytes: number }[]): SentimentResult {
  const total = parts.reduce((s, p) => s + p.bytes, 0) || 1;
  const scores = { positive: 0, negative: 0, neutral: 0, mixed: 0 };
  for (const { result, bytes } of parts) {
    for (const k of Object.keys(scores) as (keyof typeof scores)[]) scores[k] += (result.scores[k] * bytes) / total;
  }
  const share = (label: SentimentLabel) => parts.filter((p) => p.result.sentiment === label).reduce((s, p) => s + p.bytes, 0) / total;
  let sentiment: SentimentLabel;
  if (share("POSITIVE") >= 0.25 && share("NEGATIVE") >= 0.25) {
    sentiment = "MIXED";
  } else {
    const best = (Object.entries(scores) as [keyof typeof scores, number][]).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "neutral";
    sentiment = best.toUpperCase() as SentimentLabel;
  }
  return { sentiment, scores };
}
