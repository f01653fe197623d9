/**
 * The drop-in for the backend's `backend/src/config/aws.ts`: the same `s3Client` and `S3_CONFIG`
 * names and shapes, without its non-null assertions on credentials.
 *
 *   import { s3Client, S3_CONFIG } from "@roadmapx-ai/services/s3";
 *
 * Importing it cannot throw: it reads only what the seed's file read (AWS_REGION, S3_REGION,
 * S3_BUCKET_NAME; AWS_ENDPOINT_URL through the SDK), so the backend's user-upload routes start
 * whatever state the AI configuration is in. Credentials come from the SDK's default chain
 * (environment, profile/SSO, instance or task role). `S3_CONFIG.aiBucketName` is the one AI value
 * here: it is resolved, and validated with the variable named, when it is first read.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { DEFAULT_APP_BUCKET, DEFAULT_REGION, resolveRuntimeConfig } from "@roadmapx-ai/core";
import { AwsClients } from "./aws/clients";

export interface S3Config {
  /** The application's bucket: S3_BUCKET_NAME, else roadmapx-files. */
  readonly bucketName: string;
  /** The bucket's region: S3_REGION, else AWS_REGION, else us-east-1. */
  readonly region: string;
  /** Where AI data goes: AI_ARTIFACTS_BUCKET, the stack outputs' bucket, else bucketName. Resolved on first read. */
  readonly aiBucketName: string;
}

function setting(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}

/** Builds the pair from an environment (the module's own exports use `process.env`). */
export function createS3Config(env: NodeJS.ProcessEnv = process.env): { s3Client: S3Client; S3_CONFIG: S3Config } {
  const region = setting(env, "S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION") ?? DEFAULT_REGION;
  const clients = new AwsClients({ region, endpoint: setting(env, "AWS_ENDPOINT_URL") });
  let aiBucketName: string | undefined;
  const S3_CONFIG: S3Config = {
    bucketName: setting(env, "S3_BUCKET_NAME") ?? DEFAULT_APP_BUCKET,
    region,
    get aiBucketName(): string {
      aiBucketName ??= resolveRuntimeConfig({}, env).aiBucket;
      return aiBucketName;
    },
  };
  return { s3Client: clients.s3, S3_CONFIG };
}

const created = createS3Config();
export const s3Client: S3Client = created.s3Client;
export const S3_CONFIG: S3Config = created.S3_CONFIG;
