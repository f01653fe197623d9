/**
 * From documents to a job's ONE_DOC_PER_LINE input. `planDocument` decides, for one document, the
 * lines it is sent as (none, one, or its pieces) and the errors known before sending, exactly as
 * the synchronous path reports them; it is pure, so the read-back computes the same plan again from
 * the same document and knows how many result lines belong to it.
 *
 * A document is one line: Comprehend ends a line at LF, CR or CRLF ("Each line must end with a line
 * feed, a carriage return, or both"), so every "\r" and "\n" inside a document becomes a space.
 * Both are one code point and one UTF-8 byte, like the space, so result offsets (code points) still
 * point into the original text and its size does not change. (U+2028 does not end a line for
 * Comprehend and stays.)
 */
import { codePointLength } from "./checks";
import { JOB_API } from "./job-limits";
import { ComprehendInputError, MIN_LANGUAGE_CHARS, type Operation, type Piece, splitText } from "./text";
import type { DocumentError } from "./types";

/** What one document becomes in the job input. */
export interface DocPlan {
  /** The lines sent for it (newline-free): its text, or its pieces; none when it is not sent. */
  lines: string[];
  /** When split: each piece's start in code points and its size in bytes, for merging the results. */
  pieces?: { begin: number; bytes: number }[] | undefined;
  /** Errors known before sending; that operation's job result for the document is then ignored. */
  errors: Partial<Record<Operation, DocumentError>>;
}

export interface PlanSettings<T> {
  operations: readonly Operation[];
  getText: (item: T) => string;
  oversize: "refuse" | "split" | "reject";
  /** Per-document limits by operation, in UTF-8 bytes. */
  documentBytes: Readonly<Record<Operation, number>>;
}

/** The line a document is sent as: CR and LF become spaces (same code points, same bytes). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

/** The smallest per-document limit of the operations: the shared input must suit every job. */
export function documentLimit(operations: readonly Operation[], documentBytes: Readonly<Record<Operation, number>>): number {
  return Math.min(...operations.map((op) => documentBytes[op]));
}

/** A document over a limit with oversize "refuse": the run stops before anything is uploaded. */
export class OversizeDocumentError extends ComprehendInputError {
  constructor(
    readonly documentIndex: number,
    readonly bytes: number,
    readonly limit: number,
    operation: Operation,
  ) {
    super(
      "oversize",
      `document ${documentIndex + 1} is ${bytes} UTF-8 bytes, over the ${limit}-byte per-document limit of ${JOB_API[operation]}; ` +
        `nothing was uploaded. Shorten it, or pass oversize "split" (--oversize split) to analyse it in pieces or "reject" (--oversize reject) to report it on its own`,
    );
    this.name = "OversizeDocumentError";
  }
}

function allOps(operations: readonly Operation[], error: DocumentError): Partial<Record<Operation, DocumentError>> {
  return Object.fromEntries(operations.map((op) => [op, error]));
}

/** The lines and known errors of document `index` (see DocPlan). Throws OversizeDocumentError only with oversize "refuse". */
export function planDocument<T>(item: T, index: number, s: PlanSettings<T>): DocPlan {
  let text: string;
  try {
    text = s.getText(item);
  } catch (err) {
    return { lines: [], errors: allOps(s.operations, { code: "InvalidInput", message: (err as Error).message }) };
  }
  if (typeof text !== "string" || text.trim() === "") {
    return { lines: [], errors: allOps(s.operations, { code: "EmptyDocument", message: "the document is empty (or only whitespace); Comprehend needs text" }) };
  }
  const line = oneLine(text);
  const errors: Partial<Record<Operation, DocumentError>> = {};
  if (s.operations.includes("language")) {
    const length = codePointLength(line);
    if (length < MIN_LANGUAGE_CHARS) {
      errors.language = { code: "TextTooShort", message: `language detection needs at least ${MIN_LANGUAGE_CHARS} characters (the document has ${length})` };
    }
  }
  const sent = s.operations.filter((op) => !errors[op]);
  if (sent.length === 0) return { lines: [], errors };
  const limit = documentLimit(s.operations, s.documentBytes);
  const bytes = Buffer.byteLength(line, "utf8");
  if (bytes <= limit) return { lines: [line], errors };
  const tightest = s.operations.find((op) => s.documentBytes[op] === limit) ?? (sent[0] as Operation);
  if (s.oversize === "refuse") throw new OversizeDocumentError(index, bytes, limit, tightest);
  if (s.oversize === "reject") {
    for (const op of sent) {
      errors[op] = {
        code: "TextSizeLimitExceededException",
        message:
          bytes > s.documentBytes[op]
            ? `the document is ${bytes} UTF-8 bytes, over the ${s.documentBytes[op]}-byte limit of ${JOB_API[op]} (split it, or let oversize documents be split)`
            : `the document is ${bytes} UTF-8 bytes, over the ${limit}-byte limit of ${JOB_API[tightest]}, whose job shares this input: it was not sent (analyse it without ${tightest}, or let oversize documents be split)`,
      };
    }
    return { lines: [], errors };
  }
  let pieces: Piece[];
  try {
    pieces = splitText(line, limit);
  } catch (err) {
    // One grapheme over the limit (a character with thousands of combining marks): nothing to split on.
    for (const op of sent) errors[op] = { code: "TextSizeLimitExceededException", message: `${(err as Error).message}; it cannot be split` };
    return { lines: [], errors };
  }
  return { lines: pieces.map((p) => p.text), pieces: pieces.map((p) => ({ begin: p.begin, bytes: Buffer.byteLength(p.text, "utf8") })), errors };
}

/** The plan's shape without its text: what the read-back needs, and what a spilled item keeps. */
export interface DocShape {
  lines: number;
  pieces?: { begin: number; bytes: number }[] | undefined;
  errors: Partial<Record<Operation, DocumentError>>;
}

export function shapeOf(plan: DocPlan): DocShape {
  return { lines: plan.lines.length, pieces: plan.pieces, errors: plan.errors };
}
