/**
 * One asynchronous run: stage and check the input (job-staging.ts), upload it as ONE_DOC_PER_LINE
 * parts under `comprehend/input/<run>/`, announce the cost, start one job per operation and part
 * with the Comprehend role, and later read every job's output back (job-output.ts) and merge the
 * operations per document, in input order, into the shape analyzeMany yields.
 *
 * The read-back walks the documents again (the source once more when it is a function, else the
 * spill file written while staging), plans each one as it was planned for upload, and takes that
 * many lines from each operation's output, which job-order.ts hands over in line order. So memory
 * holds one document and, per operation, one decompressed chunk plus the reorder window; never the
 * results of the run.
 *
 * Layout: `comprehend/input/<run>/part-00000/documents.txt` (one job's input each: the job's S3Uri
 * is the part folder), `comprehend/input/<run>/manifest.json` (the RunManifest, outside every part
 * folder, for resuming), and the jobs' output under `comprehend/output/<run>/`.
 */
import { createReadStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { DeleteObjectsCommand, type ListObjectsV2CommandOutput, paginateListObjectsV2 } from "@aws-sdk/client-s3";
import type { ServiceContext } from "../context";
import { uniqueJobName } from "../sagemaker/validate";
import { MIN_PART_SIZE, uploadParts } from "../part-upload";
import { aiKey, assertAiKey } from "../storage";
import { mergePieces } from "./merge";
import { defaultText } from "./pipeline";
import { comprehendRole, checkAsyncOptions } from "./job-checks";
import { type DocShape, OversizeDocumentError, planDocument, type PlanSettings, shapeOf } from "./job-input";
import { LIST_PRICE_PER_UNIT_USD } from "./job-limits";
import { jobRecords, outcomeOf } from "./job-output";
import type { OutputRecord } from "./job-archive";
import { JSON_CODEC, openSource, type SpilledItem, stageInput } from "./job-staging";
import type { AnalysisJob, AnalysisRun, AsyncAnalyzeOptions, AsyncJobOptions, CompletedJob, DocumentSource, RunManifest } from "./job-types";
import { describeJob, jobNameOf, parseJobArn, startJob, stopJob } from "./jobs";
import { ComprehendInputError, type Operation, OPERATIONS, type Piece } from "./text";
import type { AnalyzedDocument, OperationResult } from "./types";

/** The documents read back are not the ones the run uploaded (another file, or the file changed). */
export class InputChangedError extends ComprehendInputError {
  constructor(run: string, detail: string) {
    super("source", `the documents given for run ${run} are not the ones it uploaded (${detail}): give the same input, unchanged`);
    this.name = "InputChangedError";
  }
}

const partFolder = (index: number) => `part-${String(index).padStart(5, "0")}`;

function costMessage(m: RunManifest, jobs: number): string {
  const total = m.units * m.operations.length;
  return (
    `cost: ${jobs} Comprehend analysis job(s) (${m.operations.join(", ")}${m.parts.length > 1 ? `, each over ${m.parts.length} parts` : ""}) ` +
    `for ${m.documents} document(s) sent as ${m.lines} line(s): about ${m.units} unit(s) of 100 characters per operation ` +
    `(at least 3 per line), ${total} in all, about $${(total * LIST_PRICE_PER_UNIT_USD).toFixed(2)} at the list price of ` +
    `$${LIST_PRICE_PER_UNIT_USD} a unit, the same as the synchronous calls.`
  );
}

/**
 * Parts of a staged input file in flight at once: with MIN_PART_SIZE parts, memory is (1 + 1) x 5 MiB
 * whatever the input's size. One part on the wire while the next is read from disk; on AWS a 5 GB
 * part (the most a job takes) then goes up in about a minute.
 */
const INPUT_QUEUE_SIZE = 1;

/**
 * Uploads a staged part file through the upload engine's pooled buffers, read straight from the
 * file into them: no per-chunk buffers are left for the garbage collector (a file streamed in
 * chunks leaves its whole size in buffers waiting for a collection), so memory stays at
 * (INPUT_QUEUE_SIZE + 1) part buffers however large the input.
 */
async function uploadStagedFile(ctx: ServiceContext, key: string, path: string): Promise<void> {
  assertAiKey(key);
  const file = await open(path, "r");
  let position = 0;
  try {
    await uploadParts(
      ctx.clients.s3,
      ctx.storage.bucket,
      key,
      async (buffer) => {
        const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
        position += bytesRead;
        return bytesRead;
      },
      { partSize: MIN_PART_SIZE, queueSize: INPUT_QUEUE_SIZE, contentType: "text/plain; charset=utf-8" },
    );
  } finally {
    await file.close();
  }
}

/** Every object under the run's input and output folders, deleted (DeleteObjects, 1000 at a time). Answers how many. */
export async function deleteRunObjects(ctx: ServiceContext, manifest: Pick<RunManifest, "inputPrefix" | "outputPrefix">): Promise<number> {
  let deleted = 0;
  for (const prefix of [manifest.inputPrefix, manifest.outputPrefix]) {
    // Only a run's own folder, never a whole prefix.
    const root = [ctx.config.prefixes.comprehendInput, ctx.config.prefixes.comprehendOutput].find((r) => prefix.startsWith(r));
    if (!root || !/^[A-Za-z0-9-]+\/$/.test(prefix.slice(root.length))) throw new Error(`refusing to delete under ${prefix}: not the folder of one run`);
    const pages = paginateListObjectsV2({ client: ctx.clients.s3 }, { Bucket: ctx.storage.bucket, Prefix: prefix });
    for await (const page of pages as AsyncIterable<ListObjectsV2CommandOutput>) {
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const r = await ctx.clients.s3.send(new DeleteObjectsCommand({ Bucket: ctx.storage.bucket, Delete: { Objects: batch, Quiet: true } }));
        const failed = r.Errors ?? [];
        if (failed.length)
          throw new Error(
            `deleting ${failed.length} object(s) under ${ctx.storage.uriOf(prefix)} failed: ${failed[0]?.Key}: ${failed[0]?.Code} ${failed[0]?.Message ?? ""}`,
          );
        deleted += batch.length;
      }
    }
  }
  return deleted;
}

async function removeQuietly(ctx: ServiceContext, manifest: Pick<RunManifest, "inputPrefix" | "outputPrefix">): Promise<void> {
  await deleteRunObjects(ctx, manifest).catch((err: unknown) => ctx.logger.warn(`comprehend: could not remove the run's objects: ${(err as Error).message}`));
}

/**
 * Checks and stages the input, uploads it, announces the cost and starts every job (see the file
 * comment). Nothing is uploaded when a check fails; nothing is left in S3 when an upload or a start fails.
 */
export async function startAnalysis<T>(ctx: ServiceContext, source: DocumentSource<T>, options: AsyncAnalyzeOptions<T>): Promise<AnalysisRun> {
  const limits = checkAsyncOptions(options);
  const roleArn = comprehendRole(ctx);
  const operations = [...options.operations];
  const language = options.language ?? "en";
  const oversize = options.oversize ?? "refuse";
  const settings: PlanSettings<T> = {
    operations,
    getText: options.getText ?? (defaultText as (item: T) => string),
    oversize,
    documentBytes: limits.documentBytes,
  };
  const staged = await stageInput(source, settings, limits, { tempDir: options.tempDir, codec: options.codec });
  const name = uniqueJobName(ctx.config.resourceNamePrefix);
  const inputPrefix = `${aiKey("comprehendInput", name)}/`;
  const outputPrefix = `${aiKey("comprehendOutput", name)}/`;
  const manifest: RunManifest = {
    version: 1,
    name,
    operations,
    language,
    oversize,
    documents: staged.documents,
    lines: staged.lines,
    bytes: staged.bytes,
    units: staged.units,
    documentBytes: { ...limits.documentBytes },
    parts: staged.parts.map((p) => ({
      index: p.index,
      key: aiKey("comprehendInput", name, partFolder(p.index), "documents.txt"),
      documents: p.documents,
      lines: p.lines,
      bytes: p.bytes,
    })),
    inputPrefix,
    outputPrefix,
  };
  try {
    for (const [i, part] of staged.parts.entries()) {
      await uploadStagedFile(ctx, manifest.parts[i]?.key ?? "", part.file);
      await rm(part.file, { force: true });
    }
    await ctx.storage.upload(`${inputPrefix}manifest.json`, JSON.stringify(manifest, null, 2), { contentType: "application/json" });
  } catch (err) {
    await removeQuietly(ctx, manifest);
    await staged.dispose();
    throw err;
  }

  const wanted = manifest.parts.flatMap((p) => operations.map((operation) => ({ operation, part: p.index, jobName: jobNameOf(name, operation, p.index) })));
  ctx.logger.warn(costMessage(manifest, wanted.length));
  const outputUri = ctx.storage.uriOf(outputPrefix);
  const starts = await Promise.allSettled(
    wanted.map(async (w): Promise<AnalysisJob> => {
      const inputUri = ctx.storage.uriOf(`${inputPrefix}${partFolder(w.part)}/`);
      const started = await startJob(ctx.clients.comprehend, { ...w, inputUri, outputUri, roleArn, language, kmsKeyId: ctx.config.kmsKeyArn });
      return { ...w, ...started };
    }),
  );
  const jobs = starts.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = starts.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    // A run that cannot start whole is not started at all: stop what did start, remove the input.
    await Promise.all(jobs.map((j) => stopJob(ctx.clients.comprehend, j.operation, j.jobId).catch(() => undefined)));
    if (jobs.length) ctx.logger.warn(`comprehend: stopped the run's ${jobs.length} job(s) that had started: ${jobs.map((j) => j.jobArn).join(", ")}`);
    await removeQuietly(ctx, manifest);
    await staged.dispose();
    throw failed.reason;
  }
  ctx.logger.info(`comprehend: run ${name}: ${jobs.length} job(s) started on ${manifest.documents} document(s) uploaded to ${ctx.storage.uriOf(inputPrefix)}`);
  if (!staged.spill) await staged.dispose();
  return { manifest, jobs, spill: staged.spill };
}

function checkManifest(value: unknown, where: string): RunManifest {
  const m = value as Partial<RunManifest> | null;
  const ok =
    m !== null &&
    typeof m === "object" &&
    m.version === 1 &&
    typeof m.name === "string" &&
    Array.isArray(m.operations) &&
    m.operations.every((op) => OPERATIONS.includes(op)) &&
    Array.isArray(m.parts) &&
    m.parts.every((p) => Number.isInteger(p?.lines) && Number.isInteger(p?.index)) &&
    typeof m.inputPrefix === "string" &&
    typeof m.outputPrefix === "string" &&
    typeof m.documentBytes === "object";
  if (!ok) throw new ComprehendInputError("jobs", `${where} is not the manifest of a run of this version`);
  return m as RunManifest;
}

/** The run that job ARNs belong to, from their Describe* answers and the run's manifest: what resuming needs. */
export async function attachRun(ctx: ServiceContext, arns: readonly string[]): Promise<AnalysisRun> {
  const unique = [...new Set(arns.map((a) => a.trim()).filter(Boolean))];
  if (unique.length === 0) throw new ComprehendInputError("jobs", "give the ARNs of the run's jobs (the ones the timed-out wait listed)");
  const parsed = unique.map((arn) => {
    const p = parseJobArn(arn);
    if (typeof p === "string") throw new ComprehendInputError("jobs", p);
    return { arn, ...p };
  });
  const inputRoot = ctx.config.prefixes.comprehendInput;
  const states = await Promise.all(parsed.map((p) => describeJob(ctx.clients.comprehend, p.operation, p.jobId)));
  let run: string | undefined;
  const jobs: AnalysisJob[] = parsed.map((p, i) => {
    const state = states[i];
    const key = state?.inputUri.replace(`s3://${ctx.storage.bucket}/`, "") ?? "";
    const m = new RegExp(`^${inputRoot.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}([^/]+)/part-(\\d+)/?$`).exec(key);
    if (!m)
      throw new ComprehendInputError(
        "jobs",
        `${p.arn} reads ${state?.inputUri || "nothing"}, not the input of a run of this project (${ctx.storage.uriOf(inputRoot)}<run>/part-NNNNN/)`,
      );
    if (run !== undefined && m[1] !== run)
      throw new ComprehendInputError("jobs", `the jobs belong to different runs (${run} and ${m[1]}): give the jobs of one run`);
    run = m[1] as string;
    return { operation: p.operation, part: Number(m[2]), jobId: p.jobId, jobArn: p.arn, jobName: state?.jobName ?? "" };
  });
  const manifestKey = `${inputRoot}${run}/manifest.json`;
  let text = "";
  try {
    for await (const chunk of await ctx.storage.download(manifestKey)) text += Buffer.isBuffer(chunk) ? chunk.toString("utf8") : String(chunk);
  } catch (err) {
    if ((err as { name?: string }).name === "NoSuchKey")
      throw new ComprehendInputError("jobs", `run ${run} has no ${ctx.storage.uriOf(manifestKey)} (was it cleaned up?)`);
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = null;
  }
  const manifest = checkManifest(value, ctx.storage.uriOf(manifestKey));
  for (const part of manifest.parts) {
    for (const op of manifest.operations) {
      const n = jobs.filter((j) => j.operation === op && j.part === part.index).length;
      if (n === 0) throw new ComprehendInputError("jobs", `the ${op} job of part ${part.index + 1} of run ${run} is missing: give every job ARN of the run`);
      if (n > 1) throw new ComprehendInputError("jobs", `two ${op} jobs for part ${part.index + 1} of run ${run}`);
    }
  }
  const stray = jobs.find((j) => !manifest.operations.includes(j.operation) || !manifest.parts.some((p) => p.index === j.part));
  if (stray) throw new ComprehendInputError("jobs", `${stray.jobArn} is not one of run ${run}'s jobs`);
  return { manifest, jobs };
}

interface PlannedItem<T> {
  item: T;
  shape: DocShape;
}

async function* plannedItems<T>(run: AnalysisRun, source: DocumentSource<T> | undefined, options: ReadOptions<T>): AsyncGenerator<PlannedItem<T>> {
  const m = run.manifest;
  if (source !== undefined) {
    const settings: PlanSettings<T> = {
      operations: m.operations,
      getText: options.getText ?? (defaultText as (item: T) => string),
      oversize: m.oversize,
      documentBytes: m.documentBytes,
    };
    let index = 0;
    for await (const item of openSource(source)) {
      let shape: DocShape;
      try {
        shape = shapeOf(planDocument(item, index, settings));
      } catch (err) {
        if (err instanceof OversizeDocumentError) throw new InputChangedError(m.name, `document ${index + 1} is over the limit now`);
        throw err;
      }
      index++;
      yield { item, shape };
    }
    return;
  }
  if (!run.spill) throw new ComprehendInputError("source", `run ${m.name}'s documents were read once and are not kept: give the same input again`);
  const codec = (options.codec ?? JSON_CODEC) as NonNullable<ReadOptions<T>["codec"]>;
  const lines = createInterface({ input: createReadStream(run.spill, { encoding: "utf8" }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line === "") continue;
    const spilled = JSON.parse(line) as SpilledItem;
    yield { item: codec.decode(spilled.i), shape: spilled.s };
  }
}

export type ReadOptions<T> = Pick<AsyncJobOptions, "cleanup" | "tempDir" | "reorderWindow"> & Pick<AsyncAnalyzeOptions<T>, "getText" | "codec">;

/**
 * Every document's results, in input order: the jobs' records merged per document (see the file
 * comment). `source` is the run's input again (or undefined for a run that kept its items).
 */
export async function* readResults<T>(
  ctx: ServiceContext,
  run: AnalysisRun,
  completed: readonly CompletedJob[],
  source: DocumentSource<T> | undefined,
  options: ReadOptions<T> = {},
): AsyncGenerator<AnalyzedDocument<T>, void, undefined> {
  const m = run.manifest;
  const tempDir = options.tempDir ?? tmpdir();
  const jobOf = (op: Operation, part: number) => {
    const job = completed.find((j) => j.operation === op && j.part === part);
    if (!job) throw new ComprehendInputError("jobs", `run ${m.name} has no finished ${op} job for part ${part + 1}`);
    return job;
  };
  async function* opRecords(op: Operation): AsyncGenerator<OutputRecord> {
    for (const part of m.parts) yield* jobRecords(ctx, jobOf(op, part.index), part.lines, { tempDir, window: options.reorderWindow });
  }
  const streams = new Map<Operation, AsyncGenerator<OutputRecord>>(m.operations.map((op) => [op, opRecords(op)]));
  let index = 0;
  try {
    for await (const { item, shape } of plannedItems(run, source, options)) {
      if (index >= m.documents) throw new InputChangedError(m.name, `more than its ${m.documents} document(s)`);
      const out: AnalyzedDocument<T> = { index, input: item, results: {}, errors: {} };
      for (const op of m.operations) {
        const records: OutputRecord[] = [];
        for (let i = 0; i < shape.lines; i++) {
          const next = await (streams.get(op) as AsyncGenerator<OutputRecord>).next();
          if (next.done) throw new InputChangedError(m.name, `more lines than the ${op} jobs analysed`);
          records.push(next.value);
        }
        const known = shape.errors[op];
        if (known) {
          out.errors[op] = known;
          continue;
        }
        if (records.length === 0) continue;
        const outcomes = records.map((r) => outcomeOf(op, r));
        const bad = outcomes.findIndex((o) => o.error);
        const error = outcomes[bad]?.error;
        if (error) {
          out.errors[op] = records.length > 1 ? { code: error.code, message: `${error.message} (piece ${bad + 1} of ${records.length})` } : error;
          continue;
        }
        const results = outcomes.map((o) => o.result as OperationResult<Operation>);
        const pieces: Piece[] = (shape.pieces ?? []).map((p) => ({ text: "", begin: p.begin }));
        const merged =
          results.length === 1
            ? results[0]
            : mergePieces(
                op,
                pieces,
                (shape.pieces ?? []).map((p) => p.bytes),
                results,
              );
        // `merged` is what `op` answered; the loop's operation is a plain union, so that link is not in the types.
        (out.results as Record<Operation, unknown>)[op] = merged;
      }
      index++;
      yield out;
    }
    if (index !== m.documents) throw new InputChangedError(m.name, `${index} document(s) instead of ${m.documents}`);
    for (const [op, stream] of streams) {
      if (!(await stream.next()).done) throw new InputChangedError(m.name, `fewer lines than the ${op} jobs analysed`);
    }
  } finally {
    await Promise.all([...streams.values()].map((s) => s.return(undefined).catch(() => undefined)));
    if (run.spill) await rm(dirname(run.spill), { recursive: true, force: true });
  }
  ctx.logger.info(`comprehend: run ${m.name}: read the results of ${index} document(s)`);
  // Reached only when every document was read (an early stop or an error leaves through the finally).
  if (options.cleanup) {
    const n = await deleteRunObjects(ctx, m);
    ctx.logger.info(`comprehend: run ${m.name}: removed its ${n} object(s) under ${ctx.storage.uriOf(m.inputPrefix)} and ${ctx.storage.uriOf(m.outputPrefix)}`);
  }
}
