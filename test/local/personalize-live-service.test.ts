/**
 * The project's own PersonalizeService, for a live application, against the local Personalize
 * stand-in (S3 on the emulator): filters created, applied with their values and deleted; metadata
 * and promotions in the answer; PutItems/PutUsers seen at once; personalized ranking; a recommender
 * of a Domain dataset group stopped, started and cleaned up first; and a user's data deleted through
 * a CSV under personalize/deletions/. The service's pollers sleep on the stand-in's clock, so every
 * wait advances time instead of waiting for it. (Over 350 lines: one case per live-application
 * feature, each building its own dataset group, so a failure names its feature.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeDataDeletionJobCommand,
  DescribeFilterCommand,
  DescribeRecommenderCommand,
  ListCampaignsCommand,
  ListDataDeletionJobsCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListFiltersCommand,
  ListRecommendersCommand,
  ListSchemasCommand,
  ListSolutionsCommand,
} from "@aws-sdk/client-personalize";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import type { ServiceContext } from "../../services/context";
import {
  builtinSchema,
  DeletionInputError,
  FilterValuesError,
  parseSchema,
  PersonalizeService,
  RecordValidationError,
  type RecommendedItem,
  WorkflowError,
} from "../../services/personalize";
import { AiStorage } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";
import { failureOf, StandInClients } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const P = "arn:aws:personalize:us-east-1:123456789012";
const RECIPE = (name: string) => `arn:aws:personalize:::recipe/${name}`;
const CATEGORIES = ["books", "games", "music"] as const;
const NAMESPACE = "com.amazonaws.personalize.schema";

/** Item k (0-119): category CATEGORIES[k % 3], price k + 0.5, interacted with 20 - floor(k / 6) times. */
const item = (k: number) => `item-${k}`;
const categoryOf = (id: string) => CATEGORIES[Number(id.slice(5)) % 3];
const popularity = (k: number) => 20 - Math.floor(k / 6);

/** 1260 interactions of 40 users, plus "reader", who viewed item-0, item-1 and item-2 only. */
function interactionsCsv(): string {
  const rows = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
  let n = 0;
  for (let k = 0; k < 120; k++) for (let c = 0; c < popularity(k); c++, n++) rows.push(`user-${n % 40},${item(k)},${1_700_000_000 + n},view`);
  for (let k = 0; k < 3; k++) rows.push(`reader,${item(k)},${1_800_000_000 + k},view`);
  return `${rows.join("\n")}\n`;
}

function itemsCsv(): string {
  const rows = ["ITEM_ID,CATEGORY,PRICE"];
  for (let k = 0; k < 120; k++) rows.push(`${item(k)},${CATEGORIES[k % 3]},${k}.5`);
  return `${rows.join("\n")}\n`;
}

/** Custom schemas with a numeric field each, so that a record can break them. */
const ITEMS_SCHEMA = parseSchema("items", {
  type: "record",
  name: "Items",
  namespace: NAMESPACE,
  fields: [
    { name: "ITEM_ID", type: "string" },
    { name: "CATEGORY", type: ["null", "string"], categorical: true, default: null },
    { name: "PRICE", type: ["null", "float"], default: null },
  ],
  version: "1.0",
});
const USERS_SCHEMA = parseSchema("users", {
  type: "record",
  name: "Users",
  namespace: NAMESPACE,
  fields: [
    { name: "USER_ID", type: "string" },
    { name: "SEGMENT", type: ["null", "string"], categorical: true, default: null },
    { name: "AGE", type: ["null", "int"], default: null },
  ],
  version: "1.0",
});
/** The ECOMMERCE domain's Interactions schema: EVENT_TYPE is required there ("ECOMMERCE domain datasets and schema requirements"). */
const SHOP_INTERACTIONS_SCHEMA = parseSchema("interactions", {
  type: "record",
  name: "Interactions",
  namespace: NAMESPACE,
  fields: [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
    { name: "EVENT_TYPE", type: "string" },
  ],
  version: "1.0",
});

const ids = (list: readonly RecommendedItem[]) => list.map((i) => i.itemId);

async function caught(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error("the call succeeded, but it was expected to fail");
}

describe("PersonalizeService's live-application calls against the local Personalize stand-in (S3 on the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let clients: StandInClients;
  /** Each warning with how many Create/StartRecommender calls the stand-in had received when it was logged. */
  let warnings: { message: string; createRecommender: number; startRecommender: number }[];
  let service: PersonalizeService;

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({ now: clock.now, s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS } });
    clients = new StandInClients(standIn.endpoint, { region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    warnings = [];
    const context: ServiceContext = {
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: {
        info: () => undefined,
        warn: (message) =>
          warnings.push({ message, createRecommender: standIn.callCount("CreateRecommender"), startRecommender: standIn.callCount("StartRecommender") }),
      },
    };
    service = new PersonalizeService(context, { intervalMs: 1000, maxIntervalMs: 5000, sleep: clock.sleep, now: clock.now });
  });
  afterEach(async () => {
    clients.destroy();
    await standIn.stop();
  });

  const importOptions = () => ({ sleep: clock.sleep, now: clock.now, pollIntervalMs: 1000, maxPollIntervalMs: 5000 });

  /** A group with Interactions, Items and (empty) Users datasets, trained, served by a campaign with metadata on. */
  async function liveGroup() {
    const group = await service.ensureDatasetGroup("roadmapx-live");
    const schemas = {
      interactions: await service.ensureSchema("roadmapx-live-interactions", builtinSchema("interactions")),
      items: await service.ensureSchema("roadmapx-live-items", ITEMS_SCHEMA),
      users: await service.ensureSchema("roadmapx-live-users", USERS_SCHEMA),
    };
    const datasets = {
      interactions: (await service.ensureDataset(group.arn, "interactions", schemas.interactions.arn, "roadmapx-live-interactions")).arn,
      items: (await service.ensureDataset(group.arn, "items", schemas.items.arn, "roadmapx-live-items")).arn,
      users: (await service.ensureDataset(group.arn, "users", schemas.users.arn, "roadmapx-live-users")).arn,
    };
    await service.importDataset(datasets.interactions, interactionsCsv(), "personalize/live/interactions.csv", importOptions());
    await service.importDataset(datasets.items, itemsCsv(), "personalize/live/items.csv", { ...importOptions(), schema: ITEMS_SCHEMA });
    const solution = await service.ensureSolution({ name: "roadmapx-live-recs", datasetGroupArn: group.arn });
    const trained = await service.train(solution.arn);
    const campaign = await service.ensureCampaign({
      name: "roadmapx-live-for-you",
      solutionArn: solution.arn,
      solutionVersionArn: trained.arn,
      minProvisionedTPS: 1,
      enableMetadataWithRecommendations: true,
    });
    return { group: group.arn, datasets, campaign: campaign.arn };
  }

  async function everythingListed() {
    const p = clients.personalize;
    return {
      datasetGroups: (await p.send(new ListDatasetGroupsCommand({}))).datasetGroups ?? [],
      schemas: (await p.send(new ListSchemasCommand({}))).schemas ?? [],
      datasets: (await p.send(new ListDatasetsCommand({}))).datasets ?? [],
      importJobs: (await p.send(new ListDatasetImportJobsCommand({}))).datasetImportJobs ?? [],
      solutions: (await p.send(new ListSolutionsCommand({}))).solutions ?? [],
      campaigns: (await p.send(new ListCampaignsCommand({}))).campaigns ?? [],
      eventTrackers: (await p.send(new ListEventTrackersCommand({}))).eventTrackers ?? [],
      filters: (await p.send(new ListFiltersCommand({}))).Filters ?? [],
      recommenders: (await p.send(new ListRecommendersCommand({}))).recommenders ?? [],
    };
  }

  const objectText = async (key: string) => (await (await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? "";
  const deletionObjects = async () =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "personalize/deletions/" }))).Contents ?? []).map((o) => o.Key);

  it("filters end to end: created once by name (ACTIVE), its values checked before the call, applied with metadata, then deleted", async () => {
    const live = await liveGroup();
    const expression = "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)";
    const byCategory = await service.createFilter({ name: "roadmapx-by-category", datasetGroupArn: live.group, expression });
    expect(byCategory).to.deep.equal({ arn: `${P}:filter/roadmapx-by-category`, created: true, placeholders: ["CATEGORY"] });
    expect((await clients.personalize.send(new DescribeFilterCommand({ filterArn: byCategory.arn }))).filter?.status).to.equal("ACTIVE");
    expect(await service.createFilter({ name: "roadmapx-by-category", datasetGroupArn: live.group, expression })).to.deep.equal({
      ...byCategory,
      created: false,
    });
    expect(standIn.callCount("CreateFilter"), "the second call finds the filter by name").to.equal(1);
    const changed = await caught(
      service.createFilter({ name: "roadmapx-by-category", datasetGroupArn: live.group, expression: 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("books")' }),
    );
    expect(changed).to.be.instanceOf(WorkflowError);
    expect(changed.message).to.contain("already exists with another expression").and.contain("delete it first");
    expect(standIn.callCount("CreateFilter")).to.equal(1);

    const asked = { campaignArn: live.campaign, userId: "reader", numResults: 10, filterArn: byCategory.arn, metadataColumns: ["CATEGORY"] };
    const books = await service.getRecommendations({ ...asked, filterValues: { CATEGORY: "books" } });
    // The most popular books the reader has not seen (item-0 is one they have): popularity, then id.
    expect(ids(books)).to.deep.equal([3, 6, 9, 12, 15, 18, 21, 24, 27, 30].map(item));
    expect(books.map((i) => i.metadata)).to.deep.equal(books.map(() => ({ CATEGORY: "books" })));
    expect(books.every((i) => typeof i.score === "number" && i.score > 0)).to.equal(true);
    const describes = standIn.callCount("DescribeFilter");
    const either = await service.getRecommendations({ ...asked, filterValues: { CATEGORY: ["books", "games"] } });
    expect(either).to.have.length(10);
    expect(new Set(either.map((i) => i.metadata?.["CATEGORY"]))).to.deep.equal(new Set(["books", "games"]));
    expect(either.every((i) => i.metadata?.["CATEGORY"] === categoryOf(i.itemId))).to.equal(true);
    expect(standIn.callCount("DescribeFilter"), "the filter's expression is described once per service").to.equal(describes);

    const runtimeCalls = standIn.callCount("GetRecommendations");
    const missing = await caught(service.getRecommendations({ ...asked, filterValues: {} }));
    expect(missing).to.be.instanceOf(FilterValuesError);
    expect(missing.message).to.contain("$CATEGORY");
    const unknown = await caught(service.getRecommendations({ ...asked, filterValues: { CATEGORY: "books", COLOUR: "red" } }));
    expect(unknown).to.be.instanceOf(FilterValuesError);
    expect(unknown.message).to.contain("COLOUR");
    expect(standIn.callCount("GetRecommendations"), "refused before any runtime call").to.equal(runtimeCalls);

    expect(await service.deleteFilter(byCategory.arn)).to.deep.equal({ deleted: true });
    expect((await failureOf(clients.personalize.send(new DescribeFilterCommand({ filterArn: byCategory.arn })))).name).to.equal("ResourceNotFoundException");
    expect((await clients.personalize.send(new ListFiltersCommand({ datasetGroupArn: live.group }))).Filters).to.deep.equal([]);
    expect(await service.deleteFilter(byCategory.arn)).to.deep.equal({ deleted: false });
    const gone = await caught(service.getRecommendations({ ...asked, filterValues: { CATEGORY: "books" } }));
    expect(gone.message, "a deleted filter is not answered from the cache").to.contain("does not exist");
    expect(standIn.callCount("GetRecommendations")).to.equal(runtimeCalls);
  });

  it("promotions: a share of the slots filled from the promotion's filter with its own values, marked with promotionName", async () => {
    const live = await liveGroup();
    const byCategory = await service.createFilter({
      name: "roadmapx-by-category",
      datasetGroupArn: live.group,
      expression: "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    });
    const list = await service.getRecommendations({
      campaignArn: live.campaign,
      userId: "reader",
      numResults: 10,
      filterArn: byCategory.arn,
      filterValues: { CATEGORY: "books" },
      metadataColumns: ["CATEGORY"],
      promotions: [{ name: "games-week", percentPromotedItems: 20, filterArn: byCategory.arn, filterValues: { CATEGORY: "games" } }],
    });
    const promoted = list.filter((i) => i.promotionName === "games-week");
    expect(promoted.map((i) => [i.metadata?.["CATEGORY"], i.reason])).to.deep.equal([
      ["games", ["Promoted item"]],
      ["games", ["Promoted item"]],
    ]);
    expect(list.filter((i) => i.promotionName === undefined).map((i) => i.metadata?.["CATEGORY"])).to.deep.equal(Array(8).fill("books"));
    const calls = standIn.callCount("GetRecommendations");
    const noValue = await caught(
      service.getRecommendations({
        campaignArn: live.campaign,
        userId: "reader",
        promotions: [{ name: "games-week", percentPromotedItems: 20, filterArn: byCategory.arn }],
      }),
    );
    expect(noValue).to.be.instanceOf(FilterValuesError);
    expect(standIn.callCount("GetRecommendations")).to.equal(calls);
  });

  it("putItems and putUsers: 25 records in 3 calls, seen at once (metadata, a CurrentUser filter); a record that breaks the schema is refused with its index and field, nothing sent", async () => {
    const live = await liveGroup();
    const ranking = await rankingCampaign(live.group);
    // Five known items move to a new category; twenty new ones arrive.
    const records = [
      ...[0, 1, 2, 3, 4].map((k) => ({ itemId: item(k), properties: { CATEGORY: "sale", PRICE: 1.25 } })),
      ...Array.from({ length: 20 }, (_, i) => ({ itemId: `new-${i}`, properties: { category: ["games", "sale"], price: i + 0.75 } })),
    ];
    expect(await service.putItems({ datasetArn: live.datasets.items, items: records })).to.deep.equal({ sent: 25, calls: 3 });
    expect(standIn.callCount("PutItems")).to.equal(3);
    expect(standIn.datasetRecords(live.datasets.items)?.imported).to.equal(140);
    const ranked = await service.getPersonalizedRanking({
      campaignArn: ranking,
      userId: "reader",
      items: records.map((r) => r.itemId),
      metadataColumns: ["CATEGORY", "PRICE"],
    });
    const metadata = Object.fromEntries(ranked.map((i) => [i.itemId, i.metadata]));
    expect(metadata[item(3)]).to.deep.equal({ CATEGORY: "sale", PRICE: "1.25" });
    expect(metadata["new-7"]).to.deep.equal({ CATEGORY: "games|sale", PRICE: "7.75" });

    const noGamesForKids = await service.createFilter({
      name: "roadmapx-kids",
      datasetGroupArn: live.group,
      expression: 'EXCLUDE ItemID WHERE Items.CATEGORY IN ("games") IF CurrentUser.SEGMENT IN ("kids")',
    });
    const asked = { campaignArn: live.campaign, userId: "user-24", numResults: 20, filterArn: noGamesForKids.arn, metadataColumns: ["CATEGORY"] };
    expect((await service.getRecommendations(asked)).some((i) => i.metadata?.["CATEGORY"] === "games")).to.equal(true);
    const users = Array.from({ length: 25 }, (_, i) => ({ userId: `user-${i}`, properties: { SEGMENT: "kids", AGE: 10 + i } }));
    expect(await service.putUsers({ datasetArn: live.datasets.users, users })).to.deep.equal({ sent: 25, calls: 3 });
    expect(standIn.callCount("PutUsers")).to.equal(3);
    expect(standIn.datasetRecords(live.datasets.users)?.imported).to.equal(25);
    expect((await service.getRecommendations(asked)).filter((i) => i.metadata?.["CATEGORY"] === "games")).to.deep.equal([]);

    // The bad record is in the second call's batch: nothing at all is sent.
    const badPrice = records.slice(0, 15).map((r, i) => (i === 12 ? { itemId: "bad-price", properties: { PRICE: "cheap" } } : r));
    const refused = await caught(service.putItems({ datasetArn: live.datasets.items, items: badPrice }));
    expect(refused).to.be.instanceOf(RecordValidationError);
    expect(refused).to.deep.include({ index: 12, field: "PRICE" });
    expect(refused.message).to.contain("items[12]");
    const unknownColumn = await caught(
      service.putUsers({ datasetArn: live.datasets.users, users: [...users.slice(0, 3), { userId: "user-99", properties: { COLOUR: "red" } }] }),
    );
    expect(unknownColumn).to.be.instanceOf(RecordValidationError);
    expect(unknownColumn).to.deep.include({ index: 3, field: "COLOUR" });
    expect([standIn.callCount("PutItems"), standIn.callCount("PutUsers")]).to.deep.equal([3, 3]);
    expect(standIn.datasetRecords(live.datasets.items)?.imported).to.equal(140);
    expect(standIn.datasetRecords(live.datasets.users)?.imported).to.equal(25);
  });

  /** A campaign of the Personalized-Ranking-v2 recipe (the stand-in's PERSONALIZED_RANKING recipes: aws-personalized-ranking and -v2), metadata on. */
  async function rankingCampaign(groupArn: string): Promise<string> {
    const solution = await service.ensureSolution({
      name: "roadmapx-live-ranking",
      datasetGroupArn: groupArn,
      recipeArn: RECIPE("aws-personalized-ranking-v2"),
    });
    const trained = await service.train(solution.arn);
    return (
      await service.ensureCampaign({
        name: "roadmapx-live-ranking",
        solutionArn: solution.arn,
        solutionVersionArn: trained.arn,
        minProvisionedTPS: 1,
        enableMetadataWithRecommendations: true,
      })
    ).arn;
  }

  it("getPersonalizedRanking: the given items re-ranked (the same set, an unknown one last), and a filter with values leaving some out", async () => {
    const live = await liveGroup();
    const campaignArn = await rankingCampaign(live.group);
    // Interactions: item-3 20, item-20 17, item-49 12, item-78 7, item-100 4; new-thing none.
    const given = [item(100), "new-thing", item(49), item(3), item(78), item(20)];
    const ranked = await service.getPersonalizedRanking({ campaignArn, userId: "reader", items: given });
    expect(ids(ranked)).to.deep.equal([item(3), item(20), item(49), item(78), item(100), "new-thing"]);
    expect([...ids(ranked)].sort()).to.deep.equal([...given].sort());
    const scores = ranked.slice(0, 5).map((i) => i.score ?? 0);
    expect(
      scores.every((score, i) => score > 0 && (i === 0 || score <= (scores[i - 1] ?? 0))),
      "known items' scores, highest first",
    ).to.equal(true);

    const notThis = await service.createFilter({
      name: "roadmapx-not-category",
      datasetGroupArn: live.group,
      expression: "EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    });
    const filtered = await service.getPersonalizedRanking({
      campaignArn,
      userId: "reader",
      items: given.filter((id) => id !== "new-thing"),
      filterArn: notThis.arn,
      filterValues: { CATEGORY: "games" },
      metadataColumns: ["CATEGORY"],
    });
    // item-49 and item-100 are games.
    expect(filtered.map((i) => [i.itemId, i.metadata?.["CATEGORY"]])).to.deep.equal([
      [item(3), "books"],
      [item(20), "music"],
      [item(78), "books"],
    ]);
    const calls = standIn.callCount("GetPersonalizedRanking");
    const unknown = await caught(
      service.getPersonalizedRanking({ campaignArn, userId: "reader", items: [item(1)], filterArn: notThis.arn, filterValues: { GENRE: "x" } }),
    );
    expect(unknown).to.be.instanceOf(FilterValuesError);
    expect(standIn.callCount("GetPersonalizedRanking")).to.equal(calls);
  });

  it("recommenders: a Domain (ECOMMERCE) group and schema, createRecommender (cost said first, ACTIVE), served, stopped, started, and deleted FIRST by a cleanup that leaves nothing", async () => {
    const schema = await service.ensureSchema("roadmapx-shop-interactions", SHOP_INTERACTIONS_SCHEMA, "ECOMMERCE");
    const group = await service.ensureDomainDatasetGroup("roadmapx-shop", "ECOMMERCE");
    expect(group).to.deep.equal({ arn: `${P}:dataset-group/roadmapx-shop`, created: true });
    expect(await service.ensureSchema("roadmapx-shop-interactions", SHOP_INTERACTIONS_SCHEMA, "ECOMMERCE")).to.deep.equal({ ...schema, created: false });
    expect((await caught(service.ensureSchema("roadmapx-shop-interactions", SHOP_INTERACTIONS_SCHEMA, "VIDEO_ON_DEMAND"))).message).to.contain(
      "for the ECOMMERCE domain",
    );
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-shop-interactions");
    // At least 1000 interactions to train a use case ("At minimum 1000 item interactions records"): 1200 View events.
    const rows = ["USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"];
    for (let n = 0; n < 1200; n++) rows.push(`shopper-${n % 30},product-${(n * 7) % 80},${1_700_000_000 + n},View`);
    await service.importDataset(dataset.arn, `${rows.join("\n")}\n`, "personalize/shop/interactions.csv", {
      ...importOptions(),
      schema: SHOP_INTERACTIONS_SCHEMA,
    });
    const filter = await service.createFilter({
      name: "roadmapx-shop-no-purchased",
      datasetGroupArn: group.arn,
      expression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Purchase")',
    });

    const args = {
      name: "roadmapx-shop-for-you",
      datasetGroupArn: group.arn,
      recipeArn: RECIPE("aws-ecomm-recommended-for-you"),
      minRecommendationRequestsPerSecond: 1,
    };
    const wrongDomain = await caught(service.createRecommender({ ...args, recipeArn: RECIPE("aws-vod-top-picks") }));
    expect(wrongDomain).to.be.instanceOf(WorkflowError);
    expect(wrongDomain.message).to.contain("VIDEO_ON_DEMAND use case");
    expect(standIn.callCount("CreateRecommender"), "the recipe is checked against the group's domain before the call").to.equal(0);
    const recommender = await service.createRecommender(args);
    expect(recommender).to.deep.equal({ arn: `${P}:recommender/roadmapx-shop-for-you`, created: true });
    const costLines = warnings.filter((w) => w.message.startsWith("cost: recommender roadmapx-shop-for-you bills"));
    expect(
      costLines.map((w) => w.createRecommender),
      "the cost is said before CreateRecommender is sent",
    ).to.deep.equal([0]);
    const status = async () => (await clients.personalize.send(new DescribeRecommenderCommand({ recommenderArn: recommender.arn }))).recommender?.status;
    expect(await status()).to.equal("ACTIVE");
    expect(await service.createRecommender(args)).to.deep.equal({ ...recommender, created: false });
    expect(standIn.callCount("CreateRecommender")).to.equal(1);

    const served = await service.getRecommendations({ recommenderArn: recommender.arn, userId: "shopper-3", numResults: 5, filterArn: filter.arn });
    expect(served).to.have.length(5);
    expect(served.every((i) => i.itemId.startsWith("product-"))).to.equal(true);

    await service.stopRecommender(recommender.arn);
    expect(await status()).to.equal("INACTIVE");
    expect((await caught(service.getRecommendations({ recommenderArn: recommender.arn, userId: "shopper-3" }))).name).to.equal("ResourceNotFoundException");
    await service.startRecommender(recommender.arn);
    expect(await status()).to.equal("ACTIVE");
    expect(
      warnings.filter((w) => w.message.startsWith("cost: recommender roadmapx-shop-for-you bills")).map((w) => [w.createRecommender, w.startRecommender]),
      "creating and starting each say the cost before their call is sent",
    ).to.deep.equal([
      [0, 0],
      [1, 0],
    ]);
    expect(standIn.callCount("StartRecommender")).to.equal(1);
    expect(ids(await service.getRecommendations({ recommenderArn: recommender.arn, userId: "shopper-3", numResults: 5, filterArn: filter.arn }))).to.deep.equal(
      ids(served),
    );

    const deleted = await service.cleanup(group.arn, { deleteSchemas: true });
    expect(deleted).to.deep.equal([recommender.arn, filter.arn, dataset.arn, group.arn, schema.arn]);
    expect(await everythingListed()).to.deep.equal({
      datasetGroups: [],
      schemas: [],
      datasets: [],
      importJobs: [],
      solutions: [],
      campaigns: [],
      eventTrackers: [],
      filters: [],
      recommenders: [],
    });
    expect(await service.cleanup(group.arn), "a second cleanup finds nothing to do").to.deep.equal([]);
  });

  it("deleteUserData: the ids (an array, or a file with one per line) as USER_ID CSVs under personalize/deletions/, jobs with the role, COMPLETED, then cold-user recommendations", async () => {
    const live = await liveGroup();
    const recommend = async (userId: string) => ids(await service.getRecommendations({ campaignArn: live.campaign, userId, numResults: 5 }));
    const before = await recommend("reader");
    expect(before).to.deep.equal([3, 4, 5, 10, 11].map(item));

    const started = await service.deleteUserData({ datasetGroupArn: live.group, userIds: ["reader"], jobName: "roadmapx-forget-reader" });
    expect(started).to.deep.equal({
      jobArn: `${P}:data-deletion-job/roadmapx-forget-reader`,
      key: "personalize/deletions/roadmapx-forget-reader.csv",
      users: 1,
    });
    // Read before waiting: the wait may remove its input once the job is COMPLETED.
    expect(await objectText(started.key)).to.equal("USER_ID\nreader\n");
    const job = (await clients.personalize.send(new DescribeDataDeletionJobCommand({ dataDeletionJobArn: started.jobArn }))).dataDeletionJob;
    expect(job).to.deep.include({ jobName: "roadmapx-forget-reader", datasetGroupArn: live.group, roleArn: ROLE, status: "PENDING" });
    expect(job?.dataSource?.dataLocation).to.equal(`s3://${BUCKET}/personalize/deletions/roadmapx-forget-reader.csv`);
    expect(await recommend("reader"), "nothing changes until the job is done").to.deep.equal(before);
    expect(await service.waitForDataDeletion(started.jobArn)).to.deep.include({ status: "COMPLETED", numDeleted: 1 });
    const after = await recommend("reader");
    expect(after).to.not.deep.equal(before);
    expect(after, "the reader is a cold user now: the most popular items").to.deep.equal(await recommend("never-seen"));
    expect(after).to.deep.equal([0, 1, 2, 3, 4].map(item));

    const dir = mkdtempSync(join(tmpdir(), "roadmapx-deletion-"));
    try {
      const path = join(dir, "users.txt");
      writeFileSync(path, "user-7\n");
      const user7 = await recommend("user-7");
      expect(user7).to.not.deep.equal(after);
      const fromFile = await service.deleteUserData({ datasetGroupArn: live.group, userIds: { path } });
      const jobName = /data-deletion-job\/(.+)$/.exec(fromFile.jobArn)?.[1];
      expect(jobName).to.match(/^roadmapx-.*deletion-\d+$/);
      expect(fromFile).to.deep.equal({ jobArn: fromFile.jobArn, key: `personalize/deletions/${jobName}.csv`, users: 1 });
      expect(await objectText(fromFile.key)).to.equal("USER_ID\nuser-7\n");
      const fileJob = (await clients.personalize.send(new DescribeDataDeletionJobCommand({ dataDeletionJobArn: fromFile.jobArn }))).dataDeletionJob;
      expect(fileJob).to.deep.include({ roleArn: ROLE, datasetGroupArn: live.group });
      expect(await service.waitForDataDeletion(fromFile.jobArn)).to.deep.include({ status: "COMPLETED", numDeleted: 1 });
      expect(await recommend("user-7")).to.deep.equal(await recommend("never-seen"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const jobs = (await clients.personalize.send(new ListDataDeletionJobsCommand({ datasetGroupArn: live.group }))).dataDeletionJobs ?? [];
    expect(jobs.map((j) => j.status)).to.deep.equal(["COMPLETED", "COMPLETED"]);
  });

  it("deleteUserData refuses an id longer than 256 characters before any job: DeletionInputError naming it, nothing under personalize/deletions/, no job", async () => {
    const group = await service.ensureDatasetGroup("roadmapx-live");
    const tooLong = "x".repeat(257);
    const refused = await caught(service.deleteUserData({ datasetGroupArn: group.arn, userIds: ["user-1", tooLong, "user-2"], jobName: "roadmapx-forget" }));
    expect(refused).to.be.instanceOf(DeletionInputError);
    expect(refused.message).to.contain("user id 2").and.contain("257 characters");
    const dir = mkdtempSync(join(tmpdir(), "roadmapx-deletion-"));
    try {
      const path = join(dir, "users.txt");
      writeFileSync(path, `user-1\nuser-2\n${tooLong}\n`);
      const fromFile = await caught(service.deleteUserData({ datasetGroupArn: group.arn, userIds: { path }, jobName: "roadmapx-forget" }));
      expect(fromFile).to.be.instanceOf(DeletionInputError);
      expect(fromFile.message).to.contain(`${path} line 3`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await deletionObjects()).to.deep.equal([]);
    expect(standIn.callCount("CreateDataDeletionJob")).to.equal(0);
    expect((await clients.personalize.send(new ListDataDeletionJobsCommand({ datasetGroupArn: group.arn }))).dataDeletionJobs).to.deep.equal([]);
  });
});
