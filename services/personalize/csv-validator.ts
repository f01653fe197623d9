/**
 * (Over 350 lines: one class whose hot loops share its fields; split, they would pay a call per line.)
 *
 * The streaming CSV validator: a state machine fed chunk by chunk that splits the bytes into lines,
 * reads the header (csv-columns.ts), checks every record, counts training readiness
 * (csv-readiness.ts) and builds the report (csv-issues.ts). Simple lines go to the WebAssembly
 * fast path (fast-lines.ts); every other line, and every report, comes from the loops here.
 *
 * Parsing: a line without a double quote is split on commas, which is all CSV means there; its
 * fields are checked as byte ranges, without making strings. A line with quotes is parsed by
 * csv-parse, which alone would be far slower than the upload it runs beside; the byte path keeps
 * validation ahead of it, in little memory (figures: the README's benchmark section).
 */
import { isUtf8 } from "node:buffer";
import { parse as parseCsvSync } from "csv-parse/sync";
import * as columns from "./csv-columns";
import type { ColumnCheck } from "./csv-columns";
import type { CsvIssue, IssueKind, ValidationReport } from "./csv-issues";
import { RepeatUsers } from "./csv-readiness";
import { checkLines, type FastLineTarget, fastLinesAvailable } from "./fast-lines";
import { type DatasetSchema, MAX_ID_LENGTH } from "./schemas";

// Module-local copies: an imported binding can compile to a getter call, which the hot loop below
// would pay on every field.
const MAX_ID_BYTES = MAX_ID_LENGTH;
const FAST_SKIP = columns.FAST_SKIP;
const FAST_ANY = columns.FAST_ANY;
const FAST_NONEMPTY = columns.FAST_NONEMPTY;
const FAST_ID = columns.FAST_ID;
const FAST_UNSIGNED = columns.FAST_UNSIGNED;
const FAST_NONE = columns.FAST_NONE;

const NEWLINE = 10;
const CR = 13;
const COMMA = 44;
const QUOTE = 34;

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
  /** Users with two or more interactions, counted until there are enough (see csv-readiness.ts). */
  private readonly users = new RepeatUsers();
  /** While rows still go to `users`: until enough repeat users are found, or there is no user column. */
  private countingUsers = true;
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
    return this.header !== undefined && !this.continuation && this.pendingEmptyLine === undefined && !this.countingUsers;
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
      if (k === this.userColumn && this.countingUsers) this.countingUsers = this.users.add(buf, fieldStart, fieldEnd);
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
      if (i === this.userColumn && this.countingUsers) this.countingUsers = this.users.add(value, 0, value.length);
    }
  }

  /** The header row: its columns' checks and fast-path codes (csv-columns.ts), and the fast path's hookup. */
  private readHeader(raw: string, line: number): void {
    const header = columns.readHeader(raw, line, this.schema, (l, kind, message, column) => this.issue(l, kind, message, column));
    const names = header.names;
    this.header = names;
    this.checks = header.checks;
    this.fast = header.fast;
    this.fastMax = header.fastMax;
    this.userColumn = this.schema.type === "interactions" ? names.indexOf("USER_ID") : -1;
    if (this.userColumn < 0) this.countingUsers = false;
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

  /** Training readiness, for an interactions file that is otherwise valid. */
  private readinessWarnings(): string[] {
    return this.schema.type === "interactions" && this.errorCount === 0 ? this.users.warnings(this.rows) : [];
  }
}

function countQuotes(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(QUOTE, start); i >= 0 && i < end; i = buf.indexOf(QUOTE, i + 1)) n++;
  return n;
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
