/**
 * The header row and column rules of a Personalize dataset CSV: which columns a header may and must
 * have, the full check each schema field's values get (on byte ranges; a string is made only for a
 * value it reports), and the inline codes (FAST_*) by which the validator's hot loop and the
 * WebAssembly scanner recognise a value's common case without that check. Read once per file, at
 * the header; nothing here runs per line except a column's full check, for a value that may be wrong.
 */
import type { IssueKind, ReportIssue } from "./csv-issues";
import { type DatasetSchema, type FieldSpec, ID_FIELDS, MAX_ID_LENGTH, TIMESTAMP_FIELDS } from "./schemas";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Epoch seconds above this are year 5138+: such a value is milliseconds. */
const MAX_PLAUSIBLE_SECONDS = 1e11;

const PIPE = 124;
const MINUS = 45;

/** Checks one field, given as a byte range of a line (no string is made unless it is reported). */
export type ColumnCheck = (buf: Buffer, start: number, end: number, line: number) => void;

/**
 * How a column's common case is recognised inline (anything else goes to the full check). The
 * WebAssembly scanner knows the same codes (wasm/line-scanner.wat); the validator keeps
 * module-local copies for its hot loop.
 */
export const FAST_SKIP = 0; // not a schema column: nothing to check
export const FAST_ANY = 1; // an optional plain string: every value is fine
export const FAST_NONEMPTY = 2; // a required plain string: fine unless empty
export const FAST_ID = 3; // USER_ID / ITEM_ID: fine when 1 to 256 bytes (so at most 256 characters)
export const FAST_UNSIGNED = 4; // an integer: fine when it is only digits and not above fastMax
export const FAST_NONE = 5; // always run the full check

/** What a header row sets up for the lines after it, one entry per header column. */
export interface HeaderColumns {
  names: string[];
  /** The full check of each column (undefined for a duplicate or unknown column). */
  checks: (ColumnCheck | undefined)[];
  /** Each column's FAST_* code. */
  fast: Uint8Array<ArrayBuffer>;
  /** Per integer column: the largest value that needs no full check. */
  fastMax: Float64Array<ArrayBuffer>;
}

/** Reads the header row `raw` (line `line`) against `schema`, reporting what is wrong with it. */
export function readHeader(raw: string, line: number, schema: DatasetSchema, report: ReportIssue): HeaderColumns {
  if (raw.includes('"')) {
    report(line, "header-quoted", "the header row must not be quoted: write the field names as they are");
  }
  const names = raw
    .replaceAll('"', "")
    .split(",")
    .map((n) => n.trim());
  const seen = new Set<string>();
  const checks = names.map((name) => {
    if (seen.has(name)) {
      report(line, "header-duplicate-column", `column ${name} appears twice in the header`, name);
      return undefined;
    }
    seen.add(name);
    const field = schema.fields.find((f) => f.name === name);
    if (!field) {
      const known = schema.fields.map((f) => f.name).join(", ");
      report(line, "header-unknown-column", `column ${name} is not a field of the ${schema.type} schema (${known})`, name);
      return undefined;
    }
    return columnCheck(field, (l, kind, message) => report(l, kind, message, name));
  });
  const fast = Uint8Array.from(names, (name, i) => (checks[i] ? fastCode(schema.fields.find((f) => f.name === name)) : FAST_SKIP));
  const fastMax = Float64Array.from(names, (name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) return 0;
    if (TIMESTAMP_FIELDS.includes(name)) return MAX_PLAUSIBLE_SECONDS;
    return field.type === "int" ? INT_MAX : Number.MAX_SAFE_INTEGER;
  });
  for (const field of schema.fields) {
    if (!field.nullable && !names.includes(field.name)) {
      report(line, "header-missing-column", `the header has no ${field.name} column, which the ${schema.type} schema requires`, field.name);
    }
  }
  return { names, checks, fast, fastMax };
}

function fastCode(field: FieldSpec | undefined): number {
  if (!field) return FAST_SKIP;
  if (field.type === "string" && !field.categorical) {
    if (ID_FIELDS.includes(field.name)) return field.nullable ? FAST_NONE : FAST_ID;
    return field.nullable ? FAST_ANY : FAST_NONEMPTY;
  }
  if ((field.type === "long" || field.type === "int") && !field.nullable) return FAST_UNSIGNED;
  return FAST_NONE;
}

/** Characters in a byte range: its length when ASCII, else decoded. */
function charLength(buf: Buffer, start: number, end: number): number {
  for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return buf.toString("utf8", start, end).length;
  return end - start;
}

/** The value of a run of ASCII digits (with an optional minus), or NaN when it is not one. */
function integerValue(buf: Buffer, start: number, end: number): number {
  let i = start;
  const negative = buf[i] === MINUS;
  if (negative) i++;
  if (i === end) return Number.NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = (buf[i] as number) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

function columnCheck(field: FieldSpec, report: (line: number, kind: IssueKind, message: string) => void): ColumnCheck {
  const name = field.name;
  const isId = ID_FIELDS.includes(name);
  const isTimestamp = TIMESTAMP_FIELDS.includes(name);
  const text = (buf: Buffer, start: number, end: number, max = 40) => buf.toString("utf8", start, Math.min(end, start + max * 4)).slice(0, max);
  /** An empty value: reported when the field is required; either way, nothing more to check. */
  const isEmpty = (start: number, end: number, line: number): boolean => {
    if (start !== end) return false;
    if (!field.nullable) report(line, "required-empty", `${name} is empty, and the schema requires it`);
    return true;
  };
  switch (field.type) {
    case "string":
      return (buf, start, end, line) => {
        if (isEmpty(start, end, line)) return;
        if (isId && end - start > MAX_ID_LENGTH) {
          const length = charLength(buf, start, end);
          if (length > MAX_ID_LENGTH) report(line, "id-too-long", `${name} is ${length} characters long; Personalize allows ${MAX_ID_LENGTH}`);
        }
        if (field.categorical) {
          // Values are short: a plain loop over the field beats a search that could run past it.
          let emptyPart = buf[start] === PIPE || buf[end - 1] === PIPE;
          for (let i = start; !emptyPart && i < end - 1; i++) emptyPart = buf[i] === PIPE && buf[i + 1] === PIPE;
          if (emptyPart) report(line, "multi-value-empty", `${name} "${text(buf, start, end, 60)}" has an empty value between "|" separators`);
        }
      };
    case "int":
    case "long":
      return (buf, start, end, line) => {
        if (isEmpty(start, end, line)) return;
        const n = integerValue(buf, start, end);
        if (Number.isNaN(n)) {
          report(line, "not-integer", `${name} "${text(buf, start, end)}" is not a whole number${isTimestamp ? " (Unix epoch seconds)" : ""}`);
          return;
        }
        if (field.type === "int" && (n < INT_MIN || n > INT_MAX)) {
          report(line, "integer-out-of-range", `${name} ${text(buf, start, end)} does not fit an int (32 bits); make the field a long`);
        }
        if (isTimestamp) {
          if (n < 0) report(line, "timestamp-negative", `${name} ${text(buf, start, end)} is before 1970`);
          else if (n > MAX_PLAUSIBLE_SECONDS) {
            report(
              line,
              "timestamp-milliseconds",
              `${name} ${text(buf, start, end)} looks like milliseconds: Personalize wants Unix epoch seconds (divide by 1000)`,
            );
          }
        }
      };
    case "float":
    case "double":
      return (buf, start, end, line) => {
        if (isEmpty(start, end, line)) return;
        const value = buf.toString("latin1", start, end);
        if (value.trim() === "" || !Number.isFinite(Number(value))) report(line, "not-number", `${name} "${text(buf, start, end)}" is not a number`);
      };
    case "boolean":
      return (buf, start, end, line) => {
        if (isEmpty(start, end, line)) return;
        const value = buf.toString("latin1", start, end);
        if (value !== "true" && value !== "false") report(line, "not-boolean", `${name} "${text(buf, start, end)}" is not true or false`);
      };
  }
}
