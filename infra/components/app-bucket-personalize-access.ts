import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mergeBucketPolicy, personalizeBucketPolicyStatements } from "@roadmapx-ai/core";

export interface AppBucketPersonalizeAccessArgs {
  /** The application's existing bucket. It is never created, replaced or deleted. */
  bucketName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  /** This account: Personalize's statements admit it only when it acts for this account. */
  accountId: pulumi.Input<string>;
}

/**
 * Opt-in (`appBucketPolicy: merge`): the stack takes ownership of the application bucket's policy.
 * At every deployment it reads the policy the bucket has, keeps every statement in it, and adds (or
 * refreshes) Personalize's statements. A bucket can have only one policy, so a plain BucketPolicy
 * would silently drop whatever the bucket already allowed or denied.
 *
 * On `pulumi destroy` the policy is left as it is (retainOnDelete): deleting it would also delete the
 * owner's statements. Remove the `RoadmapxAi*` statements by hand if you no longer want them.
 */
export class AppBucketPersonalizeAccess extends pulumi.ComponentResource {
  readonly policy: aws.s3.BucketPolicy;
  /** The policy document the stack wrote, as JSON. */
  readonly policyJson: pulumi.Output<string>;

  constructor(name: string, args: AppBucketPersonalizeAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:storage:AppBucketPersonalizeAccess", name, {}, opts);

    const bucket = pulumi.output(args.bucketName);
    const existing = bucket.apply((b) => readExistingPolicy(b, this));
    this.policyJson = pulumi
      .all([existing, args.partition, bucket, args.accountId])
      .apply(([current, partition, b, accountId]) => JSON.stringify(mergeBucketPolicy(current, personalizeBucketPolicyStatements(partition, b, accountId))));

    this.policy = new aws.s3.BucketPolicy(name, { bucket, policy: this.policyJson }, { parent: this, retainOnDelete: true });
    this.registerOutputs({ policyJson: this.policyJson });
  }
}

/**
 * The bucket's current policy JSON, or undefined when it has none. Any other failure stops the
 * deployment: writing a policy without having read the current one could drop its statements.
 */
async function readExistingPolicy(bucket: string, parent: pulumi.Resource): Promise<string | undefined> {
  try {
    const result = await aws.s3.getBucketPolicy({ bucket }, { parent });
    return result.policy;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/NoSuchBucketPolicy|bucket policy does not exist/i.test(message)) return undefined;
    throw new pulumi.ResourceError(
      `could not read the current policy of bucket "${bucket}" (${message}); refusing to write a new one that ` +
        `could drop its statements. Grant s3:GetBucketPolicy to the deploying identity, or set ` +
        `roadmapx-ai:appBucketPolicy to "output" and add the statement by hand.`,
      parent,
    );
  }
}
