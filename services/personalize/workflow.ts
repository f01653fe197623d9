/**
 * The Personalize lifecycle, each step idempotent (found by name before it is created): schema,
 * dataset group, dataset, solution, solution version (training), campaign, event tracker. Every step
 * that creates something billed says so through the logger. Run-time calls are in runtime.ts, the
 * cleanup in cleanup.ts, the waiting in waits.ts; the class serves them all from one object.
 */
import type { ServiceContext } from "../context";
import { cleanupDatasetGroup } from "./cleanup";
import { deleteUserData, type UserIdSource, waitForDataDeletion } from "./data-deletion";
import { createFilter, deleteFilter, FilterExpressions } from "./filters";
import { putItems, putUsers, type RecordProperties } from "./items-users";
import { createRecommender, type Domain, ensureDomainDatasetGroup, startRecommender, stopRecommender } from "./recommenders";
import { getPersonalizedRanking, getRecommendations, putEvents, type RankingOptions, type RecommendationOptions, type RecommendedItem } from "./runtime";
import { collect, PersonalizeWaits, type WaitOptions } from "./waits";
import type { DatasetSchema, DatasetType } from "./schemas";
import { WorkflowError } from "./errors";
import { ownedArn, ownedName } from "./owned";
import { PROJECT_TAG } from "@roadmapx-ai/core";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

export { WorkflowError };
export { MAX_EVENTS_PER_CALL, MAX_RECOMMENDATIONS, MAX_RECOMMENDATIONS_WITH_METADATA, MAX_RANKING_ITEMS, MAX_METADATA_COLUMNS } from "./runtime";
export { type WaitOptions } from "./waits";

export interface Ensured {
  arn: string;
  /** False when it already existed (nothing was created or billed). */
  created: boolean;
}

/** The recipe RoadmapX uses by default: user personalization (v2). */
export const DEFAULT_RECIPE_ARN = "arn:aws:personalize:::recipe/aws-user-personalization-v2";
const DATASET_TYPE_NAMES: Record<DatasetType, string> = { interactions: "Interactions", items: "Items", users: "Users" };

/** What `ensure` needs to find, create and wait for one Personalize resource. */
interface EnsureSteps<T> {
  /** `dataset group roadmapx`: used in progress and errors. */
  what: string;
  /** The ARN of the existing resource, when there is one. */
  find: () => Promise<string | undefined>;
  /** Creates it (say what it costs first, when it bills) and returns the ARN Personalize answered. */
  create: () => Promise<string | undefined>;
  /** The Create* call's name, for the error when it answers no ARN. */
  createCall: string;
  describe: (arn: string) => Promise<T | undefined>;
  statusOf: (t: T | undefined) => string | undefined;
  reasonOf?: (t: T | undefined) => string | undefined;
  timeoutMs?: number;
}

export class PersonalizeWorkflow {
  private readonly waits: PersonalizeWaits;
  /** Filter expressions by ARN, described once for the service's life (filters cannot change). */
  private readonly filters: FilterExpressions;

  constructor(
    private readonly ctx: ServiceContext,
    wait: WaitOptions = {},
  ) {
    this.waits = new PersonalizeWaits(wait);
    this.filters = new FilterExpressions(ctx);
  }

  private get client() {
    return this.ctx.clients.personalize;
  }

  /**
   * Find-or-create, then wait until ACTIVE: every step can be run again and continues where the last
   * one stopped. `created` is false when it already existed (nothing was created or billed).
   */
  private async ensure<T>(steps: EnsureSteps<T>): Promise<Ensured & { described: T | undefined }> {
    let arn = await steps.find();
    const created = !arn;
    if (!arn) arn = await steps.create();
    if (!arn) throw new WorkflowError(`${steps.createCall} returned no ARN`);
    const found = arn;
    const described = await this.waits.waitFor(
      steps.what,
      () => steps.describe(found),
      steps.statusOf,
      steps.reasonOf ?? (() => undefined),
      steps.timeoutMs ?? 3600_000,
    );
    return { arn: found, created, described };
  }

  /**
   * A schema by name; refuses to reuse a same-named schema with other fields (schemas are immutable).
   * `domain` makes it a domain schema (CreateSchema's domain), which the datasets of a domain dataset
   * group need; a same-named schema of another domain is refused too.
   */
  async ensureSchema(name: string, schema: DatasetSchema, domain?: Domain): Promise<Ensured> {
    ownedName(this.ctx, "schema name", name);
    const existing = (await collect(sdkPersonalize().paginateListSchemas({ client: this.client, pageSize: 100 }, {}), (p) => p.schemas)).find(
      (s) => s.name === name,
    );
    if (existing?.schemaArn) {
      const described = await this.client.send(new (sdkPersonalize().DescribeSchemaCommand)({ schemaArn: existing.schemaArn }));
      const current = described.schema?.schema;
      if (current && JSON.stringify(JSON.parse(current)) !== JSON.stringify(JSON.parse(schema.avro))) {
        throw new WorkflowError(
          `schema ${name} already exists with other fields, and schemas cannot change: choose a new name (or delete ${existing.schemaArn} once no dataset uses it)`,
        );
      }
      if (domain !== undefined && described.schema?.domain !== domain) {
        throw new WorkflowError(
          `schema ${name} already exists ${described.schema?.domain ? `for the ${described.schema.domain} domain` : "as a custom (non-domain) schema"}, not ${domain}, and schemas cannot change: choose a new name`,
        );
      }
      return { arn: existing.schemaArn, created: false };
    }
    const created = await this.client.send(
      new (sdkPersonalize().CreateSchemaCommand)({ name, schema: schema.avro, ...(domain !== undefined ? { domain } : {}) }),
    );
    if (!created.schemaArn) throw new WorkflowError("CreateSchema returned no ARN");
    return { arn: created.schemaArn, created: true };
  }

  async ensureDatasetGroup(name: string): Promise<Ensured> {
    ownedName(this.ctx, "dataset group name", name);
    const { arn, created } = await this.ensure({
      what: `dataset group ${name}`,
      find: async () =>
        (await collect(sdkPersonalize().paginateListDatasetGroups({ client: this.client, pageSize: 100 }, {}), (p) => p.datasetGroups)).find(
          (g) => g.name === name,
        )?.datasetGroupArn,
      create: async () => (await this.client.send(new (sdkPersonalize().CreateDatasetGroupCommand)({ name }))).datasetGroupArn,
      createCall: "CreateDatasetGroup",
      describe: async (datasetGroupArn) => (await this.client.send(new (sdkPersonalize().DescribeDatasetGroupCommand)({ datasetGroupArn }))).datasetGroup,
      statusOf: (g) => g?.status,
      reasonOf: (g) => g?.failureReason,
    });
    return { arn, created };
  }

  /** The dataset of a type in a group (a group holds at most one per type). */
  async ensureDataset(datasetGroupArn: string, type: DatasetType, schemaArn: string, name: string): Promise<Ensured> {
    // The dataset's ARN is `dataset/<group name>/<TYPE>`: the group's name is what the policy scopes.
    ownedArn(this.ctx, "datasetGroupArn", datasetGroupArn);
    ownedArn(this.ctx, "schemaArn", schemaArn);
    const { arn, created } = await this.ensure({
      what: `${type} dataset ${name}`,
      find: async () =>
        (await collect(sdkPersonalize().paginateListDatasets({ client: this.client, pageSize: 100 }, { datasetGroupArn }), (p) => p.datasets)).find(
          (d) => d.datasetType?.toLowerCase() === type,
        )?.datasetArn,
      create: async () =>
        (await this.client.send(new (sdkPersonalize().CreateDatasetCommand)({ name, schemaArn, datasetGroupArn, datasetType: DATASET_TYPE_NAMES[type] })))
          .datasetArn,
      createCall: "CreateDataset",
      describe: async (datasetArn) => (await this.client.send(new (sdkPersonalize().DescribeDatasetCommand)({ datasetArn }))).dataset,
      statusOf: (d) => d?.status,
    });
    return { arn, created };
  }

  /**
   * A solution (a recipe bound to a dataset group). Automatic training is off unless asked for: it
   * creates, and bills, a new solution version every 7 days until the solution is deleted.
   */
  async ensureSolution(args: { name: string; datasetGroupArn: string; recipeArn?: string; performAutoTraining?: boolean }): Promise<Ensured> {
    ownedName(this.ctx, "solution name", args.name);
    ownedArn(this.ctx, "datasetGroupArn", args.datasetGroupArn);
    const { arn, created } = await this.ensure({
      what: `solution ${args.name}`,
      find: async () =>
        (
          await collect(
            sdkPersonalize().paginateListSolutions({ client: this.client, pageSize: 100 }, { datasetGroupArn: args.datasetGroupArn }),
            (p) => p.solutions,
          )
        ).find((s) => s.name === args.name)?.solutionArn,
      create: async () => {
        if (args.performAutoTraining) {
          this.ctx.logger.warn(
            `cost: solution ${args.name} trains itself every 7 days (performAutoTraining), each run billed as training hours, until you delete it.`,
          );
        }
        const command = new (sdkPersonalize().CreateSolutionCommand)({
          name: args.name,
          datasetGroupArn: args.datasetGroupArn,
          recipeArn: args.recipeArn ?? DEFAULT_RECIPE_ARN,
          performAutoTraining: args.performAutoTraining === true,
        });
        return (await this.client.send(command)).solutionArn;
      },
      createCall: "CreateSolution",
      describe: async (solutionArn) => (await this.client.send(new (sdkPersonalize().DescribeSolutionCommand)({ solutionArn }))).solution,
      statusOf: (s) => s?.status,
    });
    return { arn, created };
  }

  /** Trains a new solution version (billed by training hours) and returns it with its metrics. */
  async train(
    solutionArn: string,
    trainingMode: "FULL" | "UPDATE" = "FULL",
  ): Promise<{ arn: string; metrics: Record<string, number>; trainingHours?: number }> {
    this.ctx.logger.warn("cost: training is billed per training hour; a run usually takes between half an hour and several hours.");
    const arn = (await this.client.send(new (sdkPersonalize().CreateSolutionVersionCommand)({ solutionArn, trainingMode }))).solutionVersionArn;
    if (!arn) throw new WorkflowError("CreateSolutionVersion returned no ARN");
    const version = await this.waits.waitFor(
      `solution version ${arn}`,
      async () => (await this.client.send(new (sdkPersonalize().DescribeSolutionVersionCommand)({ solutionVersionArn: arn }))).solutionVersion,
      (v) => v?.status,
      (v) => v?.failureReason,
      12 * 3600_000,
    );
    const metrics = (await this.client.send(new (sdkPersonalize().GetSolutionMetricsCommand)({ solutionVersionArn: arn }))).metrics ?? {};
    return { arn, metrics, ...(version?.trainingHours !== undefined ? { trainingHours: version.trainingHours } : {}) };
  }

  /**
   * A campaign serving a solution version. `minProvisionedTPS` is required on purpose: a campaign
   * bills for it every hour it exists, used or not.
   */
  async ensureCampaign(args: {
    name: string;
    solutionArn: string;
    solutionVersionArn: string;
    minProvisionedTPS: number;
    /** Lets recommendations carry Items columns (`metadataColumns`); billed on top of the campaign. */
    enableMetadataWithRecommendations?: boolean;
  }): Promise<Ensured> {
    ownedName(this.ctx, "campaign name", args.name);
    ownedArn(this.ctx, "solutionArn", args.solutionArn);
    if (!Number.isInteger(args.minProvisionedTPS) || args.minProvisionedTPS < 1) {
      throw new WorkflowError(`minProvisionedTPS must be a whole number of 1 or more (got ${args.minProvisionedTPS})`);
    }
    const { arn, created, described } = await this.ensure({
      what: `campaign ${args.name}`,
      find: async () =>
        (
          await collect(sdkPersonalize().paginateListCampaigns({ client: this.client, pageSize: 100 }, { solutionArn: args.solutionArn }), (p) => p.campaigns)
        ).find((c) => c.name === args.name)?.campaignArn,
      create: async () => {
        this.ctx.logger.warn(
          `cost: campaign ${args.name} bills for ${args.minProvisionedTPS} provisioned TPS every hour it exists, whether or not it serves requests; delete it (roadmapx-ai personalize cleanup) when you are done.`,
        );
        if (args.enableMetadataWithRecommendations) {
          this.ctx.logger.warn(`cost: campaign ${args.name} returns item metadata with recommendations, which Personalize bills in addition.`);
        }
        const command = new (sdkPersonalize().CreateCampaignCommand)({
          name: args.name,
          solutionVersionArn: args.solutionVersionArn,
          minProvisionedTPS: args.minProvisionedTPS,
          ...(args.enableMetadataWithRecommendations !== undefined
            ? { campaignConfig: { enableMetadataWithRecommendations: args.enableMetadataWithRecommendations } }
            : {}),
        });
        return (await this.client.send(command)).campaignArn;
      },
      createCall: "CreateCampaign",
      describe: async (campaignArn) => (await this.client.send(new (sdkPersonalize().DescribeCampaignCommand)({ campaignArn }))).campaign,
      statusOf: (c) => c?.status,
      reasonOf: (c) => c?.failureReason,
    });
    const metadataEnabled = described?.campaignConfig?.enableMetadataWithRecommendations === true;
    if (!created && args.enableMetadataWithRecommendations !== undefined && metadataEnabled !== args.enableMetadataWithRecommendations) {
      this.ctx.logger.warn(
        `campaign ${args.name} exists with metadata in recommendations ${metadataEnabled ? "on" : "off"}, not ${args.enableMetadataWithRecommendations ? "on" : "off"}: left as it is (UpdateCampaign changes it).`,
      );
    }
    if (!created && described?.solutionVersionArn !== args.solutionVersionArn) {
      this.ctx.logger.warn(`campaign ${args.name} exists and serves ${described?.solutionVersionArn}, not ${args.solutionVersionArn}: left as it is.`);
    }
    return { arn, created };
  }

  /** The event tracker of a dataset group (one per group); returns its tracking id for putEvents. */
  async ensureEventTracker(datasetGroupArn: string, name: string): Promise<Ensured & { trackingId: string }> {
    ownedArn(this.ctx, "datasetGroupArn", datasetGroupArn);
    const { arn, created, described } = await this.ensure({
      what: `event tracker ${name}`,
      // A dataset group has at most one event tracker, whatever its name.
      find: async () =>
        (await collect(sdkPersonalize().paginateListEventTrackers({ client: this.client, pageSize: 100 }, { datasetGroupArn }), (p) => p.eventTrackers))[0]
          ?.eventTrackerArn,
      create: async () =>
        (
          await this.client.send(
            new (sdkPersonalize().CreateEventTrackerCommand)({ name, datasetGroupArn, tags: [{ tagKey: PROJECT_TAG.key, tagValue: PROJECT_TAG.value }] }),
          )
        ).eventTrackerArn,
      createCall: "CreateEventTracker",
      describe: async (eventTrackerArn) => (await this.client.send(new (sdkPersonalize().DescribeEventTrackerCommand)({ eventTrackerArn }))).eventTracker,
      statusOf: (t) => t?.status,
    });
    if (!described?.trackingId) throw new WorkflowError(`event tracker ${arn} has no tracking id`);
    return { arn, created, trackingId: described.trackingId };
  }

  /**
   * Recommendations from a campaign or a recommender (personalize-runtime), with a filter and its
   * values, item metadata, promotions and context; the filters' placeholders are checked first.
   */
  getRecommendations(args: RecommendationOptions): Promise<RecommendedItem[]> {
    return getRecommendations(this.ctx, args, this.filters);
  }

  /** A list the application already has, re-ranked for a user by a personalized-ranking campaign. */
  getPersonalizedRanking(args: RankingOptions): Promise<RecommendedItem[]> {
    return getPersonalizedRanking(this.ctx, args, this.filters);
  }

  /**
   * A filter (idempotent by name within its group; a same-named filter with another expression is
   * refused: filters cannot change), waited for until ACTIVE, with its expression's placeholders.
   */
  createFilter(args: { name: string; datasetGroupArn: string; expression: string }): Promise<Ensured & { placeholders: string[] }> {
    return createFilter(this.ctx, this.waits, args);
  }

  /** Deletes a filter and waits until it is gone; `{ deleted: false }` when it already was. */
  async deleteFilter(filterArn: string): Promise<{ deleted: boolean }> {
    const result = await deleteFilter(this.ctx, this.waits, filterArn);
    this.filters.forget(filterArn);
    return result;
  }

  /** Items added or updated in real time (PutItems), each checked against the dataset's schema first; calls of at most 10. */
  putItems(args: {
    datasetArn: string;
    items: readonly { itemId: string; properties?: RecordProperties }[];
    schema?: DatasetSchema;
  }): Promise<{ sent: number; calls: number }> {
    return putItems(this.ctx, args);
  }

  /** Users added or updated in real time (PutUsers), each checked against the dataset's schema first; calls of at most 10. */
  putUsers(args: {
    datasetArn: string;
    users: readonly { userId: string; properties?: RecordProperties }[];
    schema?: DatasetSchema;
  }): Promise<{ sent: number; calls: number }> {
    return putUsers(this.ctx, args);
  }

  /** A dataset group of a domain (ECOMMERCE, VIDEO_ON_DEMAND), for recommenders. */
  ensureDomainDatasetGroup(name: string, domain: Domain): Promise<Ensured> {
    return ensureDomainDatasetGroup(this.ctx, this.waits, name, domain);
  }

  /** A recommender (its cost said first), idempotent by name, waited for until ACTIVE. */
  createRecommender(args: {
    name: string;
    datasetGroupArn: string;
    recipeArn: string;
    minRecommendationRequestsPerSecond: number;
    enableMetadataWithRecommendations?: boolean;
  }): Promise<Ensured> {
    return createRecommender(this.ctx, this.waits, args);
  }

  /** Starts a stopped recommender (its cost said first) and waits until ACTIVE. */
  startRecommender(recommenderArn: string): Promise<void> {
    return startRecommender(this.ctx, this.waits, recommenderArn);
  }

  /** Stops a recommender and waits until INACTIVE (it stops billing). */
  stopRecommender(recommenderArn: string): Promise<void> {
    return stopRecommender(this.ctx, this.waits, recommenderArn);
  }

  /**
   * Deletes users' data from a dataset group: the ids stream as a CSV to
   * `personalize/deletions/<jobName>.csv`, then a data deletion job starts with the Personalize role.
   * Returns at once with the job's ARN (`waitForDataDeletion`: it can take a day).
   */
  deleteUserData(args: { datasetGroupArn: string; userIds: UserIdSource; jobName?: string }): Promise<{ jobArn: string; key: string; users: number }> {
    return deleteUserData(this.ctx, args);
  }

  /** Waits until a data deletion job is COMPLETED (default up to a day), then removes its input CSV unless `keepInput`. */
  waitForDataDeletion(
    jobArn: string,
    options?: { timeoutMs?: number; keepInput?: boolean },
  ): Promise<{ status: "COMPLETED"; numDeleted?: number; inputRemoved?: string }> {
    return waitForDataDeletion(this.ctx, this.waits, jobArn, options);
  }

  /** Records events (personalize-events), in calls of at most 10 events each. */
  putEvents(args: Parameters<typeof putEvents>[1]): ReturnType<typeof putEvents> {
    return putEvents(this.ctx, args);
  }

  /**
   * Deletes everything in a dataset group, in the order Personalize requires: recommenders (they
   * bill), filters, campaigns, then solutions, event trackers, datasets, the group itself, and (when
   * asked) the schemas its datasets used. Each deletion is waited for; what is already gone is skipped.
   */
  cleanup(datasetGroupArn: string, options: { deleteSchemas?: boolean } = {}): Promise<string[]> {
    ownedArn(this.ctx, "datasetGroupArn", datasetGroupArn);
    return cleanupDatasetGroup(this.client, this.waits, datasetGroupArn, options);
  }
}
