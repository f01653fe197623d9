/**
 * The local Personalize stand-in's filter expressions, pure: Personalize's grammar ("Filter expression
 * structure and elements", the examples pages) parsed, refused as InvalidInputException when it is not
 * one, and applied to items as GetRecommendations applies a filter with filterValues.
 */
import { expect } from "chai";
import { itemPredicate, type FilterSubject, type Row } from "../../local/personalize-stand-in/filter-evaluate";
import { parseFilterExpression, parseFilterValue } from "../../local/personalize-stand-in/filter-expression";
import { camelCase } from "../../local/personalize-stand-in/item-user-operations";

function refusal(run: () => unknown): { name: string; message: string } {
  try {
    run();
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error("expected a refusal");
}

const ITEMS: Record<string, Row> = {
  "i-1": { ITEM_ID: "i-1", CATEGORY: "electronics", PRICE: "100" },
  "i-2": { ITEM_ID: "i-2", CATEGORY: "books|electronics", PRICE: "15" },
  "i-3": { ITEM_ID: "i-3", CATEGORY: "books", PRICE: "8" },
  "i-4": { ITEM_ID: "i-4", CATEGORY: "garden", PRICE: "40" },
};

function subject(overrides: Partial<FilterSubject> = {}): FilterSubject {
  return {
    item: (id) => ITEMS[id],
    userEvents: new Map([
      ["i-1", new Set(["purchase"])],
      ["i-3", new Set(["click"])],
    ]),
    user: { USER_ID: "u-1", AGE: "15", MEMBERSHIP: "gold" },
    currentItem: undefined,
    ...overrides,
  };
}

const kept = (expression: string, values?: Record<string, string>, over?: Partial<FilterSubject>) => {
  const keep = itemPredicate(parseFilterExpression(expression), values, subject(over));
  return Object.keys(ITEMS).filter(keep);
};

describe("Personalize stand-in: filter expressions (pure)", () => {
  it("parses the documented shapes: placeholders in order, datasets used, AND/OR groups, IF on CurrentUser, parts joined with |", () => {
    const parsed = parseFilterExpression(
      'EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY) AND Items.PRICE > $PRICE OR Items.CATEGORY NOT IN ("x") IF CurrentUser.AGE < 18 | EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase", $EVENT)',
    );
    expect(parsed.placeholders).to.deep.equal(["CATEGORY", "PRICE", "EVENT"]);
    expect(parsed.datasets).to.have.members(["Items", "Interactions", "Users"]);
    expect(parsed.parts.map((p) => [p.action, p.target, p.where.map((g) => g.length), p.when.length])).to.deep.equal([
      ["EXCLUDE", "ItemID", [2, 1], 1],
      ["EXCLUDE", "ItemID", [1], 0],
    ]);
    expect(parsed.parts[1]?.text).to.equal('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase", $EVENT)');
    expect(parseFilterExpression('INCLUDE UserID WHERE Users.MEMBERSHIP IN ("gold")').parts[0]?.target).to.equal("UserID");
    expect(
      parseFilterExpression("INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE AND Items.CATEGORY IN CurrentItem.CATEGORY").parts[0]?.where[0],
    ).to.have.length(2);
    expect(parseFilterExpression('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")').parts[0]?.where[0]?.[0]?.operands).to.deep.equal([{ kind: "any" }]);
  });

  it("refuses what is not a filter expression with InvalidInputException, saying why", () => {
    const cases: [string, string][] = [
      ["", "it is empty"],
      ['KEEP ItemID WHERE Items.A IN ("x")', "starts with INCLUDE or EXCLUDE"],
      ['EXCLUDE Items WHERE Items.A IN ("x")', "followed by ItemID, ActionID or UserID"],
      ['EXCLUDE ItemID Items.A IN ("x")', "must be followed by WHERE"],
      ['EXCLUDE ItemID WHERE Interactions.ITEM_ID IN ("x")', "only by EVENT_TYPE"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x") AND Interactions.EVENT_TYPE IN ("click")', "dataset of the first condition (Items)"],
      ['EXCLUDE ItemID WHERE Users.A IN ("x")', "can use Items or Interactions, not Users"],
      ['EXCLUDE ItemID WHERE CurrentUser.AGE IN ("x")', "only in an IF condition"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x"', "ends where ) was expected"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x)', "is not closed"],
      ['EXCLUDE ItemID WHERE Items.PRICE > "ten"', "compare numbers"],
      ["EXCLUDE ItemID WHERE Items.A IN (x)", "is not a value"],
      ['EXCLUDE ItemID WHERE Items.A IN ("*")', ""],
      ["EXCLUDE ItemID WHERE Items.A IN (*)", "value of Interactions.EVENT_TYPE only"],
      ['EXCLUDE ItemID WHERE Interactions.EVENT_TYPE = "x"', "compared with IN or NOT IN"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x") IF CurrentUser.AGE > 1 IF CurrentUser.AGE < 9', "only once"],
      ['EXCLUDE UserID WHERE Users.A IN ("x") IF CurrentUser.AGE > 1', "item filters (ItemID) only"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x") | IF CurrentUser.AGE > 1', "starts with INCLUDE or EXCLUDE"],
      ['EXCLUDE ActionID WHERE Actions.A IN ("x")', "not modelled"],
      ['EXCLUDE ItemID WHERE Items.A IN ("x") ;', "unexpected character ';'"],
    ];
    for (const [expression, why] of cases) {
      if (why === "") {
        // "*" quoted is just the string "*": valid.
        expect(() => parseFilterExpression(expression)).not.to.throw();
        continue;
      }
      const r = refusal(() => parseFilterExpression(expression));
      expect(r.name, expression).to.equal("InvalidInputException");
      expect(r.message, expression).to.contain(why);
    }
  });

  it("reads filterValues as the runtime API documents them: quoted values separated by commas", () => {
    expect(parseFilterValue("C", '"electronics"')).to.deep.equal(["electronics"]);
    expect(parseFilterValue("C", '"a","b"')).to.deep.equal(["a", "b"]);
    expect(parseFilterValue("C", '"a, with comma", "b"')).to.deep.equal(["a, with comma", "b"]);
    expect(parseFilterValue("P", "10")).to.deep.equal(["10"]);
    for (const bad of ['"a', '"a",', "", '"a" "b"', 'a"b']) expect(refusal(() => parseFilterValue("C", bad)).name, bad).to.equal("InvalidInputException");
  });

  it("applies Items conditions (categorical values split on |, numbers compared), with placeholders substituted", () => {
    expect(kept("INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)", { CATEGORY: '"electronics"' })).to.deep.equal(["i-1", "i-2"]);
    expect(kept("INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)", { CATEGORY: '"books","garden"' })).to.deep.equal(["i-2", "i-3", "i-4"]);
    expect(kept('EXCLUDE ItemID WHERE Items.CATEGORY IN ("books")')).to.deep.equal(["i-1", "i-4"]);
    expect(kept('INCLUDE ItemID WHERE Items.CATEGORY NOT IN ("books")')).to.deep.equal(["i-1", "i-4"]);
    expect(kept("INCLUDE ItemID WHERE Items.PRICE <= $PRICE", { PRICE: '"15"' })).to.deep.equal(["i-2", "i-3"]);
    expect(kept('INCLUDE ItemID WHERE Items.PRICE > 10 AND Items.CATEGORY IN ("books") OR Items.PRICE < 10')).to.deep.equal(["i-2", "i-3"]);
    // Exact strings only ("Amazon Personalize filters only based on exact strings").
    expect(kept('INCLUDE ItemID WHERE Items.CATEGORY IN ("Books")')).to.deep.equal([]);
  });

  it("applies Interactions.EVENT_TYPE to the user's own interactions, * meaning any event type", () => {
    expect(kept('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')).to.deep.equal(["i-2", "i-3", "i-4"]);
    expect(kept('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")')).to.deep.equal(["i-2", "i-4"]);
    expect(kept('INCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("click")')).to.deep.equal(["i-3"]);
    expect(kept("EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ($E)", { E: '"purchase","click"' })).to.deep.equal(["i-2", "i-4"]);
  });

  it("IF CurrentUser: the expression applies only when the user's row satisfies it", () => {
    const expression = 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("electronics") IF CurrentUser.AGE < $AGE';
    expect(kept(expression, { AGE: "18" })).to.deep.equal(["i-3", "i-4"]);
    expect(kept(expression, { AGE: "12" })).to.deep.equal(["i-1", "i-2", "i-3", "i-4"]);
    expect(kept(expression, { AGE: "18" }, { user: undefined })).to.deep.equal(["i-1", "i-2", "i-3", "i-4"]);
  });

  it("CurrentItem: related-items filters compare with the request's item", () => {
    expect(kept("INCLUDE ItemID WHERE Items.PRICE < CurrentItem.PRICE", undefined, { currentItem: ITEMS["i-4"] })).to.deep.equal(["i-2", "i-3"]);
    expect(kept("INCLUDE ItemID WHERE Items.CATEGORY IN CurrentItem.CATEGORY", undefined, { currentItem: ITEMS["i-3"] })).to.deep.equal(["i-2", "i-3"]);
  });

  it("a missing placeholder value: an INCLUDE expression is refused (naming it); an EXCLUDE expression is not used", () => {
    const r = refusal(() => kept("INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)", {}));
    expect(r.name).to.equal("InvalidInputException");
    expect(r.message).to.contain("missing $CATEGORY");
    expect(kept("EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)")).to.deep.equal(["i-1", "i-2", "i-3", "i-4"]);
    // Parts are independent: the INCLUDE part still applies.
    expect(kept('EXCLUDE ItemID WHERE Items.CATEGORY IN ($X) | INCLUDE ItemID WHERE Items.CATEGORY IN ("books")', {})).to.deep.equal(["i-2", "i-3"]);
    expect(refusal(() => kept("INCLUDE ItemID WHERE Items.CATEGORY IN ($C)", { C: '"unclosed' })).name).to.equal("InvalidInputException");
  });

  it("a user-segment filter (UserID) is refused for item recommendations", () => {
    expect(refusal(() => itemPredicate(parseFilterExpression('INCLUDE UserID WHERE Users.MEMBERSHIP IN ("gold")'), {}, subject())).message).to.contain(
      "user segments",
    );
  });

  it("PutItems/PutUsers keys: the schema's field names in camel case", () => {
    expect(["NUMBER_OF_RATINGS", "CATEGORY", "PRICE_L2", "CREATION_TIMESTAMP"].map(camelCase)).to.deep.equal([
      "numberOfRatings",
      "category",
      "priceL2",
      "creationTimestamp",
    ]);
  });
});
