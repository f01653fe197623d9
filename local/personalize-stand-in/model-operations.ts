/**
 * Control-plane handlers for the model side: solutions, solution versions (training, metrics) and
 * campaigns, with Personalize's rules: a version only of an ACTIVE solution and with enough
 * interactions, a campaign only of an ACTIVE version, a solution deleted only once no campaign
 * deploys it and no version is training.
 */
import { alreadyExists, inUse, invalidInput, notFound } from "./errors";
import type { Lifecycle, Outcome } from "./lifecycle";
import { type Interaction, offlineMetrics, RECIPES, TrainedModel } from "./model";
import {
  creating,
  enumValue,
  find,
  type Handler,
  lifecycleFields,
  type OperationContext,
  requireActive,
  requireDeletable,
  servedVersion,
  startLifecycle,
} from "./operation-context";
import { page } from "./paging";
import { NAME_RULE } from "./validation";

// ---------- solutions and solution versions ----------

const RECIPE_ARN = /^arn:aws:personalize:::recipe\/(.+)$/;

const CreateSolution: Handler = (input, ctx) => {
  const name = input.name();
  const datasetGroupArn = input.arn("datasetGroupArn");
  const performAutoML = input.boolean("performAutoML") ?? false;
  const recipeArn = input.optionalArn("recipeArn");
  if (!recipeArn) {
    throw invalidInput(
      performAutoML ? "performAutoML is not supported by this local stand-in: give a recipeArn." : "recipeArn is required when performAutoML is false.",
    );
  }
  const recipeType = RECIPES[RECIPE_ARN.exec(recipeArn)?.[1] ?? ""];
  if (!recipeType) throw notFound(recipeArn);
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  const arn = ctx.arns.of("solution", name);
  if (ctx.state.solutions.has(arn)) throw alreadyExists(arn);
  ctx.state.solutions.set(arn, {
    arn,
    name,
    datasetGroupArn,
    recipeArn,
    recipeType,
    // Personalize's default is true: a new version every 7 days (not modelled: the stand-in trains only on request).
    performAutoTraining: input.boolean("performAutoTraining") ?? true,
    performHPO: input.boolean("performHPO") ?? false,
    performAutoML,
    performIncrementalUpdate: input.boolean("performIncrementalUpdate"),
    eventType: input.optionalString("eventType", { max: 256 }),
    solutionConfig: input.raw("solutionConfig"),
    lifecycle: startLifecycle(ctx, "solution"),
  });
  return { solutionArn: arn };
};

function versionSummary(v: { arn: string; trainingMode: string; lifecycle: Lifecycle }, now: number) {
  return { solutionVersionArn: v.arn, trainingMode: v.trainingMode, trainingType: "MANUAL", ...lifecycleFields(v.lifecycle, now) };
}

const versionsOf = (ctx: OperationContext, solutionArn: string) => [...ctx.state.solutionVersions.values()].filter((v) => v.solutionArn === solutionArn);

const DescribeSolution: Handler = (input, ctx) => {
  const s = find(ctx.state.solutions, input.arn("solutionArn"));
  const latest = versionsOf(ctx, s.arn).at(-1);
  return {
    solution: {
      name: s.name,
      solutionArn: s.arn,
      performHPO: s.performHPO,
      performAutoML: s.performAutoML,
      performAutoTraining: s.performAutoTraining,
      performIncrementalUpdate: s.performIncrementalUpdate,
      recipeArn: s.recipeArn,
      datasetGroupArn: s.datasetGroupArn,
      eventType: s.eventType,
      solutionConfig: s.solutionConfig,
      ...lifecycleFields(s.lifecycle, ctx.now),
      ...(latest ? { latestSolutionVersion: versionSummary(latest, ctx.now) } : {}),
    },
  };
};

const ListSolutions: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.solutions.values()]
    .filter((s) => datasetGroupArn === undefined || s.datasetGroupArn === datasetGroupArn)
    .map((s) => ({ name: s.name, solutionArn: s.arn, recipeArn: s.recipeArn, ...lifecycleFields(s.lifecycle, ctx.now) }));
  const { items, nextToken } = page(all, `ListSolutions:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { solutions: items, nextToken };
};

const DeleteSolution: Handler = (input, ctx) => {
  const s = find(ctx.state.solutions, input.arn("solutionArn"));
  requireDeletable(s, "solution", ctx.now);
  const versions = versionsOf(ctx, s.arn);
  const campaign = [...ctx.state.campaigns.values()].find((c) => c.solutionVersionArn.startsWith(`${s.arn}/`));
  if (campaign) throw inUse(`The solution ${s.arn} is deployed by the campaign ${campaign.arn}: delete the campaign first.`);
  const training = versions.find((v) => creating(v.lifecycle, ctx.now));
  if (training) throw inUse(`The solution ${s.arn} has the solution version ${training.arn} in progress.`);
  s.lifecycle.requestDelete(ctx.now);
  return {};
};

/** The interactions a version of this solution trains on: bulk and streamed, of its event type when it has one. */
function trainingData(ctx: OperationContext, datasetGroupArn: string, eventType: string | undefined): Interaction[] | undefined {
  const dataset = ctx.state.interactionsDatasetOf(datasetGroupArn);
  if (!dataset) return undefined;
  const all = [...dataset.bulk, ...dataset.streamed];
  return eventType === undefined ? all : all.filter((i) => i.eventType === eventType);
}

const CreateSolutionVersion: Handler = (input, ctx) => {
  const solutionArn = input.arn("solutionArn");
  const name = input.optionalString("name", NAME_RULE);
  const trainingMode = enumValue(input, "trainingMode", ["FULL", "UPDATE"] as const, "FULL");
  const solution = find(ctx.state.solutions, solutionArn);
  requireActive(solution, "solution", ctx.now);
  const previous = versionsOf(ctx, solution.arn);
  if (trainingMode === "UPDATE") {
    const recipe = RECIPE_ARN.exec(solution.recipeArn)?.[1];
    if (recipe !== "aws-user-personalization" || !previous.some((v) => v.trainingMode === "FULL" && v.lifecycle.statusAt(ctx.now) === "ACTIVE")) {
      throw invalidInput("trainingMode UPDATE needs an ACTIVE FULL solution version of a solution that uses the aws-user-personalization recipe.");
    }
  }
  const interactions = trainingData(ctx, solution.datasetGroupArn, solution.eventType);
  const count = interactions?.length ?? 0;
  const outcome: Outcome = !interactions
    ? { ok: false, reason: `The dataset group ${solution.datasetGroupArn} has no Interactions dataset to train on.` }
    : count < ctx.minTrainingInteractions
      ? {
          ok: false,
          reason: `Insufficient data for training: at least ${ctx.minTrainingInteractions} item interactions are required${solution.eventType ? ` of event type ${solution.eventType}` : ""}, the dataset group has ${count}.`,
        }
      : { ok: true };
  const arn = ctx.arns.solutionVersion(solution.arn);
  const lifecycle = startLifecycle(ctx, "solutionVersion", outcome);
  const trained = outcome.ok && interactions;
  ctx.state.solutionVersions.set(arn, {
    arn,
    solutionArn: solution.arn,
    name,
    trainingMode,
    lifecycle,
    // Trained on the data as it is now; the model is served once the version is ACTIVE.
    model: trained ? new TrainedModel(interactions) : undefined,
    metrics: trained ? offlineMetrics(interactions) : undefined,
    trainingHours: Number((ctx.state.durations.solutionVersion.inProgressMs / 3_600_000).toFixed(3)),
  });
  return { solutionVersionArn: arn };
};

const DescribeSolutionVersion: Handler = (input, ctx) => {
  const v = find(ctx.state.solutionVersions, input.arn("solutionVersionArn"));
  const s = ctx.state.solutions.get(v.solutionArn);
  const fields = lifecycleFields(v.lifecycle, ctx.now);
  return {
    solutionVersion: {
      name: v.name,
      solutionVersionArn: v.arn,
      solutionArn: v.solutionArn,
      performHPO: s?.performHPO,
      performAutoML: s?.performAutoML,
      recipeArn: s?.recipeArn,
      eventType: s?.eventType,
      datasetGroupArn: s?.datasetGroupArn,
      solutionConfig: s?.solutionConfig,
      trainingMode: v.trainingMode,
      trainingType: "MANUAL",
      ...(fields.status === "ACTIVE" ? { trainingHours: v.trainingHours } : {}),
      ...fields,
    },
  };
};

const ListSolutionVersions: Handler = (input, ctx) => {
  const solutionArn = input.optionalArn("solutionArn");
  if (solutionArn !== undefined) find(ctx.state.solutions, solutionArn);
  const all = [...ctx.state.solutionVersions.values()]
    .filter((v) => solutionArn === undefined || v.solutionArn === solutionArn)
    .map((v) => versionSummary(v, ctx.now));
  const { items, nextToken } = page(all, `ListSolutionVersions:${solutionArn ?? ""}`, input.maxResults(), input.nextToken());
  return { solutionVersions: items, nextToken };
};

const GetSolutionMetrics: Handler = (input, ctx) => {
  const v = find(ctx.state.solutionVersions, input.arn("solutionVersionArn"));
  requireActive(v, "solution version", ctx.now);
  return { solutionVersionArn: v.arn, metrics: v.metrics ?? {} };
};

// ---------- campaigns ----------

const CreateCampaign: Handler = (input, ctx) => {
  const name = input.name();
  const solutionVersionArn = input.arn("solutionVersionArn");
  const minProvisionedTPS = input.integer("minProvisionedTPS", { min: 1, max: 2 ** 31 - 1 }) ?? 1;
  const arn = ctx.arns.of("campaign", name);
  if (ctx.state.campaigns.has(arn)) throw alreadyExists(arn);
  const version = servedVersion(ctx, solutionVersionArn);
  if (!version) throw notFound(solutionVersionArn);
  requireActive(version, "solution version", ctx.now);
  // USER_SEGMENTATION recipes serve batch segment jobs only (Item-Affinity and Item-Attribute-Affinity recipe pages).
  if (ctx.state.solutions.get(version.solutionArn)?.recipeType === "USER_SEGMENTATION") {
    throw invalidInput(`The solution version ${version.arn} uses a USER_SEGMENTATION recipe: get its user segments with a batch segment job, not a campaign.`);
  }
  ctx.state.campaigns.set(arn, {
    arn,
    name,
    solutionVersionArn,
    minProvisionedTPS,
    campaignConfig: input.raw("campaignConfig"),
    lifecycle: startLifecycle(ctx, "campaign"),
  });
  return { campaignArn: arn };
};

const DescribeCampaign: Handler = (input, ctx) => {
  const c = find(ctx.state.campaigns, input.arn("campaignArn"));
  return {
    campaign: {
      name: c.name,
      campaignArn: c.arn,
      solutionVersionArn: c.solutionVersionArn,
      minProvisionedTPS: c.minProvisionedTPS,
      campaignConfig: c.campaignConfig,
      ...lifecycleFields(c.lifecycle, ctx.now),
    },
  };
};

const ListCampaigns: Handler = (input, ctx) => {
  const solutionArn = input.optionalArn("solutionArn");
  const all = [...ctx.state.campaigns.values()]
    .filter((c) => solutionArn === undefined || c.solutionVersionArn.startsWith(`${solutionArn}/`))
    .map((c) => ({ name: c.name, campaignArn: c.arn, ...lifecycleFields(c.lifecycle, ctx.now) }));
  const { items, nextToken } = page(all, `ListCampaigns:${solutionArn ?? ""}`, input.maxResults(), input.nextToken());
  return { campaigns: items, nextToken };
};

const DeleteCampaign: Handler = (input, ctx) => {
  const c = find(ctx.state.campaigns, input.arn("campaignArn"));
  requireDeletable(c, "campaign", ctx.now);
  c.lifecycle.requestDelete(ctx.now);
  return {};
};

export const MODEL_OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateSolution,
  DescribeSolution,
  ListSolutions,
  DeleteSolution,
  CreateSolutionVersion,
  DescribeSolutionVersion,
  ListSolutionVersions,
  GetSolutionMetrics,
  CreateCampaign,
  DescribeCampaign,
  ListCampaigns,
  DeleteCampaign,
};
