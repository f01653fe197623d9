/**
 * Amazon Personalize for the RoadmapX backend: `importDataset` (the call the backend already makes),
 * CSV validation, the rest of the lifecycle, and batch jobs (`batchRecommend`, `batchSegment`,
 * `readBatchResults`: batch.ts).
 */
import { Readable } from "node:stream";
import type { ServiceContext } from "../context";
import { attachBatchJob, startBatchJob } from "./batch";
import type { BatchJobRun, BatchRecommendOptions, BatchRecommendation, BatchSegmentOptions, BatchSegmentResult, BatchWaitOptions } from "./batch-types";
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

  /**
   * A batch inference job: `input` records ({userId} / {itemId} / {userId, itemList}, as the
   * solution version's recipe takes) are checked and streamed to `personalize/batch/<job>/input/`,
   * the job is started (its cost said first) and waited for; `results()` reads the recommendations
   * back line by line, in input order. Bad input fails with BatchInputError before anything is left
   * in the bucket; a failed job with BatchJobFailedError; a wait that runs out with
   * BatchWaitTimeoutError (the job goes on: `readBatchResults(jobArn)` later).
   */
  batchRecommend(options: BatchRecommendOptions): Promise<BatchJobRun<BatchRecommendation>> {
    return startBatchJob(this.context, "inference", options);
  }

  /** A batch segment job ({itemId} for Item-Affinity, {itemAttributes} for Item-Attribute-Affinity), as batchRecommend. */
  batchSegment(options: BatchSegmentOptions): Promise<BatchJobRun<BatchSegmentResult>> {
    return startBatchJob(this.context, "segment", options);
  }

  /** A batch job started earlier, by ARN (e.g. after a wait that timed out). */
  attachBatchJob(jobArn: string, options?: BatchWaitOptions & { cleanup?: boolean }): Promise<BatchJobRun<BatchRecommendation | BatchSegmentResult>> {
    return attachBatchJob(this.context, jobArn, options);
  }

  /** The results of a batch job started earlier, waiting for it first if it is still running. */
  async *readBatchResults(jobArn: string, options?: BatchWaitOptions & { cleanup?: boolean }): AsyncGenerator<BatchRecommendation | BatchSegmentResult> {
    yield* (await attachBatchJob(this.context, jobArn, options)).results();
  }

  /** Validates a CSV (or rows) against a dataset type's schema without sending anything. */
  validate(source: CsvSource, schema: DatasetType | DatasetSchema): Promise<ValidationReport> {
    const resolved = typeof schema === "string" ? builtinSchema(schema) : schema;
    return validateCsv(Readable.from(csvBytes(source, resolved)), resolved);
  }
}

export * from "./batch-types";
export { checkBatchOptions, batchKindOf } from "./batch";
export * from "./csv";
export * from "./errors";
export * from "./import";
export * from "./source";
export * from "./upload";
export * from "./schemas";
export * from "./workflow";
export * from "./filter-values";
export { createFilter, deleteFilter, FilterExpressions, FILTER_ARN, FILTER_NAME, MAX_FILTER_EXPRESSION_LENGTH } from "./filters";
export { type RecommendationOptions, type RankingOptions, type RecommendedItem, type PromotionOptions } from "./runtime";
export { camelCaseField, MAX_PROPERTIES_LENGTH, MAX_RECORDS_PER_CALL, type PropertyValue, type RecordProperties, RecordValidationError } from "./items-users";
export { DOMAIN_RECIPES, DOMAINS, type Domain, domainOfRecipe, isDomain, RECOMMENDER_ARN } from "./recommenders";
export { DELETION_CHUNK_BYTES, DEFAULT_DELETION_WAIT_MS, DeletionInputError, deletionCsv, MAX_DELETION_INPUT_BYTES, type UserIdSource } from "./data-deletion";
