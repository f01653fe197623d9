/**
 * The live-application checks that test/services/personalize-live.unit.test.ts leaves open (found by
 * planting bugs in services/personalize/*): the limits at their exact edge, placeholder and value
 * rules, field-name conversion, the cost lines' order, and the deletion CSV's size limit. Same setup:
 * Personalize clients mocked with aws-sdk-client-mock, S3 the in-memory FakeS3, waits on a no-op sleep.
 */
import {
  CreateRecommenderCommand,
  DescribeDatasetGroupCommand,
  DescribeFilterCommand,
  DescribeRecommenderCommand,
  ListRecommendersCommand,
  PersonalizeClient,
  StartRecommenderCommand,
  StopRecommenderCommand,
} from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient, PutItemsCommand } from "@aws-sdk/client-personalize-events";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import type { ServiceContext } from "../../services/context";
import {
  DeletionInputError,
  FilterValuesError,
  PersonalizeService,
  RecordValidationError,
  WorkflowError,
  camelCaseField,
  deletionCsv,
  formatFilterValues,
  parseSchema,
} from "../../services/personalize";
import { requiredFilterPlaceholders } from "../../services/personalize/filter-values";
import { AiStorage } from "../../services/storage";
import { BUCKET, FakeS3, failure } from "../helpers/fake-s3";
import {
  GROUP,
  CAMPAIGN,
  RECOMMENDER,
  CATEGORY_FILTER,
  PROMO_FILTER,
  ITEMS,
  ROLE,
  FOR_YOU,
  CATEGORY_EXPRESSION,
  PROMO_EXPRESSION,
} from "../helpers/personalize-live";

const noSleep = () => Promise.resolve();

const itemsSchema = parseSchema("items", {
  type: "record",
  name: "Items",
  fields: [
    { name: "ITEM_ID", type: "string" },
    { name: "CATEGORY", type: ["null", "string"], categorical: true },
    { name: "PRICE", type: "double" },
  ],
});

/** The message of a FilterValuesError thrown by `run` (anything else fails the test). */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).to.be.instanceOf(FilterValuesError);
    return (err as Error).message;
  }
  throw new Error("expected a refusal");
}

describe("Personalize live-application gaps (aws-sdk-client-mock: limits at their edge, placeholders, field names, cost order, deletion size)", () => {
  let personalize: AwsClientStub<PersonalizeClient>;
  let runtime: AwsClientStub<PersonalizeRuntimeClient>;
  let events: AwsClientStub<PersonalizeEventsClient>;
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
    log = [];
    const options = { region: "us-east-1", credentials: DUMMY_CREDENTIALS };
    const clients = {
      s3: new FakeS3(),
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

  describe("filter values (pure)", () => {
    it("takes 25 filter values and refuses 26 (GetRecommendations filterValues: at most 25 entries)", () => {
      const names = Array.from({ length: 26 }, (_, i) => `P${i}`);
      const expression = `EXCLUDE ItemID WHERE Items.TAG IN (${names.map((n) => `$${n}`).join(", ")})`;
      const values = (n: number) => Object.fromEntries(names.slice(0, n).map((name) => [name, "x"]));
      expect(Object.keys(formatFilterValues(expression, values(25)))).to.have.length(25);
      expect(refusal(() => formatFilterValues(expression, values(26)))).to.equal("26 filter values: Personalize takes at most 25");
    });

    it("matches placeholder names in their case: category is not $CATEGORY", () => {
      expect(refusal(() => formatFilterValues(CATEGORY_EXPRESSION, { CATEGORY: "x", category: "y" }))).to.equal(
        `filter value category is not a placeholder of the filter (${CATEGORY_EXPRESSION}); its placeholders: $CATEGORY, $BRAND`,
      );
    });

    it("quotes booleans as strings, takes 0 for a required placeholder, refuses Infinity and an empty list", () => {
      expect(formatFilterValues(PROMO_EXPRESSION, { MAX_PRICE: 0 })).to.deep.equal({ MAX_PRICE: "0" });
      expect(formatFilterValues("INCLUDE ItemID WHERE Items.IN_STOCK IN ($STOCK)", { STOCK: true })).to.deep.equal({ STOCK: '"true"' });
      expect(refusal(() => formatFilterValues(PROMO_EXPRESSION, { MAX_PRICE: Infinity }))).to.equal("filter value MAX_PRICE is Infinity: give a finite number");
      expect(refusal(() => formatFilterValues(CATEGORY_EXPRESSION, { CATEGORY: [] }))).to.equal(
        "filter value CATEGORY is an empty list: give at least one value, or leave CATEGORY out",
      );
    });

    it('does not split a part at a "|" inside quotes: the INCLUDE part\'s later placeholder stays required', () => {
      const expression = 'INCLUDE ItemID WHERE Items.TAG IN ("a|b") AND Items.PRICE < $MAX_PRICE | EXCLUDE ItemID WHERE Items.BRAND IN ($BRAND)';
      expect(requiredFilterPlaceholders(expression)).to.deep.equal(["MAX_PRICE"]);
    });
  });

  describe("filters", () => {
    it("refuses a 64-character name and a 2,501-character expression, and checks INCLUDE/EXCLUDE on every part, before any call", async () => {
      const expression = "EXCLUDE ItemID WHERE Items.CATEGORY IN ($C)";
      const long = await failure(() => service.createFilter({ name: `roadmapx-${"n".repeat(55)}`, datasetGroupArn: GROUP, expression }));
      expect((long as Error).message).to.match(/^filter name "roadmapx-n+" must be 1 to 63 letters/);
      const padded = `EXCLUDE ItemID WHERE Items.CATEGORY IN ("${"x".repeat(2501 - 43)}")`;
      expect(padded).to.have.length(2501);
      const tooLong = await failure(() => service.createFilter({ name: "roadmapx-c", datasetGroupArn: GROUP, expression: padded }));
      expect((tooLong as Error).message).to.equal("the filter expression must be 1 to 2500 characters (got 2501)");
      const second = await failure(() =>
        service.createFilter({ name: "roadmapx-c", datasetGroupArn: GROUP, expression: `${expression} | ItemID WHERE Items.BRAND IN ($B)` }),
      );
      expect((second as Error).message).to.match(/^the filter expression part "ItemID WHERE Items.BRAND IN \(\$B\)" must start with INCLUDE or EXCLUDE/);
      expect(personalize.calls()).to.have.length(0);
    });

    it("does not keep a failed DescribeFilter: the next call describes the filter again", async () => {
      personalize
        .on(DescribeFilterCommand, { filterArn: CATEGORY_FILTER })
        .rejectsOnce(Object.assign(new Error("slow down"), { name: "ThrottlingException" }))
        .resolves({ filter: { filterArn: CATEGORY_FILTER, filterExpression: CATEGORY_EXPRESSION, status: "ACTIVE" } });
      runtime.on(GetRecommendationsCommand).resolves({ itemList: [{ itemId: "i1" }] });
      const args = { campaignArn: CAMPAIGN, userId: "u1", filterArn: CATEGORY_FILTER, filterValues: { CATEGORY: "lamps" } };
      expect((await failure(() => service.getRecommendations(args))) as Error).to.have.property("name", "ThrottlingException");
      expect(await service.getRecommendations(args)).to.deep.equal([{ itemId: "i1" }]);
      expect(personalize.commandCalls(DescribeFilterCommand)).to.have.length(2);
    });

    it("sends the values unchecked but quoted when the endpoint has no DescribeFilter, and says so once", async () => {
      personalize.on(DescribeFilterCommand).rejects(Object.assign(new Error("not implemented"), { name: "NotImplemented" }));
      runtime.on(GetRecommendationsCommand).resolves({ itemList: [] });
      const args = { campaignArn: CAMPAIGN, userId: "u1", filterArn: CATEGORY_FILTER, filterValues: { CATEGORY: ["a", "b"] } };
      await service.getRecommendations(args);
      await service.getRecommendations(args);
      expect(runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input).to.deep.include({
        filterArn: CATEGORY_FILTER,
        filterValues: { CATEGORY: '"a","b"' },
      });
      expect(log.filter((l) => l.includes("does not implement DescribeFilter"))).to.have.length(1);
    });
  });

  describe("recommendations and ranking: limits at their edge", () => {
    it("takes 500 results and refuses 501; refuses 11 metadata columns, a 257-character userId and a promotion of 101 %", async () => {
      runtime.on(GetRecommendationsCommand).resolves({ itemList: [] });
      await service.getRecommendations({ campaignArn: CAMPAIGN, userId: "u1", numResults: 500 });
      expect(runtime.commandCalls(GetRecommendationsCommand)[0]?.args[0].input.numResults).to.equal(500);
      const refused = async (args: Parameters<PersonalizeService["getRecommendations"]>[0]) => {
        const err = await failure(() => service.getRecommendations(args));
        expect(err).to.be.instanceOf(WorkflowError);
        return (err as Error).message;
      };
      expect(await refused({ campaignArn: CAMPAIGN, userId: "u1", numResults: 501 })).to.equal("numResults must be between 1 and 500 (got 501)");
      const columns = Array.from({ length: 11 }, (_, i) => `C${i}`);
      expect(await refused({ campaignArn: CAMPAIGN, userId: "u1", numResults: 10, metadataColumns: columns })).to.match(
        /^metadataColumns must name 1 to 10 columns of the Items dataset/,
      );
      expect(await refused({ campaignArn: CAMPAIGN, userId: "u".repeat(257) })).to.match(/^userId must be 1 to 256 characters/);
      expect(await refused({ campaignArn: CAMPAIGN, userId: "u1", promotions: [{ name: "p", percentPromotedItems: 101, filterArn: PROMO_FILTER }] })).to.equal(
        "promotions[0] (p): percentPromotedItems must be a whole number from 1 to 100 (got 101)",
      );
      expect(runtime.commandCalls(GetRecommendationsCommand)).to.have.length(1);
    });

    it("ranks 500 items but refuses 501, and sends the context with the ranking", async () => {
      runtime.on(GetPersonalizedRankingCommand).resolves({ personalizedRanking: [{ itemId: "i0" }] });
      const items = (n: number) => Array.from({ length: n }, (_, i) => `i${i}`);
      await service.getPersonalizedRanking({ campaignArn: CAMPAIGN, userId: "u1", items: items(500), context: { DEVICE: "mobile" } });
      expect(runtime.commandCalls(GetPersonalizedRankingCommand)[0]?.args[0].input).to.deep.equal({
        campaignArn: CAMPAIGN,
        userId: "u1",
        inputList: items(500),
        context: { DEVICE: "mobile" },
      });
      const tooMany = await failure(() => service.getPersonalizedRanking({ campaignArn: CAMPAIGN, userId: "u1", items: items(501) }));
      expect((tooMany as Error).message).to.equal("items must list 1 to 500 item ids (got 501)");
      expect(runtime.commandCalls(GetPersonalizedRankingCommand)).to.have.length(1);
    });
  });

  describe("putItems", () => {
    it("converts field names with digits and several underscores to camelCase", () => {
      expect(camelCaseField("SIZE_2")).to.equal("size2");
      expect(camelCaseField("COLOR_2ND")).to.equal("color2nd");
      expect(camelCaseField("RELEASE__YEAR")).to.equal("releaseYear");
      expect(camelCaseField("_PRIVATE_FIELD")).to.equal("privateField");
    });

    it("refuses a value of another type, a field given twice, and the item id in properties, naming the field; nothing sent", async () => {
      events.on(PutItemsCommand).resolves({});
      const cases: [Record<string, unknown>, string, string][] = [
        [{ PRICE: 1, CATEGORY: { a: 1 } }, "CATEGORY", "CATEGORY must be a string, a number, a boolean or (categorical) a list of strings"],
        [{ PRICE: 1, price: 2 }, "price", "PRICE is given twice (as PRICE and price)"],
        [{ PRICE: 1, ITEM_ID: "b" }, "ITEM_ID", "ITEM_ID goes in itemId, not in properties"],
      ];
      for (const [properties, field, message] of cases) {
        const e = await failure(() => service.putItems({ datasetArn: ITEMS, items: [{ itemId: "a", properties: properties as never }], schema: itemsSchema }));
        expect(e, message).to.be.instanceOf(RecordValidationError);
        expect(e, message).to.include({ index: 0, field });
        expect((e as Error).message, message).to.equal(`items[0] (itemId "a"): ${message}`);
      }
      expect(events.calls(), "nothing sent").to.have.length(0);
    });
  });

  describe("recommenders", () => {
    const described = (status: string) => ({
      recommender: {
        status,
        name: "roadmapx-for-you",
        recommenderConfig: { minRecommendationRequestsPerSecond: 3, enableMetadataWithRecommendations: true },
      },
    });

    it("says the cost (metadata surcharge included) before StartRecommender, not after", async () => {
      personalize.on(DescribeRecommenderCommand).resolvesOnce(described("INACTIVE")).resolves(described("ACTIVE"));
      let costBeforeStart: string[] = [];
      personalize.on(StartRecommenderCommand).callsFake(() => {
        costBeforeStart = log.filter((l) => l.startsWith("warn cost:"));
        return {};
      });
      await service.startRecommender(RECOMMENDER);
      expect(costBeforeStart).to.have.length(1);
      expect(costBeforeStart[0]).to.include("bills for at least 3 recommendation request(s) per second");
      expect(costBeforeStart[0]).to.include(", and metadata in recommendations is billed on top;");
    });

    it("says the metadata surcharge when creating a recommender with metadata", async () => {
      personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { domain: "ECOMMERCE", status: "ACTIVE" } });
      personalize.on(ListRecommendersCommand).resolves({ recommenders: [] });
      personalize.on(CreateRecommenderCommand).resolves({ recommenderArn: RECOMMENDER });
      personalize.on(DescribeRecommenderCommand).resolves(described("ACTIVE"));
      await service.createRecommender({
        name: "roadmapx-for-you",
        datasetGroupArn: GROUP,
        recipeArn: FOR_YOU,
        minRecommendationRequestsPerSecond: 3,
        enableMetadataWithRecommendations: true,
      });
      expect(log.filter((l) => l.startsWith("warn cost:"))).to.deep.equal([
        "warn cost: recommender roadmapx-for-you bills for at least 3 recommendation request(s) per second every hour it is ACTIVE, whether or not it serves requests, and metadata in recommendations is billed on top; stop it (roadmapx-ai personalize recommender stop) or delete it (roadmapx-ai personalize cleanup) when you are done.",
      ]);
    });

    it("leaves an INACTIVE recommender as it is when asked to stop it (no StopRecommender, no error)", async () => {
      personalize.on(DescribeRecommenderCommand).resolves(described("INACTIVE"));
      await service.stopRecommender(RECOMMENDER);
      expect(personalize.commandCalls(StopRecommenderCommand)).to.have.length(0);
    });
  });

  it("refuses a deletion CSV past the size limit, even when it is smaller than one chunk", async () => {
    const err = await failure(async () => {
      for await (const chunk of deletionCsv(["user-1", "user-2"], { users: 0, bytes: 0 }, 16)) void chunk;
    });
    expect(err).to.be.instanceOf(DeletionInputError);
    expect((err as Error).message).to.equal("the deletion CSV passes Personalize's 0.000016 MB: split the users into several jobs");
    const fits: string[] = [];
    for await (const chunk of deletionCsv(["user-1"], { users: 0, bytes: 0 }, 15)) fits.push(Buffer.from(chunk).toString("utf8"));
    expect(fits.join("")).to.equal("USER_ID\nuser-1\n");
  });
});
