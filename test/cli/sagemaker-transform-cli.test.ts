/**
 * `roadmapx-ai sagemaker transform`, `transform-results` and `stop --transform-job` as operators run
 * them (bin/roadmapx-ai.js, after `npm run build`), against the emulator with the local
 * batch-transform stand-in as the CLI's one endpoint (it forwards S3 and everything else to the
 * emulator): results on stdout in input order, progress and the cost on stderr, exit codes 0/1/2/3.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import {
  CONTAINER_ERROR,
  ERROR_MARKER,
  type SageMakerTransformStandIn,
  standInScore,
  startSageMakerTransformStandIn,
} from "../../local/sagemaker-transform-stand-in";
import { useEmulator } from "../helpers/emulator";
import { runCli } from "../helpers/process";

const BUCKET = "roadmapx-files";
const ROLE_NAME = "roadmapx-ai-dev-sagemaker";
const ROLE = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;
const MODEL = "roadmapx-churn-live-model";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

describe("roadmapx-ai sagemaker transform (CLI, against the emulator and the transform stand-in)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  let standIn: SageMakerTransformStandIn;
  let dir: string;

  const env = (endpoint = standIn.endpoint) => ({
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    S3_BUCKET_NAME: BUCKET,
    SAGEMAKER_ROLE_ARN: ROLE,
  });
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  async function restart(durations: { startingMs: number; runningMs: number }): Promise<void> {
    await standIn?.stop();
    standIn = await startSageMakerTransformStandIn({
      region: "us-east-1",
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      durations,
    });
  }

  beforeEach(async () => {
    // Wall clock, no delay: a job is done by the waiter's first poll.
    await restart({ startingMs: 0, runningMs: 0 });
    dir = mkdtempSync(join(tmpdir(), "roadmapx-transform-cli-"));
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ctx.clients.iam.send(new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: TRUST }));
    await ctx.clients.sagemaker.send(new CreateModelCommand({ ModelName: MODEL, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE } }));
  });
  afterEach(async () => {
    await standIn.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a file in: results on stdout one per line in input order; the cost, progress and statuses on stderr", async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `${i},${i % 3}`);
    const input = file("rows.csv", `${lines.join("\n")}\n`);
    const r = await runCli(["sagemaker", "transform", "--model", MODEL, "--file", input, "--job-name", "roadmapx-cli-1", "--quiet"], env());
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.split("\n").slice(0, -1)).to.deep.equal(lines.map((l) => String(standInScore(l))));
    expect(r.stderr).to.include(
      "! cost: transform bills 1 x ml.m5.large per second while the job runs (from its instances' start to its end, however little input there is); stop it early with `roadmapx-ai sagemaker stop --transform-job roadmapx-cli-1`.",
    );
    expect(r.stderr).to.include(`transform job roadmapx-cli-1 started on s3://${BUCKET}/sagemaker/transform/input/roadmapx-cli-1/`);
    expect(r.stderr).to.match(/transform job roadmapx-cli-1: Completed after \d+s/);
    expect(r.stderr).to.include("2000 result(s)");
    expect(standIn.jobs()[0]).to.deep.include({ name: "roadmapx-cli-1", status: "Completed", records: 2000 });
  });

  it("an S3 prefix in, JSON answers to --output; transform-results reads the same back later", async () => {
    await ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sagemaker/transform/input/day-1/b.jsonl", Body: '{"u":"b"}\n' }));
    await ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "sagemaker/transform/input/day-1/a.jsonl", Body: '{"u":"a1"}\n{"u":"a2"}\n' }));
    const out = join(dir, "scores.jsonl");
    const args = [
      "--input-prefix",
      `s3://${BUCKET}/sagemaker/transform/input/day-1/`,
      "--content-type",
      "application/jsonlines",
      "--accept",
      "application/json",
    ];
    const r = await runCli(["sagemaker", "transform", "--model", MODEL, ...args, "--job-name", "roadmapx-day-1", "--output", out], env());
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal("");
    const expected = ['{"u":"a1"}', '{"u":"a2"}', '{"u":"b"}'].map((rec) => JSON.stringify({ score: standInScore(rec) }));
    expect(readFileSync(out, "utf8")).to.equal(`${expected.join("\n")}\n`);
    expect(r.stderr).to.include(`3 result(s) written to ${out}`);

    const again = await runCli(["sagemaker", "transform-results", "--job-name", "roadmapx-day-1"], env());
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout).to.equal(`${expected.join("\n")}\n`);
  });

  it("--no-wait returns the job at once; stop --transform-job stops it; results before it completes are refused (exit 2)", async () => {
    await restart({ startingMs: 1000, runningMs: 3600_000 });
    const input = file("one.csv", "1,2\n");
    const r = await runCli(["sagemaker", "transform", "--model", MODEL, "--file", input, "--job-name", "roadmapx-later", "--no-wait"], env());
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({
      jobName: "roadmapx-later",
      status: "InProgress",
      inputUri: `s3://${BUCKET}/sagemaker/transform/input/roadmapx-later/`,
      outputUri: `s3://${BUCKET}/sagemaker/transform/output/roadmapx-later/`,
    });
    expect(r.stderr).to.include("read the results later with: roadmapx-ai sagemaker transform-results --job-name roadmapx-later");
    const early = await runCli(["sagemaker", "transform-results", "--job-name", "roadmapx-later"], env());
    expect(early.code).to.equal(2);
    expect(early.stderr).to.include("transform job roadmapx-later is InProgress: its results can be read once it is Completed");
    const stop = await runCli(["sagemaker", "stop", "--transform-job", "roadmapx-later"], env());
    expect(stop.code, stop.stderr).to.equal(0);
    expect(JSON.parse(stop.stdout)).to.deep.equal({ jobName: "roadmapx-later", stopping: true });
    expect(standIn.jobs()[0]?.status).to.equal("Stopping");
    const both = await runCli(["sagemaker", "stop", "--job", "roadmapx-a", "--transform-job", "roadmapx-b"], env());
    expect([both.code, both.stderr.trim()]).to.deep.equal([
      2,
      "roadmapx-ai sagemaker stop: name the job with exactly one of --job (training) or --transform-job",
    ]);
  });

  it("a job that fails exits 1 with its FailureReason; a wait that times out exits 1 naming the job, which goes on", async () => {
    const bad = file("bad.csv", `1\n${ERROR_MARKER}\n`);
    const failed = await runCli(["sagemaker", "transform", "--model", MODEL, "--file", bad, "--job-name", "roadmapx-bad", "--quiet"], env());
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.include(`roadmapx-ai sagemaker transform: transform job roadmapx-bad failed: ${CONTAINER_ERROR}`);
    expect(failed.stdout).to.equal("");

    await restart({ startingMs: 0, runningMs: 3600_000 });
    const slow = await runCli(
      ["sagemaker", "transform", "--model", MODEL, "--file", file("ok.csv", "1\n"), "--job-name", "roadmapx-slow", "--wait-timeout", "1s", "--quiet"],
      env(),
    );
    expect(slow.code).to.equal(1);
    expect(slow.stderr).to.match(
      /transform job roadmapx-slow is still InProgress after \ds; it goes on \(and bills\) in AWS: read its results later with `roadmapx-ai sagemaker transform-results --job-name roadmapx-slow`/,
    );
    expect(standIn.jobs()[0]?.status).to.equal("InProgress");
  });

  it("bad input exits 2 before any job: a missing file, both or neither input, an unknown type, a foreign model, an empty file", async () => {
    const input = file("rows.csv", "1\n");
    const cases: [string[], string][] = [
      [["--file", join(dir, "nope.csv")], `--file: ${join(dir, "nope.csv")} does not exist`],
      [[], "give the input with exactly one of --file or --input-prefix"],
      [["--file", input, "--input-prefix", `s3://${BUCKET}/sagemaker/transform/input/x/`], "give the input with exactly one of --file or --input-prefix"],
      [["--file", file("rows.parquet", "x")], "give --content-type (e.g. text/csv or application/jsonlines)"],
      [["--file", input, "--content-type", "csv"], 'contentType: "csv" is not a MIME type'],
      [["--file", input, "--split-type", "Lines"], "argument 'Lines' is invalid. Allowed choices are Line, None."],
      [["--file", file("empty.csv", "")], "is empty: there is nothing to transform"],
      [["--input-prefix", `s3://${BUCKET}/user-uploads/`, "--content-type", "text/csv"], "is not under s3://roadmapx-files/sagemaker/transform/input/"],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["sagemaker", "transform", "--model", MODEL, ...args], env());
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(" ")).to.include(message);
    }
    const foreign = await runCli(["sagemaker", "transform", "--model", "someone-elses", "--file", input], env());
    expect([foreign.code, foreign.stderr]).to.satisfy(
      ([code, err]: [number, string]) => code === 2 && err.includes('modelName: "someone-elses" must start with "roadmapx-"'),
    );
    const noModel = await runCli(["sagemaker", "transform", "--model", "roadmapx-missing", "--file", input, "--quiet"], env());
    expect(noModel.code, noModel.stderr).to.equal(2);
    expect(noModel.stderr).to.include('ValidationException: Could not find model "roadmapx-missing".');
    expect(standIn.jobs()).to.deep.equal([]);
  });

  it("exits 3 when AWS cannot be reached", async () => {
    const r = await runCli(["sagemaker", "transform-results", "--job-name", "roadmapx-x"], env("http://127.0.0.1:9"));
    expect(r.code, r.stderr).to.equal(3);
  });
});
