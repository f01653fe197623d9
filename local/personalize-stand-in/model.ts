/**
 * What a "trained" solution version is here: counts over the interactions it was trained on. It
 * answers real-looking recommendations (the most interacted-with items a user has not interacted
 * with; for related-items recipes, the items most often interacted with by the same users) and the
 * offline metrics Personalize reports, computed the way its documentation describes. No machine
 * learning: the point is data-derived, deterministic answers.
 */

export interface Interaction {
  userId: string;
  itemId: string;
  /** Unix epoch seconds. */
  timestamp: number;
  eventType?: string | undefined;
}

/** The recipe types GetRecommendations and the batch jobs distinguish (Personalize's `recipeType`). */
export type RecipeType = "USER_PERSONALIZATION" | "RELATED_ITEMS" | "PERSONALIZED_RANKING" | "USER_SEGMENTATION";

/** Custom recipes by name (`arn:aws:personalize:::recipe/<name>`) and their types. */
export const RECIPES: Readonly<Record<string, RecipeType>> = {
  "aws-user-personalization": "USER_PERSONALIZATION",
  "aws-user-personalization-v2": "USER_PERSONALIZATION",
  "aws-popularity-count": "USER_PERSONALIZATION",
  "aws-trending-now": "USER_PERSONALIZATION",
  "aws-similar-items": "RELATED_ITEMS",
  "aws-sims": "RELATED_ITEMS",
  "aws-personalized-ranking": "PERSONALIZED_RANKING",
  "aws-personalized-ranking-v2": "PERSONALIZED_RANKING",
  // Batch segment jobs only (Item-Affinity and Item-Attribute-Affinity recipe pages).
  "aws-item-affinity": "USER_SEGMENTATION",
  "aws-item-attribute-affinity": "USER_SEGMENTATION",
};

export interface ScoredItem {
  itemId: string;
  score: number;
}

/** Items by how often they were interacted with, most first; ties by id, so answers are stable. */
function rankByCount(counts: Map<string, number>): [string, number][] {
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function count(interactions: readonly Interaction[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const i of interactions) counts.set(i.itemId, (counts.get(i.itemId) ?? 0) + 1);
  return counts;
}

/** Scores as USER_PERSONALIZATION answers them: a share of all items' total, so they sum to at most 1. */
function scored(ranked: readonly [string, number][], total: number, exclude: ReadonlySet<string>, numResults: number): ScoredItem[] {
  const out: ScoredItem[] = [];
  for (const [itemId, n] of ranked) {
    if (out.length >= numResults) break;
    if (exclude.has(itemId)) continue;
    out.push({ itemId, score: Number((n / total).toPrecision(7)) });
  }
  return out;
}

export class TrainedModel {
  private readonly ranked: [string, number][];
  private readonly total: number;
  private readonly itemsByUser = new Map<string, Set<string>>();
  private readonly usersByItem = new Map<string, Set<string>>();

  constructor(private readonly interactions: readonly Interaction[]) {
    this.ranked = rankByCount(count(interactions));
    this.total = interactions.length;
    for (const i of interactions) {
      let items = this.itemsByUser.get(i.userId);
      if (!items) this.itemsByUser.set(i.userId, (items = new Set()));
      items.add(i.itemId);
      let users = this.usersByItem.get(i.itemId);
      if (!users) this.usersByItem.set(i.itemId, (users = new Set()));
      users.add(i.userId);
    }
  }

  get itemCount(): number {
    return this.ranked.length;
  }

  /** What it was trained on (offline metrics are computed from it). */
  get trainingData(): readonly Interaction[] {
    return this.interactions;
  }

  /** Whether the item was in the training data (GetPersonalizedRanking appends the others at the end). */
  knows(itemId: string): boolean {
    return this.usersByItem.has(itemId);
  }

  /** The same model without these users' interactions: what a completed data deletion job leaves ("from datasets and models"). */
  withoutUsers(userIds: ReadonlySet<string>): TrainedModel {
    return new TrainedModel(this.interactions.filter((i) => !userIds.has(i.userId)));
  }

  /** The most interacted-with items the user has not interacted with (cold users get the most popular). */
  forUser(userId: string, alsoExclude: Iterable<string>, numResults: number): ScoredItem[] {
    const exclude = new Set([...(this.itemsByUser.get(userId) ?? []), ...alsoExclude]);
    return scored(this.ranked, this.total, exclude, numResults);
  }

  /** Items interacted with by the users who interacted with `itemId`, most shared first. */
  relatedTo(itemId: string, numResults: number): ScoredItem[] {
    const shared = new Map<string, number>();
    for (const user of this.usersByItem.get(itemId) ?? []) {
      for (const other of this.itemsByUser.get(user) ?? []) if (other !== itemId) shared.set(other, (shared.get(other) ?? 0) + 1);
    }
    const ranked = rankByCount(shared);
    const total = ranked.reduce((sum, [, n]) => sum + n, 0);
    return total === 0 ? [] : scored(ranked, total, new Set(), numResults);
  }

  /**
   * Personalized ranking of `itemList`: every item once, the more interacted-with first (one more
   * than its count, so unknown items still rank), scores sharing 1 as Personalized-Ranking's do.
   */
  rank(itemList: readonly string[]): ScoredItem[] {
    const counts = new Map(this.ranked);
    const unique = [...new Set(itemList)];
    const weights = unique.map((itemId) => [itemId, (counts.get(itemId) ?? 0) + 1] as [string, number]);
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    return rankByCount(new Map(weights)).map(([itemId, w]) => ({ itemId, score: Number((w / total).toPrecision(7)) }));
  }

  /**
   * Item-Affinity's segment for `itemId`: users by how much of what they interacted with was also
   * interacted with by the item's users (the item itself counting most), most first, none at 0.
   */
  usersFor(itemId: string, numResults: number): string[] {
    const together = new Map<string, number>();
    for (const user of this.usersByItem.get(itemId) ?? []) {
      for (const other of this.itemsByUser.get(user) ?? []) together.set(other, (together.get(other) ?? 0) + 1);
    }
    return this.usersBy((items) => [...items].reduce((sum, item) => sum + (together.get(item) ?? 0), 0), numResults);
  }

  /** Item-Attribute-Affinity's segment: users by how many of `items` (the items with the attributes) they interacted with. */
  usersForItems(items: ReadonlySet<string>, numResults: number): string[] {
    return this.usersBy((own) => [...own].filter((item) => items.has(item)).length, numResults);
  }

  private usersBy(score: (items: ReadonlySet<string>) => number, numResults: number): string[] {
    const scores = new Map<string, number>();
    for (const [user, items] of this.itemsByUser) {
      const s = score(items);
      if (s > 0) scores.set(user, s);
    }
    return rankByCount(scores)
      .slice(0, numResults)
      .map(([user]) => user);
  }
}

const ndcgAt = (rank: number | undefined, k: number): number => (rank !== undefined && rank <= k ? 1 / Math.log2(rank + 1) : 0);

/**
 * The offline metrics GetSolutionMetrics reports, computed as Personalize's documentation describes
 * its evaluation: 90% of the users are the training set; for each remaining user, the oldest 90% of
 * their interactions are the input and the newest 10% what the recommendations are checked against.
 * Here the "model" is the popularity ranking of the training set.
 */
export function offlineMetrics(interactions: readonly Interaction[]): Record<string, number> {
  const byUser = new Map<string, Interaction[]>();
  for (const i of interactions) {
    const list = byUser.get(i.userId);
    if (list) list.push(i);
    else byUser.set(i.userId, [i]);
  }
  const users = [...byUser.keys()].sort();
  // Every tenth user (at least one) is a test user: deterministic, so metrics are reproducible.
  const testUsers = users.filter((_, index) => index % 10 === 9);
  if (testUsers.length === 0 && users.length > 1) testUsers.push(users[users.length - 1] as string);
  const testSet = new Set(testUsers);
  const training = interactions.filter((i) => !testSet.has(i.userId));
  const model = new TrainedModel(training.length > 0 ? training : interactions);
  const K = 25;
  const recommended = new Set<string>();
  const sums = { mrr: 0, ndcg5: 0, ndcg10: 0, ndcg25: 0, p5: 0, p10: 0, p25: 0 };
  let evaluated = 0;
  for (const user of testUsers) {
    const history = [...(byUser.get(user) ?? [])].sort((a, b) => a.timestamp - b.timestamp);
    if (history.length < 2) continue;
    const inputCount = Math.min(history.length - 1, Math.max(1, Math.floor(history.length * 0.9)));
    const input = new Set(history.slice(0, inputCount).map((i) => i.itemId));
    const heldOut = new Set(
      history
        .slice(inputCount)
        .map((i) => i.itemId)
        .filter((item) => !input.has(item)),
    );
    if (heldOut.size === 0) continue;
    const recs = model.forUser(`\u0000test:${user}`, input, K).map((r) => r.itemId);
    recs.forEach((item) => recommended.add(item));
    const hits = recs.map((item) => heldOut.has(item));
    const firstHit = hits.indexOf(true);
    const rank = firstHit >= 0 ? firstHit + 1 : undefined;
    const hitsAt = (k: number) => hits.slice(0, k).filter(Boolean).length;
    sums.mrr += rank !== undefined ? 1 / rank : 0;
    sums.ndcg5 += ndcgAt(rank, 5);
    sums.ndcg10 += ndcgAt(rank, 10);
    sums.ndcg25 += ndcgAt(rank, 25);
    sums.p5 += hitsAt(5) / 5;
    sums.p10 += hitsAt(10) / 10;
    sums.p25 += hitsAt(25) / 25;
    evaluated++;
  }
  const mean = (sum: number) => (evaluated === 0 ? 0 : Number((sum / evaluated).toFixed(4)));
  const allItems = new Set(interactions.map((i) => i.itemId)).size;
  return {
    coverage: allItems === 0 ? 0 : Number((recommended.size / allItems).toFixed(4)),
    mean_reciprocal_rank_at_25: mean(sums.mrr),
    normalized_discounted_cumulative_gain_at_5: mean(sums.ndcg5),
    normalized_discounted_cumulative_gain_at_10: mean(sums.ndcg10),
    normalized_discounted_cumulative_gain_at_25: mean(sums.ndcg25),
    precision_at_5: mean(sums.p5),
    precision_at_10: mean(sums.p10),
    precision_at_25: mean(sums.p25),
  };
}
