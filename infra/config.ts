/**
 * Stack configuration: read once, validated completely, before any resource is declared.
 * `parseInfraConfig` is pure (a map of config keys in, a typed config or every problem out), so tests
 * can feed it any combination; `loadInfraConfig` reads Pulumi's config and throws a RunError.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RESOURCE_NAME_PREFIX, bucketNameProblem, parseKmsKeyArn, regionProblem, resourceNamePrefixProblem } from "@roadmapx-ai/core";

export const PROJECT = "roadmapx-ai";

/** How the stack gives Personalize its statement in the application's existing bucket policy. */
export type AppBucketPolicyMode = "output" | "merge";

/**
 * Where the AI data goes: the application's bucket as it is, or a created bucket with the name
 * `roadmapx-ai:artifactsBucketName` gives, or one derived from project, stack, account and region
 * (`nameTemplate`, whose {account} is filled in once the account is known).
 */
export type ArtifactsBucketConfig = { create: false } | { create: true; name: string } | { create: true; nameTemplate: string };

export interface InfraConfig {
  region: string;
  appBucketName: string;
  /** Reuse the application's bucket, or create a hardened one, named or with a derived name. */
  artifactsBucket: ArtifactsBucketConfig;
  kmsKeyArn?: string | undefined;
  appBucketPolicy: AppBucketPolicyMode;
  noncurrentVersionDays: number;
  resourceNamePrefix: string;
}

/** Every key this project reads, with the one-line help shown when a key is unknown. */
export const CONFIG_KEYS: Readonly<Record<string, string>> = {
  appBucketName: "the application's existing bucket (S3_BUCKET_NAME); default roadmapx-files",
  createArtifactsBucket: "true to create a separate hardened AI-artifacts bucket; default false",
  artifactsBucketName: "name of the created AI-artifacts bucket; default derived from project, stack, account, region",
  kmsKeyArn: "SSE-KMS key ARN for the AI bucket (or the key the app bucket already uses); default SSE-S3",
  appBucketPolicy:
    "output (default): export the Personalize statement for you to add; merge: the stack owns the app bucket's policy, keeping its existing statements",
  noncurrentVersionDays: "days before noncurrent object versions in the created bucket expire; default 30",
  resourceNamePrefix: "Personalize and SageMaker resources of this stack are named <prefix>-...; the application policy covers only those; default roadmapx",
};

export const ACCOUNT_PLACEHOLDER = "{account}";

export class InfraConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid stack configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        `Fix with \`pulumi config set ${PROJECT}:<key> <value>\` (or \`pulumi config rm\`), then run again.`,
    );
    this.name = "InfraConfigError";
  }
}

function parseBoolean(key: string, value: string | undefined, fallback: boolean, problems: string[]): boolean {
  if (value === undefined) return fallback;
  if (value === "true" || value === "false") return value === "true";
  problems.push(`${PROJECT}:${key} must be true or false (it is "${value}")`);
  return fallback;
}

/** Lowercase, and anything S3 does not allow becomes "-": stack names may hold "_" or capitals. */
function bucketSafe(part: string): string {
  return part
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * @param raw all config of the stack, keys as Pulumi stores them (`roadmapx-ai:appBucketName`, `aws:region`)
 * @param stack the stack name, used to derive the artifacts-bucket name
 * @param envRegion the region from the environment, used when `aws:region` is not set
 */
export function parseInfraConfig(raw: Readonly<Record<string, string>>, stack: string, envRegion?: string): InfraConfig {
  const problems: string[] = [];
  const own = (key: string): string | undefined => raw[`${PROJECT}:${key}`];

  for (const fullKey of Object.keys(raw)) {
    if (!fullKey.startsWith(`${PROJECT}:`)) continue;
    const key = fullKey.slice(PROJECT.length + 1);
    if (!(key in CONFIG_KEYS)) {
      const known = Object.keys(CONFIG_KEYS)
        .map((k) => `${PROJECT}:${k}`)
        .join(", ");
      problems.push(`${fullKey} is not a setting of this project (known: ${known})`);
    }
  }

  const region = raw["aws:region"] ?? envRegion;
  if (region === undefined) {
    problems.push("aws:region is not set: run `pulumi config set aws:region us-east-1`");
  } else {
    const p = regionProblem(region);
    if (p) problems.push(`aws:region: ${p}`);
  }

  const appBucketName = own("appBucketName") ?? "roadmapx-files";
  const appProblem = bucketNameProblem(appBucketName);
  if (appProblem) problems.push(`${PROJECT}:appBucketName "${appBucketName}" ${appProblem}`);

  const createArtifactsBucket = parseBoolean("createArtifactsBucket", own("createArtifactsBucket"), false, problems);

  const artifactsBucketName = own("artifactsBucketName");
  let artifactsBucket: ArtifactsBucketConfig = { create: false };
  if (artifactsBucketName !== undefined && !createArtifactsBucket) {
    problems.push(
      `${PROJECT}:artifactsBucketName is set but ${PROJECT}:createArtifactsBucket is not true: ` +
        `set createArtifactsBucket to true, or remove artifactsBucketName`,
    );
  }
  if (createArtifactsBucket) {
    if (artifactsBucketName !== undefined) {
      const p = bucketNameProblem(artifactsBucketName);
      if (p) problems.push(`${PROJECT}:artifactsBucketName "${artifactsBucketName}" ${p}`);
      if (artifactsBucketName === appBucketName) {
        problems.push(`${PROJECT}:artifactsBucketName must differ from appBucketName ("${appBucketName}")`);
      }
      artifactsBucket = { create: true, name: artifactsBucketName };
    } else {
      // Bucket names are global: the account and region make the derived name unique to this stack.
      const nameTemplate = `${PROJECT}-${bucketSafe(stack)}-artifacts-${ACCOUNT_PLACEHOLDER}-${region ?? ""}`;
      artifactsBucket = { create: true, nameTemplate };
      const sample = nameTemplate.replace(ACCOUNT_PLACEHOLDER, "123456789012");
      const p = bucketNameProblem(sample);
      if (p) {
        problems.push(`the derived artifacts bucket name "${sample}" ${p}: set ${PROJECT}:artifactsBucketName to a name of your own`);
      }
    }
  }

  const kmsKeyArn = own("kmsKeyArn");
  if (kmsKeyArn !== undefined) {
    const parsed = parseKmsKeyArn(kmsKeyArn);
    if (typeof parsed === "string") {
      problems.push(`${PROJECT}:kmsKeyArn "${kmsKeyArn}" ${parsed}`);
    } else if (region !== undefined && parsed.region !== region) {
      problems.push(`${PROJECT}:kmsKeyArn is in ${parsed.region} but the stack is in ${region}: S3 encrypts only with a key of the bucket's own region`);
    }
  }

  const appBucketPolicyValue = own("appBucketPolicy") ?? "output";
  let appBucketPolicy: AppBucketPolicyMode = "output";
  if (appBucketPolicyValue === "output" || appBucketPolicyValue === "merge") {
    appBucketPolicy = appBucketPolicyValue;
  } else {
    problems.push(`${PROJECT}:appBucketPolicy must be "output" or "merge" (it is "${appBucketPolicyValue}")`);
  }
  if (appBucketPolicy === "merge" && createArtifactsBucket) {
    problems.push(
      `${PROJECT}:appBucketPolicy is "merge" but createArtifactsBucket is true: Personalize then reads the new bucket, ` +
        `whose policy the stack writes itself; remove appBucketPolicy`,
    );
  }

  let noncurrentVersionDays = 30;
  const daysValue = own("noncurrentVersionDays");
  if (daysValue !== undefined) {
    const n = Number(daysValue);
    if (!Number.isInteger(n) || n < 1) {
      problems.push(`${PROJECT}:noncurrentVersionDays must be a whole number of days, 1 or more (it is "${daysValue}")`);
    } else {
      noncurrentVersionDays = n;
    }
  }

  const resourceNamePrefix = own("resourceNamePrefix") ?? DEFAULT_RESOURCE_NAME_PREFIX;
  const prefixProblem = resourceNamePrefixProblem(resourceNamePrefix);
  if (prefixProblem) problems.push(`${PROJECT}:resourceNamePrefix "${resourceNamePrefix}" ${prefixProblem}`);

  if (problems.length > 0 || region === undefined) throw new InfraConfigError(problems);
  return {
    region,
    appBucketName,
    artifactsBucket,
    kmsKeyArn,
    appBucketPolicy,
    noncurrentVersionDays,
    resourceNamePrefix,
  };
}

/** Reads this stack's Pulumi config; invalid config stops the program with every problem listed. */
export function loadInfraConfig(): InfraConfig {
  try {
    return parseInfraConfig(pulumi.runtime.allConfig(), pulumi.getStack(), process.env["AWS_REGION"] ?? process.env["AWS_DEFAULT_REGION"]);
  } catch (err) {
    // RunError prints the message without a stack trace: the trace would only hide the fix.
    if (err instanceof InfraConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}
