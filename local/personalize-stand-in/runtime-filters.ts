/**
 * A request's `filterArn` (or a promotion's) turned into a predicate over item ids, reading the
 * dataset group's data as it is now: the Items and Users rows (the last one per id: PutItems and
 * PutUsers replace), and the user's interactions, "up to 100 of the most recent interactions per user
 * per event type" ("Filter expressions"). The filter must exist (ResourceNotFoundException), be ACTIVE
 * ("be sure the filter resource is ACTIVE") and belong to the served dataset group; the stand-in
 * answers the last two with InvalidInputException (AWS documents no exact answer).
 */
import { invalidInput, notFound } from "./errors";
import { itemPredicate, type Row } from "./filter-evaluate";
import type { OperationContext } from "./operation-context";
import type { DatasetType } from "./validation";

/** Personalize's default quota: "up to 100 of the most recent interactions per user per event type". */
export const FILTER_INTERACTIONS_PER_EVENT_TYPE = 100;

/** Each id's latest row of the group's Items or Users dataset. */
export function rowsOf(ctx: OperationContext, datasetGroupArn: string, type: DatasetType): Map<string, Row> {
  const dataset = ctx.state.datasetsOf(datasetGroupArn).find((d) => d.datasetType === type);
  const rows = new Map<string, Row>();
  dataset?.attributes.forEach((row, i) => rows.set(dataset.ids[i] as string, row));
  return rows;
}

function userEvents(ctx: OperationContext, datasetGroupArn: string, userId: string | undefined): Map<string, Set<string>> {
  const events = new Map<string, Set<string>>();
  const dataset = ctx.state.interactionsDatasetOf(datasetGroupArn);
  if (!dataset || userId === undefined) return events;
  const byType = new Map<string, { itemId: string; timestamp: number }[]>();
  for (const i of [...dataset.bulk, ...dataset.streamed]) {
    if (i.userId !== userId) continue;
    const type = i.eventType ?? "";
    const list = byType.get(type) ?? [];
    list.push(i);
    byType.set(type, list);
  }
  for (const [type, list] of byType) {
    for (const i of list.sort((a, b) => b.timestamp - a.timestamp).slice(0, FILTER_INTERACTIONS_PER_EVENT_TYPE)) {
      const set = events.get(i.itemId) ?? new Set<string>();
      set.add(type);
      events.set(i.itemId, set);
    }
  }
  return events;
}

export interface FilterRequest {
  filterArn: string;
  filterValues: Record<string, string> | undefined;
  datasetGroupArn: string;
  userId: string | undefined;
  itemId: string | undefined;
}

export function filterPredicate(ctx: OperationContext, request: FilterRequest): (itemId: string) => boolean {
  const filter = ctx.state.filters.get(request.filterArn);
  if (!filter) throw notFound(request.filterArn);
  const status = filter.lifecycle.statusAt(ctx.now);
  if (status !== "ACTIVE") throw invalidInput(`The filter ${filter.arn} is ${status}; only an ACTIVE filter can be used.`);
  if (filter.datasetGroupArn !== request.datasetGroupArn) {
    throw invalidInput(
      `The filter ${filter.arn} belongs to the dataset group ${filter.datasetGroupArn}, not to ${request.datasetGroupArn} the request is served from.`,
    );
  }
  const items = rowsOf(ctx, request.datasetGroupArn, "ITEMS");
  const users = filter.parsed.datasets.includes("Users") ? rowsOf(ctx, request.datasetGroupArn, "USERS") : new Map<string, Row>();
  return itemPredicate(filter.parsed, request.filterValues, {
    item: (id) => items.get(id),
    userEvents: userEvents(ctx, request.datasetGroupArn, request.userId),
    user: request.userId === undefined ? undefined : users.get(request.userId),
    currentItem: request.itemId === undefined ? undefined : items.get(request.itemId),
  });
}
