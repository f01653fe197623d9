/**
 * Shaping a runtime answer from the model's ranked candidates:
 * - `promotions`: "The percentage of recommended items to apply the promotion to": that share of the
 *   `numResults` slots (rounded down) goes to the best-ranked items the promotion's filter keeps, marked
 *   with `promotionName`; the other slots to the best-ranked items the request's filter keeps. Items stay
 *   in rank order (where AWS puts promoted items it does not say);
 * - `reason`: "If you use User-Personalization-v2, a list of reasons": here only "Promoted item" for
 *   promoted items of aws-user-personalization-v2 campaigns (no exploration, no placeholder popular items);
 * - `metadata`: the requested Items columns of each item (only for a campaign or recommender created with
 *   enableMetadataWithRecommendations, else InvalidInputException; columns not in the Items schema are an
 *   InvalidInputException too), keyed by the names asked for; an item without a row gets none.
 */
import { invalidInput } from "./errors";
import type { ScoredItem } from "./model";
import type { OperationContext } from "./operation-context";
import { rowsOf } from "./runtime-filters";
import type { Served } from "./runtime-target";

export interface AnsweredItem {
  itemId: string;
  score?: number;
  promotionName?: string;
  metadata?: Record<string, string>;
  reason?: string[];
}

export interface Promotion {
  name: string;
  percentPromotedItems: number;
  keep: (itemId: string) => boolean;
}

const REASONS_RECIPES = ["aws-user-personalization-v2"];

export function select(
  served: Served,
  ranked: readonly ScoredItem[],
  numResults: number,
  keep: (itemId: string) => boolean,
  promotion?: Promotion,
): AnsweredItem[] {
  const slots = promotion ? Math.floor((numResults * promotion.percentPromotedItems) / 100) : 0;
  const promoted = new Set(
    promotion
      ? ranked
          .filter((c) => promotion.keep(c.itemId))
          .slice(0, slots)
          .map((c) => c.itemId)
      : [],
  );
  const rest = new Set(
    ranked
      .filter((c) => !promoted.has(c.itemId) && keep(c.itemId))
      .slice(0, numResults - promoted.size)
      .map((c) => c.itemId),
  );
  const reasons = REASONS_RECIPES.includes(served.recipe);
  return ranked
    .filter((c) => promoted.has(c.itemId) || rest.has(c.itemId))
    .map((c) => {
      if (!promoted.has(c.itemId)) return { itemId: c.itemId, score: c.score };
      return { itemId: c.itemId, score: c.score, promotionName: promotion?.name, ...(reasons ? { reason: ["Promoted item"] } : {}) };
    });
}

/** Adds `metadata` to each item; checks the request may ask for it. */
export function withMetadata(ctx: OperationContext, served: Served, columns: readonly string[] | undefined, items: AnsweredItem[]): AnsweredItem[] {
  if (columns === undefined) return items;
  if (!served.metadataEnabled) {
    throw invalidInput(`The ${served.what} ${served.arn} was not created with enableMetadataWithRecommendations, so metadataColumns cannot be used with it.`);
  }
  const dataset = ctx.state.datasetsOf(served.datasetGroupArn).find((d) => d.datasetType === "ITEMS");
  if (!dataset) throw invalidInput(`metadataColumns reads the Items dataset, and the dataset group ${served.datasetGroupArn} has none.`);
  const fields = ctx.state.schemas.get(dataset.schemaArn)?.fields ?? [];
  const names = columns.map((c) => {
    const field = fields.find((f) => f.name.toUpperCase() === c.toUpperCase());
    if (!field) throw invalidInput(`metadataColumns: ${c} is not a column of the Items dataset's schema.`);
    return [c, field.name] as const;
  });
  const rows = rowsOf(ctx, served.datasetGroupArn, "ITEMS");
  return items.map((item) => {
    const row = rows.get(item.itemId);
    if (!row) return item;
    const metadata: Record<string, string> = {};
    for (const [asked, field] of names) if (row[field] !== undefined) metadata[asked] = row[field] as string;
    return { ...item, metadata };
  });
}
