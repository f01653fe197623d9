/**
 * The local SageMaker batch-transform stand-in in front of the emulator: transform jobs that read
 * their input where SageMaker would, move through their statuses only as the clock does, write
 * `<relative>.out` objects under S3OutputPath, stop, fail as AWS describes, and every other call
 * (models, endpoints, InvokeEndpoint, S3) forwarded to the emulator unchanged.
 */
import { gzipSync } from "node:zlib";
import { CreateRoleCommand, DeleteRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  type CreateTransformJobCommandInput,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeModelCommand,
  DescribeTransformJobCommand,
  ListTagsCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTransformJobCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import {
  CONTAINER_ERROR,
  ERROR_MARKER,
  ManualClock,
  type SageMakerTransformStandIn,
  predictionLine,
  standInScore,
  startSageMakerTransformStandIn,
} from "../../local/sagemaker-transform-stand-in";
import { useEmulator } from "../helpers/emulator";
import { failureOf } from "../helpers/personalize-stand-in";

const REGION = "us-east-1";
const BUCKET = "roadmapx-files";
const ROLE_NAME = "roadmapx-ai-dev-sagemaker";
const ROLE = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;
const MODEL = "roadmapx-churn-model";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const IN = `s3://${BUCKET}/sagemaker/transform/input/job-1/`;
const OUT = `s3://${BUCKET}/sagemaker/transform/output/job-1`;
const DURATIONS = { startingMs: 1000, runningMs: 4000, stoppingMs: 2000 };
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

function request(overrides: Partial<CreateTransformJobCommandInput> = {}): CreateTransformJobCommandInput {
  return {
    TransformJobName: "roadmapx-score-1",
    ModelName: MODEL,
    TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: IN } }, ContentType: "text/csv", SplitType: "Line" },
    TransformOutput: { S3OutputPath: OUT, AssembleWith: "Line" },
    TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
    ...overrides,
  };
}

describe("SageMaker batch-transform stand-in (S3, IAM and models on the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: SageMakerTransformStandIn;
  let sagemaker: SageMakerClient;
  let s3: S3Client;

  const put = (key: string, body: string | Uint8Array) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const read = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString("utf8");
  const keys = async (prefix: string) =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key).sort();
  const describe = (name = "roadmapx-score-1") => sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startSageMakerTransformStandIn({
      region: REGION,
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      now: clock.now,
      durations: DURATIONS,
    });
    // Every client goes through the stand-in: what it does not answer reaches the emulator unchanged.
    const config = { endpoint: standIn.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 };
    sagemaker = new SageMakerClient(config);
    s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ctx.clients.iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: TRUST }));
    await sagemaker.send(new CreateModelCommand({ ModelName: MODEL, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE } }));
  });

  afterEach(async () => {
    sagemaker.destroy();
    s3.destroy();
    await standIn.stop();
  });

  it("forwards models, endpoints, InvokeEndpoint and S3 to the emulator unchanged", async () => {
    const direct = ctx.clients.sagemaker;
    expect((await direct.send(new DescribeModelCommand({ ModelName: MODEL }))).ExecutionRoleArn, "CreateModel reached the emulator").to.equal(ROLE);
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "roadmapx-live-config",
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: MODEL, InstanceType: "ml.t2.medium", InitialInstanceCount: 1 }],
      }),
    );
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: "roadmapx-live", EndpointConfigName: "roadmapx-live-config" }));
    await ctx.emulator.queueSageMakerEndpointResults([{ Body: '{"score":0.5}', ContentType: "application/json" }]);
    const runtime = new SageMakerRuntimeClient({ endpoint: standIn.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    const answer = await runtime.send(new InvokeEndpointCommand({ EndpointName: "roadmapx-live", ContentType: "application/json", Body: Buffer.from("{}") }));
    runtime.destroy();
    expect(Buffer.from(answer.Body ?? []).toString("utf8")).to.equal('{"score":0.5}');
    await put("sagemaker/transform/input/x.csv", "1,2\n");
    expect(await keys("sagemaker/transform/input/")).to.deep.equal(["sagemaker/transform/input/x.csv"]);
    // ListTags of a resource that is not one of its transform jobs is the emulator's to answer.
    const modelArn = (await direct.send(new DescribeModelCommand({ ModelName: MODEL }))).ModelArn;
    expect((await sagemaker.send(new ListTagsCommand({ ResourceArn: modelArn }))).Tags).to.deep.equal([]);
    expect(standIn.callCount("CreateModel")).to.equal(1);
    expect(standIn.callCount("InvokeEndpoint")).to.equal(1);
    expect(standIn.callCount("CreateEndpoint")).to.equal(1);
  });

  it("moves InProgress → Completed on the clock and writes <relative>.out per input object, records in order", async () => {
    await put("sagemaker/transform/input/job-1/a.csv", "1,2,3\r\n4,5,6\n\n7,8,9");
    await put("sagemaker/transform/input/job-1/sub/b.csv", "10,11\n");
    await put("sagemaker/transform/input/job-1/folder/", "");
    const created = await sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: "RoadmapX-Score-1" })));
    expect(created.TransformJobArn).to.equal("arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-score-1");

    let job = await describe();
    expect(job.TransformJobStatus).to.equal("InProgress");
    expect(job.TransformJobName).to.equal("RoadmapX-Score-1");
    expect(job.CreationTime?.getTime()).to.equal(clock.now());
    expect(job.TransformStartTime, "no instances yet").to.equal(undefined);
    expect(job.TransformInput).to.deep.include({ SplitType: "Line", CompressionType: "None", ContentType: "text/csv" });
    expect(job.MaxPayloadInMB).to.equal(6);
    const created0 = clock.now();

    clock.advance(1000);
    job = await describe();
    expect(job.TransformStartTime?.getTime()).to.equal(created0 + 1000);
    expect(await keys("sagemaker/transform/output/"), "nothing written while it runs").to.deep.equal([]);

    clock.advance(3999);
    expect((await describe()).TransformJobStatus).to.equal("InProgress");
    clock.advance(10_000);
    job = await describe();
    expect(job.TransformJobStatus).to.equal("Completed");
    expect(job.TransformEndTime?.getTime()).to.equal(created0 + 5000);
    expect(job.FailureReason).to.equal(undefined);

    expect(await keys("sagemaker/transform/output/")).to.deep.equal([
      "sagemaker/transform/output/job-1/a.csv.out",
      "sagemaker/transform/output/job-1/sub/b.csv.out",
    ]);
    expect(await read("sagemaker/transform/output/job-1/a.csv.out")).to.equal(`${standInScore("1,2,3")}\n${standInScore("4,5,6")}\n${standInScore("7,8,9")}\n`);
    expect(await read("sagemaker/transform/output/job-1/sub/b.csv.out")).to.equal(predictionLine("10,11", { contentType: "text/csv", assembleWith: "Line" }));
    const [view] = standIn.jobs();
    expect(view).to.deep.include({ name: "RoadmapX-Score-1", status: "Completed", records: 4, executionRoleArn: ROLE });
    expect(view?.outputs).to.deep.equal([`${OUT}/a.csv.out`, `${OUT}/sub/b.csv.out`]);
  });

  it("answers JSON when Accept says so, one record per object with SplitType None, no separator with AssembleWith None, Gzip input", async () => {
    await put("sagemaker/transform/input/job-1/doc.json", '{"features":[1,2]}\n{"features":[3,4]}\n');
    await put("sagemaker/transform/input/job-2/rows.jsonl.gz", gzipSync('{"a":1}\n{"a":2}\n'));
    await sagemaker.send(
      new CreateTransformJobCommand(
        request({
          TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: IN } }, ContentType: "application/json", SplitType: "None" },
          TransformOutput: { S3OutputPath: `${OUT}/`, Accept: "application/json", AssembleWith: "None" },
        }),
      ),
    );
    await sagemaker.send(
      new CreateTransformJobCommand(
        request({
          TransformJobName: "roadmapx-score-2",
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/sagemaker/transform/input/job-2/rows` } },
            ContentType: "application/jsonlines",
            SplitType: "Line",
            CompressionType: "Gzip",
          },
          TransformOutput: { S3OutputPath: `s3://${BUCKET}/sagemaker/transform/output/job-2`, AssembleWith: "None" },
        }),
      ),
    );
    clock.advance(5000);
    expect((await describe()).TransformJobStatus).to.equal("Completed");
    expect((await describe("roadmapx-score-2")).TransformJobStatus).to.equal("Completed");
    expect(await read("sagemaker/transform/output/job-1/doc.json.out")).to.equal(
      JSON.stringify({ score: standInScore('{"features":[1,2]}\n{"features":[3,4]}\n') }),
    );
    expect(await read("sagemaker/transform/output/job-2/rows.jsonl.gz.out")).to.equal(
      `${JSON.stringify({ score: standInScore('{"a":1}') })}${JSON.stringify({ score: standInScore('{"a":2}') })}`,
    );
  });

  it("reads the objects a manifest lists, in its order", async () => {
    await put("sagemaker/transform/input/m/z.csv", "1\n");
    await put("sagemaker/transform/input/m/a.csv", "2\n");
    await put("sagemaker/transform/input/m.manifest", JSON.stringify([{ prefix: `s3://${BUCKET}/sagemaker/transform/input/m/` }, "z.csv", "a.csv"]));
    await sagemaker.send(
      new CreateTransformJobCommand(
        request({
          TransformInput: {
            DataSource: { S3DataSource: { S3DataType: "ManifestFile", S3Uri: `s3://${BUCKET}/sagemaker/transform/input/m.manifest` } },
            SplitType: "Line",
          },
        }),
      ),
    );
    clock.advance(5000);
    expect((await describe()).TransformJobStatus).to.equal("Completed");
    expect(standIn.jobs()[0]?.outputs).to.deep.equal([`${OUT}/z.csv.out`, `${OUT}/a.csv.out`]);
    expect(await read("sagemaker/transform/output/job-1/z.csv.out")).to.equal(`${standInScore("1")}\n`);
  });

  it("writes a large output as a multipart upload, streamed (300,000 records)", async () => {
    await standIn.stop();
    standIn = await startSageMakerTransformStandIn({
      region: REGION,
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      now: clock.now,
      durations: { startingMs: 0, runningMs: 0 },
      outputPartBytes: 5 * 1024 * 1024,
    });
    sagemaker.destroy();
    s3.destroy();
    sagemaker = new SageMakerClient({ endpoint: standIn.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    s3 = new S3Client({ endpoint: standIn.endpoint, region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1, forcePathStyle: true });
    const lines = Array.from({ length: 300_000 }, (_, i) => `${i},${i % 7}`);
    await put("sagemaker/transform/input/job-1/big.csv", `${lines.join("\n")}\n`);
    await sagemaker.send(new CreateTransformJobCommand(request({ TransformOutput: { S3OutputPath: OUT, Accept: "application/json", AssembleWith: "Line" } })));
    expect((await describe()).TransformJobStatus).to.equal("Completed");
    const head = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "sagemaker/transform/output/job-1/big.csv.out" }));
    expect(head.ETag, "a multipart ETag ends in -<parts>").to.match(/-2"$/);
    const out = ((await head.Body?.transformToString("utf8")) ?? "").split("\n");
    expect(out).to.have.length(300_001);
    expect(out[0]).to.equal(JSON.stringify({ score: standInScore("0,0") }));
    expect(out[299_999]).to.equal(JSON.stringify({ score: standInScore(`299999,${299_999 % 7}`) }));
    expect(standIn.jobs()[0]?.records).to.equal(300_000);
  });

  it("stops: InProgress → Stopping → Stopped on the clock, writing nothing; an ended job cannot be stopped", async () => {
    await put("sagemaker/transform/input/job-1/a.csv", "1\n");
    await sagemaker.send(new CreateTransformJobCommand(request()));
    clock.advance(2000);
    await sagemaker.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-score-1" }));
    expect((await describe()).TransformJobStatus).to.equal("Stopping");
    await sagemaker.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-score-1" }));
    clock.advance(1999);
    expect((await describe()).TransformJobStatus).to.equal("Stopping");
    clock.advance(10_000);
    const job = await describe();
    expect(job.TransformJobStatus).to.equal("Stopped");
    expect(job.TransformEndTime?.getTime()).to.equal(job.CreationTime!.getTime() + 4000);
    expect(await keys("sagemaker/transform/output/")).to.deep.equal([]);
    const again = await failureOf(sagemaker.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-score-1" })));
    expect(again).to.deep.equal({
      name: "ValidationException",
      message: "Transform job roadmapx-score-1 is Stopped: only a job in progress can be stopped.",
      status: 400,
    });
    const missing = await failureOf(sagemaker.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-nope" })));
    expect(missing.message).to.equal("Could not find transform job 'arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-nope'.");
  });

  it("fails the job when a record makes the model fail: that object gets no output, the others do", async () => {
    await put("sagemaker/transform/input/job-1/a.csv", "1\n2\n");
    await put("sagemaker/transform/input/job-1/b.csv", `3\n${ERROR_MARKER}\n4\n`);
    await put("sagemaker/transform/input/job-1/c.csv", "5\n");
    await sagemaker.send(new CreateTransformJobCommand(request()));
    clock.advance(5000);
    const job = await describe();
    expect(job.TransformJobStatus).to.equal("Failed");
    expect(job.FailureReason).to.equal(CONTAINER_ERROR);
    expect(job.FailureReason).to.equal("ClientError: See job logs for more information");
    expect(await keys("sagemaker/transform/output/")).to.deep.equal([
      "sagemaker/transform/output/job-1/a.csv.out",
      "sagemaker/transform/output/job-1/c.csv.out",
    ]);
    expect(standIn.jobs()[0]?.logs).to.deep.equal([
      `[sagemaker logs]: ${BUCKET}/sagemaker/transform/input/job-1/b.csv: ClientError: 400: the model answered an error for a record (the stand-in's error marker)`,
    ]);
  });

  it("fails as AWS says: a record over MaxPayloadInMB, no input objects, a role that is gone, and failNext", async () => {
    await put("sagemaker/transform/input/job-1/a.csv", `${"x".repeat(1024 * 1024 + 1)}\n`);
    await sagemaker.send(new CreateTransformJobCommand(request({ MaxPayloadInMB: 1 })));
    await sagemaker.send(
      new CreateTransformJobCommand(
        request({
          TransformJobName: "roadmapx-empty",
          TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/sagemaker/transform/input/none/` } } },
        }),
      ),
    );
    standIn.failNext("InternalServerError: We encountered an internal error. Please try again.");
    await sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: "roadmapx-forced" })));
    clock.advance(5000);
    const tooLarge = await describe();
    expect(tooLarge.FailureReason).to.equal(CONTAINER_ERROR);
    expect(standIn.jobs()[0]?.logs[0]).to.match(/a\.csv: ClientError: 413: a record is larger than MaxPayloadInMB \(1 MB\)$/);
    expect((await describe("roadmapx-empty")).FailureReason).to.equal(
      `ClientError: No S3 objects found under S3 URL "s3://${BUCKET}/sagemaker/transform/input/none/" given in input data source. Please ensure that the bucket exists in the selected region (us-east-1), that objects exist under that S3 prefix, and that the role "${ROLE}" has "s3:ListBucket" permissions on bucket "${BUCKET}".`,
    );
    expect(await describe("roadmapx-forced")).to.deep.include({
      TransformJobStatus: "Failed",
      FailureReason: "InternalServerError: We encountered an internal error. Please try again.",
    });

    await ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: ROLE_NAME }));
    await put("sagemaker/transform/input/job-1/a.csv", "1\n");
    await sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: "roadmapx-no-role" })));
    clock.advance(5000);
    expect((await describe("roadmapx-no-role")).FailureReason).to.equal(
      `ClientError: Could not assume role ${ROLE}. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role.`,
    );
    expect(await keys("sagemaker/transform/output/")).to.deep.equal([]);
  });

  it("refuses what SageMaker refuses: bad names and values, a duplicate name, a model that does not exist", async () => {
    const bad = await failureOf(
      sagemaker.send(
        new CreateTransformJobCommand(
          request({
            TransformJobName: "under_score",
            TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: IN } }, SplitType: "Lines" as never },
            TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 0 },
          }),
        ),
      ),
    );
    expect(bad.name).to.equal("ValidationException");
    expect(bad.status).to.equal(400);
    expect(bad.message).to.equal(
      "3 validation errors detected: Value 'under_score' at 'transformJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; " +
        "Value 'Lines' at 'transformInput.splitType' failed to satisfy constraint: Member must satisfy enum value set: [None, Line, RecordIO, TFRecord]; " +
        "Value '0' at 'transformResources.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const missing = await failureOf(sagemaker.send(new CreateTransformJobCommand({ ...request(), TransformOutput: undefined })));
    expect(missing.message).to.equal("1 validation error detected: Value null at 'transformOutput' failed to satisfy constraint: Member must not be null");

    await sagemaker.send(new CreateTransformJobCommand(request()));
    const duplicate = await failureOf(sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: "ROADMAPX-score-1" }))));
    expect(duplicate).to.deep.equal({
      name: "ResourceInUse",
      message:
        "Job name must be unique within an AWS account and region, and a job with this name already exists (arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-score-1)",
      status: 400,
    });
    const noModel = await failureOf(sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: "roadmapx-2", ModelName: "roadmapx-gone" }))));
    expect(noModel).to.deep.equal({ name: "ValidationException", message: 'Could not find model "roadmapx-gone".', status: 400 });
    expect(standIn.jobs().map((j) => j.name)).to.deep.equal(["roadmapx-score-1"]);
  });

  it("lists jobs with filters, sorting and pages, and answers ListTags for its jobs", async () => {
    for (const name of ["roadmapx-b", "roadmapx-a", "roadmapx-c"]) {
      await sagemaker.send(new CreateTransformJobCommand(request({ TransformJobName: name, Tags: [{ Key: "project", Value: name }] })));
      clock.advance(1000);
    }
    await sagemaker.send(new StopTransformJobCommand({ TransformJobName: "roadmapx-c" }));
    const first = await sagemaker.send(new ListTransformJobsCommand({ MaxResults: 2 }));
    expect(
      first.TransformJobSummaries?.map((j) => j.TransformJobName),
      "newest first by default",
    ).to.deep.equal(["roadmapx-c", "roadmapx-a"]);
    const rest = await sagemaker.send(new ListTransformJobsCommand({ MaxResults: 2, NextToken: first.NextToken }));
    expect(rest.TransformJobSummaries?.map((j) => j.TransformJobName)).to.deep.equal(["roadmapx-b"]);
    expect(rest.NextToken).to.equal(undefined);
    const byName = await sagemaker.send(new ListTransformJobsCommand({ SortBy: "Name", SortOrder: "Ascending", StatusEquals: "InProgress" }));
    expect(byName.TransformJobSummaries?.map((j) => j.TransformJobName)).to.deep.equal(["roadmapx-a", "roadmapx-b"]);
    const stopping = await sagemaker.send(new ListTransformJobsCommand({ StatusEquals: "Stopping", NameContains: "x-c" }));
    expect(stopping.TransformJobSummaries?.[0]).to.deep.include({ TransformJobName: "roadmapx-c", TransformJobStatus: "Stopping" });
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: "arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-a" }));
    expect(tags.Tags).to.deep.equal([{ Key: "project", Value: "roadmapx-a" }]);
    const badToken = await failureOf(sagemaker.send(new ListTransformJobsCommand({ NextToken: "made-up" })));
    expect(badToken.name).to.equal("ValidationException");
  });

  it("throttles or fails calls on demand, its own and forwarded ones", async () => {
    standIn.failCalls("DescribeTransformJob", { times: 1, as: "throttle" });
    standIn.failCalls("DescribeModel", { times: 1, as: "server-error" });
    const throttled = await failureOf(describe("roadmapx-any"));
    expect(throttled).to.deep.equal({ name: "ThrottlingException", message: "Rate exceeded", status: 400 });
    const failed = await failureOf(sagemaker.send(new DescribeModelCommand({ ModelName: MODEL })));
    expect(failed.status).to.equal(500);
    expect((await sagemaker.send(new DescribeModelCommand({ ModelName: MODEL }))).ModelName).to.equal(MODEL);
    expect(standIn.callCount("DescribeTransformJob")).to.equal(1);
    expect(standIn.callCount("DescribeModel")).to.equal(2);
  });
});
