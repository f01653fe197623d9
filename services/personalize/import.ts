/**
 * `importDataset(datasetArn, source, key?, options?)`: validate a dataset CSV while it streams to
 * `personalize/`, then have Personalize import it and wait for the job.
 *
 * Nothing is half-done: the first invalid row aborts the upload (no object, no parts, no import job)
 * and the whole file is still read, so the report lists what else is wrong.
 */
import type { DatasetImportJob } from "@aws-sdk/client-personalize";
import { formatDuration, pollUntil, WaitFailedError } from "../poll";
import { classify } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { aiKey, assertAiKey } from "../storage";
import type { ValidationReport } from "./csv";
import { ImportConfigError, ImportJobFailedError, type ImportMode, ImportStartError, MAX_IMPORT_BYTES } from "./errors";
import { type DatasetSchema, type DatasetType, builtinSchema } from "./schemas";
import type { CsvSource } from "./source";
import { uploadValidated } from "./upload";
import { ownedArn, ownedName } from "./owned";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

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
  /** Parts uploaded at once (default 2, see DEFAULT_UPLOAD_CONCURRENCY); each holds partSize bytes. */
  uploadConcurrency?: number;
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

const DATASET_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:dataset\/([^/]+)\/(INTERACTIONS|ITEMS|USERS|ACTIONS|ACTION_INTERACTIONS)$/;

/** Contexts already told that their endpoint cannot describe datasets: said once, not per import. */
const toldNoDescribe = new WeakSet<ServiceContext>();

/**
 * Whether the dataset exists, asked before anything is uploaded. A well-formed ARN of a dataset that
 * is not there is a usage error; an endpoint without DescribeDataset (the local emulator) is said
 * once and the import goes on.
 */
async function checkDatasetExists(ctx: ServiceContext, datasetArn: string): Promise<void> {
  try {
    await ctx.clients.personalize.send(new (sdkPersonalize().DescribeDatasetCommand)({ datasetArn }));
  } catch (err) {
    if ((err as { name?: string }).name === "ResourceNotFoundException") {
      throw new ImportConfigError(`dataset ${datasetArn} does not exist (DescribeDataset): create it first, e.g. with \`roadmapx-ai personalize setup\``);
    }
    if (classify(err, "personalize:DescribeDataset", datasetArn).kind !== "unavailable") throw err;
    if (!toldNoDescribe.has(ctx)) {
      toldNoDescribe.add(ctx);
      ctx.logger.warn("this endpoint does not implement DescribeDataset: the dataset's existence is not checked before the upload");
    }
  }
}

export function datasetTypeOf(datasetArn: string): DatasetType | undefined {
  const type = DATASET_ARN.exec(datasetArn)?.[2];
  return type === "INTERACTIONS" ? "interactions" : type === "ITEMS" ? "items" : type === "USERS" ? "users" : undefined;
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
  // A malformed ARN is refused before anything is sent or uploaded.
  if (!DATASET_ARN.test(datasetArn)) {
    throw new ImportConfigError(
      `"${datasetArn}" is not a dataset ARN: expected arn:aws:personalize:REGION:ACCOUNT:dataset/GROUP/TYPE (TYPE: INTERACTIONS, ITEMS or USERS)`,
    );
  }
  ownedArn(ctx, "the dataset", datasetArn, (m) => new ImportConfigError(m));
  const jobName = options.jobName === undefined ? undefined : ownedName(ctx, "jobName", options.jobName, (m) => new ImportConfigError(m));
  const arnType = datasetTypeOf(datasetArn);
  const type = options.schema?.type ?? options.datasetType ?? arnType;
  if (!type) {
    throw new ImportConfigError(`cannot tell the dataset type from "${datasetArn}": pass options.datasetType (interactions, items or users)`);
  }
  if (arnType && arnType !== type) {
    throw new ImportConfigError(`${datasetArn} is a dataset of ${arnType}, but the data is ${type}: import it into the ${type} dataset`);
  }
  const roleArn = ctx.config.personalizeRoleArn;
  if (!roleArn) throw new ImportConfigError("no Personalize role: set PERSONALIZE_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)");
  const schema = options.schema ?? builtinSchema(type);
  const objectKey = key ?? aiKey("personalize", "datasets", type, `${new Date().toISOString().replace(/[:.]/g, "-")}.csv`);
  if (assertAiKey(objectKey) !== "personalize") throw new ImportConfigError(`import data goes under personalize/ (got "${objectKey}")`);
  const personalize = ctx.clients.personalize;
  await checkDatasetExists(ctx, datasetArn);

  if (mode === "INCREMENTAL") {
    const previous = await personalize.send(new (sdkPersonalize().ListDatasetImportJobsCommand)({ datasetArn, maxResults: 100 }));
    if (!previous.datasetImportJobs?.some((j) => j.status === "ACTIVE")) {
      throw new ImportConfigError(`the first import into ${datasetArn} must be FULL: no earlier import job is ACTIVE`);
    }
  }

  const { uri, report } = await uploadValidated(ctx, objectKey, source, schema, {
    maxBytes: MAX_IMPORT_BYTES[mode],
    ...(options.partSize ? { partSize: options.partSize } : {}),
    ...(options.uploadConcurrency ? { queueSize: options.uploadConcurrency } : {}),
    onProgress: (p) => options.onProgress?.({ phase: "upload", bytes: p.loaded, elapsedMs: elapsed() }),
  });
  for (const warning of report.warnings) ctx.logger.warn(`training readiness: ${warning}`);
  ctx.logger.warn("cost: Personalize bills data ingestion per GB imported.");

  const importJobName = jobName ?? `${ctx.config.resourceNamePrefix}-${type}-${Date.now()}`;
  const retryUntil = Date.now() + (options.accessDeniedRetryMs ?? 90_000);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let jobArn: string | undefined;
  for (let delay = 2000; ; delay = Math.min(delay * 2, 15_000)) {
    try {
      const created = await personalize.send(
        new (sdkPersonalize().CreateDatasetImportJobCommand)({
          jobName: importJobName,
          datasetArn,
          dataSource: { dataLocation: uri },
          roleArn,
          importMode: mode,
        }),
      );
      jobArn = created.datasetImportJobArn;
      break;
    } catch (err) {
      if (!isFreshRoleDenial(err) || Date.now() + delay > retryUntil) throw new ImportStartError(uri, err);
      ctx.logger.info(`Personalize cannot use ${roleArn} yet (${(err as Error).message}); IAM changes take a minute to propagate, retrying`);
      await sleep(delay);
    }
  }
  if (!jobArn) throw new Error("CreateDatasetImportJob returned no ARN");
  if (options.wait === false) {
    return { jobArn, status: "CREATE PENDING", key: objectKey, uri: uri, report, elapsedMs: elapsed() };
  }
  let job: DatasetImportJob | undefined;
  try {
    const described = await pollUntil({
      what: `dataset import job ${jobArn}`,
      describe: async () => (await personalize.send(new (sdkPersonalize().DescribeDatasetImportJobCommand)({ datasetImportJobArn: jobArn }))).datasetImportJob,
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
    if (err instanceof WaitFailedError) throw new ImportJobFailedError(jobArn, err.reason, uri);
    throw err;
  }
  ctx.logger.info(`import ${importJobName} is ${job?.status} after ${formatDuration(elapsed())}`);
  return { jobArn, status: job?.status ?? "ACTIVE", key: objectKey, uri: uri, report, elapsedMs: elapsed() };
}
