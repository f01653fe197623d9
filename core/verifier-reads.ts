/**
 * The reads the verifier makes, one per SDK command it sends, with the IAM action each is authorised
 * as and the resource type it acts on; and the read-only managed policy built from them (infra's
 * `verifierPolicyArn`). A test scans verify/ for every command it constructs and checks this list
 * names exactly those, so the policy follows the code rather than a hand-kept list.
 *
 * Resources: the stack's buckets; this account's roles, users, groups and customer managed policies,
 * and AWS managed policies (attached policies may be either); the stack's KMS key, or without one
 * the keys of this account and region. Any path: `--principal` may name a role or user with one.
 */
import { type AwsTarget, type PolicyDocument, type PolicyStatement, policyDocument, s3BucketArn } from "./iam";

export interface VerifierRead {
  /** The SDK client package's service (`client-s3` → "s3"). */
  service: "s3" | "iam" | "kms" | "sts";
  /** The SDK command's name, as verify/ constructs it. */
  command: string;
  /** The IAM action AWS authorises it as; undefined when it needs no permission. */
  action: string | undefined;
  /** The resource types it acts on (the Service Authorization Reference's required types). */
  on: readonly VerifierResource[];
}

export type VerifierResource = "bucket" | "role" | "user" | "group" | "policy" | "key";

export const VERIFIER_READS: readonly VerifierRead[] = [
  // Anyone may ask who they are: GetCallerIdentity needs no permission and cannot be denied.
  { service: "sts", command: "GetCallerIdentityCommand", action: undefined, on: [] },
  // HeadBucket is authorised as s3:ListBucket.
  { service: "s3", command: "HeadBucketCommand", action: "s3:ListBucket", on: ["bucket"] },
  { service: "s3", command: "GetBucketLocationCommand", action: "s3:GetBucketLocation", on: ["bucket"] },
  { service: "s3", command: "GetPublicAccessBlockCommand", action: "s3:GetBucketPublicAccessBlock", on: ["bucket"] },
  { service: "s3", command: "GetBucketEncryptionCommand", action: "s3:GetEncryptionConfiguration", on: ["bucket"] },
  { service: "s3", command: "GetBucketVersioningCommand", action: "s3:GetBucketVersioning", on: ["bucket"] },
  { service: "s3", command: "GetBucketPolicyCommand", action: "s3:GetBucketPolicy", on: ["bucket"] },
  { service: "iam", command: "GetRoleCommand", action: "iam:GetRole", on: ["role"] },
  { service: "iam", command: "ListRolePoliciesCommand", action: "iam:ListRolePolicies", on: ["role"] },
  { service: "iam", command: "GetRolePolicyCommand", action: "iam:GetRolePolicy", on: ["role"] },
  { service: "iam", command: "ListAttachedRolePoliciesCommand", action: "iam:ListAttachedRolePolicies", on: ["role"] },
  { service: "iam", command: "GetUserCommand", action: "iam:GetUser", on: ["user"] },
  { service: "iam", command: "ListUserPoliciesCommand", action: "iam:ListUserPolicies", on: ["user"] },
  { service: "iam", command: "GetUserPolicyCommand", action: "iam:GetUserPolicy", on: ["user"] },
  { service: "iam", command: "ListAttachedUserPoliciesCommand", action: "iam:ListAttachedUserPolicies", on: ["user"] },
  { service: "iam", command: "ListGroupsForUserCommand", action: "iam:ListGroupsForUser", on: ["user"] },
  { service: "iam", command: "ListGroupPoliciesCommand", action: "iam:ListGroupPolicies", on: ["group"] },
  { service: "iam", command: "GetGroupPolicyCommand", action: "iam:GetGroupPolicy", on: ["group"] },
  { service: "iam", command: "ListAttachedGroupPoliciesCommand", action: "iam:ListAttachedGroupPolicies", on: ["group"] },
  { service: "iam", command: "GetPolicyCommand", action: "iam:GetPolicy", on: ["policy"] },
  { service: "iam", command: "GetPolicyVersionCommand", action: "iam:GetPolicyVersion", on: ["policy"] },
  // iam.cross-check asks IAM's own simulator for the principal.
  { service: "iam", command: "SimulatePrincipalPolicyCommand", action: "iam:SimulatePrincipalPolicy", on: ["user", "role", "group"] },
  { service: "kms", command: "DescribeKeyCommand", action: "kms:DescribeKey", on: ["key"] },
  { service: "kms", command: "GetKeyPolicyCommand", action: "kms:GetKeyPolicy", on: ["key"] },
];

export interface VerifierPolicyArgs {
  target: AwsTarget;
  /** The buckets verify reads: the AI bucket and the app bucket (the same name once when reused). */
  buckets: readonly string[];
  /** The stack's SSE-KMS key, when it has one. */
  kmsKeyArn?: string | undefined;
}

/** The ARNs each resource type covers. */
function resourcesOf(type: VerifierResource, args: VerifierPolicyArgs): string[] {
  const { partition, region, accountId } = args.target;
  const iam = (path: string) => `arn:${partition}:iam::${accountId}:${path}`;
  switch (type) {
    case "bucket":
      return [...new Set(args.buckets)].map((b) => s3BucketArn(partition, b));
    case "role":
    case "user":
    case "group":
      return [iam(`${type}/*`)];
    case "policy":
      return [iam("policy/*"), `arn:${partition}:iam::aws:policy/*`];
    case "key":
      return args.kmsKeyArn ? [args.kmsKeyArn] : [`arn:${partition}:kms:${region}:${accountId}:key/*`];
  }
}

const SIDS: Record<string, string> = {
  bucket: "VerifyBucketReads",
  role: "VerifyRoleReads",
  user: "VerifyUserReads",
  group: "VerifyGroupReads",
  policy: "VerifyManagedPolicyReads",
  "user,role,group": "VerifyIamSimulation",
  key: "VerifyKeyReads",
};

/**
 * The read-only policy that lets an identity run every check of `roadmapx-ai verify`: one statement
 * per set of resource types, with the actions that act on exactly those.
 */
export function verifierPolicy(args: VerifierPolicyArgs): PolicyDocument {
  const groups = new Map<string, { on: readonly VerifierResource[]; actions: string[] }>();
  for (const read of VERIFIER_READS) {
    if (read.action === undefined) continue;
    const key = read.on.join(",");
    const group = groups.get(key) ?? { on: read.on, actions: [] };
    group.actions.push(read.action);
    groups.set(key, group);
  }
  const statements: PolicyStatement[] = [...groups.entries()].map(([key, g]) => ({
    Sid: SIDS[key] ?? `Verify${key}`,
    Effect: "Allow",
    Action: g.actions,
    Resource: g.on.flatMap((type) => resourcesOf(type, args)),
  }));
  return policyDocument(statements);
}
