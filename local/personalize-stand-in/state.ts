/**
 * The resources the stand-in knows and what happens to them as time passes: finished import jobs
 * load their data into the dataset, finished batch jobs take their work's result, deleted resources
 * disappear (with what lives under them).
 * `settle()` applies everything due by the clock's current time; the server runs it before every
 * request, so an answer always reflects the clock and nothing happens between requests.
 */
import type { Clock } from "./clock";
import type { BatchRunResult } from "./batch-job";
import { removeUsers, type DeletionInput } from "./data-deletion-job";
import type { ImportResult } from "./import-job";
import { Lifecycle, type LifecycleDurations, type LifecycleKind, type Outcome, type Status } from "./lifecycle";
import type { ParsedFilter } from "./filter-expression";
import type { Interaction, RecipeType, TrainedModel } from "./model";
import type { DatasetType, SchemaField } from "./validation";

export interface SchemaRecord {
  arn: string;
  name: string;
  schema: string;
  fields: SchemaField[];
  domain: string | undefined;
  createdAt: number;
}

export interface DatasetGroupRecord {
  arn: string;
  name: string;
  lifecycle: Lifecycle;
  roleArn: string | undefined;
  kmsKeyArn: string | undefined;
  domain: string | undefined;
}

export interface DatasetRecord {
  arn: string;
  name: string;
  datasetGroupArn: string;
  datasetType: DatasetType;
  schemaArn: string;
  lifecycle: Lifecycle;
  /** Bulk data from import jobs: a FULL import replaces it, an INCREMENTAL one adds to it. */
  bulk: Interaction[];
  /** Interactions recorded with PutEvents: imports do not replace them. */
  streamed: Interaction[];
  /** ITEM_ID or USER_ID of each bulk record of an Items or Users dataset. */
  ids: string[];
  /** An Items or Users dataset's rows (bulk, then PutItems/PutUsers), values by column. */
  attributes: Record<string, string>[];
}

export interface ImportJobRecord {
  arn: string;
  jobName: string;
  datasetArn: string;
  dataLocation: string;
  roleArn: string;
  importMode: "FULL" | "INCREMENTAL";
  publishAttributionMetricsToS3: boolean | undefined;
  lifecycle: Lifecycle;
  /** The read of the input, started at creation; its result decides the job when the clock says it ends. */
  reading: Promise<ImportResult> | undefined;
  result: ImportResult | undefined;
  applied: boolean;
}

export interface SolutionRecord {
  arn: string;
  name: string;
  datasetGroupArn: string;
  recipeArn: string;
  recipeType: RecipeType;
  performAutoTraining: boolean;
  performHPO: boolean;
  performAutoML: boolean;
  performIncrementalUpdate: boolean | undefined;
  eventType: string | undefined;
  solutionConfig: unknown;
  lifecycle: Lifecycle;
}

export interface SolutionVersionRecord {
  arn: string;
  solutionArn: string;
  name: string | undefined;
  trainingMode: "FULL" | "UPDATE";
  lifecycle: Lifecycle;
  model: TrainedModel | undefined;
  metrics: Record<string, number> | undefined;
  trainingHours: number;
}

export interface CampaignRecord {
  arn: string;
  name: string;
  solutionVersionArn: string;
  minProvisionedTPS: number;
  campaignConfig: unknown;
  lifecycle: Lifecycle;
}

export interface EventTrackerRecord {
  arn: string;
  name: string;
  datasetGroupArn: string;
  trackingId: string;
  /** The tags given at creation: ListTagsForResource answers them (the IAM gate reads them for aws:ResourceTag). */
  tags: { tagKey: string; tagValue: string }[];
  lifecycle: Lifecycle;
}

/** A batch inference job or a batch segment job (the two share everything but their output). */
export interface BatchJobRecord {
  kind: "inference" | "segment";
  arn: string;
  jobName: string;
  solutionVersionArn: string;
  /** Recorded and echoed; not applied (the stand-in models no filters). */
  filterArn: string | undefined;
  numResults: number | undefined;
  jobInput: { s3DataSource: { path: string; kmsKeyArn?: string } };
  jobOutput: { s3DataDestination: { path: string; kmsKeyArn?: string } };
  roleArn: string;
  batchInferenceJobConfig: unknown;
  batchInferenceJobMode: string | undefined;
  themeGenerationConfig: unknown;
  tags: { tagKey: string; tagValue: string }[];
  lifecycle: Lifecycle;
  /** The job's work (read the input, write the output), started at creation; its result decides the job when the clock says it ends. */
  running: Promise<BatchRunResult> | undefined;
}

export type Tags = { tagKey: string; tagValue: string }[];

export interface FilterRecord {
  arn: string;
  name: string;
  datasetGroupArn: string;
  filterExpression: string;
  parsed: ParsedFilter;
  tags: Tags;
  lifecycle: Lifecycle;
}

export interface RecommenderRecord {
  arn: string;
  name: string;
  datasetGroupArn: string;
  recipeArn: string;
  recommenderConfig: Record<string, unknown>;
  enableMetadataWithRecommendations: boolean;
  tags: Tags;
  lifecycle: Lifecycle;
  /** The last StopRecommender or StartRecommender, when it came (recommender-status.ts). */
  transition: { kind: "stop" | "start"; at: number } | undefined;
  model: TrainedModel | undefined;
}

export interface DataDeletionJobRecord {
  arn: string;
  jobName: string;
  datasetGroupArn: string;
  dataLocation: string;
  roleArn: string;
  tags: Tags;
  lifecycle: Lifecycle;
  /** The read of the user list, started at creation; its result decides the job when the clock says it ends. */
  reading: Promise<DeletionInput> | undefined;
  applied: boolean;
  numDeleted: number | undefined;
}

export class StandInState {
  // Maps keep insertion order: List* answers in creation order (AWS documents no order).
  readonly schemas = new Map<string, SchemaRecord>();
  readonly datasetGroups = new Map<string, DatasetGroupRecord>();
  readonly datasets = new Map<string, DatasetRecord>();
  readonly importJobs = new Map<string, ImportJobRecord>();
  readonly solutions = new Map<string, SolutionRecord>();
  readonly solutionVersions = new Map<string, SolutionVersionRecord>();
  readonly campaigns = new Map<string, CampaignRecord>();
  readonly eventTrackers = new Map<string, EventTrackerRecord>();
  readonly batchInferenceJobs = new Map<string, BatchJobRecord>();
  readonly batchSegmentJobs = new Map<string, BatchJobRecord>();
  readonly filters = new Map<string, FilterRecord>();
  readonly recommenders = new Map<string, RecommenderRecord>();
  readonly dataDeletionJobs = new Map<string, DataDeletionJobRecord>();

  constructor(
    readonly now: Clock,
    readonly durations: Readonly<Record<LifecycleKind, LifecycleDurations>>,
  ) {}

  /** A lifecycle starting now; `outcome` when creation's result is already known. */
  startLifecycle(kind: LifecycleKind, outcome?: Outcome): Lifecycle {
    return new Lifecycle(kind, this.now(), this.durations[kind], outcome);
  }

  status(record: { lifecycle: Lifecycle }, now = this.now()): Status {
    return record.lifecycle.statusAt(now);
  }

  datasetsOf(datasetGroupArn: string): DatasetRecord[] {
    return [...this.datasets.values()].filter((d) => d.datasetGroupArn === datasetGroupArn);
  }

  interactionsDatasetOf(datasetGroupArn: string): DatasetRecord | undefined {
    return this.datasetsOf(datasetGroupArn).find((d) => d.datasetType === "INTERACTIONS");
  }

  /** Applies what is due by now: import results, deletions. */
  async settle(): Promise<void> {
    const now = this.now();
    const due = [...this.importJobs.values()]
      .filter((job) => now >= job.lifecycle.doneAt && !job.applied)
      .sort((a, b) => a.lifecycle.doneAt - b.lifecycle.doneAt);
    for (const job of due) {
      if (!job.lifecycle.decided) {
        job.result ??= job.reading ? await job.reading : { ok: false, reason: "The input was never read." };
        job.lifecycle.decide(job.result.ok ? { ok: true } : { ok: false, reason: job.result.reason });
      }
      job.applied = true;
      const dataset = this.datasets.get(job.datasetArn);
      if (!dataset || !job.result?.ok || job.lifecycle.failureReason !== undefined) continue;
      const { interactions, ids, attributes } = job.result.data;
      dataset.bulk = job.importMode === "FULL" ? [...interactions] : [...dataset.bulk, ...interactions];
      dataset.ids = job.importMode === "FULL" ? [...ids] : [...dataset.ids, ...ids];
      dataset.attributes = job.importMode === "FULL" ? [...attributes] : [...dataset.attributes, ...attributes];
    }
    await this.settleBatchJobs(now);
    await this.settleDeletions(now);
    this.removeGone(now);
  }

  /** Batch jobs whose time is up are decided by their work's result (awaited if it is still running). */
  private async settleBatchJobs(now: number): Promise<void> {
    const due = [...this.batchInferenceJobs.values(), ...this.batchSegmentJobs.values()]
      .filter((job) => now >= job.lifecycle.doneAt && !job.lifecycle.decided)
      .sort((a, b) => a.lifecycle.doneAt - b.lifecycle.doneAt);
    for (const job of due) {
      const result = job.running ? await job.running : { ok: false as const, reason: "The job never ran." };
      job.lifecycle.decide(result.ok ? { ok: true } : { ok: false, reason: result.reason });
    }
  }

  /** Data deletion jobs whose time is up: decided by the read of their input, then applied once. */
  private async settleDeletions(now: number): Promise<void> {
    const due = [...this.dataDeletionJobs.values()]
      .filter((job) => now >= job.lifecycle.doneAt && !job.applied)
      .sort((a, b) => a.lifecycle.doneAt - b.lifecycle.doneAt);
    for (const job of due) {
      const input = job.reading ? await job.reading : undefined;
      if (!job.lifecycle.decided)
        job.lifecycle.decide(input?.ok ? { ok: true } : { ok: false, reason: input?.ok === false ? input.reason : "The input was never read." });
      job.applied = true;
      if (input?.ok && job.lifecycle.failureReason === undefined) job.numDeleted = removeUsers(this, job.datasetGroupArn, input.userIds);
    }
  }

  private removeGone(now: number): void {
    for (const [arn, filter] of this.filters) if (this.status(filter, now) === "GONE") this.filters.delete(arn);
    for (const [arn, recommender] of this.recommenders) if (this.status(recommender, now) === "GONE") this.recommenders.delete(arn);
    for (const [arn, campaign] of this.campaigns) if (this.status(campaign, now) === "GONE") this.campaigns.delete(arn);
    for (const [arn, solution] of this.solutions) {
      if (this.status(solution, now) !== "GONE") continue;
      this.solutions.delete(arn);
      for (const [versionArn, version] of this.solutionVersions) if (version.solutionArn === arn) this.solutionVersions.delete(versionArn);
    }
    for (const [arn, tracker] of this.eventTrackers) if (this.status(tracker, now) === "GONE") this.eventTrackers.delete(arn);
    for (const [arn, dataset] of this.datasets) {
      if (this.status(dataset, now) !== "GONE") continue;
      this.datasets.delete(arn);
      for (const [jobArn, job] of this.importJobs) if (job.datasetArn === arn) this.importJobs.delete(jobArn);
    }
    for (const [arn, group] of this.datasetGroups) if (this.status(group, now) === "GONE") this.datasetGroups.delete(arn);
  }

  clear(): void {
    for (const map of [
      this.schemas,
      this.datasetGroups,
      this.datasets,
      this.importJobs,
      this.solutions,
      this.solutionVersions,
      this.campaigns,
      this.eventTrackers,
      this.batchInferenceJobs,
      this.batchSegmentJobs,
      this.filters,
      this.recommenders,
      this.dataDeletionJobs,
    ]) {
      map.clear();
    }
  }
}
