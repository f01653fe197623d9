/**
 * `roadmapx-ai comprehend analyze` (docs/DESIGN.md): text or JSON Lines in, JSON Lines out, one line per
 * input document in input order. Reading, analysis and writing stream: memory stays flat for any
 * file size, and a slow reader of stdout slows the run down instead of filling memory. With
 * `--async` (or, without `--sync`, above ASYNC_THRESHOLD_DOCUMENTS documents when a Comprehend role is
 * configured) the documents go through analysis jobs instead: comprehend-async.ts, which also has
 * `comprehend results`, the command that picks up a run whose wait timed out.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { COMPREHEND_OPERATIONS as OPERATIONS, type ComprehendOperation as Operation } from "@roadmapx-ai/core";
import { commandContext, guarded, positiveInt, positiveNumber, requireFile, stderrLine } from "../action";
import { classify } from "@roadmapx-ai/core";
import { messageOf } from "../errors";
import { CliError, EXIT } from "../exit-codes";
import { addJobFlags, analyzeWithJobs, type JobFlags, jobOptions, registerComprehendResults, withResume } from "./comprehend-async";
import { formatOf, readDocuments, textOf, writeAnalyzed } from "./comprehend-documents";

export { readDocuments };

type ComprehendModule = typeof import("@roadmapx-ai/services");

function operations(value: string): Operation[] {
  const ops = value
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const op of ops) {
    if (!(OPERATIONS as readonly string[]).includes(op)) throw new InvalidArgumentError(`"${op}" is not an operation (${OPERATIONS.join(", ")})`);
  }
  if (ops.length === 0) throw new InvalidArgumentError(`name at least one of ${OPERATIONS.join(", ")}`);
  return [...new Set(ops)] as Operation[];
}

/** An endpoint without the Batch* APIs (the local emulator) fails the first call: say what to do. */
async function* withBatchHint<T>(results: AsyncIterable<T>, batch: boolean): AsyncGenerator<T> {
  try {
    yield* results;
  } catch (err) {
    if (batch && classify(err, "", "").kind === "unavailable") {
      throw new CliError(`${messageOf(err)}; this endpoint lacks the Batch* APIs: pass --no-batch to send one call per document`, EXIT.aws);
    }
    throw err;
  }
}

export function registerComprehend(program: Command, setExitCode: (code: number) => void): void {
  const comprehend = program.command("comprehend").description("Amazon Comprehend: sentiment, entities, key phrases, language and PII of text");

  const analyze = comprehend
    .command("analyze")
    .description("analyse every document of a file; JSON Lines on stdout, one per document, in input order")
    .requiredOption(
      "--file <path>",
      "a .jsonl file (objects with a text field; other fields carried through) or a text file (each non-empty line a document); - for stdin",
    )
    .requiredOption("--ops <list>", `operations, comma-separated: ${OPERATIONS.join(",")}`, operations)
    .option("--language <code>", "language of the documents, or auto to detect each one's first", "en")
    .addOption(new Option("--format <format>", "input format (default: by extension, .jsonl or .ndjson is jsonl)").choices(["jsonl", "text"]))
    .addOption(
      new Option(
        "--oversize <what>",
        "documents over an API's byte limit: split them and merge the results, or report them (default split; with --async the run is refused unless this is given)",
      ).choices(["split", "reject"]),
    )
    .option("--tps <n>", "calls per second at most (stay under your account's Comprehend quota)", positiveNumber, 10)
    .option("--concurrency <n>", "calls in flight at most", positiveInt, 8)
    .option("--no-batch", "one call per document instead of the Batch* APIs (for endpoints without them, such as the local emulator)")
    .option("--async", "run Comprehend analysis jobs (needs the Comprehend role): for many documents; results come minutes later, same output")
    .option("--sync", "always the Batch* calls, never analysis jobs, whatever the size");
  addJobFlags(analyze).action(
    (
      o: JobFlags & {
        file: string;
        ops: Operation[];
        language: string;
        format?: "jsonl" | "text";
        oversize?: "split" | "reject";
        tps: number;
        concurrency: number;
        batch: boolean;
        async?: boolean;
        sync?: boolean;
      },
    ) =>
      guarded("comprehend analyze", setExitCode, async () => {
        if (o.async && o.sync) throw new CliError("--async and --sync contradict each other: give one", EXIT.usage);
        if (o.async) return analyzeWithJobs(o);
        requireFile(o.file, "--file", { stdin: true });
        const format = formatOf(o.file, o.format);
        const services = require("@roadmapx-ai/services") as ComprehendModule;
        const { ComprehendService, emptyStats, checkAnalyzeOptions } = services;
        const options = {
          operations: o.ops,
          language: o.language,
          oversize: o.oversize ?? "split",
          tps: o.tps,
          concurrency: o.concurrency,
          batch: o.batch,
          stats: emptyStats(),
          getText: textOf,
          mode: o.sync ? ("sync" as const) : ("auto" as const),
          async: jobOptions(o),
        };
        // Bad options fail before the file is opened or any credential is looked up.
        checkAnalyzeOptions(options);
        const service = new ComprehendService(commandContext());
        const started = Date.now();
        const results = service.analyzeMany(readDocuments(o.file, format), options);
        // Above the auto threshold the documents may have gone through jobs: a timed-out wait says how to resume.
        const { withErrors } = await writeAnalyzed(withResume(withBatchHint(results, o.batch), services, o.file, o.format), o.ops);
        const s = options.stats;
        stderrLine(
          `analysed ${s.documents} document(s)${withErrors ? `, ${withErrors} with errors (see "errors")` : ""}: ` +
            `${s.batchCalls} batch and ${s.singleCalls} single call(s)${s.retriedItems ? `, ${s.retriedItems} item(s) retried` : ""}` +
            `${s.splitDocuments ? `, ${s.splitDocuments} document(s) split` : ""}, ${((Date.now() - started) / 1000).toFixed(1)}s`,
        );
        return withErrors > 0 ? EXIT.failures : EXIT.ok;
      }),
  );
  registerComprehendResults(comprehend, setExitCode);
}
