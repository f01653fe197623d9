/**
 * The local Personalize stand-in for a live application, through the real SDK clients, with S3 on
 * the emulator and the statuses on the test's clock: filters applied in GetRecommendations and
 * GetPersonalizedRanking, metadata and promotions in the answer, PutItems and PutUsers visible at
 * once, recommenders of a Domain dataset group started and stopped, and a data deletion job removing a
 * user's data so their recommendations change.
 */
import {
  CreateCampaignCommand,
  CreateDataDeletionJobCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateFilterCommand,
  CreateRecommenderCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteFilterCommand,
  DeleteRecommenderCommand,
  DescribeDataDeletionJobCommand,
  DescribeFilterCommand,
  DescribeRecommenderCommand,
  ListDataDeletionJobsCommand,
  ListFiltersCommand,
  ListRecommendersCommand,
  ListTagsForResourceCommand,
  StartRecommenderCommand,
  StopRecommenderCommand,
} from "@aws-sdk/client-personalize";
import { PutItemsCommand, PutUsersCommand } from "@aws-sdk/client-personalize-events";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, type GetRecommendationsCommandInput } from "@aws-sdk/client-personalize-runtime";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import { useEmulator } from "../helpers/emulator";
import { failureOf, type StandInSdkClients, standInSdkClients } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const P = "arn:aws:personalize:us-east-1:123456789012";
const RECIPE = (name: string) => `arn:aws:personalize:::recipe/${name}`;
const DURATIONS = { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 };
const STEP = 3000;
const schema = (name: string, fields: { name: string; type: string | string[] }[]) => JSON.stringify({ type: "record", name, fields, version: "1.0" });
const SCHEMAS = {
  INTERACTIONS: schema("Interactions", [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
    { name: "EVENT_TYPE", type: "string" },
  ]),
  ITEMS: schema("Items", [
    { name: "ITEM_ID", type: "string" },
    { name: "CATEGORY", type: ["null", "string"] },
    { name: "TITLE", type: ["null", "string"] },
    { name: "NUMBER_OF_RATINGS", type: ["null", "int"] },
  ]),
  USERS: schema("Users", [
    { name: "USER_ID", type: "string" },
    { name: "MEMBERSHIP", type: ["null", "string"] },
  ]),
};

const item = (k: number) => `item-${String(k).padStart(3, "0")}`;
const isBooks = (id: string) => Number(id.slice(5)) % 2 === 0;

/** Item k (1-40) clicked by 2 × (41 - k) of 97 users; the buyer purchased item-001 and item-002 and clicked item-003. */
function interactionsCsv(): string {
  const rows = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
  let n = 0;
  for (let k = 1; k <= 40; k++) for (let c = 0; c < 2 * (41 - k); c++, n++) rows.push(`user-${n % 97},${item(k)},${1_700_000_000 + n},click`);
  rows.push(`buyer,${item(1)},1800000000,purchase`, `buyer,${item(2)},1800000001,purchase`, `buyer,${item(3)},1800000002,click`);
  return `${rows.join("\n")}\n`;
}

/** Odd items are electronics, even ones books. */
function itemsCsv(): string {
  const rows = ["ITEM_ID,CATEGORY,TITLE,NUMBER_OF_RATINGS"];
  for (let k = 1; k <= 40; k++) rows.push(`${item(k)},${k % 2 === 1 ? "electronics" : "books"},Title ${k},${k}`);
  return `${rows.join("\n")}\n`;
}

describe("Personalize stand-in: filters, metadata, promotions, ranking, PutItems/PutUsers, recommenders, data deletion (S3 on the emulator)", function () {
  this.timeout(180_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let sdk: StandInSdkClients;
  const group = `${P}:dataset-group/roadmapx-live`;
  const shop = `${P}:dataset-group/roadmapx-shop`;
  const campaign = (name: string) => `${P}:campaign/${name}`;
  const filter = (name: string) => `${P}:filter/${name}`;

  // The emulator is reset before each test (useEmulator): the bucket is made again each time.
  let s3: S3Client;
  const upload = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const recommend = async (input: GetRecommendationsCommandInput) => (await sdk.runtime.send(new GetRecommendationsCommand(input))).itemList ?? [];
  const ids = (list: { itemId?: string }[]) => list.map((i) => i.itemId as string);

  async function datasetGroup(name: string, types: readonly ("INTERACTIONS" | "ITEMS" | "USERS")[], domain?: "ECOMMERCE"): Promise<string> {
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name, domain }));
    for (const type of types) await sdk.personalize.send(new CreateSchemaCommand({ name: `${name}-${type.toLowerCase()}`, schema: SCHEMAS[type], domain }));
    clock.advance(STEP);
    for (const type of types) {
      await sdk.personalize.send(
        new CreateDatasetCommand({
          name: `${name}-${type.toLowerCase()}`,
          datasetGroupArn,
          schemaArn: `${P}:schema/${name}-${type.toLowerCase()}`,
          datasetType: type,
        }),
      );
    }
    clock.advance(STEP);
    for (const [type, body] of [
      ["INTERACTIONS", interactionsCsv()],
      ["ITEMS", itemsCsv()],
    ] as const) {
      if (!types.includes(type)) continue;
      await upload(`personalize/${name}/${type}.csv`, body);
      await sdk.personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: `${name}-import-${type.toLowerCase()}`,
          datasetArn: `${P}:dataset/${name}/${type}`,
          dataSource: { dataLocation: `s3://${BUCKET}/personalize/${name}/${type}.csv` },
          roleArn: ROLE,
        }),
      );
    }
    clock.advance(STEP);
    return datasetGroupArn as string;
  }

  async function deployed(name: string, recipe: string, campaignConfig?: { enableMetadataWithRecommendations: boolean }): Promise<void> {
    const { solutionArn } = await sdk.personalize.send(new CreateSolutionCommand({ name, datasetGroupArn: group, recipeArn: RECIPE(recipe) }));
    clock.advance(STEP);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    clock.advance(STEP);
    await sdk.personalize.send(new CreateCampaignCommand({ name, solutionVersionArn, campaignConfig }));
    clock.advance(STEP);
  }

  async function activeFilter(name: string, filterExpression: string, datasetGroupArn = group): Promise<string> {
    const { filterArn } = await sdk.personalize.send(new CreateFilterCommand({ name, datasetGroupArn, filterExpression }));
    clock.advance(STEP);
    return filterArn as string;
  }

  before(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({ now: clock.now, durations: DURATIONS, s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS } });
    sdk = standInSdkClients(standIn);
    s3 = ctx.makeClients().s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await datasetGroup("roadmapx-live", ["INTERACTIONS", "ITEMS", "USERS"]);
    await deployed("roadmapx-for-you", "aws-user-personalization-v2", { enableMetadataWithRecommendations: true });
    await deployed("roadmapx-plain", "aws-user-personalization");
    await deployed("roadmapx-similar", "aws-similar-items");
    await deployed("roadmapx-ranking", "aws-personalized-ranking-v2", { enableMetadataWithRecommendations: true });
  });
  beforeEach(async () => {
    s3 = ctx.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  after(async () => {
    sdk.destroy();
    await standIn.stop();
  });

  it("CreateFilter: CREATE PENDING > CREATE IN_PROGRESS > ACTIVE with the clock; Describe, ListFilters (`Filters`), tags, DeleteFilter", async () => {
    const expression = 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("books")';
    const { filterArn } = await sdk.personalize.send(
      new CreateFilterCommand({
        name: "roadmapx-lifecycle",
        datasetGroupArn: group,
        filterExpression: expression,
        tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }],
      }),
    );
    expect(filterArn).to.equal(filter("roadmapx-lifecycle"));
    const status = async () => (await sdk.personalize.send(new DescribeFilterCommand({ filterArn }))).filter?.status;
    const statuses = [await status()];
    clock.advance(1000);
    statuses.push(await status());
    clock.advance(2000);
    statuses.push(await status());
    expect(statuses).to.deep.equal(["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]);
    const described = (await sdk.personalize.send(new DescribeFilterCommand({ filterArn }))).filter;
    expect(described).to.deep.include({ name: "roadmapx-lifecycle", filterArn, datasetGroupArn: group, filterExpression: expression });
    const listed = await sdk.personalize.send(new ListFiltersCommand({ datasetGroupArn: group }));
    expect(listed.Filters?.map((f) => [f.name, f.status])).to.deep.include(["roadmapx-lifecycle", "ACTIVE"]);
    expect((await sdk.personalize.send(new ListTagsForResourceCommand({ resourceArn: filterArn }))).tags).to.deep.equal([
      { tagKey: "project", tagValue: "roadmapx-ai" },
    ]);
    const again = await failureOf(
      sdk.personalize.send(new CreateFilterCommand({ name: "roadmapx-lifecycle", datasetGroupArn: group, filterExpression: expression })),
    );
    expect(again.name).to.equal("ResourceAlreadyExistsException");
    await sdk.personalize.send(new DeleteFilterCommand({ filterArn }));
    expect(await status()).to.equal("DELETE PENDING");
    clock.advance(2000);
    expect((await failureOf(sdk.personalize.send(new DescribeFilterCommand({ filterArn })))).name).to.equal("ResourceNotFoundException");
  });

  it("CreateFilter refuses an expression that is not Personalize's, and fields or datasets the group lacks (InvalidInputException, 400)", async () => {
    for (const [filterExpression, why] of [
      ['EXCLUDE ItemID WHERE Items.CATEGORY = "books"', "compare numbers"],
      ["INCLUDE ItemID Items.CATEGORY IN ($C)", "WHERE"],
      ['EXCLUDE ItemID WHERE Items.COLOUR IN ("red")', "not a field of the Items dataset's schema"],
    ] as const) {
      const refused = await failureOf(sdk.personalize.send(new CreateFilterCommand({ name: "roadmapx-bad", datasetGroupArn: group, filterExpression })));
      expect(refused).to.deep.include({ name: "InvalidInputException", status: 400 });
      expect(refused.message, filterExpression).to.contain(why);
    }
  });

  it("a filter really excludes the items the user purchased: related items and a ranking lose item-001 and item-002, keep the clicked item-003", async () => {
    const noPurchased = await activeFilter("roadmapx-no-purchased", 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")');
    const related = { campaignArn: campaign("roadmapx-similar"), itemId: item(5), userId: "buyer", numResults: 10 };
    const unfiltered = ids(await recommend(related));
    expect(unfiltered).to.include.members([item(1), item(2), item(3)]);
    const filtered = ids(await recommend({ ...related, filterArn: noPurchased }));
    expect(filtered).to.not.include.members([item(1)]);
    expect(filtered).to.not.include(item(2));
    expect(filtered).to.include(item(3));
    expect(filtered).to.have.length(10);
    const ranked = await sdk.runtime.send(
      new GetPersonalizedRankingCommand({
        campaignArn: campaign("roadmapx-ranking"),
        userId: "buyer",
        inputList: [item(4), item(2), item(1), item(3)],
        filterArn: noPurchased,
      }),
    );
    expect(ids(ranked.personalizedRanking ?? [])).to.deep.equal([item(3), item(4)]);
  });

  it("INCLUDE Items.CATEGORY IN ($CATEGORY) with filterValues: only that category; several values; a missing value is refused", async () => {
    const byCategory = await activeFilter("roadmapx-category", "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)");
    const base = { campaignArn: campaign("roadmapx-plain"), userId: "user-5", numResults: 10, filterArn: byCategory };
    const books = ids(await recommend({ ...base, filterValues: { CATEGORY: '"books"' } }));
    expect(books).to.have.length(10);
    expect(books.every(isBooks), books.join()).to.equal(true);
    const both = ids(await recommend({ ...base, filterValues: { CATEGORY: '"books","electronics"' } }));
    expect(both).to.deep.equal(ids(await recommend({ campaignArn: campaign("roadmapx-plain"), userId: "user-5", numResults: 10 })));
    const missing = await failureOf(recommend({ ...base, filterValues: {} }));
    expect(missing).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(missing.message).to.contain("$CATEGORY");
    const tooMany = await failureOf(recommend({ ...base, filterValues: Object.fromEntries(Array.from({ length: 26 }, (_, i) => [`K${i}`, '"x"'])) }));
    expect(tooMany.message).to.contain("less than or equal to 25");
  });

  it("a filter of another dataset group, one not yet ACTIVE, or one that does not exist is refused", async () => {
    await datasetGroup("roadmapx-other", ["INTERACTIONS", "ITEMS"]);
    const foreign = await activeFilter("roadmapx-foreign", 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("books")', `${P}:dataset-group/roadmapx-other`);
    const base = { campaignArn: campaign("roadmapx-plain"), userId: "user-5" };
    const other = await failureOf(recommend({ ...base, filterArn: foreign }));
    expect(other).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(other.message).to.contain("belongs to the dataset group");
    const { filterArn: young } = await sdk.personalize.send(
      new CreateFilterCommand({ name: "roadmapx-young", datasetGroupArn: group, filterExpression: 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("books")' }),
    );
    const pending = await failureOf(recommend({ ...base, filterArn: young }));
    expect(pending.message).to.contain("CREATE PENDING");
    expect((await failureOf(recommend({ ...base, filterArn: filter("roadmapx-none") }))).status).to.equal(404);
    clock.advance(STEP);
  });

  it("metadataColumns: the Items columns of each item for a campaign created with enableMetadataWithRecommendations; refused otherwise", async () => {
    const list = await recommend({
      campaignArn: campaign("roadmapx-for-you"),
      userId: "user-5",
      numResults: 3,
      metadataColumns: { ITEMS: ["TITLE", "CATEGORY"] },
    });
    expect(list.map((i) => [i.itemId, i.metadata])).to.deep.equal(
      ids(list).map((id) => [id, { TITLE: `Title ${Number(id.slice(5))}`, CATEGORY: isBooks(id) ? "books" : "electronics" }]),
    );
    const notEnabled = await failureOf(recommend({ campaignArn: campaign("roadmapx-plain"), userId: "user-5", metadataColumns: { ITEMS: ["TITLE"] } }));
    expect(notEnabled).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(notEnabled.message).to.contain("enableMetadataWithRecommendations");
    const unknown = await failureOf(recommend({ campaignArn: campaign("roadmapx-for-you"), userId: "user-5", metadataColumns: { ITEMS: ["COLOUR"] } }));
    expect(unknown.message).to.contain("COLOUR");
    const over50 = await failureOf(
      recommend({ campaignArn: campaign("roadmapx-for-you"), userId: "user-5", numResults: 51, metadataColumns: { ITEMS: ["TITLE"] } }),
    );
    expect(over50.message).to.contain("less than or equal to 50");
    const ranked = await sdk.runtime.send(
      new GetPersonalizedRankingCommand({
        campaignArn: campaign("roadmapx-ranking"),
        userId: "u",
        inputList: [item(9), item(1)],
        metadataColumns: { ITEMS: ["NUMBER_OF_RATINGS"] },
      }),
    );
    expect(ranked.personalizedRanking?.map((i) => [i.itemId, i.metadata])).to.deep.equal([
      [item(1), { NUMBER_OF_RATINGS: "1" }],
      [item(9), { NUMBER_OF_RATINGS: "9" }],
    ]);
  });

  it("promotions: that share of the slots filled from the promotion's filter, marked with promotionName and (User-Personalization-v2) reason", async () => {
    const books = await activeFilter("roadmapx-promote-books", 'INCLUDE ItemID WHERE Items.CATEGORY IN ("books")');
    const electronics = await activeFilter("roadmapx-only-electronics", 'INCLUDE ItemID WHERE Items.CATEGORY IN ("electronics")');
    const list = await recommend({
      campaignArn: campaign("roadmapx-for-you"),
      userId: "user-5",
      numResults: 10,
      filterArn: electronics,
      promotions: [{ name: "books-week", percentPromotedItems: 30, filterArn: books }],
    });
    const promoted = list.filter((i) => i.promotionName === "books-week");
    expect(promoted).to.have.length(3);
    expect(promoted.every((i) => isBooks(i.itemId as string) && i.reason?.[0] === "Promoted item")).to.equal(true);
    const rest = list.filter((i) => i.promotionName === undefined);
    expect(rest).to.have.length(7);
    expect(rest.every((i) => !isBooks(i.itemId as string) && i.reason === undefined)).to.equal(true);
    const twoPromotions = await failureOf(
      recommend({
        campaignArn: campaign("roadmapx-for-you"),
        userId: "user-5",
        promotions: [
          { name: "a", percentPromotedItems: 10, filterArn: books },
          { name: "b", percentPromotedItems: 10, filterArn: books },
        ],
      }),
    );
    expect(twoPromotions.message).to.contain("less than or equal to 1");
    const plain = await recommend({
      campaignArn: campaign("roadmapx-plain"),
      userId: "user-5",
      numResults: 4,
      promotions: [{ name: "p", percentPromotedItems: 50, filterArn: books }],
    });
    expect(plain.filter((i) => i.promotionName === "p").map((i) => i.reason)).to.deep.equal([undefined, undefined]);
  });

  it("GetPersonalizedRanking: re-ranks the list (unknown items last), only with a PERSONALIZED_RANKING campaign; context validated", async () => {
    const ranked = await sdk.runtime.send(
      new GetPersonalizedRankingCommand({
        campaignArn: campaign("roadmapx-ranking"),
        userId: "user-5",
        inputList: ["new-thing", item(30), item(2), item(10)],
        context: { DEVICE: "phone" },
      }),
    );
    expect(ids(ranked.personalizedRanking ?? [])).to.deep.equal([item(2), item(10), item(30), "new-thing"]);
    expect(ranked.personalizedRanking?.[3]?.score).to.equal(undefined);
    expect(ranked.recommendationId).to.be.a("string");
    const wrong = await failureOf(
      sdk.runtime.send(new GetPersonalizedRankingCommand({ campaignArn: campaign("roadmapx-plain"), userId: "u", inputList: [item(1)] })),
    );
    expect(wrong).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(wrong.message).to.contain("PERSONALIZED_RANKING");
    const recs = await failureOf(recommend({ campaignArn: campaign("roadmapx-ranking"), userId: "u" }));
    expect(recs.message).to.contain("GetPersonalizedRanking");
    const tooLong = await failureOf(
      sdk.runtime.send(
        new GetPersonalizedRankingCommand({
          campaignArn: campaign("roadmapx-ranking"),
          userId: "u",
          inputList: Array.from({ length: 501 }, (_, i) => `i${i}`),
        }),
      ),
    );
    expect(tooLong.message).to.contain("less than or equal to 500");
    const badContext = await failureOf(recommend({ campaignArn: campaign("roadmapx-plain"), userId: "u", context: { "bad key": "x" } }));
    expect(badContext).to.deep.include({ name: "InvalidInputException", status: 400 });
  });

  it("PutItems and PutUsers: the records replace the rows at once, so metadata and filters see them; keys must be the schema's camelCase fields", async () => {
    await sdk.events.send(
      new PutItemsCommand({
        datasetArn: `${P}:dataset/roadmapx-live/ITEMS`,
        items: [{ itemId: item(2), properties: JSON.stringify({ title: "Renamed", category: "books", numberOfRatings: 7 }) }],
      }),
    );
    const ranked = await sdk.runtime.send(
      new GetPersonalizedRankingCommand({
        campaignArn: campaign("roadmapx-ranking"),
        userId: "u",
        inputList: [item(2)],
        metadataColumns: { ITEMS: ["TITLE", "NUMBER_OF_RATINGS"] },
      }),
    );
    expect(ranked.personalizedRanking?.[0]?.metadata).to.deep.equal({ TITLE: "Renamed", NUMBER_OF_RATINGS: "7" });
    const goldNoElectronics = await activeFilter(
      "roadmapx-gold",
      'EXCLUDE ItemID WHERE Items.CATEGORY IN ("electronics") IF CurrentUser.MEMBERSHIP IN ("gold")',
    );
    const asked = { campaignArn: campaign("roadmapx-plain"), userId: "user-7", numResults: 6, filterArn: goldNoElectronics };
    expect(ids(await recommend(asked)).some((id) => !isBooks(id))).to.equal(true);
    await sdk.events.send(
      new PutUsersCommand({ datasetArn: `${P}:dataset/roadmapx-live/USERS`, users: [{ userId: "user-7", properties: '{"membership": "gold"}' }] }),
    );
    expect(ids(await recommend(asked)).every(isBooks)).to.equal(true);

    const unknownKey = await failureOf(
      sdk.events.send(
        new PutItemsCommand({ datasetArn: `${P}:dataset/roadmapx-live/ITEMS`, items: [{ itemId: "x", properties: '{"NUMBER_OF_RATINGS": 3}' }] }),
      ),
    );
    expect(unknownKey).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(unknownKey.message).to.contain("numberOfRatings");
    const badType = await failureOf(
      sdk.events.send(
        new PutItemsCommand({ datasetArn: `${P}:dataset/roadmapx-live/ITEMS`, items: [{ itemId: "x", properties: '{"numberOfRatings": "many"}' }] }),
      ),
    );
    expect(badType.message).to.contain("not a valid int");
    const eleven = Array.from({ length: 11 }, (_, i) => ({ userId: `u${i}` }));
    expect((await failureOf(sdk.events.send(new PutUsersCommand({ datasetArn: `${P}:dataset/roadmapx-live/USERS`, users: eleven })))).message).to.contain(
      "less than or equal to 10",
    );
    const wrongDataset = await failureOf(sdk.events.send(new PutUsersCommand({ datasetArn: `${P}:dataset/roadmapx-live/ITEMS`, users: [{ userId: "u" }] })));
    expect(wrongDataset.message).to.contain("USERS dataset");
    const noDataset = await failureOf(sdk.events.send(new PutItemsCommand({ datasetArn: `${P}:dataset/roadmapx-none/ITEMS`, items: [{ itemId: "i" }] })));
    expect(noDataset).to.deep.include({ name: "ResourceNotFoundException", status: 404 });
    const longId = await failureOf(
      sdk.events.send(new PutItemsCommand({ datasetArn: `${P}:dataset/roadmapx-live/ITEMS`, items: [{ itemId: "x".repeat(257) }] })),
    );
    expect(longId.message).to.contain("less than or equal to 256");
  });

  it("recommenders: only in a Domain dataset group with its domain's use cases; CREATE > ACTIVE, STOP > INACTIVE, START > ACTIVE, DELETE with the clock", async () => {
    await datasetGroup("roadmapx-shop", ["INTERACTIONS", "ITEMS"], "ECOMMERCE");
    const create = (overrides: Record<string, unknown> = {}) =>
      sdk.personalize.send(
        new CreateRecommenderCommand({
          name: "roadmapx-for-you",
          datasetGroupArn: shop,
          recipeArn: RECIPE("aws-ecomm-recommended-for-you"),
          recommenderConfig: { minRecommendationRequestsPerSecond: 1, enableMetadataWithRecommendations: true },
          ...overrides,
        }),
      );
    const refusals = [
      await failureOf(create({ datasetGroupArn: group })),
      await failureOf(create({ recipeArn: RECIPE("aws-vod-top-picks") })),
      await failureOf(create({ recipeArn: RECIPE("aws-user-personalization") })),
      await failureOf(create({ recommenderConfig: { minRecommendationRequestsPerSecond: 0 } })),
    ];
    expect(refusals.map((r) => r.name)).to.deep.equal(["InvalidInputException", "InvalidInputException", "InvalidInputException", "InvalidInputException"]);
    expect(refusals.map((r) => r.message)).to.satisfy(
      (m: string[]) => m[0]?.includes("not a Domain dataset group") && m[1]?.includes("VIDEO_ON_DEMAND use case") && m[2]?.includes("custom recipe"),
    );
    expect((await failureOf(create({ recipeArn: RECIPE("aws-no-such-use-case") }))).name).to.equal("ResourceNotFoundException");

    const { recommenderArn } = await create();
    expect(recommenderArn).to.equal(`${P}:recommender/roadmapx-for-you`);
    const statuses: string[] = [];
    const status = async () => {
      const s = (await sdk.personalize.send(new DescribeRecommenderCommand({ recommenderArn }))).recommender?.status as string;
      statuses.push(s);
      return s;
    };
    await status();
    clock.advance(1000);
    await status();
    expect((await failureOf(recommend({ recommenderArn, userId: "user-5" }))).name).to.equal("ResourceNotFoundException");
    clock.advance(2000);
    await status();
    const served = await recommend({ recommenderArn, userId: "user-5", numResults: 3, metadataColumns: { ITEMS: ["CATEGORY"] } });
    expect(served).to.have.length(3);
    expect(served.every((i) => i.metadata?.CATEGORY !== undefined)).to.equal(true);
    const described = (await sdk.personalize.send(new DescribeRecommenderCommand({ recommenderArn }))).recommender;
    expect(described?.recommenderConfig).to.deep.equal({ minRecommendationRequestsPerSecond: 1, enableMetadataWithRecommendations: true });
    expect(described?.modelMetrics).to.have.property("coverage");
    expect((await failureOf(sdk.personalize.send(new StartRecommenderCommand({ recommenderArn })))).name).to.equal("ResourceInUseException");

    await sdk.personalize.send(new StopRecommenderCommand({ recommenderArn }));
    await status();
    clock.advance(1000);
    await status();
    clock.advance(2000);
    await status();
    const stopped = await failureOf(recommend({ recommenderArn, userId: "user-5" }));
    expect(stopped).to.deep.include({ name: "ResourceNotFoundException", status: 404 });
    expect(stopped.message).to.contain("INACTIVE");
    await sdk.personalize.send(new StartRecommenderCommand({ recommenderArn }));
    await status();
    clock.advance(1000);
    await status();
    clock.advance(2000);
    await status();
    expect(await recommend({ recommenderArn, userId: "user-5", numResults: 3 })).to.have.length(3);
    expect(statuses).to.deep.equal([
      "CREATE PENDING",
      "CREATE IN_PROGRESS",
      "ACTIVE",
      "STOP PENDING",
      "STOP IN_PROGRESS",
      "INACTIVE",
      "START PENDING",
      "START IN_PROGRESS",
      "ACTIVE",
    ]);
    const listed = await sdk.personalize.send(new ListRecommendersCommand({ datasetGroupArn: shop }));
    expect(listed.recommenders?.map((r) => [r.name, r.status, r.recipeArn])).to.deep.equal([
      ["roadmapx-for-you", "ACTIVE", RECIPE("aws-ecomm-recommended-for-you")],
    ]);
    await sdk.personalize.send(new DeleteRecommenderCommand({ recommenderArn }));
    expect(await status()).to.equal("DELETE PENDING");
    clock.advance(2000);
    expect((await failureOf(sdk.personalize.send(new DescribeRecommenderCommand({ recommenderArn })))).name).to.equal("ResourceNotFoundException");
  });

  it("a use case that trains on one event type fails without enough of those events (CREATE FAILED with the reason)", async () => {
    const { recommenderArn } = await sdk.personalize.send(
      new CreateRecommenderCommand({ name: "roadmapx-best-sellers", datasetGroupArn: shop, recipeArn: RECIPE("aws-ecomm-popular-items-by-purchases") }),
    );
    clock.advance(STEP);
    const r = (await sdk.personalize.send(new DescribeRecommenderCommand({ recommenderArn }))).recommender;
    expect(r?.status).to.equal("CREATE FAILED");
    expect(r?.failureReason).to.contain("Purchase events");
  });

  it("data deletion: PENDING > IN_PROGRESS > COMPLETED; the user's interactions and Users row are gone, so their recommendations change", async () => {
    const before = ids(await recommend({ campaignArn: campaign("roadmapx-plain"), userId: "buyer", numResults: 5 }));
    expect(before).to.not.include.members([item(1)]);
    expect(before).to.deep.equal([item(4), item(5), item(6), item(7), item(8)]);
    await sdk.events.send(
      new PutUsersCommand({ datasetArn: `${P}:dataset/roadmapx-live/USERS`, users: [{ userId: "buyer", properties: '{"membership": "gold"}' }] }),
    );
    await upload("personalize/deletions/roadmapx-delete-1.csv", "USER_ID\nbuyer\nnobody\n");
    const { dataDeletionJobArn } = await sdk.personalize.send(
      new CreateDataDeletionJobCommand({
        jobName: "roadmapx-delete-1",
        datasetGroupArn: group,
        dataSource: { dataLocation: `s3://${BUCKET}/personalize/deletions/roadmapx-delete-1.csv` },
        roleArn: ROLE,
      }),
    );
    expect(dataDeletionJobArn).to.equal(`${P}:data-deletion-job/roadmapx-delete-1`);
    const describe = async () => (await sdk.personalize.send(new DescribeDataDeletionJobCommand({ dataDeletionJobArn }))).dataDeletionJob;
    const statuses = [(await describe())?.status];
    clock.advance(1000);
    statuses.push((await describe())?.status);
    expect(ids(await recommend({ campaignArn: campaign("roadmapx-plain"), userId: "buyer", numResults: 5 }))).to.deep.equal(before);
    clock.advance(2000);
    const done = await describe();
    statuses.push(done?.status);
    expect(statuses).to.deep.equal(["PENDING", "IN_PROGRESS", "COMPLETED"]);
    expect(done).to.deep.include({ jobName: "roadmapx-delete-1", datasetGroupArn: group, roleArn: ROLE, numDeleted: 1 });
    expect(done?.dataSource?.dataLocation).to.equal(`s3://${BUCKET}/personalize/deletions/roadmapx-delete-1.csv`);
    // Forgotten by the data and the model: a cold user, who gets the most popular items, item-001 first.
    const after = ids(await recommend({ campaignArn: campaign("roadmapx-plain"), userId: "buyer", numResults: 5 }));
    expect(after).to.deep.equal([item(1), item(2), item(3), item(4), item(5)]);
    expect(standIn.datasetRecords(`${P}:dataset/roadmapx-live/USERS`)?.imported).to.equal(1);
  });

  it("data deletion fails with a failureReason for a missing object or a header that is not USER_ID; the role is required", async () => {
    await upload("personalize/deletions/bad-header.csv", "USERID\nbuyer\n");
    for (const [jobName, key] of [
      ["roadmapx-delete-missing", "personalize/deletions/missing.csv"],
      ["roadmapx-delete-header", "personalize/deletions/bad-header.csv"],
    ] as const) {
      await sdk.personalize.send(
        new CreateDataDeletionJobCommand({ jobName, datasetGroupArn: group, dataSource: { dataLocation: `s3://${BUCKET}/${key}` }, roleArn: ROLE }),
      );
    }
    clock.advance(STEP);
    const jobs = (await sdk.personalize.send(new ListDataDeletionJobsCommand({ datasetGroupArn: group }))).dataDeletionJobs ?? [];
    const failed = Object.fromEntries(jobs.filter((j) => j.status === "FAILED").map((j) => [j.jobName, j.failureReason]));
    expect(failed["roadmapx-delete-missing"]).to.contain("NoSuchKey");
    expect(failed["roadmapx-delete-header"]).to.contain("USER_ID");
    const noRole = await failureOf(
      sdk.personalize.send(
        new CreateDataDeletionJobCommand({
          jobName: "roadmapx-delete-x",
          datasetGroupArn: group,
          dataSource: { dataLocation: `s3://${BUCKET}/k.csv` },
          roleArn: undefined,
        }),
      ),
    );
    expect(noRole).to.deep.include({ name: "InvalidInputException", status: 400 });
    const noGroup = await failureOf(
      sdk.personalize.send(
        new CreateDataDeletionJobCommand({
          jobName: "roadmapx-delete-y",
          datasetGroupArn: `${P}:dataset-group/none`,
          dataSource: { dataLocation: `s3://${BUCKET}/k.csv` },
          roleArn: ROLE,
        }),
      ),
    );
    expect(noGroup.name).to.equal("ResourceNotFoundException");
  });
});
