/**
 * `roadmapx-ai comprehend analyze --async` and `comprehend results` as operators run them: the CLI
 * (bin/roadmapx-ai.js, built) against the Comprehend jobs stand-in, which answers the job calls and
 * forwards everything else (S3, the Detect* calls) to the emulator. The stand-in's clock moves only
 * when the test moves it: a ticker while a run should finish, none while a wait must time out.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { type ComprehendJobsStandIn, ManualClock, startComprehendJobsStandIn } from "../../local/comprehend-jobs-stand-in";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { useEmulator } from "../helpers/emulator";
import { type CliResult, runCli } from "../helpers/process";

const BUCKET = "roadmapx-files";
const ROLE_NAME = "roadmapx-ai-dev-comprehend";
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;

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

const reviews = (n: number, text: (i: number) => string = (i) => `Review ${i}: the roadmap is ${i % 2 ? "awful" : "great"}, shipped from Paris.`) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, text: text(i), user: `u${i}` })).join("\n");

describe("roadmapx-ai comprehend analyze --async (CLI, emulator + the jobs stand-in)", function () {
  this.timeout(180_000);
  const ctx = useEmulator();
  const clock = new ManualClock();
  let standIn: ComprehendJobsStandIn;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({
    AWS_ENDPOINT_URL: standIn.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    S3_BUCKET_NAME: BUCKET,
    COMPREHEND_ROLE_ARN: ROLE_ARN,
    ...extra,
  });
  /** Runs the CLI while the stand-in's clock moves on, so its jobs finish. */
  async function runTicking(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliResult> {
    const ticker = setInterval(() => clock.advance(1000), 20);
    try {
      return await runCli(args, env(extra));
    } finally {
      clearInterval(ticker);
    }
  }

  before(async () => {
    standIn = await startComprehendJobsStandIn({
      region: "us-east-1",
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      now: clock.now,
    });
  });
  after(() => standIn.stop());
  beforeEach(async () => {
    standIn.reset();
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ctx.clients.iam.send(
      new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }),
    );
  });

  it("analyses a file through jobs: the same JSON Lines as the sync path, in order, ids and fields carried, the cost announced", async () => {
    const file = tempFile("reviews.jsonl", `${reviews(12)}\n\n${JSON.stringify({ text: "No id on this one, written in Paris." })}\n`);
    const r = await runTicking(["comprehend", "analyze", "--file", file, "--ops", "sentiment,entities", "--async", "--poll-interval", "0.05"]);
    expect(r.code, r.stderr).to.equal(0);
    const out = jsonLines(r.stdout);
    expect(out.map((o) => o["id"] ?? `line ${o["line"]}`)).to.deep.equal([...Array.from({ length: 12 }, (_, i) => `r${i}`), "line 14"]);
    expect(out[0]).to.deep.include({ user: "u0" });
    expect(out[0]).to.not.have.property("text");
    expect((out[1]?.["sentiment"] as { sentiment: string }).sentiment).to.equal("NEGATIVE");
    expect((out[12]?.["entities"] as { text: string }[]).map((e) => e.text)).to.include("Paris");
    expect(r.stderr).to.match(/! cost: 2 Comprehend analysis job\(s\) \(sentiment, entities\) for 13 document\(s\) sent as 13 line\(s\)/);
    expect(r.stderr).to.match(/analysed 13 document\(s\) with Comprehend analysis jobs, /);
    expect(standIn.jobs().map((j) => j.status)).to.deep.equal(["COMPLETED", "COMPLETED"]);
  });

  it("bad input exits 2 with the problem named, before any job: missing or empty file, unknown operation, unsupported language, oversize, no role", async () => {
    const file = tempFile("ok.jsonl", reviews(12));
    const empty = tempFile("empty.txt", "\n\n");
    const big = tempFile("big.txt", `short line one\n${"word ".repeat(1100)}\n`);
    const cases: [string[], RegExp, NodeJS.ProcessEnv?][] = [
      [["--file", "/nonexistent.jsonl", "--ops", "sentiment"], /--file: \/nonexistent\.jsonl does not exist/],
      [["--file", empty, "--ops", "sentiment"], /source: the input has no documents/],
      [["--file", file, "--ops", "sentiments"], /"sentiments" is not an operation \(sentiment, entities, key-phrases, language, pii\)/],
      [["--file", file, "--ops", "pii", "--language", "de"], /language: StartPiiEntitiesDetectionJob does not support "de" \(supported: en, es\)/],
      [
        ["--file", big, "--ops", "sentiment"],
        /oversize: document 2 is 5500 UTF-8 bytes, over the 5120-byte per-document limit of StartSentimentDetectionJob; nothing was uploaded/,
      ],
      [["--file", file, "--ops", "sentiment"], /COMPREHEND_ROLE_ARN: analysis jobs need the Comprehend data-access role/, { COMPREHEND_ROLE_ARN: "" }],
      [["--file", file, "--ops", "sentiment", "--sync"], /--async and --sync contradict each other/],
    ];
    for (const [args, message, extra] of cases) {
      const r = await runCli(["comprehend", "analyze", "--async", ...args], env(extra));
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
    }
    expect(standIn.jobs()).to.deep.equal([]);
    const listed = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "comprehend/" }));
    expect(listed.Contents ?? []).to.deep.equal([]);
  });

  it("a job that fails exits 1 with the service's message", async () => {
    standIn.failNext("NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.");
    const file = tempFile("reviews.jsonl", reviews(12));
    const r = await runTicking(["comprehend", "analyze", "--file", file, "--ops", "sentiment", "--async", "--poll-interval", "0.05"]);
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stderr).to.match(
      /roadmapx-ai comprehend analyze: Comprehend sentiment job arn:aws:comprehend:us-east-1:123456789012:sentiment-detection-job\/\w+ ended in FAILED: NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data\./,
    );
    expect(r.stdout).to.equal("");
  });

  it("a wait that times out exits 1 with the resume command; the job goes on, and `comprehend results` then prints the results", async () => {
    const file = tempFile("reviews.jsonl", reviews(12));
    // The clock stands still: the job stays SUBMITTED until the test moves it.
    const r = await runCli(
      ["comprehend", "analyze", "--file", file, "--ops", "key-phrases", "--async", "--wait-timeout", "300ms", "--poll-interval", "0.1"],
      env(),
    );
    expect(r.code, r.stderr).to.equal(1);
    const [job] = standIn.jobs();
    expect(job?.status).to.equal("SUBMITTED");
    expect(r.stderr).to.include(`${job?.jobArn} (SUBMITTED). They go on in AWS (nothing was stopped)`);
    const resume = `roadmapx-ai comprehend results --jobs ${job?.jobArn} --file ${file}`;
    expect(r.stderr).to.include(`read the results later with \`${resume}\``);

    const results = await runTicking(["comprehend", "results", "--jobs", job?.jobArn ?? "", "--file", file, "--poll-interval", "0.05", "--cleanup"]);
    expect(results.code, results.stderr).to.equal(0);
    const out = jsonLines(results.stdout);
    expect(out.map((o) => o["id"])).to.deep.equal(Array.from({ length: 12 }, (_, i) => `r${i}`));
    expect((out[0]?.["key-phrases"] as { text: string }[]).map((k) => k.text)).to.include("Paris");
    expect(results.stderr).to.match(/read the results of 12 document\(s\) of run roadmapx-/);
    const listed = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "comprehend/" }));
    expect(listed.Contents ?? [], "--cleanup removed the run's objects").to.deep.equal([]);

    const unknown = await runCli(
      ["comprehend", "results", "--jobs", "arn:aws:comprehend:us-east-1:123456789012:topics-detection-job/x", "--file", file],
      env(),
    );
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.match(/jobs: "arn:aws:comprehend:us-east-1:123456789012:topics-detection-job\/x" is a topics-detection-job, not one of/);
  });
});
