/**
 * The stand-in's "model": no container runs, so each record gets a documented, deterministic answer
 * that tests and demos can compute themselves:
 *   score = FNV-1a (32-bit) of the record's UTF-8 bytes / 2^32, to 6 decimals (0 <= score < 1);
 *   answered as `{"score":<score>}` when the answer type (Accept, else ContentType) names JSON,
 *   and as the bare number otherwise (text/csv and anything else).
 * A record containing ERROR_MARKER makes the model fail on it, as a container answering an error
 * would: the job fails and that input object gets no output (batch-transform.md).
 */

/** Put this in a record to make the model fail on it. */
export const ERROR_MARKER = "[[stand-in:error]]";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over bytes, resumable: pass the previous state to hash a record that arrives in chunks. */
export function fnv1a(bytes: Uint8Array, state = FNV_OFFSET): number {
  let h = state;
  for (const byte of bytes) h = Math.imul(h ^ byte, FNV_PRIME) >>> 0;
  return h;
}

export const FNV_START = FNV_OFFSET;

/** The score of a hash state (what the record's bytes hashed to). */
export function scoreOf(hash: number): number {
  return Number((hash / 2 ** 32).toFixed(6));
}

/** The stand-in's score for one record (its text, without the line break). */
export function standInScore(record: string | Uint8Array): number {
  return scoreOf(fnv1a(typeof record === "string" ? Buffer.from(record, "utf8") : record));
}

/** Whether answers go out as JSON: the Accept type when given, else the input's ContentType. */
export function answersJson(accept: string | undefined, contentType: string | undefined): boolean {
  return /json/i.test(accept ?? contentType ?? "");
}

/** The model's answer for one record, as the text the container would return. */
export function answer(score: number, json: boolean): string {
  return json ? JSON.stringify({ score }) : String(score);
}

/** What the stand-in writes for a record: the answer, plus "\n" when AssembleWith is Line. */
export function predictionLine(
  record: string,
  options: { accept?: string | undefined; contentType?: string | undefined; assembleWith?: string | undefined },
): string {
  const text = answer(standInScore(record), answersJson(options.accept, options.contentType));
  return options.assembleWith === "Line" ? `${text}\n` : text;
}
