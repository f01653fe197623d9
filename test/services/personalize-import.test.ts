/**
 * importDataset: the upload path runs against the emulator (real S3 protocol); the import job runs
 * against aws-sdk-client-mock, because moto implements no Personalize API beyond schemas.
 * (Over 350 lines: one case per import rule, each self-contained against the emulator and the mock.)
 */
import { Readable } from "node:stream";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateDatasetImportJobCommand,
  DescribeDatasetCommand,
  DescribeDatasetImportJobCommand,
  ListDatasetImportJobsCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { byCommand, injectFaults } from "../helpers/faults";
import type { AwsClients } from "../../services/aws/clients";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { Logger, ServiceContext } from "../../services/context";
import {
  ImportConfigError,
  ImportJobFailedError,
  ImportStartError,
  ImportValidationError,
  PersonalizeService,
  builtinSchema,
  uploadValidated,
} from "../../services/personalize";
import { WaitTimeoutError } from "../../services/poll";
import { DEFAULT_UPLOAD_CONCURRENCY } from "../../services/personalize/upload";
import { AiStorage, KeyError } from "../../services/storage";
import { interactionsCsv as csv } from "../helpers/csv-rows";
import { useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/INTERACTIONS";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const JOB = "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/j1";
const noSleep = () => Promise.resolve();

describe("Personalize importDataset (S3 on the emulator, the import job with aws-sdk-client-mock)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let personalize: AwsClientStub<PersonalizeClient>;
  let messages: string[];

  before(() => {
    personalize = mockClient(PersonalizeClient);
  });
  after(() => personalize.restore());

  beforeEach(async () => {
    personalize.reset();
    messages = [];
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  function contextFor(clients: AwsClients = ctx.clients, env: NodeJS.ProcessEnv = { PERSONALIZE_ROLE_ARN: ROLE, S3_BUCKET_NAME: BUCKET }): ServiceContext {
    const logger: Logger = { info: (m) => messages.push(`info: ${m}`), warn: (m) => messages.push(`warn: ${m}`) };
    return { config: resolveRuntimeConfig({}, env), clients, storage: new AiStorage(clients, BUCKET), logger };
  }

  function service(clients?: AwsClients, env?: NodeJS.ProcessEnv) {
    return new PersonalizeService(contextFor(clients, env));
  }

  function jobGoes(...statuses: string[]) {
    personalize.on(CreateDatasetImportJobCommand).resolves({ datasetImportJobArn: JOB });
    const describe = personalize.on(DescribeDatasetImportJobCommand);
    for (const status of statuses) {
      describe.resolvesOnce({
        datasetImportJob: {
          datasetImportJobArn: JOB,
          status,
          ...(status === "CREATE FAILED" ? { failureReason: "Input CSV is missing the column TIMESTAMP" } : {}),
        },
      });
    }
  }

  async function bucketContents() {
    const objects = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const uploads = await ctx.clients.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    return { keys: (objects.Contents ?? []).map((o) => o.Key), uploads: uploads.Uploads?.length ?? 0 };
  }

  it('keeps the backend\'s call working: importDataset(datasetArn, csvData, "personalize/data.csv")', async () => {
    jobGoes("CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE");
    const data = csv(1200);
    const progress: string[] = [];
    const result = await service().importDataset(DATASET, data, "personalize/data.csv", {
      sleep: noSleep,
      onProgress: (p) => progress.push(p.phase === "import" ? `import:${p.status}` : "upload"),
    });
    expect(result).to.include({ jobArn: JOB, status: "ACTIVE", key: "personalize/data.csv", uri: "s3://roadmapx-files/personalize/data.csv" });
    expect(result.report).to.include({ valid: true, rows: 1200 });
    const stored = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/data.csv" }));
    expect(await stored.Body?.transformToString()).to.equal(data);
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)[0]?.args[0].input).to.deep.include({
      datasetArn: DATASET,
      dataSource: { dataLocation: "s3://roadmapx-files/personalize/data.csv" },
      roleArn: ROLE,
      importMode: "FULL",
    });
    expect(progress.filter((p) => p.startsWith("import"))).to.deep.equal(["import:CREATE PENDING", "import:CREATE IN_PROGRESS", "import:ACTIVE"]);
    expect(progress).to.include("upload");
    expect(messages).to.include("warn: cost: Personalize bills data ingestion per GB imported.");
  });

  it("a dataset that does not exist is found out (DescribeDataset) before anything is uploaded", async () => {
    personalize.on(DescribeDatasetCommand).rejects(Object.assign(new Error("Dataset not found"), { name: "ResourceNotFoundException" }));
    let caught: unknown;
    try {
      await service().importDataset(DATASET, csv(10), "personalize/data.csv", { sleep: noSleep });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportConfigError);
    expect((caught as Error).message).to.include(`dataset ${DATASET} does not exist`);
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)).to.have.length(0);
  });

  it("an endpoint without DescribeDataset (the emulator) is said once, and the import goes on", async () => {
    const html = Object.assign(new Error("Unexpected token '<'"), { name: "SyntaxError", $response: { statusCode: 500 } });
    personalize.on(DescribeDatasetCommand).rejects(html);
    jobGoes("ACTIVE", "ACTIVE");
    const s = service();
    await s.importDataset(DATASET, csv(10), "personalize/a.csv", { sleep: noSleep });
    await s.importDataset(DATASET, csv(10), "personalize/b.csv", { sleep: noSleep });
    expect(messages.filter((m) => m.includes("does not implement DescribeDataset"))).to.have.length(1);
    expect((await bucketContents()).keys).to.deep.equal(["personalize/a.csv", "personalize/b.csv"]);
  });

  it("an invalid row stops the upload at once: nothing in the bucket, no import job, and a full report", async () => {
    // 12 MiB so the upload is multipart and parts are already in flight when the bad row arrives.
    const data = csv(300_000, { at: 250_000, row: "user-1,item-1,1700000000123,view" });
    let caught: unknown;
    try {
      await service().importDataset(DATASET, data, "personalize/bad.csv", { sleep: noSleep, partSize: 5 * 1024 * 1024 });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportValidationError);
    const report = (caught as ImportValidationError).report;
    expect(report.errors.map((e) => `${e.line}:${e.kind}`)).to.deep.equal(["250002:timestamp-milliseconds"]);
    expect(report.rows).to.equal(300_000);
    expect(String(caught)).to.include("nothing was uploaded and no import job was started");
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)).to.have.length(0);
  });

  it("an error only visible at the end (a bad last line) still leaves nothing", async () => {
    const data = `${csv(10)}user-x,item-x,yesterday,view`;
    let caught: unknown;
    try {
      await service().importDataset(DATASET, data, "personalize/last-line.csv", { sleep: noSleep });
    } catch (err) {
      caught = err;
    }
    expect((caught as ImportValidationError).report.errors.map((e) => e.kind)).to.deep.equal(["not-integer"]);
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  it("takes a Buffer, a stream, a file path and rows (objects or arrays), and stores the same CSV", async () => {
    const data = csv(30);
    const dir = mkdtempSync(join(tmpdir(), "import-"));
    writeFileSync(join(dir, "data.csv"), data);
    const rows = Array.from({ length: 30 }, (_, i) => ({
      USER_ID: `user-${i % 50}`,
      ITEM_ID: `item-${i % 300}`,
      TIMESTAMP: 1_700_000_000 + i,
      EVENT_TYPE: "view",
    }));
    async function* rowObjects() {
      yield* rows;
    }
    const sources: [string, Parameters<PersonalizeService["importDataset"]>[1]][] = [
      ["buffer", Buffer.from(data)],
      ["stream", Readable.from([Buffer.from(data.slice(0, 100)), Buffer.from(data.slice(100))])],
      ["path", { path: join(dir, "data.csv") }],
      ["objects", rowObjects()],
      ["arrays", rows.map((r) => [r.USER_ID, r.ITEM_ID, r.TIMESTAMP, r.EVENT_TYPE])],
    ];
    for (const [name, source] of sources) {
      personalize.reset();
      jobGoes("ACTIVE");
      await service().importDataset(DATASET, source, `personalize/${name}.csv`, { sleep: noSleep });
      const stored = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `personalize/${name}.csv` }));
      expect(await stored.Body?.transformToString(), name).to.equal(data);
    }
  });

  it("surfaces the job's failureReason and where the data is", async () => {
    jobGoes("CREATE PENDING", "CREATE FAILED");
    let caught: unknown;
    try {
      await service().importDataset(DATASET, csv(10), "personalize/x.csv", { sleep: noSleep });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportJobFailedError);
    expect(String(caught)).to.equal(
      `ImportJobFailedError: dataset import job ${JOB} failed: Input CSV is missing the column TIMESTAMP (the data stays at s3://roadmapx-files/personalize/x.csv)`,
    );
  });

  it("times out with a clear message (the job goes on in AWS)", async () => {
    personalize.on(CreateDatasetImportJobCommand).resolves({ datasetImportJobArn: JOB });
    personalize.on(DescribeDatasetImportJobCommand).resolves({ datasetImportJob: { status: "CREATE IN_PROGRESS" } });
    let clock = 0;
    let caught: unknown;
    try {
      await service().importDataset(DATASET, csv(10), "personalize/slow.csv", {
        timeoutMs: 3600_000,
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
        pollIntervalMs: 60_000,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(WaitTimeoutError);
    expect(String(caught)).to.match(/dataset import job .* is still CREATE IN_PROGRESS after .*; it goes on in AWS \(nothing was cancelled\)/);
  });

  it("retries the AccessDenied of a freshly created role, then gives up with AWS's error", async () => {
    personalize
      .on(CreateDatasetImportJobCommand)
      .rejectsOnce(Object.assign(new Error("User is not authorized to perform: iam:PassRole"), { name: "AccessDeniedException" }))
      .rejectsOnce(Object.assign(new Error("Insufficient privileges for accessing data in S3 with the role"), { name: "InvalidInputException" }))
      .resolves({ datasetImportJobArn: JOB });
    personalize.on(DescribeDatasetImportJobCommand).resolves({ datasetImportJob: { status: "ACTIVE" } });
    const result = await service().importDataset(DATASET, csv(10), "personalize/fresh.csv", { sleep: noSleep });
    expect(result.status).to.equal("ACTIVE");
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)).to.have.length(3);
    expect(messages.filter((m) => m.includes("IAM changes take a minute to propagate"))).to.have.length(2);

    personalize.reset();
    personalize.on(CreateDatasetImportJobCommand).rejects(Object.assign(new Error("denied for good"), { name: "AccessDeniedException" }));
    let caught: unknown;
    try {
      await service().importDataset(DATASET, csv(10), "personalize/denied.csv", { sleep: noSleep, accessDeniedRetryMs: 0 });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportStartError);
    expect(String(caught)).to.include("the data is at s3://roadmapx-files/personalize/denied.csv, but starting the import job failed");
    expect(((caught as Error).cause as Error).name).to.equal("AccessDeniedException");
  });

  it("polls through throttling and 5xx (aws-sdk-client-mock)", async () => {
    personalize.on(CreateDatasetImportJobCommand).resolves({ datasetImportJobArn: JOB });
    personalize
      .on(DescribeDatasetImportJobCommand)
      .rejectsOnce(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } }))
      .rejectsOnce(Object.assign(new Error("Service unavailable"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } }))
      .resolves({ datasetImportJob: { status: "ACTIVE" } });
    const result = await service().importDataset(DATASET, csv(10), "personalize/polled.csv", { sleep: noSleep });
    expect(result.status).to.equal("ACTIVE");
    expect(personalize.commandCalls(DescribeDatasetImportJobCommand)).to.have.length(3);
  });

  it("uploads through S3 throttling and 5xx (fault injection on the emulator's S3)", async () => {
    jobGoes("ACTIVE");
    const clients = ctx.makeClients({ maxAttempts: 3, retryMode: "standard" });
    const faults = injectFaults(clients.s3, byCommand("UploadPartCommand", { 1: { kind: "throttle" }, 2: { kind: "status", status: 500 } }));
    const data = csv(200_000);
    const result = await service(clients).importDataset(DATASET, data, "personalize/flaky.csv", { sleep: noSleep, partSize: 5 * 1024 * 1024 });
    expect(result.status).to.equal("ACTIVE");
    expect(faults.injected).to.have.length(2);
    const stored = await clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/flaky.csv" }));
    expect((await stored.Body?.transformToString())?.length).to.equal(data.length);
  });

  it("keeps at most uploadConcurrency parts in flight: 10 by default (as AWS's transfer clients), fewer or more when asked", async () => {
    jobGoes("ACTIVE", "ACTIVE", "ACTIVE");
    const data = csv(1_800_000); // about 60 MiB: twelve 5 MiB parts, more than the default lets fly at once
    const peaks: number[] = [];
    for (const uploadConcurrency of [undefined, 2, 4]) {
      const clients = ctx.makeClients();
      const allowed = uploadConcurrency ?? DEFAULT_UPLOAD_CONCURRENCY;
      let active = 0;
      let peak = 0;
      let allInFlight: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (allInFlight = resolve));
      clients.s3.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName !== "UploadPartCommand") return next(args);
          peak = Math.max(peak, ++active);
          if (active === allowed) allInFlight();
          try {
            // The first parts wait until as many as allowed are in flight, so the peak does not
            // depend on how fast this machine validates (a safety wait keeps a broken limit from
            // hanging the test); more than allowed would show as a higher peak.
            await Promise.race([gate, new Promise((r) => setTimeout(r, 10_000))]);
            await new Promise((r) => setTimeout(r, 20));
            return await next(args);
          } finally {
            active--;
          }
        },
        { step: "finalizeRequest", name: "countPartsInFlight" },
      );
      await service(clients).importDataset(DATASET, data, `personalize/parallel-${uploadConcurrency ?? "default"}.csv`, {
        sleep: noSleep,
        partSize: 5 * 1024 * 1024,
        ...(uploadConcurrency ? { uploadConcurrency } : {}),
      });
      peaks.push(peak);
    }
    expect(DEFAULT_UPLOAD_CONCURRENCY).to.equal(10);
    expect(peaks).to.deep.equal([10, 2, 4]);
  });

  it("INCREMENTAL needs an earlier FULL import that is ACTIVE, checked before anything is uploaded", async () => {
    personalize.on(ListDatasetImportJobsCommand).resolves({ datasetImportJobs: [{ status: "CREATE FAILED" }] });
    let caught: unknown;
    try {
      await service().importDataset(DATASET, csv(10), "personalize/inc.csv", { mode: "INCREMENTAL", sleep: noSleep });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportConfigError);
    expect(String(caught)).to.include(`the first import into ${DATASET} must be FULL`);
    expect((await bucketContents()).keys).to.deep.equal([]);

    personalize.reset();
    personalize.on(ListDatasetImportJobsCommand).resolves({ datasetImportJobs: [{ status: "ACTIVE" }] });
    jobGoes("ACTIVE");
    await service().importDataset(DATASET, csv(10), "personalize/inc.csv", { mode: "INCREMENTAL", sleep: noSleep });
    expect(personalize.commandCalls(CreateDatasetImportJobCommand)[0]?.args[0].input.importMode).to.equal("INCREMENTAL");
  });

  it("stops at the per-job size limit, leaving nothing (uploadValidated with a small limit)", async () => {
    let caught: unknown;
    try {
      await uploadValidated(contextFor(), "personalize/huge.csv", csv(200_000), builtinSchema("interactions"), {
        maxBytes: 6 * 1024 * 1024,
        partSize: 5 * 1024 * 1024,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportConfigError);
    expect(String(caught)).to.include("split it into several imports (nothing was uploaded)");
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  /** Clients that record every S3 command they send, with the body size of each part. */
  function recordingClients(): { clients: AwsClients; sent: string[]; partBytes: number[] } {
    const sent: string[] = [];
    const partBytes: number[] = [];
    const clients = ctx.makeClients({
      decorate: (client) =>
        (client as unknown as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack.add(
          (next: (a: unknown) => Promise<unknown>, context: { commandName: string }) => (args: { input?: { Body?: Uint8Array } }) => {
            sent.push(context.commandName);
            if (context.commandName === "UploadPartCommand") partBytes.push(args.input?.Body?.byteLength ?? 0);
            return next(args);
          },
          { step: "initialize" },
        ),
    });
    return { clients, sent, partBytes };
  }

  it("a file over the limit (the limit above one part) is refused before a single request is sent", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "roadmapx-limit-")), "big.csv");
    writeFileSync(file, csv(300_000)); // ~12 MiB
    const { clients, sent } = recordingClients();
    let caught: unknown;
    try {
      await uploadValidated(contextFor(clients), "personalize/big.csv", { path: file }, builtinSchema("interactions"), {
        maxBytes: 6 * 1024 * 1024,
        partSize: 5 * 1024 * 1024,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportConfigError);
    expect(sent).to.deep.equal([]);
  });

  it("a stream of unknown size is cut off at the limit: no more is read or sent, and nothing is left", async () => {
    const limit = 6 * 1024 * 1024;
    const partSize = 5 * 1024 * 1024;
    let produced = 0;
    async function* endless() {
      yield Buffer.from("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
      for (let i = 0; ; i++) {
        const chunk = Buffer.from(`user-${i % 50},item-${i % 300},${1_700_000_000 + i},view\n`.repeat(1000));
        produced += chunk.length;
        if (produced > 64 * 1024 * 1024) throw new Error("the source was read far past the limit");
        yield chunk;
      }
    }
    const { clients, sent, partBytes } = recordingClients();
    let caught: unknown;
    try {
      await uploadValidated(contextFor(clients), "personalize/stream.csv", Readable.from(endless()), builtinSchema("interactions"), {
        maxBytes: limit,
        partSize,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(ImportConfigError);
    expect(String(caught)).to.include("larger than the import limit");
    // What was read stops within one part (plus the stream's read-ahead) of the limit...
    expect(produced).to.be.below(limit + 2 * partSize);
    // ...and what went up never exceeds the limit; the multipart upload was aborted.
    expect(partBytes.reduce((a, b) => a + b, 0)).to.be.at.most(limit);
    expect(sent).to.include("AbortMultipartUploadCommand");
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  it("refuses bad keys, a missing role and an unknown dataset type before sending anything", async () => {
    const cases: [() => Promise<unknown>, unknown, RegExp][] = [
      [() => service().importDataset(DATASET, csv(1), "user-uploads/data.csv"), KeyError, /belongs to the application/],
      [() => service().importDataset(DATASET, csv(1), "models/data.csv"), ImportConfigError, /import data goes under personalize\//],
      [() => service().importDataset(DATASET, csv(1), "personalize/../x.csv"), KeyError, /must not climb out/],
      [
        () => service(ctx.clients, { S3_BUCKET_NAME: BUCKET }).importDataset(DATASET, csv(1)),
        ImportConfigError,
        /no Personalize role: set PERSONALIZE_ROLE_ARN/,
      ],
      [() => service().importDataset("my-dataset", csv(1)), ImportConfigError, /"my-dataset" is not a dataset ARN: expected arn:aws:personalize:/],
      [
        () =>
          service().importDataset("arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/ITEMS", csv(1), undefined, { datasetType: "interactions" }),
        ImportConfigError,
        /is a dataset of items, but the data is interactions/,
      ],
      [
        () => service().importDataset("arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/ACTIONS", csv(1)),
        ImportConfigError,
        /cannot tell the dataset type from ".*ACTIONS": pass options.datasetType/,
      ],
      [
        () => service().importDataset("arn:aws:personalize:us-east-1:123456789012:dataset/movies/INTERACTIONS", csv(1)),
        ImportConfigError,
        /names dataset "movies", whose name must start with "roadmapx-" \(the stack's resourceNamePrefix\)/,
      ],
      [
        () => service().importDataset(DATASET, csv(1), undefined, { jobName: "nightly" }),
        ImportConfigError,
        /ImportConfigError: jobName "nightly" must start with "roadmapx-"/,
      ],
    ];
    for (const [call, type, message] of cases) {
      let caught: unknown;
      try {
        await call();
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(type as new () => Error);
      expect(String(caught)).to.match(message);
    }
    expect((await bucketContents()).keys).to.deep.equal([]);
    expect(personalize.calls()).to.have.length(0);
  });
});
