/**
 * The CLI's rough edges a new user met, each pinned down: usage errors exit 2 with a sentence, and
 * the messages and suggestions work as printed. Commands that must fail before sending anything
 * point at a closed port: had they sent a request, they would exit 3 (unreachable), not 2.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AiStorage } from "../../services/storage";
import { SageMakerService } from "../../services/sagemaker";
import { useEmulator } from "../helpers/emulator";
import { runCli } from "../helpers/process";

const CLOSED = {
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
  SAGEMAKER_ROLE_ARN: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-sagemaker",
  PERSONALIZE_ROLE_ARN: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize",
};
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const CSV = "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\n";

function folder(): string {
  return mkdtempSync(join(tmpdir(), "roadmapx-rough-"));
}

describe("CLI rough edges (usage errors before anything is sent)", function () {
  this.timeout(60_000);

  it("a directory given as a file is a usage error (exit 2) that says so, for every command that reads one", async () => {
    const dir = folder();
    for (const args of [
      ["personalize", "validate", "--type", "interactions", "--file", dir],
      ["comprehend", "analyze", "--file", dir, "--ops", "sentiment"],
      ["sagemaker", "invoke", "--endpoint", "roadmapx-churn-live", "--body-file", dir],
      ["sagemaker", "upload", "--dataset", "churn-2026", "--file", dir],
    ]) {
      const r = await runCli(args, CLOSED);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr).to.include(`${dir} is a directory`).and.not.include("EISDIR");
    }
  });

  it("personalize validate reads standard input with --file -", async () => {
    const r = await runCli(["personalize", "validate", "--type", "interactions", "--file", "-"], {}, CSV);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^standard input: valid interactions CSV, 1 rows/);
  });

  it("a malformed dataset ARN is refused before the file is uploaded", async () => {
    const file = join(folder(), "interactions.csv");
    writeFileSync(file, CSV);
    const r = await runCli(["personalize", "import", "--dataset-arn", "nope", "--type", "interactions", "--file", file], CLOSED);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include('"nope" is not a dataset ARN').and.include("arn:aws:personalize:REGION:ACCOUNT:dataset/GROUP/TYPE");
  });

  it("an ARN of another dataset type than --type is refused", async () => {
    const file = join(folder(), "interactions.csv");
    writeFileSync(file, CSV);
    const arn = "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/ITEMS";
    const r = await runCli(["personalize", "import", "--dataset-arn", arn, "--type", "interactions", "--file", file], CLOSED);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include("is a dataset of items, but the data is interactions");
  });

  it("--help marks required options, and an unknown flag is reported before a missing required one", async () => {
    const help = await runCli(["personalize", "validate", "--help"]);
    expect(help.stdout).to.match(/--type <type>\s+dataset type: interactions, items or users \(required\)/);
    expect(help.stdout).to.match(/--schema <file>\s+a custom Avro schema(?!.*\(required\))/);
    const bogus = await runCli(["personalize", "validate", "--bogus"]);
    expect(bogus.code).to.equal(2);
    expect(bogus.stderr).to.include("unknown option '--bogus'").and.not.include("--type");
    const missing = await runCli(["personalize", "validate", "--file", "x.csv"]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include("required option '--type <type>' not specified");
  });

  it("dataset folder names are checked in sagemaker upload and in train's channels", async () => {
    const file = join(folder(), "train.csv");
    writeFileSync(file, "1,2\n");
    const upload = await runCli(["sagemaker", "upload", "--dataset", "bad name!", "--file", file], CLOSED);
    expect(upload.code, upload.stderr).to.equal(2);
    expect(upload.stderr).to.include('"bad name!" is not a dataset folder');
    const train = await runCli(["sagemaker", "train", "--image", IMAGE, "--channel", "train=bad name!"], CLOSED);
    expect(train.code, train.stderr).to.equal(2);
    expect(train.stderr).to.include("channels.train.dataset").and.include('"bad name!" is not a dataset folder');
  });

  it("a bad AWS_REGION is blamed on AWS_REGION alone, not on the S3_REGION nobody set", () => {
    let message = "";
    try {
      resolveRuntimeConfig({}, { AWS_REGION: "not_a_region" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.include("AWS_REGION").and.not.include("S3_REGION");
    expect(() => resolveRuntimeConfig({}, { AWS_REGION: "us-east-1", S3_REGION: "nowhere" })).to.throw(/S3_REGION/);
  });
});

describe("CLI rough edges (against the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  const env = () => ({ ...CLOSED, AWS_ENDPOINT_URL: ctx.emulator.endpoint, S3_BUCKET_NAME: "roadmapx-files" });

  it("personalize recommend on an endpoint without the runtime API says the endpoint does not implement it (exit 3)", async () => {
    const campaign = "arn:aws:personalize:us-east-1:123456789012:campaign/roadmapx-live";
    const r = await runCli(["personalize", "recommend", "--campaign-arn", campaign, "--user-id", "u-42"], env());
    expect(r.code, r.stderr).to.equal(3);
    expect(r.stderr).to.include("the endpoint does not implement this call").and.not.include("SyntaxError: Unexpected token");
  });

  it("the cleanup that sagemaker deploy's cost warning suggests works as printed", async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
    const warnings: string[] = [];
    const config = resolveRuntimeConfig({}, { S3_BUCKET_NAME: "roadmapx-files", SAGEMAKER_ROLE_ARN: CLOSED.SAGEMAKER_ROLE_ARN });
    const service = new SageMakerService({
      config,
      clients: ctx.clients,
      storage: new AiStorage(ctx.clients, "roadmapx-files"),
      logger: { info: () => undefined, warn: (m) => warnings.push(m) },
    });
    await service.deploy({
      name: "roadmapx-churn-eval",
      image: IMAGE,
      modelArtifactUri: "s3://roadmapx-files/models/job/output/model.tar.gz",
      minDelaySeconds: 1,
      maxDelaySeconds: 1,
    });
    const suggested = /`roadmapx-ai ([^`]+)`/.exec(warnings.join("\n"))?.[1];
    expect(suggested, warnings.join("\n")).to.be.a("string");
    const r = await runCli((suggested as string).split(" "), env());
    expect(r.code, r.stderr).to.equal(0);
    let gone = false;
    try {
      await ctx.clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "roadmapx-churn-eval" }));
    } catch {
      gone = true;
    }
    expect(gone).to.equal(true);
  });
});
