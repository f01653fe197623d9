import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsTarget } from "@roadmapx-ai/core";
import { serviceRolePolicy, trustPolicy } from "@roadmapx-ai/core";
import type { ServiceRequirement } from "@roadmapx-ai/core";

export interface ServiceRoleArgs {
  /** What the service needs, from core/requirements. */
  requirement: ServiceRequirement;
  target: pulumi.Input<AwsTarget>;
  /** The bucket the service reads and writes. */
  bucketName: pulumi.Input<string>;
  kmsKeyArn?: pulumi.Input<string> | undefined;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/**
 * The role an AI service assumes: a trust policy pinned to this account and region (confused-deputy
 * protection), and one inline policy generated from the requirements model.
 */
export class ServiceRole extends pulumi.ComponentResource {
  readonly role: aws.iam.Role;
  readonly policy: aws.iam.RolePolicy;
  /** Resolves only once the inline policy exists, so nothing passes the role before it can work. */
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: ServiceRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:iam:ServiceRole", name, {}, opts);
    const req = args.requirement;

    this.role = new aws.iam.Role(
      name,
      {
        description: `Assumed by ${req.title} to use the RoadmapX AI prefixes (managed by roadmapx-ai)`,
        assumeRolePolicy: pulumi.output(args.target).apply((t) => JSON.stringify(trustPolicy(req, t))),
        tags: args.tags,
      },
      { parent: this },
    );

    this.policy = new aws.iam.RolePolicy(
      `${name}-access`,
      {
        role: this.role.name,
        policy: pulumi
          .all([args.target, args.bucketName, args.kmsKeyArn])
          .apply(([target, bucket, kmsKeyArn]) => JSON.stringify(serviceRolePolicy(req, { target, bucket, kmsKeyArn }))),
      },
      { parent: this },
    );

    this.roleArn = pulumi.all([this.role.arn, this.policy.id]).apply(([arn]) => arn);
    this.registerOutputs({ roleArn: this.roleArn });
  }
}
