import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  type AwsTarget,
  DEFAULT_RESOURCE_NAME_PREFIX,
  PREFIXES,
  SERVICES,
  bucketNameProblem,
  personalizeBucketPolicyStatements,
  resourceNamePrefixProblem,
} from "@roadmapx-ai/core";
import { AiArtifactsBucket } from "./ai-artifacts-bucket";
import { AppBucketPersonalizeAccess } from "./app-bucket-personalize-access";
import { ApplicationPolicy } from "./application-policy";
import { ServiceRole } from "./service-role";
import { VerifierPolicy } from "./verifier-policy";

/** How Personalize's statement reaches the application bucket's policy. */
export type AppBucketPolicyMode = "output" | "merge";

export interface AiServicesAccessArgs {
  /** The application's existing bucket (S3_BUCKET_NAME). It is never created, replaced or deleted. */
  appBucketName: pulumi.Input<string>;
  /**
   * Create a separate hardened AI-artifacts bucket instead of sharing the application's (default
   * false). A plain boolean: it decides which resources exist.
   */
  createArtifactsBucket?: boolean | undefined;
  /** Name of the created bucket; default `<name>-artifacts-<account>-<region>`. Only with createArtifactsBucket. */
  artifactsBucketName?: pulumi.Input<string> | undefined;
  /** SSE-KMS key ARN of the AI bucket (the created one is encrypted with it; else the key the app bucket uses). */
  kmsKeyArn?: pulumi.Input<string> | undefined;
  /**
   * `output` (default): export Personalize's bucket-policy statements for you to add to the app
   * bucket's policy. `merge`: this component owns that policy, keeping every statement it has.
   */
  appBucketPolicy?: AppBucketPolicyMode | undefined;
  /** Days before noncurrent versions in the created bucket expire (default 30). */
  noncurrentVersionDays?: pulumi.Input<number> | undefined;
  /**
   * This project's Personalize and SageMaker resources are named `<prefix>-...`, and the application
   * policy covers only those (default "roadmapx"). Give each stack in one account its own prefix.
   */
  resourceNamePrefix?: string | undefined;
  /** Region of the roles' confused-deputy pins; default the AWS provider's `aws:region`. */
  region?: pulumi.Input<string> | undefined;
  /** Tags on everything created; `managed-by: pulumi` is added. */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/**
 * Everything Amazon Personalize, SageMaker and Comprehend need to use an application's S3 bucket, and
 * what the application needs to use them: the three service roles (trust pinned to this account and region),
 * Personalize's bucket-policy statements (exported, or merged into the app bucket's policy), an
 * optional hardened AI-artifacts bucket, and a managed policy for the application's own role.
 *
 *   const ai = new AiServicesAccess("ai", { appBucketName: "roadmapx-files" });
 *   export const appPolicyArn = ai.appPolicyArn;
 *
 * Children are named `<name>-personalize`, `<name>-sagemaker`, `<name>-comprehend`, `<name>-application`,
 * `<name>-artifacts` and `<name>-app-bucket-personalize-access`.
 */
export class AiServicesAccess extends pulumi.ComponentResource {
  /** The bucket the AI services use: the created one, or the app bucket. */
  readonly artifactsBucketName: pulumi.Output<string>;
  readonly artifactsBucketCreated: boolean;
  readonly personalizeRoleArn: pulumi.Output<string>;
  readonly sagemakerRoleArn: pulumi.Output<string>;
  /** The data-access role Comprehend's analysis jobs assume (`comprehend/input/` → `comprehend/output/`). */
  readonly comprehendRoleArn: pulumi.Output<string>;
  /** Managed policy to attach to the application's own role or user. */
  readonly appPolicyArn: pulumi.Output<string>;
  /** Read-only managed policy for whoever runs `roadmapx-ai verify`. */
  readonly verifierPolicyArn: pulumi.Output<string>;
  readonly appBucketName: pulumi.Output<string>;
  /** How Personalize's statement reaches the app bucket's policy (`output` means: by you). */
  readonly appBucketPolicyMode: AppBucketPolicyMode | "not-needed";
  /** The bucket-policy statements Personalize needs on the AI bucket, as JSON. */
  readonly personalizeBucketPolicyStatements: pulumi.Output<string>;
  readonly region: pulumi.Output<string>;
  readonly prefixes: typeof PREFIXES = PREFIXES;
  readonly kmsKeyArn: pulumi.Output<string | undefined>;
  readonly resourceNamePrefix: string;

  constructor(name: string, args: AiServicesAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:index:AiServicesAccess", name, {}, opts);
    this.resourceNamePrefix = args.resourceNamePrefix ?? DEFAULT_RESOURCE_NAME_PREFIX;
    const prefixProblem = resourceNamePrefixProblem(this.resourceNamePrefix);
    if (prefixProblem) throw new Error(`AiServicesAccess ${name}: resourceNamePrefix "${this.resourceNamePrefix}" ${prefixProblem}`);
    const parent = { parent: this };
    // Until 0.2 this repository's program declared these components at the top of the stack, under
    // the names given here; the aliases let `pulumi up` adopt those resources instead of replacing
    // them (new role ARNs, a second bucket). On a stack that never had them they match nothing.
    const movedFromStack = (previousName?: string): pulumi.ComponentResourceOptions => ({
      parent: this,
      aliases: [{ ...(previousName ? { name: previousName } : {}), parent: pulumi.rootStackResource }],
    });
    const createBucket = args.createArtifactsBucket ?? false;
    const policyMode = args.appBucketPolicy ?? "output";
    if (args.artifactsBucketName !== undefined && !createBucket) {
      throw new pulumi.ResourceError("artifactsBucketName is set but createArtifactsBucket is not true: set it, or drop the name", this);
    }
    if (policyMode === "merge" && createBucket) {
      throw new pulumi.ResourceError(
        'appBucketPolicy "merge" with createArtifactsBucket: Personalize then reads the created bucket, whose policy this component writes itself',
        this,
      );
    }

    const tags = pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, "managed-by": "pulumi" }));
    const region = pulumi.output(args.region ?? aws.config.region).apply((r) => {
      if (!r) throw new pulumi.ResourceError("no region: pass `region` or set `aws:region`", this);
      return r;
    });
    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const target: pulumi.Output<AwsTarget> = pulumi
      .all([partition, identity.accountId, region])
      .apply(([p, accountId, r]) => ({ partition: p, accountId, region: r }));
    const appBucketName = pulumi.output(args.appBucketName);

    let bucketName: pulumi.Output<string>;
    if (createBucket) {
      const chosen =
        args.artifactsBucketName !== undefined
          ? pulumi.output(args.artifactsBucketName)
          : pulumi.all([identity.accountId, region]).apply(([account, r]) => derivedBucketName(name, account, r));
      const artifacts = new AiArtifactsBucket(
        `${name}-artifacts`,
        {
          bucketName: chosen,
          partition,
          accountId: identity.accountId,
          kmsKeyArn: args.kmsKeyArn,
          noncurrentVersionDays: args.noncurrentVersionDays ?? 30,
          tags,
        },
        movedFromStack("ai-artifacts"),
      );
      bucketName = artifacts.bucketName;
      this.appBucketPolicyMode = "not-needed";
    } else {
      bucketName = appBucketName;
      this.appBucketPolicyMode = policyMode;
      if (policyMode === "merge") {
        new AppBucketPersonalizeAccess(
          `${name}-app-bucket-personalize-access`,
          { bucketName: appBucketName, partition, accountId: identity.accountId },
          movedFromStack("app-bucket-personalize-access"),
        );
      }
    }

    const roleArgs = { target, bucketName, kmsKeyArn: args.kmsKeyArn, tags };
    const personalizeRole = new ServiceRole(`${name}-personalize`, { ...roleArgs, requirement: SERVICES.personalize }, movedFromStack());
    const sagemakerRole = new ServiceRole(`${name}-sagemaker`, { ...roleArgs, requirement: SERVICES.sagemaker }, movedFromStack());
    // New in 0.3: it never lived at the top of the stack, so it carries no alias.
    const comprehendRole = new ServiceRole(`${name}-comprehend`, { ...roleArgs, requirement: SERVICES.comprehend }, parent);
    const appPolicy = new ApplicationPolicy(
      `${name}-application`,
      {
        target,
        bucketName,
        personalizeRoleArn: personalizeRole.roleArn,
        sagemakerRoleArn: sagemakerRole.roleArn,
        comprehendRoleArn: comprehendRole.roleArn,
        kmsKeyArn: args.kmsKeyArn,
        resourceNamePrefix: this.resourceNamePrefix,
        tags,
      },
      movedFromStack(),
    );

    const verifier = new VerifierPolicy(`${name}-verifier`, { target, bucketNames: [bucketName, appBucketName], kmsKeyArn: args.kmsKeyArn, tags }, parent);

    this.artifactsBucketName = bucketName;
    this.artifactsBucketCreated = createBucket;
    this.personalizeRoleArn = personalizeRole.roleArn;
    this.sagemakerRoleArn = sagemakerRole.roleArn;
    this.comprehendRoleArn = comprehendRole.roleArn;
    this.appPolicyArn = appPolicy.policyArn;
    this.verifierPolicyArn = verifier.policyArn;
    this.appBucketName = appBucketName;
    this.region = region;
    this.kmsKeyArn = pulumi.output(args.kmsKeyArn);
    this.personalizeBucketPolicyStatements = pulumi
      .all([partition, bucketName, identity.accountId])
      .apply(([p, b, accountId]) => JSON.stringify(personalizeBucketPolicyStatements(p, b, accountId), null, 2));
    this.registerOutputs({
      artifactsBucketName: this.artifactsBucketName,
      personalizeRoleArn: this.personalizeRoleArn,
      sagemakerRoleArn: this.sagemakerRoleArn,
      comprehendRoleArn: this.comprehendRoleArn,
      appPolicyArn: this.appPolicyArn,
      verifierPolicyArn: this.verifierPolicyArn,
      personalizeBucketPolicyStatements: this.personalizeBucketPolicyStatements,
    });
  }
}

/** Bucket names are global: the account and region make the derived name unique to this stack. */
export function derivedBucketName(name: string, account: string, region: string): string {
  const safe = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const derived = `${safe}-artifacts-${account}-${region}`;
  const problem = bucketNameProblem(derived);
  if (problem) throw new Error(`the derived artifacts bucket name "${derived}" ${problem}: pass artifactsBucketName`);
  return derived;
}
