/**
 * Personalize at run time, for the backend's requests: recommendations from a campaign or a
 * recommender and personalized ranking (personalize-runtime), and interaction events
 * (personalize-events). Limits: the API reference of GetRecommendations and GetPersonalizedRanking.
 */
import type { ServiceContext } from "../context";
import { WorkflowError } from "./errors";
import { type FilterValueInput, formatFilterValues } from "./filter-values";
import { checkFilterArn, FilterExpressions } from "./filters";
import { ownedArn } from "./owned";

/** @aws-sdk/client-personalize-events, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalizeEvents = (): typeof import("@aws-sdk/client-personalize-events") =>
  require("@aws-sdk/client-personalize-events") as typeof import("@aws-sdk/client-personalize-events");
/** @aws-sdk/client-personalize-runtime, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalizeRuntime = (): typeof import("@aws-sdk/client-personalize-runtime") =>
  require("@aws-sdk/client-personalize-runtime") as typeof import("@aws-sdk/client-personalize-runtime");

export const MAX_RECOMMENDATIONS = 500;
/** GetRecommendations / GetPersonalizedRanking: "If you are including metadata in recommendations, the maximum is 50." */
export const MAX_RECOMMENDATIONS_WITH_METADATA = 50;
/** GetPersonalizedRanking's inputList: at most 500 items (50 with metadata), as numResults. */
export const MAX_RANKING_ITEMS = 500;
/** metadataColumns: "The maximum number of columns you can provide is 10." */
export const MAX_METADATA_COLUMNS = 10;
export const MAX_EVENTS_PER_CALL = 10;
const MAX_ID_LENGTH = 256;

/** One recommended (or ranked) item, as Personalize's PredictedItem: only the fields it answered. */
export interface RecommendedItem {
  itemId: string;
  score?: number;
  /** Why the item was recommended (e.g. a promotion, exploration). */
  reason?: string[];
  /** The promotion that included it. */
  promotionName?: string;
  /** The Items columns asked for with metadataColumns (campaigns and recommenders created with enableMetadataWithRecommendations). */
  metadata?: Record<string, string>;
}

export interface PromotionOptions {
  name: string;
  /** The percentage of recommended items to promote: a whole number from 1 to 100. */
  percentPromotedItems: number;
  filterArn: string;
  filterValues?: FilterValueInput;
}

export interface RecommendationOptions {
  /** Exactly one of campaignArn and recommenderArn. */
  campaignArn?: string;
  recommenderArn?: string;
  userId?: string;
  /** For related-items recipes and use cases. */
  itemId?: string;
  numResults?: number;
  filterArn?: string;
  /** Values for the filter's placeholders (without "$"); a list gives several values. */
  filterValues?: FilterValueInput;
  /** Items dataset columns to return with each item (`{ITEMS: [...]}`). */
  metadataColumns?: readonly string[];
  promotions?: readonly PromotionOptions[];
  context?: Readonly<Record<string, string>>;
}

export interface RankingOptions {
  campaignArn: string;
  userId: string;
  /** The item ids to rank. */
  items: readonly string[];
  filterArn?: string;
  filterValues?: FilterValueInput;
  metadataColumns?: readonly string[];
  context?: Readonly<Record<string, string>>;
}

function checkId(field: string, value: string | undefined): void {
  if (value !== undefined && (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH)) {
    throw new WorkflowError(`${field} must be 1 to ${MAX_ID_LENGTH} characters (got ${JSON.stringify(value)})`);
  }
}

function metadataOf(columns: readonly string[] | undefined): { metadataColumns?: Record<string, string[]> } {
  if (columns === undefined) return {};
  if (columns.length === 0 || columns.length > MAX_METADATA_COLUMNS || columns.some((c) => typeof c !== "string" || c.trim() === "")) {
    throw new WorkflowError(`metadataColumns must name 1 to ${MAX_METADATA_COLUMNS} columns of the Items dataset (got ${JSON.stringify(columns)})`);
  }
  return { metadataColumns: { ITEMS: [...columns] } };
}

function contextOf(context: Readonly<Record<string, string>> | undefined): { context?: Record<string, string> } {
  if (context === undefined) return {};
  const bad = Object.entries(context).find(([k, v]) => k === "" || typeof v !== "string");
  if (bad) throw new WorkflowError(`context must map names to strings (got ${JSON.stringify(bad[0])}: ${JSON.stringify(bad[1])})`);
  return { context: { ...context } };
}

/**
 * filterValues checked against the filter's expression (described once per ARN) and formatted, before
 * the runtime call; a filter with required placeholders and no values is refused too.
 */
async function filterOf(
  ctx: ServiceContext,
  filters: FilterExpressions,
  field: string,
  filterArn: string | undefined,
  values: FilterValueInput | undefined,
): Promise<{ filterArn?: string; filterValues?: Record<string, string> }> {
  if (filterArn === undefined) {
    if (values !== undefined) throw new WorkflowError(`${field}Values were given without a ${field}Arn: pass the filter they belong to`);
    return {};
  }
  checkFilterArn(ctx, `${field}Arn`, filterArn);
  const expression = await filters.expressionOf(filterArn);
  if (expression === undefined) {
    // Unchecked (the endpoint cannot describe filters): sent as given, quoted the usual way.
    return {
      filterArn,
      ...(values
        ? {
            filterValues: formatFilterValues(
              Object.keys(values)
                .map((k) => `$${k}`)
                .join(" "),
              values,
            ),
          }
        : {}),
    };
  }
  const formatted = formatFilterValues(expression, values ?? {}, `filter ${filterArn}`);
  return { filterArn, ...(Object.keys(formatted).length > 0 ? { filterValues: formatted } : {}) };
}

function itemsOf(list: import("@aws-sdk/client-personalize-runtime").PredictedItem[] | undefined): RecommendedItem[] {
  return (list ?? []).flatMap((i) =>
    i.itemId
      ? [
          {
            itemId: i.itemId,
            ...(i.score !== undefined ? { score: i.score } : {}),
            ...(i.reason !== undefined ? { reason: i.reason } : {}),
            ...(i.promotionName !== undefined ? { promotionName: i.promotionName } : {}),
            ...(i.metadata !== undefined ? { metadata: i.metadata } : {}),
          },
        ]
      : [],
  );
}

/** Filter expressions looked up without a service (a direct call of these functions): described on every call. */
const uncached = (ctx: ServiceContext) => new FilterExpressions(ctx);

/**
 * Recommendations from a campaign or a recommender (personalize-runtime), with a filter and its
 * values, item metadata, promotions and context. Everything that can be checked is checked before
 * the call, the filters' placeholders included.
 */
export async function getRecommendations(
  ctx: ServiceContext,
  args: RecommendationOptions,
  filters: FilterExpressions = uncached(ctx),
): Promise<RecommendedItem[]> {
  const numResults = args.numResults ?? 25;
  const max = args.metadataColumns !== undefined ? MAX_RECOMMENDATIONS_WITH_METADATA : MAX_RECOMMENDATIONS;
  if (!Number.isInteger(numResults) || numResults < 1 || numResults > max) {
    throw new WorkflowError(
      `numResults must be between 1 and ${max}${max === MAX_RECOMMENDATIONS ? "" : " when metadataColumns are asked for"} (got ${numResults})`,
    );
  }
  if ((args.campaignArn === undefined) === (args.recommenderArn === undefined)) {
    throw new WorkflowError("give exactly one of campaignArn (a campaign) and recommenderArn (a domain recommender)");
  }
  if (!args.userId && !args.itemId) throw new WorkflowError("userId is empty (give a userId, or an itemId for related items)");
  checkId("userId", args.userId);
  checkId("itemId", args.itemId);
  if (args.campaignArn !== undefined) ownedArn(ctx, "campaignArn", args.campaignArn);
  if (args.recommenderArn !== undefined) ownedArn(ctx, "recommenderArn", args.recommenderArn);
  const metadata = metadataOf(args.metadataColumns);
  const context = contextOf(args.context);
  const filter = await filterOf(ctx, filters, "filter", args.filterArn, args.filterValues);
  const promotions = [];
  for (const [i, p] of (args.promotions ?? []).entries()) {
    if (typeof p.name !== "string" || p.name.trim() === "") throw new WorkflowError(`promotions[${i}] needs a name`);
    if (!Number.isInteger(p.percentPromotedItems) || p.percentPromotedItems < 1 || p.percentPromotedItems > 100) {
      throw new WorkflowError(`promotions[${i}] (${p.name}): percentPromotedItems must be a whole number from 1 to 100 (got ${p.percentPromotedItems})`);
    }
    if (typeof p.filterArn !== "string") throw new WorkflowError(`promotions[${i}] (${p.name}) needs the filterArn that picks the promoted items`);
    const promoted = await filterOf(ctx, filters, `promotions[${i}].filter`, p.filterArn, p.filterValues);
    promotions.push({ name: p.name, percentPromotedItems: p.percentPromotedItems, ...promoted });
  }
  const result = await ctx.clients.personalizeRuntime.send(
    new (sdkPersonalizeRuntime().GetRecommendationsCommand)({
      ...(args.campaignArn !== undefined ? { campaignArn: args.campaignArn } : { recommenderArn: args.recommenderArn }),
      ...(args.userId ? { userId: args.userId } : {}),
      ...(args.itemId ? { itemId: args.itemId } : {}),
      numResults,
      ...context,
      ...filter,
      ...metadata,
      ...(promotions.length > 0 ? { promotions } : {}),
    }),
  );
  return itemsOf(result.itemList);
}

/**
 * A list the application already has, re-ranked for a user (GetPersonalizedRanking). It takes a
 * campaign only: the API has no recommenderArn (API reference, GetPersonalizedRanking).
 */
export async function getPersonalizedRanking(
  ctx: ServiceContext,
  args: RankingOptions,
  filters: FilterExpressions = uncached(ctx),
): Promise<RecommendedItem[]> {
  if (typeof args.campaignArn !== "string") throw new WorkflowError("campaignArn is required: ranking is served by a campaign (no recommender takes it)");
  ownedArn(ctx, "campaignArn", args.campaignArn);
  if (!args.userId) throw new WorkflowError("userId is empty");
  checkId("userId", args.userId);
  const max = args.metadataColumns !== undefined ? MAX_RECOMMENDATIONS_WITH_METADATA : MAX_RANKING_ITEMS;
  if (!Array.isArray(args.items) || args.items.length === 0 || args.items.length > max) {
    throw new WorkflowError(
      `items must list 1 to ${max} item ids${max === MAX_RANKING_ITEMS ? "" : " when metadataColumns are asked for"} (got ${args.items?.length ?? 0})`,
    );
  }
  args.items.forEach((id, i) => checkId(`items[${i}]`, id));
  const metadata = metadataOf(args.metadataColumns);
  const context = contextOf(args.context);
  const filter = await filterOf(ctx, filters, "filter", args.filterArn, args.filterValues);
  const result = await ctx.clients.personalizeRuntime.send(
    new (sdkPersonalizeRuntime().GetPersonalizedRankingCommand)({
      campaignArn: args.campaignArn,
      userId: args.userId,
      inputList: [...args.items],
      ...context,
      ...filter,
      ...metadata,
    }),
  );
  return itemsOf(result.personalizedRanking);
}

/** Records events (personalize-events), in calls of at most 10 events each. */
export async function putEvents(
  ctx: ServiceContext,
  args: {
    trackingId: string;
    userId: string;
    sessionId: string;
    events: { eventType: string; itemId?: string; sentAt: Date; eventValue?: number; properties?: Record<string, string> }[];
  },
): Promise<{ sent: number; calls: number }> {
  if (!args.trackingId || !args.sessionId) throw new WorkflowError("trackingId and sessionId are required");
  for (const [i, e] of args.events.entries()) {
    if (!e.eventType) throw new WorkflowError(`event ${i + 1} has no eventType`);
    if (!(e.sentAt instanceof Date) || Number.isNaN(e.sentAt.getTime())) throw new WorkflowError(`event ${i + 1} has no valid sentAt date`);
  }
  let calls = 0;
  for (let i = 0; i < args.events.length; i += MAX_EVENTS_PER_CALL) {
    const batch = args.events.slice(i, i + MAX_EVENTS_PER_CALL);
    await ctx.clients.personalizeEvents.send(
      new (sdkPersonalizeEvents().PutEventsCommand)({
        trackingId: args.trackingId,
        userId: args.userId,
        sessionId: args.sessionId,
        eventList: batch.map((e) => ({
          eventType: e.eventType,
          sentAt: e.sentAt,
          ...(e.itemId ? { itemId: e.itemId } : {}),
          ...(e.eventValue !== undefined ? { eventValue: e.eventValue } : {}),
          ...(e.properties ? { properties: JSON.stringify(e.properties) } : {}),
        })),
      }),
    );
    calls++;
  }
  return { sent: args.events.length, calls };
}
