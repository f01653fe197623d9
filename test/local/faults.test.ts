import { DetectSentimentCommand } from "@aws-sdk/client-comprehend";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { byAttempt, byCommand, injectFaults } from "../helpers/faults";
import { useEmulator } from "../helpers/emulator";

async function failure(promise: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { $metadata?: { httpStatusCode?: number } };
  }
  throw new Error("expected the call to fail");
}

describe("fault injection (against the emulator)", () => {
  const ctx = useEmulator();

  it("fails exactly the third call with S3's SlowDown (HTTP 503)", async () => {
    const s3 = ctx.clients.s3;
    const faults = injectFaults(s3, byAttempt({ 3: { kind: "throttle" } }));
    await s3.send(new CreateBucketCommand({ Bucket: "bkt" }));
    await s3.send(new ListBucketsCommand({}));
    const err = await failure(s3.send(new ListBucketsCommand({})));
    expect(err.name).to.equal("SlowDown");
    expect(err.$metadata?.httpStatusCode).to.equal(503);
    const fourth = await s3.send(new ListBucketsCommand({}));
    expect(fourth.Buckets?.map((b) => b.Name)).to.deep.equal(["bkt"]);
    expect(faults.sent.map((r) => r.command)).to.deep.equal(["CreateBucketCommand", "ListBucketsCommand", "ListBucketsCommand", "ListBucketsCommand"]);
    expect(faults.injected.map((i) => i.request.attempt)).to.deep.equal([3]);
  });

  it("lets the SDK's retries absorb a throttle: the call succeeds on its second attempt", async () => {
    const s3 = ctx.makeClients({ maxAttempts: 3, retryMode: "standard" }).s3;
    injectFaults(s3, byAttempt({ 1: { kind: "throttle" } }));
    const result = await s3.send(new ListBucketsCommand({}));
    expect(result.$metadata.attempts).to.equal(2);
  });

  it("speaks each protocol's throttling: IAM and STS (query) Throttling, Comprehend (JSON) ThrottlingException", async () => {
    const iam = ctx.clients.iam;
    injectFaults(iam, byAttempt({ 1: { kind: "throttle" } }));
    expect((await failure(iam.send(new ListRolesCommand({})))).name).to.equal("Throttling");

    const comprehend = ctx.clients.comprehend;
    injectFaults(comprehend, byAttempt({ 1: { kind: "throttle" }, 2: { kind: "throttle", http429: true } }));
    const first = await failure(comprehend.send(new DetectSentimentCommand({ Text: "great", LanguageCode: "en" })));
    expect(first.name).to.equal("ThrottlingException");
    expect(first.$metadata?.httpStatusCode).to.equal(400);
    const second = await failure(comprehend.send(new DetectSentimentCommand({ Text: "great", LanguageCode: "en" })));
    expect(second.name).to.equal("TooManyRequestsException");
    expect(second.$metadata?.httpStatusCode).to.equal(429);
    const third = await comprehend.send(new DetectSentimentCommand({ Text: "great", LanguageCode: "en" }));
    expect(third.Sentiment).to.be.a("string");
  });

  it("injects 5xx responses, which the SDK retries", async () => {
    const sts = ctx.clients.sts;
    injectFaults(sts, byAttempt({ 1: { kind: "status", status: 500 } }));
    const err = await failure(sts.send(new GetCallerIdentityCommand({})));
    expect(err.$metadata?.httpStatusCode).to.equal(500);
    expect(err.name).to.equal("InternalError");

    const retrying = ctx.makeClients({ maxAttempts: 2, retryMode: "standard" }).sts;
    injectFaults(retrying, byAttempt({ 1: { kind: "status", status: 503 } }));
    const ok = await retrying.send(new GetCallerIdentityCommand({}));
    expect(ok.Account).to.equal("123456789012");
    expect(ok.$metadata.attempts).to.equal(2);
  });

  it("resets connections (ECONNRESET), which the SDK treats as transient", async () => {
    const s3 = ctx.clients.s3;
    injectFaults(s3, byAttempt({ 1: { kind: "reset" } }));
    const err = await failure(s3.send(new ListBucketsCommand({})));
    expect(err.code).to.equal("ECONNRESET");

    const retrying = ctx.makeClients({ maxAttempts: 2, retryMode: "standard" }).s3;
    injectFaults(retrying, byAttempt({ 1: { kind: "reset" } }));
    expect((await retrying.send(new ListBucketsCommand({}))).$metadata.attempts).to.equal(2);
  });

  it("adds latency and then lets the call through", async () => {
    const s3 = ctx.clients.s3;
    // The test's clock: the call must wait for exactly the asked latency, and go on only once it has passed.
    const waits: number[] = [];
    let pass: () => void = () => undefined;
    const sleep = (ms: number) => new Promise<void>((resolve) => (waits.push(ms), (pass = resolve)));
    injectFaults(s3, byAttempt({ 1: { kind: "latency", ms: 150 } }), { sleep });
    let answered = false;
    const call = s3.send(new ListBucketsCommand({})).then((r) => ((answered = true), r));
    while (waits.length === 0) await new Promise((r) => setImmediate(r));
    expect(waits).to.deep.equal([150]);
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r));
    expect(answered, "not answered while the latency lasts").to.equal(false);
    pass();
    expect((await call).$metadata.httpStatusCode).to.equal(200);
  });

  it("can target one command: only the second PutObject fails", async () => {
    const s3 = ctx.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: "bkt" }));
    const faults = injectFaults(s3, byCommand("PutObjectCommand", { 2: { kind: "status", status: 500 } }));
    await s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "1", Body: "x" }));
    await s3.send(new HeadBucketCommand({ Bucket: "bkt" }));
    const err = await failure(s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "2", Body: "x" })));
    expect(err.$metadata?.httpStatusCode).to.equal(500);
    await s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "3", Body: "x" }));
    expect(faults.injected.map((i) => `${i.request.command}#${i.request.attempt}`)).to.deep.equal(["PutObjectCommand#3"]);
  });

  it("restore() puts the real handler back", async () => {
    const s3 = ctx.clients.s3;
    const faults = injectFaults(s3, () => ({ kind: "status", status: 500 }));
    await failure(s3.send(new ListBucketsCommand({})));
    faults.restore();
    await s3.send(new ListBucketsCommand({}));
    expect(faults.sent).to.have.length(1);
  });
});
