/**
 * The analysis-job side of `roadmapx-ai comprehend`:
 *
 *   comprehend analyze --file PATH|- --ops LIST --async [--wait-timeout 6h] [--poll-interval 15] [--cleanup]
 *   comprehend results --jobs ARN,ARN,... --file PATH|- [--format jsonl|text] [--wait-timeout 6h] [--poll-interval 15] [--cleanup]
 *
 * `--async` uploads the documents and runs one Comprehend job per operation, then prints the same
 * JSON Lines as the synchronous path, in input order. A file is read twice (to upload, then to pair
 * the results with their ids); stdin is read once and its documents kept in a temporary file.
 * Oversize documents refuse the run before anything is uploaded unless --oversize says split or
 * reject. When `--wait-timeout` passes first, the jobs go on in AWS: the command exits 1 and prints
 * the `comprehend results` command that picks them up; that command reads the run's settings
 * (operations, language, oversize) from the run's manifest, waits for the jobs still running, and
 * pairs the results with the same input file given again.
 *
 * Exit codes: 0 all analysed; 1 some documents have errors, a job failed (the service's message),
 * or the wait timed out (the jobs ran, or run, but gave no results yet); 2 bad input or options
 * (missing file, empty input, unknown operation, unsupported language, oversize, no role); 3 AWS.
 */
import type { Command } from "commander";
import type { ComprehendOperation as Operation } from "@roadmapx-ai/core";
import type { AnalyzedDocument } from "@roadmapx-ai/services";
import { commandContext, duration, guarded, positiveNumber, requireFile, stderrLine } from "../action";
import { CliError, EXIT } from "../exit-codes";
import { formatOf, type InputDocument, readDocuments, textOf, writeAnalyzed } from "./comprehend-documents";

type Services = typeof import("@roadmapx-ai/services");

export interface JobFlags {
  waitTimeout?: number;
  pollInterval?: number;
  cleanup?: boolean;
}

/** The job options of the flags, for analyzeAsync and for analyzeMany's auto mode. */
export function jobOptions(o: JobFlags): { waitTimeoutMs?: number; pollIntervalMs?: number; cleanup?: boolean } {
  return {
    ...(o.waitTimeout !== undefined ? { waitTimeoutMs: o.waitTimeout } : {}),
    ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval * 1000 } : {}),
    ...(o.cleanup ? { cleanup: true } : {}),
  };
}

export function addJobFlags(command: Command): Command {
  return command
    .option("--wait-timeout <duration>", "with analysis jobs: stop waiting after this long (e.g. 90s, 30m, 6h; default 6h); the jobs go on", duration)
    .option("--poll-interval <seconds>", "with analysis jobs: first pause between status checks, in seconds (default 15, growing to 60)", positiveNumber)
    .option("--cleanup", "with analysis jobs: delete the run's input and output objects once every result is read");
}

/** The command that resumes, for this input. */
function resumeCommand(arns: readonly string[], file: string, format: string | undefined): string {
  const input = /[^\w./:@%+=,-]/.test(file) ? `'${file.replace(/'/g, "'\\''")}'` : file;
  const command = `roadmapx-ai comprehend results --jobs ${arns.join(",")} --file ${input}${format ? ` --format ${format}` : ""}`;
  return file === "-" ? `${command} (with the same documents on stdin)` : command;
}

/** A wait that timed out says exactly how to resume from the shell. */
export async function* withResume(
  results: AsyncIterable<AnalyzedDocument<InputDocument>>,
  s: Services,
  file: string,
  format: string | undefined,
): AsyncGenerator<AnalyzedDocument<InputDocument>> {
  try {
    yield* results;
  } catch (err) {
    if (err instanceof s.AnalysisWaitTimeoutError) throw new CliError(err.message.replace(err.hint, resumeCommand(err.jobArns, file, format)), EXIT.failures);
    throw err;
  }
}

/** The documents to analyse: a file is read again for the results, stdin once (kept until then). */
function sourceOf(file: string, format: "jsonl" | "text") {
  return file === "-" ? readDocuments(file, format) : () => readDocuments(file, format);
}

export async function analyzeWithJobs(
  o: JobFlags & { file: string; ops: Operation[]; language: string; format?: "jsonl" | "text"; oversize?: "split" | "reject" },
): Promise<number> {
  requireFile(o.file, "--file", { stdin: true });
  const format = formatOf(o.file, o.format);
  const s = require("@roadmapx-ai/services") as Services;
  const options = { operations: o.ops, language: o.language, oversize: o.oversize ?? ("refuse" as const), getText: textOf, ...jobOptions(o) };
  // Bad options fail before the file is opened or any credential is looked up.
  s.checkAsyncOptions(options);
  const service = new s.ComprehendService(commandContext());
  const started = Date.now();
  const { documents, withErrors } = await writeAnalyzed(withResume(service.analyzeAsync(sourceOf(o.file, format), options), s, o.file, o.format), o.ops);
  stderrLine(
    `analysed ${documents} document(s) with Comprehend analysis jobs${withErrors ? `, ${withErrors} with errors (see "errors")` : ""}, ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
  return withErrors > 0 ? EXIT.failures : EXIT.ok;
}

export function registerComprehendResults(comprehend: Command, setExitCode: (code: number) => void): void {
  addJobFlags(
    comprehend
      .command("results")
      .description("read the results of analysis jobs started by `comprehend analyze --async` (waiting for them if needed), as analyze prints them")
      .requiredOption("--jobs <arns>", "the run's job ARNs, comma-separated (as the timed-out wait printed them)")
      .requiredOption("--file <path>", "the same input the run analysed (its ids and lines are taken from it again); - for stdin")
      .option("--format <format>", "input format (default: by extension, .jsonl or .ndjson is jsonl)"),
  ).action((o: JobFlags & { jobs: string; file: string; format?: string }) =>
    guarded("comprehend results", setExitCode, async () => {
      if (o.format !== undefined && o.format !== "jsonl" && o.format !== "text")
        throw new CliError(`--format: "${o.format}" is neither jsonl nor text`, EXIT.usage);
      requireFile(o.file, "--file", { stdin: true });
      const format = formatOf(o.file, o.format);
      const arns = o.jobs
        .split(",")
        .map((a) => a.trim())
        .filter(Boolean);
      const s = require("@roadmapx-ai/services") as Services;
      const service = new s.ComprehendService(commandContext());
      const run = await service.attachAnalysisRun(arns);
      const options = { getText: textOf, ...jobOptions(o) };
      async function* results(): AsyncGenerator<AnalyzedDocument<InputDocument>> {
        const completed = await service.waitForJob(run, options);
        yield* service.readJobResults(run, completed, sourceOf(o.file, format), options);
      }
      const { documents, withErrors } = await writeAnalyzed(withResume(results(), s, o.file, o.format), run.manifest.operations);
      stderrLine(`read the results of ${documents} document(s) of run ${run.manifest.name}${withErrors ? `, ${withErrors} with errors (see "errors")` : ""}`);
      return withErrors > 0 ? EXIT.failures : EXIT.ok;
    }),
  );
}
