/**
 * The misconfiguration corpus: each case breaks one thing in an account set up as the infra program
 * declares (test/helpers/account.ts `deploy`), through the SDK. test/verify/verify.test.ts asserts
 * that the right check says the right thing about each; test/verify/fixes.test.ts runs every fix
 * verify prints for it with the aws CLI and asserts the check then passes.
 */
import {
  CreatePolicyCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachUserPolicyCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteBucketEncryptionCommand,
  GetBucketPolicyCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { serviceRolePolicy, trustPolicy } from "../../core/policies";
import { SERVICES } from "../../core/requirements";
import { type Deployed, ROLE } from "./account";
import type { EmulatorContext } from "./emulator";

export const ACCOUNT = "123456789012";
export const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
export const BUCKET = "roadmapx-files";
export const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** What a case did that its assertions need: the environment verify runs with, an ARN it created. */
export interface Applied {
  env?: NodeJS.ProcessEnv;
  arn?: string;
}

export interface Misconfiguration {
  /** The case's number and title, as verify.test.ts names it ("1. a role without s3:ListBucket"). */
  title: string;
  apply(ctx: EmulatorContext, d: Deployed): Promise<Applied>;
}

export async function setRolePolicy(ctx: EmulatorContext, role: string, statements: unknown[], name = `${role}-access`): Promise<void> {
  await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: doc(statements) }));
}

/** The inline policy the stack gives the role, with one statement changed or removed. */
export function stackStatements(service: "personalize" | "sagemaker", change: (s: Record<string, unknown>) => Record<string, unknown> | undefined) {
  return serviceRolePolicy(SERVICES[service], { target: TARGET, bucket: BUCKET })
    .Statement.map((s) => change({ ...s } as Record<string, unknown>))
    .filter((s) => s !== undefined);
}

async function detachAppPolicy(ctx: EmulatorContext, d: Deployed): Promise<void> {
  await ctx.clients.iam.send(new DetachUserPolicyCommand({ UserName: "roadmapx-backend", PolicyArn: String(d.outputs["appPolicyArn"]) }));
}

export const MISCONFIGURATIONS: readonly Misconfiguration[] = [
  {
    title: "1. a role without s3:ListBucket",
    async apply(ctx) {
      await setRolePolicy(
        ctx,
        ROLE.personalize,
        stackStatements("personalize", (s) => (s["Sid"] === "PersonalizeListBucket" ? undefined : s)),
      );
      return {};
    },
  },
  {
    title: "2. a policy that names another bucket (near miss explained)",
    async apply(ctx) {
      await setRolePolicy(
        ctx,
        ROLE.sagemaker,
        stackStatements("sagemaker", (s) => JSON.parse(JSON.stringify(s).replaceAll(BUCKET, "roadmapx-old-files")) as Record<string, unknown>),
      );
      return {};
    },
  },
  {
    title: "3. a missing role",
    async apply(ctx) {
      await ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: ROLE.personalize, PolicyName: `${ROLE.personalize}-access` }));
      await ctx.clients.iam.send(new DeleteRoleCommand({ RoleName: ROLE.personalize }));
      return {};
    },
  },
  {
    title: "4. a trust policy for the wrong service",
    async apply(ctx) {
      await ctx.clients.iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: ROLE.personalize, PolicyDocument: JSON.stringify(trustPolicy(SERVICES.sagemaker, TARGET)) }),
      );
      return {};
    },
  },
  {
    title: "5. a bucket policy without the Personalize statement",
    async apply(ctx) {
      await ctx.clients.s3.send(
        new PutBucketPolicyCommand({
          Bucket: BUCKET,
          Policy: doc([
            {
              Sid: "AppDenyUploadDeletes",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:DeleteObjectVersion",
              Resource: `arn:aws:s3:::${BUCKET}/user-uploads/*`,
            },
          ]),
        }),
      );
      return {};
    },
  },
  {
    title: "6. a permissions boundary that blocks a needed action",
    async apply(ctx) {
      const boundary = await ctx.clients.iam.send(
        new CreatePolicyCommand({
          PolicyName: "only-reads",
          PolicyDocument: doc([{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "*" }]),
        }),
      );
      await ctx.clients.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: ROLE.personalize, PermissionsBoundary: boundary.Policy?.Arn }));
      return { arn: boundary.Policy?.Arn };
    },
  },
  {
    title: "7. a missing bucket",
    async apply() {
      return { env: { AI_ARTIFACTS_BUCKET: "roadmapx-ai-nonexistent" } };
    },
  },
  {
    title: "8. a caller without PassRole (application policy not attached)",
    async apply(ctx, d) {
      await detachAppPolicy(ctx, d);
      return {};
    },
  },
  {
    title: "9. PassRole granted for the wrong service",
    async apply(ctx, d) {
      await detachAppPolicy(ctx, d);
      await ctx.clients.iam.send(
        new PutUserPolicyCommand({
          UserName: "roadmapx-backend",
          PolicyName: "pass",
          PolicyDocument: doc([
            {
              Effect: "Allow",
              Action: "iam:PassRole",
              Resource: `arn:aws:iam::${ACCOUNT}:role/*`,
              Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
            },
          ]),
        }),
      );
      return {};
    },
  },
  {
    title: "10. a trust policy without the confused-deputy conditions",
    async apply(ctx) {
      await ctx.clients.iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: ROLE.sagemaker,
          PolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }]),
        }),
      );
      return {};
    },
  },
  {
    title: "11. a bucket-policy Deny aimed at the role (explicit deny wins)",
    async apply(ctx) {
      const current = JSON.parse((await ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}") as { Statement: unknown[] };
      current.Statement.push({
        Sid: "NoModelReads",
        Effect: "Deny",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/${ROLE.sagemaker}` },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${BUCKET}/models/*`,
      });
      await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(current) }));
      return {};
    },
  },
  {
    title: "12. Block Public Access switched off",
    async apply(ctx) {
      await ctx.clients.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket: BUCKET,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false },
        }),
      );
      return {};
    },
  },
  {
    title: "13. no default encryption",
    async apply(ctx) {
      await ctx.clients.s3.send(new DeleteBucketEncryptionCommand({ Bucket: BUCKET }));
      return {};
    },
  },
  {
    title: "14. versioning suspended (an info finding, not a failure)",
    async apply(ctx) {
      await ctx.clients.s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: "Suspended" } }));
      return {};
    },
  },
  {
    title: "15. a SageMaker role without CloudWatch Logs",
    async apply(ctx) {
      await setRolePolicy(
        ctx,
        ROLE.sagemaker,
        stackStatements("sagemaker", (s) => (s["Sid"] === "SageMakerLogs" ? undefined : s)),
      );
      return {};
    },
  },
  {
    title: "16. a bucket in another region",
    async apply(ctx) {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-eu-data", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
      return { env: { AI_ARTIFACTS_BUCKET: "roadmapx-eu-data" } };
    },
  },
  {
    title: "17. an environment that contradicts the stack outputs",
    async apply(ctx) {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files-staging" }));
      return { env: { S3_BUCKET_NAME: "roadmapx-files-staging" } };
    },
  },
  {
    title: "18. SSE-KMS with a key whose policy lets neither role nor Personalize use it",
    async apply(ctx) {
      const key = await ctx.clients.kms.send(new CreateKeyCommand({ Description: "ai data" }));
      await ctx.clients.s3.send(
        new PutBucketEncryptionCommand({
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.KeyMetadata?.Arn } }],
          },
        }),
      );
      return { arn: key.KeyMetadata?.Arn };
    },
  },
  {
    title: "19. an inline policy whose object grant stops at the wrong prefix",
    async apply(ctx) {
      await setRolePolicy(
        ctx,
        ROLE.personalize,
        stackStatements("personalize", (s) => (s["Sid"] === "PersonalizeReadDatasets" ? { ...s, Resource: [`arn:aws:s3:::${BUCKET}/personalize-data/*`] } : s)),
      );
      return {};
    },
  },
  {
    title: "20. a Comprehend role whose trust names the wrong service",
    async apply(ctx) {
      await ctx.clients.iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: ROLE.comprehend, PolicyDocument: JSON.stringify(trustPolicy(SERVICES.sagemaker, TARGET)) }),
      );
      return {};
    },
  },
];

/** The case by its number (1-based, as titled). */
export function misconfiguration(n: number): Misconfiguration {
  const m = MISCONFIGURATIONS[n - 1];
  if (!m?.title.startsWith(`${n}. `)) throw new Error(`no misconfiguration ${n}`);
  return m;
}
