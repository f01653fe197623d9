/**
 * ComprehendService's analysis-job path end to end: the emulator's S3 and IAM, and the Comprehend
 * jobs stand-in (local/comprehend-jobs-stand-in) answering the job calls on a ManualClock that the
 * waits advance, so no test waits on the wall clock.
 */
import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { type ComprehendJobsStandIn, ManualClock, startComprehendJobsStandIn } from "../../local/comprehend-jobs-stand-in";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import type { AwsClientOptions } from "../../services/aws/clients";
import {
  AnalysisJobFailedError,
  AnalysisWaitTimeoutError,
  type AnalyzedDocument,
  ComprehendInputError,
  ComprehendService,
  emptyStats,
  OversizeDocumentError,
} from "../../services/comprehend";
import type { ServiceContext } from "../../services/context";
import { AiStorage } from "../../services/storage";
import { TestClients, useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const ROLE_NAME = "roadmapx-ai-dev-comprehend";
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE_NAME}`;

/** The emulator for everything, but Comprehend through the stand-in (which forwards the rest of Comprehend to the emulator). */
class JobClients extends TestClients {
  constructor(
    options: AwsClientOptions,
    private readonly comprehendEndpoint: string,
  ) {
    super(options);
  }
  override get comprehend(): ComprehendClient {
    return this.shared("comprehend", () => new ComprehendClient({ ...this.common(), endpoint: this.comprehendEndpoint }));
  }
}

interface Doc {
  id: string;
  text: string;
}

const email = (i: number) => `user${i}@example.com`;
/** Positive or negative by turns, a line break inside, an e-mail address after it. */
const docText = (i: number) => `Review ${i}: the product is ${i % 2 ? "awful" : "great"}.\r\nShipped from Paris, write to ${email(i)} today`;

function* docs(n: number, text: (i: number) => string = docText): Generator<Doc> {
  for (let i = 0; i < n; i++) yield { id: `doc-${i}`, text: text(i) };
}

async function collect<T>(items: AsyncIterable<AnalyzedDocument<T>>): Promise<AnalyzedDocument<T>[]> {
  const out: AnalyzedDocument<T>[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe("Comprehend analysis jobs (emulator + the jobs stand-in)", function () {
  this.timeout(180_000);
  const ctx = useEmulator();
  const clock = new ManualClock();
  let standIn: ComprehendJobsStandIn;
  let clients: JobClients;
  let logs: string[];
  let service: ComprehendService;
  /** The waits sleep on the stand-in's clock: each poll moves the jobs on. */
  const waits = { sleep: clock.sleep, now: clock.now, pollIntervalMs: 1000, maxPollIntervalMs: 1000 };

  const context = (config: { comprehendRoleArn?: string } = { comprehendRoleArn: ROLE_ARN }): ServiceContext => ({
    config: resolveRuntimeConfig(config, { S3_BUCKET_NAME: BUCKET }),
    clients,
    storage: new AiStorage(clients, BUCKET),
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(`warn: ${m}`) },
  });

  async function keys(prefix = "comprehend/"): Promise<string[]> {
    const r = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (r.Contents ?? []).map((o) => o.Key ?? "").sort();
  }

  before(async () => {
    standIn = await startComprehendJobsStandIn({
      region: "us-east-1",
      upstream: ctx.emulator.endpoint,
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
      now: clock.now,
    });
  });
  after(async () => {
    await standIn.stop();
  });
  beforeEach(async () => {
    standIn.reset();
    logs = [];
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await ctx.clients.iam.send(
      new CreateRoleCommand({ RoleName: ROLE_NAME, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }),
    );
    clients = new JobClients({ region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 }, standIn.endpoint);
    service = new ComprehendService(context());
  });
  afterEach(() => clients.destroy());

  it("20,000 documents in 4 parts x 3 operations come back complete, in input order, with their ids and offsets into the original text", async () => {
    const out = await collect(
      service.analyzeAsync(() => docs(20_000), { operations: ["sentiment", "entities", "pii"], limits: { maxLinesPerJob: 6_000 }, ...waits }),
    );
    expect(out).to.have.length(20_000);
    const jobs = standIn.jobs();
    expect(jobs).to.have.length(12);
    expect(jobs.every((j) => j.status === "COMPLETED" && j.dataAccessRoleArn === ROLE_ARN)).to.equal(true);
    expect(new Set(jobs.map((j) => j.inputS3Uri)).size).to.equal(4);
    out.forEach((doc, i) => {
      expect(doc.index).to.equal(i);
      expect(doc.input.id).to.equal(`doc-${i}`);
      expect(doc.errors, doc.input.id).to.deep.equal({});
      expect(doc.results.sentiment?.sentiment).to.equal(i % 2 ? "NEGATIVE" : "POSITIVE");
      const chars = [...doc.input.text];
      const pii = doc.results.pii ?? [];
      expect(pii.map((p) => [p.type, chars.slice(p.begin, p.end).join("")])).to.deep.include(["EMAIL", email(i)]);
      expect(doc.results.entities?.find((e) => e.text === "Paris")).to.include({ type: "LOCATION", begin: doc.input.text.indexOf("Paris") });
    });
    const cost = logs.find((l) => l.startsWith("warn: cost:"));
    expect(cost).to.match(
      /^warn: cost: 12 Comprehend analysis job\(s\) \(sentiment, entities, pii, each over 4 parts\) for 20000 document\(s\) sent as 20000 line\(s\)/,
    );
    // Each document is under 300 characters: 3 units, the minimum.
    expect(cost).to.match(/about 60000 unit\(s\) of 100 characters per operation \(at least 3 per line\), 180000 in all, about \$18\.00 at the list price/);
    expect(logs.some((l) => /sentiment job \w+ \(part 4 of 4\): COMPLETED after/.test(l))).to.equal(true);
    // The run's objects stay unless cleanup is asked for.
    const left = await keys();
    expect(left.filter((k) => k.startsWith("comprehend/input/"))).to.have.length(5);
    expect(left.filter((k) => k.endsWith("output.tar.gz"))).to.have.length(8);
    expect(left.filter((k) => k.endsWith("documents.txt.out"))).to.have.length(4);
  });

  it("reads a source it can read only once from its own copy, and cleanup removes exactly the run's objects", async () => {
    await ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "comprehend/input/someone-else/keep.txt", Body: "not ours" }));
    await ctx.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "comprehend/output/someone-else/keep.json", Body: "{}" }));
    const out = await collect(service.analyzeAsync(docs(300), { operations: ["key-phrases"], cleanup: true, ...waits }));
    expect(out.map((d) => d.input.id)).to.deep.equal([...docs(300)].map((d) => d.id));
    expect(out[0]?.results["key-phrases"]?.map((k) => k.text)).to.include("Paris");
    expect(await keys()).to.deep.equal(["comprehend/input/someone-else/keep.txt", "comprehend/output/someone-else/keep.json"]);
    expect(logs.find((l) => l.includes("removed its"))).to.match(
      /^comprehend: run roadmapx-[\w-]+: removed its 3 object\(s\) under s3:\/\/roadmapx-files\/comprehend\/input\/roadmapx-/,
    );
  });

  it("a job that fails reports the service's message", async () => {
    standIn.failNext("NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.", { operation: "entities" });
    let error: unknown;
    try {
      await collect(service.analyzeAsync(() => docs(100), { operations: ["sentiment", "entities"], ...waits }));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(AnalysisJobFailedError);
    const failed = standIn.jobs().find((j) => j.operation === "entities");
    // The stand-in ends both jobs at the same moment: the sentiment one is done, nothing to stop
    // (stopping a job still running: comprehend-jobs.unit.test.ts).
    expect((error as Error).message).to.equal(
      `Comprehend entities job ${failed?.jobArn} ended in FAILED: NO_READ_ACCESS_TO_INPUT: The provided data access role does not have proper access to the input data.`,
    );
    expect(
      standIn
        .jobs()
        .map((j) => [j.operation, j.status])
        .sort(),
    ).to.deep.equal([
      ["entities", "FAILED"],
      ["sentiment", "COMPLETED"],
    ]);
  });

  it("per-document errors in the output surface on their documents, with the others analysed", async () => {
    const text = (i: number) => (i % 7 === 3 ? `Document ${i} [[stand-in:error]] fails on request` : docText(i));
    const out = await collect(service.analyzeAsync(() => docs(50, text), { operations: ["sentiment", "key-phrases"], ...waits }));
    expect(out).to.have.length(50);
    for (const doc of out) {
      if (doc.index % 7 === 3) {
        expect(doc.errors.sentiment?.code, doc.input.id).to.equal("InternalServerException");
        expect(doc.errors["key-phrases"]?.message).to.match(/failed this document on request/);
        expect(doc.results).to.deep.equal({});
      } else {
        expect(doc.errors, doc.input.id).to.deep.equal({});
        expect(doc.results.sentiment).to.have.property("sentiment");
      }
    }
  });

  it("oversize documents are refused before anything is uploaded, or split, or rejected on their own", async () => {
    const big = (i: number) => (i === 7 ? `${"A long review that goes on. ".repeat(200)}Shipped from Paris.` : docText(i));
    let error: unknown;
    try {
      await collect(service.analyzeAsync(() => docs(20, big), { operations: ["sentiment", "entities"], ...waits }));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(OversizeDocumentError);
    expect((error as Error).message).to.match(
      /^oversize: document 8 is 5619 UTF-8 bytes, over the 5120-byte per-document limit of StartSentimentDetectionJob; nothing was uploaded/,
    );
    expect(await keys()).to.deep.equal([]);
    expect(standIn.jobs()).to.deep.equal([]);

    const split = await collect(service.analyzeAsync(() => docs(20, big), { operations: ["sentiment", "entities"], oversize: "split", ...waits }));
    expect(split[7]?.errors).to.deep.equal({});
    expect(split[7]?.results.entities?.at(-1)).to.include({ text: "Paris", type: "LOCATION", begin: big(7).indexOf("Paris") });
    const rejected = await collect(service.analyzeAsync(() => docs(20, big), { operations: ["sentiment"], oversize: "reject", ...waits }));
    expect(rejected[7]?.errors.sentiment?.code).to.equal("TextSizeLimitExceededException");
    expect(rejected[8]?.results.sentiment?.sentiment).to.equal("POSITIVE");
  });

  it("a wait that times out names the job ARNs and the resume command, leaves the jobs running, and resuming reads the results", async () => {
    let error: unknown;
    try {
      await collect(service.analyzeAsync(() => docs(40), { operations: ["sentiment"], ...waits, waitTimeoutMs: 2000 }));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(AnalysisWaitTimeoutError);
    const [job] = standIn.jobs();
    expect(job?.status).to.equal("IN_PROGRESS");
    const message = (error as Error).message;
    expect(message).to.include(`${job?.jobArn} (IN_PROGRESS)`);
    expect(message).to.include("They go on in AWS (nothing was stopped)");
    expect(message).to.include(`roadmapx-ai comprehend results --jobs ${job?.jobArn} --file <the same input>`);

    const resumed = await collect(service.resumeAnalysis([job?.jobArn ?? ""], () => docs(40), waits));
    expect(resumed.map((d) => d.input.id)).to.deep.equal([...docs(40)].map((d) => d.id));
    expect(resumed[1]?.results.sentiment?.sentiment).to.equal("NEGATIVE");
  });

  it("analyzeMany in mode auto switches to jobs above the threshold and says so, and stays synchronous below it or without a role", async () => {
    const stats = emptyStats();
    const above = await collect(service.analyzeMany(docs(60), { operations: ["sentiment"], asyncThreshold: 50, stats, async: waits }));
    expect(above.map((d) => d.input.id)).to.deep.equal([...docs(60)].map((d) => d.id));
    expect(logs).to.include(
      'comprehend: more than 50 documents: analysing them with Comprehend analysis jobs (mode "auto"; mode "sync" keeps the Batch* calls)',
    );
    expect(standIn.jobs()).to.have.length(1);
    expect(stats.documents).to.equal(60);

    // 50 documents: the Batch* calls (one call each here: moto has no Batch* APIs).
    const below = await collect(service.analyzeMany(docs(50), { operations: ["sentiment"], asyncThreshold: 50, batch: false, tps: 1e9 }));
    expect(below).to.have.length(50);
    expect(standIn.jobs()).to.have.length(1);
    expect(standIn.callCount("DetectSentiment")).to.equal(50);

    const noRole = new ComprehendService(context({}));
    await collect(noRole.analyzeMany(docs(60), { operations: ["sentiment"], asyncThreshold: 50, batch: false, tps: 1e9 }));
    await collect(noRole.analyzeMany(docs(2), { operations: ["sentiment"], asyncThreshold: 50, batch: false, tps: 1e9 }));
    expect(standIn.jobs()).to.have.length(1);
    expect(logs.filter((l) => l.startsWith('comprehend: mode "auto" stays with the Batch* calls'))).to.deep.equal([
      'comprehend: mode "auto" stays with the Batch* calls whatever the size: no Comprehend role is configured (COMPREHEND_ROLE_ARN, or the stack outputs\' comprehendRoleArn), and analysis jobs need one',
    ]);
  });

  it("refuses bad input before anything is uploaded: empty input, a language the job type does not support, no role", async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => collect(service.analyzeAsync(() => docs(0), { operations: ["sentiment"] })), /^source: the input has no documents/],
      [
        () => collect(service.analyzeAsync([{ id: "a", text: "  " }], { operations: ["sentiment"] })),
        /^source: none of the 1 document\(s\) can be sent \(document 1: EmptyDocument/,
      ],
      [
        () => collect(service.analyzeAsync(() => docs(5), { operations: ["pii"], language: "de" })),
        /^language: StartPiiEntitiesDetectionJob does not support "de" \(supported: en, es\)/,
      ],
      [
        () => collect(service.analyzeAsync(() => docs(5), { operations: ["sentiment"], language: "auto" })),
        /^language: "auto" detects each document's language/,
      ],
      [
        () => collect(new ComprehendService(context({})).analyzeAsync(() => docs(5), { operations: ["sentiment"] })),
        /^COMPREHEND_ROLE_ARN: analysis jobs need the Comprehend data-access role, and none is configured/,
      ],
    ];
    for (const [run, message] of cases) {
      let error: unknown;
      try {
        await run();
      } catch (err) {
        error = err;
      }
      expect(error, String(message)).to.be.instanceOf(ComprehendInputError);
      expect((error as Error).message).to.match(message);
    }
    expect(await keys()).to.deep.equal([]);
    expect(standIn.jobs()).to.deep.equal([]);
  });
});
