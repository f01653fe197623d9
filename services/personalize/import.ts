/**
 * `importDataset(datasetArn, source, key?, options?)`: validate a dataset CSV while it streams to
 * `personalize/`, then have Personalize import it and wait for the job.
 *
 * Nothing is half-done: the first invalid row aborts the upload (no object, no parts, no import job)
 * and the whole file is still read, so the report lists what else is wrong.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import {
  CreateDatasetImportJobCommand,
  DescribeDatasetImportJobCommand,
  type DatasetImportJob,
  ListDatasetImportJobsCommand,
} from "@aws-sdk/client-personalize";
import { stringify } from "csv-stringify/sync";
import { formatDuration, pollUntil, WaitFailedError } from "../poll";
import type { ServiceContext } from "../context";
import { aiKey, assertAiKey } from "../storage";
import { CsvValidator, type ValidationReport } from "./csv";
import { type DatasetSchema, type DatasetType, builtinSchema } from "./schemas";

export type CsvValue = string | number | boolean | null | undefined;
export type CsvRow = Readonly<Record<string, CsvValue>> | readonly CsvValue[];

/**
 * What can be imported: CSV text, CSV bytes, a stream of CSV bytes, `{ path }` of a CSV file, or an
 * (async) iterable of rows (objects keyed by field name, or arrays in schema field order).
 */
export type CsvSource = string | Uint8Array | Readable | { path: string } | AsyncIterable<CsvRow | Uint8Array | string> | Iterable<CsvRow>;

export type ImportMode = "FULL" | "INCREMENTAL";

export interface ImportProgress {
  phase: "upload" | "import";
  /** Bytes uploaded so far (upload phase). */
  bytes?: number;
  rows?: number;
  /** The import job's status (import phase). */
  status?: string;
  elapsedMs: number;
}

export interface ImportOptions {
  /** The dataset's type; read from the dataset ARN when absent (`.../dataset/GROUP/INTERACTIONS`). */
  datasetType?: DatasetType;
  /** A custom schema; the built-in one for the type when absent. */
  schema?: DatasetSchema;
  /** FULL replaces the dataset (the first import must be FULL); INCREMENTAL adds to it. */
  mode?: ImportMode;
  jobName?: string;
  /** Wait for the job to finish (default true). */
  wait?: boolean;
  /** Give up waiting after this long (default 4 h); the job itself goes on. */
  timeoutMs?: number;
  /** How long to keep retrying the AccessDenied of a role IAM has not propagated yet (default 90 s). */
  accessDeniedRetryMs?: number;
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  partSize?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** For tests: how to wait, and what time it is. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface ImportResult {
  jobArn: string;
  status: string;
  key: string;
  uri: string;
  report: ValidationReport;
  elapsedMs: number;
}

export class ImportValidationError extends Error {
  constructor(readonly report: ValidationReport) {
    const first = report.errors[0];
    super(
      `the CSV has ${report.errorCount} error(s)${first ? `, first at line ${first.line}: ${first.message}` : ""}; ` +
        "nothing was uploaded and no import job was started",
    );
    this.name = "ImportValidationError";
  }
}

export class ImportJobFailedError extends Error {
  constructor(
    readonly jobArn: string,
    readonly failureReason: string | undefined,
    readonly uri: string,
  ) {
    super(`dataset import job ${jobArn} failed: ${failureReason ?? "no reason given"} (the data stays at ${uri})`);
    this.name = "ImportJobFailedError";
  }
}

/** The data is in the bucket, but Personalize would not start the job (the cause says why). */
export class ImportStartError extends Error {
  constructor(
    readonly uri: string,
    cause: unknown,
  ) {
    super(`the data is at ${uri}, but starting the import job failed`, { cause });
    this.name = "ImportStartError";
  }
}

export class ImportConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportConfigError";
  }
}

/** Personalize refuses bigger imports (per job). */
export const MAX_IMPORT_BYTES: Readonly<Record<ImportMode, number>> = { FULL: 100 * 1024 ** 3, INCREMENTAL: 1024 ** 3 };

const DATASET_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:dataset\/([^/]+)\/(INTERACTIONS|ITEMS|USERS|ACTIONS|ACTION_INTERACTIONS)$/;

export function datasetTypeOf(datasetArn: string): DatasetType | undefined {
  const type = DATASET_ARN.exec(datasetArn)?.[2];
  return type === "INTERACTIONS" ? "interactions" : type === "ITEMS" ? "items" : type === "USERS" ? "users" : undefined;
}

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
  const stream = source instanceof Readable ? source : "path" in source && typeof source.path === "string" ? createReadStream(source.path) : undefined;
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

/** IAM changes take a while to reach Personalize: a fresh role is refused at first. */
function isFreshRoleDenial(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  if (e.name === "AccessDeniedException") return true;
  return e.name === "InvalidInputException" && /role|assume|access|permission/i.test(e.message ?? "");
}

export async function importDataset(
  ctx: ServiceContext,
  datasetArn: string,
  source: CsvSource,
  key?: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const started = Date.now();
  const elapsed = () => Date.now() - started;
  const mode = options.mode ?? "FULL";
  if (mode !== "FULL" && mode !== "INCREMENTAL") throw new ImportConfigError(`mode must be FULL or INCREMENTAL (got ${String(mode)})`);
  const type = options.schema?.type ?? options.datasetType ?? datasetTypeOf(datasetArn);
  if (!type) {
    throw new ImportConfigError(
      `cannot tell the dataset type from "${datasetArn}": pass a dataset ARN (arn:aws:personalize:REGION:ACCOUNT:dataset/GROUP/INTERACTIONS) or options.datasetType`,
    );
  }
  const roleArn = ctx.config.personalizeRoleArn;
  if (!roleArn) throw new ImportConfigError("no Personalize role: set PERSONALIZE_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)");
  const schema = options.schema ?? builtinSchema(type);
  const objectKey = key ?? aiKey("personalize", "datasets", type, `${new Date().toISOString().replace(/[:.]/g, "-")}.csv`);
  if (assertAiKey(objectKey) !== "personalize") throw new ImportConfigError(`import data goes under personalize/ (got "${objectKey}")`);
  const personalize = ctx.clients.personalize;

  if (mode === "INCREMENTAL") {
    const previous = await personalize.send(new ListDatasetImportJobsCommand({ datasetArn, maxResults: 100 }));
    if (!previous.datasetImportJobs?.some((j) => j.status === "ACTIVE")) {
      throw new ImportConfigError(`the first import into ${datasetArn} must be FULL: no earlier import job is ACTIVE`);
    }
  }

  // Validate while streaming: the validator sees every byte before the upload does. The first
  // error (or the size limit) ends the upload's stream with an error, which aborts the multipart
  // upload; the source itself stays open so the rest of it can still be validated.
  const validator = new CsvValidator(schema);
  const bytes = csvBytes(source, schema);
  const limit = MAX_IMPORT_BYTES[mode];
  let total = 0;
  let report: ValidationReport | undefined;
  let stopped: "invalid" | "too-big" | undefined;
  async function* validatedChunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = await bytes.next();
      if (next.done) {
        // Errors only visible at the end (an empty file, a bad last line) still stop the upload
        // before it completes.
        report = validator.end();
        if (!report.valid) {
          stopped = "invalid";
          throw new Error("the CSV is not valid");
        }
        return;
      }
      validator.write(next.value);
      total += next.value.byteLength;
      if (validator.failed) {
        stopped = "invalid";
        throw new Error("the CSV is not valid");
      }
      if (total > limit) {
        stopped = "too-big";
        throw new Error(`larger than the ${mode} import limit`);
      }
      yield next.value;
    }
  }
  let uploaded: { uri: string } | undefined;
  try {
    uploaded = await ctx.storage.upload(objectKey, validatedChunks(), {
      contentType: "text/csv",
      ...(options.partSize ? { partSize: options.partSize } : {}),
      onProgress: (p) => options.onProgress?.({ phase: "upload", bytes: p.loaded, elapsedMs: elapsed() }),
    });
  } catch (err) {
    if (!stopped) throw err;
  }
  if (stopped === "invalid") {
    if (!report) {
      for (let next = await bytes.next(); !next.done; next = await bytes.next()) validator.write(next.value);
      report = validator.end();
    }
    throw new ImportValidationError(report);
  }
  if (stopped === "too-big" || !uploaded || !report) {
    throw new ImportConfigError(
      `the file is larger than the ${mode} import limit of ${limit / 1024 ** 3} GiB; split it into several imports (nothing was uploaded)`,
    );
  }
  for (const warning of report.warnings) ctx.logger.warn(`training readiness: ${warning}`);
  ctx.logger.warn("cost: Personalize bills data ingestion per GB imported.");

  const jobName = options.jobName ?? `roadmapx-${type}-${Date.now()}`;
  const retryUntil = Date.now() + (options.accessDeniedRetryMs ?? 90_000);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let jobArn: string | undefined;
  for (let delay = 2000; ; delay = Math.min(delay * 2, 15_000)) {
    try {
      const created = await personalize.send(
        new CreateDatasetImportJobCommand({
          jobName,
          datasetArn,
          dataSource: { dataLocation: uploaded.uri },
          roleArn,
          importMode: mode,
        }),
      );
      jobArn = created.datasetImportJobArn;
      break;
    } catch (err) {
      if (!isFreshRoleDenial(err) || Date.now() + delay > retryUntil) throw new ImportStartError(uploaded.uri, err);
      ctx.logger.info(`Personalize cannot use ${roleArn} yet (${(err as Error).message}); IAM changes take a minute to propagate, retrying`);
      await sleep(delay);
    }
  }
  if (!jobArn) throw new Error("CreateDatasetImportJob returned no ARN");
  if (options.wait === false) {
    return { jobArn, status: "CREATE PENDING", key: objectKey, uri: uploaded.uri, report, elapsedMs: elapsed() };
  }
  let job: DatasetImportJob | undefined;
  try {
    const described = await pollUntil({
      what: `dataset import job ${jobArn}`,
      describe: async () => (await personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: jobArn }))).datasetImportJob,
      statusOf: (j) => j?.status ?? "UNKNOWN",
      done: ["ACTIVE"],
      failed: ["CREATE FAILED"],
      reasonOf: (j) => j?.failureReason,
      intervalMs: options.pollIntervalMs ?? 10_000,
      maxIntervalMs: options.maxPollIntervalMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 4 * 3600_000,
      onPoll: (s) => options.onProgress?.({ phase: "import", status: s.status, elapsedMs: elapsed() }),
      ...(options.sleep ? { sleep: options.sleep } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    job = described;
  } catch (err) {
    if (err instanceof WaitFailedError) throw new ImportJobFailedError(jobArn, err.reason, uploaded.uri);
    throw err;
  }
  ctx.logger.info(`import ${jobName} is ${job?.status} after ${formatDuration(elapsed())}`);
  return { jobArn, status: job?.status ?? "ACTIVE", key: objectKey, uri: uploaded.uri, report, elapsedMs: elapsed() };
}
