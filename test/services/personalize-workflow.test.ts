/**
 * The Personalize lifecycle. Schemas run against the emulator (moto implements them); everything
 * else uses aws-sdk-client-mock, since moto implements no other Personalize API.
 * (Over 350 lines: one suite per lifecycle step, each case self-contained, so a failure names its step.)
 */
import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateEventTrackerCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteCampaignCommand,
  DeleteDatasetCommand,
  DeleteDatasetGroupCommand,
  DeleteEventTrackerCommand,
  DeleteSchemaCommand,
  DeleteSolutionCommand,
  DescribeCampaignCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListSolutionsCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { APPLICATION, applicationAiActions } from "../../core/requirements";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { ServiceContext } from "../../services/context";
import { PersonalizeService, WorkflowError, builtinSchema, parseSchema } from "../../services/personalize";
import { WaitFailedError, WaitTimeoutError } from "../../services/poll";
import { AiStorage } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";

const P = "arn:aws:personalize:us-east-1:123456789012";
const GROUP = `${P}:dataset-group/roadmapx-demo`;
const SOLUTION = `${P}:solution/roadmapx-recs`;
const VERSION = `${SOLUTION}/abc123`;
const CAMPAIGN = `${P}:campaign/roadmapx-live`;
const noSleep = () => Promise.resolve();
const notFound = () => Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });

function context(clients: AwsClients, warnings: string[]): ServiceContext {
  return {
    config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: "roadmapx-files" }),
    clients,
    storage: new AiStorage(clients, "roadmapx-files"),
    logger: { info: () => undefined, warn: (m) => warnings.push(m) },
  };
}

describe("Personalize schemas (against the emulator)", () => {
  const ctx = useEmulator();

  it("creates a schema once, finds it by name afterwards, and refuses a same-named schema with other fields", async () => {
    const service = new PersonalizeService(context(ctx.clients, []));
    const first = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    expect(first.created).to.equal(true);
    expect(first.arn).to.equal(`${P}:schema/roadmapx-interactions`);
    const again = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    expect(again).to.deep.equal({ arn: first.arn, created: false });
    const other = parseSchema("interactions", {
      type: "record",
      name: "Interactions",
      fields: [
        { name: "USER_ID", type: "string" },
        { name: "ITEM_ID", type: "string" },
        { name: "TIMESTAMP", type: "long" },
      ],
    });
    let caught: unknown;
    try {
      await service.ensureSchema("roadmapx-interactions", other);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WorkflowError);
    expect(String(caught)).to.include("schema roadmapx-interactions already exists with other fields, and schemas cannot change");
  });
});

describe("Personalize lifecycle (aws-sdk-client-mock: moto has no API beyond schemas)", () => {
  let personalize: AwsClientStub<PersonalizeClient>;
  let runtime: AwsClientStub<PersonalizeRuntimeClient>;
  let events: AwsClientStub<PersonalizeEventsClient>;
  let clients: AwsClients;
  let warnings: string[];
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
    warnings = [];
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS });
    service = new PersonalizeService(context(clients, warnings), { sleep: noSleep, intervalMs: 1 });
  });
  afterEach(() => clients.destroy());

  it("creates a dataset group and waits through its statuses to ACTIVE", async () => {
    personalize.on(ListDatasetGroupsCommand).resolves({ datasetGroups: [] });
    personalize.on(CreateDatasetGroupCommand).resolves({ datasetGroupArn: GROUP });
    personalize
      .on(DescribeDatasetGroupCommand)
      .resolvesOnce({ datasetGroup: { status: "CREATE PENDING" } })
      .resolvesOnce({ datasetGroup: { status: "CREATE IN_PROGRESS" } })
      .resolves({ datasetGroup: { status: "ACTIVE" } });
    const seen: string[] = [];
    service = new PersonalizeService(context(clients, warnings), { sleep: noSleep, intervalMs: 1, onStatus: (_w, s) => seen.push(s.status) });
    expect(await service.ensureDatasetGroup("roadmapx-demo")).to.deep.equal({ arn: GROUP, created: true });
    expect(seen).to.deep.equal(["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]);
  });

  it("is idempotent: an existing dataset group (found through pages of results) is not created again", async () => {
    personalize
      .on(ListDatasetGroupsCommand)
      .resolvesOnce({ datasetGroups: [{ name: "other" }], nextToken: "page2" })
      .resolves({ datasetGroups: [{ name: "roadmapx-demo", datasetGroupArn: GROUP }] });
    personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { status: "ACTIVE" } });
    expect(await service.ensureDatasetGroup("roadmapx-demo")).to.deep.equal({ arn: GROUP, created: false });
    expect(personalize.commandCalls(CreateDatasetGroupCommand)).to.have.length(0);
    expect(personalize.commandCalls(ListDatasetGroupsCommand)[1]?.args[0].input.nextToken).to.equal("page2");
  });

  it("reports CREATE FAILED with Personalize's reason", async () => {
    personalize.on(ListDatasetGroupsCommand).resolves({ datasetGroups: [] });
    personalize.on(CreateDatasetGroupCommand).resolves({ datasetGroupArn: GROUP });
    personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { status: "CREATE FAILED", failureReason: "KMS key is not accessible" } });
    let caught: unknown;
    try {
      await service.ensureDatasetGroup("roadmapx-demo");
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WaitFailedError);
    expect(String(caught)).to.include("dataset group roadmapx-demo ended in CREATE FAILED: KMS key is not accessible");
  });

  it("times out a wait that never ends, saying the work goes on", async () => {
    personalize.on(ListDatasetGroupsCommand).resolves({ datasetGroups: [{ name: "roadmapx-demo", datasetGroupArn: GROUP }] });
    personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { status: "CREATE IN_PROGRESS" } });
    let clock = 0;
    service = new PersonalizeService(context(clients, warnings), {
      intervalMs: 1000,
      timeoutMs: 10_000,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    });
    let caught: unknown;
    try {
      await service.ensureDatasetGroup("roadmapx-demo");
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WaitTimeoutError);
    expect(String(caught)).to.include("dataset group roadmapx-demo is still CREATE IN_PROGRESS after");
  });

  it("creates a dataset of the right type with the schema, unless the group already has one", async () => {
    personalize.on(ListDatasetsCommand).resolves({ datasets: [] });
    personalize.on(CreateDatasetCommand).resolves({ datasetArn: `${P}:dataset/roadmapx-demo/INTERACTIONS` });
    personalize.on(DescribeDatasetCommand).resolves({ dataset: { status: "ACTIVE" } });
    await service.ensureDataset(GROUP, "interactions", `${P}:schema/roadmapx-s`, "roadmapx-interactions");
    expect(personalize.commandCalls(CreateDatasetCommand)[0]?.args[0].input).to.deep.equal({
      name: "roadmapx-interactions",
      schemaArn: `${P}:schema/roadmapx-s`,
      datasetGroupArn: GROUP,
      datasetType: "Interactions",
    });
    personalize.reset();
    personalize.on(ListDatasetsCommand).resolves({ datasets: [{ datasetType: "INTERACTIONS", datasetArn: `${P}:dataset/roadmapx-demo/INTERACTIONS` }] });
    personalize.on(DescribeDatasetCommand).resolves({ dataset: { status: "ACTIVE" } });
    expect((await service.ensureDataset(GROUP, "interactions", `${P}:schema/roadmapx-s`, "x")).created).to.equal(false);
    expect(personalize.commandCalls(CreateDatasetCommand)).to.have.length(0);
  });

  it("creates solutions with automatic training off unless asked, and says what auto training costs", async () => {
    personalize.on(ListSolutionsCommand).resolves({ solutions: [] });
    personalize.on(CreateSolutionCommand).resolves({ solutionArn: SOLUTION });
    personalize.on(DescribeSolutionCommand).resolves({ solution: { status: "ACTIVE" } });
    await service.ensureSolution({ name: "roadmapx-recs", datasetGroupArn: GROUP });
    expect(personalize.commandCalls(CreateSolutionCommand)[0]?.args[0].input).to.deep.include({
      performAutoTraining: false,
      recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2",
    });
    expect(warnings).to.deep.equal([]);
    await service.ensureSolution({ name: "roadmapx-auto", datasetGroupArn: GROUP, performAutoTraining: true });
    expect(personalize.commandCalls(CreateSolutionCommand)[1]?.args[0].input.performAutoTraining).to.equal(true);
    expect(warnings[0]).to.match(/trains itself every 7 days .* billed as training hours/);
  });

  it("trains a solution version, waits for it and returns its metrics, saying training is billed", async () => {
    personalize.on(CreateSolutionVersionCommand).resolves({ solutionVersionArn: VERSION });
    personalize
      .on(DescribeSolutionVersionCommand)
      .resolvesOnce({ solutionVersion: { status: "CREATE IN_PROGRESS" } })
      .resolves({ solutionVersion: { status: "ACTIVE", trainingHours: 1.5 } });
    personalize.on(GetSolutionMetricsCommand).resolves({ metrics: { precision_at_25: 0.12, normalized_discounted_cumulative_gain_at_25: 0.3 } });
    const trained = await service.train(SOLUTION);
    expect(trained).to.deep.equal({ arn: VERSION, metrics: { precision_at_25: 0.12, normalized_discounted_cumulative_gain_at_25: 0.3 }, trainingHours: 1.5 });
    expect(warnings.join("\n")).to.include("training is billed per training hour");
  });

  it("requires an explicit minProvisionedTPS for campaigns and says they bill around the clock", async () => {
    let caught: unknown;
    try {
      await service.ensureCampaign({ name: "roadmapx-live", solutionArn: SOLUTION, solutionVersionArn: VERSION, minProvisionedTPS: 0 });
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.include("minProvisionedTPS must be a whole number of 1 or more (got 0)");
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [] });
    personalize.on(CreateCampaignCommand).resolves({ campaignArn: CAMPAIGN });
    personalize.on(DescribeCampaignCommand).resolves({ campaign: { status: "ACTIVE", solutionVersionArn: VERSION } });
    expect(await service.ensureCampaign({ name: "roadmapx-live", solutionArn: SOLUTION, solutionVersionArn: VERSION, minProvisionedTPS: 2 })).to.deep.equal({
      arn: CAMPAIGN,
      created: true,
    });
    expect(personalize.commandCalls(CreateCampaignCommand)[0]?.args[0].input.minProvisionedTPS).to.equal(2);
    expect(warnings[0]).to.match(/bills for 2 provisioned TPS every hour it exists, whether or not it serves requests/);
  });

  it("gets recommendations within Personalize's limits", async () => {
    runtime.on(GetRecommendationsCommand).resolves({ itemList: [{ itemId: "item-1", score: 0.9 }, { itemId: "item-2" }] });
    expect(await service.getRecommendations({ campaignArn: CAMPAIGN, userId: "user-1", numResults: 2 })).to.deep.equal([
      { itemId: "item-1", score: 0.9 },
      { itemId: "item-2" },
    ]);
    for (const n of [0, 501, 2.5]) {
      let caught: unknown;
      try {
        await service.getRecommendations({ campaignArn: CAMPAIGN, userId: "user-1", numResults: n });
      } catch (err) {
        caught = err;
      }
      expect(String(caught), String(n)).to.include(`numResults must be between 1 and 500 (got ${n})`);
    }
    expect(runtime.commandCalls(GetRecommendationsCommand)).to.have.length(1);
  });

  it("sends events in calls of at most 10", async () => {
    events.on(PutEventsCommand).resolves({});
    const list = Array.from({ length: 23 }, (_, i) => ({ eventType: "view", itemId: `item-${i}`, sentAt: new Date(1_700_000_000_000 + i) }));
    expect(await service.putEvents({ trackingId: "t-1", userId: "user-1", sessionId: "s-1", events: list })).to.deep.equal({ sent: 23, calls: 3 });
    expect(events.commandCalls(PutEventsCommand).map((c) => c.args[0].input.eventList?.length)).to.deep.equal([10, 10, 3]);
    let caught: unknown;
    try {
      await service.putEvents({ trackingId: "t-1", userId: "u", sessionId: "s", events: [{ eventType: "", sentAt: new Date() }] });
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.include("event 1 has no eventType");
  });

  it("creates the event tracker once and returns its tracking id", async () => {
    personalize.on(ListEventTrackersCommand).resolves({ eventTrackers: [] });
    personalize.on(CreateEventTrackerCommand).resolves({ eventTrackerArn: `${P}:event-tracker/e1`, trackingId: "track-1" });
    personalize.on(DescribeEventTrackerCommand).resolves({ eventTracker: { status: "ACTIVE", trackingId: "track-1" } });
    expect(await service.ensureEventTracker(GROUP, "roadmapx-events")).to.deep.equal({ arn: `${P}:event-tracker/e1`, created: true, trackingId: "track-1" });
    // Its ARN holds an id, not the name: the project tag is what the application policy scopes it by.
    expect(personalize.commandCalls(CreateEventTrackerCommand)[0]?.args[0].input.tags).to.deep.equal([{ tagKey: "project", tagValue: "roadmapx-ai" }]);
  });

  it("refuses names and ARNs outside the stack's resource-name prefix before sending anything", async () => {
    const foreignGroup = `${P}:dataset-group/movies`;
    const refusals: [string, () => Promise<unknown>, RegExp][] = [
      ["group name", () => service.ensureDatasetGroup("movies"), /^dataset group name "movies" must start with "roadmapx-"/],
      ["group named like the prefix", () => service.ensureDatasetGroup("roadmapx"), /must start with "roadmapx-"/],
      ["schema name", () => service.ensureSchema("interactions", builtinSchema("interactions")), /^schema name "interactions" must start/],
      ["dataset in a foreign group", () => service.ensureDataset(foreignGroup, "interactions", `${P}:schema/roadmapx-s`, "x"), /^datasetGroupArn .*movies/],
      ["solution name", () => service.ensureSolution({ name: "recs", datasetGroupArn: GROUP }), /^solution name "recs"/],
      [
        "campaign of a foreign solution",
        () =>
          service.ensureCampaign({
            name: "roadmapx-live",
            solutionArn: `${P}:solution/recs`,
            solutionVersionArn: `${P}:solution/recs/1`,
            minProvisionedTPS: 1,
          }),
        /^solutionArn .*"recs"/,
      ],
      ["tracker in a foreign group", () => service.ensureEventTracker(foreignGroup, "roadmapx-events"), /^datasetGroupArn/],
      [
        "recommendations from a foreign campaign",
        () => service.getRecommendations({ campaignArn: `${P}:campaign/live`, userId: "u1" }),
        /^campaignArn .*"live"/,
      ],
      ["cleanup of a foreign group", () => service.cleanup(foreignGroup), /^datasetGroupArn/],
    ];
    for (const [what, call, message] of refusals) {
      let caught: unknown;
      try {
        await call();
      } catch (err) {
        caught = err;
      }
      expect(caught, what).to.be.instanceOf(WorkflowError);
      expect((caught as Error).message, what).to.match(message);
    }
    expect(personalize.calls(), "nothing was sent to Personalize").to.have.length(0);
    expect(runtime.calls(), "nothing was sent to personalize-runtime").to.have.length(0);
  });

  it("takes the prefix from the configuration: another stack's prefix owns other names", async () => {
    const other = new PersonalizeService({
      ...context(clients, warnings),
      config: resolveRuntimeConfig({ resourceNamePrefix: "rx-prod" }, { AWS_REGION: "us-east-1" }),
    });
    let caught: unknown;
    try {
      await other.ensureDatasetGroup("roadmapx-demo");
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).to.match(/^dataset group name "roadmapx-demo" must start with "rx-prod-"/);
    personalize.on(ListDatasetGroupsCommand).resolves({ datasetGroups: [{ name: "rx-prod-recs", datasetGroupArn: `${P}:dataset-group/rx-prod-recs` }] });
    personalize.on(DescribeDatasetGroupCommand).resolves({ datasetGroup: { status: "ACTIVE" } });
    expect(await other.ensureDatasetGroup("rx-prod-recs")).to.deep.equal({ arn: `${P}:dataset-group/rx-prod-recs`, created: false });
  });

  it("cleans up in dependency order, waiting for each deletion, and skips what is already gone", async () => {
    const order: string[] = [];
    const gone = new Set<string>();
    const track = (name: string, arn: string) => {
      order.push(`${name} ${arn.split(":").pop()}`);
      gone.add(arn);
      return {};
    };
    const describe = (arn: string) => {
      if (gone.has(arn)) throw notFound();
      return { status: "ACTIVE" };
    };
    personalize.on(DescribeDatasetGroupCommand).callsFake((i: { datasetGroupArn: string }) => ({ datasetGroup: describe(i.datasetGroupArn) }));
    personalize.on(ListSolutionsCommand).resolves({ solutions: [{ solutionArn: SOLUTION }] });
    personalize.on(ListCampaignsCommand).resolves({ campaigns: [{ campaignArn: CAMPAIGN }, { campaignArn: `${CAMPAIGN}-old` }] });
    personalize.on(DeleteCampaignCommand).callsFake((i: { campaignArn: string }) => track("campaign", i.campaignArn));
    personalize.on(DescribeCampaignCommand).callsFake((i: { campaignArn: string }) => ({ campaign: describe(i.campaignArn) }));
    personalize.on(DeleteSolutionCommand).callsFake((i: { solutionArn: string }) => track("solution", i.solutionArn));
    personalize.on(DescribeSolutionCommand).callsFake((i: { solutionArn: string }) => ({ solution: describe(i.solutionArn) }));
    // A deleted tracker is waited for by listing: describing it would need its (deleted) project tag.
    personalize
      .on(ListEventTrackersCommand)
      .callsFake(() => ({ eventTrackers: gone.has(`${P}:event-tracker/e1`) ? [] : [{ eventTrackerArn: `${P}:event-tracker/e1` }] }));
    personalize.on(DeleteEventTrackerCommand).callsFake((i: { eventTrackerArn: string }) => track("event-tracker", i.eventTrackerArn));
    personalize
      .on(DescribeEventTrackerCommand)
      .rejects(Object.assign(new Error("not authorized: the tracker has no project tag"), { name: "AccessDeniedException" }));
    personalize
      .on(ListDatasetsCommand)
      .resolves({ datasets: [{ datasetArn: `${P}:dataset/roadmapx-demo/INTERACTIONS` }, { datasetArn: `${P}:dataset/roadmapx-demo/ITEMS` }] });
    personalize.on(DeleteDatasetCommand).callsFake((i: { datasetArn: string }) => track("dataset", i.datasetArn));
    personalize.on(DescribeDatasetCommand).callsFake((i: { datasetArn: string }) => ({ dataset: { ...describe(i.datasetArn), schemaArn: `${P}:schema/s1` } }));
    personalize.on(DeleteDatasetGroupCommand).callsFake((i: { datasetGroupArn: string }) => track("dataset-group", i.datasetGroupArn));
    personalize.on(DeleteSchemaCommand).callsFake((i: { schemaArn: string }) => track("schema", i.schemaArn));

    const deleted = await service.cleanup(GROUP, { deleteSchemas: true });
    expect(order).to.deep.equal([
      "campaign campaign/roadmapx-live",
      "campaign campaign/roadmapx-live-old",
      "solution solution/roadmapx-recs",
      "event-tracker event-tracker/e1",
      "dataset dataset/roadmapx-demo/INTERACTIONS",
      "dataset dataset/roadmapx-demo/ITEMS",
      "dataset-group dataset-group/roadmapx-demo",
      "schema schema/s1",
    ]);
    expect(deleted).to.have.length(8);
    // A second cleanup finds the group gone and does nothing.
    expect(await service.cleanup(GROUP)).to.deep.equal([]);
  });

  it("uses only Personalize actions the application policy grants, and the policy grants only what the services send (one source of truth)", async () => {
    // What the services send: every command (and paginator) of the three Personalize SDK clients
    // that a module under services/personalize/ names, read from the source, so new calls are covered
    // as they are written. Each operation is authorised by the IAM action of the same name (Service
    // Authorization Reference, Amazon Personalize, "API operations defined by Amazon Personalize").
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dir = join(__dirname, "..", "..", "services", "personalize");
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    const sdks = [
      await import("@aws-sdk/client-personalize"),
      await import("@aws-sdk/client-personalize-runtime"),
      await import("@aws-sdk/client-personalize-events"),
    ];
    const operations = new Set(sdks.flatMap((m) => Object.keys(m).flatMap((k) => /^([A-Z][A-Za-z]+)Command$/.exec(k)?.[1] ?? [])));
    const named = [...source.matchAll(/\b(?:([A-Z][A-Za-z]+)Command|paginate([A-Z][A-Za-z]+))\b/g)].map((m) => m[1] ?? m[2] ?? "");
    const sent = [...new Set(named.filter((op) => operations.has(op)))].sort().map((op) => `personalize:${op}`);
    // The requirements model's Personalize actions (core/requirements.ts APPLICATION.personalize),
    // but TagResource: no command sends it, AWS asks it of tagged creates (test/core/grants.unit.test.ts).
    const granted = applicationAiActions().filter((a) => a.startsWith("personalize:") && a !== APPLICATION.personalize.tagOnCreate.action);
    expect(
      sent.filter((a) => !granted.includes(a)),
      "sent but not granted",
    ).to.deep.equal([]);
    expect(
      granted.filter((a) => !sent.includes(a)),
      "granted but sent by no service",
    ).to.deep.equal([]);
    // Not vacuous: the model's own lists, issue 17's calls among them, are all found in the source.
    const { personalize } = APPLICATION;
    expect(sent).to.include.members([
      ...personalize.resourceActions,
      personalize.eventTrackers.create,
      ...personalize.eventTrackers.onTagged,
      ...personalize.anyResource,
    ]);
    expect(sent).to.include.members([
      "personalize:CreateFilter",
      "personalize:GetPersonalizedRanking",
      "personalize:PutItems",
      "personalize:CreateDataDeletionJob",
    ]);
  });
});
