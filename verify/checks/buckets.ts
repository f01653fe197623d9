/** Checks on the AI bucket (and the app bucket when they differ). */
import { s3BucketArn, s3ObjectsArn } from "@roadmapx-ai/core";
import { personalizeBucketPolicyStatements, tlsOnlyStatement } from "@roadmapx-ai/core";
import { SERVICES } from "@roadmapx-ai/core";
import type { AwsTarget } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy } from "../facts";
import type { CheckDefinition, Outcome } from "../model";
import { ask } from "../simulate";
import { bucketPolicyOf, json, objectProbeArn, OTHER_ACCOUNT, s3Questions, serviceContext, skip, target, unreadable } from "./support";

/** Whether the bucket can be inspected at all; later checks skip when it cannot. */
async function reachable(facts: Facts, bucket: string): Promise<Outcome | undefined> {
  const head = await facts.bucketReachability(bucket);
  if (!head.ok) return unreadable(head.problem);
  return head.value.state === "exists" ? undefined : skip(`bucket ${bucket} is not reachable (see bucket.exists)`, bucket);
}

/** The AI bucket, the target and the bucket policy, or the outcome that says why they are not there. */
async function bucketAndPolicy(facts: Facts): Promise<Outcome | { bucket: string; target: AwsTarget; policy: NamedPolicy | undefined }> {
  const bucket = facts.config.aiBucket;
  const blocked = await reachable(facts, bucket);
  if (blocked) return blocked;
  const t = await target(facts);
  if (!t.ok) return unreadable(t.problem);
  const policy = await bucketPolicyOf(facts, bucket);
  if (!policy.ok) return unreadable(policy.problem);
  return { bucket, target: t.value.target, policy: policy.value };
}

function existenceOutcome(facts: Facts, bucket: string, variable: string): Promise<Outcome> {
  return facts.bucketReachability(bucket).then((head): Outcome => {
    const arn = s3BucketArn("aws", bucket);
    if (!head.ok) return unreadable(head.problem);
    switch (head.value.state) {
      case "exists":
        return { verdict: "holds", resource: arn, message: `bucket ${bucket} exists and the caller can reach it` };
      case "missing":
        return {
          verdict: "broken",
          resource: arn,
          message: `bucket ${bucket} does not exist (HeadBucket: HTTP 404)`,
          remediation: `Create it, or point ${variable} at the bucket that holds the data; a bucket this stack creates appears after \`pulumi up\`.`,
        };
      case "forbidden":
        return {
          verdict: "broken",
          resource: arn,
          message: `bucket ${bucket} exists but the caller may not reach it (HeadBucket: HTTP 403): it belongs to another account, or the caller lacks s3:ListBucket on ${arn}`,
          remediation: `Check the name in ${variable}; if it is yours, allow the caller s3:ListBucket on ${arn}.`,
        };
      case "wrong-region":
        return {
          verdict: "broken",
          resource: arn,
          message: `bucket ${bucket} is in ${head.value.actualRegion ?? "another region"}, not ${facts.config.s3Region} (HeadBucket: HTTP 301)`,
          remediation: `Set S3_REGION=${head.value.actualRegion ?? "<the bucket's region>"} (and deploy the stack to that region).`,
        };
    }
  });
}

export const bucketExists: CheckDefinition = {
  id: "bucket.exists",
  title: "AI bucket exists",
  severity: "error",
  risk: "Uploads, imports and training jobs fail at once.",
  evaluate: (facts) =>
    existenceOutcome(
      facts,
      facts.config.aiBucket,
      facts.config.sources.aiBucket === "environment" ? "AI_ARTIFACTS_BUCKET" : "S3_BUCKET_NAME / AI_ARTIFACTS_BUCKET",
    ),
};

export const appBucketExists: CheckDefinition = {
  id: "app-bucket.exists",
  title: "App bucket exists",
  severity: "error",
  risk: "The application's own uploads fail.",
  async evaluate(facts) {
    if (facts.config.appBucket === facts.config.aiBucket) {
      return skip(`the AI bucket is the app bucket (${facts.config.appBucket}); bucket.exists covers it`);
    }
    return existenceOutcome(facts, facts.config.appBucket, "S3_BUCKET_NAME");
  },
};

export const bucketRegion: CheckDefinition = {
  id: "bucket.region",
  title: "AI bucket region",
  severity: "error",
  risk: "Personalize and SageMaker read only buckets in their own region; jobs fail.",
  async evaluate(facts) {
    const bucket = facts.config.aiBucket;
    const head = await facts.bucketReachability(bucket);
    if (head.ok && head.value.state === "wrong-region") {
      return {
        verdict: "broken",
        resource: bucket,
        message: `bucket ${bucket} is in ${head.value.actualRegion ?? "another region"}, but the services run in ${facts.config.region}`,
        remediation: `Deploy the stack and run the services in ${head.value.actualRegion ?? "the bucket's region"} (AWS_REGION), or use a bucket in ${facts.config.region}.`,
      };
    }
    const blocked = await reachable(facts, bucket);
    if (blocked) return blocked;
    const region = await facts.bucketRegion(bucket);
    if (!region.ok) return unreadable(region.problem);
    if (region.value === facts.config.region) {
      return { verdict: "holds", resource: bucket, message: `bucket ${bucket} is in ${region.value}, the services' region` };
    }
    return {
      verdict: "broken",
      resource: bucket,
      message: `bucket ${bucket} is in ${region.value}, but the services run in ${facts.config.region}`,
      remediation: `Set AWS_REGION=${region.value} and deploy the stack there, or use a bucket in ${facts.config.region}.`,
    };
  },
};

export const bucketPublicAccess: CheckDefinition = {
  id: "bucket.public-access",
  title: "Block Public Access",
  severity: "warn",
  risk: "A policy or ACL mistake could expose training data and user content to the internet.",
  async evaluate(facts) {
    const bucket = facts.config.aiBucket;
    const blocked = await reachable(facts, bucket);
    if (blocked) return blocked;
    const pab = await facts.bucketPublicAccess(bucket);
    if (!pab.ok) return unreadable(pab.problem);
    const settings = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"] as const;
    const off = settings.filter((s) => pab.value?.[s] !== true);
    if (off.length === 0) return { verdict: "holds", resource: bucket, message: `all four Block Public Access settings are on for ${bucket}` };
    return {
      verdict: "broken",
      resource: bucket,
      message: pab.value ? `${off.join(", ")} ${off.length === 1 ? "is" : "are"} off for ${bucket}` : `${bucket} has no Block Public Access configuration`,
      remediation: `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
    };
  },
};

export const bucketEncryption: CheckDefinition = {
  id: "bucket.encryption",
  title: "Default encryption",
  severity: "warn",
  risk: "Objects written without an explicit encryption header would be stored unencrypted.",
  async evaluate(facts) {
    const bucket = facts.config.aiBucket;
    const blocked = await reachable(facts, bucket);
    if (blocked) return blocked;
    const sse = await facts.bucketEncryption(bucket);
    if (!sse.ok) return unreadable(sse.problem);
    if (sse.value) {
      const how =
        sse.value.algorithm === "AES256"
          ? "SSE-S3 (AES256)"
          : `SSE-KMS with ${sse.value.kmsKeyId ?? "the AWS managed key aws/s3"}${sse.value.bucketKeyEnabled ? ", bucket key on" : ""}`;
      return { verdict: "holds", resource: bucket, message: `${bucket} encrypts new objects by default with ${how}` };
    }
    return {
      verdict: "broken",
      resource: bucket,
      message: `${bucket} has no default encryption`,
      remediation: `aws s3api put-bucket-encryption --bucket ${bucket} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`,
    };
  },
};

export const bucketTlsOnly: CheckDefinition = {
  id: "bucket.tls-only",
  title: "TLS-only bucket policy",
  severity: "warn",
  risk: "Data could be read or written over plain HTTP.",
  async evaluate(facts) {
    const found = await bucketAndPolicy(facts);
    if ("verdict" in found) return found;
    const { bucket, policy } = found;
    const { partition, accountId } = found.target;
    // A principal of this account that its own policies allow everything: only a Deny in the bucket
    // policy can stop its plain-HTTP requests.
    const probe = `arn:${partition}:iam::${accountId}:role/roadmapx-ai-verify-probe`;
    const everything = {
      label: "a probe identity allowed everything",
      document: { Version: "2012-10-17" as const, Statement: [{ Effect: "Allow" as const, Action: "s3:*", Resource: "*" }] },
    };
    const requests = [
      { action: "s3:GetObject", resource: objectProbeArn(partition, bucket, "personalize") },
      { action: "s3:PutObject", resource: objectProbeArn(partition, bucket, "models") },
      { action: "s3:ListBucket", resource: s3BucketArn(partition, bucket) },
    ];
    const open: string[] = [];
    for (const r of requests) {
      const answer = await ask(
        {
          principal: probe,
          ...r,
          resourceAccount: accountId,
          context: { "aws:SecureTransport": "false", "aws:PrincipalArn": probe, "aws:PrincipalAccount": accountId },
        },
        { identity: [everything], resourcePolicy: policy },
      );
      if (answer.result !== "ExplicitlyDenied") open.push(r.action);
    }
    if (open.length === 0) return { verdict: "holds", resource: bucket, message: `the bucket policy of ${bucket} denies every request made without TLS` };
    return {
      verdict: "broken",
      resource: bucket,
      message: `nothing in the bucket policy of ${bucket} denies ${open.join(", ")} without TLS (aws:SecureTransport=false)`,
      remediation: `Add to the bucket policy of ${bucket}:\n${json(tlsOnlyStatement(partition, bucket))}`,
    };
  },
};

export const bucketVersioning: CheckDefinition = {
  id: "bucket.versioning",
  title: "Versioning",
  severity: "info",
  risk: "An overwritten or deleted dataset or model cannot be recovered.",
  async evaluate(facts) {
    const bucket = facts.config.aiBucket;
    const blocked = await reachable(facts, bucket);
    if (blocked) return blocked;
    const v = await facts.bucketVersioning(bucket);
    if (!v.ok) return unreadable(v.problem);
    if (v.value === "Enabled") return { verdict: "holds", resource: bucket, message: `versioning is enabled on ${bucket}` };
    return {
      verdict: "broken",
      resource: bucket,
      message: `versioning is ${v.value === "Suspended" ? "suspended" : "not enabled"} on ${bucket}`,
      remediation: `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled (with a lifecycle rule that expires noncurrent versions)`,
    };
  },
};

/**
 * The S3 requests Personalize makes on the AI bucket, each asked of the bucket policy as Personalize
 * acting for `accountId` (default: this account), or the outcome that says why they cannot be asked.
 */
async function personalizeRequests(
  facts: Facts,
  accountId?: string,
): Promise<Outcome | { bucket: string; target: AwsTarget; policy: NamedPolicy | undefined; answers: { request: string; allowed: boolean; why: string[] }[] }> {
  const found = await bucketAndPolicy(facts);
  if ("verdict" in found) return found;
  const req = SERVICES.personalize;
  if (!req.bucketPolicy) return skip("Personalize needs no bucket policy");
  const actingFor = { ...found.target, accountId: accountId ?? found.target.accountId };
  const answers = [];
  for (const q of s3Questions(req.bucketPolicy, found.target, found.bucket, req.principal, serviceContext(req, actingFor))) {
    const answer = await ask(q, { identity: [], resourcePolicy: found.policy });
    answers.push({ request: `${q.action} on ${q.resource}`, allowed: answer.allowed, why: answer.why });
  }
  return { ...found, answers };
}

export const bucketPersonalizePolicy: CheckDefinition = {
  id: "bucket.personalize-policy",
  title: "Bucket policy lets Personalize in",
  severity: "error",
  risk: "Dataset import jobs fail with an access error after they start, even though the role may read the data.",
  async evaluate(facts) {
    const found = await personalizeRequests(facts);
    if ("verdict" in found) return found;
    const { bucket, policy, target: t, answers } = found;
    const req = SERVICES.personalize;
    const denied = answers.filter((a) => !a.allowed).map((a) => a.request);
    const why = answers.flatMap((a) => (a.allowed ? [] : a.why));
    if (denied.length === 0) {
      return {
        verdict: "holds",
        resource: s3BucketArn(t.partition, bucket),
        message: `the bucket policy of ${bucket} lets ${req.principal} list the bucket and read and write ${s3ObjectsArn(t.partition, bucket, "personalize/")}`,
      };
    }
    const statements = personalizeBucketPolicyStatements(t.partition, bucket, t.accountId);
    const managed = facts.config.outputs?.artifactsBucketCreated
      ? "re-run `pulumi up` (the stack writes this bucket's policy), or add"
      : "add (keeping the statements already there; or let the stack do it: `pulumi config set roadmapx-ai:appBucketPolicy merge && pulumi up`)";
    return {
      verdict: "broken",
      resource: s3BucketArn(t.partition, bucket),
      message: policy
        ? `the bucket policy of ${bucket} does not let ${req.principal} do ${denied.join("; ")}`
        : `${bucket} has no bucket policy, and Personalize needs one that lets ${req.principal} read the data`,
      remediation: `To the bucket policy of ${bucket}, ${managed}:\n${json(statements)}`,
      explain: why,
    };
  },
};

export const bucketPersonalizePolicyPinned: CheckDefinition = {
  id: "bucket.personalize-policy.confused-deputy",
  title: "Personalize's bucket statements pinned to this account",
  severity: "warn",
  risk: "Another account's Personalize could be made to read (and write) this bucket's personalize/ data on that account's behalf (confused deputy).",
  async evaluate(facts) {
    const own = await personalizeRequests(facts);
    if ("verdict" in own) return own;
    const { bucket, target: t } = own;
    const req = SERVICES.personalize;
    const resource = s3BucketArn(t.partition, bucket);
    if (own.answers.some((a) => !a.allowed)) {
      return skip("the bucket policy does not let Personalize in at all (see bucket.personalize-policy)", resource);
    }
    const foreign = await personalizeRequests(facts, OTHER_ACCOUNT);
    if ("verdict" in foreign) return foreign;
    const admitted = foreign.answers.filter((a) => a.allowed).map((a) => a.request);
    if (admitted.length === 0) {
      return { verdict: "holds", resource, message: `the bucket policy of ${bucket} admits ${req.principal} only on behalf of account ${t.accountId}` };
    }
    return {
      verdict: "broken",
      resource,
      message: `the bucket policy of ${bucket} lets ${req.principal} act for any account (${admitted.join("; ")}): it is not pinned with aws:SourceAccount`,
      remediation: `Replace Personalize's statements in the bucket policy of ${bucket} with these pinned ones (or re-run \`pulumi up\` where the stack writes the policy):\n${json(personalizeBucketPolicyStatements(t.partition, bucket, t.accountId))}`,
    };
  },
};
