/**
 * SageMakerService. Training jobs, models, endpoints and invocation run against the emulator (moto
 * implements them: jobs complete at once, endpoints answer queued canned results); failures and
 * waiter time-outs, which moto cannot produce, use aws-sdk-client-mock.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateTrainingJobCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  type SecondaryStatus,
  type TrainingJobStatus,
} from "@aws-sdk/client-sagemaker";
import { CreateBucketCommand, GetObjectCommand } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { applicationAiActions } from "../../core/requirements";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { ServiceContext } from "../../services/context";
import { SageMakerInputError, SageMakerService, TrainingFailedError, TrainingWaitTimeoutError, uniqueJobName } from "../../services/sagemaker";
import { AiStorage } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-sagemaker";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

function context(clients: AwsClients, warnings: string[] = [], env: Record<string, string> = { SAGEMAKER_ROLE_ARN: ROLE }): ServiceContext {
  return {
    config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, ...env }),
    clients,
    storage: new AiStorage(clients, BUCKET),
    logger: { info: () => undefined, warn: (m) => warnings.push(m) },
  };
}

const fastWait = { minDelaySeconds: 1, maxDelaySeconds: 1 };

describe("SageMaker training, endpoints and invocation (against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  beforeEach(async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it("uploads training data, trains with the configured role, input and output prefixes, and returns the artifact under models/", async () => {
    const warnings: string[] = [];
    const service = new SageMakerService(context(ctx.clients, warnings));
    const uri = await service.uploadTrainingData("churn-2026", "train.csv", "label,f1,f2\n1,0.5,0.7\n0,0.1,0.2\n");
    expect(uri).to.equal(`s3://${BUCKET}/sagemaker/training/churn-2026/train.csv`);
    const stored = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sagemaker/training/churn-2026/train.csv" }));
    expect(await stored.Body?.transformToString()).to.match(/^label,f1,f2\n/);

    const statuses: string[] = [];
    const result = await service.train(
      {
        image: IMAGE,
        channels: [{ name: "train", dataset: "churn-2026", contentType: "text/csv" }],
        jobNamePrefix: "roadmapx-churn",
        hyperparameters: { num_round: 50, objective: "binary:logistic" },
      },
      { ...fastWait, onStatus: (e) => statuses.push(e.status) },
    );
    expect(result.status).to.equal("Completed");
    expect(result.jobName).to.match(/^roadmapx-churn-\d{8}-\d{6}-[a-z0-9]{4}$/);
    expect(result.artifactUri).to.equal(`s3://${BUCKET}/models/${result.jobName}/output/model.tar.gz`);
    expect(statuses).to.include("Completed");

    const job = await ctx.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: result.jobName }));
    expect(job.RoleArn).to.equal(ROLE);
    expect(job.InputDataConfig?.[0]?.DataSource?.S3DataSource?.S3Uri).to.equal(`s3://${BUCKET}/sagemaker/training/churn-2026/`);
    expect(job.OutputDataConfig?.S3OutputPath).to.equal(`s3://${BUCKET}/models/`);
    expect(job.StoppingCondition?.MaxRuntimeInSeconds).to.equal(3600);
    expect(job.ResourceConfig).to.deep.include({ InstanceType: "ml.m5.large", InstanceCount: 1 });
    expect(job.HyperParameters).to.deep.equal({ num_round: "50", objective: "binary:logistic" });
    expect(warnings.join("\n")).to.match(
      /cost: training bills 1 x ml\.m5\.large per second while the job runs \(at most 1h00m, the MaxRuntimeInSeconds stop\)/,
    );
  });

  it("deploys a model to an endpoint, invokes it with JSON and CSV, and cleans up idempotently", async () => {
    const warnings: string[] = [];
    const service = new SageMakerService(context(ctx.clients, warnings));
    const artifact = `s3://${BUCKET}/models/roadmapx-churn-job/output/model.tar.gz`;
    const deployed = await service.deploy({ name: "roadmapx-churn-live", image: IMAGE, modelArtifactUri: artifact, ...fastWait });
    expect(deployed).to.deep.equal({ endpointName: "roadmapx-churn-live", created: true });
    const endpoint = await ctx.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "roadmapx-churn-live" }));
    expect(endpoint.EndpointStatus).to.equal("InService");
    expect(endpoint.EndpointConfigName).to.equal("roadmapx-churn-live-config");
    expect(warnings.join("\n")).to.match(/endpoint roadmapx-churn-live bills 1 x ml\.t2\.medium every hour it exists, used or not/);

    // Deploying again finds the endpoint and creates nothing.
    expect(await service.deploy({ name: "roadmapx-churn-live", image: IMAGE, modelArtifactUri: artifact })).to.deep.equal({
      endpointName: "roadmapx-churn-live",
      created: false,
    });

    await ctx.emulator.queueSageMakerEndpointResults([
      { Body: JSON.stringify({ predictions: [{ score: 0.91 }] }), ContentType: "application/json" },
      { Body: "0.12\n0.88", ContentType: "text/csv" },
    ]);
    const json = await service.invoke("roadmapx-churn-live", { instances: [[0.5, 0.7]] });
    expect(json).to.deep.equal({ contentType: "application/json", body: { predictions: [{ score: 0.91 }] } });
    const csv = await service.invoke(
      "roadmapx-churn-live",
      [
        [0.1, 0.2],
        [0.5, "a, quoted"],
      ],
      { contentType: "text/csv", accept: "text/csv" },
    );
    expect(csv).to.deep.equal({ contentType: "text/csv", body: "0.12\n0.88" });

    expect(await service.cleanup("roadmapx-churn-live")).to.deep.equal([
      "endpoint roadmapx-churn-live",
      "endpoint config roadmapx-churn-live-config",
      "model roadmapx-churn-live-model",
    ]);
    expect(await service.cleanup("roadmapx-churn-live"), "a second cleanup finds nothing to delete and does not fail").to.deep.equal([]);
  });

  it("refuses a model artifact outside models/ before creating anything", async () => {
    const service = new SageMakerService(context(ctx.clients));
    let error: unknown;
    try {
      await service.deploy({ name: "roadmapx-x", image: IMAGE, modelArtifactUri: "s3://someone-else/model.tar.gz" });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(SageMakerInputError);
    expect((error as Error).message).to.equal(`modelArtifactUri: must be under s3://${BUCKET}/models/ (got s3://someone-else/model.tar.gz)`);
  });

  it("refuses names outside the stack's resource-name prefix (any case) before sending anything", async () => {
    const sent: string[] = [];
    const clients = ctx.makeClients({
      decorate: (c) =>
        (c as unknown as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack.add(
          (next: (a: unknown) => unknown, context: { commandName: string }) => (args: unknown) => (sent.push(context.commandName), next(args)),
          { step: "initialize" },
        ),
    });
    const service = new SageMakerService(context(clients));
    const artifact = `s3://${BUCKET}/models/roadmapx-churn-job/output/model.tar.gz`;
    const refusals: [string, () => Promise<unknown>, string][] = [
      ["deploy", () => service.deploy({ name: "churn-live", image: IMAGE, modelArtifactUri: artifact }), 'name: "churn-live" must start with "roadmapx-"'],
      ["invoke", () => service.invoke("churn-live", {}), 'endpointName: "churn-live" must start with "roadmapx-"'],
      ["cleanup", () => service.cleanup("churn-live"), 'name: "churn-live" must start with "roadmapx-"'],
      ["stop", () => service.stopTrainingJob("churn-1"), 'jobName: "churn-1" must start with "roadmapx-"'],
      ["wait", () => service.waitForTrainingJob("churn-1"), 'jobName: "churn-1" must start with "roadmapx-"'],
      [
        "train",
        () => service.startTrainingJob({ image: IMAGE, channels: [{ name: "train", dataset: "churn" }], jobNamePrefix: "churn" }),
        'jobNamePrefix: "churn-',
      ],
    ];
    for (const [what, call, message] of refusals) {
      let caught: unknown;
      try {
        await call();
      } catch (err) {
        caught = err;
      }
      expect(caught, what).to.be.instanceOf(SageMakerInputError);
      expect((caught as Error).message, what).to.include(message);
    }
    expect(sent, "no request was sent").to.deep.equal([]);
    // SageMaker lowercases names in ARNs, so a capitalised name is still inside the policy's scope.
    await service.cleanup("RoadmapX-Churn-Live");
    expect(sent).to.include("DeleteEndpointCommand");
    clients.destroy();
  });

  it("refuses a model URI that climbs out of models/ with .., before sending anything", async () => {
    const sent: string[] = [];
    const clients = ctx.makeClients({
      decorate: (c) =>
        (c as unknown as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack.add(
          (next: (a: unknown) => unknown, context: { commandName: string }) => (args: unknown) => (sent.push(context.commandName), next(args)),
          { step: "initialize" },
        ),
    });
    const service = new SageMakerService(context(clients));
    for (const uri of [`s3://${BUCKET}/models/../user-uploads/x`, `s3://${BUCKET}/user-uploads/model.tar.gz`, `s3://${BUCKET}/personalize/model.tar.gz`]) {
      let error: unknown;
      try {
        await service.deploy({ name: "roadmapx-x", image: IMAGE, modelArtifactUri: uri });
      } catch (err) {
        error = err;
      }
      expect(error, uri).to.be.instanceOf(Error);
      expect((error as Error).message, uri).to.match(/must not climb out|belongs to the application|must be under s3:\/\/roadmapx-files\/models\//);
    }
    expect(sent).to.deep.equal([]);
  });
});

describe("SageMaker failures and waiter time-outs (aws-sdk-client-mock: moto jobs always complete)", function () {
  this.timeout(30_000);
  let mock: AwsClientStub<SageMakerClient>;
  let clients: AwsClients;

  before(() => {
    mock = mockClient(SageMakerClient);
  });
  after(() => mock.restore());
  beforeEach(() => {
    mock.reset();
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
  });
  afterEach(() => clients.destroy());

  const job = (status: TrainingJobStatus, transitions: SecondaryStatus[], extra: Record<string, unknown> = {}) => ({
    TrainingJobName: "roadmapx-churn-1",
    TrainingJobStatus: status,
    SecondaryStatus: transitions[transitions.length - 1],
    SecondaryStatusTransitions: transitions.map((s) => ({ Status: s, StartTime: new Date(), StatusMessage: `${s}...` })),
    ...extra,
  });

  it("surfaces FailureReason when training fails, after reporting each secondary status once", async () => {
    mock
      .on(DescribeTrainingJobCommand)
      .resolvesOnce(job("InProgress", ["Starting"]))
      .resolvesOnce(job("InProgress", ["Starting", "Downloading"]))
      .resolvesOnce(job("InProgress", ["Starting", "Downloading", "Training"]))
      .resolves(job("Failed", ["Starting", "Downloading", "Training", "Failed"], { FailureReason: "AlgorithmError: ValueError: label column missing" }));
    const seen: string[] = [];
    const service = new SageMakerService(context(clients));
    let error: unknown;
    try {
      await service.waitForTrainingJob("roadmapx-churn-1", { ...fastWait, onStatus: (e) => seen.push(`${e.status}/${e.secondaryStatus}`) });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(TrainingFailedError);
    expect((error as Error).message).to.equal("training job roadmapx-churn-1 failed: AlgorithmError: ValueError: label column missing");
    const secondary = seen.map((s) => s.split("/")[1]);
    expect(
      secondary.filter((s, i) => secondary.indexOf(s) !== i),
      "no transition reported twice",
    ).to.deep.equal([]);
    expect(secondary).to.include.members(["Starting", "Downloading", "Training"]);
  });

  it("gives up waiting at maxWaitSeconds with a message that says the job still runs and how to stop it", async () => {
    mock.on(DescribeTrainingJobCommand).resolves(job("InProgress", ["Training"]));
    const service = new SageMakerService(context(clients));
    const started = Date.now();
    let error: unknown;
    try {
      await service.waitForTrainingJob("roadmapx-churn-1", { ...fastWait, maxWaitSeconds: 2 });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(TrainingWaitTimeoutError);
    expect((error as Error).message).to.match(
      /roadmapx-churn-1 is still running after 2s; it goes on \(and bills\).*roadmapx-ai sagemaker stop --job roadmapx-churn-1/,
    );
    expect(Date.now() - started).to.be.below(10_000);
  });

  it("validates every field before any call, naming the field", async () => {
    const service = new SageMakerService(context(clients));
    const channels = [{ name: "train", dataset: "d" }];
    const cases: [Parameters<SageMakerService["startTrainingJob"]>[0], RegExp][] = [
      [{ image: IMAGE, channels, jobName: "-leading-hyphen" }, /^jobName: "-leading-hyphen" must be 1 to 63 characters/],
      [{ image: IMAGE, channels, jobName: "a".repeat(64) }, /^jobName: .* must be 1 to 63/],
      [{ image: IMAGE, channels, jobName: "under_score" }, /^jobName: "under_score"/],
      [{ image: IMAGE, channels, instanceType: "m5.large" }, /^instanceType: "m5.large" is not a SageMaker instance type such as ml\.m5\.xlarge/],
      [{ image: IMAGE, channels, instanceType: "ml.m5.huge" }, /^instanceType: "ml.m5.huge"/],
      [{ image: IMAGE, channels, instanceCount: 0 }, /^instanceCount: must be a whole number from 1 to 100 \(got 0\)/],
      [{ image: IMAGE, channels, maxRuntimeSeconds: 30 * 24 * 3600 }, /^maxRuntimeSeconds: must be a whole number from 1 to 2419200/],
      [{ image: "xgboost:latest", channels }, /^image: "xgboost:latest" is not an ECR image URI/],
      [{ image: IMAGE, channels: [] }, /^channels: at least one input channel/],
      [{ image: IMAGE, channels: [{ name: "train", dataset: "../etc" }] }, /\.\./],
      [{ image: IMAGE, channels, hyperparameters: { eta: Number.NaN } }, /^hyperparameters\.eta: NaN is not a number/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        await service.startTrainingJob(options);
      } catch (err) {
        error = err;
      }
      expect((error as Error | undefined)?.message, String(message)).to.match(message);
    }
    expect(mock.calls()).to.have.length(0);
  });

  it("says which variable to set when no SageMaker role is configured", async () => {
    const service = new SageMakerService(context(clients, [], {}));
    let error: unknown;
    try {
      await service.startTrainingJob({ image: IMAGE, channels: [{ name: "train", dataset: "d" }] });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.match(/SAGEMAKER_ROLE_ARN.*AI_STACK_OUTPUTS/);
    expect(mock.commandCalls(CreateTrainingJobCommand)).to.have.length(0);
  });

  it("makes unique, valid job names, however long the prefix", () => {
    const names = new Set([...Array(200).keys()].map(() => uniqueJobName("churn")));
    expect(names.size).to.equal(200);
    const long = uniqueJobName(`a-${"very-long-prefix".repeat(10)}`);
    expect(long.length).to.be.at.most(63);
    expect(long).to.match(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/);
    expect(uniqueJobName("bad name!", new Date("2026-11-29T16:05:09Z"), () => 0)).to.equal("bad-name-20261129-160509-0000");
  });
});

describe("What the SageMaker and Comprehend services call is granted to the application", () => {
  it("every *Command the modules import is in core/requirements APPLICATION", () => {
    const granted = new Set<string>(applicationAiActions());
    const used: string[] = [];
    for (const [file, prefix] of [
      ["sagemaker/index.ts", "sagemaker"],
      ["comprehend/api.ts", "comprehend"],
    ] as const) {
      const source = readFileSync(join(__dirname, "..", "..", "services", file), "utf8");
      for (const m of source.matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)) used.push(`${prefix}:${m[1]}`);
    }
    expect(used).to.include.members([
      "sagemaker:CreateTrainingJob",
      "sagemaker:InvokeEndpoint",
      "comprehend:BatchDetectSentiment",
      "comprehend:DetectPiiEntities",
    ]);
    expect([...new Set(used)].filter((a) => !granted.has(a))).to.deep.equal([]);
  });
});
