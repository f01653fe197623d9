/**
 * Amazon Personalize for the RoadmapX backend: `importDataset` (the call the backend already makes),
 * CSV validation, and the rest of the lifecycle.
 */
import { Readable } from "node:stream";
import type { ServiceContext } from "../context";
import { validateCsv, type ValidationReport } from "./csv";
import { type ImportOptions, type ImportResult, importDataset } from "./import";
import { type CsvSource, csvBytes } from "./source";
import { type DatasetSchema, type DatasetType, builtinSchema } from "./schemas";
import { PersonalizeWorkflow, type WaitOptions } from "./workflow";

export class PersonalizeService extends PersonalizeWorkflow {
  constructor(
    private readonly context: ServiceContext,
    wait: WaitOptions = {},
  ) {
    super(context, wait);
  }

  /**
   * Validates `source` while it streams to `personalize/` (to `key`, or a dated key), then imports it
   * into the dataset with the Personalize role and waits for the job. An invalid row aborts the
   * upload: nothing is left in the bucket and no job is started.
   */
  importDataset(datasetArn: string, source: CsvSource, key?: string, options?: ImportOptions): Promise<ImportResult> {
    return importDataset(this.context, datasetArn, source, key, options);
  }

  /** Validates a CSV (or rows) against a dataset type's schema without sending anything. */
  validate(source: CsvSource, schema: DatasetType | DatasetSchema): Promise<ValidationReport> {
    const resolved = typeof schema === "string" ? builtinSchema(schema) : schema;
    return validateCsv(Readable.from(csvBytes(source, resolved)), resolved);
  }
}

export * from "./csv";
export * from "./errors";
export * from "./import";
export * from "./source";
export * from "./upload";
export * from "./schemas";
export * from "./workflow";
