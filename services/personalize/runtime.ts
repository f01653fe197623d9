/**
 * Personalize at run time, for the backend's requests: recommendations from a campaign
 * (personalize-runtime) and interaction events (personalize-events).
 */
import type { ServiceContext } from "../context";
import { WorkflowError } from "./errors";
import { ownedArn } from "./owned";

/** @aws-sdk/client-personalize-events, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalizeEvents = (): typeof import("@aws-sdk/client-personalize-events") =>
  require("@aws-sdk/client-personalize-events") as typeof import("@aws-sdk/client-personalize-events");
/** @aws-sdk/client-personalize-runtime, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalizeRuntime = (): typeof import("@aws-sdk/client-personalize-runtime") =>
  require("@aws-sdk/client-personalize-runtime") as typeof import("@aws-sdk/client-personalize-runtime");

export const MAX_RECOMMENDATIONS = 500;
export const MAX_EVENTS_PER_CALL = 10;

/** Recommendations for a user from a campaign (personalize-runtime). */
export async function getRecommendations(
  ctx: ServiceContext,
  args: {
    campaignArn: string;
    userId: string;
    numResults?: number;
    filterArn?: string;
  },
): Promise<{ itemId: string; score?: number }[]> {
  const numResults = args.numResults ?? 25;
  if (!Number.isInteger(numResults) || numResults < 1 || numResults > MAX_RECOMMENDATIONS) {
    throw new WorkflowError(`numResults must be between 1 and ${MAX_RECOMMENDATIONS} (got ${numResults})`);
  }
  if (!args.userId) throw new WorkflowError("userId is empty");
  ownedArn(ctx, "campaignArn", args.campaignArn);
  const result = await ctx.clients.personalizeRuntime.send(
    new (sdkPersonalizeRuntime().GetRecommendationsCommand)({
      campaignArn: args.campaignArn,
      userId: args.userId,
      numResults,
      ...(args.filterArn ? { filterArn: args.filterArn } : {}),
    }),
  );
  return (result.itemList ?? []).flatMap((i) => (i.itemId ? [{ itemId: i.itemId, ...(i.score !== undefined ? { score: i.score } : {}) }] : []));
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
