/**
 * Streaming validation of Personalize dataset CSVs against their schema: what Personalize would
 * reject an hour into an import job, found while the file streams past (memory stays flat).
 *
 * Rules (Personalize developer guide, "Formatting your input data"): UTF-8; a header row of schema
 * field names, unquoted; one record per line; every required column present and non-empty; values
 * of the field's type; TIMESTAMP in Unix epoch seconds; IDs at most 256 characters; multiple
 * categorical values separated by "|".
 *
 * Parsing: a line without a double quote is split on commas, which is all CSV means there; its
 * fields are checked as byte ranges, without making strings. A line with quotes is parsed by
 * csv-parse. (csv-parse alone parses ~13 MB/s here; the byte path keeps validation faster than the
 * upload it runs beside, in little memory: see bench/personalize-upload.bench.ts.)
 */
import { isUtf8 } from "node:buffer";
import { Transform, type TransformCallback } from "node:stream";
import { parse as parseCsvSync } from "csv-parse/sync";
import { checkLines, type FastLineTarget, fastLinesAvailable } from "./fast-lines";
import { type DatasetSchema, type FieldSpec, ID_FIELDS, MAX_ID_LENGTH, TIMESTAMP_FIELDS } from "./schemas";

export type IssueKind =
  | "empty-file"
  | "invalid-utf8"
  | "header-quoted"
  | "header-unknown-column"
  | "header-duplicate-column"
  | "header-missing-column"
  | "empty-line"
  | "multiline-record"
  | "malformed-quotes"
  | "field-count"
  | "required-empty"
  | "id-too-long"
  | "not-integer"
  | "integer-out-of-range"
  | "not-number"
  | "not-boolean"
  | "timestamp-milliseconds"
  | "timestamp-negative"
  | "multi-value-empty";

export interface CsvIssue {
  /** 1-based line number in the file. */
  line: number;
  kind: IssueKind;
  column?: string;
  message: string;
}

export interface ValidationReport {
  datasetType: DatasetSchema["type"];
  valid: boolean;
  /** Data rows (the header excluded). */
  rows: number;
  bytes: number;
  /** The first errors, in full. */
  errors: CsvIssue[];
  /** All errors, including those not listed. */
  errorCount: number;
  errorCounts: Partial<Record<IssueKind, number>>;
  /** Not errors: training readiness and the like. */
  warnings: string[];
}

/** Training needs at least this many interactions... */
export const MIN_INTERACTIONS = 1000;
/** ...and at least this many users with two or more interactions each. */
export const MIN_REPEAT_USERS = 25;
/** Distinct users tracked while looking for repeat users; beyond it the count is not confirmed. */
const MAX_TRACKED_USERS = 100_000;
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** Epoch seconds above this are year 5138+: such a value is milliseconds. */
const MAX_PLAUSIBLE_SECONDS = 1e11;

// Module-local copy: an imported binding can compile to a getter call, which the hot loop below
// would pay on every field.
const MAX_ID_BYTES = MAX_ID_LENGTH;

const NEWLINE = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;
const PIPE = 124;
const MINUS = 45;

/** Checks one field, given as a byte range of a line (no string is made unless it is reported). */
type ColumnCheck = (buf: Buffer, start: number, end: number, line: number) => void;

export interface ValidatorOptions {
  /** How many errors the report lists in full (default 20). */
  maxReported?: number;
  /** Called once, with the first error, as soon as it is found (import aborts the upload here). */
  onFirstError?: (issue: CsvIssue) => void;
  /**
   * Let the WebAssembly scanner vouch for simple lines (default true; see fast-lines.ts). The
   * report is the same either way: false is for tests that prove it.
   */
  fastPath?: boolean;
}

/** FNV-1a over a byte range: users are tracked by hash, so a million IDs cost no strings. */
function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 16777619);
  return h >>> 0;
}

/**
 * Validates a CSV fed to it chunk by chunk. It works on the bytes: UTF-8 is checked per block of
 * whole lines (natively), and fields are checked in place; a string is made only for quoted lines,
 * the header, and values it reports. Simple lines (no quotes, values that pass their column's
 * inline check) are vouched for by a WebAssembly scanner (fast-lines.ts); every other line, and
 * every report, comes from the TypeScript path below.
 */
export class CsvValidator {
  /** The unfinished last line of the previous chunk (a copy). */
  private carry: Buffer | undefined;
  private lineNumber = 0;
  private rows = 0;
  private bytes = 0;
  private header: string[] | undefined;
  private checks: (ColumnCheck | undefined)[] = [];
  /**
   * Per column, how its common case is recognised inline (FAST_*), so that the full check (and
   * its message) runs only for a value that might be wrong.
   */
  private fast = new Uint8Array(0);
  /** Per integer column: the largest value that needs no full check. */
  private fastMax = new Float64Array(0);
  private errors: CsvIssue[] = [];
  private errorCount = 0;
  private errorCounts: Partial<Record<IssueKind, number>> = {};
  private readonly maxReported: number;
  private pendingEmptyLine: number | undefined;
  /** Inside a record whose quoted value ran past its line: skip until the quote closes. */
  private continuation = false;
  private userColumn = -1;
  /** Comma positions of the line being read (reused, so lines allocate nothing). */
  private commas = new Int32Array(64);
  private seenUsers: Set<number> | undefined = new Set();
  private repeatedUsers = new Set<number>();
  private usersOverflowed = false;
  /** Set once the header is read, when the WebAssembly fast path can take this file's lines. */
  private fastLines: FastLineTarget | undefined;
  /** Lines the fast path vouched for (a diagnostic for tests and benchmarks). */
  linesOnFastPath = 0;

  constructor(
    readonly schema: DatasetSchema,
    private readonly options: ValidatorOptions = {},
  ) {
    this.maxReported = options.maxReported ?? 20;
  }

  /** True once any error has been found. */
  get failed(): boolean {
    return this.errorCount > 0;
  }

  private issue(line: number, kind: IssueKind, message: string, column?: string): void {
    this.errorCount++;
    this.errorCounts[kind] = (this.errorCounts[kind] ?? 0) + 1;
    const issue: CsvIssue = { line, kind, message, ...(column ? { column } : {}) };
    if (this.errors.length < this.maxReported) this.errors.push(issue);
    if (this.errorCount === 1) this.options.onFirstError?.(issue);
  }

  /** Feeds the next bytes of the file. */
  write(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.bytes += buf.length;
    let start = 0;
    if (this.carry) {
      const newline = buf.indexOf(NEWLINE);
      if (newline < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        return;
      }
      // The line that spans two chunks, made whole (rare: once per chunk at most).
      const line = Buffer.concat([this.carry, buf.subarray(0, newline + 1)]);
      this.carry = undefined;
      this.block(line, 0, line.length - 1);
      start = newline + 1;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last >= start) this.block(buf, start, last);
    const tail = last >= start ? last + 1 : start;
    if (tail < buf.length) this.carry = Buffer.from(buf.subarray(tail));
  }

  /** Ends the file and returns the report. */
  end(): ValidationReport {
    if (this.carry) {
      const line = Buffer.concat([this.carry, Buffer.from("\n")]);
      this.carry = undefined;
      this.block(line, 0, line.length - 1);
    }
    if (this.header === undefined) this.issue(1, "empty-file", "the file is empty: it needs a header row and data rows");
    return {
      datasetType: this.schema.type,
      valid: this.errorCount === 0,
      rows: this.rows,
      bytes: this.bytes,
      errors: this.errors,
      errorCount: this.errorCount,
      errorCounts: this.errorCounts,
      warnings: this.readinessWarnings(),
    };
  }

  /**
   * The lines of buf[start..last], where buf[last] is "\n", in one pass over the bytes: the loop
   * notes commas and quotes and hands each line over at its newline (a native search per line and
   * per field costs more than the scan). A newline byte never occurs inside a UTF-8 sequence, so a
   * block of whole lines is checked for UTF-8 at once, natively.
   */
  private block(buf: Buffer, start: number, last: number): void {
    const utf8Ok = isUtf8(buf.subarray(start, last));
    if (utf8Ok && this.fastLines && this.fastPathOpen) {
      checkLines(this.fastLines, buf, start, last);
      return;
    }
    this.scanBlock(buf, start, last, utf8Ok, utf8Ok);
  }

  /** While the fast path may take lines: after the header, outside multi-line records, user counting done. */
  private get fastPathOpen(): boolean {
    return this.header !== undefined && !this.continuation && this.pendingEmptyLine === undefined && this.seenUsers === undefined;
  }

  /**
   * The general path for buf[start..last]: every kind of line, every error. With `mayGoFast`, the
   * rest of the block goes to the fast path as soon as it opens (after the header, once user
   * counting is done); the fast path's own calls pass false, so the two never call each other back.
   */
  private scanBlock(buf: Buffer, start: number, last: number, utf8Ok: boolean, mayGoFast = false): void {
    // The bytes as 32-bit words too: four bytes with no "\n", "," or '"' are skipped in one step.
    const base = buf.byteOffset;
    const words = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >> 2);
    let commas = this.commas;
    let count = 0;
    let quoted = false;
    let lineStart = start;
    const end = last + 1;
    let i = start;
    while (i < end) {
      if (((base + i) & 3) === 0) {
        while (i + 4 <= end) {
          const x = words[(base + i) >> 2] as number;
          let v = x ^ 0x0a0a0a0a;
          let m = (v - 0x01010101) & ~v;
          v = x ^ 0x2c2c2c2c;
          m |= (v - 0x01010101) & ~v;
          v = x ^ 0x22222222;
          m |= (v - 0x01010101) & ~v;
          if ((m & 0x80808080) !== 0) break;
          i += 4;
        }
        if (i >= end) break;
      }
      const b = buf[i] as number;
      if (b <= COMMA) {
        if (b === COMMA) {
          if (count === commas.length) {
            commas = new Int32Array(commas.length * 2);
            commas.set(this.commas);
            this.commas = commas;
          }
          commas[count++] = i;
        } else if (b === NEWLINE) {
          this.line(buf, lineStart, i, count, quoted, utf8Ok);
          if (mayGoFast && i < last && this.fastLines && this.fastPathOpen) {
            checkLines(this.fastLines, buf, i + 1, last);
            return;
          }
          lineStart = i + 1;
          count = 0;
          quoted = false;
        } else if (b === QUOTE) {
          quoted = true;
        }
      }
      i++;
    }
  }

  /** One line, buf[start, newline), with the positions of its `count` commas in this.commas. */
  private line(buf: Buffer, start: number, newline: number, count: number, quoted: boolean, utf8Ok: boolean): void {
    const line = ++this.lineNumber;
    const end = newline > start && buf[newline - 1] === CR ? newline - 1 : newline;
    if (!utf8Ok && !isUtf8(buf.subarray(start, end))) {
      this.issue(line, "invalid-utf8", "the file is not valid UTF-8 here: save it as UTF-8 (Personalize reads nothing else)");
      return;
    }
    if (this.continuation) {
      // The rest of an already-reported multi-line record; it ends where its quote closes.
      if (quoted && countQuotes(buf, start, end) % 2 === 1) this.continuation = false;
      return;
    }
    if (start === end) {
      // A blank line is only an error when a record follows it (a final newline is fine).
      this.pendingEmptyLine ??= line;
      return;
    }
    if (this.pendingEmptyLine !== undefined) {
      this.issue(this.pendingEmptyLine, "empty-line", "empty line in the middle of the file: remove it");
      this.pendingEmptyLine = undefined;
    }
    if (this.header === undefined) {
      let text = buf.toString("utf8", start, end);
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.readHeader(text, line);
      return;
    }
    this.rows++;
    if (quoted) {
      this.quotedRecord(buf.toString("utf8", start, end), line);
      return;
    }
    const checks = this.checks;
    if (count + 1 !== checks.length) {
      this.issue(line, "field-count", `${count + 1} value${count === 0 ? "" : "s"}, but the header has ${checks.length} columns`);
      return;
    }
    const commas = this.commas;
    const fast = this.fast;
    for (let k = 0; k <= count; k++) {
      const fieldStart = k === 0 ? start : (commas[k - 1] as number) + 1;
      const fieldEnd = k < count ? (commas[k] as number) : end;
      const length = fieldEnd - fieldStart;
      let ok: boolean;
      switch (fast[k]) {
        case FAST_SKIP:
        case FAST_ANY:
          ok = true;
          break;
        case FAST_NONEMPTY:
          ok = length > 0;
          break;
        case FAST_ID:
          ok = length > 0 && length <= MAX_ID_BYTES;
          break;
        case FAST_UNSIGNED: {
          let n = 0;
          ok = length > 0 && length <= 16;
          for (let i = fieldStart; ok && i < fieldEnd; i++) {
            const d = (buf[i] as number) - 48;
            ok = d >= 0 && d <= 9;
            n = n * 10 + d;
          }
          ok = ok && n <= (this.fastMax[k] as number);
          break;
        }
        default:
          ok = false;
      }
      if (!ok) checks[k]?.(buf, fieldStart, fieldEnd, line);
      if (k === this.userColumn && this.seenUsers) this.countUser(hashBytes(buf, fieldStart, fieldEnd));
    }
  }

  /** A line with quotes: csv-parse reads it (quoted commas, doubled quotes). */
  private quotedRecord(raw: string, line: number): void {
    if ((raw.split('"').length - 1) % 2 === 1) {
      this.issue(line, "multiline-record", "a quoted value runs past the end of the line: Personalize reads one record per line");
      this.continuation = true;
      return;
    }
    let values: string[];
    try {
      values = (parseCsvSync(raw) as string[][])[0] ?? [];
    } catch (err) {
      this.issue(line, "malformed-quotes", `the quoting is not valid CSV (${(err as Error).message.split(":")[0]})`);
      return;
    }
    if (values.length !== this.checks.length) {
      this.issue(line, "field-count", `${values.length} value${values.length === 1 ? "" : "s"}, but the header has ${this.checks.length} columns`);
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const value = Buffer.from(values[i] as string, "utf8");
      this.checks[i]?.(value, 0, value.length, line);
      if (i === this.userColumn && this.seenUsers) this.countUser(hashBytes(value, 0, value.length));
    }
  }

  private readHeader(raw: string, line: number): void {
    if (raw.includes('"')) {
      this.issue(line, "header-quoted", "the header row must not be quoted: write the field names as they are");
    }
    const names = raw
      .replaceAll('"', "")
      .split(",")
      .map((n) => n.trim());
    this.header = names;
    const seen = new Set<string>();
    this.checks = names.map((name) => {
      if (seen.has(name)) {
        this.issue(line, "header-duplicate-column", `column ${name} appears twice in the header`, name);
        return undefined;
      }
      seen.add(name);
      const field = this.schema.fields.find((f) => f.name === name);
      if (!field) {
        const known = this.schema.fields.map((f) => f.name).join(", ");
        this.issue(line, "header-unknown-column", `column ${name} is not a field of the ${this.schema.type} schema (${known})`, name);
        return undefined;
      }
      return columnCheck(field, (l, kind, message) => this.issue(l, kind, message, name));
    });
    this.fast = Uint8Array.from(names, (name, i) => (this.checks[i] ? fastCode(this.schema.fields.find((f) => f.name === name)) : FAST_SKIP));
    this.fastMax = Float64Array.from(names, (name) => {
      const field = this.schema.fields.find((f) => f.name === name);
      if (!field) return 0;
      if (TIMESTAMP_FIELDS.includes(name)) return MAX_PLAUSIBLE_SECONDS;
      return field.type === "int" ? INT_MAX : Number.MAX_SAFE_INTEGER;
    });
    for (const field of this.schema.fields) {
      if (!field.nullable && !names.includes(field.name)) {
        this.issue(line, "header-missing-column", `the header has no ${field.name} column, which the ${this.schema.type} schema requires`, field.name);
      }
    }
    this.userColumn = this.schema.type === "interactions" ? names.indexOf("USER_ID") : -1;
    if (this.userColumn < 0) this.seenUsers = undefined;
    // A column that always needs its full check (categorical, nullable ID...) would stop the scanner
    // on every line: such files take the general path throughout.
    if (this.options.fastPath !== false && !this.fast.includes(FAST_NONE) && fastLinesAvailable(names.length)) {
      this.fastLines = {
        codes: this.fast,
        maxima: this.fastMax,
        maxIdBytes: MAX_ID_BYTES,
        simpleLines: (count) => {
          this.lineNumber += count;
          this.rows += count;
          this.linesOnFastPath += count;
        },
        otherLines: (buf, start, last) => this.scanBlock(buf, start, last, true),
        fastPathOpen: () => this.fastPathOpen,
      };
    }
  }

  /**
   * Counts users with two or more interactions until there are enough, then stops tracking. Users
   * are tracked by 32-bit hash: a rare collision can only make the readiness warning more lenient.
   */
  private countUser(user: number): void {
    const seen = this.seenUsers;
    if (!seen) return;
    if (!seen.has(user)) {
      if (seen.size >= MAX_TRACKED_USERS) {
        this.usersOverflowed = true;
        this.seenUsers = undefined;
        return;
      }
      seen.add(user);
    } else if (!this.repeatedUsers.has(user)) {
      this.repeatedUsers.add(user);
      if (this.repeatedUsers.size >= MIN_REPEAT_USERS) this.seenUsers = undefined;
    }
  }

  private readinessWarnings(): string[] {
    if (this.schema.type !== "interactions" || this.errorCount > 0) return [];
    const warnings: string[] = [];
    if (this.rows < MIN_INTERACTIONS) {
      warnings.push(`only ${this.rows} interactions: Personalize needs at least ${MIN_INTERACTIONS} to train a solution`);
    }
    const repeat = this.repeatedUsers.size;
    if (repeat < MIN_REPEAT_USERS) {
      warnings.push(
        this.usersOverflowed
          ? `could not confirm ${MIN_REPEAT_USERS} users with 2+ interactions within the first ${MAX_TRACKED_USERS} distinct users`
          : `only ${repeat} users with 2 or more interactions: Personalize needs at least ${MIN_REPEAT_USERS} to train`,
      );
    }
    return warnings;
  }
}

/** How a column's common case is recognised inline (anything else goes to the full check). */
const FAST_SKIP = 0; // not a schema column: nothing to check
const FAST_ANY = 1; // an optional plain string: every value is fine
const FAST_NONEMPTY = 2; // a required plain string: fine unless empty
const FAST_ID = 3; // USER_ID / ITEM_ID: fine when 1 to 256 bytes (so at most 256 characters)
const FAST_UNSIGNED = 4; // an integer: fine when it is only digits and not above fastMax
const FAST_NONE = 5; // always run the full check

function fastCode(field: FieldSpec | undefined): number {
  if (!field) return FAST_SKIP;
  if (field.type === "string" && !field.categorical) {
    if (ID_FIELDS.includes(field.name)) return field.nullable ? FAST_NONE : FAST_ID;
    return field.nullable ? FAST_ANY : FAST_NONEMPTY;
  }
  if ((field.type === "long" || field.type === "int") && !field.nullable) return FAST_UNSIGNED;
  return FAST_NONE;
}

function countQuotes(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(QUOTE, start); i >= 0 && i < end; i = buf.indexOf(QUOTE, i + 1)) n++;
  return n;
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

/**
 * A pass-through stream that validates what flows through it. `report()` is ready once it has ended.
 */
export class ValidatingStream extends Transform {
  private finished: ValidationReport | undefined;

  constructor(readonly validator: CsvValidator) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.validator.write(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.finished = this.validator.end();
    callback();
  }

  report(): ValidationReport {
    if (!this.finished) throw new Error("the stream has not ended yet");
    return this.finished;
  }
}

/** Validates a whole source and returns the report. */
export async function validateCsv(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  schema: DatasetSchema,
  options: ValidatorOptions = {},
): Promise<ValidationReport> {
  const validator = new CsvValidator(schema, options);
  for await (const chunk of source) validator.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return validator.end();
}
