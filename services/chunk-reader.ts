/**
 * Copies a source's chunks (a stream, an async iterable) into the part buffers the upload engine lends,
 * and knows when the body has ended as soon as its last bytes are handed out (it looks one chunk
 * ahead), so a validator can finish before the part holding those bytes goes up.
 */
import type { PartFiller } from "./part-upload";

/** Reads bytes into part buffers, and knows when the body has ended (before anyone asks again). */
export interface SourceReader {
  read: PartFiller;
  /** True once every byte has been returned: the validator can end before the last part goes up. */
  ended(): boolean;
}

/** Copies the source's chunks into the buffers it is given; looks one chunk ahead to see the end. */
export function chunkReader(chunks: AsyncIterator<Uint8Array>): SourceReader {
  let pending: Uint8Array | undefined;
  let offset = 0;
  let exhausted = false;
  const advance = async () => {
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        exhausted = true;
        pending = undefined;
        return;
      }
      if (next.value.byteLength > 0) {
        pending = next.value;
        offset = 0;
        return;
      }
    }
  };
  return {
    read: async (buffer) => {
      if (!pending && !exhausted) await advance();
      if (!pending) return 0;
      const length = Math.min(buffer.length, pending.byteLength - offset);
      buffer.set(pending.subarray(offset, offset + length));
      offset += length;
      if (offset >= pending.byteLength) await advance();
      return length;
    },
    ended: () => exhausted,
  };
}
