/**
 * The loopback Comprehend stub the benchmark measures against (it stands in for the Batch* APIs
 * and the request quota, which moto does not have). A benchmark is only as good as its instrument:
 * these tests prove the stub throttles beyond its quota and refuses what AWS refuses, and that
 * analyzeMany's client-side rate limit keeps a real SDK client under that quota.
 */
import { BatchDetectSentimentCommand, ComprehendServiceException, DetectSentimentCommand } from "@aws-sdk/client-comprehend";
import { expect } from "chai";
import { ComprehendStub } from "../helpers/comprehend-stub";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { type AnalyzedDocument, ComprehendService, emptyStats } from "../../services/comprehend";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { silentLogger } from "../../services/context";
import { AiStorage } from "../../services/storage";

async function failureOf(promise: Promise<unknown>): Promise<ComprehendServiceException> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ComprehendServiceException);
    return error as ComprehendServiceException;
  }
  throw new Error("expected the call to fail");
}

describe("Comprehend stub for benchmarks (stands in for the Batch APIs and the quota moto lacks)", () => {
  let stub: ComprehendStub;
  let clients: AwsClients;
  afterEach(async () => {
    clients?.destroy();
    await stub?.stop();
  });

  function connect(maxAttempts: number): AwsClients {
    clients = new AwsClients({ region: "us-east-1", endpoint: stub.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts });
    return clients;
  }

  it("admits a burst up to its bucket and throttles the rest with ThrottlingException", async () => {
    // A frozen quota clock: the bucket never refills during the test, however slow the machine is.
    stub = await ComprehendStub.start({ tps: 2, burst: 3, now: () => 0 });
    const comprehend = connect(1).comprehend;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => comprehend.send(new DetectSentimentCommand({ Text: "Fine.", LanguageCode: "en" }))),
    );
    const throttles = outcomes.filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason as Error);
    expect(outcomes.filter((o) => o.status === "fulfilled")).to.have.length(3);
    expect(throttles).to.have.length(5);
    for (const error of throttles) expect(error.name).to.equal("ThrottlingException");
    expect(stub.stats).to.include({ throttled: 5, documents: 3 });
    expect(stub.acceptedCalls).to.equal(3);
  });

  it("refuses what Comprehend refuses: 26 documents in a batch, a 5,001-byte batch document, no language code", async () => {
    stub = await ComprehendStub.start();
    const comprehend = connect(1).comprehend;
    const tooMany = await failureOf(comprehend.send(new BatchDetectSentimentCommand({ LanguageCode: "en", TextList: Array(26).fill("a") })));
    expect(tooMany.name).to.equal("BatchSizeLimitExceededException");
    const tooBig = await failureOf(comprehend.send(new BatchDetectSentimentCommand({ LanguageCode: "en", TextList: ["ok", "é".repeat(2501)] })));
    expect(tooBig.name).to.equal("TextSizeLimitExceededException");
    expect(tooBig.message).to.contain("document 1");
    // The SDK type requires LanguageCode; cast to send what a hand-written client might.
    const noLanguage = await failureOf(comprehend.send(new DetectSentimentCommand({ Text: "Fine." } as { Text: string; LanguageCode: "en" })));
    expect(noLanguage.name).to.equal("ValidationException");
    expect(stub.stats).to.include({ rejected: 3, documents: 0 });
    const ok = await comprehend.send(new BatchDetectSentimentCommand({ LanguageCode: "en", TextList: ["a", "b"] }));
    expect(ok.ResultList?.map((r) => r.Index)).to.deep.equal([0, 1]);
  });

  it("analyzeMany with a client rate under the stub's quota makes ceil(n/25) calls and is never throttled", async () => {
    stub = await ComprehendStub.start({ tps: 25, burst: 2, latencyMs: 20 });
    // maxAttempts 1: a single throttle would surface as a document error instead of being retried away.
    const c = connect(1);
    const service = new ComprehendService({
      config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: "roadmapx-files" }),
      clients: c,
      storage: new AiStorage(c, "roadmapx-files"),
      logger: silentLogger,
    });
    const stats = emptyStats();
    const out: AnalyzedDocument<string>[] = [];
    const texts = Array.from({ length: 260 }, (_, i) => `Comment ${i}: the release was on time.`);
    for await (const doc of service.analyzeMany(texts, { operations: ["sentiment"], language: "en", tps: 20, concurrency: 4, stats })) out.push(doc);
    expect(out.map((d) => d.index)).to.deep.equal(texts.map((_, i) => i));
    expect(out.filter((d) => Object.keys(d.errors).length > 0)).to.deep.equal([]);
    expect(stats).to.include({ batchCalls: 11, singleCalls: 0, retriedItems: 0 });
    expect(stub.stats.accepted).to.deep.equal({ BatchDetectSentiment: 11 });
    expect(stub.stats.throttled).to.equal(0);
  });
});
