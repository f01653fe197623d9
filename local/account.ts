/**
 * LOCAL HARNESS: set up an emulator account the way a real one looks after `pulumi up` and the README
 * steps: the application's existing bucket, the stack's resources, the application policy attached to
 * a "backend" identity, and (with `appBucketPolicy: output`) Personalize's statements added by hand.
 */
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand } from "@aws-sdk/client-iam";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import type { PolicyStatement } from "@roadmapx-ai/core";
import { mergeBucketPolicy } from "@roadmapx-ai/core";
import type { AccountApi } from "../verify/clients";
import { type AppliedStack, applyStackToEmulator } from "./apply";

/** The IAM user that plays the RoadmapX backend in the emulator (the app policy is attached to it). */
export const LOCAL_BACKEND_USER = "roadmapx-backend";

export interface LocalAccount {
  applied: AppliedStack;
  backendCredentials: { accessKeyId: string; secretAccessKey: string };
}

export interface SetUpOptions {
  clients: AccountApi;
  config: Record<string, string>;
  stack?: string;
  log?: (line: string) => void;
}

export async function setUpLocalAccount(options: SetUpOptions): Promise<LocalAccount> {
  const log = options.log ?? (() => undefined);
  const { clients, config } = options;
  const appBucket = config["roadmapx-ai:appBucketName"] ?? "roadmapx-files";
  log(`seeding the application's existing bucket ${appBucket} (user-uploads/welcome.txt and a policy statement of its own)`);
  await seedApplicationBucket(clients, appBucket);

  const stack = options.stack ?? "dev";
  const applied = await applyStackToEmulator({
    clients,
    config,
    stack,
    onResource: (type, name) => log(`  created ${type.split(":").pop()} ${name}`),
  });

  log(`README step 1: attaching the application policy to the local backend identity (IAM user ${LOCAL_BACKEND_USER})`);
  const backendCredentials = await createBackendIdentity(clients, applied.outputs.appPolicyArn);

  if (applied.outputs.appBucketPolicyMode === "output") {
    log(`README step 2, done here for you: adding personalizeBucketPolicyStatements to ${appBucket}'s policy, keeping its own statement`);
    await addStatementsByHand(clients, appBucket, JSON.parse(applied.outputs.personalizeBucketPolicyStatements) as PolicyStatement[]);
  }
  return { applied, backendCredentials };
}

/**
 * The emulator starts empty; the application's bucket exists before this project, so seed it as a
 * well-kept bucket is today (Block Public Access on, SSE-S3, versioning), with a file and a policy of
 * its own. Not a TLS-only Deny: moto evaluates no conditions and would apply it to every object
 * request, blocking the demo's uploads (so bucket.tls-only reports WARN locally).
 */
export async function seedApplicationBucket(clients: AccountApi, bucket: string): Promise<void> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await clients.s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    }),
  );
  await clients.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
    }),
  );
  await clients.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
  await clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "user-uploads/welcome.txt", Body: "A file a RoadmapX user uploaded.\n" }));
  // An owner's statement, so that `appBucketPolicy: merge` has something to keep.
  await clients.s3.send(
    new PutBucketPolicyCommand({
      Bucket: bucket,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AppDenyUploadDeletes",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:DeleteObjectVersion",
            Resource: `arn:aws:s3:::${bucket}/user-uploads/*`,
          },
        ],
      }),
    }),
  );
}

/** What the README asks users to do with the `personalizeBucketPolicyStatements` output. */
export async function addStatementsByHand(clients: AccountApi, bucket: string, statements: PolicyStatement[]): Promise<void> {
  const current = await clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }));
  const merged = mergeBucketPolicy(current.Policy, statements);
  await clients.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(merged) }));
}

export async function createBackendIdentity(clients: AccountApi, appPolicyArn: string) {
  await clients.iam.send(new CreateUserCommand({ UserName: LOCAL_BACKEND_USER }));
  await clients.iam.send(new AttachUserPolicyCommand({ UserName: LOCAL_BACKEND_USER, PolicyArn: appPolicyArn }));
  const key = await clients.iam.send(new CreateAccessKeyCommand({ UserName: LOCAL_BACKEND_USER }));
  const accessKeyId = key.AccessKey?.AccessKeyId;
  const secretAccessKey = key.AccessKey?.SecretAccessKey;
  if (!accessKeyId || !secretAccessKey) throw new Error("the emulator returned no access key for the backend user");
  return { accessKeyId, secretAccessKey };
}
