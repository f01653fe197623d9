/**
 * The data plane: GetRecommendations (personalize-runtime, REST-JSON `POST /recommendations`) and
 * PutEvents (personalize-events, REST-JSON `POST /events`), with the limits of their API reference:
 * up to 500 results (25 by default, at most 50 with metadataColumns); a campaign or a recommender
 * (exactly one); filters, promotions and metadata (runtime-filters.ts, runtime-results.ts); 1 to 10
 * events per call, each with an event type and a `sentAt`, ids of at most 256 characters.
 */
import { recommendationId } from "./arns";
import { invalidInput, notFound, StandInError } from "./errors";
import type { Interaction } from "./model";
import type { OperationContext } from "./operation-context";
import { filterPredicate } from "./runtime-filters";
import { contextOf, filterValuesOf, metadataColumnsOf, promotionsOf } from "./runtime-request";
import { select, withMetadata } from "./runtime-results";
import { type Served, servedByCampaign, servedByRecommender } from "./runtime-target";
import { ID_RULE, Input } from "./validation";

export const DEFAULT_NUM_RESULTS = 25;
export const MAX_NUM_RESULTS = 500;
export const MAX_NUM_RESULTS_WITH_METADATA = 50;
const AUTO_FILTERED = ["aws-vod-because-you-watched-x", "aws-vod-more-like-x"];
export const MAX_EVENTS_PER_CALL = 10;

/** Keys `properties` may not use (case-insensitive), as the Event shape documents. */
const RESERVED_PROPERTY_KEYS = ["userid", "sessionid", "eventtype", "timestamp", "recommendationid", "impression"];

export function getRecommendations(input: Input, ctx: OperationContext): object {
  const campaignArn = input.optionalArn("campaignArn");
  const recommenderArn = input.optionalArn("recommenderArn");
  const userId = input.optionalString("userId", ID_RULE);
  const itemId = input.optionalString("itemId", ID_RULE);
  const metadataColumns = metadataColumnsOf(input);
  // "If you are including metadata in recommendations, the maximum is 50. Otherwise, the maximum is 500."
  const max = metadataColumns ? MAX_NUM_RESULTS_WITH_METADATA : MAX_NUM_RESULTS;
  // 0 is in the documented range; like an absent value it gets the default.
  const numResults = input.integer("numResults", { min: 0, max }) || Math.min(DEFAULT_NUM_RESULTS, max);
  contextOf(input);
  const filterArn = input.optionalArn("filterArn");
  const filterValues = filterValuesOf(input);
  const promotions = promotionsOf(input);
  // A filter that does not exist is answered before the campaign is looked at (as before filters were modelled).
  for (const arn of [filterArn, ...promotions.map((p) => p.filterArn)]) if (arn !== undefined && !ctx.state.filters.has(arn)) throw notFound(arn);
  if (campaignArn && recommenderArn) throw invalidInput("Give either campaignArn or recommenderArn, not both.");
  if (!campaignArn && !recommenderArn) throw invalidInput("Either campaignArn or recommenderArn is required.");
  const served = campaignArn ? servedByCampaign(ctx, campaignArn) : servedByRecommender(ctx, recommenderArn as string);
  const all = served.model.itemCount;
  // The VOD "X" use cases "automatically filter videos the user watched"; related-items campaigns do not.
  const seen =
    served.what === "recommender" && AUTO_FILTERED.includes(served.recipe) ? new Set(interactedSince(ctx, served.datasetGroupArn, userId)) : new Set<string>();
  const ranked =
    served.kind === "related"
      ? served.model.relatedTo(requireInput(itemId, "itemId", served), all).filter((i) => !seen.has(i.itemId))
      : served.kind === "user"
        ? served.model.forUser(requireInput(userId, "userId", served), interactedSince(ctx, served.datasetGroupArn, userId), all)
        : unsupportedRecipe(served);
  const filterOf = (arn: string | undefined, values: Record<string, string> | undefined) =>
    arn === undefined ? () => true : filterPredicate(ctx, { filterArn: arn, filterValues: values, datasetGroupArn: served.datasetGroupArn, userId, itemId });
  const keep = filterOf(filterArn, filterValues);
  const promotion = promotions[0] && { ...promotions[0], keep: filterOf(promotions[0].filterArn, promotions[0].filterValues) };
  const itemList = withMetadata(ctx, served, metadataColumns, select(served, ranked, numResults, keep, promotion));
  return { itemList, recommendationId: recommendationId() };
}

function requireInput(value: string | undefined, field: string, served: Served): string {
  if (value === undefined) throw invalidInput(`${field} is required for the ${served.what} ${served.arn} (${served.recipe}).`);
  return value;
}

function unsupportedRecipe(served: Served): never {
  if (served.kind === "ranking") throw invalidInput(`The campaign ${served.arn} uses a PERSONALIZED_RANKING recipe: call GetPersonalizedRanking.`);
  throw invalidInput(`The campaign ${served.arn} uses a USER_SEGMENTATION recipe, which makes no recommendations for GetRecommendations.`);
}

/** The user's items in the dataset now, imported or streamed after training: recommendations leave them out too. */
export function interactedSince(ctx: OperationContext, datasetGroupArn: string, userId: string | undefined): string[] {
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
