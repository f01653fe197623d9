/**
 * What the verifier's reads return, turned into the facts checks reason about: the caller behind an
 * ARN, a HEAD answer as bucket reachability, a bucket's region and default encryption, policy
 * documents. Pure functions (no calls), so facts.ts keeps only the reading.
 */
import type { GetBucketEncryptionCommandOutput } from "@aws-sdk/client-s3";
import { type AwsError, parsePolicyDocument, type PolicyDocument } from "@roadmapx-ai/core";

/** A policy document as AWS returned it (JSON or URL-encoded JSON), or undefined when there is none. */
export function policyDocumentOf(document: string | undefined): PolicyDocument | undefined {
  if (document === undefined || document === "") return undefined;
  return parsePolicyDocument(document);
}

export interface CallerIdentity {
  accountId: string;
  arn: string;
  partition: string;
  /** "user", "assumed-role" (a role session), "root", or "other" (federated, service...). */
  kind: "user" | "assumed-role" | "root" | "other";
  /** User name, or the role name behind an assumed-role session. */
  name?: string | undefined;
  /** The IAM ARN whose policies apply (the role's ARN for a session). */
  principalArn: string;
}

export function parseCaller(arn: string, accountId: string): CallerIdentity {
  const partition = arn.split(":")[1] ?? "aws";
  const resource = arn.split(":").slice(5).join(":");
  if (resource === "root") return { accountId, arn, partition, kind: "root", principalArn: arn };
  if (arn.includes(":iam::") && resource.startsWith("user/")) {
    const name = resource.split("/").pop();
    return { accountId, arn, partition, kind: "user", name, principalArn: arn };
  }
  if (arn.includes(":sts::") && resource.startsWith("assumed-role/")) {
    const [, roleName] = resource.split("/");
    return {
      accountId,
      arn,
      partition,
      kind: "assumed-role",
      name: roleName,
      principalArn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
    };
  }
  return { accountId, arn, partition, kind: "other", principalArn: arn };
}

/**
 * `--principal`: the role or user the backend runs as (an IAM role or user ARN, or a role session's
 * STS ARN), as the identity whose policies decide; undefined when the text is none of those.
 */
export function parsePrincipal(arn: string): CallerIdentity | undefined {
  const match = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):((role|user|assumed-role)\/.+)$/.exec(arn);
  if (!match) return undefined;
  const [, partition = "aws", service, accountId = "", resource = "", type] = match;
  if (service === "sts" && type === "assumed-role") return parseCaller(arn, accountId);
  if (service !== "iam" || type === "assumed-role") return undefined;
  const name = resource.split("/").pop();
  if (!name) return undefined;
  if (type === "user") return { accountId, arn, partition, kind: "user", name, principalArn: arn };
  // A role's policies decide for every session of it: the same facts as an assumed-role caller.
  return { accountId, arn, partition, kind: "assumed-role", name, principalArn: arn };
}

export type BucketReachability =
  { state: "exists" } | { state: "missing" } | { state: "forbidden" } | { state: "wrong-region"; actualRegion?: string | undefined };

/**
 * What a failed HeadBucket says about the bucket, or undefined when it says nothing (the read failed).
 * A HEAD has no body: the status code is the answer, not the error's name.
 */
export function reachabilityFromHeadError(err: AwsError): BucketReachability | undefined {
  const status = err.$metadata?.httpStatusCode;
  const regionHeader = err.$response?.headers?.["x-amz-bucket-region"];
  if (status === 404) return { state: "missing" };
  if (status === 301 || (status === 400 && regionHeader)) return { state: "wrong-region", actualRegion: regionHeader };
  if (status === 403) return { state: "forbidden" };
  return undefined;
}

/** GetBucketLocation's LocationConstraint as a region: empty means us-east-1; "EU" is the old name of eu-west-1. */
export function regionOfLocation(constraint: string | undefined): string {
  return !constraint ? "us-east-1" : constraint === "EU" ? "eu-west-1" : constraint;
}

export interface BucketEncryption {
  algorithm: string;
  kmsKeyId?: string | undefined;
  bucketKeyEnabled?: boolean | undefined;
}

/** The bucket's default encryption (its first rule), or undefined when the answer names no algorithm. */
export function bucketEncryptionOf(answer: Pick<GetBucketEncryptionCommandOutput, "ServerSideEncryptionConfiguration">): BucketEncryption | undefined {
  const rule = answer.ServerSideEncryptionConfiguration?.Rules?.[0];
  const byDefault = rule?.ApplyServerSideEncryptionByDefault;
  return byDefault?.SSEAlgorithm
    ? { algorithm: byDefault.SSEAlgorithm, kmsKeyId: byDefault.KMSMasterKeyID, bucketKeyEnabled: rule?.BucketKeyEnabled }
    : undefined;
}
