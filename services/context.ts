/**
 * What every service needs: the resolved configuration, the one client factory, the AI storage and a
 * logger. `createServiceContext()` builds it from the environment (docs/DESIGN.md precedence).
 */
import { type AwsClientOptions, AwsClients } from "./aws/clients";
import { type RuntimeConfig, type RuntimeConfigOptions, resolveRuntimeConfig } from "@roadmapx-ai/core";
import { AiStorage } from "./storage";

export interface Logger {
  info(message: string): void;
  /** Costs and risks: whatever creates a billed resource says so here. */
  warn(message: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
};

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };

export interface ServiceContext {
  config: RuntimeConfig;
  clients: AwsClients;
  storage: AiStorage;
  logger: Logger;
}

export interface ServiceContextOptions extends RuntimeConfigOptions {
  env?: NodeJS.ProcessEnv;
  clientOptions?: Partial<AwsClientOptions>;
  logger?: Logger;
}

export function createServiceContext(options: ServiceContextOptions = {}): ServiceContext {
  const config = resolveRuntimeConfig(options, options.env ?? process.env);
  const clients = new AwsClients({ region: config.region, s3Region: config.s3Region, endpoint: config.endpoint, ...options.clientOptions });
  return { config, clients, storage: new AiStorage(clients, config.aiBucket), logger: options.logger ?? consoleLogger };
}
