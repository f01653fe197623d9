/**
 * What the RoadmapX backend imports: one call builds the configuration (validated once), the AWS
 * clients and every AI service.
 *
 *   const ai = createAiServices();          // reads the environment and AI_STACK_OUTPUTS on first use
 *   await ai.personalize.importDataset(datasetArn, csvData, "personalize/data.csv");
 *   const { artifactUri } = await ai.sagemaker.train({ image, channels: [{ name: "train", dataset: "churn" }] });
 *   for await (const doc of ai.comprehend.analyzeMany(comments, { operations: ["sentiment"] })) save(doc);
 *
 * `createAiServices()` itself never throws: a backend may call it at module load. The configuration
 * is resolved when a member is first read, and a ConfigError then names the variable to fix.
 */
import { ComprehendService } from "./comprehend";
import { type ServiceContext, type ServiceContextOptions, createServiceContext } from "./context";
import { PersonalizeService } from "./personalize";
import type { WaitOptions } from "./personalize/workflow";
import { SageMakerService } from "./sagemaker";

export interface AiServices extends ServiceContext {
  personalize: PersonalizeService;
  sagemaker: SageMakerService;
  comprehend: ComprehendService;
}

export function createAiServices(options: ServiceContextOptions & { wait?: WaitOptions } = {}): AiServices {
  let context: ServiceContext | undefined;
  const ctx = (): ServiceContext => (context ??= createServiceContext(options));
  let personalize: PersonalizeService | undefined;
  let sagemaker: SageMakerService | undefined;
  let comprehend: ComprehendService | undefined;
  return {
    get config() {
      return ctx().config;
    },
    get clients() {
      return ctx().clients;
    },
    get storage() {
      return ctx().storage;
    },
    get logger() {
      return ctx().logger;
    },
    get personalize() {
      return (personalize ??= new PersonalizeService(ctx(), options.wait));
    },
    get sagemaker() {
      return (sagemaker ??= new SageMakerService(ctx()));
    },
    get comprehend() {
      return (comprehend ??= new ComprehendService(ctx()));
    },
  };
}

export { ConfigError, resolveRuntimeConfig, readStackOutputsFile } from "@roadmapx-ai/core";
export type { RuntimeConfig, RuntimeConfigOptions, StackOutputsFile } from "@roadmapx-ai/core";
export { type AwsClientOptions, AwsClients } from "./aws/clients";
export { type Logger, type ServiceContext, type ServiceContextOptions, consoleLogger, createServiceContext, silentLogger } from "./context";
export { AiStorage, aiKey, assertAiKey, type AiPrefix } from "./storage";
export { KeyError, UploadAbortedError, UploadLeftPartsError } from "./storage-errors";
export { WaitFailedError, WaitTimeoutError } from "./poll";
export * from "./personalize";
export {
  DEFAULT_MAX_RUNTIME_SECONDS,
  DEFAULT_TRAINING_INSTANCE,
  type DeployOptions,
  SageMakerInputError,
  SageMakerService,
  type TrainingChannel,
  TrainingFailedError,
  type TrainingOptions,
  type TrainingResult,
  TrainingWaitTimeoutError,
  uniqueJobName,
  type WaitOptions as SageMakerWaitOptions,
  DEFAULT_TRANSFORM_INSTANCE,
  TRANSFORM_ASSEMBLY_TYPES,
  TRANSFORM_BATCH_STRATEGIES,
  TRANSFORM_SPLIT_TYPES,
  TransformFailedError,
  type TransformInput,
  TransformNotCompleteError,
  type TransformOptions,
  type TransformResult,
  type TransformResultRecord,
  type TransformStarted,
  TransformStoppedError,
  type TransformWaitOptions,
  TransformWaitTimeoutError,
} from "./sagemaker";
export * from "./comprehend";
export { ComprehendInputError, OPERATIONS, type Operation } from "./comprehend/text";
/** @deprecated Since 0.3 uploads need no forced garbage collections (services/part-upload.ts): kept so imports keep compiling. */
export const BATCH_COLLECT_EVERY_MIB = 16;
