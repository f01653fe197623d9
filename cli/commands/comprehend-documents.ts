/**
 * The documents of `comprehend analyze` and `comprehend results`: read lazily from a file or stdin
 * (JSON Lines or text), and written back as JSON Lines on stdout, one per document in input order,
 * with its `id` (or 1-based `line`), its other fields, one key per operation and its `errors`.
 * Writing waits for stdout, so a slow reader slows the run down instead of filling memory.
 */
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { ComprehendOperation as Operation } from "@roadmapx-ai/core";
import type { AnalyzedDocument } from "@roadmapx-ai/services";

/** One input document: where it came from and what to carry to the output. */
export interface InputDocument {
  line: number;
  text?: unknown;
  /** Fields carried through to the output (everything but `text`). */
  carried: Record<string, unknown>;
  /** Why the line is not a document (bad JSON, no text). */
  invalid?: string;
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

export function formatOf(file: string, option: string | undefined): "jsonl" | "text" {
  if (option === "jsonl" || option === "text") return option;
  return /\.(jsonl|ndjson)$/i.test(file) ? "jsonl" : "text";
}

/** The text of a document, or why it has none (the service reports it on the document). */
export function textOf(d: InputDocument): string {
  if (d.invalid) throw new Error(d.invalid);
  return d.text as string;
}

/** Writes every result as a JSON line; answers how many documents, and how many with errors. */
export async function writeAnalyzed(
  results: AsyncIterable<AnalyzedDocument<InputDocument>>,
  ops: readonly Operation[],
): Promise<{ documents: number; withErrors: number }> {
  let documents = 0;
  let withErrors = 0;
  for await (const doc of results) {
    documents++;
    const out: Record<string, unknown> = { ...doc.input.carried };
    if (!("id" in out)) out["line"] = doc.input.line;
    if (doc.languageCode) out["languageCode"] = doc.languageCode;
    for (const op of ops) if (doc.results[op] !== undefined) out[op] = doc.results[op];
    if (Object.keys(doc.errors).length > 0) {
      out["errors"] = doc.errors;
      withErrors++;
    }
    if (!process.stdout.write(`${JSON.stringify(out)}\n`)) await once(process.stdout, "drain");
  }
  return { documents, withErrors };
}
