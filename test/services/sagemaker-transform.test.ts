/**
 * SageMaker batch transform through the services, end to end against the emulator and the local
 * batch-transform stand-in (local/sagemaker-transform-stand-in): input uploaded under
 * sagemaker/transform/input/<job>/, the job created as the application policy allows (owned names,
 * project tags), the SDK waiter reporting status and elapsed time, results read back in input order,
 * failures, stops and time-outs as errors that name the job.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateModelCommand, DescribeTransformJobCommand, ListTagsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { applicationAiActions } from "../../core/requirements";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import {
  CONTAINER_ERROR,
  ERROR_MARKER,
  ManualClock,
  type SageMakerTransformStandIn,
  standInScore,
  startSageMakerTransformStandIn,
} from "../../local/sagemaker-transform-stand-in";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import type { ServiceContext } from "../../services/context";
import {
  SageMakerInputError,
  SageMakerService,
  TransformFailedError,
  TransformNotCompleteError,
  TransformStoppedError,
  TransformWaitTimeoutError,
} from "../../services/sagemaker";
import { AiStorage } from "../../services/storage";
import { type TestClients, useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const ROLE_NAME = "roadmapx-ai-dev-sagemaker";
const ROLE = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;
const MODEL = "roadmapx-churn-live-model";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
/** Polls without pauses worth the name: the stand-in's clock, not the wall clock, decides. */
const FAST = { minDelaySeconds: 0.01, maxDelaySeconds: 0.02 };

interface Log {
  events: string[];
  info: string[];
}

describe("SageMaker batch transform (services, against the emulator and the transform stand-in)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: SageMakerTransformStandIn;
  let dir: string;

  async function start(durations: { startingMs: number; runningMs: number; stoppingMs?: number }): Promise<void> {
    await standIn?.stop();
    standIn = await startSageMakerTransformStandIn({
      region: "us-east-1",
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      now: clock.now,
      durations,
    });
  }

  /** A service whose clients all go through the stand-in; each DescribeTransformJob moves the clock by `tick`. */
  function service(log: Log, tick = 0): { sm: SageMakerService; clients: TestClients; context: ServiceContext } {
    const clients = ctx.makeClients({
      endpoint: standIn.endpoint,
      decorate: (c) =>
        (c as unknown as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack.add(
          (next: (a: unknown) => unknown, context: { commandName: string }) => (args: unknown) => {
            log.events.push(context.commandName);
            if (context.commandName === "DescribeTransformJobCommand") clock.advance(tick);
            return next(args);
          },
          { step: "initialize" },
        ),
    });
    const context: ServiceContext = {
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, SAGEMAKER_ROLE_ARN: ROLE }),
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: {
        info: (m) => log.info.push(m),
        warn: (m) => log.events.push(`warn: ${m}`),
      },
    };
    return { sm: new SageMakerService(context), clients, context };
  }

  const newLog = (): Log => ({ events: [], info: [] });
  const keys = async (prefix: string) =>
    ((await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key).sort();
  async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of source) out.push(item);
    return out;
  }
  async function failure(call: Promise<unknown>): Promise<Error> {
    try {
      await call;
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected the call to fail");
  }

  beforeEach(async () => {
    clock = new ManualClock();
    await start({ startingMs: 0, runningMs: 0 });
    dir = mkdtempSync(join(tmpdir(), "roadmapx-transform-"));
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ctx.clients.iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: TRUST }));
    await ctx.clients.sagemaker.send(new CreateModelCommand({ ModelName: MODEL, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE } }));
  });
  afterEach(async () => {
    await standIn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads records, announces the cost first, runs the job as configured and reads the results back in order", async () => {
    const log = newLog();
    const { sm } = service(log);
    const records = Array.from({ length: 500 }, (_, i) => `${i},${(i * 7) % 13}`);
    const result = await sm.transform({ modelName: MODEL, input: { records }, contentType: "text/csv", jobName: "roadmapx-score-1", wait: FAST });
    expect(result).to.deep.include({
      jobName: "roadmapx-score-1",
      status: "Completed",
      inputUri: `s3://${BUCKET}/sagemaker/transform/input/roadmapx-score-1/`,
      outputUri: `s3://${BUCKET}/sagemaker/transform/output/roadmapx-score-1/`,
      records: 500,
      arn: "arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-score-1",
    });
    const warning = log.events.findIndex((e) => e.startsWith("warn: cost:"));
    expect(log.events[warning]).to.equal(
      "warn: cost: transform bills 1 x ml.m5.large per second while the job runs (from its instances' start to its end, however little input there is); " +
        "stop it early with `roadmapx-ai sagemaker stop --transform-job roadmapx-score-1`.",
    );
    expect(warning, "the cost is said before anything is uploaded or started").to.be.below(log.events.indexOf("PutObjectCommand"));
    expect(log.info.at(-1)).to.match(/^transform job roadmapx-score-1: Completed after \d+s$/);

    const held = standIn.jobs()[0];
    expect(held).to.deep.include({ status: "Completed", records: 500, modelName: MODEL, executionRoleArn: ROLE });
    expect(await keys("sagemaker/transform/")).to.deep.equal([
      "sagemaker/transform/input/roadmapx-score-1/records.csv",
      "sagemaker/transform/output/roadmapx-score-1/records.csv.out",
    ]);

    const results = await collect(sm.readTransformResults("roadmapx-score-1"));
    expect(results).to.have.length(500);
    expect(results[0]).to.deep.equal({
      input: `s3://${BUCKET}/sagemaker/transform/input/roadmapx-score-1/records.csv`,
      record: 0,
      output: String(standInScore("0,0")),
    });
    expect(results.map((r) => r.output)).to.deep.equal(records.map((r) => String(standInScore(r))));
  });

  it("sends the request the application policy allows: owned names, S3Prefix input, its output prefix, project tags", async () => {
    const log = newLog();
    const { sm, clients } = service(log);
    await sm.transform({
      modelName: MODEL,
      input: { records: ['{"a":1}'] },
      contentType: "application/json",
      accept: "application/json",
      instanceType: "ml.c5.xlarge",
      instanceCount: 2,
      maxPayloadInMB: 2,
      batchStrategy: "MultiRecord",
      jobName: "roadmapx-score-2",
      wait: FAST,
    });
    const sdk = new SageMakerClient({ endpoint: standIn.endpoint, region: "us-east-1", credentials: DUMMY_CREDENTIALS });
    const job = await sdk.send(new DescribeTransformJobCommand({ TransformJobName: "roadmapx-score-2" }));
    const tags = await sdk.send(new ListTagsCommand({ ResourceArn: job.TransformJobArn }));
    sdk.destroy();
    expect(job.TransformInput).to.deep.equal({
      DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: `s3://${BUCKET}/sagemaker/transform/input/roadmapx-score-2/` } },
      ContentType: "application/json",
      CompressionType: "None",
      SplitType: "Line",
    });
    expect(job.TransformOutput).to.deep.equal({
      S3OutputPath: `s3://${BUCKET}/sagemaker/transform/output/roadmapx-score-2/`,
      Accept: "application/json",
      AssembleWith: "Line",
    });
    expect(job.TransformResources).to.deep.equal({ InstanceType: "ml.c5.xlarge", InstanceCount: 2 });
    expect([job.MaxPayloadInMB, job.BatchStrategy, job.ModelName]).to.deep.equal([2, "MultiRecord", MODEL]);
    expect(tags.Tags).to.deep.equal([{ Key: "project", Value: "roadmapx-ai" }]);
    expect(log.events[0]).to.match(/^warn: cost: transform bills 2 x ml\.c5\.xlarge per second/);
    expect((await collect(sm.readTransformResults("roadmapx-score-2"))).map((r) => r.output)).to.deep.equal([
      JSON.stringify({ score: standInScore('{"a":1}') }),
    ]);
    clients.destroy();
  });

  it("transforms a file, and a prefix of several objects read back object by object in key order", async () => {
    const file = join(dir, "users.csv");
    const lines = Array.from({ length: 20_000 }, (_, i) => `user-${i},${i % 5}`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    const { sm } = service(newLog());
    const fromFile = await sm.transform({ modelName: MODEL, input: { path: file }, contentType: "text/csv", wait: FAST });
    expect(fromFile.jobName).to.match(/^roadmapx-transform-\d{8}-\d{6}-[a-z0-9]{4}$/);
    expect(await keys(`sagemaker/transform/input/${fromFile.jobName}/`)).to.deep.equal([`sagemaker/transform/input/${fromFile.jobName}/users.csv`]);
    const fileResults = await collect(sm.readTransformResults(fromFile.jobName));
    expect(fileResults.map((r) => r.output)).to.deep.equal(lines.map((l) => String(standInScore(l))));

    for (const [key, body] of [
      ["sagemaker/transform/input/batch-7/b.csv", "b1\nb2\n"],
      ["sagemaker/transform/input/batch-7/a.csv", "a1\na2\na3\n"],
      ["sagemaker/transform/input/batch-7/sub/c.csv", "c1\n"],
    ] as const) {
      await ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    }
    const fromPrefix = await sm.transform({
      modelName: MODEL,
      input: { prefix: `s3://${BUCKET}/sagemaker/transform/input/batch-7/` },
      contentType: "text/csv",
      jobName: "roadmapx-batch-7",
      wait: FAST,
    });
    expect(fromPrefix.inputUri).to.equal(`s3://${BUCKET}/sagemaker/transform/input/batch-7/`);
    const results = await collect(sm.readTransformResults("roadmapx-batch-7"));
    const input = (name: string) => `s3://${BUCKET}/sagemaker/transform/input/batch-7/${name}`;
    expect(results.map((r) => [r.input, r.record, r.output])).to.deep.equal([
      [input("a.csv"), 0, String(standInScore("a1"))],
      [input("a.csv"), 1, String(standInScore("a2"))],
      [input("a.csv"), 2, String(standInScore("a3"))],
      [input("b.csv"), 0, String(standInScore("b1"))],
      [input("b.csv"), 1, String(standInScore("b2"))],
      [input("sub/c.csv"), 0, String(standInScore("c1"))],
    ]);
  });

  it("reports each status with the elapsed time as the job moves on", async () => {
    await start({ startingMs: 2000, runningMs: 4000 });
    const log = newLog();
    const { sm } = service(log, 1500);
    const seen: string[] = [];
    await sm.transform({
      modelName: MODEL,
      input: { records: ["1", "2"] },
      contentType: "text/csv",
      jobName: "roadmapx-slow",
      wait: { ...FAST, onStatus: (e) => seen.push(`${e.jobName}:${e.status}`) },
    });
    expect(seen).to.deep.equal(["roadmapx-slow:InProgress", "roadmapx-slow:Completed"]);
    expect(log.info).to.have.length(2);
    expect(log.events.filter((e) => e === "DescribeTransformJobCommand").length, "the waiter polled until the clock reached the end").to.be.at.least(4);
  });

  it("surfaces the job's FailureReason, naming the job", async () => {
    const { sm } = service(newLog());
    const err = await failure(
      sm.transform({ modelName: MODEL, input: { records: ["1", `x ${ERROR_MARKER}`] }, contentType: "text/csv", jobName: "roadmapx-bad", wait: FAST }),
    );
    expect(err).to.be.instanceOf(TransformFailedError);
    expect(err.message).to.equal(`transform job roadmapx-bad failed: ${CONTAINER_ERROR}`);
    expect((await failure(collect(sm.readTransformResults("roadmapx-bad")))).message).to.equal(`transform job roadmapx-bad failed: ${CONTAINER_ERROR}`);
  });

  it("stops a job: the wait ends with a clear error; results of an unfinished job are refused", async () => {
    await start({ startingMs: 1000, runningMs: 60_000, stoppingMs: 3000 });
    const { sm } = service(newLog(), 1000);
    const started = await sm.transform({ modelName: MODEL, input: { records: ["1"] }, contentType: "text/csv", jobName: "roadmapx-stop-me", wait: false });
    expect(started.status).to.equal("InProgress");
    const early = await failure(collect(sm.readTransformResults("roadmapx-stop-me")));
    expect(early).to.be.instanceOf(TransformNotCompleteError);
    expect(early.message).to.equal("transform job roadmapx-stop-me is InProgress: its results can be read once it is Completed");
    await sm.stopTransform("roadmapx-stop-me");
    const err = await failure(sm.waitForTransform("roadmapx-stop-me", FAST));
    expect(err).to.be.instanceOf(TransformStoppedError);
    expect(err.message).to.match(/^transform job roadmapx-stop-me was stopped before it completed: its output is incomplete/);
    expect(standIn.jobs()[0]?.status).to.equal("Stopped");
  });

  it("gives up waiting at the time-out, saying the job goes on and how to read it later", async () => {
    await start({ startingMs: 0, runningMs: 3600_000 });
    const { sm } = service(newLog());
    const err = await failure(
      sm.transform({ modelName: MODEL, input: { records: ["1"] }, contentType: "text/csv", jobName: "roadmapx-long", wait: { timeoutMs: 300, ...FAST } }),
    );
    expect(err).to.be.instanceOf(TransformWaitTimeoutError);
    expect(err.message).to.match(
      /^transform job roadmapx-long is still InProgress after 0s; it goes on \(and bills\) in AWS: read its results later with `roadmapx-ai sagemaker transform-results --job-name roadmapx-long`, or stop it with `roadmapx-ai sagemaker stop --transform-job roadmapx-long`$/,
    );
    expect(standIn.jobs()[0]?.status, "the job was not stopped").to.equal("InProgress");
  });

  it("refuses bad input with a clear error before creating any job, and leaves nothing behind", async () => {
    const log = newLog();
    const { sm } = service(log);
    const empty = join(dir, "empty.csv");
    writeFileSync(empty, "");
    const base = { modelName: MODEL, contentType: "text/csv", input: { records: ["1"] } };
    const cases: [Parameters<SageMakerService["transform"]>[0], string][] = [
      [{ ...base, input: { path: join(dir, "missing.csv") } }, `input.path: ${join(dir, "missing.csv")} does not exist`],
      [{ ...base, input: { path: dir } }, `input.path: ${dir} is not a file`],
      [{ ...base, input: { path: empty } }, `input.path: ${empty} is empty: there is nothing to transform`],
      [{ ...base, input: { records: [] } }, "input.records: holds no records: there is nothing to transform"],
      [{ ...base, contentType: "csv" }, 'contentType: "csv" is not a MIME type such as text/csv or application/json'],
      [{ ...base, splitType: "Lines" as never }, 'splitType: "Lines" is not one of Line, None, RecordIO, TFRecord'],
      [{ ...base, splitType: "None" }, 'splitType: records go up one a line, so they need splitType "Line" (got "None")'],
      [{ ...base, modelName: "someone-elses-model" }, 'modelName: "someone-elses-model" must start with "roadmapx-"'],
      [{ ...base, jobName: "churn-1" }, 'jobName: "churn-1" must start with "roadmapx-"'],
      [{ ...base, instanceCount: 0 }, "instanceCount: must be a whole number from 1 to 100 (got 0)"],
      [{ ...base, maxPayloadInMB: 101 }, "maxPayloadInMB: must be a whole number from 0 to 100 (got 101)"],
      [
        { ...base, input: { prefix: `s3://${BUCKET}/user-uploads/x/` } },
        `input.prefix: s3://${BUCKET}/user-uploads/x/ is not under s3://${BUCKET}/sagemaker/transform/input/`,
      ],
      [
        { ...base, input: { prefix: "s3://other-bucket/sagemaker/transform/input/x/" } },
        "input.prefix: s3://other-bucket/sagemaker/transform/input/x/ is not in the AI bucket",
      ],
      [
        { ...base, input: { prefix: "sagemaker/transform/input/nothing-here/" } },
        `input.prefix: no objects under s3://${BUCKET}/sagemaker/transform/input/nothing-here/`,
      ],
      [{ ...base, input: { records: ["ok", "two\nlines"] } }, "input.records[1]: contains a line break"],
      [{ ...base, input: { records: ["ok", ""] } }, "input.records[1]: is empty"],
    ];
    for (const [options, message] of cases) {
      const err = await failure(sm.transform({ ...options, wait: FAST }));
      expect(err, message).to.be.instanceOf(SageMakerInputError);
      expect(err.message, message).to.include(message);
    }
    expect(
      log.events.filter((e) => e === "CreateTransformJobCommand"),
      "no job was created",
    ).to.deep.equal([]);
    expect(await keys("sagemaker/transform/"), "a refused upload left nothing").to.deep.equal([]);
    expect(standIn.jobs()).to.deep.equal([]);
  });
});

describe("What the batch transform service calls is granted to the application", () => {
  it("every *Command (and the waiter's Describe) in services/sagemaker/transform.ts is in core/requirements APPLICATION", () => {
    const granted = new Set<string>(applicationAiActions());
    const source = readFileSync(join(__dirname, "..", "..", "services", "sagemaker", "transform.ts"), "utf8");
    const used = [...source.matchAll(/sdkSagemaker\(\)\.([A-Z][A-Za-z]+)Command\b/g)].map((m) => `sagemaker:${m[1]}`);
    if (source.includes("waitUntilTransformJobCompletedOrStopped")) used.push("sagemaker:DescribeTransformJob");
    expect([...new Set(used)].sort()).to.deep.equal(["sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob"]);
    expect(used.filter((a) => !granted.has(a))).to.deep.equal([]);
    expect(granted.has("sagemaker:AddTags"), "tag on create").to.equal(true);
  });
});
