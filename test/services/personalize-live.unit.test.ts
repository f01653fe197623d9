/**
 * Personalize for a live application (filters, recommendations with metadata and promotions,
 * ranking, PutItems/PutUsers, recommenders, cleanup order, user data deletion) without AWS: the
 * Personalize clients are mocked with aws-sdk-client-mock (the emulator has no Personalize beyond
 * schemas), S3 is the in-memory FakeS3 the upload tests use. Waits run on a no-op sleep.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateDataDeletionJobCommand,
  CreateDatasetGroupCommand,
  CreateSchemaCommand,
  ListDatasetGroupsCommand,
  ListSchemasCommand,
  CreateFilterCommand,
  CreateRecommenderCommand,
  DeleteCampaignCommand,
  DeleteDatasetCommand,
  DeleteDatasetGroupCommand,
  DeleteFilterCommand,
  DeleteRecommenderCommand,
  DeleteSolutionCommand,
  DescribeCampaignCommand,
  DescribeDataDeletionJobCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeFilterCommand,
  DescribeRecommenderCommand,
  DescribeSchemaCommand,
  DescribeSolutionCommand,
  ListCampaignsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListFiltersCommand,
  ListRecommendersCommand,
  ListSolutionsCommand,
  PersonalizeClient,
  StartRecommenderCommand,
  StopRecommenderCommand,
} from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient, PutItemsCommand, PutUsersCommand } from "@aws-sdk/client-personalize-events";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import type { ServiceContext } from "../../services/context";
import {
  DELETION_CHUNK_BYTES,
  DeletionInputError,
  FilterValuesError,
  PersonalizeService,
  RecordValidationError,
  WorkflowError,
  camelCaseField,
  deletionCsv,
  filterPlaceholders,
  formatFilterValues,
  parseSchema,
} from "../../services/personalize";
import { requiredFilterPlaceholders } from "../../services/personalize/filter-values";
import { WaitFailedError } from "../../services/poll";
import { AiStorage } from "../../services/storage";
import { BUCKET, FakeS3, failure } from "../helpers/fake-s3";
import {
  P,
  GROUP,
  CAMPAIGN,
  RECOMMENDER,
  CATEGORY_FILTER,
  PROMO_FILTER,
  ITEMS,
  USERS,
  ROLE,
  FOR_YOU,
  CATEGORY_EXPRESSION,
  PROMO_EXPRESSION,
} from "../helpers/personalize-live";

const noSleep = () => Promise.resolve();
const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });

const itemsSchema = parseSchema("items", {
  type: "record",
  name: "Items",
  fields: [
    { name: "ITEM_ID", type: "string" },
    { name: "CATEGORY", type: ["null", "string"], categorical: true },
    { name: "PRICE", type: "double" },
    { name: "NUMBER_OF_RATINGS", type: ["null", "int"] },
    { name: "IN_STOCK", type: ["null", "boolean"] },
  ],
});

describe("Personalize for a live application (aws-sdk-client-mock: the emulator has no Personalize beyond schemas; S3 in memory)", () => {
  let personalize: AwsClientStub<PersonalizeClient>;
  let runtime: AwsClientStub<PersonalizeRuntimeClient>;
  let events: AwsClientStub<PersonalizeEventsClient>;
  let s3: FakeS3;
  let log: string[];
  let ctx: ServiceContext;
  let service: PersonalizeService;

  before(() => {
    personalize = mockClient(PersonalizeClient);
    runtime = mockClient(PersonalizeRuntimeClient);
    events = mockClient(PersonalizeEventsClient);
  });
  after(() => {
    personalize.restore();
    runtime.restore();
    events.restore();
  });
  beforeEach(() => {
    personalize.reset();
    runtime.reset();
    events.reset();
    s3 = new FakeS3();
    log = [];
    const options = { region: "us-east-1", credentials: DUMMY_CREDENTIALS };
    const clients = {
      s3,
      personalize: new PersonalizeClient(options),
      personalizeRuntime: new PersonalizeRuntimeClient(options),
      personalizeEvents: new PersonalizeEventsClient(options),
    } as never;
    ctx = {
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: { info: (m) => log.push(`info ${m}`), warn: (m) => log.push(`warn ${m}`) },
    };
    service = new PersonalizeService(ctx, { sleep: noSleep, intervalMs: 1 });
  });

  describe("filter placeholders (pure)", () => {
    it("finds $NAME placeholders outside quotes, tells the INCLUDE parts' (required) from the EXCLUDE parts'", () => {
      expect(filterPlaceholders(CATEGORY_EXPRESSION)).to.deep.equal(["CATEGORY", "BRAND"]);
      expect(requiredFilterPlaceholders(CATEGORY_EXPRESSION)).to.deep.equal(["CATEGORY"]);
      expect(filterPlaceholders('EXCLUDE ItemID WHERE Items.TITLE IN ("$5 deal") | INCLUDE ItemID WHERE Items.PRICE < $MAX_PRICE')).to.deep.equal([
        "MAX_PRICE",
      ]);
      expect(filterPlaceholders('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')).to.deep.equal([]);
    });

    it("writes values as Personalize reads them: quoted strings, comma-separated lists, bare numbers", () => {
      expect(formatFilterValues(CATEGORY_EXPRESSION, { CATEGORY: "electronics" })).to.deep.equal({ CATEGORY: '"electronics"' });
      expect(formatFilterValues(CATEGORY_EXPRESSION, { CATEGORY: ["a", "b"], BRAND: "acme" })).to.deep.equal({ CATEGORY: '"a","b"', BRAND: '"acme"' });
      expect(formatFilterValues(PROMO_EXPRESSION, { MAX_PRICE: 20 })).to.deep.equal({ MAX_PRICE: "20" });
    });

    it("refuses missing and unknown placeholders, naming them and the expression's placeholders", () => {
      const refused = (values: Record<string, string>) => {
        try {
          formatFilterValues(CATEGORY_EXPRESSION, values);
        } catch (err) {
          expect(err).to.be.instanceOf(FilterValuesError);
          return (err as Error).message;
        }
        throw new Error("expected a refusal");
      };
      expect(refused({})).to.equal(
        `the filter (${CATEGORY_EXPRESSION}) needs a value for $CATEGORY (an INCLUDE part's placeholders must all be given); its placeholders: $CATEGORY, $BRAND`,
      );
      expect(refused({ CATEGORY: "x", GENRE: "y" })).to.equal(
        `filter value GENRE is not a placeholder of the filter (${CATEGORY_EXPRESSION}); its placeholders: $CATEGORY, $BRAND`,
      );
      expect(refused({ CATEGORY: "x".repeat(999) })).to.match(/CATEGORY is 1001 characters once quoted; Personalize allows 1000/);
      expect(refused({ CATEGORY: 'say "hi"' })).to.match(/holds a double quote/);
    });
  });

  describe("recommendations and ranking", () => {
    const describeFilters = () => {
      personalize
        .on(DescribeFilterCommand, { filterArn: CATEGORY_FILTER })
        .resolves({ filter: { filterArn: CATEGORY_FILTER, filterExpression: CATEGORY_EXPRESSION, status: "ACTIVE" } });
      personalize
        .on(DescribeFilterCommand, { filterArn: PROMO_FILTER })
        .resolves({ filter: { filterArn: PROMO_FILTER, filterExpression: PROMO_EXPRESSION, status: "ACTIVE" } });
    };

    it("refuses missing or unknown placeholders before any runtime call (the filter described once)", async () => {
      describeFilters();
      const missing = await failure(() => service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", filterArn: CATEGORY_FILTER }));
      expect(missing).to.be.instanceOf(FilterValuesError);
      expect((missing as Error).message).to.include(`filter ${CATEGORY_FILTER} (${CATEGORY_EXPRESSION}) needs a value for $CATEGORY`);
      const unknown = await failure(() =>
        service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", filterArn: CATEGORY_FILTER, filterValues: { CATEGORY: "x", COLOR: "red" } }),
      );
      expect((unknown as Error).message).to.include("filter value COLOR is not a placeholder of");
      const promoMissing = await failure(() =>
        service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", promotions: [{ name: "own", percentPromotedItems: 20, filterArn: PROMO_FILTER }] }),
      );
      expect((promoMissing as Error).message).to.include("needs a value for $MAX_PRICE");
      const noFilter = await failure(() => service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", filterValues: { CATEGORY: "x" } }));
      expect((noFilter as Error).message).to.equal("filterValues were given without a filterArn: pass the filter they belong to");
      expect(runtime.calls(), "no runtime call").to.have.length(0);
      expect(personalize.commandCalls(DescribeFilterCommand).map((c) => c.args[0].input.filterArn)).to.deep.equal([CATEGORY_FILTER, PROMO_FILTER]);
    });

    it("sends filters, metadata, promotions and context exactly, and maps every item field", async () => {
      describeFilters();
      runtime.on(GetRecommendationsCommand).resolves({
        recommendationId: "rid-1",
        itemList: [
          { itemId: "i1", score: 0.5, metadata: { TITLE: "Lamp", PRICE: "12.5" }, reason: ["Promoted item"], promotionName: "own" },
          { itemId: "i2", score: 0.25, metadata: { TITLE: "Desk", PRICE: "80" } },
          { itemId: "i3" },
          { score: 0.1 },
        ],
      });
      const items = await service.getRecommendations({
        campaignArn: CAMPAIGN,
        userId: "u1",
        numResults: 10,
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: ["lamps", "desks"] },
        metadataColumns: ["TITLE", "PRICE"],
        promotions: [{ name: "own", percentPromotedItems: 20, filterArn: PROMO_FILTER, filterValues: { MAX_PRICE: 50 } }],
        context: { DEVICE: "mobile" },
      });
      expect(runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input).to.deep.equal({
        campaignArn: CAMPAIGN,
        userId: "u1",
        numResults: 10,
        context: { DEVICE: "mobile" },
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: '"lamps","desks"' },
        metadataColumns: { ITEMS: ["TITLE", "PRICE"] },
        promotions: [{ name: "own", percentPromotedItems: 20, filterArn: PROMO_FILTER, filterValues: { MAX_PRICE: "50" } }],
      });
      expect(items).to.deep.equal([
        { itemId: "i1", score: 0.5, reason: ["Promoted item"], promotionName: "own", metadata: { TITLE: "Lamp", PRICE: "12.5" } },
        { itemId: "i2", score: 0.25, metadata: { TITLE: "Desk", PRICE: "80" } },
        { itemId: "i3" },
      ]);
      // A recommender instead of a campaign, related items, the filter's EXCLUDE placeholder left out; no new DescribeFilter.
      await service.getRecommendations({ recommenderArn: RECOMMENDER, itemId: "i9", filterArn: CATEGORY_FILTER, filterValues: { CATEGORY: "lamps" } });
      expect(runtime.commandCalls(GetRecommendationsCommand)[1]?.args[0].input).to.deep.equal({
        recommenderArn: RECOMMENDER,
        itemId: "i9",
        numResults: 25,
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: '"lamps"' },
      });
      expect(personalize.commandCalls(DescribeFilterCommand)).to.have.length(2);
    });

    it("refuses both or neither of campaign and recommender, and more than 50 results with metadata", async () => {
      const both = await failure(() => service.getRecommendations({ campaignArn: CAMPAIGN, recommenderArn: RECOMMENDER, userId: "u1" }));
      expect((both as Error).message).to.equal("give exactly one of campaignArn (a campaign) and recommenderArn (a domain recommender)");
      const neither = await failure(() => service.getRecommendations({ userId: "u1" }));
      expect(neither).to.be.instanceOf(WorkflowError);
      const many = await failure(() => service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", numResults: 51, metadataColumns: ["TITLE"] }));
      expect((many as Error).message).to.equal("numResults must be between 1 and 50 when metadataColumns are asked for (got 51)");
      const promo = await failure(() =>
        service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", promotions: [{ name: "p", percentPromotedItems: 0, filterArn: PROMO_FILTER }] }),
      );
      expect((promo as Error).message).to.equal("promotions[0] (p): percentPromotedItems must be a whole number from 1 to 100 (got 0)");
      expect(runtime.calls()).to.have.length(0);
      expect(personalize.calls()).to.have.length(0);
    });

    it("re-ranks a list through a campaign with a filter and metadata, mapped exactly", async () => {
      describeFilters();
      runtime.on(GetPersonalizedRankingCommand).resolves({
        personalizedRanking: [
          { itemId: "b", score: 0.7, metadata: { TITLE: "B" } },
          { itemId: "a", score: 0.3, metadata: { TITLE: "A" } },
        ],
      });
      const ranked = await service.getPersonalizedRanking({
        campaignArn: CAMPAIGN,
        userId: "u1",
        items: ["a", "b"],
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: "books" },
        metadataColumns: ["TITLE"],
      });
      expect(runtime.commandCalls(GetPersonalizedRankingCommand)[0]?.args[0].input).to.deep.equal({
        campaignArn: CAMPAIGN,
        userId: "u1",
        inputList: ["a", "b"],
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: '"books"' },
        metadataColumns: { ITEMS: ["TITLE"] },
      });
      expect(ranked).to.deep.equal([
        { itemId: "b", score: 0.7, metadata: { TITLE: "B" } },
        { itemId: "a", score: 0.3, metadata: { TITLE: "A" } },
      ]);
      const tooMany = await failure(() =>
        service.getPersonalizedRanking({
          campaignArn: CAMPAIGN,
          userId: "u1",
          items: Array.from({ length: 51 }, (_, i) => `i${i}`),
          metadataColumns: ["TITLE"],
        }),
      );
      expect((tooMany as Error).message).to.equal("items must list 1 to 50 item ids when metadataColumns are asked for (got 51)");
      expect(runtime.commandCalls(GetPersonalizedRankingCommand)).to.have.length(1);
    });
  });

  describe("filters", () => {
    it("creates a filter once (waited for), finds it again by name, and refuses another expression under its name", async () => {
      personalize
        .on(ListFiltersCommand)
        .resolvesOnce({ Filters: [] })
        .resolves({ Filters: [{ name: "roadmapx-category", filterArn: CATEGORY_FILTER }] });
      personalize.on(CreateFilterCommand).resolves({ filterArn: CATEGORY_FILTER });
      personalize
        .on(DescribeFilterCommand)
        .resolvesOnce({ filter: { status: "CREATE PENDING", filterExpression: CATEGORY_EXPRESSION } })
        .resolves({ filter: { status: "ACTIVE", filterExpression: CATEGORY_EXPRESSION } });
      const first = await service.createFilter({ name: "roadmapx-category", datasetGroupArn: GROUP, expression: CATEGORY_EXPRESSION });
      expect(first).to.deep.equal({ arn: CATEGORY_FILTER, created: true, placeholders: ["CATEGORY", "BRAND"] });
      expect(personalize.commandCalls(CreateFilterCommand)[0]?.args[0].input).to.deep.equal({
        name: "roadmapx-category",
        datasetGroupArn: GROUP,
        filterExpression: CATEGORY_EXPRESSION,
      });
      const again = await service.createFilter({
        name: "roadmapx-category",
        datasetGroupArn: GROUP,
        expression: `  ${CATEGORY_EXPRESSION.replace(" | ", "  |  ")} `,
      });
      expect(again).to.deep.equal({ arn: CATEGORY_FILTER, created: false, placeholders: ["CATEGORY", "BRAND"] });
      const other = await failure(() =>
        service.createFilter({ name: "roadmapx-category", datasetGroupArn: GROUP, expression: "EXCLUDE ItemID WHERE Items.CATEGORY IN ($X)" }),
      );
      expect(other).to.be.instanceOf(WorkflowError);
      expect((other as Error).message).to.equal(
        `filter roadmapx-category already exists with another expression (${CATEGORY_EXPRESSION}), and filters cannot change: delete it first (roadmapx-ai personalize filter delete --filter-arn ${CATEGORY_FILTER}) or choose another name`,
      );
      expect(personalize.commandCalls(CreateFilterCommand)).to.have.length(1);
    });

    it("deletes a filter and waits until it is gone; one already gone is not an error", async () => {
      personalize.on(DeleteFilterCommand).resolvesOnce({}).rejects(notFound());
      personalize
        .on(DescribeFilterCommand)
        .resolvesOnce({ filter: { status: "DELETE PENDING" } })
        .rejects(notFound());
      expect(await service.deleteFilter(CATEGORY_FILTER)).to.deep.equal({ deleted: true });
      expect(personalize.commandCalls(DescribeFilterCommand)).to.have.length(2);
      expect(await service.deleteFilter(CATEGORY_FILTER)).to.deep.equal({ deleted: false });
      const bad = await failure(() => service.deleteFilter(`${P}:campaign/roadmapx-x`));
      expect((bad as Error).message).to.match(/is not a filter ARN/);
    });
  });

  describe("putItems / putUsers", () => {
    it("sends 25 items in 3 calls (10, 10, 5), properties in camelCase with categorical lists joined by |", async () => {
      events.on(PutItemsCommand).resolves({});
      const items = Array.from({ length: 25 }, (_, i) => ({
        itemId: `item-${i}`,
        properties: { CATEGORY: ["lamps", "home"], PRICE: 9.5 + i, numberOfRatings: i, IN_STOCK: i % 2 === 0 },
      }));
      expect(await service.putItems({ datasetArn: ITEMS, items, schema: itemsSchema })).to.deep.equal({ sent: 25, calls: 3 });
      const calls = events.commandCalls(PutItemsCommand).map((c) => c.args[0].input);
      expect(calls.map((c) => c.items?.length)).to.deep.equal([10, 10, 5]);
      expect(calls[0]?.datasetArn).to.equal(ITEMS);
      expect(calls[0]?.items?.[1]).to.deep.equal({
        itemId: "item-1",
        properties: JSON.stringify({ category: "lamps|home", price: "10.5", numberOfRatings: "1", inStock: "false" }),
      });
      expect(calls[2]?.items?.[4]?.itemId).to.equal("item-24");
      expect(camelCaseField("NUMBER_OF_RATINGS")).to.equal("numberOfRatings");
    });

    it("refuses a record that breaks the schema, naming its index and field, before anything is sent", async () => {
      const items = Array.from({ length: 12 }, (_, i) => ({ itemId: `item-${i}`, properties: { PRICE: i === 7 ? "free" : "1.5" } as Record<string, string> }));
      const err = await failure(() => service.putItems({ datasetArn: ITEMS, items, schema: itemsSchema }));
      expect(err).to.be.instanceOf(RecordValidationError);
      expect(err).to.include({ index: 7, field: "PRICE" });
      expect((err as Error).message).to.equal('items[7] (itemId "item-7"): PRICE "free" is not a number');
      const cases: [Record<string, unknown>, string, string][] = [
        [{ itemId: "a", properties: {} }, "PRICE", 'items[0] (itemId "a"): PRICE is empty, and the schema requires it'],
        [{ itemId: "a", properties: { PRICE: 1, NUMBER_OF_RATINGS: 3e9 } }, "NUMBER_OF_RATINGS", "does not fit an int"],
        [
          { itemId: "a", properties: { PRICE: 1, COLOR: "red" } },
          "COLOR",
          "COLOR is not a field of the items schema (CATEGORY, PRICE, NUMBER_OF_RATINGS, IN_STOCK)",
        ],
        [{ itemId: "a", properties: { PRICE: [1, 2] } }, "PRICE", "only categorical fields take a list"],
        [{ itemId: "x".repeat(257), properties: { PRICE: 1 } }, "ITEM_ID", "ITEM_ID is 257 characters long; Personalize allows 256"],
        [{ itemId: "a", properties: { PRICE: 1, CATEGORY: ["a", ""] } }, "CATEGORY", 'has an empty value between "|" separators'],
      ];
      for (const [record, field, message] of cases) {
        const e = await failure(() => service.putItems({ datasetArn: ITEMS, items: [record as never], schema: itemsSchema }));
        expect(e, message).to.be.instanceOf(RecordValidationError);
        expect((e as RecordValidationError).field, message).to.equal(field);
        expect((e as Error).message, message).to.include(message);
      }
      expect(events.calls(), "nothing sent").to.have.length(0);
    });

    it("reads the Users schema from the dataset (DescribeDataset, DescribeSchema) and sends users in calls of 10", async () => {
      personalize.on(DescribeDatasetCommand).resolves({ dataset: { datasetArn: USERS, schemaArn: `${P}:schema/roadmapx-users` } });
      personalize.on(DescribeSchemaCommand).resolves({
        schema: {
          schema: JSON.stringify({
            type: "record",
            name: "Users",
            fields: [
              { name: "USER_ID", type: "string" },
              { name: "MEMBERSHIP", type: ["null", "string"], categorical: true },
            ],
          }),
        },
      });
      events.on(PutUsersCommand).resolves({});
      const users = Array.from({ length: 25 }, (_, i) => ({ userId: `u${i}`, ...(i === 0 ? { properties: { MEMBERSHIP: "gold" } } : {}) }));
      expect(await service.putUsers({ datasetArn: USERS, users })).to.deep.equal({ sent: 25, calls: 3 });
      const calls = events.commandCalls(PutUsersCommand).map((c) => c.args[0].input);
      expect(calls.map((c) => c.users?.length)).to.deep.equal([10, 10, 5]);
      expect(calls[0]?.users?.slice(0, 2)).to.deep.equal([{ userId: "u0", properties: '{"membership":"gold"}' }, { userId: "u1" }]);
      const wrong = await failure(() => service.putUsers({ datasetArn: ITEMS, users }));
      expect((wrong as Error).message).to.match(/is not a Users dataset/);
    });
  });

  describe("recommenders", () => {
    const recommenderStatuses = (...statuses: string[]) => {
      const stub = personalize.on(DescribeRecommenderCommand);
      for (const status of statuses.slice(0, -1))
        stub.resolvesOnce({ recommender: { status, name: "roadmapx-for-you", recommenderConfig: { minRecommendationRequestsPerSecond: 2 } } });
      stub.resolves({ recommender: { status: statuses.at(-1), name: "roadmapx-for-you", recommenderConfig: { minRecommendationRequestsPerSecond: 2 } } });
    };

    it("creates a recommender after saying its cost, waits for ACTIVE, then stops and starts it (waiting each time)", async () => {
      personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { domain: "ECOMMERCE", status: "ACTIVE" } });
      personalize.on(ListRecommendersCommand).resolves({ recommenders: [] });
      let warnedBeforeCreate = false;
      personalize.on(CreateRecommenderCommand).callsFake(() => {
        warnedBeforeCreate = log.some((l) => l.startsWith("warn cost: recommender roadmapx-for-you bills for at least 2"));
        return { recommenderArn: RECOMMENDER };
      });
      recommenderStatuses("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE");
      const made = await service.createRecommender({
        name: "roadmapx-for-you",
        datasetGroupArn: GROUP,
        recipeArn: FOR_YOU,
        minRecommendationRequestsPerSecond: 2,
        enableMetadataWithRecommendations: true,
      });
      expect(made).to.deep.equal({ arn: RECOMMENDER, created: true });
      expect(warnedBeforeCreate, "the cost is said before CreateRecommender").to.equal(true);
      expect(personalize.commandCalls(CreateRecommenderCommand)[0]?.args[0].input).to.deep.equal({
        name: "roadmapx-for-you",
        datasetGroupArn: GROUP,
        recipeArn: FOR_YOU,
        recommenderConfig: { minRecommendationRequestsPerSecond: 2, enableMetadataWithRecommendations: true },
      });
      expect(personalize.commandCalls(DescribeRecommenderCommand)).to.have.length(3);

      personalize.reset();
      personalize.on(StopRecommenderCommand).resolves({});
      recommenderStatuses("ACTIVE", "STOP PENDING", "STOP IN_PROGRESS", "INACTIVE");
      await service.stopRecommender(RECOMMENDER);
      expect(personalize.commandCalls(StopRecommenderCommand)).to.have.length(1);
      expect(personalize.commandCalls(DescribeRecommenderCommand)).to.have.length(4);

      personalize.reset();
      log.length = 0;
      personalize.on(StartRecommenderCommand).resolves({});
      recommenderStatuses("INACTIVE", "START PENDING", "ACTIVE");
      await service.startRecommender(RECOMMENDER);
      expect(personalize.commandCalls(StartRecommenderCommand)).to.have.length(1);
      expect(log[0]).to.match(/^warn cost: recommender roadmapx-for-you bills for at least 2 recommendation request\(s\) per second every hour it is ACTIVE/);
      // Already ACTIVE: nothing to start.
      personalize.reset();
      recommenderStatuses("ACTIVE");
      await service.startRecommender(RECOMMENDER);
      expect(personalize.commandCalls(StartRecommenderCommand)).to.have.length(0);
      // One that failed to create can be neither started nor stopped; nothing is sent, no cost said.
      personalize.reset();
      log.length = 0;
      recommenderStatuses("CREATE FAILED");
      const start = await failure(() => service.startRecommender(RECOMMENDER));
      expect((start as Error).message).to.equal(`recommender ${RECOMMENDER} is CREATE FAILED: only a stopped (INACTIVE) recommender can be started`);
      const stop = await failure(() => service.stopRecommender(RECOMMENDER));
      expect((stop as Error).message).to.equal(`recommender ${RECOMMENDER} is CREATE FAILED: only an ACTIVE recommender can be stopped`);
      expect(personalize.commandCalls(StartRecommenderCommand).length + personalize.commandCalls(StopRecommenderCommand).length).to.equal(0);
      expect(log).to.deep.equal([]);
    });

    it("finds an existing recommender by name; refuses a recipe of another domain and a custom group before creating anything", async () => {
      personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { domain: "ECOMMERCE", status: "ACTIVE" } });
      personalize.on(ListRecommendersCommand).resolves({ recommenders: [{ name: "roadmapx-for-you", recommenderArn: RECOMMENDER, recipeArn: FOR_YOU }] });
      recommenderStatuses("ACTIVE");
      const args = { name: "roadmapx-for-you", datasetGroupArn: GROUP, recipeArn: FOR_YOU, minRecommendationRequestsPerSecond: 1 };
      expect(await service.createRecommender(args)).to.deep.equal({ arn: RECOMMENDER, created: false });
      const vod = await failure(() => service.createRecommender({ ...args, recipeArn: "arn:aws:personalize:::recipe/aws-vod-top-picks" }));
      expect((vod as Error).message).to.match(/is a VIDEO_ON_DEMAND use case, but dataset group .* is a ECOMMERCE group/);
      const custom = await failure(() => service.createRecommender({ ...args, recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2" }));
      expect((custom as Error).message).to.match(/is not a domain use case; recommenders take one of: ECOMMERCE: aws-ecomm-customers-who-viewed-x-also-viewed/);
      const rps = await failure(() => service.createRecommender({ ...args, minRecommendationRequestsPerSecond: 0 }));
      expect((rps as Error).message).to.equal("minRecommendationRequestsPerSecond must be a whole number of 1 or more (got 0)");
      expect(personalize.commandCalls(CreateRecommenderCommand)).to.have.length(0);
      expect(log.filter((l) => l.includes("cost:"))).to.deep.equal([]);
    });

    it("creates domain schemas and domain dataset groups, and refuses same-named ones of another domain", async () => {
      personalize
        .on(ListSchemasCommand)
        .resolvesOnce({ schemas: [] })
        .resolves({ schemas: [{ name: "roadmapx-shop-items", schemaArn: `${P}:schema/roadmapx-shop-items` }] });
      personalize.on(CreateSchemaCommand).resolves({ schemaArn: `${P}:schema/roadmapx-shop-items` });
      personalize.on(DescribeSchemaCommand).resolves({ schema: { schema: itemsSchema.avro } });
      expect(await service.ensureSchema("roadmapx-shop-items", itemsSchema, "ECOMMERCE")).to.deep.equal({
        arn: `${P}:schema/roadmapx-shop-items`,
        created: true,
      });
      expect(personalize.commandCalls(CreateSchemaCommand)[0]?.args[0].input).to.deep.equal({
        name: "roadmapx-shop-items",
        schema: itemsSchema.avro,
        domain: "ECOMMERCE",
      });
      const custom = await failure(() => service.ensureSchema("roadmapx-shop-items", itemsSchema, "ECOMMERCE"));
      expect((custom as Error).message).to.equal(
        "schema roadmapx-shop-items already exists as a custom (non-domain) schema, not ECOMMERCE, and schemas cannot change: choose a new name",
      );
      personalize
        .on(ListDatasetGroupsCommand)
        .resolvesOnce({ datasetGroups: [] })
        .resolves({ datasetGroups: [{ name: "roadmapx-shop", datasetGroupArn: GROUP }] });
      personalize.on(CreateDatasetGroupCommand).resolves({ datasetGroupArn: GROUP });
      personalize
        .on(DescribeDatasetGroupCommand)
        .resolvesOnce({ datasetGroup: { status: "CREATE PENDING", domain: "ECOMMERCE" } })
        .resolves({ datasetGroup: { status: "ACTIVE", domain: "ECOMMERCE" } });
      expect(await service.ensureDomainDatasetGroup("roadmapx-shop", "ECOMMERCE")).to.deep.equal({ arn: GROUP, created: true });
      expect(personalize.commandCalls(CreateDatasetGroupCommand)[0]?.args[0].input).to.deep.include({ name: "roadmapx-shop", domain: "ECOMMERCE" });
      expect(await service.ensureDomainDatasetGroup("roadmapx-shop", "ECOMMERCE")).to.deep.equal({ arn: GROUP, created: false });
      const vod = await failure(() => service.ensureDomainDatasetGroup("roadmapx-shop", "VIDEO_ON_DEMAND"));
      expect((vod as Error).message).to.equal(
        "dataset group roadmapx-shop exists for the ECOMMERCE domain, not VIDEO_ON_DEMAND: a group's domain cannot change; choose another name",
      );
      expect(personalize.commandCalls(CreateDatasetGroupCommand)).to.have.length(1);
    });

    it("cleanup deletes recommenders first, then filters, then campaigns, solutions, datasets and the group", async () => {
      const SOLUTION = `${P}:solution/roadmapx-recs`;
      const CAMP = `${P}:campaign/roadmapx-live`;
      const DATASET = `${P}:dataset/roadmapx-shop/INTERACTIONS`;
      personalize
        .on(DescribeDatasetGroupCommand)
        .resolvesOnce({ datasetGroup: { status: "ACTIVE" } })
        .resolvesOnce({ datasetGroup: { status: "DELETE PENDING" } })
        .rejects(notFound());
      personalize.on(ListRecommendersCommand).resolves({ recommenders: [{ recommenderArn: RECOMMENDER }] });
      personalize.on(ListFiltersCommand).resolves({ Filters: [{ filterArn: CATEGORY_FILTER }, { filterArn: PROMO_FILTER }] });
      personalize.on(ListSolutionsCommand).resolves({ solutions: [{ solutionArn: SOLUTION }] });
      personalize.on(ListCampaignsCommand).resolves({ campaigns: [{ campaignArn: CAMP }] });
      personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
      personalize.on(ListDatasetsCommand).resolves({ datasets: [{ datasetArn: DATASET }] });
      for (const command of [
        DeleteRecommenderCommand,
        DeleteFilterCommand,
        DeleteCampaignCommand,
        DeleteSolutionCommand,
        DeleteDatasetCommand,
        DeleteDatasetGroupCommand,
      ]) {
        personalize.on(command as never).resolves({});
      }
      for (const command of [DescribeRecommenderCommand, DescribeFilterCommand, DescribeCampaignCommand, DescribeSolutionCommand, DescribeDatasetCommand]) {
        personalize.on(command as never).rejects(notFound());
      }
      const deleted = await service.cleanup(GROUP);
      expect(deleted).to.deep.equal([RECOMMENDER, CATEGORY_FILTER, PROMO_FILTER, CAMP, SOLUTION, DATASET, GROUP]);
      const deletes = personalize
        .calls()
        .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name)
        .filter((n) => n.startsWith("Delete"));
      expect(deletes).to.deep.equal([
        "DeleteRecommenderCommand",
        "DeleteFilterCommand",
        "DeleteFilterCommand",
        "DeleteCampaignCommand",
        "DeleteSolutionCommand",
        "DeleteDatasetCommand",
        "DeleteDatasetGroupCommand",
      ]);
    });
  });

  describe("deleting users' data", () => {
    const DELETION = `${P}:data-deletion-job/roadmapx-forget-1`;
    const KEY = "personalize/deletions/roadmapx-forget-1.csv";

    it("streams 100,000 ids to personalize/deletions/<job>.csv and starts the job with the Personalize role", async () => {
      personalize.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: DELETION });
      function* ids() {
        for (let i = 0; i < 100_000; i++) yield `user-${i}`;
      }
      const result = await service.deleteUserData({ datasetGroupArn: GROUP, userIds: ids(), jobName: "roadmapx-forget-1" });
      expect(result).to.deep.equal({ jobArn: DELETION, key: KEY, users: 100_000 });
      const csv = s3.objects.get(KEY)?.toString("utf8") ?? "";
      const lines = csv.split("\n");
      expect(lines).to.have.length(100_002, "header, 100,000 ids, and the final newline");
      expect(lines[0]).to.equal("USER_ID");
      expect(lines[1]).to.equal("user-0");
      expect(lines[100_000]).to.equal("user-99999");
      expect(csv).to.equal(`USER_ID\n${[...ids()].join("\n")}\n`);
      expect(s3.contentTypes.get(KEY)).to.equal("text/csv");
      expect(personalize.commandCalls(CreateDataDeletionJobCommand)[0]?.args[0].input).to.deep.equal({
        jobName: "roadmapx-forget-1",
        datasetGroupArn: GROUP,
        dataSource: { dataLocation: `s3://${BUCKET}/${KEY}` },
        roleArn: ROLE,
      });
    });

    it("holds no more than one 64 KiB chunk of the CSV at a time, whatever the number of ids (bounded memory)", async () => {
      let pulled = 0;
      function* ids() {
        for (let i = 0; i < 100_000; i++) {
          pulled++;
          yield `user-${i}`;
        }
      }
      const stats = { users: 0, bytes: 0 };
      let written = 0;
      let chunks = 0;
      let largest = 0;
      for await (const chunk of deletionCsv(ids(), stats)) {
        chunks++;
        largest = Math.max(largest, chunk.length);
        written += Buffer.from(chunk).toString("utf8").split("\n").length - 1;
        // Everything pulled from the source so far has gone out: nothing is held back.
        expect(pulled, "ids read ahead of what was written").to.be.at.most(written);
      }
      expect(stats.users).to.equal(100_000);
      expect(chunks).to.be.greaterThan(15);
      expect(largest).to.be.at.most(DELETION_CHUNK_BYTES + 258);
    });

    it("quotes ids holding a comma or a quote, reads a file's lines, and refuses an id longer than 256 characters before the upload ends", async () => {
      const stats = { users: 0, bytes: 0 };
      const out: string[] = [];
      for await (const chunk of deletionCsv(["a,b", 'say "hi"', "plain"], stats)) out.push(Buffer.from(chunk).toString("utf8"));
      expect(out.join("")).to.equal('USER_ID\n"a,b"\n"say ""hi"""\nplain\n');
      const dir = mkdtempSync(join(tmpdir(), "roadmapx-deletions-"));
      writeFileSync(join(dir, "ids.txt"), "u1\r\n\r\nu2\n\n");
      const fromFile: string[] = [];
      for await (const chunk of deletionCsv({ path: join(dir, "ids.txt") }, { users: 0, bytes: 0 })) fromFile.push(Buffer.from(chunk).toString("utf8"));
      expect(fromFile.join("")).to.equal("USER_ID\nu1\nu2\n");
      const empty = await failure(async () => {
        for await (const chunk of deletionCsv([], { users: 0, bytes: 0 })) void chunk;
      });
      expect((empty as Error).message).to.equal("no user ids to delete: give one id per line");

      personalize.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: DELETION });
      const long = await failure(() =>
        service.deleteUserData({ datasetGroupArn: GROUP, userIds: ["u1", "u2", "x".repeat(257), "u4"], jobName: "roadmapx-forget-1" }),
      );
      expect(long).to.be.instanceOf(DeletionInputError);
      expect((long as Error).message).to.equal("user id 3 (CSV line 4): the user id is 257 characters long; Personalize allows 256");
      expect([...s3.objects.keys()], "nothing in the bucket").to.deep.equal([]);
      expect(personalize.commandCalls(CreateDataDeletionJobCommand), "no job").to.have.length(0);
    });

    it("aborts a multipart upload already under way when a bad id comes after the first part", async () => {
      personalize.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: DELETION });
      function* ids() {
        // 12 bytes a line: past 8 MiB (the first part) before the bad id.
        for (let i = 0; i < 800_000; i++) yield `u-${String(i).padStart(8, "0")}`;
        yield "x".repeat(300);
      }
      const err = await failure(() => service.deleteUserData({ datasetGroupArn: GROUP, userIds: ids(), jobName: "roadmapx-forget-1" }));
      expect((err as Error).message).to.equal("user id 800001 (CSV line 800002): the user id is 300 characters long; Personalize allows 256");
      expect(s3.names()).to.include.members(["CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"]);
      expect(s3.names()).not.to.include("CompleteMultipartUpload");
      expect([...s3.objects.keys()]).to.deep.equal([]);
      expect(s3.uploads.size).to.equal(0);
      expect(personalize.commandCalls(CreateDataDeletionJobCommand)).to.have.length(0);
    });

    it("warns, before anything is uploaded, that AWS documents no data deletion from a bucket encrypted with your own KMS key", async () => {
      personalize.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: DELETION });
      const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
      ctx.config = { ...ctx.config, kmsKeyArn: key };
      await service.deleteUserData({ datasetGroupArn: GROUP, userIds: ["u1"], jobName: "roadmapx-forget-1" });
      const warning = log.findIndex((l) => l.startsWith("warn ") && l.includes(key) && l.includes("cannot read its list of users"));
      expect(warning, log.join("\n")).to.equal(0);
      ctx.config = { ...ctx.config, kmsKeyArn: undefined };
      log.length = 0;
      await service.deleteUserData({ datasetGroupArn: GROUP, userIds: ["u1"], jobName: "roadmapx-forget-1" });
      expect(log.filter((l) => l.startsWith("warn "))).to.deep.equal([]);
    });

    it("removes the finished job's input (it lists the users who asked to be forgotten) unless keepInput, and only its own", async () => {
      personalize.on(CreateDataDeletionJobCommand).resolves({ dataDeletionJobArn: DELETION });
      await service.deleteUserData({ datasetGroupArn: GROUP, userIds: ["u1"], jobName: "roadmapx-forget-1" });
      const completed = (dataLocation: string) => ({ dataDeletionJob: { status: "COMPLETED", numDeleted: 1, dataSource: { dataLocation } } });
      personalize.on(DescribeDataDeletionJobCommand).resolves(completed(`s3://${BUCKET}/${KEY}`));
      expect(await service.waitForDataDeletion(DELETION, { keepInput: true })).to.deep.equal({ status: "COMPLETED", numDeleted: 1 });
      expect([...s3.objects.keys()]).to.deep.equal([KEY]);
      expect(await service.waitForDataDeletion(DELETION)).to.deep.equal({ status: "COMPLETED", numDeleted: 1, inputRemoved: `s3://${BUCKET}/${KEY}` });
      expect([...s3.objects.keys()]).to.deep.equal([]);
      expect(log).to.include(`info personalize: removed the deletion input s3://${BUCKET}/${KEY} (the job is COMPLETED)`);
      // Inputs the services did not write stay where they are: another prefix, another bucket.
      await ctx.storage.upload("personalize/ids.csv", "USER_ID\nu1\n");
      for (const location of [`s3://${BUCKET}/personalize/ids.csv`, "s3://elsewhere/personalize/deletions/roadmapx-forget-1.csv"]) {
        personalize.on(DescribeDataDeletionJobCommand).resolves(completed(location));
        expect(await service.waitForDataDeletion(DELETION), location).to.deep.equal({ status: "COMPLETED", numDeleted: 1 });
      }
      expect([...s3.objects.keys()]).to.deep.equal(["personalize/ids.csv"]);
    });

    it("waits for the job: COMPLETED with the number deleted, FAILED with Personalize's reason", async () => {
      personalize
        .on(DescribeDataDeletionJobCommand)
        .resolvesOnce({ dataDeletionJob: { status: "PENDING" } })
        .resolvesOnce({ dataDeletionJob: { status: "IN_PROGRESS" } })
        .resolvesOnce({ dataDeletionJob: { status: "COMPLETED", numDeleted: 3 } })
        .resolves({ dataDeletionJob: { status: "FAILED", failureReason: "Access denied to s3://roadmapx-files/personalize/deletions/x.csv" } });
      expect(await service.waitForDataDeletion(DELETION)).to.deep.equal({ status: "COMPLETED", numDeleted: 3 });
      const failed = await failure(() => service.waitForDataDeletion(DELETION));
      expect(failed).to.be.instanceOf(WaitFailedError);
      expect((failed as Error).message).to.equal(
        `data deletion job ${DELETION} ended in FAILED: Access denied to s3://roadmapx-files/personalize/deletions/x.csv`,
      );
    });
  });
});
