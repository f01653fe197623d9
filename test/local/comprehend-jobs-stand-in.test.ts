/**
 * The local stand-in for Comprehend's analysis jobs, driven by the real ComprehendClient, with S3
 * and IAM on the emulator and a ManualClock: jobs read their input where Comprehend would, move
 * through their statuses as the clock does, and write output in Comprehend's layout (output.tar.gz
 * of JSON lines, PII `.out` files), read back here with the services' own archive reader.
 */
import {
  type ComprehendClient,
  DescribePiiEntitiesDetectionJobCommand,
  DescribeSentimentDetectionJobCommand,
  DetectSentimentCommand,
  ListSentimentDetectionJobsCommand,
  paginateListSentimentDetectionJobs,
  StartDominantLanguageDetectionJobCommand,
  StartEntitiesDetectionJobCommand,
  StartKeyPhrasesDetectionJobCommand,
  StartPiiEntitiesDetectionJobCommand,
  type StartSentimentDetectionJobCommandInput,
  StartSentimentDetectionJobCommand,
  StopSentimentDetectionJobCommand,
  DescribeEntitiesDetectionJobCommand,
  DescribeKeyPhrasesDetectionJobCommand,
  DescribeDominantLanguageDetectionJobCommand,
} from "@aws-sdk/client-comprehend";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { ERROR_MARKER } from "../../local/comprehend-jobs-stand-in";
import { outputRecords } from "../../services/comprehend/job-archive";
import { TarReader } from "../../services/comprehend/job-archive";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { useEmulator } from "../helpers/emulator";
import { standInComprehendClient, useComprehendJobsStandIn } from "../helpers/comprehend-jobs-stand-in";
import { failureOf } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ACCOUNT = "123456789012";
const SUBMITTED_MS = 1000;
const IN_PROGRESS_MS = 4000;
const STOP_MS = 1000;

/** Documents long enough together for the 500-byte minimum of a job's input. */
const filler = (n: number) => Array.from({ length: n }, (_, i) => `The meeting number ${i} was held as planned in the usual room of the office.`);

describe("Comprehend jobs stand-in: analysis jobs through the SDK (S3 and IAM on the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  const jobs = useComprehendJobsStandIn(ctx, { durations: { submittedMs: SUBMITTED_MS, inProgressMs: IN_PROGRESS_MS, stopMs: STOP_MS } });
  let s3: S3Client;
  let comprehend: ComprehendClient;

  beforeEach(async () => {
    s3 = ctx.clients.s3;
    comprehend = jobs.comprehend;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  const lines = (docs: readonly string[]) => `${docs.join("\n")}\n`;

  function sentimentInput(prefix: string, extra: Partial<StartSentimentDetectionJobCommandInput> = {}): StartSentimentDetectionJobCommandInput {
    return {
      InputDataConfig: { S3Uri: `s3://${BUCKET}/${prefix}`, InputFormat: "ONE_DOC_PER_LINE" },
      OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output/` },
      DataAccessRoleArn: jobs.roleArn,
      LanguageCode: "en",
      ...extra,
    };
  }

  async function objectBody(uri: string): Promise<Readable> {
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri) as unknown as [string, string, string];
    return (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body as Readable;
  }

  async function recordsAt(uri: string, format: "tar.gz" | "lines"): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for await (const record of outputRecords(await objectBody(uri), format, uri)) out.push(record.value);
    return out;
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (page.Contents ?? []).map((o) => o.Key as string);
  }

  const describeSentiment = async (jobId: string) =>
    (await comprehend.send(new DescribeSentimentDetectionJobCommand({ JobId: jobId }))).SentimentDetectionJobProperties ?? {};

  async function startSentiment(prefix: string, extra: Partial<StartSentimentDetectionJobCommandInput> = {}): Promise<string> {
    const started = await comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput(prefix, extra)));
    return started.JobId as string;
  }

  it("runs a sentiment job end to end: statuses over the clock, output.tar.gz at the described URI, one record per line with File and Line", async () => {
    await put("comprehend/input/job-1/part-1.txt", lines(["I love it, great work.", "This was terrible and bad.", ...filler(4)]));
    await put("comprehend/input/job-1/part-2.txt", lines(["A good day but a bad night.", ...filler(2)]));
    const submittedAt = jobs.clock.now();
    const started = await comprehend.send(
      new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/job-1/", { JobName: "roadmapx-ai-dev-sentiment-1" })),
    );
    expect(started.JobStatus).to.equal("SUBMITTED");
    expect(started.JobId).to.match(/^[0-9a-f]{32}$/);
    expect(started.JobArn).to.equal(`arn:aws:comprehend:us-east-1:${ACCOUNT}:sentiment-detection-job/${started.JobId}`);
    const jobId = started.JobId as string;
    const expectedUri = `s3://${BUCKET}/comprehend/output/${ACCOUNT}-SENTIMENT-${jobId}/output/output.tar.gz`;

    let props = await describeSentiment(jobId);
    expect(props).to.deep.include({ JobStatus: "SUBMITTED", JobName: "roadmapx-ai-dev-sentiment-1", LanguageCode: "en", DataAccessRoleArn: jobs.roleArn });
    expect(props.OutputDataConfig?.S3Uri).to.equal(expectedUri);
    expect(props.InputDataConfig).to.deep.equal({ S3Uri: `s3://${BUCKET}/comprehend/input/job-1/`, InputFormat: "ONE_DOC_PER_LINE" });
    expect(props.SubmitTime?.getTime()).to.equal(submittedAt);
    expect(props.EndTime).to.equal(undefined);

    jobs.clock.advance(SUBMITTED_MS);
    expect((await describeSentiment(jobId)).JobStatus).to.equal("IN_PROGRESS");
    expect(await keysUnder("comprehend/output/")).to.deep.equal([]);
    jobs.clock.advance(IN_PROGRESS_MS - 1);
    expect((await describeSentiment(jobId)).JobStatus).to.equal("IN_PROGRESS");
    jobs.clock.advance(1);
    props = await describeSentiment(jobId);
    expect(props.JobStatus).to.equal("COMPLETED");
    expect(props.EndTime?.getTime()).to.equal(submittedAt + SUBMITTED_MS + IN_PROGRESS_MS);
    expect(props.Message).to.equal(undefined);

    expect(await keysUnder("comprehend/output/")).to.deep.equal([`comprehend/output/${ACCOUNT}-SENTIMENT-${jobId}/output/output.tar.gz`]);
    // One file, named "output", inside.
    const names = new Set<string>();
    const reader = new TarReader("test", (name) => names.add(name));
    for await (const chunk of (await objectBody(expectedUri)).pipe(createGunzip())) reader.push(chunk as Buffer);
    expect([...names]).to.deep.equal(["output"]);

    const records = await recordsAt(expectedUri, "tar.gz");
    expect(records.map((r) => [r["File"], r["Line"], r["Sentiment"]])).to.deep.equal([
      ["part-1.txt", 0, "POSITIVE"],
      ["part-1.txt", 1, "NEGATIVE"],
      ["part-1.txt", 2, "NEUTRAL"],
      ["part-1.txt", 3, "NEUTRAL"],
      ["part-1.txt", 4, "NEUTRAL"],
      ["part-1.txt", 5, "NEUTRAL"],
      ["part-2.txt", 0, "MIXED"],
      ["part-2.txt", 1, "NEUTRAL"],
      ["part-2.txt", 2, "NEUTRAL"],
    ]);
    expect(records[0]).to.deep.equal({
      File: "part-1.txt",
      Line: 0,
      Sentiment: "POSITIVE",
      SentimentScore: { Positive: 0.925, Negative: 0.025, Neutral: 0.025, Mixed: 0.025 },
    });
    expect(jobs.standIn.jobs()).to.have.length(1);
    expect(jobs.standIn.jobs()[0]).to.deep.include({ status: "COMPLETED", documents: 9, documentErrors: 0, outputS3Uri: expectedUri, written: [expectedUri] });
  });

  it("runs a PII job (ONLY_OFFSETS): one <input>.out of JSON lines per input file in the output folder Describe answers", async () => {
    await put("comprehend/input/pii/a.txt", lines(["Write to jo@example.com today.", "Call 555-123-4567 now.", ...filler(3)]));
    await put("comprehend/input/pii/b.txt", lines(["Nothing personal here.", ...filler(3)]));
    const started = await comprehend.send(
      new StartPiiEntitiesDetectionJobCommand({
        InputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/input/pii/`, InputFormat: "ONE_DOC_PER_LINE" },
        OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output/` },
        DataAccessRoleArn: jobs.roleArn,
        LanguageCode: "en",
        Mode: "ONLY_OFFSETS",
      }),
    );
    const jobId = started.JobId as string;
    expect(started.JobArn).to.equal(`arn:aws:comprehend:us-east-1:${ACCOUNT}:pii-entities-detection-job/${jobId}`);
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const props = (await comprehend.send(new DescribePiiEntitiesDetectionJobCommand({ JobId: jobId }))).PiiEntitiesDetectionJobProperties ?? {};
    const folder = `comprehend/output/${ACCOUNT}-PII-${jobId}/output/`;
    expect(props).to.deep.include({ JobStatus: "COMPLETED", Mode: "ONLY_OFFSETS", LanguageCode: "en" });
    expect(props.OutputDataConfig?.S3Uri).to.equal(`s3://${BUCKET}/${folder}`);
    expect(await keysUnder(folder)).to.deep.equal([`${folder}a.txt.out`, `${folder}b.txt.out`]);
    const a = await recordsAt(`s3://${BUCKET}/${folder}a.txt.out`, "lines");
    expect(a.slice(0, 2)).to.deep.equal([
      { File: "a.txt", Line: 0, Entities: [{ BeginOffset: 9, EndOffset: 23, Score: 0.99, Type: "EMAIL" }] },
      { File: "a.txt", Line: 1, Entities: [{ BeginOffset: 5, EndOffset: 17, Score: 0.99, Type: "PHONE" }] },
    ]);
    expect(a).to.have.length(5);
    expect((await recordsAt(`s3://${BUCKET}/${folder}b.txt.out`, "lines")).map((r) => [r["File"], r["Line"], r["Entities"]])).to.deep.equal([
      ["b.txt", 0, []],
      ["b.txt", 1, []],
      ["b.txt", 2, []],
      ["b.txt", 3, []],
    ]);
  });

  it("runs a PII redaction job (ONLY_REDACTION): a redacted copy of each input file", async () => {
    await put("comprehend/input/redact/doc.txt", lines(["Mail jo@example.com or call 555-123-4567.", ...filler(8)]));
    const started = await comprehend.send(
      new StartPiiEntitiesDetectionJobCommand({
        InputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/input/redact/`, InputFormat: "ONE_DOC_PER_LINE" },
        OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output/` },
        DataAccessRoleArn: jobs.roleArn,
        LanguageCode: "es",
        Mode: "ONLY_REDACTION",
        RedactionConfig: { PiiEntityTypes: ["EMAIL"], MaskMode: "MASK", MaskCharacter: "*" },
      }),
    );
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const props = (await comprehend.send(new DescribePiiEntitiesDetectionJobCommand({ JobId: started.JobId }))).PiiEntitiesDetectionJobProperties ?? {};
    expect(props.JobStatus).to.equal("COMPLETED");
    expect(props.RedactionConfig).to.deep.equal({ PiiEntityTypes: ["EMAIL"], MaskMode: "MASK", MaskCharacter: "*" });
    const body = await (await objectBody(`${props.OutputDataConfig?.S3Uri}doc.txt.out`)).toArray();
    const text = Buffer.concat(body as Buffer[]).toString("utf8");
    expect(text.split("\n")[0]).to.equal("Mail ************** or call 555-123-4567.");
    expect(text.split("\n")).to.have.length(10);
  });

  it("the other job types write their result fields under their own codes (NER, KP, LANGUAGE)", async () => {
    await put("comprehend/input/all/docs.txt", lines(["Jane Doe flew to Paris with 3 bags.", ...filler(8)]));
    const base = {
      InputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/input/all/`, InputFormat: "ONE_DOC_PER_LINE" as const },
      OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output` },
      DataAccessRoleArn: jobs.roleArn,
    };
    const entities = await comprehend.send(new StartEntitiesDetectionJobCommand({ ...base, LanguageCode: "en" }));
    const phrases = await comprehend.send(new StartKeyPhrasesDetectionJobCommand({ ...base, LanguageCode: "en" }));
    const language = await comprehend.send(new StartDominantLanguageDetectionJobCommand(base));
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const e = (await comprehend.send(new DescribeEntitiesDetectionJobCommand({ JobId: entities.JobId }))).EntitiesDetectionJobProperties;
    const k = (await comprehend.send(new DescribeKeyPhrasesDetectionJobCommand({ JobId: phrases.JobId }))).KeyPhrasesDetectionJobProperties;
    const l = (await comprehend.send(new DescribeDominantLanguageDetectionJobCommand({ JobId: language.JobId }))).DominantLanguageDetectionJobProperties;
    expect([e?.JobStatus, k?.JobStatus, l?.JobStatus]).to.deep.equal(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(e?.OutputDataConfig?.S3Uri).to.equal(`s3://${BUCKET}/comprehend/output/${ACCOUNT}-NER-${entities.JobId}/output/output.tar.gz`);
    expect(k?.OutputDataConfig?.S3Uri).to.equal(`s3://${BUCKET}/comprehend/output/${ACCOUNT}-KP-${phrases.JobId}/output/output.tar.gz`);
    expect(l?.OutputDataConfig?.S3Uri).to.equal(`s3://${BUCKET}/comprehend/output/${ACCOUNT}-LANGUAGE-${language.JobId}/output/output.tar.gz`);
    expect(l).to.not.have.property("LanguageCode");
    expect((await recordsAt(e?.OutputDataConfig?.S3Uri as string, "tar.gz"))[0]).to.deep.equal({
      File: "docs.txt",
      Line: 0,
      Entities: [
        { BeginOffset: 0, EndOffset: 8, Score: 0.9, Text: "Jane Doe", Type: "PERSON" },
        { BeginOffset: 17, EndOffset: 22, Score: 0.9, Text: "Paris", Type: "LOCATION" },
        { BeginOffset: 28, EndOffset: 29, Score: 0.8, Text: "3", Type: "QUANTITY" },
      ],
    });
    expect((await recordsAt(k?.OutputDataConfig?.S3Uri as string, "tar.gz"))[0]?.["KeyPhrases"]).to.deep.equal([
      { BeginOffset: 0, EndOffset: 8, Score: 0.9, Text: "Jane Doe" },
      { BeginOffset: 17, EndOffset: 22, Score: 0.9, Text: "Paris" },
      { BeginOffset: 28, EndOffset: 34, Score: 0.8, Text: "3 bags" },
    ]);
    expect((await recordsAt(l?.OutputDataConfig?.S3Uri as string, "tar.gz"))[0]).to.deep.equal({
      File: "docs.txt",
      Line: 0,
      Languages: [{ LanguageCode: "en", Score: 0.95 }],
    });
  });

  it("ONE_DOC_PER_FILE: each object one document, its records without Line", async () => {
    await put("comprehend/input/files/one.txt", `I love this.\n${filler(4).join(" ")}`);
    await put("comprehend/input/files/two.txt", filler(4).join("\n"));
    const jobId = await startSentiment("comprehend/input/files/", {
      InputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/input/files/`, InputFormat: "ONE_DOC_PER_FILE" },
    });
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const props = await describeSentiment(jobId);
    const raw: Record<string, unknown>[] = [];
    const tar = new TarReader("test", (_n, bytes) =>
      raw.push(
        ...bytes
          .toString("utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      ),
    );
    for await (const chunk of (await objectBody(props.OutputDataConfig?.S3Uri as string)).pipe(createGunzip())) tar.push(chunk as Buffer);
    expect(raw.map((r) => [r["File"], "Line" in r, r["Sentiment"]])).to.deep.equal([
      ["one.txt", false, "POSITIVE"],
      ["two.txt", false, "NEUTRAL"],
    ]);
  });

  it("writes per-document errors as AWS does: DOCUMENT_SIZE_EXCEEDED, UNSUPPORTED_ENCODING (skipping the rest of the file), and the error marker", async () => {
    const big = "word ".repeat(1100); // 5500 bytes: over sentiment's 5 KB
    await put("comprehend/input/errs/a.txt", lines(["Fine.", big, `Please fail ${ERROR_MARKER} here.`, "Good after all.", ...filler(3)]));
    await put("comprehend/input/errs/b.txt", Buffer.concat([Buffer.from("Before.\n"), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from("Never read.\n")]));
    const jobId = await startSentiment("comprehend/input/errs/");
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const props = await describeSentiment(jobId);
    expect(props.JobStatus).to.equal("COMPLETED");
    const records = await recordsAt(props.OutputDataConfig?.S3Uri as string, "tar.gz");
    expect(records.slice(0, 4)).to.deep.equal([
      { File: "a.txt", Line: 0, Sentiment: "NEUTRAL", SentimentScore: { Positive: 0.025, Negative: 0.025, Neutral: 0.925, Mixed: 0.025 } },
      { File: "a.txt", Line: 1, ErrorCode: "DOCUMENT_SIZE_EXCEEDED", ErrorMessage: "Document size exceeds maximum size limit 5120 bytes." },
      {
        File: "a.txt",
        Line: 2,
        ErrorCode: "InternalServerException",
        ErrorMessage: `The stand-in failed this document on request (its text holds ${ERROR_MARKER}).`,
      },
      { File: "a.txt", Line: 3, Sentiment: "POSITIVE", SentimentScore: { Positive: 0.925, Negative: 0.025, Neutral: 0.025, Mixed: 0.025 } },
    ]);
    expect(records.slice(7).map((r) => [r["File"], r["Line"], r["ErrorCode"] ?? r["Sentiment"]])).to.deep.equal([
      ["b.txt", 0, "NEUTRAL"],
      ["b.txt", 1, "UNSUPPORTED_ENCODING"],
    ]);
    expect(jobs.standIn.jobs()[0]).to.deep.include({ documents: 9, documentErrors: 3 });
  });

  it("failNext: the next job ends FAILED with that Message and writes nothing; the one after completes", async () => {
    await put("comprehend/input/f/docs.txt", lines(filler(8)));
    jobs.standIn.failNext("INTERNAL_SERVER_ERROR: planned failure", { operation: "sentiment" });
    jobs.standIn.failNext("never used by sentiment", { operation: "pii" });
    const failed = await startSentiment("comprehend/input/f/");
    const next = await startSentiment("comprehend/input/f/");
    jobs.clock.advance(SUBMITTED_MS);
    expect((await describeSentiment(failed)).JobStatus).to.equal("IN_PROGRESS");
    jobs.clock.advance(IN_PROGRESS_MS);
    const props = await describeSentiment(failed);
    expect(props).to.deep.include({ JobStatus: "FAILED", Message: "INTERNAL_SERVER_ERROR: planned failure" });
    expect(props.EndTime?.getTime()).to.equal(props.SubmitTime!.getTime() + SUBMITTED_MS + IN_PROGRESS_MS);
    expect((await describeSentiment(next)).JobStatus).to.equal("COMPLETED");
    expect(await keysUnder(`comprehend/output/${ACCOUNT}-SENTIMENT-${failed}/`)).to.deep.equal([]);
    expect(await keysUnder(`comprehend/output/${ACCOUNT}-SENTIMENT-${next}/`)).to.have.length(1);
  });

  it("a data-access role that does not exist fails the job when it leaves SUBMITTED, with AWS's NO_READ_ACCESS_TO_INPUT message", async () => {
    await put("comprehend/input/r/docs.txt", lines(filler(8)));
    const jobId = await startSentiment("comprehend/input/r/", { DataAccessRoleArn: `arn:aws:iam::${ACCOUNT}:role/service-role/not-there` });
    expect((await describeSentiment(jobId)).JobStatus).to.equal("SUBMITTED");
    jobs.clock.advance(SUBMITTED_MS);
    const props = await describeSentiment(jobId);
    expect(props).to.deep.include({
      JobStatus: "FAILED",
      Message: "NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.",
    });
    expect(props.EndTime?.getTime()).to.equal(props.SubmitTime!.getTime() + SUBMITTED_MS);
  });

  it("input that cannot be read, or is too small, fails the job with a message saying so", async () => {
    const missingBucket = await startSentiment("x", { InputDataConfig: { S3Uri: "s3://no-such-bucket-here/in/", InputFormat: "ONE_DOC_PER_LINE" } });
    const empty = await startSentiment("comprehend/input/nothing/");
    await put("comprehend/input/tiny/docs.txt", "Too short.\n");
    const tiny = await startSentiment("comprehend/input/tiny/");
    await put("comprehend/input/ok/docs.txt", lines(filler(8)));
    const noOutput = await startSentiment("comprehend/input/ok/", { OutputDataConfig: { S3Uri: "s3://no-such-output-bucket/out/" } });
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    expect((await describeSentiment(missingBucket)).Message).to.equal(
      "NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.",
    );
    expect((await describeSentiment(empty)).Message).to.equal(`No input files were found at s3://${BUCKET}/comprehend/input/nothing/.`);
    expect((await describeSentiment(tiny)).Message).to.equal("The input is 11 bytes; an asynchronous job needs at least 500 bytes of input in all.");
    expect((await describeSentiment(noOutput)).Message).to.equal(
      "NO_WRITE_ACCESS_TO_OUTPUT: The provided data access role does not have write access to the output S3 URI.",
    );
  });

  it("refuses invalid requests with the errors and statuses the SDK models", async () => {
    const missingRole = await failureOf(
      comprehend.send(new StartSentimentDetectionJobCommand({ ...sentimentInput("in/"), DataAccessRoleArn: undefined as unknown as string })),
    );
    expect(missingRole).to.deep.equal({
      name: "ValidationException",
      message: "1 validation error detected: Value null at 'dataAccessRoleArn' failed to satisfy constraint: Member must not be null",
      status: 400,
    });
    const badLanguage = await failureOf(
      comprehend.send(
        new StartSentimentDetectionJobCommand({ ...sentimentInput("in/"), LanguageCode: "xx" as StartSentimentDetectionJobCommandInput["LanguageCode"] }),
      ),
    );
    expect([badLanguage.name, badLanguage.status]).to.deep.equal(["ValidationException", 400]);
    const piiFrench = await failureOf(
      comprehend.send(new StartPiiEntitiesDetectionJobCommand({ ...sentimentInput("in/"), LanguageCode: "fr", Mode: "ONLY_OFFSETS" })),
    );
    expect(piiFrench).to.deep.equal({
      name: "InvalidRequestException",
      message: "The language code fr is not supported for PII entities detection jobs. Supported language codes: en, es.",
      status: 400,
    });
    const unknown = await failureOf(comprehend.send(new DescribeSentimentDetectionJobCommand({ JobId: "0123456789abcdef0123456789abcdef" })));
    expect(unknown).to.deep.equal({
      name: "JobNotFoundException",
      message: "Could not find the sentiment detection job 0123456789abcdef0123456789abcdef.",
      status: 404,
    });
    // A job of another type is not found under this one.
    await put("comprehend/input/t/docs.txt", lines(filler(8)));
    const jobId = await startSentiment("comprehend/input/t/");
    expect((await failureOf(comprehend.send(new DescribePiiEntitiesDetectionJobCommand({ JobId: jobId })))).name).to.equal("JobNotFoundException");
    expect(jobs.standIn.jobs()).to.have.length(1);
  });

  it("ClientRequestToken: a retry answers the same job; the same token with other parameters is refused", async () => {
    await put("comprehend/input/i/docs.txt", lines(filler(8)));
    const first = await comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/i/", { ClientRequestToken: "token-1" })));
    const again = await comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/i/", { ClientRequestToken: "token-1" })));
    expect(again.JobId).to.equal(first.JobId);
    const other = await failureOf(
      comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/i/", { ClientRequestToken: "token-1", LanguageCode: "es" }))),
    );
    expect([other.name, other.status]).to.deep.equal(["InvalidRequestException", 400]);
    expect(jobs.standIn.jobs()).to.have.length(1);
  });

  it("Stop: STOP_REQUESTED, then STOPPED with what was processed written; a stop in SUBMITTED writes nothing; a finished job cannot be stopped", async () => {
    await put("comprehend/input/s/docs.txt", lines(Array.from({ length: 100 }, (_, i) => `Document ${String(i).padStart(3, "0")} is a plain line of text.`)));
    const halfway = await startSentiment("comprehend/input/s/");
    const early = await startSentiment("comprehend/input/s/");
    jobs.clock.advance(SUBMITTED_MS / 2);
    const stoppedEarly = await comprehend.send(new StopSentimentDetectionJobCommand({ JobId: early }));
    expect(stoppedEarly).to.deep.include({ JobId: early, JobStatus: "STOP_REQUESTED" });
    jobs.clock.advance(SUBMITTED_MS / 2 + IN_PROGRESS_MS / 2);
    const stopping = await comprehend.send(new StopSentimentDetectionJobCommand({ JobId: halfway }));
    expect(stopping.JobStatus).to.equal("STOP_REQUESTED");
    expect((await describeSentiment(halfway)).JobStatus).to.equal("STOP_REQUESTED");
    jobs.clock.advance(STOP_MS);
    const props = await describeSentiment(halfway);
    expect(props.JobStatus).to.equal("STOPPED");
    expect(props.EndTime?.getTime()).to.equal(props.SubmitTime!.getTime() + SUBMITTED_MS + IN_PROGRESS_MS / 2 + STOP_MS);
    expect((await comprehend.send(new StopSentimentDetectionJobCommand({ JobId: halfway }))).JobStatus).to.equal("STOPPED");
    const records = await recordsAt(props.OutputDataConfig?.S3Uri as string, "tar.gz");
    // Half the input's bytes: the first 50 lines (plus the one that crossed the line), in order.
    expect(records.length).to.be.within(50, 51);
    expect(records.map((r) => r["Line"])).to.deep.equal(records.map((_, i) => i));
    expect((await describeSentiment(early)).JobStatus).to.equal("STOPPED");
    expect(await keysUnder(`comprehend/output/${ACCOUNT}-SENTIMENT-${early}/`)).to.deep.equal([]);

    const done = await startSentiment("comprehend/input/s/");
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const refused = await failureOf(comprehend.send(new StopSentimentDetectionJobCommand({ JobId: done })));
    expect([refused.name, refused.status]).to.deep.equal(["InvalidRequestException", 400]);
  });

  it("List: filters by name, status and submit time, pages with NextToken and MaxResults, refuses two filters and a foreign token", async () => {
    await put("comprehend/input/l/docs.txt", lines(filler(8)));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await startSentiment("comprehend/input/l/", { JobName: i === 2 ? "special" : `job-${i}` }));
      jobs.clock.advance(10);
    }
    const pages: string[][] = [];
    for await (const page of paginateListSentimentDetectionJobs({ client: comprehend, pageSize: 2 }, {})) {
      pages.push((page.SentimentDetectionJobPropertiesList ?? []).map((p) => p.JobId as string));
    }
    expect(pages).to.deep.equal([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    const byName = await comprehend.send(new ListSentimentDetectionJobsCommand({ Filter: { JobName: "special" } }));
    expect(byName.SentimentDetectionJobPropertiesList?.map((p) => p.JobId)).to.deep.equal([ids[2]]);
    const submittedAt = jobs.standIn.jobs().map((j) => j.submitTime);
    const after = await comprehend.send(new ListSentimentDetectionJobsCommand({ Filter: { SubmitTimeAfter: new Date(submittedAt[2] as number) } }));
    expect(after.SentimentDetectionJobPropertiesList?.map((p) => p.JobId)).to.deep.equal(ids.slice(3));
    jobs.clock.advance(SUBMITTED_MS);
    const running = await comprehend.send(new ListSentimentDetectionJobsCommand({ Filter: { JobStatus: "IN_PROGRESS" } }));
    expect(running.SentimentDetectionJobPropertiesList?.map((p) => p.JobStatus)).to.deep.equal([
      "IN_PROGRESS",
      "IN_PROGRESS",
      "IN_PROGRESS",
      "IN_PROGRESS",
      "IN_PROGRESS",
    ]);
    const two = await failureOf(comprehend.send(new ListSentimentDetectionJobsCommand({ Filter: { JobName: "special", JobStatus: "COMPLETED" } })));
    expect([two.name, two.status]).to.deep.equal(["InvalidFilterException", 400]);
    const first = await comprehend.send(new ListSentimentDetectionJobsCommand({ MaxResults: 2 }));
    const foreign = await failureOf(
      comprehend.send(new ListSentimentDetectionJobsCommand({ MaxResults: 2, NextToken: first.NextToken, Filter: { JobName: "special" } })),
    );
    expect([foreign.name, foreign.status]).to.deep.equal(["InvalidRequestException", 400]);
    expect((await failureOf(comprehend.send(new ListSentimentDetectionJobsCommand({ MaxResults: 501 })))).name).to.equal("ValidationException");
  });

  it("refuses an 11th active job of a type (TooManyRequestsException, HTTP 429), not of another type, and accepts one again when a job ends", async () => {
    await put("comprehend/input/c/docs.txt", lines(filler(8)));
    for (let i = 0; i < 10; i++) await startSentiment("comprehend/input/c/");
    const refused = await failureOf(comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/c/"))));
    expect(refused.name).to.equal("TooManyRequestsException");
    expect(refused.status).to.equal(429);
    expect(refused.message).to.include("10 sentiment detection jobs are active");
    const pii = await comprehend.send(new StartPiiEntitiesDetectionJobCommand({ ...sentimentInput("comprehend/input/c/"), Mode: "ONLY_OFFSETS" }));
    expect(pii.JobStatus).to.equal("SUBMITTED");
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    expect((await comprehend.send(new StartSentimentDetectionJobCommand(sentimentInput("comprehend/input/c/")))).JobStatus).to.equal("SUBMITTED");
    expect(jobs.standIn.jobs().filter((j) => j.operation === "sentiment")).to.have.length(11);
  });

  it("forwards every other call to the emulator unchanged: DetectSentiment answers moto's canned result", async () => {
    const answer = await comprehend.send(new DetectSentimentCommand({ Text: "I love it", LanguageCode: "en" }));
    expect(answer.Sentiment).to.equal("NEUTRAL");
    expect(answer.SentimentScore?.Neutral).to.equal(0.9916020035743713);
    expect(jobs.standIn.callCount("DetectSentiment")).to.equal(1);
    expect(jobs.standIn.jobs()).to.deep.equal([]);
  });

  it("failCalls: throttles (429) and server errors (500) on demand, for job and forwarded calls; the SDK's retries get through", async () => {
    jobs.standIn.failCalls("DescribeSentimentDetectionJob", { times: 1, as: "throttle" });
    jobs.standIn.failCalls("DetectSentiment", { times: 1, as: "server-error" });
    const throttled = await failureOf(comprehend.send(new DescribeSentimentDetectionJobCommand({ JobId: "0123456789abcdef0123456789abcdef" })));
    expect([throttled.name, throttled.status]).to.deep.equal(["TooManyRequestsException", 429]);
    const failed = await failureOf(comprehend.send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" })));
    expect([failed.name, failed.status]).to.deep.equal(["InternalServerException", 500]);
    jobs.standIn.failCalls("DetectSentiment", { times: 2, as: "throttle" });
    const patient = standInComprehendClient(jobs.standIn, { maxAttempts: 3 });
    try {
      expect((await patient.send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" }))).Sentiment).to.equal("NEUTRAL");
    } finally {
      patient.destroy();
    }
    expect(jobs.standIn.callCount("DetectSentiment")).to.equal(4);
  });

  it("20,000 documents come back complete and in order", async function () {
    this.timeout(120_000);
    const count = 20_000;
    const docs = Array.from({ length: count }, (_, i) => `Document ${i}: ${i % 3 === 0 ? "a great day" : i % 3 === 1 ? "a bad day" : "a day"}.`);
    await put("comprehend/input/big/docs.txt", lines(docs));
    const jobId = await startSentiment("comprehend/input/big/");
    jobs.clock.advance(SUBMITTED_MS + IN_PROGRESS_MS);
    const props = await describeSentiment(jobId);
    expect(props.JobStatus).to.equal("COMPLETED");
    let n = 0;
    for await (const record of outputRecords(await objectBody(props.OutputDataConfig?.S3Uri as string), "tar.gz", "big")) {
      expect(record.line).to.equal(n);
      expect(record.value["Sentiment"]).to.equal(n % 3 === 0 ? "POSITIVE" : n % 3 === 1 ? "NEGATIVE" : "NEUTRAL");
      n++;
    }
    expect(n).to.equal(count);
  });
});
