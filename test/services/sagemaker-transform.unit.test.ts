/**
 * SageMaker batch transform's request and wait, without the emulator (aws-sdk-client-mock): the
 * stack's KMS key on the output, the waiter's delays when the time-out is short, each status
 * reported once however often the waiter polls, and a Failed job read back from Describe.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTransformJobCommand, DescribeTransformJobCommand, SageMakerClient, type TransformJobStatus } from "@aws-sdk/client-sagemaker";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import type { ServiceContext } from "../../services/context";
import { SageMakerService, TransformFailedError, TransformWaitTimeoutError } from "../../services/sagemaker";
import { AiStorage } from "../../services/storage";

const BUCKET = "roadmapx-files";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("SageMaker batch transform: request and wait (aws-sdk-client-mock)", () => {
  let sagemaker: AwsClientStub<SageMakerClient>;
  let s3: AwsClientStub<S3Client>;
  let clients: AwsClients;
  const info: string[] = [];

  function service(kmsKeyArn?: string): SageMakerService {
    const config = { ...resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET }), ...(kmsKeyArn ? { kmsKeyArn } : {}) };
    const ctx: ServiceContext = { config, clients, storage: new AiStorage(clients, BUCKET), logger: { info: (m) => info.push(m), warn: () => undefined } };
    return new SageMakerService(ctx);
  }
  const job = (status: TransformJobStatus, extra: Record<string, unknown> = {}) => ({
    TransformJobName: "roadmapx-score-1",
    TransformJobStatus: status,
    ...extra,
  });

  before(() => {
    sagemaker = mockClient(SageMakerClient);
    s3 = mockClient(S3Client);
  });
  after(() => {
    sagemaker.restore();
    s3.restore();
  });
  beforeEach(() => {
    sagemaker.reset();
    s3.reset();
    info.length = 0;
    clients = new AwsClients({ region: "us-east-1", credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    sagemaker.on(CreateTransformJobCommand).resolves({ TransformJobArn: "arn:aws:sagemaker:us-east-1:123456789012:transform-job/roadmapx-score-1" });
  });
  afterEach(() => clients.destroy());

  it("encrypts the output with the stack's KMS key when one is configured, and not otherwise", async () => {
    await service(KEY).startTransform({ modelName: "roadmapx-m", input: { records: ["1"] }, contentType: "text/csv", jobName: "roadmapx-score-1" });
    await service().startTransform({ modelName: "roadmapx-m", input: { records: ["1"] }, contentType: "text/csv", jobName: "roadmapx-score-2" });
    const [withKey, without] = sagemaker.commandCalls(CreateTransformJobCommand).map((c) => c.args[0].input.TransformOutput);
    expect(withKey).to.deep.equal({ S3OutputPath: `s3://${BUCKET}/sagemaker/transform/output/roadmapx-score-1/`, AssembleWith: "Line", KmsKeyId: KEY });
    expect(without).to.deep.equal({ S3OutputPath: `s3://${BUCKET}/sagemaker/transform/output/roadmapx-score-2/`, AssembleWith: "Line" });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect([put?.Key, put?.ContentType]).to.deep.equal(["sagemaker/transform/input/roadmapx-score-1/records.csv", "text/csv"]);
  });

  it("reports each status once however often the waiter polls, and reads FailureReason on Failed", async () => {
    sagemaker
      .on(DescribeTransformJobCommand)
      .resolvesOnce(job("InProgress"))
      .resolvesOnce(job("InProgress"))
      .resolvesOnce(job("InProgress"))
      .resolves(job("Failed", { FailureReason: "ClientError: See job logs for more information" }));
    const seen: string[] = [];
    let error: unknown;
    try {
      await service().waitForTransform("roadmapx-score-1", { minDelaySeconds: 0.01, maxDelaySeconds: 0.01, onStatus: (e) => seen.push(e.status) });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(TransformFailedError);
    expect((error as TransformFailedError).failureReason).to.equal("ClientError: See job logs for more information");
    expect(seen).to.deep.equal(["InProgress", "Failed"]);
    expect(info.map((m) => m.replace(/after \d+s/, "after Ns"))).to.deep.equal([
      "transform job roadmapx-score-1: InProgress after Ns",
      "transform job roadmapx-score-1: Failed after Ns",
    ]);
  });

  it("a time-out shorter than the default first pause still waits (the waiter needs minDelay < maxWaitTime) and then says the job goes on", async () => {
    sagemaker.on(DescribeTransformJobCommand).resolves(job("InProgress"));
    const began = Date.now();
    let error: unknown;
    try {
      await service().waitForTransform("roadmapx-score-1", { timeoutMs: 200 });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(TransformWaitTimeoutError);
    expect((error as Error).message).to.match(/^transform job roadmapx-score-1 is still InProgress after 0s; it goes on/);
    expect(Date.now() - began).to.be.below(5_000);
    expect(sagemaker.commandCalls(DescribeTransformJobCommand).length).to.be.at.least(1);
  });

  it("refuses a non-positive time-out before polling", async () => {
    let error: unknown;
    try {
      await service().waitForTransform("roadmapx-score-1", { timeoutMs: 0 });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal("wait.timeoutMs: must be more than 0 (got 0)");
    expect(sagemaker.calls()).to.have.length(0);
  });
});
