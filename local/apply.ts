/**
 * LOCAL HARNESS, NOT A DEPLOYMENT ENGINE. `pulumi up` deploys to AWS; this applies what the Pulumi
 * program declares to the local emulator, so that verify/ and services/ can be exercised against a
 * real AWS wire protocol without an account.
 *
 * The real infra program runs under Pulumi mocks; each resource it declares is created in the
 * emulator through the AWS SDK as Pulumi registers it, which is dependency order. A resource type
 * this harness does not know fails loudly, naming the type, so the program cannot outgrow it silently.
 */
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLifecycleConfiguration,
  type ServerSideEncryptionRule,
} from "@aws-sdk/client-s3";
import { AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, PutRolePolicyCommand, type Tag } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { defineStack, type StackOutputs } from "@roadmapx-ai/infra";
import type { AccountApi } from "../verify/clients";
import { type CreatedResource, type DeclaredResource, type Resolved, runProgramUnderMocks } from "./pulumi-mocks";

export class UnsupportedResourceError extends Error {
  constructor(type: string, name: string) {
    super(
      `the local harness cannot create ${type} ("${name}"): the infra program declares a resource type ` +
        `local/apply.ts does not know. Teach it that type (and test the read-back) before using it.`,
    );
    this.name = "UnsupportedResourceError";
  }
}

export interface ApplyOptions {
  clients: AccountApi;
  /** Stack config, keys as Pulumi stores them (`roadmapx-ai:appBucketName`, `aws:region`). */
  config: Record<string, string>;
  stack?: string;
  /** Called after each resource is created, with its type and physical name. */
  onResource?: (type: string, physicalName: string) => void;
  /** The program to run; the infra program by default (tests pass others). */
  program?: () => StackOutputs;
}

export interface AppliedResource extends DeclaredResource {
  /** The name the resource has in the emulator (bucket name, role name, policy ARN...). */
  physicalName?: string;
}

export interface AppliedStack {
  outputs: Resolved<StackOutputs>;
  resources: AppliedResource[];
}

type Inputs = Record<string, unknown>;

function str(inputs: Inputs, key: string): string {
  const value = inputs[key];
  if (typeof value !== "string") throw new Error(`expected input "${key}" to be a string, got ${JSON.stringify(value)}`);
  return value;
}

function iamTags(inputs: Inputs): Tag[] | undefined {
  const tags = inputs["tags"] as Record<string, string> | undefined;
  return tags ? Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) : undefined;
}

interface LifecycleRuleInput {
  id: string;
  status: string;
  filter?: { prefix?: string };
  abortIncompleteMultipartUpload?: { daysAfterInitiation: number };
  noncurrentVersionExpiration?: { noncurrentDays: number };
  expiration?: { days?: number; expiredObjectDeleteMarker?: boolean };
}

function lifecycleRules(inputs: Inputs): BucketLifecycleConfiguration {
  const rules = inputs["rules"] as LifecycleRuleInput[];
  return {
    Rules: rules.map((r) => ({
      ID: r.id,
      Status: r.status === "Enabled" ? "Enabled" : "Disabled",
      Filter: { Prefix: r.filter?.prefix ?? "" },
      ...(r.abortIncompleteMultipartUpload
        ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: r.abortIncompleteMultipartUpload.daysAfterInitiation } }
        : {}),
      ...(r.noncurrentVersionExpiration ? { NoncurrentVersionExpiration: { NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays } } : {}),
      ...(r.expiration
        ? {
            Expiration: {
              ...(r.expiration.days !== undefined ? { Days: r.expiration.days } : {}),
              ...(r.expiration.expiredObjectDeleteMarker !== undefined ? { ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker } : {}),
            },
          }
        : {}),
    })),
  };
}

interface EncryptionRuleInput {
  applyServerSideEncryptionByDefault?: { sseAlgorithm: string; kmsMasterKeyId?: string };
  bucketKeyEnabled?: boolean;
}

function encryptionRules(inputs: Inputs): ServerSideEncryptionRule[] {
  return (inputs["rules"] as EncryptionRuleInput[]).map((r) => ({
    ...(r.applyServerSideEncryptionByDefault
      ? {
          ApplyServerSideEncryptionByDefault: {
            SSEAlgorithm: r.applyServerSideEncryptionByDefault.sseAlgorithm as "AES256" | "aws:kms",
            ...(r.applyServerSideEncryptionByDefault.kmsMasterKeyId ? { KMSMasterKeyID: r.applyServerSideEncryptionByDefault.kmsMasterKeyId } : {}),
          },
        }
      : {}),
    ...(r.bucketKeyEnabled !== undefined ? { BucketKeyEnabled: r.bucketKeyEnabled } : {}),
  }));
}

/** Creates one declared resource in the emulator; returns its id and output state. */
async function createInEmulator(
  clients: AccountApi,
  region: string,
  type: string,
  name: string,
  inputs: Inputs,
): Promise<CreatedResource & { physicalName: string }> {
  const s3 = clients.s3;
  const iam = clients.iam;
  switch (type) {
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs["bucket"] as string | undefined) ?? name;
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
        }),
      );
      const tags = inputs["tags"] as Record<string, string> | undefined;
      if (tags) {
        await s3.send(
          new PutBucketTaggingCommand({
            Bucket: bucket,
            Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          }),
        );
      }
      return { id: bucket, physicalName: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
    }
    case "aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
      const rule = inputs["rule"] as { objectOwnership: "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter" };
      await s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: str(inputs, "bucket"),
          OwnershipControls: { Rules: [{ ObjectOwnership: rule.objectOwnership }] },
        }),
      );
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: str(inputs, "bucket"),
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: inputs["blockPublicAcls"] === true,
            BlockPublicPolicy: inputs["blockPublicPolicy"] === true,
            IgnorePublicAcls: inputs["ignorePublicAcls"] === true,
            RestrictPublicBuckets: inputs["restrictPublicBuckets"] === true,
          },
        }),
      );
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": {
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket: str(inputs, "bucket"),
          ServerSideEncryptionConfiguration: { Rules: encryptionRules(inputs) },
        }),
      );
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:s3/bucketVersioning:BucketVersioning": {
      const config = inputs["versioningConfiguration"] as { status: "Enabled" | "Suspended" };
      await s3.send(
        new PutBucketVersioningCommand({
          Bucket: str(inputs, "bucket"),
          VersioningConfiguration: { Status: config.status },
        }),
      );
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": {
      await s3.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: str(inputs, "bucket"),
          LifecycleConfiguration: lifecycleRules(inputs),
        }),
      );
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:s3/bucketPolicy:BucketPolicy": {
      await s3.send(new PutBucketPolicyCommand({ Bucket: str(inputs, "bucket"), Policy: str(inputs, "policy") }));
      return { id: str(inputs, "bucket"), physicalName: str(inputs, "bucket"), state: inputs };
    }
    case "aws:iam/role:Role": {
      // Pulumi would add a random suffix (auto-naming); the harness keeps the logical name.
      const roleName = (inputs["name"] as string | undefined) ?? name;
      const created = await iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: str(inputs, "assumeRolePolicy"),
          Description: inputs["description"] as string | undefined,
          Tags: iamTags(inputs),
        }),
      );
      const arn = created.Role?.Arn ?? "";
      return { id: roleName, physicalName: roleName, state: { ...inputs, name: roleName, arn } };
    }
    case "aws:iam/rolePolicy:RolePolicy": {
      const policyName = (inputs["name"] as string | undefined) ?? name;
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: str(inputs, "role"),
          PolicyName: policyName,
          PolicyDocument: str(inputs, "policy"),
        }),
      );
      return { id: `${str(inputs, "role")}:${policyName}`, physicalName: policyName, state: { ...inputs, name: policyName } };
    }
    case "aws:iam/policy:Policy": {
      const policyName = (inputs["name"] as string | undefined) ?? name;
      const created = await iam.send(
        new CreatePolicyCommand({
          PolicyName: policyName,
          PolicyDocument: str(inputs, "policy"),
          Description: inputs["description"] as string | undefined,
          Tags: iamTags(inputs),
        }),
      );
      const arn = created.Policy?.Arn ?? "";
      return { id: arn, physicalName: arn, state: { ...inputs, name: policyName, arn } };
    }
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
      await iam.send(new AttachRolePolicyCommand({ RoleName: str(inputs, "role"), PolicyArn: str(inputs, "policyArn") }));
      return { id: `${str(inputs, "role")}/${str(inputs, "policyArn")}`, physicalName: str(inputs, "policyArn"), state: inputs };
    }
    default:
      throw new UnsupportedResourceError(type, name);
  }
}

/** Answers the provider functions the program calls, from the emulator. */
async function invokeInEmulator(clients: AccountApi, token: string, inputs: Inputs): Promise<Record<string, unknown>> {
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity": {
      const id = await clients.sts.send(new GetCallerIdentityCommand({}));
      return { accountId: id.Account, arn: id.Arn, userId: id.UserId, id: id.Account };
    }
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:s3/getBucketPolicy:getBucketPolicy": {
      const bucket = str(inputs, "bucket");
      try {
        const result = await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
        return { bucket, policy: result.Policy, id: bucket };
      } catch (err) {
        // Same wording as the Terraform AWS provider behind @pulumi/aws.
        throw new Error(`reading S3 Bucket Policy (${bucket}): ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
      }
    }
    default:
      throw new UnsupportedResourceError(token, "(function call)");
  }
}

/** Runs the infra program against the emulator and returns its outputs and what it created. */
export async function applyStackToEmulator(options: ApplyOptions): Promise<AppliedStack> {
  const region = options.config["aws:region"] ?? "us-east-1";
  const physical = new Map<string, string>();
  const run = await runProgramUnderMocks(options.program ?? (() => defineStack()), {
    project: "roadmapx-ai",
    stack: options.stack ?? "dev",
    config: options.config,
    async createResource({ type, name, inputs }) {
      const created = await createInEmulator(options.clients, region, type, name, inputs);
      physical.set(`${type}::${name}`, created.physicalName);
      options.onResource?.(type, created.physicalName);
      return { id: created.id, state: created.state };
    },
    invoke: (token, inputs) => invokeInEmulator(options.clients, token, inputs),
  });
  return {
    outputs: run.outputs,
    resources: run.resources.map((r) => {
      const name = physical.get(`${r.type}::${r.name}`);
      return name === undefined ? r : { ...r, physicalName: name };
    }),
  };
}

/** The outputs as `pulumi stack output --json` prints them. */
export function stackOutputsJson(outputs: Resolved<StackOutputs>): string {
  return `${JSON.stringify(outputs, null, 4)}\n`;
}
