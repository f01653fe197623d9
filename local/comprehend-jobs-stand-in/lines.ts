/**
 * ONE_DOC_PER_LINE input as Comprehend reads it (Developer Guide, "Async analysis for Amazon
 * Comprehend insights"): each line of a file is a document, ending with LF, CR or CRLF (the last
 * line may end without one); the UTF-8 line separator U+2028 does not end a line. Streamed: a line
 * is held only up to the job type's document limit, so an oversized line costs no more memory than
 * a valid one, and a file of any length is read in constant memory.
 */

/** One line: its bytes (without the terminator), or only its length when it is over the limit. */
export type Line = { bytes: Buffer; length: number; oversize: false } | { bytes: undefined; length: number; oversize: true };

const LF = 0x0a;
const CR = 0x0d;

/** The lines of a byte stream, each at most `maxBytes` long (longer ones come back with `oversize`). */
export async function* linesOf(body: AsyncIterable<Uint8Array>, maxBytes: number): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let length = 0;
  let open = false;
  // A CR ended the last line: an LF at the start of the next chunk belongs to it.
  let afterCr = false;
  const take = (): Line => {
    const line: Line =
      length > maxBytes
        ? { bytes: undefined, length, oversize: true }
        : { bytes: parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length), length, oversize: false };
    parts = [];
    length = 0;
    open = false;
    return line;
  };
  const keep = (piece: Buffer) => {
    open = true;
    length += piece.length;
    // Past the limit only the count grows.
    if (length <= maxBytes) parts.push(Buffer.from(piece));
    else parts = [];
  };
  for await (const chunk of body) {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let at = 0;
    if (afterCr && data.length > 0) {
      if (data[0] === LF) at = 1;
      afterCr = false;
    }
    while (at < data.length) {
      let end = at;
      while (end < data.length && data[end] !== LF && data[end] !== CR) end++;
      if (end > at) keep(data.subarray(at, end));
      if (end === data.length) break;
      yield take();
      if (data[end] === CR) {
        if (end + 1 < data.length) {
          at = data[end + 1] === LF ? end + 2 : end + 1;
        } else {
          afterCr = true;
          at = end + 1;
        }
      } else {
        at = end + 1;
      }
    }
  }
  if (open) yield take();
}

/** UTF-8 text, or undefined when the bytes are not valid UTF-8 (a leading byte-order mark is dropped). */
export function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}
