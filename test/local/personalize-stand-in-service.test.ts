/**
 * The project's own PersonalizeService against the local Personalize stand-in (S3 on the
 * emulator): the whole workflow it offers, from schema to recommendations and events, then a
 * cleanup that leaves nothing behind. The service's pollers sleep on the test's clock, which is the
 * stand-in's clock too: every wait advances time instead of waiting for it.
 */
import {
  DescribeDatasetGroupCommand,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListSchemasCommand,
  ListSolutionsCommand,
} from "@aws-sdk/client-personalize";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import type { ServiceContext } from "../../services/context";
import { ImportJobFailedError, PersonalizeService, builtinSchema } from "../../services/personalize";
import { WaitFailedError } from "../../services/poll";
import { AiStorage } from "../../services/storage";
import { interactionsCsv } from "../helpers/csv-rows";
import { useEmulator } from "../helpers/emulator";
import { failureOf, StandInClients } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";

describe("PersonalizeService against the local Personalize stand-in (S3 on the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let clients: StandInClients;
  let warnings: string[];
  let service: PersonalizeService;

  beforeEach(async () => {
    clock = new ManualClock();
    // The stand-in's default durations (seconds per step), on the test's clock.
    standIn = await startPersonalizeStandIn({ now: clock.now, s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS } });
    clients = new StandInClients(standIn.endpoint, { region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    warnings = [];
    const context: ServiceContext = {
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: { info: () => undefined, warn: (m) => warnings.push(m) },
    };
    service = new PersonalizeService(context, { intervalMs: 1000, maxIntervalMs: 5000, sleep: clock.sleep, now: clock.now });
  });
  afterEach(async () => {
    clients.destroy();
    await standIn.stop();
  });

  const importOptions = () => ({ sleep: clock.sleep, now: clock.now, pollIntervalMs: 1000, maxPollIntervalMs: 5000 });

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
    };
  }

  it("runs the whole workflow: schema, group, dataset, import, training, campaign, events, recommendations, then a cleanup that leaves nothing", async () => {
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = await service.ensureDatasetGroup("roadmapx-demo");
    expect(group).to.deep.equal({ arn: "arn:aws:personalize:us-east-1:123456789012:dataset-group/roadmapx-demo", created: true });
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions");
    expect(dataset.arn).to.equal("arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/INTERACTIONS");

    const imported = await service.importDataset(dataset.arn, interactionsCsv(1200), "personalize/interactions.csv", importOptions());
    expect(imported).to.include({ status: "ACTIVE", uri: `s3://${BUCKET}/personalize/interactions.csv` });
    expect(imported.jobArn).to.match(/:dataset-import-job\/roadmapx-interactions-\d+$/);
    expect(standIn.datasetRecords(dataset.arn)).to.deep.equal({ imported: 1200, events: 0 });

    const solution = await service.ensureSolution({ name: "roadmapx-recs", datasetGroupArn: group.arn });
    const trained = await service.train(solution.arn);
    expect(trained.arn.startsWith(`${solution.arn}/`)).to.equal(true);
    expect(trained.metrics).to.have.property("precision_at_25");
    expect(trained.trainingHours).to.be.greaterThan(0);
    const campaign = await service.ensureCampaign({ name: "roadmapx-live", solutionArn: solution.arn, solutionVersionArn: trained.arn, minProvisionedTPS: 1 });
    const tracker = await service.ensureEventTracker(group.arn, "roadmapx-tracker");
    expect(tracker.trackingId).to.match(/^[0-9a-f-]{36}$/);

    // interactionsCsv: user-u interacted with item-u, item-(u+50), ... item-(u+250).
    const seenByUser3 = new Set([3, 53, 103, 153, 203, 253].map((i) => `item-${i}`));
    const before = await service.getRecommendations({ campaignArn: campaign.arn, userId: "user-3", numResults: 10 });
    expect(before).to.have.length(10);
    expect(before.filter((r) => seenByUser3.has(r.itemId))).to.deep.equal([]);
    const events = Array.from({ length: 12 }, (_, i) => ({ eventType: "view", itemId: before[i % 2]?.itemId ?? "", sentAt: new Date(clock.now()) }));
    expect(await service.putEvents({ trackingId: tracker.trackingId, userId: "user-3", sessionId: "session-1", events })).to.deep.equal({ sent: 12, calls: 2 });
    expect(standIn.callCount("PutEvents")).to.equal(2);
    const after = await service.getRecommendations({ campaignArn: campaign.arn, userId: "user-3", numResults: 10 });
    expect(
      after.map((r) => r.itemId),
      "the two items just viewed are no longer recommended",
    ).to.not.include.members([before[0]?.itemId, before[1]?.itemId]);
    expect(after.map((r) => r.itemId).slice(0, 8)).to.deep.equal(before.slice(2).map((r) => r.itemId));

    // Each step again: found, not created a second time.
    expect((await service.ensureDatasetGroup("roadmapx-demo")).created).to.equal(false);
    expect((await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions")).created).to.equal(false);
    expect((await service.ensureSolution({ name: "roadmapx-recs", datasetGroupArn: group.arn })).created).to.equal(false);
    expect(
      (await service.ensureCampaign({ name: "roadmapx-live", solutionArn: solution.arn, solutionVersionArn: trained.arn, minProvisionedTPS: 1 })).created,
    ).to.equal(false);
    expect(await service.ensureEventTracker(group.arn, "roadmapx-tracker")).to.deep.equal({ ...tracker, created: false });

    const deleted = await service.cleanup(group.arn, { deleteSchemas: true });
    expect(deleted).to.deep.equal([campaign.arn, solution.arn, tracker.arn, dataset.arn, group.arn, schema.arn]);
    expect(await everythingListed()).to.deep.equal({
      datasetGroups: [],
      schemas: [],
      datasets: [],
      importJobs: [],
      solutions: [],
      campaigns: [],
      eventTrackers: [],
    });
    expect((await failureOf(clients.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: group.arn })))).name).to.equal(
      "ResourceNotFoundException",
    );
    expect(await service.cleanup(group.arn), "a second cleanup finds nothing to do").to.deep.equal([]);
    expect(warnings.some((w) => w.startsWith("cost: campaign roadmapx-live bills"))).to.equal(true);
  });

  it("reports an import job Personalize fails, with its reason and where the data stays", async () => {
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = await service.ensureDatasetGroup("roadmapx-demo");
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions");
    standIn.failNext("datasetImportJob", "Insufficient privileges for accessing data in S3.");
    let caught: unknown;
    try {
      await service.importDataset(dataset.arn, interactionsCsv(10), "personalize/small.csv", importOptions());
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportJobFailedError);
    expect((caught as ImportJobFailedError).failureReason).to.equal("Insufficient privileges for accessing data in S3.");
    expect((caught as Error).message).to.include(`the data stays at s3://${BUCKET}/personalize/small.csv`);
    expect(standIn.datasetRecords(dataset.arn)?.imported).to.equal(0);
  });

  it("reports training Personalize refuses for too little data (its 1000-interaction minimum)", async () => {
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = await service.ensureDatasetGroup("roadmapx-demo");
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions");
    await service.importDataset(dataset.arn, interactionsCsv(200), "personalize/small.csv", importOptions());
    const solution = await service.ensureSolution({ name: "roadmapx-recs", datasetGroupArn: group.arn });
    let caught: unknown;
    try {
      await service.train(solution.arn);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WaitFailedError);
    expect((caught as WaitFailedError).status).to.equal("CREATE FAILED");
    expect((caught as WaitFailedError).reason).to.equal(
      "Insufficient data for training: at least 1000 item interactions are required, the dataset group has 200.",
    );
  });
});
