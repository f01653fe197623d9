/**
 * Personalize's filter-expression grammar ("Filter expression structure and elements", "Item
 * recommendation filter expression examples", "Combining multiple expressions"):
 *
 *   EXCLUDE|INCLUDE ItemID|UserID WHERE <Dataset>.<FIELD> IN|NOT IN (<value>, ...) [AND|OR <condition> ...]
 *     [IF CurrentUser.<FIELD> <op> <value> [AND ...]]  [| <another expression>]
 *
 * - conditions compare with IN / NOT IN (exact strings) or =, !=, <, <=, >, >= (numbers); a value is a
 *   "quoted string", a number, a `$PLACEHOLDER`, `*` (any event type), or `CurrentItem.<FIELD>`;
 * - "Conditions chained together using AND or OR can only affect fields of the dataset used in the
 *   first condition"; Interactions can be filtered "only based on event type";
 * - the IF condition checks CurrentUser, "only once at the end of the expression", extended with AND;
 * - several expressions are combined with `|`.
 * Pure: parses and evaluates; an invalid expression is an InvalidInputException, as CreateFilter answers it.
 * AND binds tighter than OR (the docs do not say); there are no parentheses but the value lists'.
 */
import { invalidInput } from "./errors";

export type FilterAction = "INCLUDE" | "EXCLUDE";
export type FilterTarget = "ItemID" | "UserID";
export type FilterDataset = "Items" | "Interactions" | "Users";
export type Operator = "IN" | "NOT IN" | "=" | "!=" | "<" | "<=" | ">" | ">=";

export type Operand =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "placeholder"; name: string }
  | { kind: "any" }
  | { kind: "current-item"; field: string };

export interface Condition {
  dataset: FilterDataset | "CurrentUser";
  field: string;
  operator: Operator;
  operands: Operand[];
}

export interface FilterPart {
  action: FilterAction;
  target: FilterTarget;
  /** The WHERE conditions: an OR of AND-groups. */
  where: Condition[][];
  /** The IF conditions on CurrentUser, all of which must hold for the part to apply. */
  when: Condition[];
  text: string;
}

export interface ParsedFilter {
  parts: FilterPart[];
  /** `$NAME` placeholders, without the `$`, in order of first appearance. */
  placeholders: string[];
  /** The datasets the expression reads (Items, Interactions, Users). */
  datasets: FilterDataset[];
}

type Token = { type: "word" | "string" | "number" | "placeholder" | "symbol"; text: string; at: number };

const SYMBOLS = ["<=", ">=", "!=", "=", "<", ">", "(", ")", ",", "|", "*"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let value = "";
      while (j < text.length && text[j] !== '"') {
        if (text[j] === "\\" && j + 1 < text.length) j++;
        value += text[j];
        j++;
      }
      if (j >= text.length) throw invalid(text, `the string starting at character ${i + 1} is not closed`);
      tokens.push({ type: "string", text: value, at: i });
      i = j + 1;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol) {
      tokens.push({ type: "symbol", text: symbol, at: i });
      i += symbol.length;
      continue;
    }
    const match = /^(\$[A-Za-z0-9_]+|-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)/.exec(text.slice(i));
    if (!match) throw invalid(text, `unexpected character '${c}' at character ${i + 1}`);
    const word = match[1] as string;
    tokens.push({ type: word.startsWith("$") ? "placeholder" : /^-?\d/.test(word) ? "number" : "word", text: word, at: i });
    i += word.length;
  }
  return tokens;
}

function invalid(expression: string, why: string) {
  return invalidInput(`Invalid filter expression ${JSON.stringify(expression)}: ${why}.`);
}

/** Placeholder names: FilterValues keys are `[A-Za-z0-9_]+`, at most 50 characters (personalize-runtime model). */
const MAX_PLACEHOLDER = 50;

class Parser {
  private i = 0;
  readonly placeholders: string[] = [];

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterPart[] {
    const parts = [this.part()];
    while (this.peek()?.text === "|") {
      this.i++;
      parts.push(this.part());
    }
    if (this.peek()) this.fail(`unexpected '${this.peek()?.text}'`);
    return parts;
  }

  private part(): FilterPart {
    const start = this.peek()?.at ?? this.text.length;
    const action = this.word();
    if (action !== "INCLUDE" && action !== "EXCLUDE") this.fail(`an expression starts with INCLUDE or EXCLUDE, not '${action}'`);
    const target = this.word();
    if (target === "ActionID") this.fail("ActionID filters (action recommendations) are not modelled by this local stand-in");
    if (target !== "ItemID" && target !== "UserID") this.fail(`INCLUDE or EXCLUDE is followed by ItemID, ActionID or UserID, not '${target}'`);
    if (this.word() !== "WHERE") this.fail(`${target} must be followed by WHERE`);
    const where: Condition[][] = [[]];
    let first: Condition | undefined;
    for (;;) {
      const condition = this.condition(target);
      first ??= condition;
      if (condition.dataset !== first.dataset) {
        this.fail(`conditions chained with AND or OR can only use fields of the dataset of the first condition (${first.dataset}), not ${condition.dataset}`);
      }
      (where[where.length - 1] as Condition[]).push(condition);
      const next = this.peek()?.text;
      if (next === "AND") this.i++;
      else if (next === "OR") {
        this.i++;
        where.push([]);
      } else break;
    }
    const when: Condition[] = [];
    if (this.peek()?.text === "IF") {
      this.i++;
      if (target !== "ItemID") this.fail("an IF condition on CurrentUser applies to item filters (ItemID) only");
      for (;;) {
        when.push(this.condition(target, true));
        if (this.peek()?.text !== "AND") break;
        this.i++;
      }
      if (this.peek()?.text === "IF") this.fail("IF may appear only once, at the end of an expression");
    }
    const end = this.peek()?.text === "|" ? (this.peek() as Token).at : this.text.length;
    return { action, target, where, when, text: this.text.slice(start, end).trim() };
  }

  private condition(target: FilterTarget, inIf = false): Condition {
    const ref = this.word();
    const [dataset, field] = ref.split(".") as [string, string | undefined];
    if (!field) this.fail(`'${ref}' is not a dataset.field reference`);
    const allowed = inIf ? ["CurrentUser"] : target === "ItemID" ? ["Items", "Interactions"] : ["Users", "Interactions"];
    if (dataset === "CurrentUser" && !inIf) this.fail("CurrentUser may be used only in an IF condition at the end of the expression");
    if (!allowed.includes(dataset)) this.fail(`${ref}: a ${inIf ? "IF" : target} condition can use ${allowed.join(" or ")}, not ${dataset}`);
    if (dataset === "Interactions" && field !== "EVENT_TYPE") this.fail(`interactions can be filtered only by EVENT_TYPE, not ${field}`);
    const operator = this.operator();
    if (dataset === "Interactions" && operator !== "IN" && operator !== "NOT IN") this.fail("Interactions.EVENT_TYPE is compared with IN or NOT IN");
    const operands = operator === "IN" || operator === "NOT IN" ? this.list(dataset === "Interactions") : [this.operand(false, true)];
    return { dataset: dataset as Condition["dataset"], field: field as string, operator, operands };
  }

  private operator(): Operator {
    const token = this.next("a comparison operator");
    if (token.text === "IN") return "IN";
    if (token.text === "NOT") {
      if (this.next("IN").text !== "IN") this.fail("NOT must be followed by IN");
      return "NOT IN";
    }
    if (token.type === "symbol" && ["=", "!=", "<", "<=", ">", ">="].includes(token.text)) return token.text as Operator;
    return this.fail(`expected IN, NOT IN, =, !=, <, <=, > or >=, not '${token.text}'`);
  }

  private list(eventTypes: boolean): Operand[] {
    // `IN CurrentItem.GENRE` takes no parentheses (the docs' related-items example).
    if (this.peek()?.text.startsWith("CurrentItem.")) return [this.operand(false, false)];
    if (this.next("(").text !== "(") this.fail("IN and NOT IN take a list of values in parentheses");
    const operands = [this.operand(eventTypes, false)];
    while (this.peek()?.text === ",") {
      this.i++;
      operands.push(this.operand(eventTypes, false));
    }
    if (this.next(")").text !== ")") this.fail("the list of values is not closed with ')'");
    return operands;
  }

  private operand(star: boolean, numeric: boolean): Operand {
    const token = this.next("a value");
    if (token.type === "placeholder") {
      const name = token.text.slice(1);
      if (name.length > MAX_PLACEHOLDER) this.fail(`the placeholder $${name} is longer than ${MAX_PLACEHOLDER} characters`);
      if (!this.placeholders.includes(name)) this.placeholders.push(name);
      return { kind: "placeholder", name };
    }
    if (token.type === "symbol" && token.text === "*") {
      if (!star) this.fail("* (every event type) is a value of Interactions.EVENT_TYPE only");
      return { kind: "any" };
    }
    if (token.type === "word" && token.text.startsWith("CurrentItem.")) return { kind: "current-item", field: token.text.slice("CurrentItem.".length) };
    if (numeric) {
      if (token.type !== "number") this.fail(`=, !=, <, <=, > and >= compare numbers, not '${token.text}'`);
      return { kind: "number", value: Number(token.text) };
    }
    // `IN ("*")`: the docs' "Use * to include or exclude all types of interactions", quoted or not.
    if (star && token.type === "string" && token.text === "*") return { kind: "any" };
    if (token.type === "string" || token.type === "number") return { kind: "string", value: token.text };
    return this.fail(`'${token.text}' is not a value: quote strings ("value") or use a $PLACEHOLDER`);
  }

  private word(): string {
    const token = this.next("a keyword");
    if (token.type !== "word") this.fail(`unexpected '${token.text}'`);
    return token.text;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.i++];
    if (!token) this.fail(`it ends where ${expected} was expected`);
    return token as Token;
  }

  private fail(why: string): never {
    throw invalid(this.text, why);
  }
}

/** Parses a filter expression (CreateFilter's `filterExpression`, 1 to 2,500 characters). */
export function parseFilterExpression(expression: string): ParsedFilter {
  if (expression.trim() === "") throw invalid(expression, "it is empty");
  const parser = new Parser(expression, tokenize(expression));
  const parts = parser.parse();
  const datasets = new Set<FilterDataset>();
  for (const part of parts) for (const group of part.where) for (const c of group) datasets.add(c.dataset as FilterDataset);
  if (parts.some((p) => p.when.length > 0)) datasets.add("Users");
  return { parts, placeholders: parser.placeholders, datasets: [...datasets] };
}

/**
 * One filterValues value as the runtime API documents it: the values quoted and separated by commas
 * (`"\"a\",\"b\""`); unquoted numbers are taken as they are.
 */
export function parseFilterValue(name: string, raw: string): string[] {
  const values: string[] = [];
  let i = 0;
  const bad = () => invalidInput(`filterValues ${name}: ${JSON.stringify(raw)} is not a list of quoted values such as "\\"a\\",\\"b\\"".`);
  while (i < raw.length) {
    while (raw[i] === " ") i++;
    if (raw[i] === '"') {
      const end = raw.indexOf('"', i + 1);
      if (end < 0) throw bad();
      values.push(raw.slice(i + 1, end));
      i = end + 1;
    } else {
      const end = raw.indexOf(",", i);
      const bare = (end < 0 ? raw.slice(i) : raw.slice(i, end)).trim();
      if (bare === "" || bare.includes('"')) throw bad();
      values.push(bare);
      i = end < 0 ? raw.length : end;
    }
    while (raw[i] === " ") i++;
    if (i < raw.length) {
      if (raw[i] !== ",") throw bad();
      i++;
      if (i >= raw.length) throw bad();
    }
  }
  if (values.length === 0) throw bad();
  return values;
}
