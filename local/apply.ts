/**
 * LOCAL HARNESS, NOT A DEPLOYMENT ENGINE. `pulumi up` deploys to AWS; this applies what the Pulumi
 * program declares to the local emulator, so that verify/ and services/ can be exercised against a
 * real AWS wire protocol without an account.
 *
 * The real infra program runs under Pulumi mocks; each resource it declares is created in the
 * emulator through the AWS SDK as Pulumi registers it, which is dependency order, by its type's
 * handler in RESOURCE_HANDLERS. A resource type this harness does not know (no handler) fails
 * loudly, naming the type, so the program cannot outgrow it silently.
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

/** What a handler gets: the clients, the stack's region, and the resource as the program declared it. */
interface CreateRequest {
  clients: AccountApi;
  region: string;
  name: string;
  inputs: Inputs;
}

type Created = CreatedResource & { physicalName: string };

/** Creates one declared resource of its type in the emulator; returns its id and output state. */
type ResourceHandler = (request: CreateRequest) => Promise<Created>;

/** The bucket-scoped settings: their id and physical name are the bucket's, their state their inputs. */
function bucketSetting(put: (bucket: string, inputs: Inputs, clients: AccountApi) => Promise<unknown>): ResourceHandler {
  return async ({ clients, inputs }) => {
    const bucket = str(inputs, "bucket");
    await put(bucket, inputs, clients);
    return { id: bucket, physicalName: bucket, state: inputs };
  };
}

/** Every resource type the harness can create, by Pulumi type token. */
const RESOURCE_HANDLERS: Record<string, ResourceHandler> = {
  async "aws:s3/bucket:Bucket"({ clients, region, name, inputs }) {
    const bucket = (inputs["bucket"] as string | undefined) ?? name;
    await clients.s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
    const tags = inputs["tags"] as Record<string, string> | undefined;
    if (tags) {
      await clients.s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    }
    return { id: bucket, physicalName: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}` } };
  },

  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": bucketSetting((bucket, inputs, clients) => {
    const rule = inputs["rule"] as { objectOwnership: "BucketOwnerEnforced" | "BucketOwnerPreferred" | "ObjectWriter" };
    return clients.s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: bucket,
        OwnershipControls: { Rules: [{ ObjectOwnership: rule.objectOwnership }] },
      }),
    );
  }),

  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": bucketSetting((bucket, inputs, clients) =>
    clients.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: inputs["blockPublicAcls"] === true,
          BlockPublicPolicy: inputs["blockPublicPolicy"] === true,
          IgnorePublicAcls: inputs["ignorePublicAcls"] === true,
          RestrictPublicBuckets: inputs["restrictPublicBuckets"] === true,
        },
      }),
    ),
  ),

  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": bucketSetting((bucket, inputs, clients) =>
    clients.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: { Rules: encryptionRules(inputs) },
      }),
    ),
  ),

  "aws:s3/bucketVersioning:BucketVersioning": bucketSetting((bucket, inputs, clients) => {
    const config = inputs["versioningConfiguration"] as { status: "Enabled" | "Suspended" };
    return clients.s3.send(
      new PutBucketVersioningCommand({
        Bucket: bucket,
        VersioningConfiguration: { Status: config.status },
      }),
    );
  }),

  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": bucketSetting((bucket, inputs, clients) =>
    clients.s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: bucket,
        LifecycleConfiguration: lifecycleRules(inputs),
      }),
    ),
  ),

  "aws:s3/bucketPolicy:BucketPolicy": bucketSetting((bucket, inputs, clients) =>
    clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: str(inputs, "policy") })),
  ),

  async "aws:iam/role:Role"({ clients, name, inputs }) {
    // Pulumi would add a random suffix (auto-naming); the harness keeps the logical name.
    const roleName = (inputs["name"] as string | undefined) ?? name;
    const created = await clients.iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: str(inputs, "assumeRolePolicy"),
        Description: inputs["description"] as string | undefined,
        Tags: iamTags(inputs),
      }),
    );
    const arn = created.Role?.Arn ?? "";
    return { id: roleName, physicalName: roleName, state: { ...inputs, name: roleName, arn } };
  },

  async "aws:iam/rolePolicy:RolePolicy"({ clients, name, inputs }) {
    const policyName = (inputs["name"] as string | undefined) ?? name;
    await clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: str(inputs, "role"),
        PolicyName: policyName,
        PolicyDocument: str(inputs, "policy"),
      }),
    );
    return { id: `${str(inputs, "role")}:${policyName}`, physicalName: policyName, state: { ...inputs, name: policyName } };
  },

  async "aws:iam/policy:Policy"({ clients, name, inputs }) {
    const policyName = (inputs["name"] as string | undefined) ?? name;
    const created = await clients.iam.send(
      new CreatePolicyCommand({
        PolicyName: policyName,
        PolicyDocument: str(inputs, "policy"),
        Description: inputs["description"] as string | undefined,
        Tags: iamTags(inputs),
      }),
    );
    const arn = created.Policy?.Arn ?? "";
    return { id: arn, physicalName: arn, state: { ...inputs, name: policyName, arn } };
  },

  async "aws:iam/rolePolicyAttachment:RolePolicyAttachment"({ clients, inputs }) {
    await clients.iam.send(new AttachRolePolicyCommand({ RoleName: str(inputs, "role"), PolicyArn: str(inputs, "policyArn") }));
    return { id: `${str(inputs, "role")}/${str(inputs, "policyArn")}`, physicalName: str(inputs, "policyArn"), state: inputs };
  },
};

/** Creates one declared resource in the emulator with its type's handler; an unknown type stops the run. */
async function createInEmulator(clients: AccountApi, region: string, type: string, name: string, inputs: Inputs): Promise<Created> {
  const handler = Object.hasOwn(RESOURCE_HANDLERS, type) ? RESOURCE_HANDLERS[type] : undefined;
  if (!handler) throw new UnsupportedResourceError(type, name);
  return handler({ clients, region, name, inputs });
}

/** Answers one provider function call from the emulator. */
type FunctionHandler = (clients: AccountApi, inputs: Inputs) => Promise<Record<string, unknown>>;

/** Every provider function the harness answers, by Pulumi function token. */
const FUNCTION_HANDLERS: Record<string, FunctionHandler> = {
  async "aws:index/getCallerIdentity:getCallerIdentity"(clients) {
    const id = await clients.sts.send(new GetCallerIdentityCommand({}));
    return { accountId: id.Account, arn: id.Arn, userId: id.UserId, id: id.Account };
  },
  async "aws:index/getPartition:getPartition"() {
    return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
  },
  async "aws:s3/getBucketPolicy:getBucketPolicy"(clients, inputs) {
    const bucket = str(inputs, "bucket");
    try {
      const result = await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
      return { bucket, policy: result.Policy, id: bucket };
    } catch (err) {
      // Same wording as the Terraform AWS provider behind @pulumi/aws.
      throw new Error(`reading S3 Bucket Policy (${bucket}): ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
    }
  },
};

/** Answers the provider functions the program calls, from the emulator. */
async function invokeInEmulator(clients: AccountApi, token: string, inputs: Inputs): Promise<Record<string, unknown>> {
  const handler = Object.hasOwn(FUNCTION_HANDLERS, token) ? FUNCTION_HANDLERS[token] : undefined;
  if (!handler) throw new UnsupportedResourceError(token, "(function call)");
  return handler(clients, inputs);
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
