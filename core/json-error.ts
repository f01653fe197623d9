/**
 * Why a file is not JSON, in words that say where and what without repeating its content: V8's
 * messages quote the start of the text ("hello ..." is not valid JSON), which for a file holding
 * secrets, or the wrong file (a key, a token), would print them into logs.
 */

/** Line and column (1-based) of a character offset in `text`. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `line ${before.split("\n").length}, column ${offset - before.lastIndexOf("\n")}`;
}

/** True when `prefix` is valid JSON or could still become valid JSON with more text after it. */
function couldContinue(prefix: string): boolean {
  try {
    JSON.parse(prefix);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    return /Unexpected end of JSON input/.test(message) || (at !== null && Number(at[1]) >= prefix.length);
  }
}

/**
 * The offset of the first character that makes `text` invalid, found by bisection over prefixes
 * (a prefix that cannot continue stays so when it grows). Undefined when the text is only cut short.
 */
function offendingOffset(text: string): number | undefined {
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (couldContinue(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo < text.length ? lo : undefined;
}

export function describeJsonError(err: unknown, text: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const offset = offendingOffset(text);
  if (offset === undefined) return "it ends before the JSON does";
  // V8's own words when they carry no content ("Expected ':' after property name"), else ours.
  const words = /^(.*?) in JSON at position \d+/.exec(message)?.[1] ?? /^(.*?) at position \d+/.exec(message)?.[1];
  // (V8 quotes the file's text in double quotes; single quotes only wrap JSON's own punctuation.)
  return `${words && !words.includes('"') ? words : "unexpected character"} at ${lineAndColumn(text, offset)}`;
}
