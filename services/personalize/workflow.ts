/**
 * The Personalize lifecycle, each step idempotent (found by name before it is created): schema,
 * dataset group, dataset, solution, solution version (training), campaign, event tracker. Every step
 * that creates something billed says so through the logger. Run-time calls are in runtime.ts, the
 * cleanup in cleanup.ts, the waiting in waits.ts; the class serves them all from one object.
 */
import type { ServiceContext } from "../context";
import { cleanupDatasetGroup } from "./cleanup";
import { getRecommendations, putEvents } from "./runtime";
import { collect, PersonalizeWaits, type WaitOptions } from "./waits";
import type { DatasetSchema, DatasetType } from "./schemas";
import { WorkflowError } from "./errors";
import { ownedArn, ownedName } from "./owned";
import { PROJECT_TAG } from "@roadmapx-ai/core";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

export { WorkflowError };
export { MAX_EVENTS_PER_CALL, MAX_RECOMMENDATIONS } from "./runtime";
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

  constructor(
    private readonly ctx: ServiceContext,
    wait: WaitOptions = {},
  ) {
    this.waits = new PersonalizeWaits(wait);
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

  /** A schema by name; refuses to reuse a same-named schema with other fields (schemas are immutable). */
  async ensureSchema(name: string, schema: DatasetSchema): Promise<Ensured> {
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
      return { arn: existing.schemaArn, created: false };
    }
    const created = await this.client.send(new (sdkPersonalize().CreateSchemaCommand)({ name, schema: schema.avro }));
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
  async ensureCampaign(args: { name: string; solutionArn: string; solutionVersionArn: string; minProvisionedTPS: number }): Promise<Ensured> {
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
        const command = new (sdkPersonalize().CreateCampaignCommand)({
          name: args.name,
          solutionVersionArn: args.solutionVersionArn,
          minProvisionedTPS: args.minProvisionedTPS,
        });
        return (await this.client.send(command)).campaignArn;
      },
      createCall: "CreateCampaign",
      describe: async (campaignArn) => (await this.client.send(new (sdkPersonalize().DescribeCampaignCommand)({ campaignArn }))).campaign,
      statusOf: (c) => c?.status,
      reasonOf: (c) => c?.failureReason,
    });
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

  /** Recommendations for a user from a campaign (personalize-runtime). */
  getRecommendations(args: Parameters<typeof getRecommendations>[1]): ReturnType<typeof getRecommendations> {
    return getRecommendations(this.ctx, args);
  }

  /** Records events (personalize-events), in calls of at most 10 events each. */
  putEvents(args: Parameters<typeof putEvents>[1]): ReturnType<typeof putEvents> {
    return putEvents(this.ctx, args);
  }

  /**
   * Deletes everything in a dataset group, in the order Personalize requires: campaigns, then
   * solutions, event trackers, datasets, the group itself, and (when asked) the schemas its datasets
   * used. Each deletion is waited for; what is already gone is skipped.
   */
  cleanup(datasetGroupArn: string, options: { deleteSchemas?: boolean } = {}): Promise<string[]> {
    ownedArn(this.ctx, "datasetGroupArn", datasetGroupArn);
    return cleanupDatasetGroup(this.client, this.waits, datasetGroupArn, options);
  }
}
