/**
 * This repository's stack: its Pulumi config (`roadmapx-ai:*` keys, validated once) turned into one
 * AiServicesAccess, and the component's values exported as the stack outputs. A function rather than
 * top-level code, so that tests (and the local emulator harness) can run it again with other config
 * under Pulumi mocks. Your own Pulumi program can use the component directly instead.
 */
import * as pulumi from "@pulumi/pulumi";
import { PREFIXES, type StackOutputValues } from "@roadmapx-ai/core";
import { AiServicesAccess } from "./components/ai-services-access";
import { type InfraConfig, PROJECT, loadInfraConfig } from "./config";

/**
 * The stack outputs: core's contract (docs/DESIGN.md keys: more may be added, none renamed), each
 * value plain or a Pulumi output of it. services and verify read the same type from the outputs file.
 */
export type StackOutputs = { [K in keyof StackOutputValues]: StackOutputValues[K] | pulumi.Output<StackOutputValues[K]> };

export function defineStack(config: InfraConfig = loadInfraConfig()): StackOutputs {
  const stack = pulumi.getStack();
  const access = new AiServicesAccess(`${PROJECT}-${stack}`, {
    appBucketName: config.appBucketName,
    createArtifactsBucket: config.artifactsBucket.create,
    // A derived name is the component's own default (<name>-artifacts-<account>-<region>).
    artifactsBucketName: config.artifactsBucket.create && "name" in config.artifactsBucket ? config.artifactsBucket.name : undefined,
    kmsKeyArn: config.kmsKeyArn,
    appBucketPolicy: config.appBucketPolicy,
    noncurrentVersionDays: config.noncurrentVersionDays,
    resourceNamePrefix: config.resourceNamePrefix,
    region: config.region,
    tags: { project: PROJECT, stack },
  });
  return {
    artifactsBucketName: access.artifactsBucketName,
    artifactsBucketCreated: access.artifactsBucketCreated,
    personalizeRoleArn: access.personalizeRoleArn,
    sagemakerRoleArn: access.sagemakerRoleArn,
    comprehendRoleArn: access.comprehendRoleArn,
    region: config.region,
    prefixes: { ...PREFIXES },
    appPolicyArn: access.appPolicyArn,
    verifierPolicyArn: access.verifierPolicyArn,
    appBucketName: config.appBucketName,
    appBucketPolicyMode: access.appBucketPolicyMode,
    personalizeBucketPolicyStatements: access.personalizeBucketPolicyStatements,
    kmsKeyArn: config.kmsKeyArn ?? null,
    resourceNamePrefix: access.resourceNamePrefix,
  };
}
