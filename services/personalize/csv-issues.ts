/**
 * What CSV validation reports: the kinds of issue, one issue, and the whole report. A file of its
 * own because the column rules (csv-columns.ts) and the validator (csv-validator.ts) both report in
 * these terms, and the upload and import code reads the report.
 */
import type { DatasetSchema } from "./schemas";

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

/** Where the header and column rules send what they find (the validator counts and lists it). */
export type ReportIssue = (line: number, kind: IssueKind, message: string, column?: string) => void;
