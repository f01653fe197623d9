/**
 * The maps and lists of GetRecommendations and GetPersonalizedRanking requests, with the limits of
 * the personalize-runtime model: `context` at most 150 entries, keys `[A-Za-z\d_]+` up to 150
 * characters, values up to 1,000; `filterValues` at most 25 entries, keys `[A-Za-z0-9_]+` up to 50,
 * values up to 1,000; `metadataColumns` one entry, `ITEMS`, "The maximum number of columns you can
 * provide is 10"; `promotions` at most 1, `percentPromotedItems` 1 to 100, a promotion `name` like a
 * resource name.
 */
import { invalidInput } from "./errors";
import { ARN_RULE, type Input, NAME_RULE } from "./validation";

const constraint = (field: string, value: unknown, rule: string) =>
  invalidInput(
    `1 validation error detected: Value '${typeof value === "string" ? value : JSON.stringify(value)}' at '${field}' failed to satisfy constraint: Member must ${rule}`,
  );

function stringMap(
  input: Input,
  field: string,
  limits: { entries: number; key: RegExp; keyMax: number; valueMax: number },
): Record<string, string> | undefined {
  const raw = input.raw(field);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw constraint(field, raw, "be a map of strings");
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > limits.entries) throw constraint(field, `[${entries.length} entries]`, `have length less than or equal to ${limits.entries}`);
  for (const [key, value] of entries) {
    if (key.length > limits.keyMax || !limits.key.test(key))
      throw constraint(`${field}.key`, key, `satisfy regular expression pattern ${limits.key.source} and have length less than or equal to ${limits.keyMax}`);
    if (typeof value !== "string") throw constraint(`${field}.${key}`, value, "be a string");
    if (value.length > limits.valueMax) throw constraint(`${field}.${key}`, value, `have length less than or equal to ${limits.valueMax}`);
  }
  return raw as Record<string, string>;
}

export const contextOf = (input: Input) => stringMap(input, "context", { entries: 150, key: /^[A-Za-z\d_]+$/, keyMax: 150, valueMax: 1000 });

export const filterValuesOf = (input: Input, field = "filterValues") =>
  stringMap(input, field, { entries: 25, key: /^[A-Za-z0-9_]+$/, keyMax: 50, valueMax: 1000 });

export const MAX_METADATA_COLUMNS = 10;

/** The Items columns asked for, or undefined when `metadataColumns` is absent. */
export function metadataColumnsOf(input: Input): string[] | undefined {
  const raw = input.raw("metadataColumns");
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "object" || Array.isArray(raw)) throw constraint("metadataColumns", raw, "be a map of dataset type to column names");
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > 1) throw constraint("metadataColumns", `[${entries.length} entries]`, "have length less than or equal to 1");
  const [key, columns] = entries[0] ?? ["ITEMS", []];
  if (key !== "ITEMS") throw invalidInput(`metadataColumns takes the key ITEMS (columns of the Items dataset), not ${key}.`);
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== "string" || c.length === 0 || c.length > 150)) {
    throw constraint("metadataColumns.ITEMS", columns, "be a list of column names of at most 150 characters");
  }
  if (columns.length > MAX_METADATA_COLUMNS)
    throw invalidInput(`metadataColumns.ITEMS lists ${columns.length} columns; the maximum is ${MAX_METADATA_COLUMNS}.`);
  return columns as string[];
}

export interface PromotionRequest {
  name: string;
  percentPromotedItems: number;
  filterArn: string;
  filterValues: Record<string, string> | undefined;
}

export function promotionsOf(input: Input): PromotionRequest[] {
  const list = input.list("promotions", { min: 0, max: 1 }) ?? [];
  return list.map((p) => {
    const name = p.string("name", NAME_RULE);
    const percentPromotedItems = p.integer("percentPromotedItems", { min: 1, max: 100 });
    if (percentPromotedItems === undefined) throw constraint("promotions.1.percentPromotedItems", null, "not be null");
    return { name, percentPromotedItems, filterArn: p.string("filterArn", ARN_RULE), filterValues: filterValuesOf(p) };
  });
}
