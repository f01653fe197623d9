/**
 * A transform job's input, checked before anything is sent and then put where the job reads it:
 * `sagemaker/transform/input/<job>/` (PREFIXES.transformInput, the prefix the execution role may
 * read). Three forms:
 * - `{ prefix }`: objects already under sagemaker/transform/input/ (an `s3://` URI of the AI bucket,
 *   or a key); at least one object must be there;
 * - `{ path }`: a local file, sent from the file by the upload engine (services/storage.ts);
 * - `{ records }`: strings, one record each, streamed into one object, one record a line.
 * Records are streamed: neither form holds the input in memory.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { PREFIXES } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { aiKey, assertAiKey, type UploadProgress } from "../storage";
import { UploadAbortedError } from "../storage-errors";
import { SageMakerInputError } from "./validate";

export type TransformInput = { prefix: string } | { records: Iterable<string> | AsyncIterable<string>; name?: string } | { path: string; name?: string };

/** What was checked, ready to be staged. */
export type InputPlan =
  | { kind: "prefix"; key: string }
  | { kind: "path"; path: string; name: string; bytes: number }
  | { kind: "records"; name: string; first: string; rest: AsyncIterator<string> | Iterator<string> };

export interface StagedInput {
  /** The S3Prefix the job reads: `s3://BUCKET/sagemaker/transform/input/<job>/`, or the given prefix. */
  uri: string;
  /** What was uploaded, for `{ path }` and `{ records }`. */
  uploaded?: { uri: string; records?: number | undefined };
}

/** Records go up in pieces of about this size, not one buffer per record. */
const PIECE_BYTES = 64 * 1024;

function recordProblem(record: unknown, index: number): SageMakerInputError | undefined {
  const field = `input.records[${index}]`;
  if (typeof record !== "string") return new SageMakerInputError(field, `is a ${typeof record}, not a string`);
  if (record === "") return new SageMakerInputError(field, "is empty: SageMaker skips empty lines, so every record needs some text");
  if (/[\r\n]/.test(record)) {
    return new SageMakerInputError(field, "contains a line break: with SplitType Line each line is a record, so escape it (JSON strings do) or remove it");
  }
  return undefined;
}

/** `records.jsonl` for JSON types, `records.csv` for CSV, else `records.txt`. */
function defaultRecordsName(contentType: string): string {
  if (/json/i.test(contentType)) return "records.jsonl";
  if (/csv/i.test(contentType)) return "records.csv";
  return "records.txt";
}

/** The object name inside the job's folder: one path segment. */
function objectName(field: string, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(name)) {
    throw new SageMakerInputError(field, `"${name}" is not an object name: use letters, digits, '.', '-' and '_' (starting with a letter or digit)`);
  }
  return name;
}

/** The key prefix of `{ prefix }`, which must lie under sagemaker/transform/input/. */
function prefixKey(ctx: ServiceContext, prefix: string): string {
  const bucketUri = `s3://${ctx.storage.bucket}/`;
  let key: string;
  if (prefix.startsWith("s3://")) {
    if (!prefix.startsWith(bucketUri))
      throw new SageMakerInputError("input.prefix", `${prefix} is not in the AI bucket: give an ${bucketUri}${PREFIXES.transformInput}... URI`);
    key = prefix.slice(bucketUri.length);
  } else {
    key = prefix;
  }
  if (!key.startsWith(PREFIXES.transformInput) || key.length === PREFIXES.transformInput.length) {
    throw new SageMakerInputError(
      "input.prefix",
      `${prefix} is not under ${bucketUri}${PREFIXES.transformInput}: the model's execution role reads transform input only there (upload it there, or pass a file)`,
    );
  }
  // The same key rules as every upload (no "..", no empty segments); a trailing "/" names a folder.
  assertAiKey(key.endsWith("/") ? key.slice(0, -1) : key);
  return key;
}

/** Checks the input without sending anything; a records source is read up to its first record. */
export async function planInput(ctx: ServiceContext, input: TransformInput, options: { contentType: string; splitType: string }): Promise<InputPlan> {
  if ("prefix" in input) return { kind: "prefix", key: prefixKey(ctx, input.prefix) };
  if ("path" in input) {
    let stats;
    try {
      stats = await stat(input.path);
    } catch {
      throw new SageMakerInputError("input.path", `${input.path} does not exist`);
    }
    if (!stats.isFile()) throw new SageMakerInputError("input.path", `${input.path} is not a file`);
    if (stats.size === 0) throw new SageMakerInputError("input.path", `${input.path} is empty: there is nothing to transform`);
    return { kind: "path", path: input.path, name: objectName("input.name", input.name ?? basename(input.path)), bytes: stats.size };
  }
  if (options.splitType !== "Line") {
    throw new SageMakerInputError("splitType", `records go up one a line, so they need splitType "Line" (got "${options.splitType}")`);
  }
  const source = input.records as Partial<AsyncIterable<string> & Iterable<string>>;
  const iterator = source[Symbol.asyncIterator]?.() ?? source[Symbol.iterator]?.();
  if (!iterator) throw new SageMakerInputError("input.records", "is neither an iterable nor an async iterable of strings");
  const first = await iterator.next();
  if (first.done) throw new SageMakerInputError("input.records", "holds no records: there is nothing to transform");
  const problem = recordProblem(first.value, 0);
  if (problem) throw problem;
  return { kind: "records", name: objectName("input.name", input.name ?? defaultRecordsName(options.contentType)), first: first.value, rest: iterator };
}

/** The records as bytes, one a line, checked as they pass; counts them into `counter`. */
async function* recordBytes(plan: Extract<InputPlan, { kind: "records" }>, counter: { records: number }): AsyncGenerator<Uint8Array> {
  let piece: string[] = [];
  let size = 0;
  const add = (record: string) => {
    piece.push(record, "\n");
    size += record.length + 1;
    counter.records++;
  };
  add(plan.first);
  for (let next = await plan.rest.next(); !next.done; next = await plan.rest.next()) {
    const problem = recordProblem(next.value, counter.records);
    if (problem) throw problem;
    add(next.value);
    if (size >= PIECE_BYTES) {
      yield Buffer.from(piece.join(""), "utf8");
      piece = [];
      size = 0;
    }
  }
  if (piece.length) yield Buffer.from(piece.join(""), "utf8");
}

/** Puts the input where the job reads it (or checks that a prefix holds objects). */
export async function stageInput(
  ctx: ServiceContext,
  plan: InputPlan,
  jobName: string,
  options: { contentType: string; onProgress?: ((progress: UploadProgress) => void) | undefined },
): Promise<StagedInput> {
  if (plan.kind === "prefix") {
    const listed = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.storage.bucket, Prefix: plan.key, MaxKeys: 1 }));
    if (!listed.KeyCount) throw new SageMakerInputError("input.prefix", `no objects under ${ctx.storage.uriOf(plan.key)}: there is nothing to transform`);
    return { uri: ctx.storage.uriOf(plan.key) };
  }
  const folder = `${aiKey("transformInput", jobName)}/`;
  const key = aiKey("transformInput", jobName, plan.name);
  const upload = { contentType: options.contentType, ...(options.onProgress ? { onProgress: options.onProgress } : {}) };
  if (plan.kind === "path") {
    const result = await ctx.storage.upload(key, { path: plan.path }, upload);
    return { uri: ctx.storage.uriOf(folder), uploaded: { uri: result.uri } };
  }
  const counter = { records: 0 };
  try {
    const result = await ctx.storage.upload(key, recordBytes(plan, counter), upload);
    return { uri: ctx.storage.uriOf(folder), uploaded: { uri: result.uri, records: counter.records } };
  } catch (err) {
    // A bad record stopped the upload (and nothing was left): say which record, not that an upload aborted.
    if (err instanceof UploadAbortedError && err.cause instanceof SageMakerInputError) throw err.cause;
    throw err;
  }
}
