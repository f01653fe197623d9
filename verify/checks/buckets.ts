/**
 * Checks on the AI bucket (and the app bucket when they differ). Every check but bucket.region
 * requires bucket.exists (bucket.region must also report the bucket in another region, which
 * bucket.exists fails on); bucket.personalize-policy.confused-deputy requires
 * bucket.personalize-policy. The three checks on the bucket policy share one plan, so their fixes
 * print one merged document (a bucket has one policy).
 */
import { asList, type PolicyDocument, type PolicyStatement, s3BucketArn, s3ObjectsArn } from "@roadmapx-ai/core";
import { personalizeBucketPolicyStatements, tlsOnlyStatement } from "@roadmapx-ai/core";
import { SERVICES } from "@roadmapx-ai/core";
import type { AwsTarget } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy } from "../facts";
import { documentArg, fixFileName, fixOf, noCommand, step } from "../fix";
import type { CheckDefinition, Fix, Outcome } from "../model";
import { type Answer, ask } from "../simulate";
import {
  bucketPolicyOf,
  json,
  mergedPolicy,
  objectProbeArn,
  OTHER_ACCOUNT,
  oncePerRun,
  s3Questions,
  serviceContext,
  skip,
  stackBucket,
  target,
  unreadable,
} from "./support";

const BUCKET_EXISTS = "bucket.exists";
const PERSONALIZE_POLICY = "bucket.personalize-policy";
const PERSONALIZE_POLICY_PINNED = "bucket.personalize-policy.confused-deputy";

/**
 * Whether the bucket can be inspected at all. Under the runner the checks that declare
 * `requires: ["bucket.exists"]` are skipped before they get here; evaluated on their own they still
 * say which check to look at.
 */
async function reachable(facts: Facts, bucket: string): Promise<Outcome | undefined> {
  const head = await facts.bucketReachability(bucket);
  if (!head.ok) return unreadable(head.problem);
  return head.value.state === "exists" ? undefined : skip(`bucket ${bucket} is not reachable (see ${BUCKET_EXISTS})`, bucket);
}

/** `pulumi` for a bucket setting: only the bucket the stack created has its settings declared. */
function stackSetting(facts: Facts, bucket: string, what: string): string | undefined {
  return stackBucket(facts, bucket) ? `the stack's AiArtifactsBucket declares ${what} for ${bucket}: \`pulumi up\` restores it` : undefined;
}

/** Create the bucket where the services look for it; `--region` decides where it lives. */
function createBucketFix(facts: Facts, bucket: string, variable: string): Fix {
  const region = facts.config.s3Region;
  return fixOf(
    `create the bucket ${bucket} in ${region}, or point ${variable} at the bucket that holds the data`,
    [
      step(
        "aws",
        "s3api",
        "create-bucket",
        "--bucket",
        bucket,
        "--region",
        region,
        ...(region === "us-east-1" ? [] : ["--create-bucket-configuration", `LocationConstraint=${region}`]),
      ),
    ],
    stackBucket(facts, bucket) ? "the stack's AiArtifactsBucket creates it: `pulumi up`" : undefined,
  );
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
          fix: createBucketFix(facts, bucket, variable),
        };
      case "forbidden":
        return {
          verdict: "broken",
          resource: arn,
          message: `bucket ${bucket} exists but the caller may not reach it (HeadBucket: HTTP 403): it belongs to another account, or the caller lacks s3:ListBucket on ${arn}`,
          remediation: `Check the name in ${variable}; if it is yours, allow the caller s3:ListBucket on ${arn}.`,
          fix: noCommand(
            `check the name in ${variable}: ${bucket} belongs to another account, or the caller lacks s3:ListBucket on ${arn}; only you can tell which, so no command is printed`,
          ),
        };
      case "wrong-region":
        return {
          verdict: "broken",
          resource: arn,
          message: `bucket ${bucket} is in ${head.value.actualRegion ?? "another region"}, not ${facts.config.s3Region} (HeadBucket: HTTP 301)`,
          remediation: `Set S3_REGION=${head.value.actualRegion ?? "<the bucket's region>"} (and deploy the stack to that region).`,
          fix: noCommand(
            `set S3_REGION=${head.value.actualRegion ?? "<the bucket's region>"} where the backend and verify run: the setting is the environment's, no AWS command changes it`,
          ),
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

/** A bucket cannot move: the fix is where the services run, not a command. */
function regionFix(facts: Facts, actual: string | undefined): Fix {
  const where = actual ?? "the bucket's region";
  return noCommand(
    `a bucket cannot move to another region, so no command fixes this: run the services and deploy the stack in ${where} (AWS_REGION), or use a bucket in ${facts.config.region}`,
  );
}

// No `requires`: a bucket in another region fails bucket.exists (HTTP 301), and this check is the one that says so.
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
        fix: regionFix(facts, head.value.actualRegion),
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
      fix: regionFix(facts, region.value),
    };
  },
};

export const bucketPublicAccess: CheckDefinition = {
  id: "bucket.public-access",
  title: "Block Public Access",
  severity: "warn",
  risk: "A policy or ACL mistake could expose training data and user content to the internet.",
  requires: [BUCKET_EXISTS],
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
      fix: fixOf(
        `turn on all four Block Public Access settings of ${bucket}`,
        [
          step(
            "aws",
            "s3api",
            "put-public-access-block",
            "--bucket",
            bucket,
            "--public-access-block-configuration",
            "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
          ),
        ],
        stackSetting(facts, bucket, "all four settings"),
      ),
    };
  },
};

export const bucketEncryption: CheckDefinition = {
  id: "bucket.encryption",
  title: "Default encryption",
  severity: "warn",
  risk: "Objects written without an explicit encryption header would be stored unencrypted.",
  requires: [BUCKET_EXISTS],
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
      fix: encryptionFix(facts, bucket),
    };
  },
};

/** Default encryption as the stack declares it: SSE-KMS with the stack's key (bucket key on), else SSE-S3. */
function encryptionFix(facts: Facts, bucket: string): Fix {
  const key = facts.config.kmsKeyArn;
  const rule = key
    ? { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key }, BucketKeyEnabled: true }
    : { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } };
  return fixOf(
    key
      ? `encrypt new objects in ${bucket} by default with SSE-KMS and the stack's key ${key}`
      : `encrypt new objects in ${bucket} by default with SSE-S3 (AES256)`,
    [
      step(
        "aws",
        "s3api",
        "put-bucket-encryption",
        "--bucket",
        bucket,
        "--server-side-encryption-configuration",
        documentArg({ Rules: [rule] }, fixFileName("bucket-encryption", bucket)),
      ),
    ],
    stackSetting(facts, bucket, "default encryption"),
  );
}

/** What the AI bucket's policy lets through: plain-HTTP requests, Personalize for this account, for another. */
interface PolicyState {
  /** Actions a principal allowed everything may still make without TLS. */
  tlsOpen: string[];
  /** Each request Personalize makes for this account. */
  own: { request: string; allowed: boolean; why: string[]; cause: Answer["cause"] }[];
  /** The requests Personalize may make on behalf of another account (OTHER_ACCOUNT). */
  foreign: string[];
}

async function policyState(bucket: string, t: AwsTarget, policy: NamedPolicy | undefined): Promise<PolicyState> {
  const { partition, accountId } = t;
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
  const tlsOpen: string[] = [];
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
    if (answer.result !== "ExplicitlyDenied") tlsOpen.push(r.action);
  }
  const req = SERVICES.personalize;
  const own: PolicyState["own"] = [];
  const foreign: string[] = [];
  if (req.bucketPolicy) {
    for (const [actingFor, into] of [
      [accountId, "own"],
      [OTHER_ACCOUNT, "foreign"],
    ] as const) {
      for (const q of s3Questions(req.bucketPolicy, t, bucket, req.principal, serviceContext(req, { ...t, accountId: actingFor }))) {
        const answer = await ask(q, { identity: [], resourcePolicy: policy });
        const request = `${q.action} on ${q.resource}`;
        if (into === "own") own.push({ request, allowed: answer.allowed, why: answer.why, cause: answer.cause });
        else if (answer.allowed) foreign.push(request);
      }
    }
  }
  return { tlsOpen, own, foreign };
}

/** Adds `aws:SourceAccount` to an Allow statement for the service that does not pin it to this account. */
function pinned(s: PolicyStatement, service: string, accountId: string): PolicyStatement {
  if (s.Effect !== "Allow" || typeof s.Principal !== "object" || !asList(s.Principal.Service).includes(service)) return s;
  const equals = s.Condition?.["StringEquals"] ?? {};
  if (equals["aws:SourceAccount"] === accountId) return s;
  return { ...s, Condition: { ...s.Condition, StringEquals: { ...equals, "aws:SourceAccount": accountId } } };
}

/**
 * One plan for the AI bucket's policy, shared by bucket.tls-only, bucket.personalize-policy and
 * bucket.personalize-policy.confused-deputy: what the policy lets through now, and the one merged
 * document (the statements there now kept, ours added or replaced by Sid, Personalize's unpinned
 * statements pinned) that fixes every one of them that fails. Evaluated again on that document, so a
 * check is only given the command when the document really makes it pass.
 */
interface BucketPolicyPlan {
  bucket: string;
  target: AwsTarget;
  policy: NamedPolicy | undefined;
  state: PolicyState;
  document?: PolicyDocument | undefined;
  /** The statements there now that the document keeps. */
  kept: number;
  /** What the document changes, each with the check it is for. */
  changes: { check: string; text: string }[];
  /** Whether, under the document, each check holds. */
  fixes: { tls: boolean; personalize: boolean; pinned: boolean };
}

function bucketPolicyPlan(facts: Facts): Promise<Outcome | BucketPolicyPlan> {
  return oncePerRun(facts, `bucket-policy:${facts.config.aiBucket}`, async (): Promise<Outcome | BucketPolicyPlan> => {
    const found = await bucketAndPolicy(facts);
    if ("verdict" in found) return found;
    const { bucket, target: t, policy } = found;
    const state = await policyState(bucket, t, policy);
    const named = (document: PolicyDocument) => ({ label: `the bucket policy of ${bucket}`, document });
    const ours: PolicyStatement[] = [];
    const changes: BucketPolicyPlan["changes"] = [];
    const sids = (statements: PolicyStatement[]) => statements.flatMap((st) => (st.Sid ? [st.Sid] : [])).join(" and ");
    if (state.tlsOpen.length) {
      const tls = tlsOnlyStatement(t.partition, bucket);
      ours.push(tls);
      changes.push({ check: "bucket.tls-only", text: `${sids([tls])} added` });
    }
    const denied = state.own.filter((a) => !a.allowed);
    // A Deny that stops Personalize is the owner's to remove: adding statements would not help.
    if (denied.length && !denied.some((a) => a.cause === "explicit-deny")) {
      const statements = personalizeBucketPolicyStatements(t.partition, bucket, t.accountId);
      ours.push(...statements);
      changes.push({ check: PERSONALIZE_POLICY, text: `${sids(statements)} added` });
    }
    let document = ours.length ? mergedPolicy(policy?.document, ours) : policy?.document;
    let after = document && ours.length ? await policyState(bucket, t, named(document)) : state;
    if (document && after.foreign.length) {
      const pins: string[] = [];
      const statements = asList(document.Statement).map((st, i) => {
        const p = pinned(st, SERVICES.personalize.principal, t.accountId);
        if (p !== st) pins.push(st.Sid ? `"${st.Sid}"` : `#${i}`);
        return p;
      });
      if (pins.length) {
        document = { ...document, Statement: statements };
        changes.push({ check: PERSONALIZE_POLICY_PINNED, text: `statement ${pins.join(", ")} pinned to account ${t.accountId} (aws:SourceAccount)` });
        after = await policyState(bucket, t, named(document));
      }
    }
    const ourSids = new Set(ours.map((st) => st.Sid));
    const kept = asList(policy?.document.Statement).filter((st) => st.Sid === undefined || !ourSids.has(st.Sid)).length;
    if (changes.length === 0) return { bucket, target: t, policy, state, kept, changes, fixes: { tls: false, personalize: false, pinned: false } };
    return {
      bucket,
      target: t,
      policy,
      state,
      document,
      kept,
      changes,
      fixes: { tls: after.tlsOpen.length === 0, personalize: after.own.every((a) => a.allowed), pinned: after.foreign.length === 0 },
    };
  });
}

/** The one put-bucket-policy every failing bucket-policy check prints. */
function bucketPolicyFix(plan: BucketPolicyPlan, pulumi: string | undefined): Fix {
  const { bucket, document } = plan;
  if (!document) return noCommand(`nothing to change in the bucket policy of ${bucket}`);
  return fixOf(
    `write the whole bucket policy of ${bucket}: ${plan.kept ? `its ${plan.kept} statement(s) kept` : "nothing of its own to keep"}, ` +
      `${plan.changes.map((c) => `${c.text} (${c.check})`).join(", ")}; every failing bucket-policy check prints this same document, since a bucket has one policy`,
    [step("aws", "s3api", "put-bucket-policy", "--bucket", bucket, "--policy", documentArg(document, fixFileName("bucket-policy", bucket)))],
    pulumi,
  );
}

/** `pulumi` for the bucket policy: the created bucket's whole policy, or (app bucket) the merge of Personalize's statements. */
function bucketPolicyPulumi(facts: Facts, bucket: string, personalize: boolean): string | undefined {
  if (stackBucket(facts, bucket)) return `the stack's AiArtifactsBucket writes the whole policy of ${bucket}: \`pulumi up\` restores it`;
  if (!personalize) return undefined;
  if (facts.config.outputs?.appBucketPolicyMode === "merge") {
    return `the stack's AppBucketPersonalizeAccess merges Personalize's statements into this policy, keeping the others: \`pulumi up\``;
  }
  return "`pulumi config set roadmapx-ai:appBucketPolicy merge && pulumi up` makes the stack merge Personalize's statements into this policy, keeping the others";
}

export const bucketTlsOnly: CheckDefinition = {
  id: "bucket.tls-only",
  title: "TLS-only bucket policy",
  severity: "warn",
  risk: "Data could be read or written over plain HTTP.",
  requires: [BUCKET_EXISTS],
  async evaluate(facts) {
    const plan = await bucketPolicyPlan(facts);
    if ("verdict" in plan) return plan;
    const { bucket, state } = plan;
    if (state.tlsOpen.length === 0)
      return { verdict: "holds", resource: bucket, message: `the bucket policy of ${bucket} denies every request made without TLS` };
    return {
      verdict: "broken",
      resource: bucket,
      message: `nothing in the bucket policy of ${bucket} denies ${state.tlsOpen.join(", ")} without TLS (aws:SecureTransport=false)`,
      remediation: `Add to the bucket policy of ${bucket}:\n${json(tlsOnlyStatement(plan.target.partition, bucket))}`,
      fix: plan.fixes.tls
        ? bucketPolicyFix(plan, bucketPolicyPulumi(facts, bucket, false))
        : noCommand(
            `the TLS-only Deny added to the bucket policy of ${bucket} as it stands still leaves plain HTTP open (is the policy valid IAM?): correct the policy by hand, then run verify again`,
          ),
    };
  },
};

export const bucketVersioning: CheckDefinition = {
  id: "bucket.versioning",
  title: "Versioning",
  severity: "info",
  risk: "An overwritten or deleted dataset or model cannot be recovered.",
  requires: [BUCKET_EXISTS],
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
      fix: fixOf(
        `enable versioning on ${bucket}, then expire noncurrent versions with a lifecycle rule added to the bucket's own (put-bucket-lifecycle-configuration replaces every rule, so it is not printed here)`,
        [step("aws", "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")],
        stackSetting(facts, bucket, "versioning and the noncurrent-version expiry"),
      ),
    };
  },
};

export const bucketPersonalizePolicy: CheckDefinition = {
  id: PERSONALIZE_POLICY,
  title: "Bucket policy lets Personalize in",
  severity: "error",
  risk: "Dataset import jobs fail with an access error after they start, even though the role may read the data.",
  requires: [BUCKET_EXISTS],
  async evaluate(facts) {
    const plan = await bucketPolicyPlan(facts);
    if ("verdict" in plan) return plan;
    const { bucket, policy, target: t } = plan;
    const req = SERVICES.personalize;
    if (!req.bucketPolicy) return skip("Personalize needs no bucket policy");
    const answers = plan.state.own;
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
      fix: plan.fixes.personalize
        ? bucketPolicyFix(plan, bucketPolicyPulumi(facts, bucket, true))
        : noCommand(
            `remove or narrow the Deny statement of the bucket policy of ${bucket} named in the why lines, then run verify again: no Allow can override a Deny, so no command here fixes it`,
          ),
    };
  },
};

export const bucketPersonalizePolicyPinned: CheckDefinition = {
  id: PERSONALIZE_POLICY_PINNED,
  title: "Personalize's bucket statements pinned to this account",
  severity: "warn",
  risk: "Another account's Personalize could be made to read (and write) this bucket's personalize/ data on that account's behalf (confused deputy).",
  requires: [BUCKET_EXISTS, PERSONALIZE_POLICY],
  async evaluate(facts) {
    const plan = await bucketPolicyPlan(facts);
    if ("verdict" in plan) return plan;
    const { bucket, target: t } = plan;
    const req = SERVICES.personalize;
    const resource = s3BucketArn(t.partition, bucket);
    // Under the runner, requires: [bucket.personalize-policy] has already skipped this; alone it still says so.
    if (plan.state.own.some((a) => !a.allowed)) {
      return skip(`the bucket policy does not let Personalize in at all (see ${PERSONALIZE_POLICY})`, resource);
    }
    const admitted = plan.state.foreign;
    if (admitted.length === 0) {
      return { verdict: "holds", resource, message: `the bucket policy of ${bucket} admits ${req.principal} only on behalf of account ${t.accountId}` };
    }
    return {
      verdict: "broken",
      resource,
      message: `the bucket policy of ${bucket} lets ${req.principal} act for any account (${admitted.join("; ")}): it is not pinned with aws:SourceAccount`,
      remediation: `Replace Personalize's statements in the bucket policy of ${bucket} with these pinned ones (or re-run \`pulumi up\` where the stack writes the policy):\n${json(personalizeBucketPolicyStatements(t.partition, bucket, t.accountId))}`,
      fix:
        plan.fixes.pinned && plan.fixes.personalize
          ? bucketPolicyFix(plan, bucketPolicyPulumi(facts, bucket, false))
          : noCommand(
              `a statement of the bucket policy of ${bucket} that does not name ${req.principal} (a wildcard principal) admits it for any account: narrow that statement by hand`,
            ),
    };
  },
};
