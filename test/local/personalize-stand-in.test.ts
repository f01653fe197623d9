/**
 * The local Personalize stand-in with S3 on the emulator: import jobs that read their CSV where
 * Personalize would (an object, or every object under a prefix), fail as it does on a missing object
 * or a header without a required field, and load data that training and recommendations use.
 */
import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateEventTrackerCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteDatasetCommand,
  DeleteSolutionCommand,
  DescribeDatasetImportJobCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListDatasetImportJobsCommand,
} from "@aws-sdk/client-personalize";
import { PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { GetRecommendationsCommand } from "@aws-sdk/client-personalize-runtime";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import { useEmulator } from "../helpers/emulator";
import { failureOf, type StandInSdkClients, standInSdkClients } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const RECIPE = "arn:aws:personalize:::recipe/aws-user-personalization-v2";
const HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE";
const INTERACTIONS_SCHEMA = JSON.stringify({
  type: "record",
  name: "Interactions",
  namespace: "com.amazonaws.personalize.schema",
  fields: [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
    { name: "EVENT_TYPE", type: ["null", "string"], default: null },
  ],
  version: "1.0",
});
const DURATIONS = { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 };
const CREATED_MS = 3000;

const item = (k: number) => `item-${String(k).padStart(3, "0")}`;
/** item-001 … item-040, item k interacted with 2 × (41 − k) times. */
const POPULARITY = Array.from({ length: 40 }, (_, i) => item(i + 1));

/**
 * 1641 interactions: item k by 2 × (41 − k) of them, spread over 97 users, plus `user-solo`, who
 * interacted with item-001 only (so item-001 is the most interacted with overall).
 */
function skewedCsv(): { csv: string; itemsOf: (user: string) => Set<string> } {
  const rows: string[] = [];
  const byUser = new Map<string, Set<string>>();
  const add = (user: string, itemId: string, at: number) => {
    rows.push(`${user},${itemId},${1_700_000_000 + at},view`);
    if (!byUser.has(user)) byUser.set(user, new Set());
    byUser.get(user)?.add(itemId);
  };
  let n = 0;
  POPULARITY.forEach((itemId, i) => {
    for (let c = 0; c < 2 * (40 - i); c++, n++) add(`user-${n % 97}`, itemId, n);
  });
  add("user-solo", item(1), n);
  return { csv: `${[HEADER, ...rows].join("\n")}\n`, itemsOf: (user) => byUser.get(user) ?? new Set() };
}

describe("Personalize stand-in: import jobs from S3, training and recommendations (S3 on the emulator)", function () {
  this.timeout(60_000);
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

  async function interactionsDataset(): Promise<{ datasetGroupArn: string; datasetArn: string }> {
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }));
    const { schemaArn } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    clock.advance(CREATED_MS);
    const { datasetArn } = await sdk.personalize.send(
      new CreateDatasetCommand({ name: "roadmapx-interactions", datasetGroupArn, schemaArn, datasetType: "Interactions" }),
    );
    clock.advance(CREATED_MS);
    return { datasetGroupArn: datasetGroupArn as string, datasetArn: datasetArn as string };
  }

  async function startImport(datasetArn: string, dataLocation: string, jobName = "roadmapx-import", importMode?: "FULL" | "INCREMENTAL"): Promise<string> {
    const created = await sdk.personalize.send(
      new CreateDatasetImportJobCommand({ jobName, datasetArn, dataSource: { dataLocation }, roleArn: ROLE, importMode }),
    );
    return created.datasetImportJobArn as string;
  }

  const describeJob = async (datasetImportJobArn: string) =>
    (await sdk.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn }))).datasetImportJob;

  async function importAndWait(datasetArn: string, dataLocation: string, jobName?: string, importMode?: "FULL" | "INCREMENTAL") {
    const arn = await startImport(datasetArn, dataLocation, jobName, importMode);
    clock.advance(CREATED_MS);
    return describeJob(arn);
  }

  /** Dataset group with the skewed data imported, a trained version and an ACTIVE campaign. */
  async function liveCampaign() {
    const { datasetGroupArn, datasetArn } = await interactionsDataset();
    const data = skewedCsv();
    await upload("personalize/interactions.csv", data.csv);
    expect((await importAndWait(datasetArn, `s3://${BUCKET}/personalize/interactions.csv`))?.status).to.equal("ACTIVE");
    const { solutionArn } = await sdk.personalize.send(
      new CreateSolutionCommand({ name: "roadmapx-recs", datasetGroupArn, recipeArn: RECIPE, performAutoTraining: false }),
    );
    clock.advance(CREATED_MS);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    clock.advance(CREATED_MS);
    const { campaignArn } = await sdk.personalize.send(new CreateCampaignCommand({ name: "roadmapx-live", solutionVersionArn, minProvisionedTPS: 1 }));
    clock.advance(CREATED_MS);
    return {
      datasetGroupArn,
      datasetArn,
      solutionArn: solutionArn as string,
      solutionVersionArn: solutionVersionArn as string,
      campaignArn: campaignArn as string,
      data,
    };
  }

  const recommend = async (campaignArn: string, userId: string, numResults?: number) => {
    const answer = await sdk.runtime.send(new GetRecommendationsCommand({ campaignArn, userId, numResults }));
    return {
      ids: (answer.itemList ?? []).map((i) => i.itemId ?? ""),
      scores: (answer.itemList ?? []).map((i) => i.score ?? 0),
      recommendationId: answer.recommendationId,
    };
  };

  it("imports an object: CREATE PENDING, CREATE IN_PROGRESS, ACTIVE as the clock moves, with every row loaded", async () => {
    const { datasetArn } = await interactionsDataset();
    await upload("personalize/interactions.csv", skewedCsv().csv);
    const arn = await startImport(datasetArn, `s3://${BUCKET}/personalize/interactions.csv`);
    expect((await describeJob(arn))?.status).to.equal("CREATE PENDING");
    expect((await describeJob(arn))?.status, "the clock did not move").to.equal("CREATE PENDING");
    expect(standIn.datasetRecords(datasetArn)?.imported).to.equal(0);
    clock.advance(1000);
    expect((await describeJob(arn))?.status).to.equal("CREATE IN_PROGRESS");
    clock.advance(2000);
    const job = await describeJob(arn);
    expect(job).to.include({ status: "ACTIVE", jobName: "roadmapx-import", datasetArn, importMode: "FULL", roleArn: ROLE });
    expect(job?.dataSource).to.deep.equal({ dataLocation: `s3://${BUCKET}/personalize/interactions.csv` });
    expect(standIn.datasetRecords(datasetArn)).to.deep.equal({ imported: 1641, events: 0 });
    const listed = await sdk.personalize.send(new ListDatasetImportJobsCommand({ datasetArn }));
    expect(listed.datasetImportJobs?.map((j) => [j.jobName, j.status])).to.deep.equal([["roadmapx-import", "ACTIVE"]]);
  });

  it("fails the job, with a reason naming the location, when the object does not exist", async () => {
    const { datasetArn } = await interactionsDataset();
    const job = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/missing.csv`);
    expect(job?.status).to.equal("CREATE FAILED");
    expect(job?.failureReason).to.equal(`Input file s3://${BUCKET}/personalize/missing.csv does not exist (NoSuchKey): upload the data first.`);
    const noBucket = await importAndWait(datasetArn, "s3://roadmapx-no-such-bucket/personalize/a.csv", "roadmapx-import-2");
    expect(noBucket?.failureReason).to.equal("The bucket of s3://roadmapx-no-such-bucket/personalize/a.csv does not exist (NoSuchBucket).");
    const empty = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/nothing-here/`, "roadmapx-import-3");
    expect(empty?.failureReason).to.equal(`No input files were found under s3://${BUCKET}/personalize/nothing-here/.`);
    expect(standIn.datasetRecords(datasetArn)?.imported).to.equal(0);
  });

  it("checks the CSV against the schema: a header without a required field, an unknown column, a bad value fail the job", async () => {
    const { datasetArn } = await interactionsDataset();
    await upload("personalize/no-timestamp.csv", "USER_ID,ITEM_ID,EVENT_TYPE\nuser-1,item-1,view\n");
    const noTimestamp = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/no-timestamp.csv`, "roadmapx-import-1");
    expect(noTimestamp).to.include({
      status: "CREATE FAILED",
      failureReason: `Input CSV is missing the following columns: [TIMESTAMP] (s3://${BUCKET}/personalize/no-timestamp.csv).`,
    });
    await upload("personalize/rating.csv", `${HEADER},RATING\nuser-1,item-1,1700000000,view,5\n`);
    const rating = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/rating.csv`, "roadmapx-import-2");
    expect(rating?.failureReason).to.equal(`s3://${BUCKET}/personalize/rating.csv: the columns [RATING] are not fields of the dataset's schema.`);
    await upload("personalize/bad-time.csv", `${HEADER}\nuser-1,item-1,1700000000,view\nuser-2,item-2,yesterday,view\n`);
    const badTime = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/bad-time.csv`, "roadmapx-import-3");
    expect(badTime?.failureReason).to.equal(`s3://${BUCKET}/personalize/bad-time.csv row 2: TIMESTAMP is "yesterday", which is not a valid long.`);
    await upload("personalize/short-row.csv", `${HEADER}\nuser-1,item-1\n`);
    const shortRow = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/short-row.csv`, "roadmapx-import-4");
    expect(shortRow?.status).to.equal("CREATE FAILED");
    await upload("personalize/no-user.csv", `${HEADER}\n,item-1,1700000000,view\n`);
    const noUser = await importAndWait(datasetArn, `s3://${BUCKET}/personalize/no-user.csv`, "roadmapx-import-5");
    expect(noUser?.failureReason).to.include("USER_ID is empty, but the schema does not allow null");
    expect(standIn.datasetRecords(datasetArn)?.imported, "no failed job loaded anything").to.equal(0);
  });

  it("reads every object under a prefix ending in /; INCREMENTAL adds to the data, FULL replaces it", async () => {
    const { datasetArn } = await interactionsDataset();
    await upload("personalize/batch-1/a.csv", `${HEADER}\nuser-1,item-1,1700000000,view\nuser-2,item-2,1700000001,view\n`);
    await upload("personalize/batch-1/b.csv", `${HEADER}\nuser-3,item-3,1700000002,view\n`);
    await upload("personalize/batch-2.csv", `${HEADER}\nuser-4,item-4,1700000003,view\n`);
    expect((await importAndWait(datasetArn, `s3://${BUCKET}/personalize/batch-1/`, "roadmapx-import-1"))?.status).to.equal("ACTIVE");
    expect(standIn.datasetRecords(datasetArn)?.imported).to.equal(3);
    expect((await importAndWait(datasetArn, `s3://${BUCKET}/personalize/batch-2.csv`, "roadmapx-import-2", "INCREMENTAL"))?.importMode).to.equal("INCREMENTAL");
    expect(standIn.datasetRecords(datasetArn)?.imported).to.equal(4);
    await importAndWait(datasetArn, `s3://${BUCKET}/personalize/batch-2.csv`, "roadmapx-import-3", "FULL");
    expect(standIn.datasetRecords(datasetArn)?.imported).to.equal(1);
    const taken = await failureOf(startImport(datasetArn, `s3://${BUCKET}/personalize/batch-2.csv`, "roadmapx-import-3"));
    expect(taken.name).to.equal("ResourceAlreadyExistsException");
  });

  it("refuses to delete a dataset while an import into it runs", async () => {
    const { datasetArn } = await interactionsDataset();
    await upload("personalize/interactions.csv", skewedCsv().csv);
    const arn = await startImport(datasetArn, `s3://${BUCKET}/personalize/interactions.csv`);
    const refused = await failureOf(sdk.personalize.send(new DeleteDatasetCommand({ datasetArn })));
    expect(refused).to.deep.include({ name: "ResourceInUseException", message: `The dataset ${datasetArn} has the dataset import job ${arn} in progress.` });
    clock.advance(CREATED_MS);
    await sdk.personalize.send(new DeleteDatasetCommand({ datasetArn }));
  });

  it("recommends the most interacted-with items the user has not interacted with, 25 by default, up to 500", async () => {
    const { campaignArn, solutionVersionArn, data } = await liveCampaign();
    const version = (await sdk.personalize.send(new DescribeSolutionVersionCommand({ solutionVersionArn }))).solutionVersion;
    expect(version).to.include({ status: "ACTIVE", trainingMode: "FULL", recipeArn: RECIPE });
    const cold = await recommend(campaignArn, "user-never-seen");
    expect(cold.ids).to.deep.equal(POPULARITY.slice(0, 25));
    expect(cold.recommendationId).to.match(/^RID-[0-9a-f-]{36}$/);
    expect(cold.scores).to.deep.equal([...cold.scores].sort((a, b) => b - a));
    expect(cold.scores.reduce((a, b) => a + b, 0))
      .to.be.greaterThan(0)
      .and.at.most(1);
    const solo = await recommend(campaignArn, "user-solo", 5);
    expect(solo.ids, "item-001 is the only item user-solo interacted with").to.deep.equal([item(2), item(3), item(4), item(5), item(6)]);
    const seen = data.itemsOf("user-5");
    const user5 = await recommend(campaignArn, "user-5", 500);
    expect(user5.ids).to.deep.equal(POPULARITY.filter((i) => !seen.has(i)));
    expect(user5.ids.some((i) => seen.has(i))).to.equal(false);
    expect((await recommend(campaignArn, "user-never-seen", 500)).ids, "there are only 40 items").to.have.length(40);
  });

  it("takes events recorded with PutEvents into account: an item the user just interacted with is no longer recommended", async () => {
    const { campaignArn, datasetGroupArn, datasetArn } = await liveCampaign();
    const { trackingId } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn }));
    clock.advance(CREATED_MS);
    expect((await recommend(campaignArn, "user-solo", 2)).ids).to.deep.equal([item(2), item(3)]);
    await sdk.events.send(
      new PutEventsCommand({
        trackingId,
        userId: "user-solo",
        sessionId: "session-1",
        eventList: [{ eventType: "view", itemId: item(2), sentAt: new Date() }],
      }),
    );
    expect((await recommend(campaignArn, "user-solo", 2)).ids).to.deep.equal([item(3), item(4)]);
    expect(standIn.datasetRecords(datasetArn)).to.deep.equal({ imported: 1641, events: 1 });
  });

  it("answers offline metrics named as Personalize names them, each between 0 and 1", async () => {
    const { solutionVersionArn } = await liveCampaign();
    const { metrics } = await sdk.personalize.send(new GetSolutionMetricsCommand({ solutionVersionArn }));
    expect(Object.keys(metrics ?? {}).sort()).to.deep.equal([
      "coverage",
      "mean_reciprocal_rank_at_25",
      "normalized_discounted_cumulative_gain_at_10",
      "normalized_discounted_cumulative_gain_at_25",
      "normalized_discounted_cumulative_gain_at_5",
      "precision_at_10",
      "precision_at_25",
      "precision_at_5",
    ]);
    for (const [name, value] of Object.entries(metrics ?? {})) expect(value, name).to.be.within(0, 1);
    expect(metrics?.["coverage"]).to.be.greaterThan(0);
  });

  it("refuses to delete a solution a campaign deploys", async () => {
    const { solutionArn, campaignArn } = await liveCampaign();
    const refused = await failureOf(sdk.personalize.send(new DeleteSolutionCommand({ solutionArn })));
    expect(refused).to.deep.include({
      name: "ResourceInUseException",
      message: `The solution ${solutionArn} is deployed by the campaign ${campaignArn}: delete the campaign first.`,
    });
  });
});
