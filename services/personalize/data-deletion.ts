/**
 * Deleting users' data from a dataset group (a RoadmapX account deletion): the user ids stream as a
 * CSV to `personalize/deletions/<job>.csv`, checked id by id on the way (a bad one stops the upload,
 * which is aborted: nothing is left in the bucket and no job starts), then a data deletion job reads
 * it with the Personalize role. The job can take up to a day: `waitForDataDeletion` waits separately.
 *
 * "Deleting users and their data with a data deletion job" / API reference, CreateDataDeletionJob:
 * the input is "a CSV file with a single USER_ID column"; the role needs GetObject and ListBucket on
 * the bucket (as for imports); "The maximum total size for one or more data deletion input files is
 * 100 MB"; at most 5 deletion jobs PENDING per dataset group; jobName 1 to 63 characters of
 * ^[a-zA-Z0-9][a-zA-Z0-9\-_]*; status PENDING > IN_PROGRESS > COMPLETED -or- FAILED.
 *
 * Ids: 1 to 256 characters (a USER_ID's limit, schemas.ts), no line break (Personalize reads one
 * record per line). An id holding a comma or a double quote is written quoted as CSV ("a,b",
 * "say ""hi""") — the dataset CSVs this project validates may hold such ids, and quoting is how CSV
 * carries them.
 */
import type { ServiceContext } from "../context";
import { aiKey, UploadAbortedError } from "../storage";
import { WorkflowError } from "./errors";
import { ownedArn, ownedName } from "./owned";
import { numberedLines } from "./numbered-lines";
import { MAX_ID_LENGTH } from "./schemas";
import type { PersonalizeWaits } from "./waits";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

/** The input files of data deletion jobs: at most 100 MB in all. */
export const MAX_DELETION_INPUT_BYTES = 100 * 1000 * 1000;
/** "it can take up to a day to delete all references to the users". */
export const DEFAULT_DELETION_WAIT_MS = 24 * 3600_000;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/;
const DELETION_JOB_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:data-deletion-job\/[^/]+$/;
/** The CSV leaves the generator in pieces of about this size: memory stays flat whatever the number of ids. */
export const DELETION_CHUNK_BYTES = 64 * 1024;

/** Where deletion inputs go (inside personalize/, which the Personalize role reads). */
export const DELETIONS_PREFIX = `${aiKey("personalize", "deletions")}/`;

export type UserIdSource = Iterable<string> | AsyncIterable<string> | { path: string };

/** An id that cannot go into the deletion CSV, or no ids at all: nothing was uploaded, no job started. */
export class DeletionInputError extends WorkflowError {
  constructor(message: string) {
    super(message);
    this.name = "DeletionInputError";
  }
}

function isPath(source: UserIdSource): source is { path: string } {
  return typeof source === "object" && source !== null && !(Symbol.iterator in source) && !(Symbol.asyncIterator in source) && "path" in source;
}

/** The ids with where each came from: `record 3`, or `users.txt line 3` (blank lines of a file skipped). */
async function* located(source: UserIdSource): AsyncGenerator<{ id: unknown; where: string }> {
  if (!isPath(source)) {
    let n = 0;
    for await (const id of source as AsyncIterable<unknown>) yield { id, where: `user id ${++n}` };
    return;
  }
  const lines = numberedLines(source.path, (p) =>
    p.missing ? new DeletionInputError(`${source.path} does not exist`) : new DeletionInputError(`cannot read ${source.path}: ${p.reason}`),
  );
  for await (const { line, n } of lines) yield { id: line, where: `${source.path} line ${n}` };
}

/** One id as a CSV field: checked, quoted when it holds a comma or a quote. */
function field(id: unknown, where: string, csvLine: number): string {
  if (typeof id !== "string") throw new DeletionInputError(`${where} (CSV line ${csvLine}): a user id must be a string (got ${JSON.stringify(id)})`);
  if (id.length === 0) throw new DeletionInputError(`${where} (CSV line ${csvLine}): the user id is empty`);
  if (id.length > MAX_ID_LENGTH) {
    throw new DeletionInputError(`${where} (CSV line ${csvLine}): the user id is ${id.length} characters long; Personalize allows ${MAX_ID_LENGTH}`);
  }
  if (/[\r\n]/.test(id)) throw new DeletionInputError(`${where} (CSV line ${csvLine}): the user id holds a line break; Personalize reads one id per line`);
  return /[",]/.test(id) ? `"${id.replaceAll('"', '""')}"` : id;
}

/**
 * The deletion CSV (`USER_ID`, then one id per line) as chunks of about 64 KiB, each id checked as it
 * passes; `stats.users` counts them. Throws DeletionInputError at the first bad id, or at the end when
 * there was none or the file passed 100 MB.
 */
export async function* deletionCsv(
  source: UserIdSource,
  stats: { users: number; bytes: number },
  maxBytes = MAX_DELETION_INPUT_BYTES,
): AsyncGenerator<Uint8Array> {
  let pending = "USER_ID\n";
  for await (const { id, where } of located(source)) {
    pending += `${field(id, where, stats.users + 2)}\n`;
    stats.users++;
    if (pending.length >= DELETION_CHUNK_BYTES) {
      const bytes = Buffer.from(pending, "utf8");
      stats.bytes += bytes.length;
      if (stats.bytes > maxBytes)
        throw new DeletionInputError(`the deletion CSV passes Personalize's ${maxBytes / 1e6} MB at ${where}: split the users into several jobs`);
      yield bytes;
      pending = "";
    }
  }
  if (stats.users === 0) throw new DeletionInputError("no user ids to delete: give one id per line");
  const bytes = Buffer.from(pending, "utf8");
  stats.bytes += bytes.length;
  if (stats.bytes > maxBytes) throw new DeletionInputError(`the deletion CSV passes Personalize's ${maxBytes / 1e6} MB: split the users into several jobs`);
  if (bytes.length > 0) yield bytes;
}

/**
 * Streams the ids to `personalize/deletions/<jobName>.csv` and starts the data deletion job with the
 * Personalize role; returns the job's ARN at once (`waitForDataDeletion` waits for it).
 */
export async function deleteUserData(
  ctx: ServiceContext,
  args: { datasetGroupArn: string; userIds: UserIdSource; jobName?: string },
): Promise<{ jobArn: string; key: string; users: number }> {
  ownedArn(ctx, "datasetGroupArn", args.datasetGroupArn);
  const jobName = args.jobName ?? `${ctx.config.resourceNamePrefix}-deletion-${Date.now()}`;
  ownedName(ctx, "jobName", jobName);
  if (!NAME.test(jobName)) throw new WorkflowError(`jobName "${jobName}" must be 1 to 63 letters, digits, "-" or "_", starting with a letter or digit`);
  const roleArn = ctx.config.personalizeRoleArn;
  if (!roleArn) throw new WorkflowError("no Personalize role: set PERSONALIZE_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)");
  if (args.userIds === undefined || args.userIds === null)
    throw new DeletionInputError("userIds is required: an iterable of ids, or { path } of a file with one id per line");
  if (ctx.config.kmsKeyArn) {
    // "Deleting users and their data", guidelines: the bucket holding the list of user IDs cannot use your own KMS key.
    ctx.logger.warn(
      `personalize: the AI bucket is encrypted with your KMS key ${ctx.config.kmsKeyArn}, and AWS documents that a data deletion job cannot read its list of users from such a bucket: if the job fails reading it, start it with the list in a bucket without a customer managed key.`,
    );
  }
  const key = aiKey("personalize", "deletions", `${jobName}.csv`);
  const stats = { users: 0, bytes: 0 };
  try {
    await ctx.storage.upload(key, deletionCsv(args.userIds, stats), { contentType: "text/csv" });
  } catch (err) {
    // A bad id stopped the upload, which was aborted: the id is what to report.
    if (err instanceof UploadAbortedError && err.cause instanceof DeletionInputError) throw err.cause;
    throw err;
  }
  const uri = ctx.storage.uriOf(key);
  ctx.logger.info(`personalize: uploaded ${stats.users} user id(s) to delete to ${uri}`);
  const jobArn = (
    await ctx.clients.personalize.send(
      new (sdkPersonalize().CreateDataDeletionJobCommand)({
        jobName,
        datasetGroupArn: args.datasetGroupArn,
        dataSource: { dataLocation: uri },
        roleArn,
      }),
    )
  ).dataDeletionJobArn;
  if (!jobArn) throw new WorkflowError("CreateDataDeletionJob returned no ARN");
  ctx.logger.info(
    `personalize: started data deletion job ${jobArn}; it can take up to a day. Afterwards retrain (a new solution version) and update campaigns, so that models forget the users too.`,
  );
  return { jobArn, key, users: stats.users };
}

/**
 * Waits until a data deletion job is COMPLETED (default: up to a day); FAILED ends in WaitFailedError
 * with Personalize's reason. Once COMPLETED, the input CSV under `personalize/deletions/` is removed
 * unless `keepInput`: it lists the users who asked to be forgotten, and the job no longer needs it.
 */
export async function waitForDataDeletion(
  ctx: ServiceContext,
  waits: PersonalizeWaits,
  jobArn: string,
  options: { timeoutMs?: number; keepInput?: boolean } = {},
): Promise<{ status: "COMPLETED"; numDeleted?: number; inputRemoved?: string }> {
  if (!DELETION_JOB_ARN.test(jobArn)) {
    throw new WorkflowError(`"${jobArn}" is not a data deletion job ARN: expected arn:aws:personalize:REGION:ACCOUNT:data-deletion-job/NAME`);
  }
  ownedArn(ctx, "jobArn", jobArn);
  const job = await waits.waitFor(
    `data deletion job ${jobArn}`,
    async () => (await ctx.clients.personalize.send(new (sdkPersonalize().DescribeDataDeletionJobCommand)({ dataDeletionJobArn: jobArn }))).dataDeletionJob,
    (j) => j?.status,
    (j) => j?.failureReason,
    options.timeoutMs ?? DEFAULT_DELETION_WAIT_MS,
    { done: ["COMPLETED"], failed: ["FAILED"] },
  );
  const inputRemoved = options.keepInput ? undefined : await removeDeletionInput(ctx, job?.dataSource?.dataLocation);
  return {
    status: "COMPLETED",
    ...(job?.numDeleted !== undefined ? { numDeleted: job.numDeleted } : {}),
    ...(inputRemoved !== undefined ? { inputRemoved } : {}),
  };
}

/** Removes a finished job's input when it is one this module wrote (in this bucket, under personalize/deletions/); returns its URI. */
async function removeDeletionInput(ctx: ServiceContext, dataLocation: string | undefined): Promise<string | undefined> {
  if (!dataLocation) return undefined;
  let key: string;
  try {
    key = ctx.storage.keyOfUri(dataLocation, "dataLocation").key;
  } catch {
    return undefined; // another bucket or prefix: not ours to remove
  }
  if (!key.startsWith(DELETIONS_PREFIX)) return undefined;
  await ctx.storage.delete(key);
  ctx.logger.info(`personalize: removed the deletion input ${dataLocation} (the job is COMPLETED)`);
  return dataLocation;
}
