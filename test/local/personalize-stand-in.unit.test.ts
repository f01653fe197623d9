/**
 * The local Personalize stand-in through the real SDK clients, without S3: the wire protocols,
 * ARNs, statuses that move only with the test's clock, the errors Personalize documents, paging,
 * the event tracker's limits and PutEvents' checks, failures on demand.
 * (Over 350 lines: one case per rule, each self-contained, so a failure names the rule.)
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
  DeleteDatasetGroupCommand,
  DeleteEventTrackerCommand,
  DeleteSchemaCommand,
  DeleteSolutionCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeEventTrackerCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListDatasetGroupsCommand,
  ListSchemasCommand,
  paginateListSchemas,
} from "@aws-sdk/client-personalize";
import { PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { GetRecommendationsCommand } from "@aws-sdk/client-personalize-runtime";
import { expect } from "chai";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import { failureOf, type StandInSdkClients, standInSdkClients } from "../helpers/personalize-stand-in";

const ACCOUNT = "123456789012";
const P = `arn:aws:personalize:us-east-1:${ACCOUNT}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`;
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
/** 1 s pending, 2 s in progress, 1 s + 1 s to delete: every kind alike, so the arithmetic below is plain. */
const DURATIONS = { pendingMs: 1000, inProgressMs: 2000, deletePendingMs: 1000, deleteInProgressMs: 1000 };
const CREATED_MS = 3000;
const DELETED_MS = 2000;

describe("Personalize stand-in: protocol, lifecycle and errors (no S3)", () => {
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let sdk: StandInSdkClients;

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({ now: clock.now, durations: DURATIONS });
    sdk = standInSdkClients(standIn);
  });
  afterEach(async () => {
    sdk.destroy();
    await standIn.stop();
  });

  async function activeGroup(name = "roadmapx-group"): Promise<string> {
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name }));
    clock.advance(CREATED_MS);
    return datasetGroupArn as string;
  }

  async function activeInteractionsDataset(groupArn: string): Promise<{ schemaArn: string; datasetArn: string }> {
    const { schemaArn } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    const { datasetArn } = await sdk.personalize.send(
      new CreateDatasetCommand({ name: "roadmapx-interactions", datasetGroupArn: groupArn, schemaArn, datasetType: "Interactions" }),
    );
    clock.advance(CREATED_MS);
    return { schemaArn: schemaArn as string, datasetArn: datasetArn as string };
  }

  it("answers ARNs in AWS's formats, and a status that moves only when the clock does", async () => {
    const { schemaArn } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    expect(schemaArn).to.equal(`${P}:schema/roadmapx-interactions`);
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }));
    expect(datasetGroupArn).to.equal(`${P}:dataset-group/roadmapx-group`);
    const statusNow = async () => (await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup?.status;
    expect(await statusNow()).to.equal("CREATE PENDING");
    expect(await statusNow(), "no time passed: no change").to.equal("CREATE PENDING");
    clock.advance(999);
    expect(await statusNow()).to.equal("CREATE PENDING");
    clock.advance(1);
    expect(await statusNow()).to.equal("CREATE IN_PROGRESS");
    clock.advance(2000);
    const group = (await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup;
    expect(group).to.include({ name: "roadmapx-group", status: "ACTIVE" });
    expect(group?.creationDateTime?.getTime()).to.equal(Date.UTC(2026, 0, 1));
    expect(group?.lastUpdatedDateTime?.getTime()).to.equal(Date.UTC(2026, 0, 1) + CREATED_MS);
    const { datasetArn } = await sdk.personalize.send(
      new CreateDatasetCommand({ name: "roadmapx-interactions", datasetGroupArn, schemaArn, datasetType: "Interactions" }),
    );
    expect(datasetArn).to.equal(`${P}:dataset/roadmapx-group/INTERACTIONS`);
    const { eventTrackerArn, trackingId } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn }));
    expect(eventTrackerArn).to.match(new RegExp(`^${P}:event-tracker/[0-9a-f]{8}$`));
    expect(trackingId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const { solutionArn } = await sdk.personalize.send(
      new CreateSolutionCommand({ name: "roadmapx-recs", datasetGroupArn, recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2" }),
    );
    expect(solutionArn).to.equal(`${P}:solution/roadmapx-recs`);
    clock.advance(CREATED_MS);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    expect(solutionVersionArn).to.match(new RegExp(`^${P}:solution/roadmapx-recs/[0-9a-f]{8}$`));
    const { datasetImportJobArn } = await sdk.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: "roadmapx-import-1",
        datasetArn,
        dataSource: { dataLocation: "s3://roadmapx-files/personalize/a.csv" },
        roleArn: ROLE,
      }),
    );
    expect(datasetImportJobArn).to.equal(`${P}:dataset-import-job/roadmapx-import-1`);
  });

  it("takes per-kind durations, and durations of 0 make a resource ACTIVE at once", async () => {
    await standIn.stop();
    standIn = await startPersonalizeStandIn({
      now: clock.now,
      durations: { pendingMs: 0, inProgressMs: 0 },
      durationsByKind: { dataset: { inProgressMs: 5000 } },
    });
    sdk.destroy();
    sdk = standInSdkClients(standIn);
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }));
    expect((await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup?.status).to.equal("ACTIVE");
    const { schemaArn } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    const { datasetArn } = await sdk.personalize.send(
      new CreateDatasetCommand({ name: "roadmapx-i", datasetGroupArn, schemaArn, datasetType: "INTERACTIONS" }),
    );
    expect((await sdk.personalize.send(new DescribeDatasetCommand({ datasetArn }))).dataset?.status).to.equal("CREATE IN_PROGRESS");
    clock.advance(5000);
    expect((await sdk.personalize.send(new DescribeDatasetCommand({ datasetArn }))).dataset?.status).to.equal("ACTIVE");
  });

  it("refuses what Personalize refuses when creating: parents not yet ACTIVE, a second dataset of a type, a schema that does not fit, a taken name", async () => {
    const { datasetGroupArn } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }));
    const { schemaArn } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA }));
    const early = await failureOf(
      sdk.personalize.send(new CreateDatasetCommand({ name: "roadmapx-i", datasetGroupArn, schemaArn, datasetType: "Interactions" })),
    );
    expect(early).to.deep.equal({
      name: "ResourceInUseException",
      message: `The dataset group ${datasetGroupArn} is CREATE PENDING; it must be ACTIVE first.`,
      status: 400,
    });
    clock.advance(CREATED_MS);
    const usersOnly = JSON.stringify({ type: "record", name: "Users", fields: [{ name: "USER_ID", type: "string" }] });
    const { schemaArn: usersSchema } = await sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-users", schema: usersOnly }));
    const misfit = await failureOf(
      sdk.personalize.send(new CreateDatasetCommand({ name: "roadmapx-i", datasetGroupArn, schemaArn: usersSchema, datasetType: "Interactions" })),
    );
    expect(misfit.name).to.equal("InvalidInputException");
    expect(misfit.message).to.equal(`The schema ${usersSchema} cannot be used for a INTERACTIONS dataset: it has no ITEM_ID field.`);
    await sdk.personalize.send(new CreateDatasetCommand({ name: "roadmapx-i", datasetGroupArn, schemaArn, datasetType: "Interactions" }));
    const second = await failureOf(
      sdk.personalize.send(new CreateDatasetCommand({ name: "roadmapx-i2", datasetGroupArn, schemaArn, datasetType: "Interactions" })),
    );
    expect(second).to.deep.include({
      name: "ResourceAlreadyExistsException",
      message: `Resource Arn ${P}:dataset/roadmapx-group/INTERACTIONS already exists.`,
    });
    const taken = await failureOf(sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" })));
    expect(taken.name).to.equal("ResourceAlreadyExistsException");
    const schemaTaken = await failureOf(sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: INTERACTIONS_SCHEMA })));
    expect(schemaTaken.name).to.equal("ResourceAlreadyExistsException");
    const notAvro = await failureOf(sdk.personalize.send(new CreateSchemaCommand({ name: "roadmapx-bad", schema: '{"type": "array"}' })));
    expect(notAvro.name).to.equal("InvalidInputException");
    const recipe = await failureOf(
      sdk.personalize.send(new CreateSolutionCommand({ name: "roadmapx-recs", datasetGroupArn, recipeArn: "arn:aws:personalize:::recipe/aws-no-such-recipe" })),
    );
    expect(recipe).to.deep.include({
      name: "ResourceNotFoundException",
      message: "Resource Arn arn:aws:personalize:::recipe/aws-no-such-recipe does not exist.",
    });
  });

  it("validates names, ARNs and ranges as the API model does, answering InvalidInputException with AWS's wording", async () => {
    const spaced = await failureOf(sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx group" })));
    expect(spaced).to.deep.equal({
      name: "InvalidInputException",
      message:
        "1 validation error detected: Value 'roadmapx group' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9][a-zA-Z0-9\\-_]*",
      status: 400,
    });
    const long = await failureOf(sdk.personalize.send(new CreateDatasetGroupCommand({ name: `roadmapx-${"x".repeat(55)}` })));
    expect(long.message).to.include("Member must have length less than or equal to 63");
    const dashFirst = await failureOf(sdk.personalize.send(new CreateDatasetGroupCommand({ name: "-roadmapx" })));
    expect(dashFirst.name).to.equal("InvalidInputException");
    const arn = await failureOf(sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: "roadmapx-group" })));
    expect(arn.message).to.include("Member must satisfy regular expression pattern: arn:([a-z\\d-]+):personalize:.*:.*:.+");
    const role = await failureOf(
      sdk.personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: "roadmapx-import",
          datasetArn: `${P}:dataset/roadmapx-group/INTERACTIONS`,
          dataSource: { dataLocation: "s3://roadmapx-files/personalize/a.csv" },
          roleArn: "arn:aws:iam::123:user/someone",
        }),
      ),
    );
    expect(role.name).to.equal("InvalidInputException");
    expect(role.message).to.include("at 'roleArn'");
    const location = await failureOf(
      sdk.personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: "roadmapx-import",
          datasetArn: `${P}:dataset/g/INTERACTIONS`,
          dataSource: { dataLocation: "roadmapx-files/a.csv" },
          roleArn: ROLE,
        }),
      ),
    );
    expect(location.message).to.include("at 'dataLocation'");
    const range = await failureOf(sdk.personalize.send(new ListSchemasCommand({ maxResults: 101 })));
    expect(range.message).to.include("Member must have value less than or equal to 100");
    const missing = await failureOf(sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: `${P}:dataset-group/roadmapx-none` })));
    expect(missing).to.deep.equal({ name: "ResourceNotFoundException", message: `Resource Arn ${P}:dataset-group/roadmapx-none does not exist.`, status: 400 });
  });

  it("refuses deletions while something depends on the resource, and deletes through DELETE PENDING and DELETE IN_PROGRESS", async () => {
    const datasetGroupArn = (await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-group" }))).datasetGroupArn as string;
    const tooEarly = await failureOf(sdk.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn })));
    expect(tooEarly.name).to.equal("ResourceInUseException");
    clock.advance(CREATED_MS);
    const { schemaArn, datasetArn } = await activeInteractionsDataset(datasetGroupArn);
    const { eventTrackerArn } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn }));
    clock.advance(CREATED_MS);
    const groupInUse = await failureOf(sdk.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn })));
    expect(groupInUse.name).to.equal("ResourceInUseException");
    expect(groupInUse.message).to.include(`event tracker ${eventTrackerArn}`).and.include(`dataset ${datasetArn}`);
    const schemaInUse = await failureOf(sdk.personalize.send(new DeleteSchemaCommand({ schemaArn })));
    expect(schemaInUse).to.deep.include({
      name: "ResourceInUseException",
      message: `The schema ${schemaArn} is used by the dataset ${datasetArn}: delete the dataset first.`,
    });

    await sdk.personalize.send(new DeleteEventTrackerCommand({ eventTrackerArn }));
    await sdk.personalize.send(new DeleteDatasetCommand({ datasetArn }));
    const datasetStatus = async () => (await sdk.personalize.send(new DescribeDatasetCommand({ datasetArn }))).dataset?.status;
    expect(await datasetStatus()).to.equal("DELETE PENDING");
    const again = await failureOf(sdk.personalize.send(new DeleteDatasetCommand({ datasetArn })));
    expect(again.name).to.equal("ResourceInUseException");
    clock.advance(1000);
    expect(await datasetStatus()).to.equal("DELETE IN_PROGRESS");
    expect((await failureOf(sdk.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn })))).name, "the dataset is not gone yet").to.equal(
      "ResourceInUseException",
    );
    clock.advance(1000);
    expect((await failureOf(datasetStatus())).name).to.equal("ResourceNotFoundException");
    expect((await failureOf(sdk.personalize.send(new DescribeEventTrackerCommand({ eventTrackerArn })))).name).to.equal("ResourceNotFoundException");
    await sdk.personalize.send(new DeleteSchemaCommand({ schemaArn }));
    await sdk.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn }));
    const listed = await sdk.personalize.send(new ListDatasetGroupsCommand({}));
    expect(
      listed.datasetGroups?.map((g) => g.status),
      "a group being deleted is still listed",
    ).to.deep.equal(["DELETE PENDING"]);
    clock.advance(DELETED_MS);
    expect((await sdk.personalize.send(new ListDatasetGroupsCommand({}))).datasetGroups).to.deep.equal([]);
    expect((await sdk.personalize.send(new ListSchemasCommand({}))).schemas).to.deep.equal([]);
  });

  it("refuses to delete a solution with a version still training", async () => {
    const datasetGroupArn = await activeGroup();
    const { solutionArn } = await sdk.personalize.send(
      new CreateSolutionCommand({ name: "roadmapx-recs", datasetGroupArn, recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2" }),
    );
    clock.advance(CREATED_MS);
    await activeInteractionsDataset(datasetGroupArn);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    const training = await failureOf(sdk.personalize.send(new DeleteSolutionCommand({ solutionArn })));
    expect(training).to.deep.include({
      name: "ResourceInUseException",
      message: `The solution ${solutionArn} has the solution version ${solutionVersionArn} in progress.`,
    });
    const metrics = await failureOf(sdk.personalize.send(new GetSolutionMetricsCommand({ solutionVersionArn })));
    expect(metrics.name).to.equal("ResourceInUseException");
  });

  it("pages List* results with maxResults and nextToken, as the SDK's paginators expect", async () => {
    for (let i = 1; i <= 5; i++) await sdk.personalize.send(new CreateSchemaCommand({ name: `roadmapx-schema-${i}`, schema: INTERACTIONS_SCHEMA }));
    const first = await sdk.personalize.send(new ListSchemasCommand({ maxResults: 2 }));
    expect(first.schemas?.map((s) => s.name)).to.deep.equal(["roadmapx-schema-1", "roadmapx-schema-2"]);
    expect(first.nextToken).to.be.a("string");
    const second = await sdk.personalize.send(new ListSchemasCommand({ maxResults: 2, nextToken: first.nextToken }));
    expect(second.schemas?.map((s) => s.name)).to.deep.equal(["roadmapx-schema-3", "roadmapx-schema-4"]);
    const names: string[] = [];
    let pages = 0;
    for await (const p of paginateListSchemas({ client: sdk.personalize, pageSize: 2 }, {})) {
      pages++;
      names.push(...(p.schemas ?? []).map((s) => s.name ?? ""));
    }
    expect(pages).to.equal(3);
    expect(names).to.deep.equal([1, 2, 3, 4, 5].map((i) => `roadmapx-schema-${i}`));
    const all = await sdk.personalize.send(new ListSchemasCommand({}));
    expect(all.schemas).to.have.length(5);
    expect(all.nextToken).to.equal(undefined);
    const made = await failureOf(sdk.personalize.send(new ListSchemasCommand({ nextToken: "not-a-token" })));
    expect(made).to.deep.equal({ name: "InvalidNextTokenException", message: "The token is not valid.", status: 400 });
    await activeGroup("roadmapx-group-1");
    await activeGroup("roadmapx-group-2");
    const groups = await sdk.personalize.send(new ListDatasetGroupsCommand({ maxResults: 1 }));
    const foreign = await failureOf(sdk.personalize.send(new ListSchemasCommand({ nextToken: groups.nextToken })));
    expect(foreign.name, "a token only continues its own listing").to.equal("InvalidNextTokenException");
  });

  it("allows one event tracker per dataset group (LimitExceededException), usable only once ACTIVE", async () => {
    const datasetGroupArn = await activeGroup();
    const { datasetArn } = await activeInteractionsDataset(datasetGroupArn);
    const { eventTrackerArn, trackingId } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn }));
    const second = await failureOf(sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker-2", datasetGroupArn })));
    expect(second).to.deep.equal({
      name: "LimitExceededException",
      message: `Only one event tracker can be associated with a dataset group: ${datasetGroupArn} has ${eventTrackerArn}.`,
      status: 400,
    });
    const event = { eventType: "view", itemId: "item-1", sentAt: new Date(Date.UTC(2026, 0, 1)) };
    const early = await failureOf(sdk.events.send(new PutEventsCommand({ trackingId, sessionId: "session-1", userId: "user-1", eventList: [event] })));
    expect(early).to.deep.equal({ name: "ResourceNotFoundException", message: `No ACTIVE event tracker has the tracking ID ${trackingId}.`, status: 404 });
    clock.advance(CREATED_MS);
    const described = (await sdk.personalize.send(new DescribeEventTrackerCommand({ eventTrackerArn }))).eventTracker;
    expect(described).to.include({ status: "ACTIVE", trackingId, accountId: ACCOUNT, datasetGroupArn, name: "roadmapx-tracker" });
    await sdk.events.send(new PutEventsCommand({ trackingId, sessionId: "session-1", userId: "user-1", eventList: [event, { ...event, itemId: "item-2" }] }));
    await sdk.events.send(new PutEventsCommand({ trackingId, sessionId: "session-2", eventList: [{ ...event, itemId: "item-3" }] }));
    expect(standIn.datasetRecords(datasetArn)).to.deep.equal({ imported: 0, events: 3 });
  });

  it("checks PutEvents as AWS does: 1 to 10 events, an event type and sentAt each, a known tracking id, property keys", async () => {
    const datasetGroupArn = await activeGroup();
    const { datasetArn } = await activeInteractionsDataset(datasetGroupArn);
    const { trackingId } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn }));
    clock.advance(CREATED_MS);
    const event = { eventType: "view", itemId: "item-1", sentAt: new Date(Date.UTC(2026, 0, 1)) };
    const put = (input: Partial<ConstructorParameters<typeof PutEventsCommand>[0]>) =>
      failureOf(sdk.events.send(new PutEventsCommand({ trackingId, sessionId: "session-1", userId: "user-1", eventList: [event], ...input })));
    const eleven = await put({ eventList: Array.from({ length: 11 }, () => event) });
    expect(eleven).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(eleven.message).to.include("at 'eventList'").and.include("Member must have length less than or equal to 10");
    expect((await put({ eventList: [] })).message).to.include("Member must have length greater than or equal to 1");
    expect((await put({ eventList: [{ ...event, eventType: "" }] })).message).to.include("at 'eventType'");
    const noSentAt = await put({ eventList: [{ eventType: "view", itemId: "item-1" } as unknown as typeof event] });
    expect(noSentAt.message).to.include("sentAt");
    expect((await put({ sessionId: "" })).message).to.include("at 'sessionId'");
    expect((await put({ userId: "u".repeat(257) })).message).to.include("at 'userId'");
    expect((await put({ eventList: [{ ...event, properties: '{"userId": "x"}' }] })).message).to.equal(
      "properties may not use the key userId: it is reserved.",
    );
    expect((await put({ eventList: [{ ...event, properties: "not json" }] })).name).to.equal("InvalidInputException");
    const unknown = await put({ trackingId: "00000000-0000-0000-0000-000000000000" });
    expect(unknown).to.deep.include({ name: "ResourceNotFoundException", status: 404 });
    expect(standIn.datasetRecords(datasetArn), "nothing was recorded by the refused calls").to.deep.equal({ imported: 0, events: 0 });
    await sdk.events.send(
      new PutEventsCommand({ trackingId, sessionId: "s", eventList: Array.from({ length: 10 }, (_, i) => ({ ...event, itemId: `item-${i}` })) }),
    );
    expect(standIn.datasetRecords(datasetArn)).to.deep.equal({ imported: 0, events: 10 });
  });

  it("checks GetRecommendations: a campaign that exists and is ACTIVE, numResults up to 500", async () => {
    const campaignArn = `${P}:campaign/roadmapx-live`;
    const missing = await failureOf(sdk.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: "user-1" })));
    expect(missing).to.deep.equal({ name: "ResourceNotFoundException", message: `Resource Arn ${campaignArn} does not exist.`, status: 404 });
    const tooMany = await failureOf(sdk.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: "user-1", numResults: 501 })));
    expect(tooMany).to.deep.include({ name: "InvalidInputException", status: 400 });
    expect(tooMany.message).to.include("Member must have value less than or equal to 500");
    const neither = await failureOf(sdk.runtime.send(new GetRecommendationsCommand({ userId: "user-1" })));
    expect(neither.message).to.equal("Either campaignArn or recommenderArn is required.");
    const filter = `${P}:filter/roadmapx-no-such-filter`;
    expect((await failureOf(sdk.runtime.send(new GetRecommendationsCommand({ campaignArn, userId: "user-1", filterArn: filter })))).message).to.equal(
      `Resource Arn ${filter} does not exist.`,
    );
  });

  it("fails training without enough interactions, as Personalize's 1000-interaction minimum says", async () => {
    const datasetGroupArn = await activeGroup();
    await activeInteractionsDataset(datasetGroupArn);
    const { solutionArn } = await sdk.personalize.send(
      new CreateSolutionCommand({
        name: "roadmapx-recs",
        datasetGroupArn,
        recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2",
        performAutoTraining: false,
      }),
    );
    clock.advance(CREATED_MS);
    const { solutionVersionArn } = await sdk.personalize.send(new CreateSolutionVersionCommand({ solutionArn }));
    clock.advance(CREATED_MS);
    const version = (await sdk.personalize.send(new DescribeSolutionVersionCommand({ solutionVersionArn }))).solutionVersion;
    expect(version).to.include({
      status: "CREATE FAILED",
      failureReason: `Insufficient data for training: at least 1000 item interactions are required, the dataset group has 0.`,
    });
    const campaign = await failureOf(sdk.personalize.send(new CreateCampaignCommand({ name: "roadmapx-live", solutionVersionArn, minProvisionedTPS: 1 })));
    expect(campaign.name).to.equal("ResourceInUseException");
  });

  it("fails an import job of a stand-in started without S3: it has nowhere to read from", async () => {
    const datasetGroupArn = await activeGroup();
    const { datasetArn } = await activeInteractionsDataset(datasetGroupArn);
    const { datasetImportJobArn } = await sdk.personalize.send(
      new CreateDatasetImportJobCommand({
        jobName: "roadmapx-import",
        datasetArn,
        dataSource: { dataLocation: "s3://roadmapx-files/personalize/a.csv" },
        roleArn: ROLE,
      }),
    );
    clock.advance(10_000);
    const job = (await sdk.personalize.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn }))).datasetImportJob;
    expect(job).to.include({ status: "CREATE FAILED", importMode: "FULL", roleArn: ROLE });
    expect(job?.failureReason).to.include("without an S3 endpoint");
  });

  describe("failures on demand", () => {
    it("failNext: the next creation of a kind (or of its Create operation) ends CREATE FAILED with the reason", async () => {
      standIn.failNext("datasetGroup", "KMS key is not accessible");
      const { datasetGroupArn: failing } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-failing" }));
      const { datasetGroupArn: fine } = await sdk.personalize.send(new CreateDatasetGroupCommand({ name: "roadmapx-fine" }));
      expect((await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: failing }))).datasetGroup?.status).to.equal("CREATE PENDING");
      clock.advance(CREATED_MS);
      expect((await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: failing }))).datasetGroup).to.include({
        status: "CREATE FAILED",
        failureReason: "KMS key is not accessible",
      });
      expect((await sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn: fine }))).datasetGroup?.status).to.equal("ACTIVE");
      standIn.failNext("CreateEventTracker", "internal failure");
      const { eventTrackerArn } = await sdk.personalize.send(new CreateEventTrackerCommand({ name: "roadmapx-tracker", datasetGroupArn: fine }));
      clock.advance(CREATED_MS);
      expect((await sdk.personalize.send(new DescribeEventTrackerCommand({ eventTrackerArn }))).eventTracker?.status).to.equal("CREATE FAILED");
      await sdk.personalize.send(new DeleteDatasetGroupCommand({ datasetGroupArn: failing }));
      expect(() => standIn.failNext("CreateThing", "x")).to.throw(/neither a resource kind/);
    });

    it("failCalls: throttles or answers 500 to the next calls of an operation; the SDK's retries get through", async () => {
      const datasetGroupArn = await activeGroup();
      standIn.failCalls("DescribeDatasetGroup", { times: 2 });
      const throttled = await failureOf(sdk.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn })));
      expect(throttled).to.deep.equal({ name: "ThrottlingException", message: "Rate exceeded", status: 400 });
      const retrying = standInSdkClients(standIn, { maxAttempts: 2 });
      try {
        const answer = await retrying.personalize.send(new DescribeDatasetGroupCommand({ datasetGroupArn }));
        expect(answer.datasetGroup?.status).to.equal("ACTIVE");
        expect(answer.$metadata.attempts).to.equal(2);
        expect(standIn.callCount("DescribeDatasetGroup")).to.equal(3);
        standIn.failCalls("GetRecommendations", { as: "server-error" });
        const failed = await failureOf(sdk.runtime.send(new GetRecommendationsCommand({ campaignArn: `${P}:campaign/x`, userId: "u" })));
        expect(failed).to.deep.include({ name: "InternalServerError", status: 500 });
      } finally {
        retrying.destroy();
      }
    });
  });
});
