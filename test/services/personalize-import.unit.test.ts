/**
 * Validate-while-uploading (services/personalize/upload.ts) and importDataset (import.ts) on an
 * in-memory S3 and a fake Personalize; personalize-import.test.ts runs them against the emulator.
 * Nothing here waits on a clock: the import's sleeps and clock are the test's.
 */
import { appendFileSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { ServiceContext } from "../../services/context";
import { chunkReader } from "../../services/chunk-reader";
import { ImportConfigError, ImportJobFailedError, ImportStartError, ImportValidationError, MAX_IMPORT_BYTES } from "../../services/personalize/errors";
import { datasetTypeOf, importDataset } from "../../services/personalize/import";
import { builtinSchema } from "../../services/personalize/schemas";
import { DEFAULT_UPLOAD_CONCURRENCY, partSizeFor, uploadValidated } from "../../services/personalize/upload";
import { WaitTimeoutError } from "../../services/poll";
import { AiStorage } from "../../services/storage";
import { KeyError, SourceChangedError, UploadAbortedError, UploadLeftPartsError } from "../../services/storage-errors";
import { BUCKET, FakeS3, MiB, failure } from "../helpers/fake-s3";

const schema = builtinSchema("interactions");
const dir = mkdtempSync(join(tmpdir(), "roadmapx-import-"));
const DATASET = "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/INTERACTIONS";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const JOB = "arn:aws:personalize:us-east-1:123456789012:dataset-import-job/j1";

const HEADER = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n";
/** Row `i`: 24 characters whatever `i`, so row i starts at HEADER.length + 25 * i. */
const row = (i: number) => `u${String(i % 50).padStart(2, "0")},i${String(i % 300).padStart(3, "0")},${1_700_000_000 + (i % 10_000)},view\n`;
/** The rows repeat every 30,000 (the least common multiple of 50, 300 and 10,000): big bodies are a block repeated. */
const BLOCK = Array.from({ length: 30_000 }, (_, i) => row(i)).join("");

/** `rows` valid interaction rows, with `bad` rows replacing the rows at their indexes. */
function csv(rows: number, bad: Record<number, string> = {}): string {
  let text = HEADER + BLOCK.repeat(Math.floor(rows / 30_000)) + BLOCK.slice(0, (rows % 30_000) * 25);
  // From the last: a replaced row's length moves the rows after it.
  for (const [at, line] of Object.entries(bad).sort(([a], [b]) => Number(b) - Number(a))) {
    const offset = HEADER.length + 25 * Number(at);
    text = `${text.slice(0, offset)}${line}\n${text.slice(offset + 25)}`;
  }
  return text;
}

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

type Input = Record<string, unknown>;

/** Personalize's import calls, answered from a script. */
class FakePersonalize {
  readonly calls: { name: string; input: Input }[] = [];
  describeDataset: () => unknown = () => ({ dataset: { datasetArn: DATASET } });
  listJobs: () => unknown = () => ({ datasetImportJobs: [{ status: "ACTIVE" }] });
  create: (n: number) => unknown = () => ({ datasetImportJobArn: JOB });
  statuses: (string | Error)[] = ["CREATE PENDING", "ACTIVE"];
  private creates = 0;
  private describes = 0;

  names(): string[] {
    return this.calls.map((c) => c.name);
  }

  async send(command: { constructor: { name: string }; input: Input }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    this.calls.push({ name, input: command.input });
    switch (name) {
      case "DescribeDataset":
        return this.describeDataset();
      case "ListDatasetImportJobs":
        return this.listJobs();
      case "CreateDatasetImportJob":
        return this.create(++this.creates);
      case "DescribeDatasetImportJob": {
        const step = this.statuses[Math.min(this.describes++, this.statuses.length - 1)];
        if (step instanceof Error) throw step;
        return {
          datasetImportJob: {
            datasetImportJobArn: JOB,
            status: step,
            ...(step === "CREATE FAILED" ? { failureReason: "Input CSV is missing TIMESTAMP" } : {}),
          },
        };
      }
    }
    throw new Error(`the fake has no ${name}`);
  }
}

function context(s3 = new FakeS3(), personalize = new FakePersonalize(), env: NodeJS.ProcessEnv = { PERSONALIZE_ROLE_ARN: ROLE, S3_BUCKET_NAME: BUCKET }) {
  const messages: string[] = [];
  const clients = { s3, personalize } as never;
  const ctx: ServiceContext = {
    config: resolveRuntimeConfig({}, env),
    clients,
    storage: new AiStorage(clients, BUCKET),
    logger: { info: (m) => messages.push(`info: ${m}`), warn: (m) => messages.push(`warn: ${m}`) },
  };
  return { ctx, s3, personalize, messages };
}

const noSleep = async () => undefined;
const awsError = (name: string, message = name, status = 400) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("uploadValidated (in-memory S3)", () => {
  it("sends what it validated to the bucket as text/csv, and returns its URI and report, with progress", async () => {
    const { ctx, s3 } = context();
    const text = csv(1200);
    const progress: unknown[] = [];
    const result = await uploadValidated(ctx, "personalize/a.csv", text, schema, { onProgress: (p) => progress.push(p) });
    expect(result.uri).to.equal(`s3://${BUCKET}/personalize/a.csv`);
    expect(result.report).to.include({ valid: true, rows: 1200 });
    expect(s3.objects.get("personalize/a.csv")?.toString()).to.equal(text);
    expect(s3.contentTypes.get("personalize/a.csv")).to.equal("text/csv");
    expect(progress).to.deep.equal([{ key: "personalize/a.csv", loaded: Buffer.byteLength(text), total: Buffer.byteLength(text) }]);
  });

  it("takes text, bytes, a stream, rows, a file and a path that is not a regular file, and stores the same CSV", async () => {
    const text = csv(300);
    const rows = text
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split(","));
    const path = file("rows.csv", text);
    for (const [what, source] of [
      ["text", text],
      ["bytes", Buffer.from(text)],
      [
        "a stream of uneven chunks, some empty",
        Readable.from([Buffer.from(text.slice(0, 1000)), Buffer.alloc(0), Buffer.from(text.slice(1000, 1001)), Buffer.from(text.slice(1001))]),
      ],
      ["rows", rows],
      ["a file", { path }],
      ["a stream with a `path` property", Object.assign(Readable.from([Buffer.from(text)]), { path: "/nonexistent" })],
    ] as const) {
      const { ctx, s3 } = context();
      const result = await uploadValidated(ctx, "personalize/b.csv", source as never, schema);
      expect(s3.objects.get("personalize/b.csv")?.toString(), what).to.equal(text);
      expect(result.report.rows, what).to.equal(300);
    }
    // /dev/null is no regular file: it is read as a stream (and is empty).
    const { ctx } = context();
    const empty = await failure(() => uploadValidated(ctx, "personalize/n.csv", { path: "/dev/null" }, schema));
    expect((empty as ImportValidationError).report.errors.map((e) => e.kind)).to.deep.equal(["empty-file"]);
  });

  it("a file over a part goes up from the file in regions; a stream in pooled buffers", async () => {
    const text = csv(220_000);
    const path = file("big.csv", text);
    const fromFile = context();
    await uploadValidated(fromFile.ctx, "personalize/f.csv", { path }, schema, { partSize: 5 * MiB });
    expect(fromFile.s3.objects.get("personalize/f.csv")?.toString()).to.equal(text);
    const parts = fromFile.s3.commands.filter((c) => c.name === "UploadPart");
    expect(parts.length).to.equal(Math.ceil(Buffer.byteLength(text) / (5 * MiB)));
    expect(parts.every((p) => p.input.Body instanceof Readable)).to.equal(true);
    const fromStream = context();
    await uploadValidated(fromStream.ctx, "personalize/s.csv", Readable.from([Buffer.from(text)]), schema, { partSize: 5 * MiB });
    expect(fromStream.s3.objects.get("personalize/s.csv")?.toString()).to.equal(text);
    expect(fromStream.s3.commands.filter((c) => c.name === "UploadPart").every((p) => Buffer.isBuffer(p.input.Body))).to.equal(true);
  });

  it("an invalid row stops the upload before its part goes up, and the report still lists every error of the file", async () => {
    // 11.2 MB: the bad row is in the second of three parts (not the last, whose end-of-file check would stop it anyway).
    const text = csv(450_000, { 250_000: "user-1,item-1,not-a-time,view", 449_999: "user-49,item-199,also-bad,view" });
    const path = file("bad.csv", text);
    for (const [what, source] of [
      ["file", { path }],
      ["text", text],
      ["stream", Readable.from([Buffer.from(text)])],
    ] as const) {
      const { ctx, s3 } = context();
      const err = await failure(() => uploadValidated(ctx, "personalize/bad.csv", source as never, schema, { partSize: 5 * MiB }));
      expect(err, what).to.be.instanceOf(ImportValidationError);
      const report = (err as ImportValidationError).report;
      expect(report.errorCount, what).to.equal(2);
      expect(
        report.errors.map((e) => e.line),
        what,
      ).to.deep.equal([250_002, 450_001]);
      expect(report.rows, what).to.equal(450_000);
      expect(s3.objects.size + s3.uploads.size, what).to.equal(0);
      const sent = s3.commands.filter((c) => c.name === "UploadPart").reduce((n, c) => n + Number(c.input["ContentLength"]), 0);
      expect(sent, `${what}: nothing after the bad row went up`).to.be.below(text.indexOf("not-a-time"));
      expect((err as Error).message).to.equal(
        'the CSV has 2 error(s), first at line 250002: TIMESTAMP "not-a-time" is not a whole number (Unix epoch seconds); nothing was uploaded and no import job was started',
      );
    }
  });

  it("an error at the very end of a stream that fills its last part exactly stops that part from going up", async () => {
    // Exactly two 5 MiB parts, the last line bad: the second part is full when the stream ends.
    const good = csv(10);
    const bad = "user-1,item-1,bad\n";
    const filler = 2 * 5 * MiB - Buffer.byteLength(good) - Buffer.byteLength(bad);
    const text = good + `user-1,item-1,${"1".repeat(filler - "user-1,item-1,,view\n".length)},view\n` + bad;
    expect(Buffer.byteLength(text)).to.equal(10 * MiB);
    const { ctx, s3 } = context();
    const err = await failure(() => uploadValidated(ctx, "personalize/full.csv", Readable.from([Buffer.from(text)]), schema, { partSize: 5 * MiB }));
    expect(err).to.be.instanceOf(ImportValidationError);
    const sent = s3.commands.filter((c) => c.name === "UploadPart").reduce((n, c) => n + Number(c.input["ContentLength"]), 0);
    expect(sent, "the part holding the bad last line never went up").to.be.at.most(5 * MiB);
    expect(s3.objects.size + s3.uploads.size).to.equal(0);
  });

  it("an error only visible at the end stops the last part from going up", async () => {
    for (const text of ["", csv(10).replace(/\n$/, "\nuser-1,item-1,bad")]) {
      for (const source of [text, { path: file("end.csv", text) }]) {
        const { ctx, s3 } = context();
        const err = await failure(() => uploadValidated(ctx, "personalize/end.csv", source, schema));
        expect(err).to.be.instanceOf(ImportValidationError);
        expect(s3.commands).to.deep.equal([]);
      }
    }
  });

  it("refuses a source over the size limit before sending anything when its size is known; exactly the limit is fine", async () => {
    const text = csv(100);
    for (const source of [text, Buffer.from(text), { path: file("limit.csv", text) }]) {
      const { ctx, s3 } = context();
      const err = await failure(() => uploadValidated(ctx, "personalize/big.csv", source, schema, { maxBytes: Buffer.byteLength(text) - 1 }));
      expect(err).to.be.instanceOf(ImportConfigError);
      expect((err as Error).message).to.equal("the file is larger than the import limit of 0 GiB; split it into several imports (nothing was uploaded)");
      expect(s3.commands).to.deep.equal([]);
      await uploadValidated(context().ctx, "personalize/ok.csv", source, schema, { maxBytes: Buffer.byteLength(text) });
    }
  });

  it("refuses a file over Personalize's 100 GiB limit by its size alone (a sparse file: nothing is read)", async () => {
    expect(MAX_IMPORT_BYTES).to.deep.equal({ FULL: 100 * 1024 ** 3, INCREMENTAL: 1024 ** 3 });
    const path = file("sparse.csv", "");
    truncateSync(path, 100 * 1024 ** 3 + 1);
    try {
      const { ctx, s3 } = context();
      const err = await failure(() => uploadValidated(ctx, "personalize/huge.csv", { path }, schema));
      expect((err as Error).message).to.equal("the file is larger than the import limit of 100 GiB; split it into several imports (nothing was uploaded)");
      expect(s3.commands).to.deep.equal([]);
    } finally {
      rmSync(path);
    }
  });

  it("cuts a stream of unknown size off at the limit, leaving nothing and reading little past it", async () => {
    const { ctx, s3 } = context();
    let read = 0;
    async function* endless() {
      yield Buffer.from("USER_ID,ITEM_ID,TIMESTAMP\n");
      for (;;) {
        read++;
        yield Buffer.from("u1,i1,1700000000\n".repeat(1000));
      }
    }
    const err = await failure(() => uploadValidated(ctx, "personalize/s.csv", Readable.from(endless()), schema, { maxBytes: 2 * MiB, partSize: 5 * MiB }));
    expect(err).to.be.instanceOf(ImportConfigError);
    expect(read).to.be.below(200);
    expect(s3.objects.size + s3.uploads.size).to.equal(0);
  });

  it("sizes parts: a stream's for the largest import it may be, a known size's for what it needs, a requested size at least", async () => {
    expect(partSizeFor(undefined)).to.equal(8 * MiB);
    expect(partSizeFor(undefined, 6 * MiB)).to.equal(6 * MiB);
    expect(partSizeFor(10 * MiB)).to.equal(8 * MiB);
    expect(partSizeFor(100 * 1024 ** 3)).to.equal(11 * MiB);
    expect(partSizeFor(80_000 * MiB)).to.equal(8 * MiB);
    expect(partSizeFor(80_000 * MiB + 1)).to.equal(9 * MiB);
    expect(partSizeFor(100 * 1024 ** 3, 20 * MiB)).to.equal(20 * MiB);
    // A stream's parts are sized for 100 GiB (11 MiB): a 10 MiB stream is one PutObject.
    const { ctx, s3 } = context();
    await uploadValidated(ctx, "personalize/s.csv", Readable.from([Buffer.from(csv(430_000))]), schema);
    expect(Buffer.byteLength(csv(430_000)))
      .to.be.above(10 * MiB)
      .and.below(11 * MiB);
    expect(s3.names()).to.deep.equal(["PutObject"]);
    // The same bytes from a file, whose size is known: parts for what it needs (8 MiB), so two of them.
    const fromFile = context();
    await uploadValidated(fromFile.ctx, "personalize/f.csv", { path: file("sized.csv", csv(430_000)) }, schema);
    expect(fromFile.s3.names().filter((n) => n === "UploadPart")).to.have.length(2);
  });

  it("keeps DEFAULT_UPLOAD_CONCURRENCY (10) parts in flight unless told otherwise", async () => {
    expect(DEFAULT_UPLOAD_CONCURRENCY).to.equal(10);
    // 11 parts of 5 MiB, from a file (the cheapest source to read twice).
    const path = file("q.csv", csv(2_300_000));
    const text = csv(2_300_000);
    for (const [queueSize, expected] of [
      [undefined, 10],
      [3, 3],
    ] as const) {
      const { ctx, s3 } = context();
      const held: (() => void)[] = [];
      s3.before = (name) => (name === "UploadPart" ? new Promise<void>((r) => held.push(r)) : undefined);
      const parts = Math.ceil(Buffer.byteLength(text) / (5 * MiB));
      expect(parts).to.be.above(10);
      const uploading = uploadValidated(ctx, "personalize/c.csv", { path }, schema, { partSize: 5 * MiB, ...(queueSize ? { queueSize } : {}) });
      // Each time the queue is full (or holds every part left), let the oldest part go.
      for (let released = 0; released < parts;) {
        await new Promise((r) => setImmediate(r));
        if (held.length >= Math.min(expected, parts - released)) {
          held.shift()?.();
          released++;
        }
      }
      await uploading;
      expect(s3.peakPartsInFlight, `queueSize ${queueSize}`).to.equal(expected);
    }
  });

  it("refuses a key outside the AI prefixes before reading anything", async () => {
    const { ctx, s3 } = context();
    expect(await failure(() => uploadValidated(ctx, "user-uploads/x.csv", csv(10), schema))).to.be.instanceOf(KeyError);
    expect(s3.commands).to.deep.equal([]);
  });

  it("a failed upload is an UploadAbortedError; one that left parts behind says so first", async () => {
    const { ctx, s3 } = context();
    s3.before = () => {
      throw new Error("network down");
    };
    const err = await failure(() => uploadValidated(ctx, "personalize/n.csv", csv(10), schema));
    expect(err).to.be.instanceOf(UploadAbortedError);
    expect((err as Error).message).to.equal("upload of personalize/n.csv was aborted; nothing was left in the bucket (network down)");
    const left = context();
    left.s3.before = (name) => {
      if (name === "UploadPart" || name === "AbortMultipartUpload") throw new Error(`${name} failed`);
    };
    const text = csv(220_000, { 219_000: "u,i,bad,view" });
    expect(await failure(() => uploadValidated(left.ctx, "personalize/l.csv", text, schema, { partSize: 5 * MiB }))).to.be.instanceOf(UploadLeftPartsError);
  });

  it("refuses a file that grows or shrinks while it is read, leaving nothing", async () => {
    const text = csv(220_000);
    const size = Buffer.byteLength(text);
    for (const [what, change, detail] of [
      ["grows", (path: string) => appendFileSync(path, "user-1,item-1,1700000000,view\n"), `it grew past the ${size} bytes it had`],
      ["shrinks", (path: string) => truncateSync(path, size - 100), `it is now shorter than the ${size} bytes it had`],
    ] as const) {
      const path = file(`${what}.csv`, text);
      const { ctx, s3 } = context();
      let changed = false;
      // Once the first region has been read, before the second is.
      s3.before = (name) => {
        if (name === "CreateMultipartUpload" && !changed) {
          changed = true;
          change(path);
        }
      };
      const err = await failure(() => uploadValidated(ctx, "personalize/changing.csv", { path }, schema, { partSize: 5 * MiB }));
      expect(err, what).to.be.instanceOf(UploadAbortedError);
      const cause = (err as { cause?: unknown }).cause;
      expect(cause, what).to.be.instanceOf(SourceChangedError);
      expect((cause as Error).message, what).to.include(`(${detail})`);
      expect(s3.objects.size + s3.uploads.size, what).to.equal(0);
    }
  });
});

describe("chunkReader", () => {
  it("copies chunks into the buffers it is given, skips empty ones, and knows the end with the last bytes", async () => {
    async function* chunks() {
      yield Buffer.from("abc");
      yield Buffer.alloc(0);
      yield Buffer.from("defgh");
    }
    const reader = chunkReader(chunks());
    const buffer = Buffer.alloc(4);
    const reads: [string, boolean][] = [];
    for (let n = await reader.read(buffer); n > 0; n = await reader.read(buffer)) reads.push([buffer.toString("utf8", 0, n), reader.ended()]);
    expect(reads).to.deep.equal([
      ["abc", false],
      ["defg", false],
      ["h", true],
    ]);
    expect(await reader.read(buffer)).to.equal(0);
    const none = chunkReader((async function* () {})());
    expect(none.ended()).to.equal(false);
    expect(await none.read(buffer)).to.equal(0);
    expect(none.ended()).to.equal(true);
  });
});

describe("importDataset (in-memory S3, fake Personalize)", () => {
  it("validates, uploads, starts the job with the role and waits for it, reporting each phase", async () => {
    const { ctx, s3, personalize, messages } = context();
    personalize.statuses = ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"];
    const data = csv(1200);
    const progress: string[] = [];
    const sleeps: number[] = [];
    const result = await importDataset(ctx, DATASET, data, "personalize/data.csv", {
      sleep: async (ms) => void sleeps.push(ms),
      onProgress: (p) => progress.push(p.phase === "import" ? `import:${p.status}` : `upload:${p.bytes}`),
    });
    expect(result).to.deep.include({ jobArn: JOB, status: "ACTIVE", key: "personalize/data.csv", uri: `s3://${BUCKET}/personalize/data.csv` });
    expect(result.report).to.include({ valid: true, rows: 1200 });
    expect(result.elapsedMs).to.be.a("number");
    expect(s3.objects.get("personalize/data.csv")?.toString()).to.equal(data);
    expect(personalize.names()).to.deep.equal([
      "DescribeDataset",
      "CreateDatasetImportJob",
      "DescribeDatasetImportJob",
      "DescribeDatasetImportJob",
      "DescribeDatasetImportJob",
    ]);
    const create = personalize.calls[1]?.input;
    expect(create).to.deep.include({
      datasetArn: DATASET,
      dataSource: { dataLocation: `s3://${BUCKET}/personalize/data.csv` },
      roleArn: ROLE,
      importMode: "FULL",
    });
    expect(String(create?.["jobName"])).to.match(/^roadmapx-interactions-\d+$/);
    expect(personalize.calls[2]?.input).to.deep.equal({ datasetImportJobArn: JOB });
    expect(progress).to.deep.equal([`upload:${Buffer.byteLength(data)}`, "import:CREATE PENDING", "import:CREATE IN_PROGRESS", "import:ACTIVE"]);
    // Polls every 10 s at first, 1.5x longer each time.
    expect(sleeps).to.deep.equal([10_000, 15_000]);
    expect(messages).to.include("warn: cost: Personalize bills data ingestion per GB imported.");
    expect(messages.some((m) => /^info: import roadmapx-interactions-\d+ is ACTIVE after \d+s$/.test(m))).to.equal(true);
    expect(messages.filter((m) => m.startsWith("warn: training readiness"))).to.deep.equal([]);
  });

  it("says what stands between the data and training, and takes a job name of this project", async () => {
    const { ctx, personalize, messages } = context();
    await importDataset(ctx, DATASET, csv(10), "personalize/d.csv", { sleep: noSleep, jobName: "roadmapx-first" });
    expect(personalize.calls[1]?.input["jobName"]).to.equal("roadmapx-first");
    expect(messages).to.include("warn: training readiness: only 10 interactions: Personalize needs at least 1000 to train a solution");
    const err = await failure(() => importDataset(context().ctx, DATASET, csv(10), "personalize/d.csv", { sleep: noSleep, jobName: "someone-elses" }));
    expect(err).to.be.instanceOf(ImportConfigError);
    expect((err as Error).message).to.match(/^jobName "someone-elses" must start with "roadmapx-"/);
  });

  it("does not wait when told not to", async () => {
    const { ctx, personalize } = context();
    const result = await importDataset(ctx, DATASET, csv(10), "personalize/d.csv", { wait: false });
    expect(result).to.include({ jobArn: JOB, status: "CREATE PENDING", key: "personalize/d.csv" });
    expect(personalize.names()).to.deep.equal(["DescribeDataset", "CreateDatasetImportJob"]);
  });

  it("puts the data under a dated key of personalize/datasets/TYPE/ unless given one", async () => {
    const { ctx, s3 } = context();
    const result = await importDataset(ctx, DATASET, csv(10), undefined, { sleep: noSleep });
    expect(result.key).to.match(/^personalize\/datasets\/interactions\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.csv$/);
    expect([...s3.objects.keys()]).to.deep.equal([result.key]);
    const err = await failure(() => importDataset(context().ctx, DATASET, csv(10), "models/x.csv", { sleep: noSleep }));
    expect(err).to.be.instanceOf(ImportConfigError);
    expect((err as Error).message).to.equal('import data goes under personalize/ (got "models/x.csv")');
  });

  it("refuses a bad mode, a malformed or foreign dataset ARN, a type it cannot tell or that does not match, and a missing role, sending nothing", async () => {
    const cases: [string, Parameters<typeof importDataset>[4], string | RegExp, NodeJS.ProcessEnv?][] = [
      [DATASET, { mode: "PARTIAL" as never }, "mode must be FULL or INCREMENTAL (got PARTIAL)"],
      ["arn:aws:s3:::bucket", {}, /^"arn:aws:s3:::bucket" is not a dataset ARN: expected arn:aws:personalize:REGION:ACCOUNT:dataset\/GROUP\/TYPE/],
      [`${DATASET}/extra`, {}, /is not a dataset ARN/],
      [`x${DATASET}`, {}, /is not a dataset ARN/],
      [
        "arn:aws:personalize:us-east-1:123456789012:dataset/other/INTERACTIONS",
        {},
        /^the dataset .* names dataset "other", whose name must start with "roadmapx-"/,
      ],
      [
        "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/ACTIONS",
        {},
        /^cannot tell the dataset type from ".*ACTIONS": pass options.datasetType/,
      ],
      [DATASET, { datasetType: "items" }, `${DATASET} is a dataset of interactions, but the data is items: import it into the items dataset`],
      [DATASET, { schema: builtinSchema("users") }, /is a dataset of interactions, but the data is users/],
      [DATASET, {}, "no Personalize role: set PERSONALIZE_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)", { S3_BUCKET_NAME: BUCKET }],
    ];
    for (const [arn, options, message, env] of cases) {
      const { ctx, s3, personalize } = context(undefined, undefined, env);
      const err = await failure(() => importDataset(ctx, arn, csv(10), "personalize/x.csv", { sleep: noSleep, ...options }));
      expect(err, String(message)).to.be.instanceOf(ImportConfigError);
      if (typeof message === "string") expect((err as Error).message).to.equal(message);
      else expect((err as Error).message).to.match(message);
      expect(s3.commands.length + personalize.calls.length, String(message)).to.equal(0);
    }
    // An ACTIONS dataset with its type given is accepted as far as the type goes.
    const { ctx } = context();
    const actions = "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/ITEMS";
    await importDataset(ctx, actions, "ITEM_ID\ni1\n", "personalize/i.csv", { sleep: noSleep });
  });

  it("reads the dataset type from the ARN", () => {
    const arn = (type: string) => `arn:aws:personalize:us-east-1:123456789012:dataset/g/${type}`;
    expect(datasetTypeOf(arn("INTERACTIONS"))).to.equal("interactions");
    expect(datasetTypeOf(arn("ITEMS"))).to.equal("items");
    expect(datasetTypeOf(arn("USERS"))).to.equal("users");
    expect(datasetTypeOf(arn("ACTIONS"))).to.equal(undefined);
    expect(datasetTypeOf(arn("ACTION_INTERACTIONS"))).to.equal(undefined);
    expect(datasetTypeOf("arn:aws-cn:personalize:cn-north-1:123456789012:dataset/g/USERS")).to.equal("users");
    expect(datasetTypeOf("nonsense")).to.equal(undefined);
  });

  it("a dataset that does not exist is found out before anything is uploaded; an endpoint without DescribeDataset is said once", async () => {
    const missing = context();
    missing.personalize.describeDataset = () => {
      throw awsError("ResourceNotFoundException", "Dataset not found");
    };
    const err = await failure(() => importDataset(missing.ctx, DATASET, csv(10), "personalize/x.csv", { sleep: noSleep }));
    expect((err as Error).message).to.equal(
      `dataset ${DATASET} does not exist (DescribeDataset): create it first, e.g. with \`roadmapx-ai personalize setup\``,
    );
    expect(missing.s3.commands).to.deep.equal([]);
    const denied = context();
    denied.personalize.describeDataset = () => {
      throw awsError("AccessDeniedException", "no", 400);
    };
    expect(await failure(() => importDataset(denied.ctx, DATASET, csv(10), "personalize/x.csv", { sleep: noSleep }))).to.have.property(
      "name",
      "AccessDeniedException",
    );
    const emulator = context();
    emulator.personalize.describeDataset = () => {
      throw Object.assign(new Error("Unexpected token '<'"), { name: "SyntaxError", $response: { statusCode: 500 } });
    };
    await importDataset(emulator.ctx, DATASET, csv(10), "personalize/a.csv", { sleep: noSleep });
    await importDataset(emulator.ctx, DATASET, csv(10), "personalize/b.csv", { sleep: noSleep });
    expect(
      emulator.messages.filter((m) => m === "warn: this endpoint does not implement DescribeDataset: the dataset's existence is not checked before the upload"),
    ).to.have.length(1);
    expect([...emulator.s3.objects.keys()]).to.deep.equal(["personalize/a.csv", "personalize/b.csv"]);
  });

  it("INCREMENTAL needs an earlier import that is ACTIVE, checked before anything is uploaded, and has the smaller limit", async () => {
    const none = context();
    none.personalize.listJobs = () => ({ datasetImportJobs: [{ status: "CREATE FAILED" }] });
    const err = await failure(() => importDataset(none.ctx, DATASET, csv(10), "personalize/x.csv", { mode: "INCREMENTAL", sleep: noSleep }));
    expect((err as Error).message).to.equal(`the first import into ${DATASET} must be FULL: no earlier import job is ACTIVE`);
    expect(none.s3.commands).to.deep.equal([]);
    expect(none.personalize.calls[1]?.input).to.deep.equal({ datasetArn: DATASET, maxResults: 100 });
    const empty = context();
    empty.personalize.listJobs = () => ({});
    expect(await failure(() => importDataset(empty.ctx, DATASET, csv(10), "personalize/x.csv", { mode: "INCREMENTAL", sleep: noSleep }))).to.be.instanceOf(
      ImportConfigError,
    );
    const ok = context();
    await importDataset(ok.ctx, DATASET, csv(10), "personalize/x.csv", { mode: "INCREMENTAL", sleep: noSleep });
    expect(ok.personalize.calls.find((c) => c.name === "CreateDatasetImportJob")?.input["importMode"]).to.equal("INCREMENTAL");
    // 1 GiB: a sparse file one byte over is refused.
    const path = file("incremental.csv", "");
    truncateSync(path, 1024 ** 3 + 1);
    try {
      const big = context();
      const err2 = await failure(() => importDataset(big.ctx, DATASET, { path }, "personalize/x.csv", { mode: "INCREMENTAL", sleep: noSleep }));
      expect((err2 as Error).message).to.match(/^the file is larger than the import limit of 1 GiB/);
    } finally {
      rmSync(path);
    }
  });

  it("passes the part size and upload concurrency on", async () => {
    const { ctx, s3 } = context();
    const text = csv(300_000);
    await importDataset(ctx, DATASET, { path: file("parts.csv", text) }, "personalize/p.csv", { sleep: noSleep, partSize: 6 * MiB, uploadConcurrency: 1 });
    expect(s3.commands.filter((c) => c.name === "UploadPart").map((c) => c.input["ContentLength"])[0]).to.equal(6 * MiB);
    expect(s3.peakPartsInFlight).to.equal(1);
  });

  it("retries the AccessDenied of a freshly created role with a doubling pause up to 15 s, then gives up with AWS's error", async () => {
    const bounded = context();
    let attempts = 0;
    bounded.personalize.create = (n) => {
      attempts = n;
      if (n <= 6) throw awsError("InvalidInputException", "Insufficient privileges for accessing data in S3 (role)");
      return { datasetImportJobArn: JOB };
    };
    const waits: number[] = [];
    const result = await importDataset(bounded.ctx, DATASET, csv(10), "personalize/x.csv", { sleep: async (ms) => void waits.push(ms) });
    expect(result.jobArn).to.equal(JOB);
    expect(attempts).to.equal(7);
    expect(waits.slice(0, 6)).to.deep.equal([2000, 4000, 8000, 15_000, 15_000, 15_000]);
    expect(bounded.messages.filter((m) => m.startsWith(`info: Personalize cannot use ${ROLE} yet (Insufficient privileges`))).to.have.length(6);
  });

  it("gives up at once on an error that is not a fresh role's, or when the retry time is spent", async () => {
    for (const [error, retryMs] of [
      [awsError("InvalidInputException", "the CSV header is wrong"), 90_000],
      [awsError("LimitExceededException", "too many jobs"), 90_000],
      [awsError("AccessDeniedException", "not yet"), 0],
    ] as const) {
      const { ctx, personalize } = context();
      personalize.create = () => {
        throw error;
      };
      const err = await failure(() => importDataset(ctx, DATASET, csv(10), "personalize/x.csv", { accessDeniedRetryMs: retryMs, sleep: noSleep }));
      expect(err, error.message).to.be.instanceOf(ImportStartError);
      expect((err as Error).message).to.equal(`the data is at s3://${BUCKET}/personalize/x.csv, but starting the import job failed`);
      expect((err as { cause?: unknown }).cause).to.equal(error);
      expect(
        personalize.calls.filter((c) => c.name === "CreateDatasetImportJob"),
        error.message,
      ).to.have.length(1);
    }
    // A job that starts without an ARN is an error too.
    const { ctx, personalize } = context();
    personalize.create = () => ({});
    expect(await failure(() => importDataset(ctx, DATASET, csv(10), "personalize/x.csv", { sleep: noSleep }))).to.have.property(
      "message",
      "CreateDatasetImportJob returned no ARN",
    );
  });

  it("surfaces the job's failureReason and where the data is, and times out with the job going on", async () => {
    const failed = context();
    failed.personalize.statuses = ["CREATE PENDING", "CREATE FAILED"];
    const err = await failure(() => importDataset(failed.ctx, DATASET, csv(10), "personalize/x.csv", { sleep: noSleep }));
    expect(err).to.be.instanceOf(ImportJobFailedError);
    expect((err as Error).message).to.equal(
      `dataset import job ${JOB} failed: Input CSV is missing TIMESTAMP (the data stays at s3://${BUCKET}/personalize/x.csv)`,
    );
    const slow = context();
    slow.personalize.statuses = ["CREATE IN_PROGRESS"];
    let t = 0;
    const timeout = await failure(() =>
      importDataset(slow.ctx, DATASET, csv(10), "personalize/x.csv", {
        timeoutMs: 60_000,
        pollIntervalMs: 1000,
        maxPollIntervalMs: 2000,
        now: () => t,
        sleep: async (ms) => {
          t += ms;
        },
      }),
    );
    expect(timeout).to.be.instanceOf(WaitTimeoutError);
    expect((timeout as Error).message).to.match(new RegExp(`^dataset import job ${JOB} is still CREATE IN_PROGRESS after \\d+s`));
    // Polled every 1 s, then 1.5 s, then 2 s (the cap) until a minute was up.
    const polls = slow.personalize.calls.filter((c) => c.name === "DescribeDatasetImportJob").length;
    expect(polls).to.equal(31);
  });

  it("polls through throttling and 5xx, and waits 4 hours by default", async () => {
    const { ctx, personalize } = context();
    personalize.statuses = [awsError("ThrottlingException"), awsError("InternalServerError", "boom", 500), "ACTIVE"];
    const result = await importDataset(ctx, DATASET, csv(10), "personalize/x.csv", { sleep: noSleep });
    expect(result.status).to.equal("ACTIVE");
    const waiting = context();
    waiting.personalize.statuses = ["CREATE IN_PROGRESS"];
    let t = 0;
    const err = await failure(() => importDataset(waiting.ctx, DATASET, csv(10), "personalize/x.csv", { now: () => t, sleep: async (ms) => void (t += ms) }));
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect((err as WaitTimeoutError).elapsedMs)
      .to.be.above(4 * 3600_000 - 60_000)
      .and.at.most(4 * 3600_000);
  });
});
