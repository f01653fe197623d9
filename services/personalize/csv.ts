/**
 * Streaming validation of Personalize dataset CSVs against their schema: what Personalize would
 * reject an hour into an import job, found while the file streams past (memory stays flat).
 *
 * Rules (Personalize developer guide, "Formatting your input data"): UTF-8; a header row of schema
 * field names, unquoted; one record per line; every required column present and non-empty; values
 * of the field's type; TIMESTAMP in Unix epoch seconds; IDs at most 256 characters; multiple
 * categorical values separated by "|".
 *
 * Parsing: a line without a double quote is split on commas, which is all CSV means there. A line
 * with quotes is parsed by csv-parse. (csv-parse alone parses ~13 MB/s here; the split path keeps
 * validation faster than the upload it runs beside: see bench/personalize-upload.bench.ts.)
 */
import { Transform, type TransformCallback } from "node:stream";
import { TextDecoder } from "node:util";
import { parse as parseCsvSync } from "csv-parse/sync";
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

type ColumnCheck = (value: string, line: number) => void;

export interface ValidatorOptions {
  /** How many errors the report lists in full (default 20). */
  maxReported?: number;
  /** Called once, with the first error, as soon as it is found (import aborts the upload here). */
  onFirstError?: (issue: CsvIssue) => void;
}

export class CsvValidator {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  private lenientDecoder: TextDecoder | undefined;
  private rest = "";
  private line = 0;
  private rows = 0;
  private bytes = 0;
  private header: string[] | undefined;
  private checks: (ColumnCheck | undefined)[] = [];
  private errors: CsvIssue[] = [];
  private errorCount = 0;
  private errorCounts: Partial<Record<IssueKind, number>> = {};
  private readonly maxReported: number;
  private pendingEmptyLine: number | undefined;
  /** Inside a record whose quoted value ran past its line: skip until the quote closes. */
  private continuation = false;
  private userColumn = -1;
  private users: Map<string, number> | undefined = new Map();
  private repeatUsers = 0;
  private usersOverflowed = false;

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
    this.bytes += chunk.byteLength;
    let text: string;
    if (this.lenientDecoder) {
      text = this.lenientDecoder.decode(chunk, { stream: true });
    } else {
      try {
        text = this.decoder.decode(chunk, { stream: true });
      } catch {
        text = this.recoverFromInvalidUtf8(chunk);
      }
    }
    this.consume(this.rest + text, false);
  }

  /** Ends the file and returns the report. */
  end(): ValidationReport {
    const tail = this.lenientDecoder ? this.lenientDecoder.decode() : this.safeFinalDecode();
    this.consume(this.rest + tail, true);
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

  private safeFinalDecode(): string {
    try {
      return this.decoder.decode();
    } catch {
      this.issue(this.line + 1, "invalid-utf8", "the file ends inside a multi-byte UTF-8 character");
      return "";
    }
  }

  /** Reports where the bad byte is, then carries on with a lenient decoder. */
  private recoverFromInvalidUtf8(chunk: Uint8Array): string {
    this.lenientDecoder = new TextDecoder("utf-8");
    const text = this.lenientDecoder.decode(chunk, { stream: true });
    const lineOffset = (this.rest.match(/\n/g)?.length ?? 0) + 1;
    const badAt = text.indexOf("\uFFFD");
    const before = badAt >= 0 ? text.slice(0, badAt) : "";
    const line = this.line + lineOffset + (before.match(/\n/g)?.length ?? 0);
    this.issue(line, "invalid-utf8", "the file is not valid UTF-8 here: save it as UTF-8 (Personalize reads nothing else)");
    return text;
  }

  private consume(text: string, final: boolean): void {
    let start = 0;
    let newline: number;
    while ((newline = text.indexOf("\n", start)) >= 0) {
      this.record(text.slice(start, text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline));
      start = newline + 1;
    }
    this.rest = text.slice(start);
    if (final && this.rest !== "") {
      this.record(this.rest.endsWith("\r") ? this.rest.slice(0, -1) : this.rest);
      this.rest = "";
    }
  }

  private record(raw: string): void {
    const line = ++this.line;
    if (this.continuation) {
      // The rest of an already-reported multi-line record; it ends where its quote closes.
      if ((raw.split('"').length - 1) % 2 === 1) this.continuation = false;
      return;
    }
    if (raw === "") {
      // A blank line is only an error when a record follows it (a final newline is fine).
      this.pendingEmptyLine ??= line;
      return;
    }
    if (this.pendingEmptyLine !== undefined) {
      this.issue(this.pendingEmptyLine, "empty-line", "empty line in the middle of the file: remove it");
      this.pendingEmptyLine = undefined;
    }
    if (this.header === undefined) {
      this.readHeader(line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, line);
      return;
    }
    this.rows++;
    let values: string[];
    if (raw.indexOf('"') < 0) {
      values = raw.split(",");
    } else {
      const quotes = raw.split('"').length - 1;
      if (quotes % 2 === 1) {
        this.issue(line, "multiline-record", "a quoted value runs past the end of the line: Personalize reads one record per line");
        this.continuation = true;
        return;
      }
      try {
        values = (parseCsvSync(raw) as string[][])[0] ?? [];
      } catch (err) {
        this.issue(line, "malformed-quotes", `the quoting is not valid CSV (${(err as Error).message.split(":")[0]})`);
        return;
      }
    }
    const header = this.header;
    if (values.length !== header.length) {
      this.issue(line, "field-count", `${values.length} value${values.length === 1 ? "" : "s"}, but the header has ${header.length} columns`);
      return;
    }
    for (let i = 0; i < values.length; i++) this.checks[i]?.(values[i] as string, line);
    if (this.userColumn >= 0 && this.users) this.countUser(values[this.userColumn] as string);
  }

  private readHeader(raw: string, line: number): void {
    if (raw.includes('"')) {
      this.issue(line, "header-quoted", "the header row must not be quoted: write the field names as they are");
    }
    const names = raw.replaceAll('"', "").split(",").map((n) => n.trim());
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
    for (const field of this.schema.fields) {
      if (!field.nullable && !names.includes(field.name)) {
        this.issue(line, "header-missing-column", `the header has no ${field.name} column, which the ${this.schema.type} schema requires`, field.name);
      }
    }
    this.userColumn = this.schema.type === "interactions" ? names.indexOf("USER_ID") : -1;
  }

  /** Counts users with two or more interactions until there are enough, then stops tracking. */
  private countUser(user: string): void {
    const users = this.users;
    if (!users) return;
    const seen = users.get(user);
    if (seen === undefined) {
      if (users.size >= MAX_TRACKED_USERS) {
        this.usersOverflowed = true;
        this.users = undefined;
        return;
      }
      users.set(user, 1);
    } else if (seen === 1) {
      users.set(user, 2);
      if (++this.repeatUsers >= MIN_REPEAT_USERS) this.users = undefined;
    }
  }

  private readinessWarnings(): string[] {
    if (this.schema.type !== "interactions" || this.errorCount > 0) return [];
    const warnings: string[] = [];
    if (this.rows < MIN_INTERACTIONS) {
      warnings.push(`only ${this.rows} interactions: Personalize needs at least ${MIN_INTERACTIONS} to train a solution`);
    }
    if (this.repeatUsers < MIN_REPEAT_USERS) {
      warnings.push(
        this.usersOverflowed
          ? `could not confirm ${MIN_REPEAT_USERS} users with 2+ interactions within the first ${MAX_TRACKED_USERS} distinct users`
          : `only ${this.repeatUsers} users with 2 or more interactions: Personalize needs at least ${MIN_REPEAT_USERS} to train`,
      );
    }
    return warnings;
  }
}

function columnCheck(field: FieldSpec, report: (line: number, kind: IssueKind, message: string) => void): ColumnCheck {
  const name = field.name;
  const isId = ID_FIELDS.includes(name);
  const isTimestamp = TIMESTAMP_FIELDS.includes(name);
  const empty = (line: number): boolean => {
    if (!field.nullable) report(line, "required-empty", `${name} is empty, and the schema requires it`);
    return true;
  };
  switch (field.type) {
    case "string":
      return (value, line) => {
        if (value === "") {
          empty(line);
          return;
        }
        if (isId && value.length > MAX_ID_LENGTH) {
          report(line, "id-too-long", `${name} is ${value.length} characters long; Personalize allows ${MAX_ID_LENGTH}`);
        }
        if (field.categorical && value.indexOf("|") >= 0 && value.split("|").some((v) => v === "")) {
          report(line, "multi-value-empty", `${name} "${value.slice(0, 60)}" has an empty value between "|" separators`);
        }
      };
    case "int":
    case "long":
      return (value, line) => {
        if (value === "") {
          empty(line);
          return;
        }
        if (!/^-?\d+$/.test(value)) {
          report(line, "not-integer", `${name} "${value.slice(0, 40)}" is not a whole number${isTimestamp ? " (Unix epoch seconds)" : ""}`);
          return;
        }
        const n = Number(value);
        if (field.type === "int" && (n < INT_MIN || n > INT_MAX)) {
          report(line, "integer-out-of-range", `${name} ${value} does not fit an int (32 bits); make the field a long`);
        }
        if (isTimestamp) {
          if (n < 0) report(line, "timestamp-negative", `${name} ${value} is before 1970`);
          else if (n > MAX_PLAUSIBLE_SECONDS) {
            report(line, "timestamp-milliseconds", `${name} ${value} looks like milliseconds: Personalize wants Unix epoch seconds (divide by 1000)`);
          }
        }
      };
    case "float":
    case "double":
      return (value, line) => {
        if (value === "") {
          empty(line);
          return;
        }
        if (value.trim() === "" || !Number.isFinite(Number(value))) report(line, "not-number", `${name} "${value.slice(0, 40)}" is not a number`);
      };
    case "boolean":
      return (value, line) => {
        if (value === "") {
          empty(line);
          return;
        }
        if (value !== "true" && value !== "false") report(line, "not-boolean", `${name} "${value.slice(0, 40)}" is not true or false`);
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
  schema: DatasetSchema, options: ValidatorOptions = {}): Promise<ValidationReport> {
  const validator = new CsvValidator(schema, options);
  for await (const chunk of source) validator.write(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return validator.end();
}
