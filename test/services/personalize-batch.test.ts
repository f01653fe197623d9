/**
 * PersonalizeService's batch jobs end to end: S3 on the emulator, Personalize the local stand-in,
 * the services' waits on the test's clock (the stand-in's clock too). Records go up as JSON lines
 * under personalize/batch/<job>/input/, the job runs, and its `.out` comes back in input order with
 * what GetRecommendations answers; bad input never reaches the bucket; failures, time-outs and the
 * resume after one, and cleanup.
 */
import { ListObjectsV2Command, CreateBucketCommand } from "@aws-sdk/client-s3";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import type { ServiceContext } from "../../services/context";
import {
  BatchInputError,
  BatchJobFailedError,
  type BatchRecommendation,
  BatchWaitTimeoutError,
  PersonalizeService,
  builtinSchema,
} from "../../services/personalize";
import { interactionsCsv } from "../helpers/csv-rows";
import { AiStorage } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";
import { StandInClients } from "../helpers/personalize-stand-in";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const HOUR = 3600_000;

describe("PersonalizeService batch jobs against the local Personalize stand-in (S3 on the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  let clock: ManualClock;
  let standIn: PersonalizeStandIn;
  let clients: StandInClients;
  let log: string[];
  let service: PersonalizeService;

  beforeEach(async () => {
    clock = new ManualClock();
    standIn = await startPersonalizeStandIn({
      now: clock.now,
      // A batch job takes an hour here, as on AWS (the waits sleep on the test's clock).
      durationsByKind: { batchInferenceJob: { pendingMs: 60_000, inProgressMs: HOUR }, batchSegmentJob: { pendingMs: 60_000, inProgressMs: HOUR } },
      s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS },
    });
    clients = new StandInClients(standIn.endpoint, { region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    log = [];
    const context: ServiceContext = {
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
      clients,
      storage: new AiStorage(clients, BUCKET),
      logger: { info: (m) => log.push(`info ${m}`), warn: (m) => log.push(`warn ${m}`) },
    };
    service = new PersonalizeService(context, { intervalMs: 1000, maxIntervalMs: 5000, sleep: clock.sleep, now: clock.now });
  });
  afterEach(async () => {
    clients.destroy();
    await standIn.stop();
  });

  const waits = () => ({ sleep: clock.sleep, now: clock.now });

  /** Interactions imported (user-u had item-u, item-(u+50), ...), and an ACTIVE version of a solution of `recipe`. */
  async function trained(recipe = "aws-user-personalization-v2", name = "roadmapx-recs"): Promise<{ versionArn: string; groupArn: string }> {
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = await service.ensureDatasetGroup("roadmapx-demo");
    const dataset = await service.ensureDataset(group.arn, "interactions", schema.arn, "roadmapx-interactions");
    if (!standIn.datasetRecords(dataset.arn)?.imported) {
      await service.importDataset(dataset.arn, interactionsCsv(1200), "personalize/interactions.csv", { ...waits(), pollIntervalMs: 1000 });
    }
    const solution = await service.ensureSolution({ name, datasetGroupArn: group.arn, recipeArn: `arn:aws:personalize:::recipe/${recipe}` });
    return { versionArn: (await service.train(solution.arn)).arn, groupArn: group.arn };
  }

  const keysUnder = async (prefix: string) =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  async function collect<R>(results: AsyncIterable<R>): Promise<R[]> {
    const all: R[] = [];
    for await (const r of results) all.push(r);
    return all;
  }

  it("batchRecommend: records streamed up, cost said first, statuses as they change, results in input order with what GetRecommendations answers", async () => {
    const { versionArn } = await trained();
    async function* users() {
      for (let i = 0; i < 1000; i++) yield { userId: `user-${(i * 7) % 50}` };
    }
    const statuses: string[] = [];
    const run = await service.batchRecommend({
      solutionVersionArn: versionArn,
      input: users(),
      numResults: 7,
      name: "roadmapx-emails",
      onStatus: (s) => statuses.push(`${s.status}@${s.elapsedMs / 1000}s`),
      ...waits(),
    });
    expect(run).to.deep.include({
      kind: "inference",
      jobArn: "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/roadmapx-emails",
      jobName: "roadmapx-emails",
      status: "ACTIVE",
      inputUri: `s3://${BUCKET}/personalize/batch/roadmapx-emails/input/input.jsonl`,
      outputUri: `s3://${BUCKET}/personalize/batch/roadmapx-emails/output/`,
      records: 1000,
    });
    expect(statuses[0]).to.equal("PENDING@0s");
    expect(statuses.map((s) => s.split("@")[0])).to.deep.equal(["PENDING", "IN PROGRESS", "ACTIVE"]);
    const warned = log.findIndex((m) =>
      m.startsWith(
        "warn cost: batch inference job roadmapx-emails is billed by Amazon Personalize for the recommendations it generates: 1000 input record(s) x 7",
      ),
    );
    expect(warned).to.be.greaterThan(-1);
    expect(warned).to.be.lessThan(log.findIndex((m) => m.startsWith("info personalize: started batch inference job")));
    // Each status change is told with the time waited so far (the stand-in's job is PENDING for its first minute).
    expect(log.filter((m) => m.startsWith(`info personalize: batch inference job ${run.jobArn}: `)).map((m) => m.split(": ").slice(-1)[0])).to.satisfy(
      (told: string[]) =>
        told.length === 3 && told[0] === "PENDING after 0s" && /^IN PROGRESS after 1m\d\ds$/.test(told[1] ?? "") && /^ACTIVE after 1h0\dm$/.test(told[2] ?? ""),
    );
    expect(await keysUnder("personalize/batch/roadmapx-emails/")).to.deep.equal([
      "personalize/batch/roadmapx-emails/input/input.jsonl",
      "personalize/batch/roadmapx-emails/output/input.jsonl.out",
    ]);

    const results = await collect(run.results());
    expect(results).to.have.length(1000);
    expect(results.map((r) => r.line)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(results.map((r) => (r.input as { userId: string }).userId)).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `user-${(i * 7) % 50}`));
    const campaign = await service.ensureCampaign({
      name: "roadmapx-live",
      solutionArn: versionArn.slice(0, versionArn.lastIndexOf("/")),
      solutionVersionArn: versionArn,
      minProvisionedTPS: 1,
    });
    for (const r of results.slice(0, 3)) {
      const live = await service.getRecommendations({ campaignArn: campaign.arn, userId: (r.input as { userId: string }).userId, numResults: 7 });
      expect(r).to.deep.include({ recommendedItems: live.map((i) => i.itemId), scores: live.map((i) => i.score), error: null });
    }
    // Read again: the output stays until a cleanup.
    expect((await collect(run.results())).length).to.equal(1000);
  });

  it("from a JSON-lines file, with cleanup: the job's input and output are gone once the results are read", async () => {
    const { versionArn } = await trained();
    const dir = mkdtempSync(join(tmpdir(), "batch-"));
    writeFileSync(join(dir, "users.jsonl"), '{"userId": "user-1"}\n\n{"userId": "user-2", "filterValues": {"GENRES": "\\"drama\\""}}\n');
    const run = await service.batchRecommend({
      solutionVersionArn: versionArn,
      input: { path: join(dir, "users.jsonl") },
      name: "roadmapx-file",
      cleanup: true,
      ...waits(),
    });
    const results: BatchRecommendation[] = await collect(run.results());
    expect(results.map((r) => [r.line, r.input, r.recommendedItems.length, r.error])).to.deep.equal([
      [1, { userId: "user-1" }, 25, null],
      [2, { userId: "user-2", filterValues: { GENRES: '"drama"' } }, 25, null],
    ]);
    expect(await keysUnder("personalize/batch/roadmapx-file/")).to.deep.equal([]);
    expect(log).to.include(`info personalize: removed the 2 input and output object(s) of ${run.jobArn}`);
  });

  it("bad input fails before the job: a malformed line (with its line number), an empty file, the wrong kind for the recipe; the bucket stays empty", async () => {
    const { versionArn } = await trained();
    const dir = mkdtempSync(join(tmpdir(), "batch-"));
    const big = Array.from({ length: 60_000 }, (_, i) => `{"userId": "user-${i % 50}"}`);
    big.push('{"userId": "user-1"');
    writeFileSync(join(dir, "bad.jsonl"), `${big.join("\n")}\n`);
    writeFileSync(join(dir, "empty.jsonl"), "");
    const refusals: string[] = [];
    for (const input of [{ path: join(dir, "bad.jsonl") }, { path: join(dir, "empty.jsonl") }, [{ itemId: "item-1" }]]) {
      try {
        await service.batchRecommend({ solutionVersionArn: versionArn, input, ...waits() });
      } catch (err) {
        expect(err).to.be.instanceOf(BatchInputError);
        refusals.push((err as Error).message);
      }
    }
    expect(refusals[0]).to.match(new RegExp(`^${join(dir, "bad.jsonl")} line 60001: not valid JSON`));
    expect(refusals[1]).to.equal('the input has no records: give one JSON object per line, such as {"userId": "user-1"}');
    expect(refusals[2]).to.equal('record 1: {"itemId"} records, but the solution version\'s recipe aws-user-personalization-v2 takes {"userId"} records');
    expect(await keysUnder("personalize/batch/")).to.deep.equal([]);
    expect(standIn.callCount("CreateBatchInferenceJob")).to.equal(0);
  });

  it("a job Personalize fails ends in BatchJobFailedError with its reason; a wait that runs out names the job, which goes on and can be read later", async () => {
    const { versionArn } = await trained();
    standIn.failNext("batchInferenceJob", "Insufficient privileges for accessing data in S3.");
    let failed: unknown;
    try {
      await service.batchRecommend({ solutionVersionArn: versionArn, input: [{ userId: "user-1" }], name: "roadmapx-fails", ...waits() });
    } catch (err) {
      failed = err;
    }
    expect(failed).to.be.instanceOf(BatchJobFailedError);
    expect((failed as BatchJobFailedError).failureReason).to.equal("Insufficient privileges for accessing data in S3.");
    expect((failed as Error).message).to.include(`(its input stays at s3://${BUCKET}/personalize/batch/roadmapx-fails/input/input.jsonl)`);

    let timedOut: unknown;
    try {
      await service.batchRecommend({
        solutionVersionArn: versionArn,
        input: [{ userId: "user-1" }, { userId: "user-2" }],
        name: "roadmapx-slow",
        waitTimeoutMs: 30 * 60_000,
        ...waits(),
      });
    } catch (err) {
      timedOut = err;
    }
    expect(timedOut).to.be.instanceOf(BatchWaitTimeoutError);
    const jobArn = (timedOut as BatchWaitTimeoutError).jobArn;
    expect(jobArn).to.equal("arn:aws:personalize:us-east-1:123456789012:batch-inference-job/roadmapx-slow");
    expect((timedOut as Error).message).to.match(/is still IN PROGRESS after \d+m\d+s; it goes on in AWS/);
    expect((timedOut as Error).message).to.include(`roadmapx-ai personalize batch-results --job-arn ${jobArn}`);
    // Later: the results of the job that went on.
    const later = await collect(service.readBatchResults(jobArn, waits()));
    expect(later.map((r) => r.input)).to.deep.equal([{ userId: "user-1" }, { userId: "user-2" }]);
    const attached = await service.attachBatchJob(jobArn);
    expect(attached).to.deep.include({
      kind: "inference",
      status: "ACTIVE",
      jobName: "roadmapx-slow",
      outputUri: `s3://${BUCKET}/personalize/batch/roadmapx-slow/output/`,
    });
    let notOurs: unknown;
    try {
      await service.attachBatchJob("arn:aws:personalize:us-east-1:123456789012:batch-inference-job/other-job");
    } catch (err) {
      notOurs = err;
    }
    expect((notOurs as Error).message).to.match(/^jobArn .* names batch-inference-job "other-job", whose name must start with "roadmapx-"/);
  });

  it("without waiting: the run comes back PENDING, and its results() waits for the job", async () => {
    const { versionArn } = await trained();
    const run = await service.batchRecommend({
      solutionVersionArn: versionArn,
      input: [{ userId: "user-3" }],
      name: "roadmapx-nowait",
      wait: false,
      ...waits(),
    });
    expect(run.status).to.equal("PENDING");
    const results = await collect(run.results());
    expect(results.map((r) => r.input)).to.deep.equal([{ userId: "user-3" }]);
  });

  it("batchSegment with an Item-Affinity version: users per item, in input order", async () => {
    const { versionArn } = await trained("aws-item-affinity", "roadmapx-affinity");
    const run = await service.batchSegment({ solutionVersionArn: versionArn, input: [{ itemId: "item-5" }, { itemId: "item-6" }], numResults: 3, ...waits() });
    expect(run.jobArn).to.match(/:batch-segment-job\/roadmapx-segment-\d+$/);
    const results = await collect(run.results());
    // interactionsCsv: item-5 was had by user-5 only, who shares no item with anyone: a segment of one.
    expect(results.map((r) => [r.line, r.input, r.recommendedUsers, r.error])).to.deep.equal([
      [1, { itemId: "item-5" }, ["user-5"], null],
      [2, { itemId: "item-6" }, ["user-6"], null],
    ]);
    expect(log.some((m) => m.startsWith("warn cost: batch segment job"))).to.equal(true);
    let wrong: unknown;
    try {
      await service.batchRecommend({ solutionVersionArn: versionArn, input: [{ userId: "user-1" }], ...waits() });
    } catch (err) {
      wrong = err;
    }
    expect((wrong as Error).message).to.include("uses the user-segmentation recipe aws-item-affinity: use batchSegment");
  });

  it("100,000 records through the whole path: uploaded, run, and read back line by line in order", async () => {
    const { versionArn } = await trained();
    function* users() {
      for (let i = 0; i < 100_000; i++) yield { userId: `user-${i % 50}` };
    }
    const run = await service.batchRecommend({ solutionVersionArn: versionArn, input: users(), numResults: 3, cleanup: true, ...waits() });
    expect(run.records).to.equal(100_000);
    let count = 0;
    let ordered = true;
    for await (const r of run.results()) {
      count++;
      if (r.line !== count || (r.input as { userId: string }).userId !== `user-${(count - 1) % 50}` || r.recommendedItems.length !== 3) ordered = false;
    }
    expect(count).to.equal(100_000);
    expect(ordered).to.equal(true);
    expect(await keysUnder("personalize/batch/")).to.deep.equal([]);
  });
});
