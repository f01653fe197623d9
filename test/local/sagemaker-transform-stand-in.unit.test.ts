/**
 * The SageMaker batch-transform stand-in's pure parts: how records are split out of a stream
 * (streamed: a record is yielded before the rest of the object is read), the documented fake model,
 * where outputs go, the request checks and the job lifecycle on a manual clock.
 */
import { expect } from "chai";
import { ManualClock } from "../../local/sagemaker-transform-stand-in";
import { TransformJobs } from "../../local/sagemaker-transform-stand-in/jobs";
import { ERROR_MARKER, answersJson, predictionLine, standInScore } from "../../local/sagemaker-transform-stand-in/model";
import { RecordTooLargeError, lineRecords, wholeRecord } from "../../local/sagemaker-transform-stand-in/records";
import { outputLocation } from "../../local/sagemaker-transform-stand-in/s3-objects";
import { checkCreateTransformJob } from "../../local/sagemaker-transform-stand-in/validation";

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === "string" ? Buffer.from(part) : part;
}

async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

const VALID = {
  TransformJobName: "roadmapx-score-1",
  ModelName: "roadmapx-model",
  TransformInput: { DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "s3://b/in/" } } },
  TransformOutput: { S3OutputPath: "s3://b/out" },
  TransformResources: { InstanceType: "ml.m5.large", InstanceCount: 1 },
};

function refusal(body: unknown): { name: string; message: string } {
  try {
    checkCreateTransformJob(body);
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error("the request was accepted");
}

describe("SageMaker transform stand-in: records, model, layout, checks (unit)", () => {
  it("splits lines across chunks, drops \\r and empty lines, keeps a split UTF-8 character whole", async () => {
    const euro = Buffer.from("€");
    const records = await all(
      lineRecords(chunks("a,1\r\n\nb,", "2\nc", Buffer.concat([Buffer.from(",3 "), euro.subarray(0, 1)]), euro.subarray(1), "\n\nlast"), 0),
    );
    expect(records).to.deep.equal(["a,1", "b,2", "c,3 €", "last"]);
  });

  it("streams: the first record comes out before the source has produced the rest", async () => {
    let produced = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100_000; i++) {
        produced++;
        yield Buffer.from(`${i},x\n`);
      }
    }
    const it = lineRecords(source(), 0)[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.value).to.equal("0,x");
    expect(produced).to.equal(1);
    let count = 1;
    while (!(await it.next()).done) count++;
    expect(count).to.equal(100_000);
  });

  it("refuses a record over the payload limit (0 = no limit)", async () => {
    let error: unknown;
    try {
      await all(lineRecords(chunks("ok\n", "x".repeat(11), "\n"), 10));
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(RecordTooLargeError);
    expect(await all(lineRecords(chunks("x".repeat(11)), 0))).to.deep.equal(["x".repeat(11)]);
    let whole: unknown;
    try {
      await wholeRecord(chunks("12345", "678901"), 10);
    } catch (err) {
      whole = err;
    }
    expect(whole).to.be.instanceOf(RecordTooLargeError);
  });

  it("hashes a whole object as it streams and finds the error marker across chunk seams", async () => {
    const whole = await wholeRecord(chunks("ab", "c"), 0);
    expect(whole).to.deep.equal({ hash: fnv("abc"), bytes: 3, hasErrorMarker: false });
    const marker = ERROR_MARKER;
    for (const cut of [1, 5, marker.length - 1]) {
      const split = await wholeRecord(chunks("x", marker.slice(0, cut), marker.slice(cut), "y"), 0);
      expect(split.hasErrorMarker, `cut at ${cut}`).to.equal(true);
    }
    const spread = await wholeRecord(chunks(...marker.split("")), 0);
    expect(spread.hasErrorMarker, "one byte per chunk").to.equal(true);
    expect((await wholeRecord(chunks(marker.slice(0, 5), "!", marker.slice(5)), 0)).hasErrorMarker).to.equal(false);
  });

  it("answers the documented score: FNV-1a / 2^32 to 6 decimals, JSON when Accept (else ContentType) names JSON", () => {
    expect(standInScore("1,2,3")).to.equal(Number((fnv("1,2,3") / 2 ** 32).toFixed(6)));
    expect(standInScore("1,2,3")).to.be.within(0, 1);
    expect(answersJson("application/json", "text/csv")).to.equal(true);
    expect(answersJson(undefined, "application/jsonlines")).to.equal(true);
    expect(answersJson("text/csv", "application/json")).to.equal(false);
    expect(predictionLine("r", { accept: "application/json", assembleWith: "Line" })).to.equal(`{"score":${standInScore("r")}}\n`);
    expect(predictionLine("r", { contentType: "text/csv", assembleWith: "None" })).to.equal(String(standInScore("r")));
  });

  it("puts <relative>.out under S3OutputPath with one slash", () => {
    expect(outputLocation("s3://b/out", "a.csv")).to.deep.equal({ bucket: "b", key: "out/a.csv.out" });
    expect(outputLocation("s3://b/out/", "sub/a.csv")).to.deep.equal({ bucket: "b", key: "out/sub/a.csv.out" });
    expect(outputLocation("s3://b", "a.csv")).to.deep.equal({ bucket: "b", key: "a.csv.out" });
  });

  it("checks CreateTransformJob as SageMaker does: types, constraints, the payload rule, DataProcessing", () => {
    expect(checkCreateTransformJob(VALID).TransformJobName).to.equal("roadmapx-score-1");
    expect(refusal({ ...VALID, MaxPayloadInMB: "6" })).to.deep.equal({ name: "SerializationException", message: "MaxPayloadInMB must be a JSON integer" });
    expect(refusal({ ...VALID, ModelName: "m".repeat(64), MaxPayloadInMB: 101 }).message).to.equal(
      `3 validation errors detected: Value '${"m".repeat(64)}' at 'modelName' failed to satisfy constraint: Member must have length less than or equal to 63; ` +
        `Value '${"m".repeat(64)}' at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; ` +
        "Value '101' at 'maxPayloadInMB' failed to satisfy constraint: Member must have value less than or equal to 100",
    );
    expect(refusal({ ...VALID, TransformResources: { InstanceType: "ml.t2.medium", InstanceCount: 1 } }).message).to.match(
      /^1 validation error detected: Value 'ml\.t2\.medium' at 'transformResources\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[ml\.c4\.2xlarge, /,
    );
    expect(refusal({ ...VALID, TransformOutput: { S3OutputPath: "file:///tmp" } }).message).to.include("at 'transformOutput.s3OutputPath'");
    expect(refusal({ ...VALID, MaxPayloadInMB: 20, MaxConcurrentTransforms: 6 })).to.deep.equal({
      name: "ValidationException",
      message: "MaxConcurrentTransforms * MaxPayloadInMB must not exceed 100 MB (got 6 * 20).",
    });
    expect(refusal({ ...VALID, DataProcessing: { JoinSource: "Input" } }).message).to.match(/not modelled by this local stand-in/);
    expect(refusal({ ...VALID, Tags: [{ Value: "x" }] }).message).to.include("at 'tags.1.member.key'");
  });

  it("moves jobs on the clock: due work runs once, a stop ends Stopped after stoppingMs", async () => {
    const clock = new ManualClock();
    let runs = 0;
    const jobs = new TransformJobs(clock.now, { startingMs: 10, runningMs: 20, stoppingMs: 5 }, () => {
      runs++;
      return Promise.resolve({ outputs: ["s3://b/out/a.out"], records: 2, logs: [] });
    });
    const request = checkCreateTransformJob(VALID);
    const job = jobs.add(request, "arn:1", "role", undefined);
    const stopped = jobs.add({ ...request, TransformJobName: "roadmapx-2" }, "arn:2", "role", undefined);
    const forced = jobs.add({ ...request, TransformJobName: "roadmapx-3" }, "arn:3", "role", "boom");
    clock.advance(29);
    await jobs.settle();
    expect([job.status, runs]).to.deep.equal(["InProgress", 0]);
    jobs.requestStop(stopped);
    clock.advance(1);
    await jobs.settle();
    await jobs.settle();
    expect([job.status, job.endAt, runs]).to.deep.equal(["Completed", job.createdAt + 30, 1]);
    expect([forced.status, forced.failureReason]).to.deep.equal(["Failed", "boom"]);
    expect(stopped.status).to.equal("Stopping");
    clock.advance(4);
    await jobs.settle();
    expect([stopped.status, stopped.endAt]).to.deep.equal(["Stopped", stopped.createdAt + 34]);
    expect(jobs.view(job)).to.deep.include({ name: "roadmapx-score-1", records: 2, outputs: ["s3://b/out/a.out"] });
  });
});
