/**
 * Parts of a regular file, sent from the file itself: each part's region is read once, through one
 * small reusable buffer, to compute its CRC32 (and to let an inspector such as the import's CSV
 * validator see every byte before the part is prepared), and the part then goes up as a fresh read
 * of that region with the CRC32 as its checksum. So memory does not grow with the parts in flight,
 * and S3 refuses a region whose bytes changed after they were read (services/part-upload.ts turns that
 * into SourceChangedError). A file that shrinks or grows while it is read is refused as well.
 */
import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { crc32ToBase64, crc32Update } from "./crc32";
import type { PartSource, PreparedPart } from "./part-upload";
import { SourceChangedError } from "./storage-errors";

/** Bytes per read while a region is checked: the inspector sees each read as it lands. */
export const FILE_READ_BYTES = 1024 * 1024;

export interface FilePartsOptions {
  /** The file, open for reading (the caller closes it after the upload). */
  file: FileHandle;
  path: string;
  /** Its size when opened: the file must keep it until every region has been read. */
  size: number;
  partSize: number;
  /**
   * Sees every byte, in order, before the part holding it is handed on; `last` is true with the
   * file's final bytes (or once, with none, for an empty file). Throwing stops the upload.
   */
  inspect?: (bytes: Buffer, last: boolean) => void;
}

export function fileParts(options: FilePartsOptions): PartSource {
  const { file, path, size, partSize } = options;
  const scratch = Buffer.allocUnsafeSlow(Math.min(FILE_READ_BYTES, Math.max(size, 1)));
  let position = 0;
  let done = false;
  return {
    async next(): Promise<PreparedPart | undefined> {
      if (done) return undefined;
      if (size === 0) {
        done = true;
        options.inspect?.(scratch.subarray(0, 0), true);
        return undefined;
      }
      const start = position;
      const end = Math.min(start + partSize, size);
      let crc = 0;
      while (position < end) {
        const { bytesRead } = await file.read(scratch, 0, Math.min(scratch.length, end - position), position);
        if (bytesRead === 0) throw new SourceChangedError(path, `it is now shorter than the ${size} bytes it had`);
        position += bytesRead;
        if (position === size) {
          // A file still being written would otherwise go up cut short at the size it had when opened.
          const { bytesRead: more } = await file.read(Buffer.alloc(1), 0, 1, size);
          if (more > 0) throw new SourceChangedError(path, `it grew past the ${size} bytes it had`);
        }
        const bytes = scratch.subarray(0, bytesRead);
        crc = crc32Update(crc, bytes);
        options.inspect?.(bytes, position === size);
      }
      const last = end === size;
      done = last;
      return {
        length: end - start,
        crc32: crc32ToBase64(crc),
        last,
        path,
        // `end` is inclusive in createReadStream.
        open: () => createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 }),
      };
    },
  };
}
