/**
 * The local Personalize stand-in's batch jobs with S3 on the emulator: batch inference and batch
 * segment jobs read their JSON lines where Personalize would (an object, or every object under a
 * prefix), move PENDING > IN PROGRESS > ACTIVE as the test's clock moves, write `<input>.out` in the
 * documented shapes with what GetRecommendations answers, fail as asked or when the input is
 * missing, and refuse what Personalize refuses.
 */
import {
  CreateBatchInferenceJobCommand,
  type CreateBatchInferenceJobCommandInput,
  CreateBatchSegmentJobCommand,
  type CreateBatchSegmentJobCommandInput,
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DescribeBatchInferenceJobCommand,
  DescribeBatchSegmentJobCommand,
  DescribeDatasetImportJobCommand,
  ListBatchInferenceJobsCommand,
  ListBatchSegmentJobsCommand,
  ListTagsForResourceCommand,
} from "@aws-sdk/client-personalize";
import { GetRecommendationsCommand } from "@aws-sdk/client-personalize-runtime";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
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
const CREATED_MS = 3000;
const schema = (name: string, fields: { name: string; type: string | string[] }[]) => JSON.stringify({ type: "record", name, fields, version: "1.0" });
const INTERACTIONS_SCHEMA = schema("Interactions", [
  { name: "USER_ID", type: "string" },
  { name: "ITEM_ID", type: "string" },
  { name: "TIMESTAMP", type: "long" },
]);
const ITEMS_SCHEMA = schema("Items", [
  { name: "ITEM_ID", type: "string" },
  { name: "GENRES", type: ["null", "string"] },
]);

const item = (k: number) => `item-${String(k).padStart(3, "0")}`;

/** 1640 interactions: item k (1-40) by 2 × (41 - k) of 97 users; user-solo interacted with item-001 only. */
function interactionsCsv(): string {
  const rows = ["USER_ID,ITEM_ID,TIMESTAMP"];
  let n = 0;
  for (let k = 1; k <= 40; k++) for (let c = 0; c < 2 * (41 - k); c++, n++) rows.push(`user-${n % 97},${item(k)},${1_700_000_000 + n}`);
  rows.push(`user-solo,${item(1)},${1_700_000_000 + n}`);
  return `${rows.join("\n")}\n`;
}

/** item k is Comedy when k is odd, Action when k % 3 = 0 (so item-003 is Comedy|Action). */
function itemsCsv(): string {
  const rows = ["ITEM_ID,GENRES"];
  for (let k = 1; k <= 40; k++) rows.push(`${item(k)},${[k % 2 === 1 ? "Comedy" : "", k % 3 === 0 ? "Action" : ""].filter(Boolean).join("|")}`);
  return `${rows.join("\n")}\n`;
}

describe("Personalize stand-in: batch inference and batch segment jobs (S3 on the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let sdk: StandInSdkClients;

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({ now: clock.now, durations: DURATIONS, s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS } });
    sdk = standInSdkClients(standIn);
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterEach(async () => {
    sdk.destroy();
    await standIn.stop();
  });

  const upload = (key: string, body: string) => ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));

  let groupArn: string | undefined;
  beforeEach(() => {
    groupArn = undefined;
  });

  /** The dataset group with the interactions and items imported (once per test). */
  async function dataImported(): Promise<string> {
    if (groupArn) return groupArn;
    const group = (await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }))).datasetGroupArn as string;
    await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-items", schema: ITEMS_SCHEMA }));
    clock.advance(CREATED_MS);
    await upload("personalize/interactions.csv", interactionsCsv());
    await upload("personalize/items.csv", itemsCsv());
    for (const [type, name] of [
      ["INTERACTIONS", "interactions"],
      ["ITEMS", "items"],
    ] as const) {
      await sdk.personalize.send(
        new CreateDatasetCommand({ name: `roadmapx-${name}`, datasetGroupArn: group, schemaArn: `${P}:schema/roadmapx-${name}`, datasetType: type }),
      );
      clock.advance(CREATED_MS);
      await sdk.personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: `roadmapx-import-${name}`,
          datasetArn: `${P}:dataset/roadmapx-group/${type}`,
          dataSource: { dataLocation: `s3://${BUCKET}/personalize/${name}.csv` },
          roleArn: ROLE,
        }),
      );
      clock.advance(CREATED_MS);
    }
    const items = await sdk.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: `${P}:dataset-import-job/roadmapx-import-items` }));
    expect(items.datasetImportJob?.status, items.datasetImportJob?.failureReason).to.equal("ACTIVE");
    expect(standIn.datasetRecords(`${P}:dataset/roadmapx-group/ITEMS`)?.imported).to.equal(40);
    return (groupArn = group);
  }

  /** An ACTIVE version of a solution of `recipe` on the imported data. */
  async function trained(recipe: string, name = "roadmapx-recs"): Promise<{ versionArn: string }> {
    const datasetGroupArn = await dataImported();
    const { solutionArn } = await sdk.personalize.send(new CreateSolutionCommand({ name, datasetGroupArn, recipeArn: RECIPE(recipe) }));
    clock.advance(CREATED_MS);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    clock.advance(CREATED_MS);
    return { versionArn: solutionVersionArn as string };
  }

  function inferenceJob(versionArn: string, overrides: Partial<CreateBatchInferenceJobCommandInput> = {}): CreateBatchInferenceJobCommandInput {
    return {
      jobName: "roadmapx-batch-1",
      solutionVersionArn: versionArn,
      jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/j1/input/input.jsonl` } },
      jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/j1/output/` } },
      roleArn: ROLE,
      ...overrides,
    };
  }

  function segmentJob(versionArn: string, overrides: Partial<CreateBatchSegmentJobCommandInput> = {}): CreateBatchSegmentJobCommandInput {
    return {
      jobName: "roadmapx-segment-1",
      solutionVersionArn: versionArn,
      jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/s1/input/input.jsonl` } },
      jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/s1/output/` } },
      roleArn: ROLE,
      ...overrides,
    };
  }

  const describeInference = async (batchInferenceJobArn: string) =>
    (await sdk.personalize.send(new DescribeBatchInferenceJobCommand({ batchInferenceJobArn }))).batchInferenceJob;
  const describeSegment = async (batchSegmentJobArn: string) =>
    (await sdk.personalize.send(new DescribeBatchSegmentJobCommand({ batchSegmentJobArn }))).batchSegmentJob;

  async function outputLines(key: string): Promise<Record<string, unknown>[]> {
    const object = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const lines: Record<string, unknown>[] = [];
    for await (const line of createInterface({ input: object.Body as Readable, crlfDelay: Infinity })) lines.push(JSON.parse(line) as Record<string, unknown>);
    return lines;
  }

  const keysUnder = async (prefix: string) =>
    ((await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  it("batch inference (User-Personalization): PENDING, IN PROGRESS, ACTIVE with the clock; <input>.out holds what GetRecommendations answers", async () => {
    const { versionArn } = await trained("aws-user-personalization-v2");
    // After training, user-solo also had item-002: recommendations leave it out, as GetRecommendations' do.
    await upload("personalize/more.csv", `USER_ID,ITEM_ID,TIMESTAMP\nuser-solo,${item(2)},1800000000\n`);
    await sdk.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: "roadmapx-import-more",
        datasetArn: `${P}:dataset/roadmapx-group/INTERACTIONS`,
        dataSource: { dataLocation: `s3://${BUCKET}/personalize/more.csv` },
        roleArn: ROLE,
        importMode: "INCREMENTAL",
      }),
    );
    clock.advance(CREATED_MS);
    await upload(
      "personalize/batch/j1/input/input.jsonl",
      [
        '{"userId": "user-solo"}',
        '{"userId": "user-5", "filterValues": {"GENRE": "\\"Comedy\\""}}',
        "",
        "not json",
        '{"itemId": "item-001"}',
        '{"userId": "nobody"}',
      ].join("\n"),
    );
    const filterArn = `${P}:filter/roadmapx-comedy`;
    const { batchInferenceJobArn } = await sdk.personalize.send(
      new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { numResults: 5, filterArn, tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }] })),
    );
    expect(batchInferenceJobArn).to.equal(`${P}:batch-inference-job/roadmapx-batch-1`);
    expect((await describeInference(batchInferenceJobArn as string))?.status).to.equal("PENDING");
    clock.advance(1000);
    expect((await describeInference(batchInferenceJobArn as string))?.status).to.equal("IN PROGRESS");
    clock.advance(2000);
    const job = await describeInference(batchInferenceJobArn as string);
    expect(job).to.deep.include({
      status: "ACTIVE",
      jobName: "roadmapx-batch-1",
      solutionVersionArn: versionArn,
      numResults: 5,
      filterArn,
      roleArn: ROLE,
      batchInferenceJobMode: "BATCH_INFERENCE",
      jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/j1/input/input.jsonl` } },
      jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/j1/output/` } },
    });
    expect(job?.failureReason).to.equal(undefined);
    expect(await keysUnder("personalize/batch/j1/output/")).to.deep.equal(["personalize/batch/j1/output/input.jsonl.out"]);

    const lines = await outputLines("personalize/batch/j1/output/input.jsonl.out");
    expect(lines.map((l) => l["input"])).to.deep.equal([
      { userId: "user-solo" },
      { userId: "user-5", filterValues: { GENRE: '"Comedy"' } },
      "not json",
      { itemId: "item-001" },
      { userId: "nobody" },
    ]);
    // What GetRecommendations answers for the same user, numResults and version.
    const { campaignArn } = await sdk.personalize.send(new CreateCampaignCommand({ name: "roadmapx-live", solutionVersionArn: versionArn }));
    clock.advance(CREATED_MS);
    for (const [index, userId] of [
      [0, "user-solo"],
      [4, "nobody"],
    ] as const) {
      const live = await sdk.runtime.send(new GetRecommendationsCommand({ campaignArn, userId, numResults: 5 }));
      expect(lines[index], userId).to.deep.equal({
        input: { userId },
        output: { recommendedItems: (live.itemList ?? []).map((i) => i.itemId), scores: (live.itemList ?? []).map((i) => i.score) },
        error: null,
      });
    }
    expect((lines[0]?.["output"] as { recommendedItems: string[] }).recommendedItems, "user-solo's own items are left out").to.deep.equal(
      [3, 4, 5, 6, 7].map(item),
    );
    expect(lines[2]).to.deep.equal({ input: "not json", output: { recommendedItems: [] }, error: "User error: the line is not valid JSON" });
    expect(lines[3]).to.deep.equal({
      input: { itemId: "item-001" },
      output: { recommendedItems: [] },
      error: "User error: Required fields for the provided recipe are userId",
    });
    const listed = await sdk.personalize.send(new ListBatchInferenceJobsCommand({ solutionVersionArn: versionArn }));
    expect(listed.batchInferenceJobs?.map((j) => [j.jobName, j.status, j.batchInferenceJobMode])).to.deep.equal([
      ["roadmapx-batch-1", "ACTIVE", "BATCH_INFERENCE"],
    ]);
    expect((await sdk.personalize.send(new ListTagsForResourceCommand({ resourceArn: batchInferenceJobArn }))).tags).to.deep.equal([
      { tagKey: "project", tagValue: "roadmapx-ai" },
    ]);
  });

  it("related items (SIMS) and personalized ranking write their own shapes: no scores for SIMS, every listed item ranked once for ranking", async () => {
    const sims = await trained("aws-sims", "roadmapx-sims");
    await upload("personalize/batch/j1/input/input.jsonl", '{"itemId": "item-040"}\n{"userId": "user-1"}\n');
    await sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(sims.versionArn, { numResults: 3 })));
    const ranking = await trained("aws-personalized-ranking-v2", "roadmapx-rank");
    await upload(
      "personalize/batch/r1/input.jsonl",
      '{"userId": "user-1", "itemList": ["item-040", "item-001", "item-020", "item-001"]}\n{"userId": "user-1"}\n',
    );
    await sdk.personalize.send(
      new CreateBatchInferenceJobCommand(
        inferenceJob(ranking.versionArn, {
          jobName: "roadmapx-rank-1",
          jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/r1/input.jsonl` } },
          jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/r1/out` } },
        }),
      ),
    );
    clock.advance(CREATED_MS);
    expect((await describeInference(`${P}:batch-inference-job/roadmapx-batch-1`))?.status).to.equal("ACTIVE");
    expect((await describeInference(`${P}:batch-inference-job/roadmapx-rank-1`))?.status).to.equal("ACTIVE");
    const [related, relatedError] = await outputLines("personalize/batch/j1/output/input.jsonl.out");
    expect(related).to.have.keys("input", "output");
    expect(related?.["output"]).to.have.keys("recommendedItems");
    expect((related?.["output"] as { recommendedItems: string[] }).recommendedItems)
      .to.have.length(3)
      .and.not.include("item-040");
    expect(relatedError?.["error"]).to.equal("User error: Required fields for the provided recipe are itemId");
    // An output path without a trailing "/" is a folder all the same.
    const [ranked, rankError] = await outputLines("personalize/batch/r1/out/input.jsonl.out");
    const output = ranked?.["output"] as { recommendedItems: string[]; scores: number[] };
    expect(output.recommendedItems).to.deep.equal(["item-001", "item-020", "item-040"]);
    expect(output.scores[0]).to.be.greaterThan(output.scores[1] as number);
    expect(output.scores.reduce((a, b) => a + b, 0)).to.be.closeTo(1, 1e-5);
    expect(rankError?.["error"]).to.equal("User error: Required fields for the provided recipe are userId, itemList");
  });

  it("reads every object under a prefix, as Personalize does (a path without '/' takes folderName_test too), one .out per input file", async () => {
    const { versionArn } = await trained("aws-user-personalization");
    await upload("personalize/batch/in/a.jsonl", '{"userId": "user-1"}\n{"userId": "user-2"}\n');
    await upload("personalize/batch/in/b.jsonl", '{"userId": "user-3"}\n');
    await upload("personalize/batch/in_test/c.jsonl", '{"userId": "user-4"}\n');
    const folder = `s3://${BUCKET}/personalize/batch/in/`;
    await sdk.personalize.send(
      new CreateBatchInferenceJobCommand(
        inferenceJob(versionArn, {
          jobName: "roadmapx-folder",
          jobInput: { s3DataSource: { path: folder } },
          jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/out1/` } },
        }),
      ),
    );
    await sdk.personalize.send(
      new CreateBatchInferenceJobCommand(
        inferenceJob(versionArn, {
          jobName: "roadmapx-prefix",
          jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/in` } },
          jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/out2/` } },
        }),
      ),
    );
    clock.advance(CREATED_MS);
    expect((await describeInference(`${P}:batch-inference-job/roadmapx-prefix`))?.status).to.equal("ACTIVE");
    expect(await keysUnder("personalize/batch/out1/")).to.deep.equal(["personalize/batch/out1/a.jsonl.out", "personalize/batch/out1/b.jsonl.out"]);
    expect(await keysUnder("personalize/batch/out2/")).to.deep.equal([
      "personalize/batch/out2/in/a.jsonl.out",
      "personalize/batch/out2/in/b.jsonl.out",
      "personalize/batch/out2/in_test/c.jsonl.out",
    ]);
    expect((await outputLines("personalize/batch/out1/a.jsonl.out")).map((l) => l["input"])).to.deep.equal([{ userId: "user-1" }, { userId: "user-2" }]);
  });

  it("batch segment jobs: Item-Affinity and Item-Attribute-Affinity users, as documented", async () => {
    const affinity = await trained("aws-item-affinity", "roadmapx-affinity");
    await upload("personalize/batch/s1/input/input.jsonl", '{"itemId": "item-040"}\n{"itemId": "no-such-item"}\n{"userId": "user-1"}\n');
    const { batchSegmentJobArn } = await sdk.personalize.send(new CreateBatchSegmentJobCommand(segmentJob(affinity.versionArn, { numResults: 4 })));
    expect(batchSegmentJobArn).to.equal(`${P}:batch-segment-job/roadmapx-segment-1`);
    expect((await describeSegment(batchSegmentJobArn as string))?.status).to.equal("PENDING");
    const attributes = await trained("aws-item-attribute-affinity", "roadmapx-attributes");
    await upload(
      "personalize/batch/s2/input.jsonl",
      '{"itemAttributes": "ITEMS.genres = \\"Comedy\\" AND ITEMS.genres = \\"Action\\""}\n{"itemAttributes": "ITEMS.mood = \\"x\\""}\n',
    );
    await sdk.personalize.send(
      new CreateBatchSegmentJobCommand(
        segmentJob(attributes.versionArn, {
          jobName: "roadmapx-segment-2",
          numResults: 3,
          jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/s2/input.jsonl` } },
          jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/s2/output/` } },
        }),
      ),
    );
    clock.advance(CREATED_MS);
    expect(await describeSegment(batchSegmentJobArn as string)).to.deep.include({ status: "ACTIVE", numResults: 4, solutionVersionArn: affinity.versionArn });
    const [forItem, unknown, wrong] = await outputLines("personalize/batch/s1/output/input.jsonl.out");
    expect(forItem).to.have.keys("input", "output");
    expect(forItem?.["input"]).to.deep.equal({ itemId: "item-040" });
    const users = (forItem?.["output"] as { recommendedUsers: string[] }).recommendedUsers;
    expect(users).to.have.length(4);
    expect(unknown).to.deep.equal({ input: { itemId: "no-such-item" }, output: { recommendedUsers: [] } });
    expect(wrong?.["error"]).to.equal("User error: Required fields for the provided recipe are itemId");
    const [both, noColumn] = await outputLines("personalize/batch/s2/output/input.jsonl.out");
    // item-003 is Comedy|Action: its users (and those of item-009, ...) make the segment.
    expect(both).to.have.keys("itemAttributes", "output");
    expect(both?.["itemAttributes"]).to.equal('ITEMS.genres = "Comedy" AND ITEMS.genres = "Action"');
    expect((both?.["output"] as { recommendedUsers: string[] }).recommendedUsers).to.have.length(3);
    expect(noColumn?.["error"]).to.equal("User error: the Items dataset has no column mood");
    const listed = await sdk.personalize.send(new ListBatchSegmentJobsCommand({}));
    expect(listed.batchSegmentJobs?.map((j) => [j.jobName, j.status])).to.deep.equal([
      ["roadmapx-segment-1", "ACTIVE"],
      ["roadmapx-segment-2", "ACTIVE"],
    ]);
  });

  it("fails a job as asked (failNext), or when its input is missing or over a recipe's query limit: CREATE FAILED with the reason, no output", async () => {
    const { versionArn } = await trained("aws-user-personalization-v2");
    const affinity = await trained("aws-item-affinity", "roadmapx-affinity");
    await upload("personalize/batch/j1/input/input.jsonl", '{"userId": "user-1"}\n');
    standIn.failNext("batchInferenceJob", "Insufficient privileges for accessing data in S3.");
    const { batchInferenceJobArn } = await sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn)));
    const missing = await sdk.personalize.send(
      new CreateBatchInferenceJobCommand(
        inferenceJob(versionArn, { jobName: "roadmapx-missing", jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/nothing/` } } }),
      ),
    );
    await upload("personalize/batch/s1/input/input.jsonl", Array.from({ length: 501 }, (_, i) => JSON.stringify({ itemId: item((i % 40) + 1) })).join("\n"));
    const tooMany = await sdk.personalize.send(new CreateBatchSegmentJobCommand(segmentJob(affinity.versionArn)));
    clock.advance(1000);
    expect((await describeInference(batchInferenceJobArn as string))?.status, "failed jobs go through their statuses too").to.equal("IN PROGRESS");
    clock.advance(2000);
    expect(await describeInference(batchInferenceJobArn as string)).to.deep.include({
      status: "CREATE FAILED",
      failureReason: "Insufficient privileges for accessing data in S3.",
    });
    expect(await describeInference(missing.batchInferenceJobArn as string)).to.deep.include({
      status: "CREATE FAILED",
      failureReason: `No input files were found at s3://${BUCKET}/personalize/batch/nothing/.`,
    });
    expect(await describeSegment(tooMany.batchSegmentJobArn as string)).to.deep.include({
      status: "CREATE FAILED",
      failureReason: `Input file s3://${BUCKET}/personalize/batch/s1/input/input.jsonl has more than 500 queries; the aws-item-affinity recipe takes at most 500 per input file.`,
    });
    expect(await keysUnder("personalize/batch/j1/output/")).to.deep.equal([]);
    expect(await keysUnder("personalize/batch/s1/output/")).to.deep.equal([]);
  });

  it("refuses what Personalize refuses: unknown or untrained versions, wrong recipes, bad fields, taken names, a sixth running job", async () => {
    const { versionArn } = await trained("aws-user-personalization-v2");
    const refusal = async (call: Promise<unknown>) => {
      const f = await failureOf(call);
      return `${f.name}: ${f.message}`;
    };
    expect(await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(`${P}:solution/roadmapx-recs/deadbeef`))))).to.equal(
      `ResourceNotFoundException: Resource Arn ${P}:solution/roadmapx-recs/deadbeef does not exist.`,
    );
    const { solutionVersionArn: training } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn: `${P}:solution/roadmapx-recs` }));
    expect(await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(training as string))))).to.equal(
      `ResourceInUseException: The solution version ${training} is CREATE PENDING; it must be ACTIVE first.`,
    );
    expect(await refusal(sdk.personalize.send(new CreateBatchSegmentJobCommand(segmentJob(versionArn))))).to.match(
      /^InvalidInputException: A batch segment job needs a solution version of a USER_SEGMENTATION recipe .* uses aws-user-personalization-v2\.$/,
    );
    const bad: [Partial<CreateBatchInferenceJobCommandInput>, string][] = [
      [{ numResults: 0 }, "Member must have value greater than or equal to 1"],
      [{ numResults: 501 }, "Member must have value less than or equal to 500"],
      [{ roleArn: undefined }, "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"],
      [{ jobInput: { s3DataSource: { path: "/tmp/input.jsonl" } } }, "Member must satisfy regular expression pattern: (s3|http|https)://.+"],
      [{ jobName: "roadmapx batch" }, "at 'jobName' failed to satisfy constraint"],
      [{ batchInferenceJobMode: "THEME_GENERATION" }, "this local stand-in does not generate themes"],
    ];
    for (const [overrides, message] of bad) {
      const f = await failureOf(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, overrides))));
      expect(f.name, message).to.equal("InvalidInputException");
      expect(f.message).to.include(message);
    }
    expect(
      (await failureOf(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { filterArn: `${P}:campaign/roadmapx-live` }))))).name,
    ).to.equal("ResourceNotFoundException");
    await upload("personalize/batch/j1/input/input.jsonl", '{"userId": "user-1"}\n');
    for (let i = 1; i <= 5; i++) await sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { jobName: `roadmapx-batch-${i}` })));
    expect(await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn))))).to.equal(
      `ResourceAlreadyExistsException: Resource Arn ${P}:batch-inference-job/roadmapx-batch-1 already exists.`,
    );
    expect(await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { jobName: "roadmapx-batch-6" }))))).to.equal(
      "LimitExceededException: You have 5 batch inference jobs pending or in progress; at most 5 may be at once.",
    );
    clock.advance(CREATED_MS);
    await sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { jobName: "roadmapx-batch-6" })));
    const segments = await trained("aws-item-affinity", "roadmapx-affinity");
    expect(
      await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(segments.versionArn, { jobName: "roadmapx-batch-7" })))),
    ).to.equal(
      `InvalidInputException: The solution version ${segments.versionArn} uses the USER_SEGMENTATION recipe aws-item-affinity: create a batch segment job for it instead.`,
    );
    expect(await refusal(sdk.personalize.send(new CreateCampaignCommand({ name: "roadmapx-segments", solutionVersionArn: segments.versionArn })))).to.match(
      /^InvalidInputException: .* uses a USER_SEGMENTATION recipe: get its user segments with a batch segment job, not a campaign\.$/,
    );
    const trending = await trained("aws-trending-now", "roadmapx-trending");
    expect(
      await refusal(sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(trending.versionArn, { jobName: "roadmapx-batch-8" })))),
    ).to.equal("InvalidInputException: You can't get batch recommendations with the aws-trending-now recipe.");
  });

  it("streams a 100,000-line input through to a 100,000-line output (written in parts)", async () => {
    const { versionArn } = await trained("aws-user-personalization-v2");
    const input = Array.from({ length: 100_000 }, (_, i) => `{"userId": "user-${i % 97}"}`).join("\n");
    await upload("personalize/batch/j1/input/input.jsonl", input);
    const { batchInferenceJobArn } = await sdk.personalize.send(new CreateBatchInferenceJobCommand(inferenceJob(versionArn, { numResults: 10 })));
    clock.advance(CREATED_MS);
    expect((await describeInference(batchInferenceJobArn as string))?.status).to.equal("ACTIVE");
    const object = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/batch/j1/output/input.jsonl.out" }));
    expect(object.ContentLength).to.be.greaterThan(8 * 1024 * 1024);
    let count = 0;
    let last: Record<string, unknown> | undefined;
    for await (const line of createInterface({ input: object.Body as Readable, crlfDelay: Infinity })) {
      last = JSON.parse(line) as Record<string, unknown>;
      count++;
    }
    expect(count).to.equal(100_000);
    expect(last?.["input"]).to.deep.equal({ userId: `user-${99_999 % 97}` });
    expect((last?.["output"] as { recommendedItems: string[] }).recommendedItems).to.have.length(10);
  });
});
