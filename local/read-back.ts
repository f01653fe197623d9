/**
 * What the local run applied, read back from the emulator (not from the program's declarations), as
 * short lines for people.
 */
import {
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
} from "@aws-sdk/client-s3";
import { GetPolicyCommand, GetRoleCommand, ListRolePoliciesCommand, GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { asList, parsePolicyDocument } from "@roadmapx-ai/core";
import type { AccountApi } from "../verify/clients";
import type { AppliedStack } from "./apply";

async function optional<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch {
    return undefined;
  }
}

export async function describeApplied(clients: AccountApi, applied: AppliedStack): Promise<string[]> {
  const lines: string[] = [];
  const { outputs } = applied;
  const buckets = [...new Set([outputs.artifactsBucketName, outputs.appBucketName])];
  for (const Bucket of buckets) {
    const role = Bucket === outputs.artifactsBucketName ? (outputs.artifactsBucketCreated ? "AI bucket, created" : "AI bucket = app bucket") : "app bucket";
    const exists = await optional(clients.s3.send(new HeadBucketCommand({ Bucket })));
    if (!exists) {
      lines.push(`bucket ${Bucket} (${role}): MISSING`);
      continue;
    }
    const pab = (await optional(clients.s3.send(new GetPublicAccessBlockCommand({ Bucket }))))?.PublicAccessBlockConfiguration;
    const sse = (await optional(clients.s3.send(new GetBucketEncryptionCommand({ Bucket }))))?.ServerSideEncryptionConfiguration?.Rules?.[0]
      ?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
    const versioning = (await optional(clients.s3.send(new GetBucketVersioningCommand({ Bucket }))))?.Status;
    const policy = (await optional(clients.s3.send(new GetBucketPolicyCommand({ Bucket }))))?.Policy;
    const sids = policy ? parsePolicyDocument(policy).Statement.map((s) => s.Sid ?? "(no Sid)") : [];
    const allBlocked = pab && Object.values(pab).every((v) => v === true);
    lines.push(
      `bucket ${Bucket} (${role}): public access ${allBlocked ? "blocked (4/4)" : "not fully blocked"}, ` +
        `encryption ${sse ?? "default"}, versioning ${versioning ?? "off"}, policy ${sids.length ? sids.join(", ") : "none"}`,
    );
  }
  for (const arn of [outputs.personalizeRoleArn, outputs.sagemakerRoleArn, outputs.comprehendRoleArn]) {
    const RoleName = arn.split("/").pop() ?? arn;
    const role = await clients.iam.send(new GetRoleCommand({ RoleName }));
    const trust = parsePolicyDocument(role.Role?.AssumeRolePolicyDocument ?? "{}");
    const principals = trust.Statement.flatMap((s) => (typeof s.Principal === "object" ? asList(s.Principal.Service) : []));
    const pinned = trust.Statement.every((s) => s.Condition?.["StringEquals"]?.["aws:SourceAccount"] && s.Condition?.["ArnLike"]?.["aws:SourceArn"]);
    const names = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
    const statements: string[] = [];
    for (const PolicyName of names) {
      const doc = await clients.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
      statements.push(...parsePolicyDocument(doc.PolicyDocument ?? "{}").Statement.map((s) => s.Sid ?? "?"));
    }
    lines.push(`role ${RoleName}: trusts ${principals.join(", ")}${pinned ? " (pinned to account and region)" : ""}; ` + `inline ${statements.join(", ")}`);
  }
  const policy = await clients.iam.send(new GetPolicyCommand({ PolicyArn: outputs.appPolicyArn }));
  lines.push(`policy ${policy.Policy?.PolicyName}: attached to ${policy.Policy?.AttachmentCount ?? 0} identity(ies)`);
  return lines;
}
