/**
 * Putting one job's records back in input order (Line 0, 1, 2, ...) with bounded memory. AWS does
 * not promise any order inside the output, so:
 *  - records that arrive in order are passed on at once;
 *  - a record that arrives early waits in a window of at most `window` records, and is passed on
 *    as soon as the ones before it have come;
 *  - when the window overflows, the reader spills: every waiting record and every later one goes to a
 *    temporary file, with its offset and length noted in two typed arrays indexed by line (12 bytes a
 *    line: 12 MB for AWS's maximum of a million lines), and once the output has been read the rest is
 *    passed on in order, one positional read per record.
 * So memory holds at most `window` records and the offsets, whatever the order; a shuffled output
 * costs one extra write and read of its records on disk.
 *
 * A line that never comes gets a MissingResult record; a line twice, or past the job's line count,
 * is an output error.
 */
import { open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { OutputFormatError, type OutputRecord, toRecord } from "./job-archive";

export const DEFAULT_REORDER_WINDOW = 4096;

/** A record for a line the output does not hold. */
function missing(line: number): OutputRecord {
  const value = { Line: line, ErrorCode: "MissingResult", ErrorMessage: "the job's output has neither a result nor an error for this document" };
  return { file: "", line, value, raw: Buffer.alloc(0) };
}

class Spill {
  private position = 0;
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;

  private constructor(
    readonly path: string,
    readonly file: FileHandle,
    lines: number,
  ) {
    this.offsets = new Float64Array(lines).fill(-1);
    this.lengths = new Uint32Array(lines);
  }

  static async open(dir: string, lines: number): Promise<Spill> {
    const path = join(dir, `reorder-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}.jsonl`);
    return new Spill(path, await open(path, "w+"), lines);
  }

  async put(record: OutputRecord): Promise<void> {
    await this.file.write(record.raw, 0, record.raw.length, this.position);
    this.offsets[record.line] = this.position;
    this.lengths[record.line] = record.raw.length;
    this.position += record.raw.length;
  }

  has(line: number): boolean {
    return (this.offsets[line] ?? -1) >= 0;
  }

  async get(line: number, where: string): Promise<OutputRecord> {
    const length = this.lengths[line] ?? 0;
    const raw = Buffer.alloc(length);
    await this.file.read(raw, 0, length, this.offsets[line] ?? 0);
    return toRecord(raw, where);
  }

  async close(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

/**
 * `records` (one job's, in any order) in line order 0..lines-1, every line exactly once (see the
 * file comment). `tempDir` is where a spill goes.
 */
export async function* inLineOrder(
  records: AsyncIterable<OutputRecord>,
  lines: number,
  options: { where: string; window?: number | undefined; tempDir: string },
): AsyncGenerator<OutputRecord> {
  const window = options.window ?? DEFAULT_REORDER_WINDOW;
  const held = new Map<number, OutputRecord>();
  let next = 0;
  let spill: Spill | undefined;
  const seen = (line: number) => line < next || held.has(line) || (spill?.has(line) ?? false);
  try {
    for await (const record of records) {
      if (record.line >= lines) throw new OutputFormatError(options.where, `a record for line ${record.line}, but the job's input has ${lines} line(s)`);
      if (seen(record.line)) throw new OutputFormatError(options.where, `line ${record.line} appears twice`);
      if (spill) {
        await spill.put(record);
        continue;
      }
      if (record.line !== next) {
        // Its own copy of the bytes: a view would keep the whole decompressed chunk alive while it waits.
        held.set(record.line, { ...record, raw: Buffer.from(record.raw) });
        if (held.size > window) {
          spill = await Spill.open(options.tempDir, lines);
          for (const r of held.values()) await spill.put(r);
          held.clear();
        }
        continue;
      }
      yield record;
      next++;
      for (let r = held.get(next); r; r = held.get(next)) {
        held.delete(next);
        yield r;
        next++;
      }
    }
    for (; next < lines; next++) {
      const waiting = held.get(next);
      if (waiting) {
        held.delete(next);
        yield waiting;
      } else if (spill?.has(next)) {
        yield await spill.get(next, options.where);
      } else {
        yield missing(next);
      }
    }
  } finally {
    await spill?.close();
  }
}
