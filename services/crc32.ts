/**
 * CRC32 as S3 wants it in `x-amz-checksum-crc32`: the big-endian bytes of the checksum, in base64.
 * Node's zlib computes it natively (no copy, no JavaScript loop), incrementally over chunks.
 */
import { crc32 } from "node:zlib";

/** Continues `previous` (0 for a new checksum) over `bytes`. */
export function crc32Update(previous: number, bytes: Uint8Array): number {
  return crc32(bytes, previous);
}

export function crc32ToBase64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString("base64");
}

export function crc32Base64(bytes: Uint8Array): string {
  return crc32ToBase64(crc32(bytes));
}
