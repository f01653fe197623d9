/**
 * What the RoadmapX backend imports: one call builds the configuration (validated once), the AWS
 * clients and every AI service.
 *
 *   const ai = createAiServices();          // reads the environment and AI_STACK_OUTPUTS
 *   await ai.personalize.importDataset(datasetArn, csvData, "personalize/data.csv");
 *   const { artifactUri } = await ai.sagemaker.train({ image, channels: [{ name: "train", dataset: "churn" }] });
 *   for await (const doc of ai.comprehend.analyzeMany(comments, { operations: ["sentiment"] })) save(doc);
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
  const context = createServiceContext(options);
  return {
    ...context,
    personalize: new PersonalizeService(context, options.wait),
    sagemaker: new SageMakerService(context),
    comprehend: new ComprehendService(context),
  };
}

export { ConfigError, resolveRuntimeConfig } from "./config";
export type { RuntimeConfig } from "./config";
export { AiStorage, aiKey, assertAiKey, KeyError, UploadAbortedError } from "./storage";
export type { AnalyzedDocument, AnalyzeOptions } from "./comprehend";
export { TrainingFailedError, TrainingWaitTimeoutError, SageMakerInputError } from "./sagemaker/errors";
export { ComprehendInputError } from "./comprehend/text";
