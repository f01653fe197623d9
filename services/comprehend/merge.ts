/**
 * Merging the results of the pieces of a document over an API's limit (split by `splitText`) into
 * one result for the whole document, as if it had been analysed in one call.
 */
import { combineSentiment, type Operation, type Piece } from "./text";
import type { LanguageResult, OperationResult } from "./types";

type Merge<Op extends Operation> = (pieces: readonly Piece[], bytes: readonly number[], results: readonly OperationResult<Op>[]) => OperationResult<Op>;

function shift<R extends { begin: number; end: number }>(items: R[], by: number): R[] {
  return by === 0 ? items : items.map((i) => ({ ...i, begin: i.begin + by, end: i.end + by }));
}

function concatShifted<R extends { begin: number; end: number }>(pieces: readonly Piece[], _bytes: readonly number[], results: readonly R[][]): R[] {
  return results.flatMap((r, i) => shift(r, pieces[i]?.begin ?? 0));
}

function mergeLanguages(_pieces: readonly Piece[], bytes: readonly number[], results: readonly LanguageResult[]): LanguageResult {
  const total = bytes.reduce((s, b) => s + b, 0) || 1;
  const scores = new Map<string, number>();
  results.forEach((r, i) => {
    for (const c of r.candidates) scores.set(c.languageCode, (scores.get(c.languageCode) ?? 0) + (c.score * (bytes[i] ?? 0)) / total);
  });
  const candidates = [...scores].map(([languageCode, score]) => ({ languageCode, score })).sort((a, b) => b.score - a.score);
  return { languageCode: candidates[0]?.languageCode ?? "", score: candidates[0]?.score ?? 0, candidates };
}

// Mapped over the operations, so indexing with an `Op` keeps the result type tied to it.
const MERGE: { [Op in Operation]: Merge<Op> } = {
  sentiment: (_pieces, bytes, results) => combineSentiment(results.map((result, i) => ({ result, bytes: bytes[i] ?? 0 }))),
  entities: concatShifted,
  "key-phrases": concatShifted,
  pii: concatShifted,
  language: mergeLanguages,
};

/**
 * One result from the results of a document's pieces. Entities, key phrases and PII are
 * concatenated with offsets shifted by where their piece starts; sentiment is combined by
 * `combineSentiment` (byte-weighted, MIXED when clearly positive and negative pieces meet);
 * language scores are averaged weighted by bytes.
 */
export function mergePieces<Op extends Operation>(
  op: Op,
  pieces: readonly Piece[],
  bytes: readonly number[],
  results: readonly OperationResult<Op>[],
): OperationResult<Op> {
  if (results.length === 1) return results[0];
  // An operation from plain JavaScript may be none of ours.
  const merge: Merge<Op> | undefined = MERGE[op];
  if (!merge) throw new Error(`unknown operation ${String(op)}`);
  return merge(pieces, bytes, results);
}
