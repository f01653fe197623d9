/**
 * Records out of one input object, streamed (an object of any size holds at most one record and one
 * chunk in memory), by TransformInput.SplitType:
 * - `Line`: split "on a newline character boundary" (TransformInput); a trailing "\r" is dropped
 *   and empty lines are no records (assumption: AWS documents neither);
 * - `None`: "request payloads contain the entire contents of an input object": one record.
 * A record larger than MaxPayloadInMB fails (batch-transform.md: "Exceeding the MaxPayloadInMB limit
 * causes an error ... if individual records within the dataset exceed the limit"); 0 means no limit
 * (HTTP chunked encoding).
 */
import { ERROR_MARKER, FNV_START, fnv1a } from "./model";

export class RecordTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`a record is larger than MaxPayloadInMB (${limitBytes / (1024 * 1024)} MB)`);
  }
}

const NEWLINE = 0x0a;
const CR = 0x0d;

/** Lines of a byte stream, decoded as UTF-8 once each line is whole (so a character split across chunks survives). */
export async function* lineRecords(source: AsyncIterable<Uint8Array>, limitBytes: number): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  const check = (length: number) => {
    if (limitBytes > 0 && length > limitBytes) throw new RecordTooLargeError(limitBytes);
  };
  for await (const piece of source) {
    const chunk = carry.length ? Buffer.concat([carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let start = 0;
    for (let at = chunk.indexOf(NEWLINE, start); at >= 0; at = chunk.indexOf(NEWLINE, start)) {
      const end = at > start && chunk[at - 1] === CR ? at - 1 : at;
      check(end - start);
      if (end > start) yield chunk.toString("utf8", start, end);
      start = at + 1;
    }
    // A copy, so the chunk (up to a whole S3 read) is not kept alive by a short tail.
    carry = Buffer.from(chunk.subarray(start));
    check(carry.length);
  }
  const end = carry.length > 0 && carry[carry.length - 1] === CR ? carry.length - 1 : carry.length;
  if (end > 0) yield carry.toString("utf8", 0, end);
}

export interface WholeRecord {
  /** FNV-1a state of every byte (model.ts). */
  hash: number;
  bytes: number;
  hasErrorMarker: boolean;
}

/** SplitType None: the whole object is one record, hashed as it streams. */
export async function wholeRecord(source: AsyncIterable<Uint8Array>, limitBytes: number): Promise<WholeRecord> {
  const marker = Buffer.from(ERROR_MARKER, "utf8");
  let hash = FNV_START;
  let bytes = 0;
  let found = false;
  let tail: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    const chunk = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    bytes += chunk.length;
    if (limitBytes > 0 && bytes > limitBytes) throw new RecordTooLargeError(limitBytes);
    hash = fnv1a(chunk, hash);
    // The marker may straddle chunks: look in this chunk, and across the seam with the bytes before it.
    if (!found) found = chunk.includes(marker) || Buffer.concat([tail, chunk.subarray(0, marker.length - 1)]).includes(marker);
    const joined = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - marker.length + 1))]);
    tail = Buffer.from(joined.subarray(Math.max(0, joined.length - marker.length + 1)));
  }
  return { hash, bytes, hasErrorMarker: found };
}
