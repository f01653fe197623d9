/**
 * A drop-in for the backend's `backend/src/config/aws.ts`: the same `s3Client` and `S3_CONFIG` names
 * and shapes, without its non-null assertions on credentials. Credentials come from the SDK's default
 * chain (environment, profile/SSO, instance or task role), and the configuration is validated once,
 * with errors that name the variable.
 *
 *   import { s3Client, S3_CONFIG } from "roadmapx-ai/services/s3-compat";
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { AwsClients } from "./aws/clients";
import { resolveRuntimeConfig } from "./config";

export interface S3Config {
  bucketName: string;
  region: string;
  /** Where AI data goes: AI_ARTIFACTS_BUCKET, else bucketName. */
  aiBucketName: string;
}

export function createS3Config(env: NodeJS.ProcessEnv = process.env): { s3Client: S3Client; S3_CONFIG: S3Config } {
  const config = resolveRuntimeConfig({}, env);
  const clients = new AwsClients({ region: config.region, s3Region: config.s3Region, endpoint: config.endpoint });
  return {
    s3Client: clients.s3,
    S3_CONFIG: { bucketName: config.appBucket, region: config.s3Region, aiBucketName: config.aiBucket },
  };
}

const created = createS3Config();
export const s3Client: S3Client = created.s3Client;
export const S3_CONFIG: S3Config = created.S3_CONFIG;
