import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsTarget } from "@roadmapx-ai/core";
import { applicationPolicy } from "@roadmapx-ai/core";

export interface ApplicationPolicyArgs {
  target: pulumi.Input<AwsTarget>;
  bucketName: pulumi.Input<string>;
  personalizeRoleArn: pulumi.Input<string>;
  sagemakerRoleArn: pulumi.Input<string>;
  /** The Comprehend data-access role (PassComprehendRole); omitted, the policy passes no Comprehend role. */
  comprehendRoleArn?: pulumi.Input<string> | undefined;
  kmsKeyArn?: pulumi.Input<string> | undefined;
  /** Names of this project's Personalize and SageMaker resources start with `<prefix>-` (default "roadmapx"). */
  resourceNamePrefix?: pulumi.Input<string> | undefined;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/**
 * A managed policy for the application's own role (attach it to the backend's role or user): pass our
 * roles to their services only, call the AI APIs, and use the AI prefixes of the bucket.
 */
export class ApplicationPolicy extends pulumi.ComponentResource {
  readonly policy: aws.iam.Policy;
  readonly policyArn: pulumi.Output<string>;

  constructor(name: string, args: ApplicationPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:iam:ApplicationPolicy", name, {}, opts);

    this.policy = new aws.iam.Policy(
      name,
      {
        description: "Lets the RoadmapX backend run Personalize, SageMaker and Comprehend on its AI prefixes",
        policy: pulumi
          .all([args.target, args.bucketName, args.personalizeRoleArn, args.sagemakerRoleArn, args.comprehendRoleArn, args.kmsKeyArn, args.resourceNamePrefix])
          .apply(([target, bucket, personalizeRoleArn, sagemakerRoleArn, comprehendRoleArn, kmsKeyArn, resourceNamePrefix]) =>
            JSON.stringify(applicationPolicy({ target, bucket, personalizeRoleArn, sagemakerRoleArn, comprehendRoleArn, kmsKeyArn, resourceNamePrefix })),
          ),
        tags: args.tags,
      },
      { parent: this },
    );

    this.policyArn = this.policy.arn;
    this.registerOutputs({ policyArn: this.policyArn });
  }
}
