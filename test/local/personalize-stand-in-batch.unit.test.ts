/** The stand-in's answer to one batch input line (local/personalize-stand-in/batch-lines.ts), without S3. */
import { expect } from "chai";
import { answerLine, type LineContext, MAX_ITEM_LIST, parseItemAttributes } from "../../local/personalize-stand-in/batch-lines";
import { TrainedModel } from "../../local/personalize-stand-in/model";

/** a is most popular (3), then b (2), then c (1); u1 had a and b. */
const model = new TrainedModel([
  { userId: "u1", itemId: "a", timestamp: 1 },
  { userId: "u1", itemId: "b", timestamp: 2 },
  { userId: "u2", itemId: "a", timestamp: 3 },
  { userId: "u2", itemId: "b", timestamp: 4 },
  { userId: "u3", itemId: "a", timestamp: 5 },
  { userId: "u3", itemId: "c", timestamp: 6 },
]);

const context = (recipe: string, recipeType: LineContext["recipeType"], numResults = 25): LineContext => ({
  recipe,
  recipeType,
  numResults,
  model,
  interacted: () => [],
  items: [
    { ITEM_ID: "a", GENRES: "Comedy|Action" },
    { ITEM_ID: "b", GENRES: "Comedy" },
    { ITEM_ID: "c", GENRES: "" },
  ],
});

describe("Personalize stand-in: a batch input line and its output line", () => {
  it("parses item attribute expressions: quoted or bare values, AND in any case, escaped quotes; anything else is not one", () => {
    expect(parseItemAttributes('ITEMS.genres = "Comedy" AND ITEMS.audience = "teen"')).to.deep.equal([
      ["genres", "Comedy"],
      ["audience", "teen"],
    ]);
    expect(parseItemAttributes('ITEMS.price = 10 and ITEMS.name = "say \\"hi\\""')).to.deep.equal([
      ["price", "10"],
      ["name", 'say "hi"'],
    ]);
    for (const bad of ['genres = "Comedy"', 'ITEMS.genres IN ("Comedy")', 'ITEMS.genres = "Comedy" OR ITEMS.genres = "Action"', ""]) {
      expect(parseItemAttributes(bad), bad).to.equal(undefined);
    }
  });

  it("Popularity-Count writes items without scores or error; User-Personalization adds scores and error null", () => {
    expect(answerLine('{"userId": "u1"}', context("aws-popularity-count", "USER_PERSONALIZATION"))).to.deep.equal({
      input: { userId: "u1" },
      output: { recommendedItems: ["c"] },
    });
    expect(answerLine('{"userId": "new"}', context("aws-user-personalization", "USER_PERSONALIZATION", 2))).to.deep.equal({
      input: { userId: "new" },
      output: { recommendedItems: ["a", "b"], scores: [0.5, 0.3333333] },
      error: null,
    });
  });

  it("skips blank lines; a JSON array and an over-long itemList are errors on their line; ranking ranks each listed item once", () => {
    const ranking = context("aws-personalized-ranking", "PERSONALIZED_RANKING");
    expect(answerLine("   ", ranking)).to.equal(undefined);
    expect(answerLine('["u1"]', ranking)).to.deep.equal({
      input: ["u1"],
      output: { recommendedItems: [] },
      error: "User error: each line must be a JSON object",
    });
    const list = Array.from({ length: MAX_ITEM_LIST + 1 }, (_, i) => `i${i}`);
    expect(answerLine(JSON.stringify({ userId: "u1", itemList: list }), ranking)?.["error"]).to.equal(
      `User error: itemList holds ${MAX_ITEM_LIST + 1} items; at most ${MAX_ITEM_LIST} can be ranked`,
    );
    expect(answerLine('{"userId": "u1", "itemList": ["c", "a"]}', ranking)).to.deep.equal({
      input: { userId: "u1", itemList: ["c", "a"] },
      output: { recommendedItems: ["a", "c"], scores: [0.6666667, 0.3333333] },
    });
  });

  it("segments: users of an item, and users of the items with every attribute (a|b values match either)", () => {
    expect(answerLine('{"itemId": "c"}', context("aws-item-affinity", "USER_SEGMENTATION"))).to.deep.equal({
      input: { itemId: "c" },
      output: { recommendedUsers: ["u3", "u1", "u2"] },
    });
    expect(
      answerLine(
        '{"itemAttributes": "ITEMS.GENRES = \\"Comedy\\" AND ITEMS.genres = \\"Action\\""}',
        context("aws-item-attribute-affinity", "USER_SEGMENTATION"),
      ),
    ).to.deep.equal({
      itemAttributes: 'ITEMS.GENRES = "Comedy" AND ITEMS.genres = "Action"',
      output: { recommendedUsers: ["u1", "u2", "u3"] },
    });
    expect(
      answerLine('{"itemAttributes": "ITEMS.genres = \\"Comedy\\""}', { ...context("aws-item-attribute-affinity", "USER_SEGMENTATION", 2) }),
    ).to.deep.equal({
      itemAttributes: 'ITEMS.genres = "Comedy"',
      output: { recommendedUsers: ["u1", "u2"] },
    });
  });
});
