/**
 * `roadmapx-ai personalize batch-recommend | batch-segment | batch-results` as operators run them
 * (bin/roadmapx-ai.js, after `npm run build`): S3 on the emulator, Personalize the local stand-in
 * (AWS_ENDPOINT_URL_PERSONALIZE, the SDK's own per-service endpoint variable). The stand-in's clock
 * is the test's: batch inference jobs finish at once, batch segment jobs only when the test moves
 * the clock, so a wait that times out can be shown, and resumed.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import { PersonalizeService, builtinSchema } from "../../services/personalize";
import { AiStorage } from "../../services/storage";
import { interactionsCsv } from "../helpers/csv-rows";
import { useEmulator } from "../helpers/emulator";
import { StandInClients } from "../helpers/personalize-stand-in";
import { runCli } from "../helpers/process";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const ZERO = { pendingMs: 0, inProgressMs: 0, deletePendingMs: 0, deleteInProgressMs: 0 };

describe("roadmapx-ai personalize batch-recommend / batch-segment / batch-results (CLI)", function () {
  this.timeout(180_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let clients: StandInClients;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({
      now: clock.now,
      durations: ZERO,
      durationsByKind: { batchSegmentJob: { pendingMs: 60_000, inProgressMs: 3600_000 } },
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
    });
    clients = new StandInClients(standIn.endpoint, { region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    env = {
      AWS_ENDPOINT_URL_PERSONALIZE: standIn.endpoint,
      AWS_ENDPOINT_URL_S3: ctx.emulator.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      S3_BUCKET_NAME: BUCKET,
      PERSONALIZE_ROLE_ARN: ROLE,
    };
    dir = mkdtempSync(join(tmpdir(), "batch-cli-"));
  });
  afterEach(async () => {
    clients.destroy();
    await standIn.stop();
  });

  /** An ACTIVE solution version of `recipe`, trained in this process on the stand-in. */
  async function trained(recipe: string, name: string): Promise<string> {
    const service = new PersonalizeService(
      {
        config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
        clients,
        storage: new AiStorage(clients, BUCKET),
        logger: { info: () => undefined, warn: () => undefined },
      },
      { sleep: clock.sleep, now: clock.now },
    );
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = await service.ensureDatasetGroup("roadmapx-demo");
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions");
    if (!standIn.datasetRecords(dataset.arn)?.imported) {
      await service.importDataset(dataset.arn, interactionsCsv(1200), "personalize/interactions.csv", { sleep: clock.sleep, now: clock.now });
    }
    const solution = await service.ensureSolution({ name, datasetGroupArn: group.arn, recipeArn: `arn:aws:personalize:::recipe/${recipe}` });
    return (await service.train(solution.arn)).arn;
  }

  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const cli = (args: string[]) => runCli(["personalize", ...args], env);
  const keysUnder = async (prefix: string) =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);
  const jsonLines = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it("batch-recommend: JSON lines on stdout in input order, cost and statuses on stderr, exit 0; --cleanup leaves nothing", async () => {
    const version = await trained("aws-user-personalization-v2", "roadmapx-recs");
    const input = file("users.jsonl", '{"userId": "user-1"}\n{"userId": "user-2"}\n\n{"userId": "user-3"}\n');
    const r = await cli(["batch-recommend", "--solution-version-arn", version, "--file", input, "--num-results", "4", "--name", "roadmapx-mail", "--cleanup"]);
    expect(r.code, r.stderr).to.equal(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l["line"], l["input"], (l["recommendedItems"] as string[]).length, (l["scores"] as number[]).length, l["error"]])).to.deep.equal([
      [1, { userId: "user-1" }, 4, 4, null],
      [2, { userId: "user-2" }, 4, 4, null],
      [3, { userId: "user-3" }, 4, 4, null],
    ]);
    const jobArn = "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/roadmapx-mail";
    expect(r.stderr).to.include(
      "! cost: batch inference job roadmapx-mail is billed by Amazon Personalize for the recommendations it generates: 3 input record(s) x 4",
    );
    expect(r.stderr).to.include(`personalize: batch inference job ${jobArn}: ACTIVE after 0s`);
    expect(r.stderr).to.include(`read 3 result(s) of ${jobArn}`);
    expect(await keysUnder("personalize/batch/")).to.deep.equal([]);
  });

  it("bad input exits 2 before any job starts: a missing or empty file, a malformed line with its number, numResults out of range, a foreign ARN", async () => {
    const version = await trained("aws-user-personalization-v2", "roadmapx-recs");
    const cases: [string[], RegExp][] = [
      [["--file", join(dir, "missing.jsonl")], /--file: .*missing\.jsonl does not exist/],
      [["--file", file("empty.jsonl", "\n")], /the input has no records: give one JSON object per line/],
      [["--file", file("bad.jsonl", '{"userId": "user-1"}\n{"userId": "user-2"\n')], /bad\.jsonl line 2: not valid JSON/],
      [["--file", file("typo.jsonl", '{"userID": "user-1"}\n')], /typo\.jsonl line 1: unknown field "userID"/],
      [["--file", file("ok.jsonl", '{"userId": "user-1"}\n'), "--num-results", "501"], /numResults must be a whole number from 1 to 500 \(got 501\)/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(["batch-recommend", "--solution-version-arn", version, ...args]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
    }
    const foreign = await cli([
      "batch-recommend",
      "--solution-version-arn",
      "arn:aws:personalize:us-east-1:123456789012:solution/other/3a1b2c3d",
      "--file",
      join(dir, "ok.jsonl"),
    ]);
    expect(foreign.code).to.equal(2);
    expect(foreign.stderr).to.match(/solutionVersionArn .* names solution "other", whose name must start with "roadmapx-"/);
    const notBatch = await cli(["batch-results", "--job-arn", "arn:aws:personalize:us-east-1:123456789012:campaign/roadmapx-live"]);
    expect(notBatch.code).to.equal(2);
    expect(standIn.callCount("CreateBatchInferenceJob")).to.equal(0);
    expect(await keysUnder("personalize/batch/")).to.deep.equal([]);
  });

  it("a job that fails exits 1 with Personalize's reason", async () => {
    const version = await trained("aws-user-personalization-v2", "roadmapx-recs");
    standIn.failNext("batchInferenceJob", "Insufficient privileges for accessing data in S3.");
    const r = await cli([
      "batch-recommend",
      "--solution-version-arn",
      version,
      "--file",
      file("u.jsonl", '{"userId": "user-1"}\n'),
      "--name",
      "roadmapx-denied",
    ]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include(
      "roadmapx-ai personalize batch-recommend: batch job arn:aws:personalize:us-east-1:123456789012:batch-inference-job/roadmapx-denied failed: Insufficient privileges for accessing data in S3.",
    );
  });

  it("--no-wait prints the job; batch-results reads it later", async () => {
    const version = await trained("aws-user-personalization-v2", "roadmapx-recs");
    const started = await cli([
      "batch-recommend",
      "--solution-version-arn",
      version,
      "--file",
      file("u.jsonl", '{"userId": "user-7"}\n'),
      "--no-wait",
      "--name",
      "roadmapx-later",
    ]);
    expect(started.code, started.stderr).to.equal(0);
    const job = JSON.parse(started.stdout) as { jobArn: string; status: string; records: number };
    expect(job).to.deep.include({ jobArn: "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/roadmapx-later", records: 1 });
    expect(started.stderr).to.include(`read its results with \`roadmapx-ai personalize batch-results --job-arn ${job.jobArn}\``);
    const read = await cli(["batch-results", "--job-arn", job.jobArn]);
    expect(read.code, read.stderr).to.equal(0);
    expect(jsonLines(read.stdout).map((l) => l["input"])).to.deep.equal([{ userId: "user-7" }]);
  });

  it("batch-segment: a wait that times out exits 1 naming the job and the command that resumes; that command then prints the segments", async () => {
    const version = await trained("aws-item-affinity", "roadmapx-affinity");
    const input = file("items.jsonl", '{"itemId": "item-5"}\n{"itemId": "item-6"}\n');
    const r = await cli([
      "batch-segment",
      "--solution-version-arn",
      version,
      "--file",
      input,
      "--name",
      "roadmapx-seg",
      "--wait-timeout",
      "1s",
      "--poll-interval",
      "0.2",
      "--cleanup",
    ]);
    const jobArn = "arn:aws:personalize:us-east-1:123456789012:batch-segment-job/roadmapx-seg";
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.include(`Personalize batch job ${jobArn} is still PENDING after`);
    expect(r.stderr).to.include("it goes on in AWS (nothing was cancelled)");
    expect(r.stderr).to.include(`\`roadmapx-ai personalize batch-results --job-arn ${jobArn} --cleanup\``);
    expect(r.stdout).to.equal("");
    clock.advance(2 * 3600_000);
    const read = await cli(["batch-results", "--job-arn", jobArn, "--cleanup"]);
    expect(read.code, read.stderr).to.equal(0);
    expect(jsonLines(read.stdout)).to.deep.equal([
      { line: 1, input: { itemId: "item-5" }, recommendedUsers: ["user-5"], scores: null, error: null },
      { line: 2, input: { itemId: "item-6" }, recommendedUsers: ["user-6"], scores: null, error: null },
    ]);
    expect(await keysUnder("personalize/batch/")).to.deep.equal([]);
  });
});
