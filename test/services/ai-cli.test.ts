/** `roadmapx-ai comprehend analyze` and `roadmapx-ai sagemaker ...` as operators run them, against the emulator. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTrainingJobCommand, ListEndpointsCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { deploy } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { runCli } from "../helpers/process";

const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "roadmapx-cli-")), name);
  writeFileSync(path, content);
  return path;
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("roadmapx-ai comprehend analyze (CLI, against the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  const env = () => ({
    AWS_ENDPOINT_URL: ctx.emulator.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
  });

  it("JSON Lines in: one line out per document, in order, ids and other fields carried, one key per operation", async () => {
    const file = tempFile(
      "reviews.jsonl",
      [
        JSON.stringify({ id: "r1", text: "The roadmap is clear.", user: "u1" }),
        "",
        JSON.stringify({ id: "r2", text: "Shipping slipped again." }),
        JSON.stringify({ text: "No id on this one." }),
      ].join("\n"),
    );
    const r = await runCli(["comprehend", "analyze", "--file", file, "--ops", "sentiment,key-phrases,pii", "--no-batch"], env());
    expect(r.code, r.stderr).to.equal(0);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o["id"] ?? `line ${o["line"]}`)).to.deep.equal(["r1", "r2", "line 4"]);
    expect(out[0]?.["user"]).to.equal("u1");
    expect(out[0]).to.not.have.property("text");
    for (const o of out) {
      expect(Object.keys(o)).to.include.members(["sentiment", "key-phrases", "pii"]);
      expect((o["sentiment"] as { sentiment: string }).sentiment).to.equal("NEUTRAL");
    }
    expect(r.stderr).to.match(/analysed 3 document\(s\): 0 batch and 9 single call\(s\)/);
  });

  it("text in: each non-empty line a document with its 1-based line; bad documents exit 1 with the reason on their line", async () => {
    const file = tempFile("notes.txt", `first note\n\n${"x".repeat(5001)}\nthird note\n`);
    const r = await runCli(["comprehend", "analyze", "--file", file, "--ops", "sentiment", "--no-batch", "--oversize", "reject"], env());
    expect(r.code).to.equal(1);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o["line"])).to.deep.equal([1, 3, 4]);
    expect(out[1]?.["errors"]).to.deep.equal({
      sentiment: {
        code: "TextSizeLimitExceededException",
        message: "the document is 5001 UTF-8 bytes, over the 5000-byte limit of DetectSentiment (split it, or let oversize documents be split)",
      },
    });
    expect(out[2]?.["sentiment"]).to.have.property("sentiment", "NEUTRAL");
    expect(r.stderr).to.match(/1 with errors/);
  });

  it("reads stdin with --file -, and reports malformed JSON lines on their line", async () => {
    const input = `${JSON.stringify({ id: "a", text: "Fine text here." })}\n{not json\n${JSON.stringify({ id: "c", body: "no text" })}\n`;
    const r = await runCli(["comprehend", "analyze", "--file", "-", "--format", "jsonl", "--ops", "sentiment", "--no-batch"], env(), input);
    expect(r.code).to.equal(1);
    const out = jsonLines(r.stdout);
    expect(out).to.have.length(3);
    expect(out[1]).to.deep.include({ line: 2 });
    expect((out[1]?.["errors"] as Record<string, { message: string }>)["sentiment"]?.message).to.match(/^line 2 is not JSON/);
    expect(out[2]).to.deep.include({ id: "c", body: "no text" });
    expect((out[2]?.["errors"] as Record<string, { message: string }>)["sentiment"]?.message).to.equal('line 3 has no "text" field holding a string');
  });

  it("exits 3 with a hint when the endpoint lacks the Batch APIs, and 2 for bad options", async () => {
    const file = tempFile("one.txt", "one document\n");
    const r = await runCli(["comprehend", "analyze", "--file", file, "--ops", "sentiment"], env());
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/does not implement this call.*pass --no-batch/);
    for (const [args, message] of [
      [["--ops", "sentiments"], /"sentiments" is not an operation \(sentiment, entities, key-phrases, language, pii\)/],
      [["--ops", "pii", "--language", "de"], /DetectPiiEntities does not support "de" \(supported: en, es\)/],
      [["--ops", "sentiment", "--tps", "0"], /"0" is not a number above 0/],
    ] as const) {
      const bad = await runCli(["comprehend", "analyze", "--file", file, ...args], env());
      expect(bad.code, args.join(" ")).to.equal(2);
      expect(bad.stderr, args.join(" ")).to.match(message);
    }
    const missing = await runCli(["comprehend", "analyze", "--file", "/nonexistent.jsonl", "--ops", "sentiment"], env());
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/--file: \/nonexistent\.jsonl does not exist/);
  });
});

describe("roadmapx-ai sagemaker (CLI, against the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();

  it("upload, train, deploy, invoke and cleanup with the stack outputs' role and bucket", async () => {
    const d = await deploy(ctx);
    const env = { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
    const data = tempFile("train.csv", "1,0.5,0.7\n0,0.1,0.2\n");

    const upload = await runCli(["sagemaker", "upload", "--dataset", "churn", "--file", data], env);
    expect(upload.code, upload.stderr).to.equal(0);
    expect(JSON.parse(upload.stdout)).to.deep.equal({ uri: "s3://roadmapx-files/sagemaker/training/churn/train.csv" });

    const train = await runCli(
      [
        "sagemaker",
        "train",
        "--image",
        IMAGE,
        "--channel",
        "train=churn:text/csv",
        "--job-name",
        "roadmapx-churn-cli-1",
        "--hyperparameter",
        "num_round=20",
        "--max-runtime",
        "1800",
      ],
      env,
    );
    expect(train.code, train.stderr).to.equal(0);
    expect(JSON.parse(train.stdout)).to.deep.include({
      jobName: "roadmapx-churn-cli-1",
      status: "Completed",
      artifactUri: "s3://roadmapx-files/models/roadmapx-churn-cli-1/output/model.tar.gz",
    });
    expect(train.stderr).to.match(/! cost: training bills 1 x ml\.m5\.large per second while the job runs \(at most 30m00s/);
    const job = await ctx.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "roadmapx-churn-cli-1" }));
    expect(job.RoleArn).to.equal((d.outputs as { sagemakerRoleArn: string }).sagemakerRoleArn);
    expect(job.StoppingCondition?.MaxRuntimeInSeconds).to.equal(1800);

    const deployed = await runCli(
      [
        "sagemaker",
        "deploy",
        "--name",
        "roadmapx-churn-live",
        "--image",
        IMAGE,
        "--model-data",
        "s3://roadmapx-files/models/roadmapx-churn-cli-1/output/model.tar.gz",
      ],
      env,
    );
    expect(deployed.code, deployed.stderr).to.equal(0);
    expect(JSON.parse(deployed.stdout)).to.deep.equal({ endpointName: "roadmapx-churn-live", created: true });
    expect(deployed.stderr).to.match(/bills 1 x ml\.t2\.medium every hour it exists/);

    await ctx.emulator.queueSageMakerEndpointResults([{ Body: '{"score":0.87}', ContentType: "application/json" }]);
    const invoked = await runCli(["sagemaker", "invoke", "--endpoint", "roadmapx-churn-live", "--body", '{"instances":[[0.5,0.7]]}'], env);
    expect(invoked.code, invoked.stderr).to.equal(0);
    expect(JSON.parse(invoked.stdout)).to.deep.equal({ score: 0.87 });

    const unconfirmed = await runCli(["sagemaker", "cleanup", "--endpoint", "roadmapx-churn-live"], env);
    expect(unconfirmed.code).to.equal(2);
    expect(unconfirmed.stderr).to.match(/run again with --yes/);
    const cleaned = await runCli(["sagemaker", "cleanup", "--endpoint", "roadmapx-churn-live", "--yes"], env);
    expect(JSON.parse(cleaned.stdout)).to.deep.equal({
      deleted: ["endpoint roadmapx-churn-live", "endpoint config roadmapx-churn-live-config", "model roadmapx-churn-live-model"],
    });
    expect((await ctx.clients.sagemaker.send(new ListEndpointsCommand({}))).Endpoints).to.deep.equal([]);
  });

  it("exits 2 naming the field for invalid job names, instance types, channels and bodies", async () => {
    const d = await deploy(ctx);
    const env = { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
    for (const [args, message] of [
      [["train", "--image", IMAGE, "--channel", "train=churn", "--job-name", "bad_name"], /jobName: "bad_name" must be 1 to 63 characters/],
      [["train", "--image", IMAGE, "--channel", "train=churn", "--instance-type", "m5.large"], /instanceType: "m5.large" is not a SageMaker instance type/],
      [["train", "--image", IMAGE, "--channel", "churn"], /"churn" is not NAME=DATASET\[:CONTENT_TYPE\]/],
      [["train", "--image", "xgboost", "--channel", "train=churn"], /image: "xgboost" is not an ECR image URI/],
      [["invoke", "--endpoint", "e", "--body", "{oops"], /the body is not JSON .*--content-type text\/csv/],
      [["invoke", "--endpoint", "e"], /exactly one of --body or --body-file/],
    ] as const) {
      const r = await runCli(["sagemaker", ...args], env);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
    }
  });
});
