/**
 * Amazon SageMaker for RoadmapX: training data under `sagemaker/training/<dataset>/`, training jobs
 * writing to `models/`, endpoints that serve the result, and cleanup. Every input is checked before
 * any call; whatever bills by the hour says so.
 * Batch transform lives in transform.ts (with its input, results and errors beside it); the service
 * hands its calls there.
 * (A little over 350 lines: one service whose training and endpoint halves share its client, names
 * and checks; validate.ts and errors.ts hold what stands alone.)
 */
import type { DescribeTrainingJobCommandOutput } from "@aws-sdk/client-sagemaker";
import { PREFIXES, PROJECT_TAG, ownedNameProblem } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { formatDuration } from "../poll";
import {
  SageMakerTransforms,
  type TransformOptions,
  type TransformResult,
  type TransformResultRecord,
  type TransformStarted,
  type TransformWaitOptions,
} from "./transform";
import { watchedClient } from "./watch";
import { TrainingFailedError, TrainingWaitTimeoutError } from "./errors";
import { aiKey, type UploadBody, type UploadOptions } from "../storage";
import {
  checkCount,
  checkDatasetName,
  checkImage,
  checkInstanceType,
  checkName,
  type HyperparameterValue,
  hyperparameters,
  MAX_RUNTIME_LIMIT_SECONDS,
  SageMakerInputError,
  uniqueJobName,
} from "./validate";

/** @aws-sdk/client-sagemaker, loaded on the first call: importing the services must not load every SDK client. */
const sdkSagemaker = (): typeof import("@aws-sdk/client-sagemaker") => require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker");
/** @aws-sdk/client-sagemaker-runtime, loaded on the first call: importing the services must not load every SDK client. */
const sdkSagemakerRuntime = (): typeof import("@aws-sdk/client-sagemaker-runtime") =>
  require("@aws-sdk/client-sagemaker-runtime") as typeof import("@aws-sdk/client-sagemaker-runtime");

export { SageMakerInputError, uniqueJobName } from "./validate";
export { TrainingFailedError, TrainingWaitTimeoutError } from "./errors";
export { TransformFailedError, TransformNotCompleteError, TransformStoppedError, TransformWaitTimeoutError } from "./transform-errors";
export {
  DEFAULT_TRANSFORM_INSTANCE,
  TRANSFORM_ASSEMBLY_TYPES,
  TRANSFORM_BATCH_STRATEGIES,
  TRANSFORM_SPLIT_TYPES,
  type TransformInput,
  type TransformOptions,
  type TransformResult,
  type TransformResultRecord,
  type TransformStarted,
  type TransformWaitOptions,
} from "./transform";

export interface TrainingChannel {
  /** Channel name the algorithm expects ("train", "validation", ...). */
  name: string;
  /** Dataset folder under sagemaker/training/. */
  dataset: string;
  contentType?: string;
}

export interface TrainingOptions {
  /** The training image (ECR URI). */
  image: string;
  channels: TrainingChannel[];
  /** Must start with the stack's resource-name prefix and "-" (the application policy covers only those names). */
  jobName?: string;
  /** Prefix of a generated unique job name (default: the resource-name prefix itself). */
  jobNamePrefix?: string;
  instanceType?: string;
  instanceCount?: number;
  volumeSizeGB?: number;
  /** Hard stop for the job (default 1 h); it also caps what the job can bill. */
  maxRuntimeSeconds?: number;
  hyperparameters?: Record<string, HyperparameterValue>;
}

export interface WaitOptions {
  /** Give up waiting after this long (default 6 h); the job itself goes on. */
  maxWaitSeconds?: number;
  /** Longest pause between the waiter's polls (default 120 s; the SDK's own default is 6 h). */
  maxDelaySeconds?: number;
  minDelaySeconds?: number;
  onStatus?: (event: { status: string; secondaryStatus?: string | undefined; message?: string | undefined; elapsedMs: number }) => void;
}

export interface TrainingResult {
  jobName: string;
  status: string;
  /** `s3://BUCKET/models/<job>/output/model.tar.gz`, from ModelArtifacts. */
  artifactUri?: string | undefined;
  elapsedMs: number;
}

export const DEFAULT_TRAINING_INSTANCE = "ml.m5.large";
export const DEFAULT_MAX_RUNTIME_SECONDS = 3600;

export interface DeployOptions {
  /** Endpoint name; the model and endpoint config are named after it. */
  name: string;
  image: string;
  /** The model.tar.gz a training job wrote. */
  modelArtifactUri: string;
  instanceType?: string;
  instanceCount?: number;
  maxWaitSeconds?: number;
  maxDelaySeconds?: number;
  minDelaySeconds?: number;
}

/** What deploy creates for an endpoint, and cleanup deletes: one naming rule for both. */
function endpointResources(name: string): { modelName: string; configName: string } {
  return { modelName: `${name}-model`, configName: `${name}-config` };
}

/**
 * Every billed resource is tagged, so the account's cost reports can find this project's (and the
 * application policy's tag-on-create grant, sagemaker:AddTags, covers exactly these creates).
 */
const PROJECT_TAGS = [{ Key: PROJECT_TAG.key, Value: PROJECT_TAG.value }];

export class SageMakerService {
  private batch: SageMakerTransforms | undefined;

  constructor(private readonly ctx: ServiceContext) {}

  private get client() {
    return this.ctx.clients.sagemaker;
  }

  /** Batch transform (transform.ts): a model scores a dataset from S3 on its own instances. */
  private get transforms(): SageMakerTransforms {
    return (this.batch ??= new SageMakerTransforms(this.ctx));
  }

  /** Checks, uploads the input to sagemaker/transform/input/<job>/, announces the cost, starts a transform job. */
  startTransform(options: TransformOptions): Promise<TransformStarted> {
    return this.transforms.startTransform(options);
  }

  /** Waits (SDK waiter, explicit maxDelay) until the job completes; Failed, Stopped and a time-out are errors naming the job. */
  waitForTransform(jobName: string, options?: TransformWaitOptions): Promise<{ jobName: string; status: string; elapsedMs: number }> {
    return this.transforms.waitForTransform(jobName, options);
  }

  /** Starts a transform job and waits for it (`wait: false`: returns once it has started). */
  transform(options: TransformOptions & { wait?: TransformWaitOptions | false }): Promise<TransformResult> {
    return this.transforms.transform(options);
  }

  /** A completed job's results, object by object in input order, records in order; streamed. */
  readTransformResults(jobName: string): AsyncGenerator<TransformResultRecord> {
    return this.transforms.readTransformResults(jobName);
  }

  async stopTransform(jobName: string): Promise<void> {
    await this.transforms.stopTransform(jobName);
  }

  /** A valid SageMaker name that is also this project's (the application policy covers no other). */
  private owned(field: string, name: string): string {
    checkName(field, name);
    const problem = ownedNameProblem(name, this.ctx.config.resourceNamePrefix, { caseInsensitive: true });
    if (problem) throw new SageMakerInputError(field, `"${name}" ${problem}`);
    return name;
  }

  private role(): string {
    const role = this.ctx.config.sagemakerRoleArn;
    if (!role) throw new SageMakerInputError("SAGEMAKER_ROLE_ARN", "no SageMaker role: set SAGEMAKER_ROLE_ARN or AI_STACK_OUTPUTS (the stack outputs)");
    return role;
  }

  /** The S3 prefix of a training dataset. */
  datasetUri(dataset: string): string {
    return this.ctx.storage.uriOf(`${aiKey("training", checkDatasetName("dataset", dataset))}/`);
  }

  /** Streams training data to `sagemaker/training/<dataset>/<fileName>`. */
  async uploadTrainingData(
    dataset: string,
    fileName: string,
    body: UploadBody,
    options: Pick<UploadOptions, "onProgress" | "collectGarbageEveryBytes"> = {},
  ): Promise<string> {
    const key = aiKey("training", checkDatasetName("dataset", dataset), fileName);
    return (await this.ctx.storage.upload(key, body, options)).uri;
  }

  /** Checks every field, then starts the job. Returns its name and where its model will be. */
  async startTrainingJob(options: TrainingOptions): Promise<{ jobName: string; arn: string; outputUri: string }> {
    const image = checkImage("image", options.image);
    if (options.channels.length === 0) throw new SageMakerInputError("channels", "at least one input channel is needed");
    const channelNames = new Set<string>();
    for (const c of options.channels) {
      if (!/^[A-Za-z0-9.\-_]{1,64}$/.test(c.name))
        throw new SageMakerInputError(`channels.${c.name}`, "a channel name is 1-64 letters, digits, '.', '-' or '_'");
      if (channelNames.has(c.name)) throw new SageMakerInputError(`channels.${c.name}`, "appears twice");
      channelNames.add(c.name);
      checkDatasetName(`channels.${c.name}.dataset`, c.dataset);
      aiKey("training", c.dataset);
    }
    const jobName = options.jobName
      ? this.owned("jobName", options.jobName)
      : this.owned("jobNamePrefix", uniqueJobName(options.jobNamePrefix ?? this.ctx.config.resourceNamePrefix));
    const instanceType = checkInstanceType("instanceType", options.instanceType ?? DEFAULT_TRAINING_INSTANCE);
    const instanceCount = checkCount("instanceCount", options.instanceCount ?? 1, 1, 100);
    const volumeSizeGB = checkCount("volumeSizeGB", options.volumeSizeGB ?? 30, 1, 16384);
    const maxRuntime = checkCount("maxRuntimeSeconds", options.maxRuntimeSeconds ?? DEFAULT_MAX_RUNTIME_SECONDS, 1, MAX_RUNTIME_LIMIT_SECONDS);
    const params = hyperparameters(options.hyperparameters);
    const roleArn = this.role();
    const outputUri = this.ctx.storage.uriOf(PREFIXES.models);

    this.ctx.logger.warn(
      `cost: training bills ${instanceCount} x ${instanceType} per second while the job runs (at most ${formatDuration(maxRuntime * 1000)}, the MaxRuntimeInSeconds stop).`,
    );
    const created = await this.client.send(
      new (sdkSagemaker().CreateTrainingJobCommand)({
        TrainingJobName: jobName,
        RoleArn: roleArn,
        AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" },
        InputDataConfig: options.channels.map((c) => ({
          ChannelName: c.name,
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: this.datasetUri(c.dataset), S3DataDistributionType: "FullyReplicated" } },
          ...(c.contentType ? { ContentType: c.contentType } : {}),
        })),
        OutputDataConfig: { S3OutputPath: outputUri },
        ResourceConfig: { InstanceType: instanceType as never, InstanceCount: instanceCount, VolumeSizeInGB: volumeSizeGB },
        StoppingCondition: { MaxRuntimeInSeconds: maxRuntime },
        ...(params ? { HyperParameters: params } : {}),
        Tags: PROJECT_TAGS,
      }),
    );
    return { jobName, arn: created.TrainingJobArn ?? "", outputUri: `${outputUri}${jobName}/output/model.tar.gz` };
  }

  private describe(jobName: string): Promise<DescribeTrainingJobCommandOutput> {
    return this.client.send(new (sdkSagemaker().DescribeTrainingJobCommand)({ TrainingJobName: jobName }));
  }

  /**
   * Waits with the SDK waiter (and an explicit maxDelay: the SDK's default is six hours) until the
   * job completes or stops; reports status and secondary-status transitions meanwhile.
   */
  async waitForTrainingJob(jobName: string, options: WaitOptions = {}): Promise<TrainingResult> {
    this.owned("jobName", jobName);
    const started = Date.now();
    const maxWait = options.maxWaitSeconds ?? 6 * 3600;
    let seen = 0;
    let lastStatus = "";
    const report = (job: DescribeTrainingJobCommandOutput) => {
      const status = job.TrainingJobStatus ?? "Unknown";
      const transitions = job.SecondaryStatusTransitions ?? [];
      for (const t of transitions.slice(seen)) {
        options.onStatus?.({ status, secondaryStatus: t.Status, message: t.StatusMessage, elapsedMs: Date.now() - started });
      }
      if (transitions.length === seen && status !== lastStatus) {
        options.onStatus?.({ status, secondaryStatus: job.SecondaryStatus, elapsedMs: Date.now() - started });
      }
      seen = transitions.length;
      lastStatus = status;
    };
    // The waiter's own DescribeTrainingJob polls report progress: one loop decides and reports.
    const watched = watchedClient(this.client, (output) => report(output as DescribeTrainingJobCommandOutput));
    try {
      await sdkSagemaker().waitUntilTrainingJobCompletedOrStopped(
        {
          client: watched,
          maxWaitTime: maxWait,
          minDelay: options.minDelaySeconds ?? 60,
          maxDelay: options.maxDelaySeconds ?? 120,
        },
        { TrainingJobName: jobName },
      );
    } catch (err) {
      if ((err as Error).name === "TimeoutError") throw new TrainingWaitTimeoutError(jobName, maxWait);
      const job = await this.describe(jobName);
      if (job.TrainingJobStatus === "Failed") throw new TrainingFailedError(jobName, job.FailureReason);
      throw err;
    }
    const job = await this.describe(jobName);
    report(job);
    return {
      jobName,
      status: job.TrainingJobStatus ?? "Unknown",
      artifactUri: job.ModelArtifacts?.S3ModelArtifacts,
      elapsedMs: Date.now() - started,
    };
  }

  /** Starts a job and waits for it. */
  async train(options: TrainingOptions, wait: WaitOptions = {}): Promise<TrainingResult> {
    const { jobName } = await this.startTrainingJob(options);
    return this.waitForTrainingJob(jobName, wait);
  }

  async stopTrainingJob(jobName: string): Promise<void> {
    await this.client.send(new (sdkSagemaker().StopTrainingJobCommand)({ TrainingJobName: this.owned("jobName", jobName) }));
  }

  /**
   * Model, endpoint config and endpoint for a trained artifact, waiting until it is InService. An
   * endpoint that already exists is left as it is (and returned).
   */
  async deploy(options: DeployOptions): Promise<{ endpointName: string; created: boolean }> {
    const endpointName = this.owned("name", options.name);
    const { modelName, configName } = endpointResources(options.name);
    checkName("name", modelName);
    checkName("name", configName);
    const image = checkImage("image", options.image);
    // The same key rules as every upload, so that a `..` cannot climb from models/ into user-uploads/.
    const modelsUri = this.ctx.storage.uriOf(PREFIXES.models);
    if (!options.modelArtifactUri.startsWith(modelsUri) || this.ctx.storage.keyOfUri(options.modelArtifactUri, "modelArtifactUri").prefix !== "models") {
      throw new SageMakerInputError("modelArtifactUri", `must be under ${modelsUri} (got ${options.modelArtifactUri})`);
    }
    const instanceType = checkInstanceType("instanceType", options.instanceType ?? "ml.t2.medium");
    const instanceCount = checkCount("instanceCount", options.instanceCount ?? 1, 1, 100);
    const roleArn = this.role();
    try {
      const existing = await this.client.send(new (sdkSagemaker().DescribeEndpointCommand)({ EndpointName: endpointName }));
      if (existing.EndpointStatus) return { endpointName, created: false };
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    this.ctx.logger.warn(
      `cost: endpoint ${endpointName} bills ${instanceCount} x ${instanceType} every hour it exists, used or not; remove it with \`roadmapx-ai sagemaker cleanup --endpoint ${endpointName} --yes\`.`,
    );
    await this.client.send(
      new (sdkSagemaker().CreateModelCommand)({
        ModelName: modelName,
        ExecutionRoleArn: roleArn,
        PrimaryContainer: { Image: image, ModelDataUrl: options.modelArtifactUri },
        Tags: PROJECT_TAGS,
      }),
    );
    await this.client.send(
      new (sdkSagemaker().CreateEndpointConfigCommand)({
        EndpointConfigName: configName,
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: modelName, InstanceType: instanceType as never, InitialInstanceCount: instanceCount }],
        Tags: PROJECT_TAGS,
      }),
    );
    await this.client.send(new (sdkSagemaker().CreateEndpointCommand)({ EndpointName: endpointName, EndpointConfigName: configName, Tags: PROJECT_TAGS }));
    await sdkSagemaker().waitUntilEndpointInService(
      {
        client: this.client,
        maxWaitTime: options.maxWaitSeconds ?? 3600,
        minDelay: options.minDelaySeconds ?? 30,
        maxDelay: options.maxDelaySeconds ?? 60,
      },
      { EndpointName: endpointName },
    );
    return { endpointName, created: true };
  }

  /**
   * Sends a request to an endpoint: a string goes as is (CSV by default), anything else as JSON, an
   * array of rows as CSV when `contentType` says so. JSON answers are parsed.
   */
  async invoke(
    endpointName: string,
    payload: unknown,
    options: { contentType?: "application/json" | "text/csv"; accept?: string } = {},
  ): Promise<{ contentType: string; body: unknown }> {
    this.owned("endpointName", endpointName);
    const contentType = options.contentType ?? (typeof payload === "string" ? "text/csv" : "application/json");
    let body: string;
    if (contentType === "text/csv") {
      body = typeof payload === "string" ? payload : csvRows(payload);
    } else {
      body = typeof payload === "string" ? payload : JSON.stringify(payload);
    }
    const result = await this.ctx.clients.sagemakerRuntime.send(
      new (sdkSagemakerRuntime().InvokeEndpointCommand)({
        EndpointName: endpointName,
        ContentType: contentType,
        Accept: options.accept ?? "application/json",
        Body: Buffer.from(body),
      }),
    );
    const text = result.Body ? Buffer.from(result.Body).toString("utf8") : "";
    const answerType = result.ContentType ?? "";
    if (answerType.includes("json")) {
      try {
        return { contentType: answerType, body: JSON.parse(text) };
      } catch {
        return { contentType: answerType, body: text };
      }
    }
    return { contentType: answerType, body: text };
  }

  /** Deletes the endpoint, its config and its model; what is already gone is skipped. */
  async cleanup(name: string): Promise<string[]> {
    this.owned("name", name);
    const { modelName, configName } = endpointResources(name);
    const deleted: string[] = [];
    const steps: [string, () => Promise<unknown>][] = [
      [`endpoint ${name}`, () => this.client.send(new (sdkSagemaker().DeleteEndpointCommand)({ EndpointName: name }))],
      [`endpoint config ${configName}`, () => this.client.send(new (sdkSagemaker().DeleteEndpointConfigCommand)({ EndpointConfigName: configName }))],
      [`model ${modelName}`, () => this.client.send(new (sdkSagemaker().DeleteModelCommand)({ ModelName: modelName }))],
    ];
    for (const [what, remove] of steps) {
      try {
        await remove();
        deleted.push(what);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    return deleted;
  }
}

/** SageMaker says "not found" as a ValidationException ("Could not find ...") or ResourceNotFound. */
function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e.name === "ResourceNotFound" || (e.name === "ValidationException" && /could not find|does not exist|not found/i.test(e.message ?? ""));
}

function csvRows(payload: unknown): string {
  if (!Array.isArray(payload)) throw new SageMakerInputError("payload", "CSV needs a string or an array of rows");
  return payload
    .map((row) =>
      (Array.isArray(row) ? row : [row]).map((v) => (typeof v === "string" && /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : String(v))).join(","),
    )
    .join("\n");
}
