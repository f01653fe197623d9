/** The errors an import ends with, and the limits it checks. */
import type { ValidationReport } from "./csv";

export type ImportMode = "FULL" | "INCREMENTAL";

export class ImportValidationError extends Error {
  constructor(readonly report: ValidationReport) {
    const first = report.errors[0];
    super(
      `the CSV has ${report.errorCount} error(s)${first ? `, first at line ${first.line}: ${first.message}` : ""}; ` +
        "nothing was uploaded and no import job was started",
    );
    this.name = "ImportValidationError";
  }
}

export class ImportJobFailedError extends Error {
  constructor(
    readonly jobArn: string,
    readonly failureReason: string | undefined,
    readonly uri: string,
  ) {
    super(`dataset import job ${jobArn} failed: ${failureReason ?? "no reason given"} (the data stays at ${uri})`);
    this.name = "ImportJobFailedError";
  }
}

/** The data is in the bucket, but Personalize would not start the job (the cause says why). */
export class ImportStartError extends Error {
  constructor(
    readonly uri: string,
    cause: unknown,
  ) {
    super(`the data is at ${uri}, but starting the import job failed`, { cause });
    this.name = "ImportStartError";
  }
}

export class ImportConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImportConfigError";
  }
}

/** Personalize refuses bigger imports (per job). */
export const MAX_IMPORT_BYTES: Readonly<Record<ImportMode, number>> = { FULL: 100 * 1024 ** 3, INCREMENTAL: 1024 ** 3 };

/** A lifecycle call given something unusable (a bad name, a count out of range). */
export class WorkflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkflowError";
  }
}

/** A file that changed while it was being read or sent: one class for every upload (services/storage-errors.ts). */
export { SourceChangedError } from "../storage-errors";
