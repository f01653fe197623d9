/**
 * What a runtime request is answered by: a campaign's solution version, or a recommender. Either
 * must exist and be ACTIVE (a recommender that is stopped or still starting cannot serve); the
 * stand-in answers both cases with ResourceNotFoundException (AWS documents no other answer).
 */
import { recipeName, USE_CASES } from "./domain-recipes";
import { notFound, StandInError } from "./errors";
import type { TrainedModel } from "./model";
import { type OperationContext, servedVersion } from "./operation-context";
import { recommenderStatus } from "./recommender-status";

export interface Served {
  arn: string;
  what: "campaign" | "recommender";
  datasetGroupArn: string;
  model: TrainedModel;
  /** user: for a userId; related: like an itemId; ranking: GetPersonalizedRanking only. */
  kind: "user" | "related" | "ranking" | "segmentation";
  recipe: string;
  metadataEnabled: boolean;
}

const KIND = { USER_PERSONALIZATION: "user", RELATED_ITEMS: "related", PERSONALIZED_RANKING: "ranking", USER_SEGMENTATION: "segmentation" } as const;

export function servedByCampaign(ctx: OperationContext, campaignArn: string): Served {
  const campaign = ctx.state.campaigns.get(campaignArn);
  if (!campaign) throw notFound(campaignArn);
  const status = campaign.lifecycle.statusAt(ctx.now);
  if (status !== "ACTIVE") throw new StandInError("ResourceNotFoundException", `The campaign ${campaignArn} is ${status}, not ACTIVE.`);
  const version = servedVersion(ctx, campaign.solutionVersionArn);
  const solution = version && ctx.state.solutions.get(version.solutionArn);
  if (!version?.model || !solution) {
    throw new StandInError("ResourceNotFoundException", `The solution version the campaign ${campaignArn} serves no longer exists.`);
  }
  const config = (campaign.campaignConfig ?? {}) as { enableMetadataWithRecommendations?: unknown };
  return {
    arn: campaignArn,
    what: "campaign",
    datasetGroupArn: solution.datasetGroupArn,
    model: version.model,
    kind: KIND[solution.recipeType],
    recipe: recipeName(solution.recipeArn) ?? solution.recipeArn,
    metadataEnabled: config.enableMetadataWithRecommendations === true,
  };
}

export function servedByRecommender(ctx: OperationContext, recommenderArn: string): Served {
  const recommender = ctx.state.recommenders.get(recommenderArn);
  if (!recommender) throw notFound(recommenderArn);
  const status = recommenderStatus(recommender, ctx.state.durations.recommender, ctx.now);
  if (status !== "ACTIVE" || !recommender.model) {
    throw new StandInError("ResourceNotFoundException", `The recommender ${recommenderArn} is ${status}, not ACTIVE: it cannot serve recommendations.`);
  }
  const recipe = recipeName(recommender.recipeArn) ?? recommender.recipeArn;
  return {
    arn: recommenderArn,
    what: "recommender",
    datasetGroupArn: recommender.datasetGroupArn,
    model: recommender.model,
    kind: USE_CASES[recipe]?.kind ?? "user",
    recipe,
    metadataEnabled: recommender.enableMetadataWithRecommendations,
  };
}
