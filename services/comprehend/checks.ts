/**
 * Checking what callers pass before anything is sent: a single document against its API's limits,
 * a language against an operation's list, and analyzeMany's options. Failures are
 * ComprehendInputError, naming the field to fix.
 */
import { ComprehendInputError, LANGUAGES, MIN_LANGUAGE_CHARS, OPERATIONS, type Operation, SINGLE_LIMIT_BYTES } from "./text";
import type { AnalyzeOptions } from "./types";

/** The API that answers each operation, for messages. */
export const API_NAME: Readonly<Record<Operation, string>> = {
  sentiment: "DetectSentiment",
  entities: "DetectEntities",
  "key-phrases": "DetectKeyPhrases",
  language: "DetectDominantLanguage",
  pii: "DetectPiiEntities",
};

export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** A single-document call's text and language, checked: one call each, so nothing is split. */
export function checkDocument(op: Operation, text: string, language?: string): void {
  if (typeof text !== "string" || text.trim() === "") throw new ComprehendInputError("text", "the document is empty; Comprehend needs text");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > SINGLE_LIMIT_BYTES[op]) {
    throw new ComprehendInputError(
      "text",
      `${bytes} UTF-8 bytes is over the ${SINGLE_LIMIT_BYTES[op]}-byte limit of ${API_NAME[op]}; analyzeMany splits long documents`,
    );
  }
  if (op === "language" && codePointLength(text) < MIN_LANGUAGE_CHARS) {
    throw new ComprehendInputError("text", `language detection needs at least ${MIN_LANGUAGE_CHARS} characters (got ${codePointLength(text)})`);
  }
  if (op !== "language") checkLanguage(op, language);
}

function checkLanguage(op: Exclude<Operation, "language">, language: string | undefined): void {
  if (language === undefined || !LANGUAGES[op].includes(language)) {
    throw new ComprehendInputError("language", `${API_NAME[op]} does not support "${language}" (supported: ${LANGUAGES[op].join(", ")})`);
  }
}

/** Options are checked before the first document is read: a typo fails at once, not per document. */
export function checkAnalyzeOptions<T>(options: AnalyzeOptions<T>): void {
  if (options.operations.length === 0) throw new ComprehendInputError("operations", `name at least one of ${OPERATIONS.join(", ")}`);
  for (const op of options.operations) {
    if (!OPERATIONS.includes(op)) throw new ComprehendInputError("operations", `"${op}" is not an operation (${OPERATIONS.join(", ")})`);
  }
  if (new Set(options.operations).size !== options.operations.length) throw new ComprehendInputError("operations", "an operation is named twice");
  const language = options.language ?? "en";
  if (language !== "auto") {
    for (const op of options.operations) if (op !== "language") checkLanguage(op, language);
  }
  if (options.oversize !== undefined && options.oversize !== "split" && options.oversize !== "reject") {
    throw new ComprehendInputError("oversize", `"${String(options.oversize)}" is neither split nor reject`);
  }
  const positive = (field: string, value: number | undefined) => {
    if (value !== undefined && (!Number.isFinite(value) || value <= 0)) throw new ComprehendInputError(field, `must be a positive number (got ${value})`);
  };
  positive("tps", options.tps);
  positive("concurrency", options.concurrency);
  positive("maxInFlight", options.maxInFlight);
  if (options.maxBatchWaitMs !== undefined && !(options.maxBatchWaitMs >= 0)) throw new ComprehendInputError("maxBatchWaitMs", "must be 0 or more");
  if (options.mode !== undefined && !["auto", "sync", "async"].includes(options.mode)) {
    throw new ComprehendInputError("mode", `"${String(options.mode)}" is none of auto, sync, async`);
  }
  if (options.asyncThreshold !== undefined && !(Number.isInteger(options.asyncThreshold) && options.asyncThreshold >= 0)) {
    throw new ComprehendInputError("asyncThreshold", `must be a whole number of 0 or more (got ${options.asyncThreshold})`);
  }
}
