import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type AwsTarget, verifierPolicy } from "@roadmapx-ai/core";

export interface VerifierPolicyArgs {
  target: pulumi.Input<AwsTarget>;
  /** The stack's SSE-KMS key, when it has one (else the verifier may describe this account's keys in the region). */
  kmsKeyArn?: pulumi.Input<string> | undefined;
  /** The buckets `roadmapx-ai verify` reads: the AI bucket and the app bucket. */
  bucketNames: pulumi.Input<pulumi.Input<string>[]>;
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
}

/**
 * A read-only managed policy with exactly the reads `roadmapx-ai verify` makes (core/verifier-reads.ts,
 * derived from the verifier's code): attach it to whoever runs the checklist, a CI role or an operator.
 */
export class VerifierPolicy extends pulumi.ComponentResource {
  readonly policy: aws.iam.Policy;
  readonly policyArn: pulumi.Output<string>;

  constructor(name: string, args: VerifierPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("roadmapx-ai:iam:VerifierPolicy", name, {}, opts);
    this.policy = new aws.iam.Policy(
      name,
      {
        description: "Lets roadmapx-ai verify read what decides the AI services' access (read-only)",
        policy: pulumi
          .all([args.target, pulumi.output(args.bucketNames), args.kmsKeyArn])
          .apply(([target, buckets, kmsKeyArn]) => JSON.stringify(verifierPolicy({ target, buckets, kmsKeyArn }))),
        tags: args.tags,
      },
      { parent: this },
    );
    this.policyArn = this.policy.arn;
    this.registerOutputs({ policyArn: this.policyArn });
  }
}
