/**
 * `roadmapx-ai comprehend analyze` (docs/DESIGN.md): text or JSON Lines in, JSON Lines out, one line per
 * input document in input order. Reading, analysis and writing stream: memory stays flat for any
 * file size, and a slow reader of stdout slows the run down instead of filling memory.
 */
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { type Command, InvalidArgumentError, Option } from "commander";
import { COMPREHEND_OPERATIONS as OPERATIONS, type ComprehendOperation as Operation } from "@roadmapx-ai/core";
import { commandContext, guarded, positiveInt, positiveNumber, requireFile, stderrLine } from "../action";
import { classify } from "@roadmapx-ai/core";
import { messageOf } from "../errors";
import { CliError, EXIT } from "../exit-codes";

type ComprehendModule = typeof import("@roadmapx-ai/services");

/** One input document: where it came from and what to carry to the output. */
interface InputDocument {
  line: number;
  text?: unknown;
  /** Fields carried through to the output (everything but `text`). */
  carried: Record<string, unknown>;
  /** Why the line is not a document (bad JSON, no text). */
  invalid?: string;
}

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

/** Documents of a file, lazily: JSON Lines for `.jsonl`/`.ndjson`, else each non-empty line. `-` reads stdin. */
export async function* readDocuments(file: string, format: "jsonl" | "text"): AsyncGenerator<InputDocument> {
  const input = file === "-" ? process.stdin : createReadStream(file, { encoding: "utf8" });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  for await (const raw of lines) {
    line++;
    if (raw.trim() === "") continue;
    if (format === "text") {
      yield { line, text: raw, carried: {} };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (err) {
      yield { line, carried: {}, invalid: `line ${line} is not JSON (${(err as Error).message})` };
      continue;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      yield { line, carried: {}, invalid: `line ${line} is not a JSON object` };
      continue;
    }
    const { text, ...carried } = parsed as Record<string, unknown>;
    if (typeof text !== "string") {
      yield { line, carried, invalid: `line ${line} has no "text" field holding a string` };
      continue;
    }
    yield { line, text, carried };
  }
}

function formatOf(file: string, option: string | undefined): "jsonl" | "text" {
  if (option === "jsonl" || option === "text") return option;
  return /\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : "text";
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

  comprehend
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
      new Option("--oversize <what>", "documents over an API's byte limit: split them and merge the results, or report them")
        .choices(["split", "reject"])
        .default("split"),
    )
    .option("--tps <n>", "calls per second at most (stay under your account's Comprehend quota)", positiveNumber, 10)
    .option("--concurrency <n>", "calls in flight at most", positiveInt, 8)
    .option("--no-batch", "one call per document instead of the Batch* APIs (for endpoints without them, such as the local emulator)")
    .action(
      (o: {
        file: string;
        ops: Operation[];
        language: string;
        format?: "jsonl" | "text";
        oversize: "split" | "reject";
        tps: number;
        concurrency: number;
        batch: boolean;
      }) =>
        guarded("comprehend analyze", setExitCode, async () => {
          requireFile(o.file, "--file", { stdin: true });
          const format = formatOf(o.file, o.format);
          const { ComprehendService, emptyStats, checkAnalyzeOptions } = require("@roadmapx-ai/services") as ComprehendModule;
          const options = {
            operations: o.ops,
            language: o.language,
            oversize: o.oversize,
            tps: o.tps,
            concurrency: o.concurrency,
            batch: o.batch,
            stats: emptyStats(),
            getText: (d: InputDocument) => {
              if (d.invalid) throw new Error(d.invalid);
              return d.text as string;
            },
          };
          // Bad options fail before the file is opened or any credential is looked up.
          checkAnalyzeOptions(options);
          const service = new ComprehendService(commandContext());
          const started = Date.now();
          let withErrors = 0;
          const results = service.analyzeMany(readDocuments(o.file, format), options);
          for await (const doc of withBatchHint(results, o.batch)) {
            const out: Record<string, unknown> = { ...doc.input.carried };
            if (!("id" in out)) out["line"] = doc.input.line;
            if (doc.languageCode) out["languageCode"] = doc.languageCode;
            for (const op of o.ops) if (doc.results[op] !== undefined) out[op] = doc.results[op];
            if (Object.keys(doc.errors).length > 0) {
              out["errors"] = doc.errors;
              withErrors++;
            }
            if (!process.stdout.write(`${JSON.stringify(out)}\n`)) await once(process.stdout, "drain");
          }
          const s = options.stats;
          stderrLine(
            `analysed ${s.documents} document(s)${withErrors ? `, ${withErrors} with errors (see "errors")` : ""}: ` +
              `${s.batchCalls} batch and ${s.singleCalls} single call(s)${s.retriedItems ? `, ${s.retriedItems} item(s) retried` : ""}` +
              `${s.splitDocuments ? `, ${s.splitDocuments} document(s) split` : ""}, ${((Date.now() - started) / 1000).toFixed(1)}s`,
          );
          return withErrors > 0 ? EXIT.failures : EXIT.ok;
        }),
    );
}
