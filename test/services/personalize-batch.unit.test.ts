/**
 * Personalize batch jobs without AWS: the input's record checks and JSON lines
 * (services/personalize/batch-input.ts), the options' checks, the reading of `.out` lines
 * (batch-output.ts), and the calls a run makes, in order, with aws-sdk-client-mock.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBatchInferenceJobCommand,
  DescribeBatchInferenceJobCommand,
  DescribeSolutionVersionCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import type { ServiceContext } from "../../services/context";
import {
  BatchInputError,
  BatchJobFailedError,
  BatchWaitTimeoutError,
  PERSONALIZE_BATCH_LIMITS,
  PersonalizeService,
  batchKindOf,
  checkBatchOptions,
} from "../../services/personalize";
import { checkRecord, type InputStats, inputLines } from "../../services/personalize/batch-input";
import { parseResultLine } from "../../services/personalize/batch-output";
import { AiStorage } from "../../services/storage";

const P = "arn:aws:personalize:us-east-1:123456789012";
const VERSION = `${P}:solution/roadmapx-recs/3a1b2c3d`;
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";

function context(clients: AwsClients, log: string[] = [], env: Record<string, string> = { PERSONALIZE_ROLE_ARN: ROLE }): ServiceContext {
  return {
    config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: "roadmapx-files", ...env }),
    clients,
    storage: new AiStorage(clients, "roadmapx-files"),
    logger: { info: (m) => log.push(`info ${m}`), warn: (m) => log.push(`warn ${m}`) },
  };
}

/** Everything `inputLines` writes, as text, and what it counted. */
async function lines(source: Parameters<typeof inputLines>[0], job: "inference" | "segment" = "inference", maxBytes?: number) {
  const stats: InputStats = { records: 0, bytes: 0, kind: undefined };
  const chunks: Buffer[] = [];
  for await (const chunk of inputLines(source, job, stats, undefined, maxBytes)) chunks.push(Buffer.from(chunk));
  return { text: Buffer.concat(chunks).toString("utf8"), stats };
}

async function failure(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
}

describe("Personalize batch input: records checked, written as JSON lines", () => {
  it("writes each kind of record in a fixed field order, filter values kept; counts records and bytes", async () => {
    const users = await lines([{ userId: "u1" }, { filterValues: { GENRES: '"drama"' }, userId: "u2" }]);
    expect(users.text).to.equal('{"userId":"u1"}\n{"userId":"u2","filterValues":{"GENRES":"\\"drama\\""}}\n');
    expect(users.stats).to.deep.equal({ records: 2, bytes: Buffer.byteLength(users.text), kind: "user" });
    expect((await lines([{ itemList: ["a", "b"], userId: "u1" }])).text).to.equal('{"userId":"u1","itemList":["a","b"]}\n');
    expect((await lines([{ itemId: "i1" }])).stats.kind).to.equal("item");
    expect((await lines([{ itemAttributes: 'ITEMS.genres = "Comedy"' }], "segment")).text).to.equal('{"itemAttributes":"ITEMS.genres = \\"Comedy\\""}\n');
    expect((await lines([{ itemId: "i1" }], "segment")).stats.kind).to.equal("itemAffinity");
  });

  it("refuses malformed records, naming the record and the fix", () => {
    const cases: [unknown, string, "inference" | "segment"][] = [
      ["u1", "record 1: a record must be a JSON object", "inference"],
      [{ userID: "u1" }, 'record 1: unknown field "userID": batch recommendations take userId, itemId, itemList, filterValues', "inference"],
      [{}, "record 1: the record has no userId (or itemId, for related items)", "inference"],
      [{ userId: "u1", itemId: "i1" }, "record 1: a record has a userId or an itemId, not both", "inference"],
      [{ userId: "" }, 'record 1: userId must be a non-empty string of at most 256 characters (got "")', "inference"],
      [{ userId: 7 }, "record 1: userId must be a non-empty string of at most 256 characters (got 7)", "inference"],
      [{ userId: "x".repeat(257) }, "record 1: userId must be a non-empty string of at most 256 characters", "inference"],
      [{ userId: "u1", itemList: [] }, "record 1: itemList must be a list of 1 to 500 item ids", "inference"],
      [{ userId: "u1", itemList: ["a", 2] }, "record 1: itemList[1] must be a non-empty string of at most 256 characters (got 2)", "inference"],
      [{ itemId: "i1", itemList: ["a"] }, "record 1: itemList goes with a userId (personalized ranking), not an itemId", "inference"],
      [{ userId: "u1", filterValues: { G: 1 } }, 'record 1: filterValues must be an object of strings, such as {"GENRES": "\\"drama\\""}', "inference"],
      [{ itemId: "i1", itemAttributes: "x" }, "record 1: a segment record has either an itemId or itemAttributes", "segment"],
      [{ itemAttributes: " " }, 'record 1: itemAttributes must be an expression such as ITEMS.genres = "Comedy" (got " ")', "segment"],
      [{ userId: "u1" }, 'record 1: unknown field "userId": batch segments take itemId, itemAttributes, filterValues', "segment"],
    ];
    for (const [record, message, job] of cases) {
      expect(() => checkRecord(record, "record 1", job), message)
        .to.throw(BatchInputError)
        .with.property("message")
        .that.satisfies((m: string) => m.startsWith(message));
    }
  });

  it("a JSON-lines file: blank lines skipped, errors at the file's line number; a missing file and an empty input are errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "batch-"));
    writeFileSync(join(dir, "ok.jsonl"), '{"userId": "u1"}\n\n  \r\n{"userId": "u2"}');
    expect((await lines({ path: join(dir, "ok.jsonl") })).text).to.equal('{"userId":"u1"}\n{"userId":"u2"}\n');
    writeFileSync(join(dir, "bad.jsonl"), '{"userId": "u1"}\n\n{"userId": "u2",}\n');
    expect((await failure(() => lines({ path: join(dir, "bad.jsonl") }))).message).to.match(
      new RegExp(`^${join(dir, "bad.jsonl")} line 3: not valid JSON \\(`),
    );
    writeFileSync(join(dir, "mixed.jsonl"), '{"userId": "u1"}\n{"itemId": "i1"}\n');
    expect((await failure(() => lines({ path: join(dir, "mixed.jsonl") }))).message).to.equal(
      `${join(dir, "mixed.jsonl")} line 2: {"itemId"} records after {"userId"} records: one job's input holds one kind of record (the recipe decides which)`,
    );
    expect((await failure(() => lines({ path: join(dir, "missing.jsonl") }))).message).to.equal(`input file ${join(dir, "missing.jsonl")} does not exist`);
    writeFileSync(join(dir, "empty.jsonl"), "\n\n");
    const empty = await failure(() => lines({ path: join(dir, "empty.jsonl") }));
    expect(empty).to.be.instanceOf(BatchInputError);
    expect(empty.message).to.equal('the input has no records: give one JSON object per line, such as {"userId": "user-1"}');
    expect((await failure(() => lines([]))).message).to.include("the input has no records");
  });

  it("stops at the byte limit and at the segment recipes' query limits, wherever the input comes from", async () => {
    async function* users(n: number) {
      for (let i = 0; i < n; i++) yield { userId: `user-${i}` };
    }
    const over = await failure(() => lines(users(100), "inference", 500));
    expect(over.message).to.equal("the input passes Personalize's limit of 500 bytes (1 GB) per batch job at record 25: split it into several jobs");
    expect(PERSONALIZE_BATCH_LIMITS.maxInputBytes).to.equal(1024 ** 3);
    const items = Array.from({ length: 501 }, (_, i) => ({ itemId: `item-${i}` }));
    expect((await lines(items.slice(0, 500), "segment")).stats.records).to.equal(500);
    expect((await failure(() => lines(items, "segment"))).message).to.equal(
      "record 501: a batch segment job takes at most 500 Item-Affinity queries per input file: split the input into several jobs",
    );
    const attributes = Array.from({ length: 11 }, (_, i) => ({ itemAttributes: `ITEMS.genre = "g${i}"` }));
    expect((await failure(() => lines(attributes, "segment"))).message).to.match(
      /^record 11: a batch segment job takes at most 10 Item-Attribute-Affinity queries/,
    );
  });

  it("holds no more than a 64 KiB chunk of pending lines: 100,000 records come out in many chunks", async () => {
    function* users() {
      for (let i = 0; i < 100_000; i++) yield { userId: `user-${i}` };
    }
    const stats: InputStats = { records: 0, bytes: 0, kind: undefined };
    let chunks = 0;
    let largest = 0;
    for await (const chunk of inputLines(users(), "inference", stats)) {
      chunks++;
      largest = Math.max(largest, chunk.byteLength);
    }
    expect(stats.records).to.equal(100_000);
    expect(chunks).to.be.greaterThan(20);
    expect(largest).to.be.lessThan(65 * 1024);
  });
});

describe("Personalize batch options and output lines", () => {
  const clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS });
  after(() => clients.destroy());
  const options = (o: Record<string, unknown> = {}) => ({ solutionVersionArn: VERSION, input: [{ userId: "u1" }], ...o });

  it("names the job with the prefix; refuses foreign or malformed ARNs, out-of-range numResults, bad names, no role", () => {
    const ctx = context(clients);
    expect(checkBatchOptions(ctx, "inference", options({ name: "roadmapx-emails" }))).to.deep.equal({ jobName: "roadmapx-emails", roleArn: ROLE });
    expect(checkBatchOptions(ctx, "segment", options()).jobName).to.match(/^roadmapx-segment-\d+$/);
    const refused: [Record<string, unknown>, string | RegExp, ("inference" | "segment")?][] = [
      [{ solutionVersionArn: `${P}:solution/roadmapx-recs` }, /is not a solution version ARN: expected arn:aws:personalize:REGION:ACCOUNT:solution\/NAME\/ID$/],
      [
        { solutionVersionArn: `${P}:solution/other-recs/3a1b2c3d` },
        /^solutionVersionArn .* names solution "other-recs", whose name must start with "roadmapx-"/,
      ],
      [{ numResults: 0 }, "numResults must be a whole number from 1 to 500 (got 0); Personalize's default is 25"],
      [{ numResults: 501 }, "numResults must be a whole number from 1 to 500 (got 501); Personalize's default is 25"],
      [{ numResults: 5_000_001 }, /^numResults must be a whole number from 1 to 5000000 \(got 5000001\)/, "segment"],
      [{ filterArn: `${P}:campaign/roadmapx-live` }, /is not a filter ARN/],
      [{ name: "someone-else" }, /^name "someone-else" must start with "roadmapx-"/],
      [{ name: "roadmapx-has space" }, /^name "roadmapx-has space" must be 1 to 63 letters/],
      [{ name: `roadmapx-${"x".repeat(60)}` }, /must be 1 to 63 letters/],
      [{ waitTimeoutMs: 0 }, "waitTimeoutMs must be a number above 0 (got 0)"],
      [{ input: undefined }, "input is required: records (an iterable) or { path } of a JSON-lines file"],
    ];
    for (const [o, message, kind] of refused) {
      const call = () => checkBatchOptions(ctx, kind ?? "inference", options(o) as never);
      expect(call, String(message)).to.throw(BatchInputError, message);
    }
    expect(() => checkBatchOptions(context(clients, [], {}), "inference", options())).to.throw(
      BatchInputError,
      /^no Personalize role: set PERSONALIZE_ROLE_ARN/,
    );
  });

  it("tells batch job ARNs apart", () => {
    expect(batchKindOf(`${P}:batch-inference-job/roadmapx-batch-1`)).to.equal("inference");
    expect(batchKindOf(`${P}:batch-segment-job/roadmapx-segment-1`)).to.equal("segment");
    expect(() => batchKindOf(`${P}:campaign/roadmapx-live`)).to.throw(BatchInputError, /is not a batch job ARN/);
  });

  it("reads every documented output shape: scores or none, error or none, Item-Attribute-Affinity's itemAttributes as its input", () => {
    expect(
      parseResultLine(
        '{"input":{"userId":"4638"},"output":{"recommendedItems":["63992","115149"],"scores":[0.0152238,0.0069081]},"error":null}',
        "inference",
        1,
        "x",
      ),
    ).to.deep.equal({ line: 1, input: { userId: "4638" }, recommendedItems: ["63992", "115149"], scores: [0.0152238, 0.0069081], error: null });
    expect(parseResultLine('{"input": {"itemId": "105"}, "output": {"recommendedItems": ["106", "107", "49"]}}', "inference", 2, "x")).to.deep.equal({
      line: 2,
      input: { itemId: "105" },
      recommendedItems: ["106", "107", "49"],
      scores: null,
      error: null,
    });
    expect(
      parseResultLine(
        '{"input":{"userId":"1"},"output":{"recommendedItems":[]},"error":"User error: Required fields for the provided recipe are userId"}',
        "inference",
        3,
        "x",
      ),
    ).to.include({ error: "User error: Required fields for the provided recipe are userId" });
    expect(parseResultLine('{"itemAttributes": "ITEMS.genres = \\"Comedy\\"", "output": {"recommendedUsers": ["25", "78"]}}', "segment", 1, "x")).to.deep.equal(
      {
        line: 1,
        input: { itemAttributes: 'ITEMS.genres = "Comedy"' },
        recommendedUsers: ["25", "78"],
        scores: null,
        error: null,
      },
    );
    expect(() => parseResultLine("{oops", "segment", 1, "s3://b/k.out line 4")).to.throw(/^s3:\/\/b\/k\.out line 4 is not a JSON line/);
    expect(() => parseResultLine('{"input":{},"output":{"recommendedUsers":[1]}}', "segment", 1, "here")).to.throw(
      "here: recommendedUsers is not a list of ids",
    );
  });
});

describe("Personalize batch runs: the calls, in order (aws-sdk-client-mock)", () => {
  let personalize: AwsClientStub<PersonalizeClient>;
  let s3: AwsClientStub<S3Client>;
  let clients: AwsClients;
  before(() => {
    personalize = mockClient(PersonalizeClient);
    s3 = mockClient(S3Client);
  });
  after(() => {
    personalize.restore();
    s3.restore();
  });
  beforeEach(() => {
    personalize.reset();
    s3.reset();
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS });
  });
  afterEach(() => clients.destroy());
  const noSleep = () => Promise.resolve();

  it("checks the version before uploading: untrained, missing, of a segment recipe, of Trending-Now; nothing is uploaded", async () => {
    const service = new PersonalizeService(context(clients));
    const refusedWith = async (answer: () => void) => {
      personalize.reset();
      answer();
      const err = await failure(() => service.batchRecommend({ solutionVersionArn: VERSION, input: [{ userId: "u1" }] }));
      expect(err).to.be.instanceOf(BatchInputError);
      return err.message;
    };
    expect(await refusedWith(() => personalize.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: "CREATE IN_PROGRESS" } }))).to.equal(
      `solution version ${VERSION} is CREATE IN_PROGRESS: a batch job needs an ACTIVE (trained) version`,
    );
    expect(
      await refusedWith(() => personalize.on(DescribeSolutionVersionCommand).rejects(Object.assign(new Error("nope"), { name: "ResourceNotFoundException" }))),
    ).to.equal(`solution version ${VERSION} does not exist (DescribeSolutionVersion)`);
    expect(
      await refusedWith(() =>
        personalize
          .on(DescribeSolutionVersionCommand)
          .resolves({ solutionVersion: { status: "ACTIVE", recipeArn: "arn:aws:personalize:::recipe/aws-item-affinity" } }),
      ),
    ).to.equal(`solution version ${VERSION} uses the user-segmentation recipe aws-item-affinity: use batchSegment (\`personalize batch-segment\`)`);
    expect(
      await refusedWith(() =>
        personalize
          .on(DescribeSolutionVersionCommand)
          .resolves({ solutionVersion: { status: "ACTIVE", recipeArn: "arn:aws:personalize:::recipe/aws-trending-now" } }),
      ),
    ).to.match(/uses aws-trending-now, which gives no batch recommendations/);
    expect(s3.calls()).to.have.length(0);
    expect(personalize.commandCalls(CreateBatchInferenceJobCommand)).to.have.length(0);
  });

  it("refuses records of another kind than the recipe takes (SIMS takes itemId) before the job starts, and aborts the upload", async () => {
    personalize.on(DescribeSolutionVersionCommand).resolves({ solutionVersion: { status: "ACTIVE", recipeArn: "arn:aws:personalize:::recipe/aws-sims" } });
    const service = new PersonalizeService(context(clients));
    const err = await failure(() => service.batchRecommend({ solutionVersionArn: VERSION, input: [{ userId: "u1" }] }));
    expect(err).to.be.instanceOf(BatchInputError);
    expect(err.message).to.equal('record 1: {"userId"} records, but the solution version\'s recipe aws-sims takes {"itemId"} records');
    expect(personalize.commandCalls(CreateBatchInferenceJobCommand)).to.have.length(0);
    expect(s3.calls(), "the bad record came before the first part was complete: nothing was sent").to.have.length(0);
  });

  it("a job that fails, and a wait that runs out (the job goes on; the error says how to read it later)", async () => {
    const jobArn = `${P}:batch-inference-job/roadmapx-emails`;
    personalize
      .on(DescribeSolutionVersionCommand)
      .resolves({ solutionVersion: { status: "ACTIVE", recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization-v2" } });
    personalize.on(CreateBatchInferenceJobCommand).resolves({ batchInferenceJobArn: jobArn });
    s3.resolves({ ETag: '"e"' });
    const log: string[] = [];
    const service = new PersonalizeService(context(clients, log));
    personalize
      .on(DescribeBatchInferenceJobCommand)
      .resolvesOnce({ batchInferenceJob: { status: "PENDING" } })
      .resolves({
        batchInferenceJob: { status: "CREATE FAILED", failureReason: "Insufficient privileges.", jobInput: { s3DataSource: { path: "s3://x/in" } } },
      });
    const failed = await failure(() =>
      service.batchRecommend({ solutionVersionArn: VERSION, input: [{ userId: "u1" }], name: "roadmapx-emails", sleep: noSleep }),
    );
    expect(failed).to.be.instanceOf(BatchJobFailedError);
    expect(failed.message).to.equal(`batch job ${jobArn} failed: Insufficient privileges. (its input stays at s3://x/in)`);
    const created = personalize.commandCalls(CreateBatchInferenceJobCommand)[0]?.args[0].input;
    expect(created).to.deep.equal({
      jobName: "roadmapx-emails",
      solutionVersionArn: VERSION,
      roleArn: ROLE,
      tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }],
      jobInput: { s3DataSource: { path: "s3://roadmapx-files/personalize/batch/roadmapx-emails/input/input.jsonl" } },
      jobOutput: { s3DataDestination: { path: "s3://roadmapx-files/personalize/batch/roadmapx-emails/output/" } },
    });
    // The cost is said before the job is created.
    expect(log.findIndex((m) => m.startsWith("warn cost: batch inference job roadmapx-emails is billed"))).to.be.lessThan(
      log.findIndex((m) => m.startsWith("info personalize: started")),
    );

    personalize.on(DescribeBatchInferenceJobCommand).resolves({ batchInferenceJob: { status: "IN PROGRESS" } });
    let now = 0;
    const timedOut = await failure(() =>
      service.batchRecommend({
        solutionVersionArn: VERSION,
        input: [{ userId: "u1" }],
        name: "roadmapx-emails",
        waitTimeoutMs: 60_000,
        pollIntervalMs: 10_000,
        sleep: (ms) => {
          now += ms;
          return Promise.resolve();
        },
        now: () => now,
      }),
    );
    expect(timedOut).to.be.instanceOf(BatchWaitTimeoutError);
    expect(timedOut.message).to.equal(
      `Personalize batch job ${jobArn} is still IN PROGRESS after 48s; it goes on in AWS (nothing was cancelled): check it again later. ` +
        `Read its results once it is done with \`roadmapx-ai personalize batch-results --job-arn ${jobArn}\` (or readBatchResults("${jobArn}") in code)`,
    );
  });
});
