/**
 * A parsed item filter applied to candidate items, as GetRecommendations and GetPersonalizedRanking
 * apply `filterArn` with `filterValues`:
 * - Items.<FIELD> against the item's row in the Items dataset (categorical values split on `|`, exact
 *   strings; numbers for =, <, ...); Interactions.EVENT_TYPE against the user's own interactions with
 *   the item ("up to 100 of the most recent interactions per user per event type": the caller passes
 *   them so); IF CurrentUser.<FIELD> against the user's row in the Users dataset;
 * - "For filter expressions that use an INCLUDE element ... you must provide values for all
 *   parameters ... For ... EXCLUDE ... you can omit the filter-values. In this case, Amazon
 *   Personalize doesn't use that portion of the expression" (GetRecommendations): a missing value
 *   of an INCLUDE part is an InvalidInputException; an EXCLUDE part with a missing value is skipped
 *   whole (the stand-in's reading of "that portion").
 */
import { invalidInput } from "./errors";
import { type Condition, type FilterPart, type Operand, type ParsedFilter, parseFilterValue } from "./filter-expression";

export type Row = Readonly<Record<string, string>>;

export interface FilterSubject {
  /** The item's Items-dataset row, if it has one. */
  item: (itemId: string) => Row | undefined;
  /** Event types of the user's interactions with each item. */
  userEvents: ReadonlyMap<string, ReadonlySet<string>>;
  /** The user's Users-dataset row (CurrentUser). */
  user: Row | undefined;
  /** The item of a related-items request (CurrentItem). */
  currentItem: Row | undefined;
}

type Resolved = { values: string[]; any: boolean };

function column(row: Row | undefined, field: string): string | undefined {
  if (!row) return undefined;
  if (row[field] !== undefined) return row[field];
  const key = Object.keys(row).find((k) => k.toUpperCase() === field.toUpperCase());
  return key === undefined ? undefined : row[key];
}

function resolve(operands: readonly Operand[], values: Readonly<Record<string, string>>, subject: FilterSubject): Resolved {
  const out: Resolved = { values: [], any: false };
  for (const o of operands) {
    if (o.kind === "any") out.any = true;
    else if (o.kind === "string") out.values.push(o.value);
    else if (o.kind === "number") out.values.push(String(o.value));
    else if (o.kind === "placeholder") out.values.push(...parseFilterValue(o.name, values[o.name] as string));
    else out.values.push(...(column(subject.currentItem, o.field)?.split("|") ?? []));
  }
  return out;
}

function compare(actual: string | undefined, operator: Condition["operator"], expected: Resolved): boolean {
  if (operator === "IN" || operator === "NOT IN") {
    const categories = actual === undefined || actual === "" ? [] : actual.split("|");
    const hit = categories.some((c) => expected.values.includes(c));
    return operator === "IN" ? hit : !hit;
  }
  const a = Number(actual);
  const b = Number(expected.values[0]);
  if (actual === undefined || actual === "" || Number.isNaN(a) || Number.isNaN(b)) {
    return operator === "!=" ? actual !== expected.values[0] : operator === "=" ? actual === expected.values[0] : false;
  }
  switch (operator) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    default:
      return a >= b;
  }
}

function holds(c: Condition, itemId: string, values: Readonly<Record<string, string>>, subject: FilterSubject): boolean {
  const expected = resolve(c.operands, values, subject);
  if (c.dataset === "Interactions") {
    const events = [...(subject.userEvents.get(itemId) ?? [])];
    const inList = (e: string) => expected.any || expected.values.includes(e);
    return c.operator === "IN" ? events.some(inList) : events.some((e) => !inList(e));
  }
  const row = c.dataset === "CurrentUser" ? subject.user : c.dataset === "Items" ? subject.item(itemId) : undefined;
  return compare(column(row, c.field), c.operator, expected);
}

const placeholdersOf = (part: FilterPart): string[] =>
  [...part.where.flat(), ...part.when].flatMap((c) => c.operands.flatMap((o) => (o.kind === "placeholder" ? [o.name] : [])));

/** A predicate over item ids; throws InvalidInputException for a missing value of an INCLUDE part. */
export function itemPredicate(
  filter: ParsedFilter,
  filterValues: Readonly<Record<string, string>> | undefined,
  subject: FilterSubject,
): (itemId: string) => boolean {
  const values = filterValues ?? {};
  if (filter.parts.some((p) => p.target !== "ItemID")) {
    throw invalidInput("The filter's expression filters users (UserID): it applies to user segments, not to item recommendations.");
  }
  const parts = filter.parts.filter((part) => {
    const missing = placeholdersOf(part).filter((name) => values[name] === undefined);
    if (missing.length === 0) return true;
    if (part.action === "INCLUDE") {
      throw invalidInput(
        `filterValues must give a value for every placeholder of an INCLUDE expression: missing ${missing.map((m) => `$${m}`).join(", ")} (${part.text}).`,
      );
    }
    return false;
  });
  // IF conditions are about the user: decided once per request.
  const applying = parts.filter((part) => part.when.every((c) => holds(c, "", values, subject)));
  return (itemId) =>
    applying.every((part) => {
      const matches = part.where.some((group) => group.every((c) => holds(c, itemId, values, subject)));
      return part.action === "INCLUDE" ? matches : !matches;
    });
}
