/**
 * `roadmapx-ai sagemaker transform` and `sagemaker transform-results`: batch transform from the
 * shell. The results go to stdout (or `--output FILE`) one per line, in input order; progress, the
 * cost and status lines go to stderr. Exit codes as every command's: 2 bad input, 1 the job failed
 * (or the wait timed out: the job goes on), 3 AWS.
 */
import { createWriteStream, statSync } from "node:fs";
import { once } from "node:events";
import { extname } from "node:path";
import type { Writable } from "node:stream";
import { type Command, Option } from "commander";
import type { TransformResultRecord } from "@roadmapx-ai/services";
import { commandContext, duration, guarded, positiveInt, requireFile, stderrLine } from "../action";
import { CliError, EXIT } from "../exit-codes";
import { createTransferProgress, loggerAround } from "../progress";

type Services = typeof import("@roadmapx-ai/services");
const services = () => require("@roadmapx-ai/services") as Services;

/** The content type a file's extension says, when it says one. */
const BY_EXTENSION: Record<string, string> = { ".csv": "text/csv", ".jsonl": "application/jsonlines", ".json": "application/jsonlines" };

interface TransformFlags {
  model: string;
  file?: string;
  inputPrefix?: string;
  contentType?: string;
  splitType: "Line" | "None";
  accept?: string;
  instanceType: string;
  instanceCount: number;
  jobName?: string;
  wait: boolean;
  waitTimeout: number;
  output?: string;
  quiet?: boolean;
}

/** Lines to stdout or a file, waiting when the pipe is full (so memory stays flat whatever the output). */
async function writeResults(results: AsyncIterable<TransformResultRecord>, output: string | undefined): Promise<number> {
  const out: Writable = output ? createWriteStream(output) : process.stdout;
  let count = 0;
  try {
    for await (const result of results) {
      if (!out.write(`${result.output}\n`)) await once(out, "drain");
      count++;
    }
  } finally {
    if (output) {
      out.end();
      await once(out, "finish");
    }
  }
  return count;
}

function contentTypeOf(o: TransformFlags): string {
  if (o.contentType) return o.contentType;
  const inferred = o.file ? BY_EXTENSION[extname(o.file).toLowerCase()] : undefined;
  if (!inferred) {
    throw new CliError(`give --content-type (e.g. text/csv or application/jsonlines): it cannot be told from ${o.file ?? "an input prefix"}`, EXIT.usage);
  }
  return inferred;
}

export function registerSageMakerTransform(sagemaker: Command, setExitCode: (code: number) => void): void {
  sagemaker
    .command("transform")
    .description("score a file or an S3 prefix with a model in a batch transform job (billed per instance-second), and print the results")
    .requiredOption("--model <name>", "the model (this stack's: <prefix>-..., e.g. the <endpoint>-model that deploy creates)")
    .option("--file <path>", "a local file to score (uploaded to sagemaker/transform/input/<job>/)")
    .option("--input-prefix <s3-uri>", "score the objects already under this s3://BUCKET/sagemaker/transform/input/... prefix")
    .option("--content-type <type>", "MIME type of the input (default: from the file's extension: .csv text/csv, .jsonl/.json application/jsonlines)")
    .addOption(new Option("--split-type <type>", "Line: each line a record; None: each object one record").choices(["Line", "None"]).default("Line"))
    .option("--accept <type>", "MIME type of the answers wanted")
    .option("--instance-type <type>", "instance type", "ml.m5.large")
    .option("--instance-count <n>", "instances", positiveInt, 1)
    .option("--job-name <name>", "job name (default: <prefix>-transform-<time>-<random>)")
    .option("--no-wait", "return once the job has started (read its results later with transform-results)")
    .option("--wait-timeout <duration>", "stop waiting after this long (e.g. 90s, 30m, 6h); the job goes on", duration, 6 * 3_600_000)
    .option("--output <file>", "write the results to this file instead of stdout")
    .option("--quiet", "no upload progress on stderr; errors, the cost and statuses still go there")
    .action((o: TransformFlags) =>
      guarded("sagemaker transform", setExitCode, async () => {
        if ((o.file === undefined) === (o.inputPrefix === undefined))
          throw new CliError("give the input with exactly one of --file or --input-prefix", EXIT.usage);
        if (o.file) requireFile(o.file);
        const contentType = contentTypeOf(o);
        const ctx = commandContext();
        const progress = o.file ? createTransferProgress({ label: o.file, total: statSync(o.file).size, quiet: o.quiet }) : undefined;
        if (progress) ctx.logger = loggerAround(ctx.logger, progress);
        const sm = new (services().SageMakerService)(ctx);
        let started;
        try {
          started = await sm.startTransform({
            modelName: o.model,
            input: o.file ? { path: o.file } : { prefix: o.inputPrefix as string },
            contentType,
            splitType: o.splitType,
            ...(o.accept ? { accept: o.accept } : {}),
            instanceType: o.instanceType,
            instanceCount: o.instanceCount,
            ...(o.jobName ? { jobName: o.jobName } : {}),
            ...(progress ? { onUploadProgress: (p) => progress.update(p.loaded) } : {}),
          });
          progress?.done();
        } catch (err) {
          progress?.fail();
          throw err;
        }
        stderrLine(`transform job ${started.jobName} started on ${started.inputUri}; results will be under ${started.outputUri}`);
        if (!o.wait) {
          stderrLine(`read the results later with: roadmapx-ai sagemaker transform-results --job-name ${started.jobName}`);
          console.log(JSON.stringify({ jobName: started.jobName, status: "InProgress", inputUri: started.inputUri, outputUri: started.outputUri }, null, 2));
          return;
        }
        // Each status goes to stderr with the elapsed time through the context's logger.
        await sm.waitForTransform(started.jobName, { timeoutMs: o.waitTimeout });
        const count = await writeResults(sm.readTransformResults(started.jobName), o.output);
        stderrLine(`${count} result(s)${o.output ? ` written to ${o.output}` : ""}`);
      }),
    );

  sagemaker
    .command("transform-results")
    .description("print the results of a completed transform job, one per line, in input order")
    .requiredOption("--job-name <name>", "the transform job")
    .option("--output <file>", "write the results to this file instead of stdout")
    .action((o: { jobName: string; output?: string }) =>
      guarded("sagemaker transform-results", setExitCode, async () => {
        const sm = new (services().SageMakerService)(commandContext());
        const count = await writeResults(sm.readTransformResults(o.jobName), o.output);
        stderrLine(`${count} result(s)${o.output ? ` written to ${o.output}` : ""}`);
      }),
    );
}
