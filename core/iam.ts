/**
 * IAM policy document types and ARN builders shared by infra/, verify/ and services/.
 * Plain TypeScript: no Pulumi or AWS SDK import, so every part of the project can use it.
 */

export type ConditionBlock = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { Service?: string | string[]; AWS?: string | string[] };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: ConditionBlock;
}

export interface PolicyDocument {
  /** "2008-10-17" only survives from a bucket policy we merged into; we write "2012-10-17". */
  Version: "2012-10-17" | "2008-10-17";
  Id?: string;
  Statement: PolicyStatement[];
}

/** Where a policy will be used: the partition, region and account of the stack. */
export interface AwsTarget {
  partition: string;
  region: string;
  accountId: string;
}

export function policyDocument(statements: PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}

export function s3BucketArn(partition: string, bucket: string): string {
  return `arn:${partition}:s3:::${bucket}`;
}

/** ARN pattern for every object under `prefix` (which ends in "/"); `*` alone when prefix is empty. */
export function s3ObjectsArn(partition: string, bucket: string, prefix = ""): string {
  return `arn:${partition}:s3:::${bucket}/${prefix}*`;
}

/** Statement fields are "string or list"; this reads either as a list. */
export function asList<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
