/**
 * What the RoadmapX backend imports: one call builds the configuration (validated once), the AWS
 * clients and every AI service.
 *
 *   const ai = createAiServices();          // reads the environment and AI_STACK_OUTPUTS
 *   await ai.personalize.importDataset(datasetArn, csvData, "personalize/data.csv");
 */
import { type ServiceContext, type ServiceContextOptions, createServiceContext } from "./context";
import { PersonalizeService } from "./personalize";
import type { WaitOptions } from "./personalize/workflow";

export interface AiServices extends ServiceContext {
  personalize: PersonalizeService;
}

export function createAiServices(options: ServiceContextOptions & { wait?: WaitOptions } = {}): AiServices {
  const context = createServiceContext(options);
  return { ...context, personalize: new PersonalizeService(context, options.wait) };
}

export { ConfigError, resolveRuntimeConfig } from "./config";
export type { RuntimeConfig } from "./config";
export { AiStorage, aiKey, assertAiKey, KeyError, UploadAbortedError } from "./storage";
