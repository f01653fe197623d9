/**
 * A minimal tar writer, enough for Comprehend's `output.tar.gz`: one regular file in a POSIX ustar
 * archive (IEEE Std 1003.1 "pax" format's ustar header: 512-byte header, content padded to 512-byte
 * blocks, two zero blocks at the end). Sizes above the 11 octal digits of the header (8 GiB) use
 * the GNU base-256 form, which tar readers accept. Streamed: the content comes from a file, so the
 * archive of a large output never sits in memory. Why not a package: `tar` and `tar-stream` are not
 * dependencies of this project (`tar` is only there for npm itself), and this is 60 lines.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";

export const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777;

function writeString(block: Buffer, text: string, offset: number, length: number): void {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > length) throw new RangeError(`tar: "${text}" does not fit in a ${length}-byte header field`);
  bytes.copy(block, offset);
}

/** An octal number in `length` bytes: `length - 1` digits, zero-padded, then NUL. */
function writeOctal(block: Buffer, value: number, offset: number, length: number): void {
  writeString(block, value.toString(8).padStart(length - 1, "0"), offset, length - 1);
}

/** The ustar header of a regular file `name` (at most 100 bytes) of `size` bytes. */
export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`tar: bad size ${size}`);
  const block = Buffer.alloc(BLOCK);
  writeString(block, name, 0, 100);
  writeOctal(block, 0o644, 100, 8); // mode
  writeOctal(block, 0, 108, 8); // uid
  writeOctal(block, 0, 116, 8); // gid
  if (size <= MAX_OCTAL_SIZE) {
    writeOctal(block, size, 124, 12);
  } else {
    // GNU base-256: high bit of the first byte set, the number big-endian in the rest.
    block[124] = 0x80;
    let rest = size;
    for (let i = 135; i > 124; i--) {
      block[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
  }
  writeOctal(block, Math.max(0, Math.floor(mtimeSeconds)), 136, 12);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  block[156] = 0x30; // "0": regular file
  writeString(block, "ustar\0", 257, 6);
  writeString(block, "00", 263, 2);
  writeString(block, "root", 265, 32);
  writeString(block, "root", 297, 32);
  let sum = 0;
  for (const byte of block) sum += byte;
  // Six octal digits, NUL, space: what GNU and BSD tar write.
  writeString(block, `${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return block;
}

/** Zero bytes that pad `size` bytes of content to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** A one-file tar archive of `path`, named `name` inside, as a stream of chunks. */
export async function* tarOfFile(name: string, path: string, mtimeSeconds: number): AsyncGenerator<Buffer> {
  const { size } = await stat(path);
  yield tarHeader(name, size, mtimeSeconds);
  let read = 0;
  for await (const chunk of createReadStream(path)) {
    read += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
  if (read !== size) throw new Error(`tar: ${path} changed while it was archived (${read} of ${size} bytes)`);
  yield padding(size);
  yield END_OF_ARCHIVE;
}

/** The same, gzip-compressed: what Comprehend stores as output.tar.gz. */
export function tarGzOfFile(name: string, path: string, mtimeSeconds: number): Readable {
  const source = Readable.from(tarOfFile(name, path, mtimeSeconds));
  const gzip = createGzip();
  // A failure reading the file must reach whoever reads the archive.
  source.on("error", (err) => gzip.destroy(err));
  return source.pipe(gzip);
}
