/**
 * Control-plane handlers for batch jobs: CreateBatchInferenceJob, DescribeBatchInferenceJob,
 * ListBatchInferenceJobs, CreateBatchSegmentJob, DescribeBatchSegmentJob, ListBatchSegmentJobs,
 * with the fields of @aws-sdk/client-personalize's models and Personalize's rules:
 * - the solution version must exist and be ACTIVE; batch inference takes any recipe but the
 *   USER_SEGMENTATION ones and Trending-Now ("You can't get batch recommendations with the
 *   Trending-Now or Next-Best-Action recipes"); batch segment jobs only USER_SEGMENTATION recipes;
 * - names unique per account and region (ResourceAlreadyExistsException); S3 paths, role and KMS key
 *   ARNs, tags as the API reference constrains them; `numResults` 25 by default (the console's
 *   "The default is 25"), at most 5 million users per segment (CreateBatchSegmentJob);
 * - at most 5 pending or in-progress jobs of each kind per region (quotas page): LimitExceededException;
 * - statuses PENDING > IN PROGRESS > ACTIVE -or- CREATE FAILED (the status field of BatchInferenceJob).
 * The job's work starts at creation (batch-job.ts); the clock decides when its result shows.
 */
import { alreadyExists, invalidInput, limitExceeded, notFound } from "./errors";
import type { BatchRunRequest } from "./batch-job";
import type { LineContext } from "./batch-lines";
import type { Lifecycle } from "./lifecycle";
import { enumValue, find, type Handler, type OperationContext, requireActive, seconds } from "./operation-context";
import { page } from "./paging";
import type { BatchJobRecord } from "./state";
import { type Input, KMS_KEY_ARN_RULE, ROLE_ARN_RULE, S3_LOCATION_RULE } from "./validation";

export const DEFAULT_BATCH_RESULTS = 25;
/** GetRecommendations' maximum; AWS documents none for batch inference, which scores the same way. */
export const MAX_BATCH_INFERENCE_RESULTS = 500;
/** "The maximum number of users per segment is 5 million" (CreateBatchSegmentJob). */
export const MAX_SEGMENT_USERS = 5_000_000;
/** "Total number of pending or in progress batch inference jobs / batch segment jobs": 5 each. */
export const MAX_RUNNING_BATCH_JOBS = 5;

const RECIPE_NAME = /^arn:aws:personalize:::recipe\/(.+)$/;
const FILTER_ARN = /^arn:[a-z\d-]+:personalize:[^:]*:\d{12}:filter\/[^/]+$/;
const NO_BATCH_RECIPES = ["aws-trending-now"];

/** The batch statuses: the lifecycle's creation statuses without their CREATE prefix. */
function batchStatus(lifecycle: Lifecycle, now: number): string {
  const status = lifecycle.statusAt(now);
  return status === "CREATE PENDING" ? "PENDING" : status === "CREATE IN_PROGRESS" ? "IN PROGRESS" : status;
}

function statusFields(lifecycle: Lifecycle, now: number) {
  const status = batchStatus(lifecycle, now);
  return {
    status,
    creationDateTime: seconds(lifecycle.createdAt),
    lastUpdatedDateTime: seconds(lifecycle.lastUpdatedAt(now)),
    ...(status === "CREATE FAILED" ? { failureReason: lifecycle.failureReason } : {}),
  };
}

function s3Config(input: Input, field: string, member: string): { path: string; kmsKeyArn?: string } {
  const outer = input.object(field);
  if (!outer) throw invalidInput(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  const inner = outer.object(member);
  if (!inner) throw invalidInput(`1 validation error detected: Value null at '${field}.${member}' failed to satisfy constraint: Member must not be null`);
  const path = inner.string("path", S3_LOCATION_RULE);
  const kmsKeyArn = inner.optionalString("kmsKeyArn", KMS_KEY_ARN_RULE);
  return { path, ...(kmsKeyArn ? { kmsKeyArn } : {}) };
}

function tagsOf(input: Input): { tagKey: string; tagValue: string }[] {
  return (input.list("tags", { min: 0, max: 200 }) ?? []).map((t) => ({
    tagKey: t.string("tagKey", { min: 1, max: 128 }),
    tagValue: t.string("tagValue", { max: 256 }),
  }));
}

/** The items each user has in the dataset now: recommendations leave them out, as GetRecommendations' do. */
function interactedNow(ctx: OperationContext, datasetGroupArn: string): (userId: string) => string[] {
  let byUser: Map<string, string[]> | undefined;
  return (userId) => {
    if (!byUser) {
      byUser = new Map();
      const dataset = ctx.state.interactionsDatasetOf(datasetGroupArn);
      for (const i of dataset ? [...dataset.bulk, ...dataset.streamed] : []) {
        const items = byUser.get(i.userId);
        if (items) items.push(i.itemId);
        else byUser.set(i.userId, [i.itemId]);
      }
    }
    return byUser.get(userId) ?? [];
  };
}

interface Common {
  jobName: string;
  solutionVersionArn: string;
  filterArn: string | undefined;
  numResults: number | undefined;
  jobInput: BatchJobRecord["jobInput"];
  jobOutput: BatchJobRecord["jobOutput"];
  roleArn: string;
  tags: BatchJobRecord["tags"];
}

function commonFields(input: Input, maxResults: number): Common {
  const jobName = input.name("jobName");
  const solutionVersionArn = input.arn("solutionVersionArn");
  const filterArn = input.optionalArn("filterArn");
  const numResults = input.integer("numResults", { min: 1, max: maxResults });
  const jobInput = { s3DataSource: s3Config(input, "jobInput", "s3DataSource") };
  const jobOutput = { s3DataDestination: s3Config(input, "jobOutput", "s3DataDestination") };
  const roleArn = input.string("roleArn", ROLE_ARN_RULE);
  return { jobName, solutionVersionArn, filterArn, numResults, jobInput, jobOutput, roleArn, tags: tagsOf(input) };
}

/** Checks shared by both Create calls; answers what the job's lines are answered with. */
function prepare(ctx: OperationContext, kind: BatchJobRecord["kind"], common: Common): { arn: string; lines: LineContext } {
  const jobs = kind === "inference" ? ctx.state.batchInferenceJobs : ctx.state.batchSegmentJobs;
  const what = kind === "inference" ? "batch inference job" : "batch segment job";
  const version = find(ctx.state.solutionVersions, common.solutionVersionArn);
  requireActive(version, "solution version", ctx.now);
  const solution = find(ctx.state.solutions, version.solutionArn);
  const recipe = RECIPE_NAME.exec(solution.recipeArn)?.[1] ?? solution.recipeArn;
  if (kind === "inference" && solution.recipeType === "USER_SEGMENTATION") {
    throw invalidInput(`The solution version ${version.arn} uses the USER_SEGMENTATION recipe ${recipe}: create a batch segment job for it instead.`);
  }
  if (kind === "inference" && NO_BATCH_RECIPES.includes(recipe)) throw invalidInput(`You can't get batch recommendations with the ${recipe} recipe.`);
  if (kind === "segment" && solution.recipeType !== "USER_SEGMENTATION") {
    throw invalidInput(
      `A batch segment job needs a solution version of a USER_SEGMENTATION recipe (aws-item-affinity, aws-item-attribute-affinity); ${version.arn} uses ${recipe}.`,
    );
  }
  // Filters are not modelled: a filter ARN of the right shape is recorded (and echoed), not applied.
  if (common.filterArn !== undefined && !FILTER_ARN.test(common.filterArn)) throw notFound(common.filterArn);
  const arn = ctx.arns.of(kind === "inference" ? "batch-inference-job" : "batch-segment-job", common.jobName);
  if (jobs.has(arn)) throw alreadyExists(arn);
  const running = [...jobs.values()].filter((j) => !j.lifecycle.settledAt(ctx.now)).length;
  if (running >= MAX_RUNNING_BATCH_JOBS) {
    throw limitExceeded(`You have ${running} ${what}s pending or in progress; at most ${MAX_RUNNING_BATCH_JOBS} may be at once.`);
  }
  if (!version.model) throw invalidInput(`The solution version ${version.arn} has no trained model.`);
  const items = ctx.state.datasetsOf(solution.datasetGroupArn).find((d) => d.datasetType === "ITEMS")?.attributes ?? [];
  return {
    arn,
    lines: {
      recipeType: solution.recipeType,
      recipe,
      numResults: common.numResults ?? DEFAULT_BATCH_RESULTS,
      model: version.model,
      interacted: interactedNow(ctx, solution.datasetGroupArn),
      items,
    },
  };
}

function createJob(ctx: OperationContext, kind: BatchJobRecord["kind"], common: Common, extra: Partial<BatchJobRecord>): string {
  const { arn, lines } = prepare(ctx, kind, common);
  const lifecycleKind = kind === "inference" ? "batchInferenceJob" : "batchSegmentJob";
  const injected = ctx.faults.takeCreationFailure(lifecycleKind);
  // Undecided until the work is done (as import jobs), unless a failure was asked for.
  const lifecycle = ctx.state.startLifecycle(lifecycleKind, injected !== undefined ? { ok: false, reason: injected } : undefined);
  const request: BatchRunRequest = { kind, inputPath: common.jobInput.s3DataSource.path, outputPath: common.jobOutput.s3DataDestination.path, lines };
  const record: BatchJobRecord = {
    kind,
    arn,
    ...common,
    batchInferenceJobConfig: undefined,
    batchInferenceJobMode: undefined,
    themeGenerationConfig: undefined,
    ...extra,
    lifecycle,
    // A failure asked for (failNext) is decided already: the job does no work.
    running: lifecycle.decided ? undefined : ctx.batch.run(request),
  };
  (kind === "inference" ? ctx.state.batchInferenceJobs : ctx.state.batchSegmentJobs).set(arn, record);
  return arn;
}

const CreateBatchInferenceJob: Handler = (input, ctx) => {
  const common = commonFields(input, MAX_BATCH_INFERENCE_RESULTS);
  const batchInferenceJobConfig = input.object("batchInferenceJobConfig") && input.raw("batchInferenceJobConfig");
  const batchInferenceJobMode = enumValue(input, "batchInferenceJobMode", ["BATCH_INFERENCE", "THEME_GENERATION"] as const, "BATCH_INFERENCE");
  if (batchInferenceJobMode === "THEME_GENERATION") {
    throw invalidInput("batchInferenceJobMode THEME_GENERATION is valid in Personalize, but this local stand-in does not generate themes.");
  }
  const themeGenerationConfig = input.object("themeGenerationConfig") && input.raw("themeGenerationConfig");
  const arn = createJob(ctx, "inference", common, { batchInferenceJobConfig, batchInferenceJobMode, themeGenerationConfig });
  return { batchInferenceJobArn: arn };
};

const CreateBatchSegmentJob: Handler = (input, ctx) => {
  const common = commonFields(input, MAX_SEGMENT_USERS);
  return { batchSegmentJobArn: createJob(ctx, "segment", common, {}) };
};

function described(j: BatchJobRecord, now: number) {
  return {
    jobName: j.jobName,
    filterArn: j.filterArn,
    solutionVersionArn: j.solutionVersionArn,
    numResults: j.numResults,
    jobInput: j.jobInput,
    jobOutput: j.jobOutput,
    roleArn: j.roleArn,
    ...statusFields(j.lifecycle, now),
  };
}

const DescribeBatchInferenceJob: Handler = (input, ctx) => {
  const j = find(ctx.state.batchInferenceJobs, input.arn("batchInferenceJobArn"));
  return {
    batchInferenceJob: {
      batchInferenceJobArn: j.arn,
      ...described(j, ctx.now),
      batchInferenceJobConfig: j.batchInferenceJobConfig,
      batchInferenceJobMode: j.batchInferenceJobMode,
      themeGenerationConfig: j.themeGenerationConfig,
    },
  };
};

const DescribeBatchSegmentJob: Handler = (input, ctx) => {
  const j = find(ctx.state.batchSegmentJobs, input.arn("batchSegmentJobArn"));
  return { batchSegmentJob: { batchSegmentJobArn: j.arn, ...described(j, ctx.now) } };
};

function listed(jobs: ReadonlyMap<string, BatchJobRecord>, input: Input, operation: string) {
  const solutionVersionArn = input.optionalArn("solutionVersionArn");
  const all = [...jobs.values()].filter((j) => solutionVersionArn === undefined || j.solutionVersionArn === solutionVersionArn);
  return page(all, `${operation}:${solutionVersionArn ?? ""}`, input.maxResults(), input.nextToken());
}

const ListBatchInferenceJobs: Handler = (input, ctx) => {
  const { items, nextToken } = listed(ctx.state.batchInferenceJobs, input, "ListBatchInferenceJobs");
  return {
    batchInferenceJobs: items.map((j) => ({
      batchInferenceJobArn: j.arn,
      jobName: j.jobName,
      solutionVersionArn: j.solutionVersionArn,
      batchInferenceJobMode: j.batchInferenceJobMode,
      ...statusFields(j.lifecycle, ctx.now),
    })),
    nextToken,
  };
};

const ListBatchSegmentJobs: Handler = (input, ctx) => {
  const { items, nextToken } = listed(ctx.state.batchSegmentJobs, input, "ListBatchSegmentJobs");
  return {
    batchSegmentJobs: items.map((j) => ({
      batchSegmentJobArn: j.arn,
      jobName: j.jobName,
      solutionVersionArn: j.solutionVersionArn,
      ...statusFields(j.lifecycle, ctx.now),
    })),
    nextToken,
  };
};

export const BATCH_OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateBatchInferenceJob,
  DescribeBatchInferenceJob,
  ListBatchInferenceJobs,
  CreateBatchSegmentJob,
  DescribeBatchSegmentJob,
  ListBatchSegmentJobs,
};
