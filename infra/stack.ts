/**
 * This repository's stack: its Pulumi config (`roadmapx-ai:*` keys, validated once) turned into one
 * AiServicesAccess, and the component's values exported as the stack outputs. A function rather than
 * top-level code, so that tests (and the local emulator harness) can run it again with other config
 * under Pulumi mocks. Your own Pulumi program can use the component directly instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { PREFIXES } from "@roadmapx-ai/core";
import { type AppBucketPolicyMode, AiServicesAccess } from "./components/ai-services-access";
import { type InfraConfig, PROJECT, loadInfraConfig } from "./config";

/** The stack outputs. The first seven keys are a contract (docs/DESIGN.md): never rename them. */
export interface StackOutputs {
  artifactsBucketName: pulumi.Output<string>;
  artifactsBucketCreated: boolean;
  personalizeRoleArn: pulumi.Output<string>;
  sagemakerRoleArn: pulumi.Output<string>;
  region: string;
  prefixes: typeof PREFIXES;
  appPolicyArn: pulumi.Output<string>;
  /** The application's bucket (user uploads), whether or not the AI services use it. */
  appBucketName: string;
  /** How Personalize's statement reaches the app bucket's policy ("output" means: by you). */
  appBucketPolicyMode: AppBucketPolicyMode | "not-needed";
  /**
   * The bucket-policy statements Personalize needs on the AI bucket, as JSON. With
   * `appBucketPolicy: output` these are what you add to the app bucket's policy.
   */
  personalizeBucketPolicyStatements: pulumi.Output<string>;
  kmsKeyArn: string | null;
}

export function defineStack(config: InfraConfig = loadInfraConfig()): StackOutputs {
  const stack = pulumi.getStack();
  const access = new AiServicesAccess(`${PROJECT}-${stack}`, {
    appBucketName: config.appBucketName,
    createArtifactsBucket: config.createArtifactsBucket,
    artifactsBucketName: config.artifactsBucketName,
    kmsKeyArn: config.kmsKeyArn,
    appBucketPolicy: config.appBucketPolicy,
    noncurrentVersionDays: config.noncurrentVersionDays,
    region: config.region,
    tags: { project: PROJECT, stack },
  });
  return {
    artifactsBucketName: access.artifactsBucketName,
    artifactsBucketCreated: access.artifactsBucketCreated,
    personalizeRoleArn: access.personalizeRoleArn,
    sagemakerRoleArn: access.sagemakerRoleArn,
    region: config.region,
    prefixes: { ...PREFIXES },
    appPolicyArn: access.appPolicyArn,
    appBucketName: config.appBucketName,
    appBucketPolicyMode: access.appBucketPolicyMode,
    personalizeBucketPolicyStatements: access.personalizeBucketPolicyStatements,
    kmsKeyArn: config.kmsKeyArn ?? null,
  };
}
