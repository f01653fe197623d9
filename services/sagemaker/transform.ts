/**
 * SageMaker batch transform: a model (this project's, by name) scores a whole dataset from S3 on
 * instances of its own, with no endpoint. Input goes to `sagemaker/transform/input/<job>/`, output
 * comes back from `sagemaker/transform/output/<job>/` (`<input>.out` per input object), the job runs
 * with the model's execution role (CreateTransformJob passes none). Everything is checked before
 * anything is sent; the cost is announced before the job starts; the wait is the SDK's waiter with
 * an explicit maxDelay, reporting status and elapsed time.
 */
import type { DescribeTransformJobCommandOutput } from "@aws-sdk/client-sagemaker";
import { PREFIXES, PROJECT_TAG, ownedNameProblem } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { formatDuration } from "../poll";
import type { UploadProgress } from "../storage";
import { TransformFailedError, TransformNotCompleteError, TransformStoppedError, TransformWaitTimeoutError } from "./transform-errors";
import { type TransformInput, planInput, stageInput } from "./transform-input";
import { type TransformResultRecord, readResults } from "./transform-results";
import { SageMakerInputError, checkCount, checkInstanceType, checkName, uniqueJobName } from "./validate";
import { watchedClient } from "./watch";

/** @aws-sdk/client-sagemaker, loaded on the first call: importing the services must not load every SDK client. */
const sdkSagemaker = (): typeof import("@aws-sdk/client-sagemaker") => require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker");

export type { TransformInput } from "./transform-input";
export type { TransformResultRecord } from "./transform-results";

/** TransformInput.SplitType and TransformOutput.AssembleWith, BatchStrategy: the API reference's values. */
export const TRANSFORM_SPLIT_TYPES = ["Line", "None", "RecordIO", "TFRecord"] as const;
export const TRANSFORM_ASSEMBLY_TYPES = ["Line", "None"] as const;
export const TRANSFORM_BATCH_STRATEGIES = ["MultiRecord", "SingleRecord"] as const;
/** The training default; also one of the two types AWS recommends for built-in algorithms' transforms. */
export const DEFAULT_TRANSFORM_INSTANCE = "ml.m5.large";

export interface TransformWaitOptions {
  /** Give up waiting after this long (default 6 h); the job itself goes on. */
  timeoutMs?: number;
  /** Longest pause between the waiter's polls (default 120 s; the SDK's own default is an hour). */
  maxDelaySeconds?: number;
  /** First pause between polls (default 30 s, less when the time-out is shorter). */
  minDelaySeconds?: number;
  onStatus?: (event: { jobName: string; status: string; elapsedMs: number; failureReason?: string | undefined }) => void;
}

export interface TransformOptions {
  /** One of this project's models (`<prefix>-...`): deploy names them `<endpoint>-model`. */
  modelName: string;
  input: TransformInput;
  /** MIME type of the input records, e.g. text/csv or application/json. */
  contentType: string;
  /** How input objects are cut into records (default Line: one record a line). */
  splitType?: (typeof TRANSFORM_SPLIT_TYPES)[number];
  /** MIME type of the answers wanted (the container decides when absent). */
  accept?: string;
  /** How answers are joined in each `.out` (default Line: one a line, which readTransformResults reads). */
  assembleWith?: (typeof TRANSFORM_ASSEMBLY_TYPES)[number];
  instanceType?: string;
  instanceCount?: number;
  /** Largest request, in MB (0-100; AWS's default 6). */
  maxPayloadInMB?: number;
  batchStrategy?: (typeof TRANSFORM_BATCH_STRATEGIES)[number];
  /** Must start with the stack's resource-name prefix and "-"; default `<prefix>-transform-<time>-<random>`. */
  jobName?: string;
  /** Upload progress of `{ path }` and `{ records }` input. */
  onUploadProgress?: (progress: UploadProgress) => void;
}

export interface TransformStarted {
  jobName: string;
  arn: string;
  /** The S3Prefix the job reads. */
  inputUri: string;
  /** `s3://BUCKET/sagemaker/transform/output/<job>/`: where the `.out` objects go. */
  outputUri: string;
  /** Records uploaded from `{ records }`. */
  records?: number | undefined;
}

export interface TransformResult extends TransformStarted {
  status: string;
  elapsedMs: number;
}

const PROJECT_TAGS = [{ Key: PROJECT_TAG.key, Value: PROJECT_TAG.value }];
/** type/subtype, parameters allowed: text/csv, application/json, application/jsonlines; charset=utf-8. */
const MIME_TYPE = /^[A-Za-z0-9][\w!#$&^.+-]*\/[A-Za-z0-9][\w!#$&^.+-]*(\s*;.*)?$/;

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new SageMakerInputError(field, `"${value}" is not one of ${allowed.join(", ")}`);
  return value as T;
}

function mimeType(field: string, value: string): string {
  if (value.length > 256 || !MIME_TYPE.test(value)) throw new SageMakerInputError(field, `"${value}" is not a MIME type such as text/csv or application/json`);
  return value;
}

export class SageMakerTransforms {
  constructor(private readonly ctx: ServiceContext) {}

  private get client() {
    return this.ctx.clients.sagemaker;
  }

  /** A valid SageMaker name that is also this project's (the application policy covers no other). */
  private owned(field: string, name: string): string {
    checkName(field, name);
    const problem = ownedNameProblem(name, this.ctx.config.resourceNamePrefix, { caseInsensitive: true });
    if (problem) throw new SageMakerInputError(field, `"${name}" ${problem}`);
    return name;
  }

  /** Checks every option and the input, uploads the input, announces the cost and starts the job. */
  async startTransform(options: TransformOptions): Promise<TransformStarted> {
    const modelName = this.owned("modelName", options.modelName);
    const contentType = mimeType("contentType", options.contentType);
    const splitType = oneOf("splitType", options.splitType ?? "Line", TRANSFORM_SPLIT_TYPES);
    const assembleWith = oneOf("assembleWith", options.assembleWith ?? "Line", TRANSFORM_ASSEMBLY_TYPES);
    const accept = options.accept === undefined ? undefined : mimeType("accept", options.accept);
    const instanceType = checkInstanceType("instanceType", options.instanceType ?? DEFAULT_TRANSFORM_INSTANCE);
    const instanceCount = checkCount("instanceCount", options.instanceCount ?? 1, 1, 100);
    const maxPayload = options.maxPayloadInMB === undefined ? undefined : checkCount("maxPayloadInMB", options.maxPayloadInMB, 0, 100);
    const batchStrategy = options.batchStrategy === undefined ? undefined : oneOf("batchStrategy", options.batchStrategy, TRANSFORM_BATCH_STRATEGIES);
    const jobName = options.jobName
      ? this.owned("jobName", options.jobName)
      : this.owned("jobName", uniqueJobName(`${this.ctx.config.resourceNamePrefix}-transform`));
    const plan = await planInput(this.ctx, options.input, { contentType, splitType });
    const outputUri = this.ctx.storage.uriOf(`${PREFIXES.transformOutput}${jobName}/`);

    this.ctx.logger.warn(
      `cost: transform bills ${instanceCount} x ${instanceType} per second while the job runs (from its instances' start to its end, however little input there is); ` +
        `stop it early with \`roadmapx-ai sagemaker stop --transform-job ${jobName}\`.`,
    );
    const staged = await stageInput(this.ctx, plan, jobName, { contentType, onProgress: options.onUploadProgress });
    const kmsKeyArn = this.ctx.config.kmsKeyArn;
    const created = await this.client.send(
      new (sdkSagemaker().CreateTransformJobCommand)({
        TransformJobName: jobName,
        ModelName: modelName,
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: staged.uri } },
          ContentType: contentType,
          SplitType: splitType,
        },
        TransformOutput: {
          S3OutputPath: outputUri,
          AssembleWith: assembleWith,
          ...(accept ? { Accept: accept } : {}),
          ...(kmsKeyArn ? { KmsKeyId: kmsKeyArn } : {}),
        },
        TransformResources: { InstanceType: instanceType as never, InstanceCount: instanceCount },
        ...(maxPayload !== undefined ? { MaxPayloadInMB: maxPayload } : {}),
        ...(batchStrategy ? { BatchStrategy: batchStrategy } : {}),
        Tags: PROJECT_TAGS,
      }),
    );
    return { jobName, arn: created.TransformJobArn ?? "", inputUri: staged.uri, outputUri, records: staged.uploaded?.records };
  }

  private describe(jobName: string): Promise<DescribeTransformJobCommandOutput> {
    return this.client.send(new (sdkSagemaker().DescribeTransformJobCommand)({ TransformJobName: jobName }));
  }

  /**
   * Waits with the SDK waiter (and an explicit maxDelay: the SDK's default is an hour) until the
   * job completes; reports each status with the elapsed time. Failed, Stopped and a time-out are
   * errors that name the job (a time-out leaves it running).
   */
  async waitForTransform(jobName: string, options: TransformWaitOptions = {}): Promise<{ jobName: string; status: string; elapsedMs: number }> {
    this.owned("jobName", jobName);
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? 6 * 3600_000;
    if (!(timeoutMs > 0)) throw new SageMakerInputError("wait.timeoutMs", `must be more than 0 (got ${timeoutMs})`);
    const maxWaitTime = timeoutMs / 1000;
    // The waiter refuses a first pause as long as the whole wait.
    const minDelay = Math.min(options.minDelaySeconds ?? 30, maxWaitTime / 2);
    const maxDelay = Math.max(minDelay, options.maxDelaySeconds ?? 120);
    let last = "";
    const report = (job: DescribeTransformJobCommandOutput) => {
      const status = job.TransformJobStatus ?? "Unknown";
      if (status === last) return;
      last = status;
      const elapsedMs = Date.now() - started;
      this.ctx.logger.info(`transform job ${jobName}: ${status} after ${formatDuration(elapsedMs)}`);
      options.onStatus?.({ jobName, status, elapsedMs, failureReason: job.FailureReason });
    };
    const watched = watchedClient(this.client, (output) => report(output as DescribeTransformJobCommandOutput));
    try {
      await sdkSagemaker().waitUntilTransformJobCompletedOrStopped({ client: watched, maxWaitTime, minDelay, maxDelay }, { TransformJobName: jobName });
    } catch (err) {
      if ((err as Error).name === "TimeoutError") throw new TransformWaitTimeoutError(jobName, last || "InProgress", Date.now() - started);
      const job = await this.describe(jobName);
      if (job.TransformJobStatus === "Failed") throw new TransformFailedError(jobName, job.FailureReason);
      throw err;
    }
    const job = await this.describe(jobName);
    report(job);
    if (job.TransformJobStatus === "Stopped") throw new TransformStoppedError(jobName);
    return { jobName, status: job.TransformJobStatus ?? "Unknown", elapsedMs: Date.now() - started };
  }

  /** Starts a job and waits for it (unless `wait` is false). */
  async transform(options: TransformOptions & { wait?: TransformWaitOptions | false }): Promise<TransformResult> {
    const started = Date.now();
    const job = await this.startTransform(options);
    if (options.wait === false) return { ...job, status: "InProgress", elapsedMs: Date.now() - started };
    const done = await this.waitForTransform(job.jobName, options.wait);
    return { ...job, status: done.status, elapsedMs: Date.now() - started };
  }

  /** A completed job's results, in input order (object by object, records in order), streamed. */
  async *readTransformResults(jobName: string): AsyncGenerator<TransformResultRecord> {
    this.owned("jobName", jobName);
    const job = await this.describe(jobName);
    const status = job.TransformJobStatus ?? "Unknown";
    if (status === "Failed") throw new TransformFailedError(jobName, job.FailureReason);
    if (status === "Stopped") throw new TransformStoppedError(jobName);
    if (status !== "Completed") throw new TransformNotCompleteError(jobName, status);
    yield* readResults(this.ctx, job);
  }

  async stopTransform(jobName: string): Promise<void> {
    await this.client.send(new (sdkSagemaker().StopTransformJobCommand)({ TransformJobName: this.owned("jobName", jobName) }));
  }
}
