/**
 * The data plane: GetRecommendations (personalize-runtime, REST-JSON `POST /recommendations`) and
 * PutEvents (personalize-events, REST-JSON `POST /events`), with the limits of their API reference:
 * up to 500 results (25 by default); 1 to 10 events per call, each with an event type and a
 * `sentAt`, ids of at most 256 characters.
 */
import { recommendationId } from "./arns";
import { invalidInput, notFound, StandInError } from "./errors";
import type { Interaction } from "./model";
import { type OperationContext, servedVersion } from "./operation-context";
import { ID_RULE, Input } from "./validation";

export const DEFAULT_NUM_RESULTS = 25;
export const MAX_NUM_RESULTS = 500;
export const MAX_EVENTS_PER_CALL = 10;

/** Keys `properties` may not use (case-insensitive), as the Event shape documents. */
const RESERVED_PROPERTY_KEYS = ["userid", "sessionid", "eventtype", "timestamp", "recommendationid", "impression"];

export function getRecommendations(input: Input, ctx: OperationContext): object {
  const campaignArn = input.optionalArn("campaignArn");
  const recommenderArn = input.optionalArn("recommenderArn");
  const userId = input.optionalString("userId", ID_RULE);
  const itemId = input.optionalString("itemId", ID_RULE);
  // 0 is in the documented range; like an absent value it gets the default.
  const numResults = input.integer("numResults", { min: 0, max: MAX_NUM_RESULTS }) || DEFAULT_NUM_RESULTS;
  const filterArn = input.optionalArn("filterArn");
  // Filters and recommenders are not modelled yet: for the stand-in they do not exist.
  if (filterArn) throw notFound(filterArn);
  if (!campaignArn) {
    if (recommenderArn) throw notFound(recommenderArn);
    throw invalidInput("Either campaignArn or recommenderArn is required.");
  }
  const campaign = ctx.state.campaigns.get(campaignArn);
  if (!campaign) throw notFound(campaignArn);
  const status = campaign.lifecycle.statusAt(ctx.now);
  if (status !== "ACTIVE") throw new StandInError("ResourceNotFoundException", `The campaign ${campaignArn} is ${status}, not ACTIVE.`);
  const version = servedVersion(ctx, campaign.solutionVersionArn);
  const solution = version && ctx.state.solutions.get(version.solutionArn);
  if (!version?.model || !solution)
    throw new StandInError("ResourceNotFoundException", `The solution version the campaign ${campaignArn} serves no longer exists.`);
  const itemList =
    solution.recipeType === "RELATED_ITEMS"
      ? version.model.relatedTo(requireInput(itemId, "itemId", "RELATED_ITEMS"), numResults)
      : solution.recipeType === "USER_PERSONALIZATION"
        ? version.model.forUser(requireInput(userId, "userId", "USER_PERSONALIZATION"), interactedSince(ctx, solution.datasetGroupArn, userId), numResults)
        : unsupportedRecipe(campaignArn, solution.recipeType);
  return { itemList, recommendationId: recommendationId() };
}

function requireInput(value: string | undefined, field: string, recipeType: string): string {
  if (value === undefined) throw invalidInput(`${field} is required for a campaign of a ${recipeType} recipe.`);
  return value;
}

function unsupportedRecipe(campaignArn: string, recipeType: string): never {
  if (recipeType === "PERSONALIZED_RANKING") throw invalidInput(`The campaign ${campaignArn} uses a PERSONALIZED_RANKING recipe: call GetPersonalizedRanking.`);
  throw invalidInput(`The campaign ${campaignArn} uses a ${recipeType} recipe, which makes no recommendations for GetRecommendations.`);
}

/** The user's items in the dataset now, imported or streamed after training: recommendations leave them out too. */
function interactedSince(ctx: OperationContext, datasetGroupArn: string, userId: string | undefined): string[] {
  const dataset = ctx.state.interactionsDatasetOf(datasetGroupArn);
  if (!dataset || userId === undefined) return [];
  return [...dataset.bulk, ...dataset.streamed].filter((i) => i.userId === userId).map((i) => i.itemId);
}

export function putEvents(input: Input, ctx: OperationContext): object {
  const trackingId = input.string("trackingId", ID_RULE);
  const sessionId = input.string("sessionId", ID_RULE);
  const userId = input.optionalString("userId", ID_RULE);
  const events = input.list("eventList", { min: 1, max: MAX_EVENTS_PER_CALL });
  if (!events) throw invalidInput("1 validation error detected: Value null at 'eventList' failed to satisfy constraint: Member must not be null");
  const recorded: Interaction[] = [];
  for (const event of events) {
    const eventType = event.string("eventType", ID_RULE);
    const sentAt = event.number("sentAt");
    if (sentAt === undefined)
      throw invalidInput("1 validation error detected: Value null at 'eventList.member.sentAt' failed to satisfy constraint: Member must not be null");
    const itemId = event.optionalString("itemId", ID_RULE);
    event.optionalString("eventId", ID_RULE);
    event.number("eventValue");
    event.optionalString("recommendationId", { min: 1, max: 40 });
    event.stringList("impression", { min: 1, max: 25 }, ID_RULE);
    checkProperties(event.optionalString("properties", { min: 1, max: 1024 }));
    // Personalize associates events with the session until the user is known.
    if (itemId !== undefined) recorded.push({ userId: userId ?? sessionId, itemId, timestamp: Math.floor(sentAt), eventType });
  }
  const tracker = [...ctx.state.eventTrackers.values()].find((t) => t.trackingId === trackingId);
  if (!tracker || tracker.lifecycle.statusAt(ctx.now) !== "ACTIVE") {
    throw new StandInError("ResourceNotFoundException", `No ACTIVE event tracker has the tracking ID ${trackingId}.`);
  }
  const dataset = ctx.state.interactionsDatasetOf(tracker.datasetGroupArn);
  if (!dataset || dataset.lifecycle.statusAt(ctx.now) !== "ACTIVE") {
    throw new StandInError("ResourceNotFoundException", `The dataset group ${tracker.datasetGroupArn} has no ACTIVE Interactions dataset to record events in.`);
  }
  dataset.streamed.push(...recorded);
  return {};
}

function checkProperties(properties: string | undefined): void {
  if (properties === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(properties);
  } catch {
    throw invalidInput('properties must be a JSON object, e.g. {"numberOfRatings": "12"}.');
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidInput("properties must be a JSON object.");
  const reserved = Object.keys(parsed).find((key) => RESERVED_PROPERTY_KEYS.includes(key.toLowerCase()));
  if (reserved) throw invalidInput(`properties may not use the key ${reserved}: it is reserved.`);
}
