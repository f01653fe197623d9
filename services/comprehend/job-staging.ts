/**
 * Staging a run's input on local disk before anything goes to S3: the source is read once, each
 * document planned (job-input.ts) and its lines appended to the current part's file, a new part
 * begun when the next document would take the part over AWS's lines or bytes per job. Every check
 * (oversize, empty input, too many parts, items that cannot be kept) therefore fails before the
 * first byte is uploaded, whatever the source: a file, stdin or any iterable. Memory holds one
 * document and a 64 KiB write buffer; the parts are then uploaded from their files (the upload
 * engine sends file regions, holding no part in memory).
 *
 * A source that can only be read once (not a function) also has its items written, one JSON line
 * each with the document's shape, to a spill file that the read-back reads instead of the source.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DocShape, planDocument, type PlanSettings, shapeOf } from "./job-input";
import { type AsyncLimits, unitsOf } from "./job-limits";
import type { DocumentSource, ItemCodec } from "./job-types";
import { ComprehendInputError } from "./text";

export interface StagedPart {
  index: number;
  file: string;
  documents: number;
  lines: number;
  bytes: number;
}

export interface StagedInput {
  dir: string;
  parts: StagedPart[];
  documents: number;
  lines: number;
  bytes: number;
  /** Billed units per operation. */
  units: number;
  /** Items of a source read once, as JSON lines `{ i: item, s: shape }`. */
  spill?: string | undefined;
  /** Removes the staging directory (the spill file moves out first if it is still needed). */
  dispose(): Promise<void>;
}

/** One spilled item: the encoded item and its document's shape. */
export interface SpilledItem {
  i: unknown;
  s: DocShape;
}

const FLUSH_BYTES = 64 * 1024;

/** A file written through a small buffer, waiting for the disk when it lags. */
class LineFile {
  private readonly out: WriteStream;
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { encoding: "utf8" });
  }

  async write(text: string, bytes: number): Promise<void> {
    this.pending.push(text);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const chunk = this.pending.join("");
    this.pending = [];
    this.pendingBytes = 0;
    if (!this.out.write(chunk)) await once(this.out, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  destroy(): void {
    this.out.destroy();
  }
}

export function isFactory<T>(source: DocumentSource<T>): source is () => AsyncIterable<T> | Iterable<T> {
  return typeof source === "function";
}

export function openSource<T>(source: DocumentSource<T>): AsyncIterable<T> | Iterable<T> {
  return isFactory(source) ? source() : source;
}

export const JSON_CODEC: ItemCodec<never> = { encode: (item) => item, decode: (value) => value as never };

function spillLine<T>(item: T, shape: DocShape, index: number, codec: ItemCodec<T>): string {
  let line: string | undefined;
  try {
    line = JSON.stringify({ i: codec.encode(item), s: shape });
  } catch (err) {
    throw new ComprehendInputError(
      "source",
      `document ${index + 1} cannot be kept as JSON until its results are read (${(err as Error).message.split("\n")[0]}): ` +
        "pass a function that returns the source again (it is then read twice), or a codec",
    );
  }
  if (line === undefined)
    throw new ComprehendInputError("source", `document ${index + 1} has no JSON form: pass a function that returns the source again, or a codec`);
  return `${line}\n`;
}

/**
 * Reads `source` once into part files under a new temporary directory (see the file comment).
 * Throws ComprehendInputError (and leaves nothing on disk) when the input cannot be sent.
 */
export async function stageInput<T>(
  source: DocumentSource<T>,
  settings: PlanSettings<T>,
  limits: AsyncLimits,
  options: { tempDir?: string | undefined; codec?: ItemCodec<T> | undefined },
): Promise<StagedInput> {
  const dir = await mkdtemp(join(options.tempDir ?? tmpdir(), "roadmapx-comprehend-"));
  const parts: StagedPart[] = [];
  const dispose = () => rm(dir, { recursive: true, force: true });
  const spill = isFactory(source) ? undefined : new LineFile(join(dir, "items.jsonl"));
  const codec = (options.codec ?? JSON_CODEC) as ItemCodec<T>;
  let current: { part: StagedPart; file: LineFile } | undefined;
  let documents = 0;
  let lines = 0;
  let bytes = 0;
  let units = 0;
  let firstProblem: string | undefined;
  let pendingBeforeFirst = 0;
  const newPart = () => {
    if (parts.length >= limits.maxJobsPerType) {
      throw new ComprehendInputError(
        "source",
        `the input needs more than ${limits.maxJobsPerType} jobs per operation (at most ${limits.maxLinesPerJob} lines and ${limits.maxBytesPerJob} bytes each), ` +
          `more than Comprehend runs at once (${limits.maxJobsPerType} active jobs per type): analyse it in several runs; nothing was uploaded`,
      );
    }
    const part: StagedPart = { index: parts.length, file: join(dir, `part-${String(parts.length).padStart(5, "0")}.txt`), documents: 0, lines: 0, bytes: 0 };
    parts.push(part);
    return { part, file: new LineFile(part.file) };
  };
  try {
    for await (const item of openSource(source)) {
      const index = documents++;
      const plan = planDocument(item, index, settings);
      if (plan.lines.length === 0 && firstProblem === undefined) {
        const first = Object.values(plan.errors)[0];
        firstProblem = `document ${index + 1}: ${first ? `${first.code}: ${first.message}` : "not sent"}`;
      }
      const lineBytes = plan.lines.map((l) => Buffer.byteLength(l, "utf8") + 1);
      const docBytes = lineBytes.reduce((a, b) => a + b, 0);
      if (plan.lines.length > limits.maxLinesPerJob || docBytes > limits.maxBytesPerJob) {
        throw new ComprehendInputError(
          "source",
          `document ${index + 1} alone is over a job's limits (${limits.maxLinesPerJob} lines, ${limits.maxBytesPerJob} bytes)`,
        );
      }
      if (plan.lines.length > 0) {
        if (current && (current.part.lines + plan.lines.length > limits.maxLinesPerJob || current.part.bytes + docBytes > limits.maxBytesPerJob)) {
          await current.file.close();
          current = undefined;
        }
        current ??= newPart();
        for (let i = 0; i < plan.lines.length; i++) {
          await current.file.write(`${plan.lines[i]}\n`, lineBytes[i] ?? 0);
          units += unitsOf(plan.lines[i] ?? "");
        }
        current.part.lines += plan.lines.length;
        current.part.bytes += docBytes;
        lines += plan.lines.length;
        bytes += docBytes;
      }
      // Documents not sent belong to the part being written (or the next one): only the count matters.
      if (current) current.part.documents++;
      else if (parts.length === 0) pendingBeforeFirst++;
      if (spill) {
        const text = spillLine(item, shapeOf(plan), index, codec);
        await spill.write(text, text.length);
      }
    }
    await current?.file.close();
    await spill?.close();
  } catch (err) {
    current?.file.destroy();
    spill?.destroy();
    await dispose();
    throw err;
  }
  if (documents === 0) {
    await dispose();
    throw new ComprehendInputError("source", "the input has no documents: give at least one");
  }
  if (lines === 0) {
    await dispose();
    throw new ComprehendInputError("source", `none of the ${documents} document(s) can be sent (${firstProblem ?? "all are empty"}); nothing was uploaded`);
  }
  const first = parts[0];
  if (first) first.documents += pendingBeforeFirst;
  return { dir, parts, documents, lines, bytes, units, spill: spill?.path, dispose };
}
