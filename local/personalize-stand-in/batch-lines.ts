/**
 * One line of a batch job's input, answered as Personalize writes it to `<input>.out`: pure, so
 * the rules are testable without S3. Formats from "Batch inference job output examples" and
 * "Batch segment job output format examples" (Personalize developer guide):
 *
 *   USER_PERSONALIZATION (User-Personalization):  {"input":{"userId":"4638"},"output":{"recommendedItems":[...],"scores":[...]},"error":null}
 *   Popularity-Count, RELATED_ITEMS:              {"input":{"itemId":"105"},"output":{"recommendedItems":[...]}}
 *   PERSONALIZED_RANKING:                         {"input":{"userId":"891","itemList":[...]},"output":{"recommendedItems":[...],"scores":[...]}}
 *   Item-Affinity:                                {"input":{"itemId":"105"},"output":{"recommendedUsers":[...]}}
 *   Item-Attribute-Affinity:                      {"itemAttributes":"ITEMS.genres = \"Comedy\"","output":{"recommendedUsers":[...]}}
 *
 * A line that cannot be answered gets an empty list and an `error`, as one seen in a real output
 * shows ({"input":...,"output":{"recommendedItems":[]},"error":"User error: Required fields for the
 * provided recipe are userId"}, on AWS re:Post); the wording of the stand-in's other errors is its own.
 */
import type { RecipeType, TrainedModel } from "./model";

/** What answering a job's lines needs, fixed when the job is created. */
export interface LineContext {
  recipeType: RecipeType;
  /** The recipe's name (`aws-user-personalization-v2`): scores, and which segment recipe. */
  recipe: string;
  numResults: number;
  model: TrainedModel;
  /** Items each user interacted with in the dataset now (left out of their recommendations, as GetRecommendations does). */
  interacted: (userId: string) => Iterable<string>;
  /** The Items dataset's rows, values by column (Item-Attribute-Affinity). */
  items: readonly Record<string, string>[];
}

/** Recipes whose batch output carries scores (the examples: User-Personalization, Personalized-Ranking). */
const SCORED = new Set(["aws-user-personalization", "aws-user-personalization-v2", "aws-personalized-ranking", "aws-personalized-ranking-v2"]);

/** GetPersonalizedRanking ranks at most 500 items; a batch line is held to the same. */
export const MAX_ITEM_LIST = 500;
/** Ids in Personalize's runtime APIs: 1 to 256 characters. */
const MAX_ID = 256;

type Json = Record<string, unknown>;

const isId = (v: unknown): v is string => typeof v === "string" && v.length >= 1 && v.length <= MAX_ID;

function required(fields: string): string {
  return `User error: Required fields for the provided recipe are ${fields}`;
}

/** `ITEMS.genres = "Comedy" AND ITEMS.audience = "teen"` → [[genres, Comedy], [audience, teen]], or undefined. */
export function parseItemAttributes(expression: string): [string, string][] | undefined {
  const terms = expression.split(/\s+AND\s+/i);
  const parsed: [string, string][] = [];
  for (const term of terms) {
    const m = /^\s*ITEMS\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/i.exec(term);
    if (!m) return undefined;
    parsed.push([m[1] as string, (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1")]);
  }
  return parsed;
}

/** The items whose column values match every term; a categorical value `a|b` matches a or b. */
function itemsWith(terms: readonly [string, string][], items: readonly Record<string, string>[]): Set<string> | string {
  if (items.length === 0) return "User error: the dataset group has no Items data to match item attributes against";
  const columns = Object.keys(items[0] ?? {});
  const resolved: [string, string][] = [];
  for (const [column, value] of terms) {
    const found = columns.find((c) => c.toLowerCase() === column.toLowerCase());
    if (!found) return `User error: the Items dataset has no column ${column}`;
    resolved.push([found, value]);
  }
  const matching = new Set<string>();
  for (const row of items) {
    if (resolved.every(([column, value]) => (row[column] ?? "").split("|").includes(value))) matching.add(row["ITEM_ID"] ?? "");
  }
  return matching;
}

function failed(input: unknown, list: "recommendedItems" | "recommendedUsers", error: string): Json {
  return { input, output: { [list]: [] }, error };
}

function recommendation(ctx: LineContext, input: Json): Json {
  const scoredRecipe = SCORED.has(ctx.recipe);
  const out = (items: { itemId: string; score: number }[]): Json => ({
    input,
    output: { recommendedItems: items.map((i) => i.itemId), ...(scoredRecipe ? { scores: items.map((i) => i.score) } : {}) },
    // Only the User-Personalization example shows `"error": null` on a good line.
    ...(ctx.recipeType === "USER_PERSONALIZATION" && scoredRecipe ? { error: null } : {}),
  });
  switch (ctx.recipeType) {
    case "USER_PERSONALIZATION": {
      if (!isId(input["userId"])) return failed(input, "recommendedItems", required("userId"));
      return out(ctx.model.forUser(input["userId"], ctx.interacted(input["userId"]), ctx.numResults));
    }
    case "RELATED_ITEMS": {
      if (!isId(input["itemId"])) return failed(input, "recommendedItems", required("itemId"));
      return out(ctx.model.relatedTo(input["itemId"], ctx.numResults));
    }
    case "PERSONALIZED_RANKING": {
      const list = input["itemList"];
      if (!isId(input["userId"]) || !Array.isArray(list) || list.length === 0 || !list.every(isId)) {
        return failed(input, "recommendedItems", required("userId, itemList"));
      }
      if (list.length > MAX_ITEM_LIST)
        return failed(input, "recommendedItems", `User error: itemList holds ${list.length} items; at most ${MAX_ITEM_LIST} can be ranked`);
      return out(ctx.model.rank(list));
    }
    default:
      return failed(input, "recommendedItems", `User error: a ${ctx.recipeType} recipe does not make item recommendations`);
  }
}

function segment(ctx: LineContext, input: Json): Json {
  if (ctx.recipe === "aws-item-attribute-affinity") {
    const expression = input["itemAttributes"];
    if (typeof expression !== "string" || expression.trim() === "") return failed(input, "recommendedUsers", required("itemAttributes"));
    const terms = parseItemAttributes(expression);
    if (!terms) return failed(input, "recommendedUsers", `User error: itemAttributes "${expression}" is not ITEMS.<column> = "<value>" [AND ...]`);
    const items = itemsWith(terms, ctx.items);
    if (typeof items === "string") return failed(input, "recommendedUsers", items);
    // The documented Item-Attribute-Affinity line carries the expression itself, not an "input" object.
    return { itemAttributes: expression, output: { recommendedUsers: ctx.model.usersForItems(items, ctx.numResults) } };
  }
  if (!isId(input["itemId"])) return failed(input, "recommendedUsers", required("itemId"));
  return { input, output: { recommendedUsers: ctx.model.usersFor(input["itemId"], ctx.numResults) } };
}

/** The output line for one input line, or undefined for a blank line (which is skipped). */
export function answerLine(line: string, ctx: LineContext): Json | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  const list = ctx.recipeType === "USER_SEGMENTATION" ? "recommendedUsers" : "recommendedItems";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return failed(text, list, "User error: the line is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return failed(parsed, list, "User error: each line must be a JSON object");
  const input = parsed as Json;
  return ctx.recipeType === "USER_SEGMENTATION" ? segment(ctx, input) : recommendation(ctx, input);
}
