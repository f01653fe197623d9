/**
 * Filter expressions' placeholders and the `filterValues` a recommendation call passes for them, pure
 * (no SDK): which `$NAME`s an expression has, which of them a call must fill, and each value written
 * as Personalize reads it.
 *
 * Personalize's rules (API reference, GetRecommendations / Promotion `filterValues`; "Filter
 * expression structure and elements"; "Combining multiple expressions"):
 *  - a placeholder is `$` and the parameter's name; filterValues is keyed by that name without `$`,
 *    in matching case: at most 25 entries, keys of at most 50 characters matching [A-Za-z0-9_]+,
 *    values of at most 1,000 characters;
 *  - "Separate multiple values for one parameter with a comma"; string values are written quoted,
 *    as in the expression itself: `"\"electronics\""`, `"\"a\",\"b\""`;
 *  - expressions combine with `|`; for a part that uses INCLUDE every parameter must be given, for a
 *    part that uses EXCLUDE "you can omit the filter-values", and that part is then not applied.
 * So a placeholder of an INCLUDE part is required and one of an EXCLUDE part optional; any name the
 * expression does not have is refused. The docs do not say how a double quote inside a value is
 * escaped: such a value is refused rather than guessed at.
 */
import { WorkflowError } from "./errors";

/** Personalize's limits on filterValues (API reference, GetRecommendations and Promotion). */
export const FILTER_VALUE_LIMITS = { maxEntries: 25, maxKeyLength: 50, maxValueLength: 1000 } as const;

/** One value for a placeholder, or several (a list becomes Personalize's comma-separated form). */
export type FilterValue = string | number | boolean | readonly (string | number | boolean)[];
export type FilterValueInput = Readonly<Record<string, FilterValue>>;

/** filterValues that do not fit the filter's expression (a missing or unknown placeholder, a value too long). */
export class FilterValuesError extends WorkflowError {
  constructor(message: string) {
    super(message);
    this.name = "FilterValuesError";
  }
}

const NAME_CHAR = /[A-Za-z0-9_]/;

interface Part {
  include: boolean;
  placeholders: string[];
}

/** The expression's `|`-separated parts, each with its placeholders (quoted text skipped). */
function parts(expression: string): Part[] {
  const found: Part[] = [];
  let current: string[] = [];
  let start = 0;
  const close = (end: number) => {
    const text = expression.slice(start, end).trim();
    found.push({ include: /^INCLUDE\b/i.test(text), placeholders: current });
    current = [];
    start = end + 1;
  };
  let quoted = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] as string;
    if (c === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (c === "|") close(i);
    else if (c === "$") {
      let j = i + 1;
      while (j < expression.length && NAME_CHAR.test(expression[j] as string)) j++;
      if (j > i + 1) current.push(expression.slice(i + 1, j));
      i = j - 1;
    }
  }
  close(expression.length);
  return found;
}

const unique = (names: string[]) => [...new Set(names)];

/** The placeholders of a filter expression, without `$`, in order of appearance: `$CATEGORY` → `CATEGORY`. */
export function filterPlaceholders(expression: string): string[] {
  return unique(parts(expression).flatMap((p) => p.placeholders));
}

/** The placeholders a call must fill: those of the expression's INCLUDE parts (an EXCLUDE part's may be left out). */
export function requiredFilterPlaceholders(expression: string): string[] {
  return unique(
    parts(expression)
      .filter((p) => p.include)
      .flatMap((p) => p.placeholders),
  );
}

function quoted(value: string | number | boolean, name: string): string {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new FilterValuesError(`filter value ${name} is ${value}: give a finite number`);
    return String(value);
  }
  if (typeof value === "boolean") return `"${value}"`;
  if (value.includes('"')) {
    throw new FilterValuesError(`filter value ${name} ${JSON.stringify(value)} holds a double quote, which Personalize's filter values cannot carry`);
  }
  return `"${value}"`;
}

/**
 * `values` checked against the expression's placeholders and written as Personalize reads them:
 * strings (and booleans) quoted, numbers bare, several values comma-separated. Refuses, naming them
 * and the expression's placeholders, unknown names and missing required ones (FilterValuesError).
 */
export function formatFilterValues(expression: string, values: FilterValueInput, what = "the filter"): Record<string, string> {
  const all = filterPlaceholders(expression);
  const required = requiredFilterPlaceholders(expression);
  const given = Object.keys(values);
  const listed = all.length > 0 ? all.map((p) => `$${p}`).join(", ") : "none";
  const unknown = given.filter((name) => !all.includes(name));
  if (unknown.length > 0) {
    throw new FilterValuesError(
      `filter value${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not a placeholder of ${what} (${expression}); its placeholders: ${listed}`,
    );
  }
  const missing = required.filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw new FilterValuesError(
      `${what} (${expression}) needs a value for ${missing.map((m) => `$${m}`).join(", ")} (an INCLUDE part's placeholders must all be given); its placeholders: ${listed}`,
    );
  }
  if (given.length > FILTER_VALUE_LIMITS.maxEntries) {
    throw new FilterValuesError(`${given.length} filter values: Personalize takes at most ${FILTER_VALUE_LIMITS.maxEntries}`);
  }
  const formatted: Record<string, string> = {};
  for (const name of given) {
    const value = values[name] as FilterValue;
    if (name.length > FILTER_VALUE_LIMITS.maxKeyLength) {
      throw new FilterValuesError(`filter value name ${name} is longer than Personalize's ${FILTER_VALUE_LIMITS.maxKeyLength} characters`);
    }
    const list = typeof value === "object" ? value : [value];
    if (list.length === 0) throw new FilterValuesError(`filter value ${name} is an empty list: give at least one value, or leave ${name} out`);
    const text = list.map((v) => quoted(v, name)).join(",");
    if (text.length > FILTER_VALUE_LIMITS.maxValueLength) {
      throw new FilterValuesError(
        `filter value ${name} is ${text.length} characters once quoted; Personalize allows ${FILTER_VALUE_LIMITS.maxValueLength}: pass fewer values`,
      );
    }
    formatted[name] = text;
  }
  return formatted;
}
