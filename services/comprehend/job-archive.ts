/**
 * Reading a job's output as a stream of records, never the whole of it: `output.tar.gz` (gzip, then
 * a tar archive whose files hold the results) or a PII job's plain `<input>.out` file. Inside, each
 * record is a JSON object (`{File, Line, ...}`); Comprehend writes one a line, and AWS's examples show
 * them pretty-printed, so objects are found by their braces (outside strings), not by newlines.
 *
 * The tar reader knows what an archive of results holds: regular files (type "0" or NUL), with
 * their names from the ustar header, a pax "x" header's `path`, or a GNU "L" long name; directories,
 * links and the rest are skipped; two zero blocks end it.
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";

/** One result record and where it sits in the output (for errors). */
export interface OutputRecord {
  file: string;
  line: number;
  value: Record<string, unknown>;
  /** The record's bytes, for spilling it when it comes out of order. */
  raw: Buffer;
}

export class OutputFormatError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem} (not the output format of a Comprehend analysis job)`);
    this.name = "OutputFormatError";
  }
}

const BLOCK = 512;

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

/** A size field: octal text, or base-256 when its high bit is set (GNU, files over 8 GB). */
function sizeField(block: Buffer): number {
  if ((block[124] ?? 0) & 0x80) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + (block[i] ?? 0);
    return n;
  }
  const text = cString(block, 124, 12).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** Path from a pax extended header's records (`<len> path=<value>\n`). */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = parseInt(data.subarray(at, space).toString("ascii"), 10);
    if (!(length > 0)) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (record.slice(0, eq) === "path") return record.slice(eq + 1);
    at += length;
  }
  return undefined;
}

/** Push parser of a tar stream: calls `onData(name, bytes)` for the content of each regular file. */
export class TarReader {
  private buffered: Buffer = Buffer.alloc(0);
  /** Bytes of the current entry's content still to come, and the padding after it. */
  private remaining = 0;
  private padding = 0;
  private entry: { kind: "file" | "meta" | "skip"; name: string; meta?: Buffer[] } | undefined;
  private nextName: string | undefined;
  private ended = false;

  constructor(
    private readonly where: string,
    private readonly onData: (name: string, bytes: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let data = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.buffered = Buffer.alloc(0);
    while (data.length > 0 && !this.ended) {
      if (this.entry) {
        if (this.remaining > 0) {
          const take = Math.min(this.remaining, data.length);
          const bytes = data.subarray(0, take);
          if (this.entry.kind === "file") this.onData(this.entry.name, bytes);
          else if (this.entry.kind === "meta") this.entry.meta?.push(Buffer.from(bytes));
          this.remaining -= take;
          data = data.subarray(take);
          continue;
        }
        if (this.padding > 0) {
          const take = Math.min(this.padding, data.length);
          this.padding -= take;
          data = data.subarray(take);
          continue;
        }
        this.finishEntry();
        continue;
      }
      if (data.length < BLOCK) {
        this.buffered = Buffer.from(data);
        return;
      }
      this.header(data.subarray(0, BLOCK));
      data = data.subarray(BLOCK);
    }
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      // The end-of-archive marker (two zero blocks; one is enough to stop).
      this.ended = true;
      return;
    }
    const magic = cString(block, 257, 6);
    if (magic !== "ustar" && magic !== "ustar ") throw new OutputFormatError(this.where, "a tar header without the ustar magic");
    const size = sizeField(block);
    if (!Number.isFinite(size) || size < 0) throw new OutputFormatError(this.where, "a tar header with a bad size");
    const type = String.fromCharCode(block[156] ?? 0);
    const prefix = cString(block, 345, 155);
    const name = this.nextName ?? (prefix ? `${prefix}/${cString(block, 0, 100)}` : cString(block, 0, 100));
    if (type === "0" || type === "\0" || type === "7") {
      this.nextName = undefined;
      this.entry = { kind: "file", name };
    } else if (type === "x" || type === "L") {
      this.entry = { kind: "meta", name: type, meta: [] };
    } else {
      this.nextName = undefined;
      this.entry = { kind: "skip", name };
    }
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishEntry();
  }

  private finishEntry(): void {
    const entry = this.entry;
    this.entry = undefined;
    if (entry?.kind !== "meta") return;
    const data = Buffer.concat(entry.meta ?? []);
    if (entry.name === "L") this.nextName = cString(data, 0, data.length);
    else this.nextName = paxPath(data) ?? this.nextName;
  }

  /** Throws when the stream stopped inside an entry. */
  end(): void {
    if (this.entry && this.entry.kind !== "skip" && this.remaining > 0) throw new OutputFormatError(this.where, "the archive ends inside a file");
  }
}

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Push splitter of concatenated JSON objects (one a line, or pretty-printed): calls `onObject` with each. */
export class JsonObjectSplitter {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private parts: Buffer[] = [];

  constructor(
    private readonly where: string,
    private readonly onObject: (raw: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      if (this.depth === 0) {
        if (c === OPEN) {
          this.depth = 1;
          start = i;
        } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0x2c && c !== 0x5b && c !== 0x5d) {
          // Whitespace, and the commas and brackets of a JSON array of objects, may sit between objects.
          throw new OutputFormatError(this.where, `unexpected "${String.fromCharCode(c)}" between result records`);
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN) this.depth++;
      else if (c === CLOSE && --this.depth === 0) {
        this.parts.push(chunk.subarray(start, i + 1));
        // A view when the record sits in one chunk (chunks are never reused); job-order.ts copies what it holds.
        const raw = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
        this.parts = [];
        start = -1;
        this.onObject(raw);
      }
    }
    if (this.depth > 0 && start !== -1) this.parts.push(Buffer.from(chunk.subarray(start)));
  }

  end(): void {
    if (this.depth > 0) throw new OutputFormatError(this.where, "the output ends inside a record");
  }
}

/** A record's File and Line, checked; the rest is the operation's result or a per-document error. */
export function toRecord(raw: Buffer, where: string): OutputRecord {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new OutputFormatError(where, `a record that is not JSON (${(err as Error).message})`);
  }
  const v = value as { File?: unknown; Line?: unknown };
  if (typeof v.Line !== "number" || !Number.isInteger(v.Line) || v.Line < 0) throw new OutputFormatError(where, "a record without a 0-based Line");
  return { file: typeof v.File === "string" ? v.File : "", line: v.Line, value: value as Record<string, unknown>, raw };
}

async function* chunksOf(stream: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The records of one output object, in the order they are stored: `format` "tar.gz" for
 * output.tar.gz, "lines" for a PII `.out` file. Holds one decompressed chunk's records at a time.
 */
export async function* outputRecords(body: AsyncIterable<Uint8Array>, format: "tar.gz" | "lines", where: string): AsyncGenerator<OutputRecord> {
  const ready: OutputRecord[] = [];
  const splitter = new JsonObjectSplitter(where, (raw) => ready.push(toRecord(raw, where)));
  let source: AsyncIterable<Uint8Array> = body;
  let tar: TarReader | undefined;
  let compressed: Readable | undefined;
  if (format === "tar.gz") {
    compressed = Readable.from(body);
    const gunzip = createGunzip();
    // A failure reading the body must reach the consumer, not vanish in the pipe.
    compressed.on("error", (err) => gunzip.destroy(err));
    source = compressed.pipe(gunzip);
    tar = new TarReader(where, (_name, bytes) => splitter.push(bytes));
  }
  try {
    for await (const chunk of chunksOf(source)) {
      if (tar) tar.push(chunk);
      else splitter.push(chunk);
      while (ready.length) yield ready.shift() as OutputRecord;
    }
  } catch (err) {
    if ((err as { code?: string }).code === "Z_DATA_ERROR" || (err as { code?: string }).code === "Z_BUF_ERROR") {
      throw new OutputFormatError(where, `not a gzip stream (${(err as Error).message})`);
    }
    throw err;
  } finally {
    // Stopped early (or failed): let go of the download too.
    compressed?.destroy();
  }
  tar?.end();
  splitter.end();
}
