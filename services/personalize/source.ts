/** Everything `importDataset` accepts as a CSV source, turned into a stream of CSV bytes. */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { stringify } from "csv-stringify/sync";
import type { DatasetSchema } from "./schemas";

export type CsvValue = string | number | boolean | null | undefined;
export type CsvRow = Readonly<Record<string, CsvValue>> | readonly CsvValue[];

/**
 * What can be imported: CSV text, CSV bytes, a stream of CSV bytes, `{ path }` of a CSV file, or an
 * (async) iterable of rows (objects keyed by field name, or arrays in schema field order).
 */
export type CsvSource = string | Uint8Array | Readable | { path: string } | AsyncIterable<CsvRow | Uint8Array | string> | Iterable<CsvRow>;

const CHUNK = 256 * 1024;

function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

function isRow(item: unknown): item is CsvRow {
  return typeof item === "object" && item !== null && !(item instanceof Uint8Array);
}

/** Any source as a stream of CSV bytes; rows are written with a header of the schema's fields. */
export async function* csvBytes(source: CsvSource, schema: DatasetSchema): AsyncGenerator<Uint8Array> {
  if (typeof source === "string") {
    yield* slices(Buffer.from(source, "utf8"));
    return;
  }
  if (source instanceof Uint8Array) {
    yield* slices(source);
    return;
  }
  // 1 MiB reads: fewer, larger chunks for the validator (the default 64 KiB measurably slows it).
  const stream =
    source instanceof Readable
      ? source
      : "path" in source && typeof source.path === "string"
        ? createReadStream(source.path, { highWaterMark: 1024 * 1024 })
        : undefined;
  if (stream) {
    for await (const chunk of stream) yield typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array);
    return;
  }
  const names = schema.fields.map((f) => f.name);
  let headerWritten = false;
  for await (const item of source as AsyncIterable<CsvRow | Uint8Array | string>) {
    if (!isRow(item)) {
      yield typeof item === "string" ? Buffer.from(item, "utf8") : item;
      continue;
    }
    if (!headerWritten) {
      yield Buffer.from(`${names.join(",")}\n`);
      headerWritten = true;
    }
    const values = Array.isArray(item) ? (item as readonly CsvValue[]) : names.map((n) => (item as Record<string, CsvValue>)[n]);
    yield Buffer.from(stringify([values.map((v) => (v === null || v === undefined ? "" : String(v)))]));
  }
}
