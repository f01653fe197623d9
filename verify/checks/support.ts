/** Helpers shared by the checks: the target account, standard request context, probes, outcomes. */
import type { AwsTarget, ConditionBlock, PolicyDocument, PolicyStatement } from "@roadmapx-ai/core";
import { mergeBucketPolicy, s3BucketArn } from "@roadmapx-ai/core";
import { type AiServiceId, PREFIXES, type PrefixName, type ServiceRequirement } from "@roadmapx-ai/core";
import type { Read, ReadProblem } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy } from "../facts";
import type { CallerIdentity } from "../parse";
import { describeProblem } from "../problems";
import type { Outcome } from "../model";
import type { Question } from "../simulate";

/** Objects the probes ask about: a key under each prefix that nobody will ever create. */
export const PROBE_KEY = "roadmapx-ai-verify/probe.csv";

export function objectProbeArn(partition: string, bucket: string, prefix: PrefixName): string {
  return `arn:${partition}:s3:::${bucket}/${PREFIXES[prefix]}${PROBE_KEY}`;
}

/** An outcome that says a read failed: "error", not a false pass or fail. */
export function unreadable(problem: ReadProblem): Outcome {
  return { verdict: "error", resource: problem.resource, message: describeProblem(problem) };
}

export function skip(message: string, resource?: string): Outcome {
  return { verdict: "skip", message, resource };
}

export function json(statements: PolicyStatement[] | PolicyStatement | ConditionBlock): string {
  return JSON.stringify(statements, null, 2);
}

/** The caller and the stack's partition/account/region; every check starts here. */
export async function target(facts: Facts): Promise<Read<{ caller: CallerIdentity; target: AwsTarget }>> {
  const caller = await facts.caller();
  if (!caller.ok) return caller;
  return {
    ok: true,
    value: {
      caller: caller.value,
      target: { partition: caller.value.partition, accountId: caller.value.accountId, region: facts.config.region },
    },
  };
}

/** Context every request from inside AWS carries; iam-simulate fills none itself. */
export function principalContext(principalArn: string, accountId: string): Record<string, string> {
  return { "aws:PrincipalArn": principalArn, "aws:PrincipalAccount": accountId, "aws:SecureTransport": "true" };
}

/** Context of a service principal acting for this account (Personalize reading a bucket, assuming a role). */
/** An account that is not ours, for the confused-deputy probes (trust policies, bucket policies). */
export const OTHER_ACCOUNT = "111122223333";

export function serviceContext(req: ServiceRequirement, t: AwsTarget): Record<string, string> {
  return { "aws:SourceAccount": t.accountId, "aws:SourceArn": req.sampleSourceArn(t), "aws:SecureTransport": "true" };
}

export interface S3Question extends Question {
  /** Statement id of the grant in the requirements model that covers this request. */
  grant: string;
}

/**
 * The S3 requests a service makes, from the requirements model: ListBucket with each prefix it lists
 * under, and each object action on a key under each of its prefixes.
 */
export function s3Questions(
  grants: Pick<ServiceRequirement, "bucket" | "objects">,
  t: AwsTarget,
  bucket: string,
  principal: string,
  context: Record<string, string>,
): S3Question[] {
  const questions: S3Question[] = [];
  for (const action of grants.bucket.actions) {
    for (const prefix of grants.bucket.listPrefixes) {
      questions.push({
        principal,
        action,
        resource: s3BucketArn(t.partition, bucket),
        resourceAccount: t.accountId,
        context: { ...context, "s3:prefix": PREFIXES[prefix] },
        grant: grants.bucket.sid,
      });
    }
  }
  for (const grant of grants.objects) {
    for (const action of grant.actions) {
      for (const prefix of grant.prefixes) {
        questions.push({
          principal,
          action,
          resource: objectProbeArn(t.partition, bucket, prefix),
          resourceAccount: t.accountId,
          context,
          grant: grant.sid,
        });
      }
    }
  }
  return questions;
}

/** The bucket policy as a named policy for the simulator (undefined when the bucket has none). */
export async function bucketPolicyOf(facts: Facts, bucket: string): Promise<Read<NamedPolicy | undefined>> {
  const policy = await facts.bucketPolicy(bucket);
  if (!policy.ok) return policy;
  return { ok: true, value: policy.value ? { label: `the bucket policy of ${bucket}`, document: policy.value } : undefined };
}

export function roleName(arn: string): string {
  return arn.split("/").pop() ?? arn;
}

/** "Personalize" / "SageMaker" for sentences. */
export function shortName(req: ServiceRequirement): string {
  return req.title.replace(/^Amazon /, "");
}

/** The runtime requests a role makes (logs, metrics, image pull), from the requirements model. */
export function runtimeQuestions(req: ServiceRequirement, t: AwsTarget, roleArn: string): S3Question[] {
  return req.runtimeProbes(t).map((p) => ({
    principal: roleArn,
    action: p.action,
    resource: p.resource,
    resourceAccount: t.accountId,
    context: { ...principalContext(roleArn, t.accountId), ...p.context },
    grant: p.grantedBy,
  }));
}

const plans = new WeakMap<Facts, Map<string, Promise<unknown>>>();

/**
 * Computes once per run (per Facts): the checks that fix one policy share its plan, so they print
 * the same merged document.
 */
export function oncePerRun<T>(facts: Facts, key: string, compute: () => Promise<T>): Promise<T> {
  let memo = plans.get(facts);
  if (!memo) {
    memo = new Map();
    plans.set(facts, memo);
  }
  let p = memo.get(key) as Promise<T> | undefined;
  if (!p) {
    p = compute();
    memo.set(key, p);
  }
  return p;
}

/** A resource or identity policy with ours merged in: its statements kept, ours (by Sid) replaced or added. */
export function mergedPolicy(existing: PolicyDocument | undefined, ours: PolicyStatement[]): PolicyDocument {
  return mergeBucketPolicy(existing ? JSON.stringify(existing) : undefined, ours);
}

/** The configured role of each service (option, environment or stack outputs), and its variable. */
export function serviceRoleArn(facts: Facts, id: AiServiceId): string | undefined {
  const c = facts.config;
  return id === "personalize" ? c.personalizeRoleArn : id === "sagemaker" ? c.sagemakerRoleArn : c.comprehendRoleArn;
}

export const ROLE_ARN_VARIABLES = {
  personalize: "PERSONALIZE_ROLE_ARN",
  sagemaker: "SAGEMAKER_ROLE_ARN",
  comprehend: "COMPREHEND_ROLE_ARN",
} as const satisfies Record<AiServiceId, string>;

/** The stack output of each role, and the version whose stacks first export it (older ones lack it). */
const ROLE_OUTPUTS = {
  personalize: { key: "personalizeRoleArn", since: undefined },
  sagemaker: { key: "sagemakerRoleArn", since: undefined },
  comprehend: { key: "comprehendRoleArn", since: "0.3" },
} as const satisfies Record<AiServiceId, { key: string; since: string | undefined }>;

/**
 * Why the service's checks are skipped rather than failed: no role is configured, and the stack
 * outputs are those of a stack from before the role existed (they lack its key). Undefined otherwise.
 */
export function roleFromNewerStack(facts: Facts, id: AiServiceId): string | undefined {
  const { key, since } = ROLE_OUTPUTS[id];
  const outputs = facts.config.outputs;
  if (!since || serviceRoleArn(facts, id) || !outputs || key in outputs) return undefined;
  return (
    `the stack outputs have no ${key} (a stack from before ${since}): \`pulumi up\` with this version adds the role ` +
    `(then write the outputs again), or set ${ROLE_ARN_VARIABLES[id]}`
  );
}

/** Whether the stack's outputs name this role (so `pulumi up` manages it). */
export function stackRole(facts: Facts, roleArn: string): boolean {
  const o = facts.config.outputs;
  return o?.personalizeRoleArn === roleArn || o?.sagemakerRoleArn === roleArn || o?.comprehendRoleArn === roleArn;
}

/** Whether the AI bucket is the one the stack created (so `pulumi up` writes its settings and policy). */
export function stackBucket(facts: Facts, bucket: string): boolean {
  const o = facts.config.outputs;
  return o?.artifactsBucketCreated === true && o.artifactsBucketName === bucket;
}
