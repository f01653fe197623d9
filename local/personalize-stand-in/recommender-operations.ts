/**
 * Control-plane handlers for recommenders: CreateRecommender, DescribeRecommender, ListRecommenders,
 * StartRecommender, StopRecommender, DeleteRecommender, with Personalize's rules:
 * - only for a Domain dataset group, with one of its domain's use cases as `recipeArn` ("Only Domain
 *   dataset group use cases can be used to create a recommender"), else InvalidInputException; a
 *   recipe ARN Personalize does not know is a ResourceNotFoundException (as CreateSolution answers);
 * - `minRecommendationRequestsPerSecond` a whole number of 1 or more, 1 by default ("We recommend
 *   starting with 1 ... (the default)"); `itemExplorationConfig` only for use cases that personalize
 *   for a user (RecommenderConfig);
 * - at least 1000 interactions (of the use case's event type) to train ("At minimum 1000 item
 *   interactions records", the use-case pages); fewer ends CREATE FAILED;
 * - StopRecommender needs ACTIVE, StartRecommender INACTIVE, DeleteRecommender neither a transition
 *   nor a creation under way (ResourceInUseException otherwise).
 * The "model" is model.ts's counts over the group's interactions at creation (a popularity and
 * co-occurrence model, no machine learning).
 */
import { alreadyExists, inUse, invalidInput, notFound } from "./errors";
import { recipeName, USE_CASES } from "./domain-recipes";
import { offlineMetrics, RECIPES, TrainedModel } from "./model";
import type { Outcome } from "./lifecycle";
import { find, type Handler, type OperationContext, requireActive, startLifecycle } from "./operation-context";
import { page } from "./paging";
import { recommenderFields, recommenderStatus } from "./recommender-status";
import type { RecommenderRecord } from "./state";
import { tagsOf } from "./tags";
import type { Input } from "./validation";

function config(input: Input, useCasePersonalized: boolean) {
  const c = input.object("recommenderConfig");
  const minRecommendationRequestsPerSecond = c?.integer("minRecommendationRequestsPerSecond", { min: 1, max: 2 ** 31 - 1 }) ?? 1;
  const enableMetadataWithRecommendations = c?.boolean("enableMetadataWithRecommendations") ?? false;
  const itemExplorationConfig = c?.raw("itemExplorationConfig");
  if (itemExplorationConfig !== undefined && !useCasePersonalized) {
    throw invalidInput(
      "itemExplorationConfig applies only to recommenders that generate personalized recommendations for a user (not popular items or similar items).",
    );
  }
  const trainingDataConfig = c?.raw("trainingDataConfig");
  return {
    minRecommendationRequestsPerSecond,
    enableMetadataWithRecommendations,
    ...(itemExplorationConfig !== undefined ? { itemExplorationConfig } : {}),
    ...(trainingDataConfig !== undefined ? { trainingDataConfig } : {}),
  };
}

function train(ctx: OperationContext, datasetGroupArn: string, eventType: string | undefined): { outcome: Outcome; model?: TrainedModel } {
  const dataset = ctx.state.interactionsDatasetOf(datasetGroupArn);
  if (!dataset) return { outcome: { ok: false, reason: `The dataset group ${datasetGroupArn} has no Interactions dataset to train on.` } };
  const all = [...dataset.bulk, ...dataset.streamed];
  const interactions = eventType === undefined ? all : all.filter((i) => i.eventType === eventType);
  if (interactions.length < ctx.minTrainingInteractions) {
    const what = eventType === undefined ? "item interactions" : `${eventType} events`;
    return {
      outcome: {
        ok: false,
        reason: `Insufficient data for training: at least ${ctx.minTrainingInteractions} ${what} are required, the dataset group has ${interactions.length}.`,
      },
    };
  }
  return { outcome: { ok: true }, model: new TrainedModel(interactions) };
}

const CreateRecommender: Handler = (input, ctx) => {
  const name = input.name();
  const datasetGroupArn = input.arn("datasetGroupArn");
  const recipeArn = input.arn("recipeArn");
  const tags = tagsOf(input);
  const recipe = recipeName(recipeArn) ?? "";
  const useCase = USE_CASES[recipe];
  if (!useCase && !RECIPES[recipe]) throw notFound(recipeArn);
  const recommenderConfig = config(input, useCase?.personalized ?? false);
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  if (!group.domain)
    throw invalidInput(`The dataset group ${datasetGroupArn} is not a Domain dataset group: recommenders need one (CreateDatasetGroup with domain).`);
  if (!useCase)
    throw invalidInput(`${recipeArn} is a custom recipe: a recommender takes a ${group.domain} use case. Use a solution and a campaign for custom recipes.`);
  if (useCase.domain !== group.domain)
    throw invalidInput(`${recipeArn} is a ${useCase.domain} use case; the dataset group ${datasetGroupArn} is of the ${group.domain} domain.`);
  const arn = ctx.arns.of("recommender", name);
  if (ctx.state.recommenders.has(arn)) throw alreadyExists(arn);
  const { outcome, model } = train(ctx, datasetGroupArn, useCase.eventType);
  ctx.state.recommenders.set(arn, {
    arn,
    name,
    datasetGroupArn,
    recipeArn,
    recommenderConfig,
    enableMetadataWithRecommendations: recommenderConfig.enableMetadataWithRecommendations,
    tags,
    lifecycle: startLifecycle(ctx, "recommender", outcome),
    transition: undefined,
    model,
  });
  return { recommenderArn: arn };
};

const fields = (r: RecommenderRecord, ctx: OperationContext) => recommenderFields(r, ctx.state.durations.recommender, ctx.now);
const statusOf = (r: RecommenderRecord, ctx: OperationContext) => recommenderStatus(r, ctx.state.durations.recommender, ctx.now);

const DescribeRecommender: Handler = (input, ctx) => {
  const r = find(ctx.state.recommenders, input.arn("recommenderArn"));
  const f = fields(r, ctx);
  const metrics = r.model && (f.status === "ACTIVE" || f.status === "INACTIVE") ? { modelMetrics: offlineMetrics(r.model.trainingData) } : {};
  return {
    recommender: {
      recommenderArn: r.arn,
      datasetGroupArn: r.datasetGroupArn,
      name: r.name,
      recipeArn: r.recipeArn,
      recommenderConfig: r.recommenderConfig,
      ...f,
      ...metrics,
    },
  };
};

const ListRecommenders: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.recommenders.values()]
    .filter((r) => datasetGroupArn === undefined || r.datasetGroupArn === datasetGroupArn)
    .map((r) => ({
      name: r.name,
      recommenderArn: r.arn,
      datasetGroupArn: r.datasetGroupArn,
      recipeArn: r.recipeArn,
      recommenderConfig: r.recommenderConfig,
      ...fields(r, ctx),
    }));
  const { items, nextToken } = page(all, `ListRecommenders:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { recommenders: items, nextToken };
};

const StopRecommender: Handler = (input, ctx) => {
  const r = find(ctx.state.recommenders, input.arn("recommenderArn"));
  const status = statusOf(r, ctx);
  if (status !== "ACTIVE") throw inUse(`The recommender ${r.arn} is ${status}; only an ACTIVE recommender can be stopped.`);
  r.transition = { kind: "stop", at: ctx.now };
  return { recommenderArn: r.arn };
};

const StartRecommender: Handler = (input, ctx) => {
  const r = find(ctx.state.recommenders, input.arn("recommenderArn"));
  const status = statusOf(r, ctx);
  if (status !== "INACTIVE") throw inUse(`The recommender ${r.arn} is ${status}; only an INACTIVE (stopped) recommender can be started.`);
  r.transition = { kind: "start", at: ctx.now };
  return { recommenderArn: r.arn };
};

const DeleteRecommender: Handler = (input, ctx) => {
  const r = find(ctx.state.recommenders, input.arn("recommenderArn"));
  const status = statusOf(r, ctx);
  if (r.lifecycle.deleting) throw inUse(`The recommender ${r.arn} is already being deleted (${status}).`);
  if (!["ACTIVE", "INACTIVE", "CREATE FAILED"].includes(status))
    throw inUse(`The recommender ${r.arn} is ${status}: wait until it is ACTIVE, INACTIVE or CREATE FAILED.`);
  r.lifecycle.requestDelete(ctx.now);
  return {};
};

export const RECOMMENDER_OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateRecommender,
  DescribeRecommender,
  ListRecommenders,
  StartRecommender,
  StopRecommender,
  DeleteRecommender,
};
