/**
 * Declares everything the stack owns. A function rather than top-level code, so that tests (and the
 * local emulator harness) can run it again with other config under Pulumi mocks.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsTarget } from "../core/iam";
import { personalizeBucketPolicyStatements } from "../core/policies";
import { PREFIXES, SERVICES } from "../core/requirements";
import { AiArtifactsBucket } from "./components/ai-artifacts-bucket";
import { AppBucketPersonalizeAccess } from "./components/app-bucket-personalize-access";
import { ApplicationPolicy } from "./components/application-policy";
import { ServiceRole } from "./components/service-role";
import { ACCOUNT_PLACEHOLDER, type AppBucketPolicyMode, type InfraConfig, PROJECT, loadInfraConfig } from "./config";

/** The stack outputs. The first seven keys are a contract (DESIGN.md): never rename them. */
export interface StackOutputs {
  artifactsBucketName: pulumi.Output<string>;
  artifactsBucketCreated: boolean;
  personalizeRoleArn: pulumi.Output<string>;
  sagemakerRoleArn: pulumi.Output<string>;
  region: string;
  prefixes: { userUploads: string; personalize: string; training: string; models: string };
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
  const tags = { project: PROJECT, stack, "managed-by": "pulumi" };

  const identity = aws.getCallerIdentityOutput();
  const partition = aws.getPartitionOutput().partition;
  const target: pulumi.Output<AwsTarget> = pulumi
    .all([partition, identity.accountId])
    .apply(([p, accountId]) => ({ partition: p, accountId, region: config.region }));

  let bucketName: pulumi.Output<string>;
  let appBucketPolicyMode: StackOutputs["appBucketPolicyMode"];
  if (config.createArtifactsBucket) {
    const name =
      config.artifactsBucketName ??
      identity.accountId.apply((account) =>
        (config.artifactsBucketNameTemplate ?? "").replace(ACCOUNT_PLACEHOLDER, account),
      );
    const artifacts = new AiArtifactsBucket("ai-artifacts", {
      bucketName: name,
      partition,
      kmsKeyArn: config.kmsKeyArn,
      noncurrentVersionDays: config.noncurrentVersionDays,
      tags,
    });
    bucketName = artifacts.bucketName;
    appBucketPolicyMode = "not-needed";
  } else {
    // The application's bucket is reused as it is: no resource of this stack creates or replaces it.
    bucketName = pulumi.output(config.appBucketName);
    appBucketPolicyMode = config.appBucketPolicy;
    if (config.appBucketPolicy === "merge") {
      new AppBucketPersonalizeAccess("app-bucket-personalize-access", { bucketName: config.appBucketName, partition });
    }
  }

  const roleArgs = { target, bucketName, kmsKeyArn: config.kmsKeyArn, tags };
  const personalizeRole = new ServiceRole(`${PROJECT}-${stack}-personalize`, {
    ...roleArgs,
    requirement: SERVICES.personalize,
  });
  const sagemakerRole = new ServiceRole(`${PROJECT}-${stack}-sagemaker`, {
    ...roleArgs,
    requirement: SERVICES.sagemaker,
  });

  const appPolicy = new ApplicationPolicy(`${PROJECT}-${stack}-application`, {
    target,
    bucketName,
    personalizeRoleArn: personalizeRole.roleArn,
    sagemakerRoleArn: sagemakerRole.roleArn,
    kmsKeyArn: config.kmsKeyArn,
    tags,
  });

  return {
    artifactsBucketName: bucketName,
    artifactsBucketCreated: config.createArtifactsBucket,
    personalizeRoleArn: personalizeRole.roleArn,
    sagemakerRoleArn: sagemakerRole.roleArn,
    region: config.region,
    prefixes: { ...PREFIXES },
    appPolicyArn: appPolicy.policyArn,
    appBucketName: config.appBucketName,
    appBucketPolicyMode,
    personalizeBucketPolicyStatements: pulumi
      .all([partition, bucketName])
      .apply(([p, b]) => JSON.stringify(personalizeBucketPolicyStatements(p, b), null, 2)),
    kmsKeyArn: config.kmsKeyArn ?? null,
  };
}
