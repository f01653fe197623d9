import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { artifactsBucketPolicy } from "@roadmapx-ai/core";

export interface AiArtifactsBucketArgs {
  bucketName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  /** This account: Personalize's statements admit it only when it acts for this account. */
  accountId: pulumi.Input<string>;
  /** SSE-KMS key; SSE-S3 (AES256) when absent. */
  kmsKeyArn?: pulumi.Input<string> | undefined;
  /** Days before noncurrent versions expire. */
  noncurrentVersionDays: pulumi.Input<number>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/** Days after which an unfinished multipart upload is aborted and its parts deleted. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/**
 * A private, encrypted, versioned bucket for AI training data and model artifacts: Block Public
 * Access on, ACLs disabled, TLS-only, and Personalize let in to its own prefix.
 */
export class AiArtifactsBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(name: string, args: AiArtifactsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:storage:AiArtifactsBucket", name, {}, opts);
    const child = { parent: this };

    this.bucket = new aws.s3.Bucket(name, { bucket: args.bucketName, forceDestroy: false, tags: args.tags }, child);
    const bucketId = this.bucket.id;

    const ownership = new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);

    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucketId,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      child,
    );

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucketId,
        rules: [
          args.kmsKeyArn
            ? {
                applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
                // A bucket key cuts KMS requests (and their cost) by orders of magnitude.
                bucketKeyEnabled: true,
              }
            : { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ],
      },
      child,
    );

    const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }, child);

    new aws.s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      {
        bucket: bucketId,
        rules: [
          {
            id: "abort-incomplete-multipart-uploads",
            status: "Enabled",
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS },
          },
          {
            id: "expire-noncurrent-versions",
            status: "Enabled",
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
            // Once the old versions are gone, drop the delete markers left pointing at nothing.
            expiration: { expiredObjectDeleteMarker: true },
          },
        ],
      },
      // Lifecycle rules on noncurrent versions need versioning in place first.
      { ...child, dependsOn: [versioning] },
    );

    new aws.s3.BucketPolicy(
      `${name}-policy`,
      {
        bucket: bucketId,
        policy: pulumi
          .all([args.partition, this.bucket.bucket, args.accountId])
          .apply(([partition, bucket, accountId]) => JSON.stringify(artifactsBucketPolicy(partition, bucket, accountId))),
      },
      // S3 refuses some policy writes while Block Public Access settings are changing; ordering
      // after the public-access block and ownership controls avoids that race.
      { ...child, dependsOn: [publicAccessBlock, ownership] },
    );

    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;
    this.registerOutputs({ bucketName: this.bucketName, bucketArn: this.bucketArn });
  }
}
