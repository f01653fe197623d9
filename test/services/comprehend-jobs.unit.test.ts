/**
 * The job path's calls and merges with aws-sdk-client-mock (Comprehend and S3): what Start* sends
 * for each job type, a start that fails part-way, waits that complete, fail (the other jobs
 * stopped) or time out (nothing stopped), and the read-back merging several operations and parts
 * per document, split documents and known errors included, with cleanup of exactly the run's objects.
 */
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import {
  ComprehendClient,
  DescribeEntitiesDetectionJobCommand,
  DescribeSentimentDetectionJobCommand,
  StartDominantLanguageDetectionJobCommand,
  StartPiiEntitiesDetectionJobCommand,
  StartSentimentDetectionJobCommand,
  StopEntitiesDetectionJobCommand,
  StopSentimentDetectionJobCommand,
} from "@aws-sdk/client-comprehend";
import { DeleteObjectsCommand, GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import {
  AnalysisJobFailedError,
  type AnalysisRun,
  AnalysisWaitTimeoutError,
  type AnalyzedDocument,
  type CompletedJob,
  ComprehendService,
  InputChangedError,
  type RunManifest,
} from "../../services/comprehend";
import type { ServiceContext } from "../../services/context";
import { AiStorage } from "../../services/storage";
import { tarOf } from "../helpers/tar";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-comprehend";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-0a1b-0a1b-0a1b-0a1b2c3d4e5f";
const arn = (type: string, id: string) => `arn:aws:comprehend:us-east-1:123456789012:${type}-detection-job/${id}`;

async function collect<T>(items: AsyncIterable<AnalyzedDocument<T>>): Promise<AnalyzedDocument<T>[]> {
  const out: AnalyzedDocument<T>[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

describe("Comprehend jobs: calls and merges (aws-sdk-client-mock)", () => {
  let comprehend: AwsClientStub<ComprehendClient>;
  let s3: AwsClientStub<S3Client>;
  let clients: AwsClients;
  let logs: string[];
  let now: number;
  const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };

  const service = (kms = false) => {
    const config = { ...resolveRuntimeConfig({ comprehendRoleArn: ROLE }, { S3_BUCKET_NAME: BUCKET }), ...(kms ? { kmsKeyArn: KEY } : {}) };
    const ctx: ServiceContext = {
      config,
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
    };
    return new ComprehendService(ctx);
  };

  before(() => {
    comprehend = mockClient(ComprehendClient);
    s3 = mockClient(S3Client);
  });
  after(() => {
    comprehend.restore();
    s3.restore();
  });
  beforeEach(() => {
    comprehend.reset();
    s3.reset();
    logs = [];
    now = 0;
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(DeleteObjectsCommand).resolves({});
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
  });
  afterEach(() => clients.destroy());

  it("starts one job per operation on the uploaded part, with the role, the KMS key where the job type takes it, and names of the run", async () => {
    comprehend.on(StartSentimentDetectionJobCommand).resolves({ JobId: "s1", JobArn: arn("sentiment", "s1") });
    comprehend.on(StartPiiEntitiesDetectionJobCommand).resolves({ JobId: "p1", JobArn: arn("pii-entities", "p1") });
    comprehend.on(StartDominantLanguageDetectionJobCommand).resolves({ JobId: "l1", JobArn: arn("dominant-language", "l1") });
    const run = await service(true)
      .startAnalysisJob(() => ["Ein Dokument, das lang genug ist.", "Noch eines, auch lang genug."], {
        operations: ["sentiment", "pii", "language"],
        language: "de" as never,
      })
      .catch((e: Error) => e);
    // PII jobs take only en and es.
    expect((run as Error).message).to.match(/^language: StartPiiEntitiesDetectionJob does not support "de"/);

    const started = await service(true).startAnalysisJob(() => ["A document long enough to detect.", "Another one, long enough too."], {
      operations: ["sentiment", "pii", "language"],
    });
    const name = started.manifest.name;
    expect(name).to.match(/^roadmapx-\d{8}-\d{6}-[a-z0-9]{4}$/);
    const input = `s3://${BUCKET}/comprehend/input/${name}/part-00000/`;
    const output = `s3://${BUCKET}/comprehend/output/${name}/`;
    const common = {
      InputDataConfig: { S3Uri: input, InputFormat: "ONE_DOC_PER_LINE" },
      OutputDataConfig: { S3Uri: output, KmsKeyId: KEY },
      DataAccessRoleArn: ROLE,
    };
    expect(comprehend.commandCalls(StartSentimentDetectionJobCommand)[0]?.args[0].input).to.deep.equal({
      ...common,
      JobName: `${name}-sentiment-0`,
      ClientRequestToken: `${name}-sentiment-0`,
      LanguageCode: "en",
      VolumeKmsKeyId: KEY,
    });
    expect(comprehend.commandCalls(StartPiiEntitiesDetectionJobCommand)[0]?.args[0].input).to.deep.equal({
      ...common,
      JobName: `${name}-pii-0`,
      ClientRequestToken: `${name}-pii-0`,
      LanguageCode: "en",
      Mode: "ONLY_OFFSETS",
    });
    expect(comprehend.commandCalls(StartDominantLanguageDetectionJobCommand)[0]?.args[0].input).to.deep.equal({
      ...common,
      JobName: `${name}-language-0`,
      ClientRequestToken: `${name}-language-0`,
      VolumeKmsKeyId: KEY,
    });
    expect(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).to.deep.equal([
      `comprehend/input/${name}/part-00000/documents.txt`,
      `comprehend/input/${name}/manifest.json`,
    ]);
    expect(started.jobs.map((j) => [j.operation, j.jobId])).to.deep.equal([
      ["sentiment", "s1"],
      ["pii", "p1"],
      ["language", "l1"],
    ]);
    expect(logs[0]).to.match(
      /^warn: cost: 3 Comprehend analysis job\(s\) \(sentiment, pii, language\) for 2 document\(s\) sent as 2 line\(s\): about 6 unit\(s\)/,
    );
  });

  it("a start that fails stops the jobs that started and removes the uploaded input", async () => {
    comprehend.on(StartSentimentDetectionJobCommand).resolves({ JobId: "s1", JobArn: arn("sentiment", "s1") });
    comprehend.on(StopSentimentDetectionJobCommand).resolves({});
    const limit = Object.assign(new Error("Concurrent job limit exceeded"), { name: "LimitExceededException" });
    comprehend.on(StartPiiEntitiesDetectionJobCommand).rejects(limit);
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
      Contents: input.Prefix?.startsWith("comprehend/input/")
        ? [{ Key: `${input.Prefix}part-00000/documents.txt` }, { Key: `${input.Prefix}manifest.json` }]
        : [],
    }));
    const err = await rejection(service().startAnalysisJob(() => ["A document long enough to detect."], { operations: ["sentiment", "pii"] }));
    expect(err.name).to.equal("LimitExceededException");
    expect(comprehend.commandCalls(StopSentimentDetectionJobCommand).map((c) => c.args[0].input)).to.deep.equal([{ JobId: "s1" }]);
    const deleted = s3.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete?.Objects?.map((o) => o.Key) ?? []);
    expect(deleted).to.have.length(2);
    expect(deleted.every((k) => /^comprehend\/input\/roadmapx-[\w-]+\/(part-00000\/documents\.txt|manifest\.json)$/.test(k ?? ""))).to.equal(true);
  });

  const jobs = [
    { operation: "sentiment" as const, part: 0, jobId: "s1", jobArn: arn("sentiment", "s1"), jobName: "r-sentiment-0" },
    { operation: "entities" as const, part: 0, jobId: "e1", jobArn: arn("entities", "e1"), jobName: "r-entities-0" },
  ];
  const describing = (statuses: string[], message?: string) => {
    let i = 0;
    return () => {
      const status = statuses[Math.min(i++, statuses.length - 1)];
      return {
        JobStatus: status,
        ...(status === "FAILED" && message ? { Message: message } : {}),
        OutputDataConfig: { S3Uri: "s3://roadmapx-files/comprehend/output/r/x/output/output.tar.gz" },
      };
    };
  };

  it("waits for every job, reporting status changes and elapsed time, and answers their output URIs", async () => {
    const s = describing(["SUBMITTED", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]);
    const e = describing(["IN_PROGRESS", "COMPLETED"]);
    comprehend.on(DescribeSentimentDetectionJobCommand).callsFake(() => ({ SentimentDetectionJobProperties: s() }));
    comprehend.on(DescribeEntitiesDetectionJobCommand).callsFake(() => ({ EntitiesDetectionJobProperties: e() }));
    const changes: string[] = [];
    const done = await service().waitForJob(jobs, { ...clock, pollIntervalMs: 10_000, onJobStatus: (c) => changes.push(`${c.job.operation} ${c.status}`) });
    expect(done.map((j) => j.outputUri)).to.deep.equal([
      "s3://roadmapx-files/comprehend/output/r/x/output/output.tar.gz",
      "s3://roadmapx-files/comprehend/output/r/x/output/output.tar.gz",
    ]);
    expect(changes).to.deep.equal(["sentiment SUBMITTED", "entities IN_PROGRESS", "sentiment IN_PROGRESS", "entities COMPLETED", "sentiment COMPLETED"]);
    expect(logs).to.include("comprehend: sentiment job s1: SUBMITTED after 0s");
    expect(logs.some((l) => /^comprehend: sentiment job s1: COMPLETED after \d+(m\d\d)?s$/.test(l))).to.equal(true);
  });

  it("a job that fails ends the wait with the service's message and stops the run's unfinished jobs", async () => {
    const s = describing(["IN_PROGRESS"]);
    const e = describing(
      ["IN_PROGRESS", "FAILED"],
      "NO_WRITE_ACCESS_TO_OUTPUT: The provided data access role does not have write access to the output S3 URI.",
    );
    comprehend.on(DescribeSentimentDetectionJobCommand).callsFake(() => ({ SentimentDetectionJobProperties: s() }));
    comprehend.on(DescribeEntitiesDetectionJobCommand).callsFake(() => ({ EntitiesDetectionJobProperties: e() }));
    comprehend.on(StopSentimentDetectionJobCommand).resolves({});
    const err = await rejection(service().waitForJob(jobs, { ...clock, pollIntervalMs: 1000 }));
    expect(err).to.be.instanceOf(AnalysisJobFailedError);
    expect(err.message).to.equal(
      `Comprehend entities job ${jobs[1]?.jobArn} ended in FAILED: NO_WRITE_ACCESS_TO_OUTPUT: The provided data access role does not have write access to the output S3 URI.` +
        `; the run's other unfinished jobs were stopped: ${jobs[0]?.jobArn}`,
    );
    expect(comprehend.commandCalls(StopSentimentDetectionJobCommand).map((c) => c.args[0].input)).to.deep.equal([{ JobId: "s1" }]);
    expect(comprehend.commandCalls(StopEntitiesDetectionJobCommand)).to.have.length(0);
  });

  it("a wait that times out names every unfinished job and the resume command, and stops nothing", async () => {
    comprehend.on(DescribeSentimentDetectionJobCommand).resolves({ SentimentDetectionJobProperties: { JobStatus: "IN_PROGRESS" } });
    comprehend.on(DescribeEntitiesDetectionJobCommand).resolves({ EntitiesDetectionJobProperties: { JobStatus: "SUBMITTED" } });
    const err = await rejection(service().waitForJob(jobs, { ...clock, pollIntervalMs: 1000, waitTimeoutMs: 30_000 }));
    expect(err).to.be.instanceOf(AnalysisWaitTimeoutError);
    expect(err.message).to.match(
      new RegExp(
        `^2 Comprehend analysis job\\(s\\) still running after \\d+s: ${jobs[0]?.jobArn} \\(IN_PROGRESS\\), ${jobs[1]?.jobArn} \\(SUBMITTED\\)\\. ` +
          `They go on in AWS \\(nothing was stopped\\); read the results later with \`roadmapx-ai comprehend results --jobs ${jobs[0]?.jobArn},${jobs[1]?.jobArn} --file <the same input>\``,
      ),
    );
    expect(comprehend.commandCalls(StopSentimentDetectionJobCommand)).to.have.length(0);
  });

  describe("reading results back", () => {
    const name = "roadmapx-20260101-000000-abcd";
    const manifest = (over: Partial<RunManifest> = {}): RunManifest => ({
      version: 1,
      name,
      operations: ["sentiment", "entities", "pii"],
      language: "en",
      oversize: "split",
      documents: 5,
      lines: 5,
      bytes: 0,
      units: 0,
      documentBytes: { sentiment: 30, entities: 1048576, "key-phrases": 1048576, language: 1048576, pii: 1048576 },
      parts: [
        { index: 0, key: "k0", documents: 3, lines: 3, bytes: 0 },
        { index: 1, key: "k1", documents: 2, lines: 2, bytes: 0 },
      ],
      inputPrefix: `comprehend/input/${name}/`,
      outputPrefix: `comprehend/output/${name}/`,
      ...over,
    });
    // Five documents: a plain one, an empty one (not sent), one split in two 30-byte pieces, then (part 2) two plain ones.
    const texts = ["Alice wrote", "   ", "First part is here. Then Bob wrote more.", "Carol at x@y.io", "Dave"];
    const sentiment = (line: number, label = "POSITIVE") => ({
      Line: line,
      Sentiment: label,
      SentimentScore: { Positive: label === "POSITIVE" ? 0.9 : 0.1, Negative: label === "NEGATIVE" ? 0.9 : 0.1, Neutral: 0, Mixed: 0 },
    });
    const entity = (line: number, text: string, begin: number) => ({
      Line: line,
      Entities: [{ Text: text, Type: "PERSON", Score: 0.9, BeginOffset: begin, EndOffset: begin + text.length }],
    });
    const archive = (records: object[]) =>
      gzipSync(tarOf([{ name: "output", data: records.map((r) => JSON.stringify({ File: "documents.txt", ...r })).join("\n") }]));
    const objects: Record<string, Buffer> = {
      // Out of order inside a part: the reader puts them back.
      [`comprehend/output/${name}/a-SENTIMENT-s0/output/output.tar.gz`]: archive([sentiment(2, "NEGATIVE"), sentiment(0), sentiment(1)]),
      [`comprehend/output/${name}/a-SENTIMENT-s1/output/output.tar.gz`]: archive([
        sentiment(1),
        { Line: 0, ErrorCode: "InternalServerException", ErrorMessage: "try again" },
      ]),
      [`comprehend/output/${name}/a-NER-e0/output/output.tar.gz`]: archive([entity(0, "Alice", 0), entity(1, "First", 0), entity(2, "Bob", 5)]),
      [`comprehend/output/${name}/a-NER-e1/output/output.tar.gz`]: archive([entity(0, "Carol", 0), entity(1, "Dave", 0)]),
      [`comprehend/output/${name}/a-PII-p0/output/documents.txt.out`]: Buffer.from(
        [
          { Line: 0, Entities: [] },
          { Line: 1, Entities: [] },
          { Line: 2, Entities: [] },
        ]
          .map((r) => JSON.stringify({ File: "documents.txt", ...r }))
          .join("\n"),
      ),
      [`comprehend/output/${name}/a-PII-p1/output/documents.txt.out`]: Buffer.from(
        [
          { Line: 0, Entities: [{ Type: "EMAIL", Score: 1, BeginOffset: 9, EndOffset: 15 }] },
          { Line: 1, Entities: [] },
        ]
          .map((r) => JSON.stringify({ File: "documents.txt", ...r }))
          .join("\n"),
      ),
    };
    const out = (id: string, code: string) => `s3://${BUCKET}/comprehend/output/${name}/a-${code}-${id}/output/${code === "PII" ? "" : "output.tar.gz"}`;
    const completed: CompletedJob[] = [
      { operation: "sentiment", part: 0, jobId: "s0", jobArn: arn("sentiment", "s0"), jobName: "", outputUri: out("s0", "SENTIMENT") },
      { operation: "sentiment", part: 1, jobId: "s1", jobArn: arn("sentiment", "s1"), jobName: "", outputUri: out("s1", "SENTIMENT") },
      { operation: "entities", part: 0, jobId: "e0", jobArn: arn("entities", "e0"), jobName: "", outputUri: out("e0", "NER") },
      { operation: "entities", part: 1, jobId: "e1", jobArn: arn("entities", "e1"), jobName: "", outputUri: out("e1", "NER") },
      { operation: "pii", part: 0, jobId: "p0", jobArn: arn("pii-entities", "p0"), jobName: "", outputUri: out("p0", "PII") },
      { operation: "pii", part: 1, jobId: "p1", jobArn: arn("pii-entities", "p1"), jobName: "", outputUri: out("p1", "PII") },
    ];
    const run = (): AnalysisRun => ({ manifest: manifest(), jobs: completed });

    beforeEach(() => {
      s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
        const body = objects[input.Key ?? ""];
        if (!body) throw Object.assign(new Error("NoSuchKey"), { name: "NoSuchKey" });
        return { Body: Readable.from([body]) as unknown as GetObjectCommandOutput["Body"] };
      });
      s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
        Contents: Object.keys(objects)
          .filter((k) => k.startsWith(input.Prefix ?? ""))
          .map((Key) => ({ Key })),
      }));
    });

    it("merges the operations per document, in input order across parts: split pieces combined, errors on their document", async () => {
      const docs = await collect(service().readJobResults(run(), completed, () => texts));
      expect(docs.map((d) => d.input)).to.deep.equal(texts);
      expect(docs[0]?.results.entities?.[0]).to.include({ text: "Alice", begin: 0 });
      expect(docs[1]?.results).to.deep.equal({});
      expect(docs[1]?.errors.sentiment?.code).to.equal("EmptyDocument");
      // Split at the sentence: "First part is here. " then "Then Bob wrote more." (20 code points later).
      expect(docs[2]?.results.entities?.map((e) => [e.text, e.begin])).to.deep.equal([
        ["First", 0],
        ["Bob", 25],
      ]);
      expect(docs[2]?.results.sentiment?.sentiment).to.equal("MIXED");
      expect(docs[3]?.errors).to.deep.equal({ sentiment: { code: "InternalServerException", message: "try again" } });
      expect(docs[3]?.results.pii).to.deep.equal([{ type: "EMAIL", score: 1, begin: 9, end: 15 }]);
      expect(docs[4]?.results.sentiment?.sentiment).to.equal("POSITIVE");
      expect(s3.commandCalls(DeleteObjectsCommand)).to.have.length(0);
    });

    it("refuses input that is not the one uploaded, and cleanup deletes only under the run's two folders", async () => {
      const err = await rejection(collect(service().readJobResults(run(), completed, () => [...texts, "one more"])));
      expect(err).to.be.instanceOf(InputChangedError);
      expect(err.message).to.match(
        /^source: the documents given for run roadmapx-20260101-000000-abcd are not the ones it uploaded \(more than its 5 document\(s\)\)/,
      );
      const fewer = await rejection(collect(service().readJobResults(run(), completed, () => texts.slice(0, 4))));
      expect(fewer.message).to.match(/\(4 document\(s\) instead of 5\)/);

      await collect(service().readJobResults(run(), completed, () => texts, { cleanup: true }));
      const prefixes = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input.Prefix);
      expect(prefixes).to.include.members([`comprehend/input/${name}/`, `comprehend/output/${name}/`]);
      const deleted = s3.commandCalls(DeleteObjectsCommand).flatMap((c) => c.args[0].input.Delete?.Objects?.map((o) => o.Key) ?? []);
      expect(deleted.sort()).to.deep.equal(Object.keys(objects).sort());
      expect(await rejection(service().deleteAnalysisRun({ manifest: manifest({ outputPrefix: "comprehend/output/" }), jobs: [] }))).to.have.property(
        "message",
        "refusing to delete under comprehend/output/: not the folder of one run",
      );
    });
  });
});
