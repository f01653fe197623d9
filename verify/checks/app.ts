/**
 * The application's own permissions (app.s3, app.personalize, app.sagemaker, app.comprehend): may the
 * identity the backend runs as (the caller, or --principal) make every request the services make?
 * The requests come from core's applicationRequests (the requirements model's application side),
 * evaluated as the role checks are: the principal's policies and boundary, with the bucket policy or
 * the key policy where AWS consults one.
 */
import {
  type ApplicationRequest,
  type ApplicationService,
  applicationPolicy,
  applicationRequests,
  type AwsTarget,
  type PolicyStatement,
  policyDocument,
} from "@roadmapx-ai/core";
import type { Facts, NamedPolicy, PrincipalPolicies } from "../facts";
import type { CheckDefinition, Fix, Outcome } from "../model";
import type { CallerIdentity } from "../parse";
import { type Answer, ask } from "../simulate";
import { command, documentArg, fixFileName, fixOf, noCommand, step } from "../fix";
import { bucketPolicyOf, principalContext, skip, target, unreadable } from "./support";

/** How many denied requests a message names before "and N more". */
const NAMED_DENIALS = 3;

interface AppCheckSpec {
  id: string;
  service: ApplicationService;
  title: string;
  risk: string;
  /** Skip reason when the backend is not set up to use the service, else undefined. */
  unused?: (facts: Facts) => string | undefined;
}

const SPECS: readonly AppCheckSpec[] = [
  {
    id: "app.s3",
    service: "s3",
    title: "Backend may use the AI prefixes of the bucket",
    risk: "Uploads of training data and Personalize imports fail with AccessDenied, and trained models cannot be downloaded.",
  },
  {
    id: "app.personalize",
    service: "personalize",
    title: "Backend may call Personalize",
    risk: "Dataset imports, training and recommendations fail with AccessDeniedException.",
    unused: (facts) => (facts.config.personalizeRoleArn ? undefined : "no Personalize role configured: the backend does not use Personalize"),
  },
  {
    id: "app.sagemaker",
    service: "sagemaker",
    title: "Backend may call SageMaker",
    risk: "Training jobs, endpoints and invocations fail with AccessDeniedException.",
    unused: (facts) => (facts.config.sagemakerRoleArn ? undefined : "no SageMaker role configured: the backend does not use SageMaker"),
  },
  {
    id: "app.comprehend",
    service: "comprehend",
    title: "Backend may call Comprehend",
    risk: "Every text analysis fails with AccessDeniedException.",
  },
];

/** The bucket's KMS key ARN when it encrypts with a customer managed key (or the stack names one). */
async function bucketKey(facts: Facts): Promise<{ ok: true; arn?: string | undefined; policy?: NamedPolicy | undefined } | { ok: false; outcome: Outcome }> {
  const sse = await facts.bucketEncryption(facts.config.aiBucket);
  if (!sse.ok) return { ok: false, outcome: unreadable(sse.problem) };
  const keyId = sse.value?.algorithm.startsWith("aws:kms") ? (sse.value.kmsKeyId ?? undefined) : undefined;
  const id = keyId ?? facts.config.kmsKeyArn;
  // aws/s3 (SSE-KMS without a key id) lets every principal of the account use it through S3.
  if (!id) return { ok: true };
  const key = await facts.key(id);
  if (!key.ok) return { ok: false, outcome: unreadable(key.problem) };
  return { ok: true, arn: key.value.arn, policy: key.value.policy ? { label: `the key policy of ${key.value.arn}`, document: key.value.policy } : undefined };
}

function describe(r: ApplicationRequest): string {
  const prefix = r.context["s3:prefix"];
  return `${r.action} on ${r.resource}${typeof prefix === "string" ? ` (s3:prefix ${prefix})` : ""}`;
}

/** The principal's name for IAM commands: role name or user name. */
function principalCommandTarget(p: CallerIdentity): { kind: "role" | "user"; name: string } | undefined {
  if (p.kind === "user" && p.name) return { kind: "user", name: p.name };
  if (p.kind === "assumed-role" && p.name) return { kind: "role", name: p.name };
  return undefined;
}

interface GrantContext {
  facts: Facts;
  spec: AppCheckSpec;
  principal: CallerIdentity;
  target: AwsTarget;
  held: PrincipalPolicies;
  /** The bucket or key policy AWS consults with a request, as the check asked it. */
  resourcePolicyFor: (r: ApplicationRequest) => NamedPolicy | undefined;
  keyArn?: string | undefined;
}

/** Whether every request is allowed once the principal also holds `extra`. */
async function allAllowedWith(g: GrantContext, requests: ApplicationRequest[], extra: NamedPolicy): Promise<boolean> {
  for (const r of requests) {
    const answer = await ask(question(g.principal, g.target, r), { ...g.held, identity: [...g.held.identity, extra], resourcePolicy: g.resourcePolicyFor(r) });
    if (!answer.allowed) return false;
  }
  return true;
}

/**
 * The fix for requests no statement grants, checked before it is printed: attach the stack's
 * application policy where the principal lacks it and it would grant them; else put the application
 * policy's statements for this bucket (and key) inline; else say what only a key policy can change.
 */
async function grantFix(g: GrantContext, denied: ApplicationRequest[]): Promise<Fix> {
  const who = principalCommandTarget(g.principal);
  const appPolicyArn = g.facts.config.outputs?.appPolicyArn;
  const pulumi = "the stack's application policy (output appPolicyArn) grants all of it: attach it to the backend's role or user";
  if (!who) return noCommand(`${g.principal.arn} is not an IAM role or user: grant it the requests listed in the why lines by hand`, pulumi);
  if (appPolicyArn && !g.held.identity.some((p) => p.label === `managed policy ${appPolicyArn}`)) {
    const app = await g.facts.managedPolicy(appPolicyArn);
    if (app.ok && (await allAllowedWith(g, denied, app.value))) {
      return fixOf(
        `attach the stack's application policy ${appPolicyArn} to ${who.kind} ${who.name}`,
        [command("aws", "iam", `attach-${who.kind}-policy`, `--${who.kind}-name`, who.name, "--policy-arn", appPolicyArn)],
        pulumi,
      );
    }
  }
  // The application policy's statements that grant the denied requests, for the bucket and key verify found.
  const sids = new Set(denied.map((r) => r.grantedBy));
  const statements: PolicyStatement[] = applicationPolicy({
    target: g.target,
    bucket: g.facts.config.aiBucket,
    personalizeRoleArn: g.facts.config.personalizeRoleArn ?? "",
    sagemakerRoleArn: g.facts.config.sagemakerRoleArn ?? "",
    comprehendRoleArn: g.facts.config.comprehendRoleArn,
    kmsKeyArn: g.keyArn,
    resourceNamePrefix: g.facts.config.resourceNamePrefix,
  }).Statement.filter((s) => s.Sid !== undefined && sids.has(s.Sid));
  const document = policyDocument(statements);
  const policyName = `roadmapx-ai-${g.spec.id.replace(".", "-")}`;
  if (await allAllowedWith(g, denied, { label: `inline policy ${policyName}`, document })) {
    return fixOf(
      `add an inline policy ${policyName} to ${who.kind} ${who.name} with the application policy's ${[...sids].join(", ")} statements for ${g.facts.config.aiBucket}`,
      [
        step(
          "aws",
          "iam",
          `put-${who.kind}-policy`,
          `--${who.kind}-name`,
          who.name,
          "--policy-name",
          policyName,
          "--policy-document",
          documentArg(document, fixFileName(g.spec.id, who.name)),
        ),
      ],
      pulumi,
    );
  }
  if (g.keyArn && denied.some((r) => r.resource === g.keyArn)) {
    return noCommand(
      `the key policy of ${g.keyArn} does not let IAM policies grant its use: add a statement for ${g.principal.principalArn} (or the account's default "Enable IAM User Permissions" statement) to it, then grant ${APPLICATION_KMS_SID} as the application policy does`,
    );
  }
  return noCommand("no statement of the application policy would grant these requests here (see the why lines): correct the policies named there by hand");
}

const APPLICATION_KMS_SID = "UseBucketKey";

function question(p: CallerIdentity, t: AwsTarget, r: ApplicationRequest) {
  return {
    principal: p.arn,
    action: r.action,
    resource: r.resource,
    resourceAccount: t.accountId,
    context: { ...principalContext(p.principalArn, p.accountId), ...r.context },
  };
}

function appCheck(spec: AppCheckSpec): CheckDefinition {
  return {
    id: spec.id,
    title: spec.title,
    severity: "error",
    risk: spec.risk,
    ...(spec.service === "s3" ? { requires: ["bucket.exists"] } : {}),
    async evaluate(facts) {
      const unused = spec.unused?.(facts);
      if (unused) return skip(unused);
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      const principal = await facts.principal();
      if (!principal.ok) return unreadable(principal.problem);
      const p = principal.value;
      if (p.kind === "root") {
        return {
          verdict: "holds",
          resource: p.arn,
          message: `the backend runs as the account root user, which may do anything (use a least-privilege role in production)`,
        };
      }
      if (p.kind === "other") {
        // A federated or service caller has no IAM policies to read: only --principal can say who the backend is.
        return skip(`the caller ${p.arn} is not an IAM user or role session: name the role or user the backend runs as with --principal ARN`, p.arn);
      }
      const policies = await facts.callerPolicies(p);
      if (!policies.ok) return unreadable(policies.problem);
      const held: PrincipalPolicies = policies.value ?? { identity: [] };
      let keyArn: string | undefined;
      let keyPolicy: NamedPolicy | undefined;
      let bucketPolicy: NamedPolicy | undefined;
      if (spec.service === "s3") {
        const key = await bucketKey(facts);
        if (!key.ok) return key.outcome;
        keyArn = key.arn;
        keyPolicy = key.policy;
        const bp = await bucketPolicyOf(facts, facts.config.aiBucket);
        if (!bp.ok) return unreadable(bp.problem);
        bucketPolicy = bp.value;
      }
      const requests = applicationRequests({
        target: t.value.target,
        bucket: facts.config.aiBucket,
        resourceNamePrefix: facts.config.resourceNamePrefix,
        kmsKeyArn: keyArn,
      }).filter((r) => r.service === spec.service);
      const resourcePolicyFor = (r: ApplicationRequest): NamedPolicy | undefined =>
        r.resource === keyArn ? keyPolicy : r.resource.startsWith(`arn:${t.value.target.partition}:s3:::`) ? bucketPolicy : undefined;
      const denied: { request: ApplicationRequest; answer: Answer }[] = [];
      for (const request of requests) {
        const answer = await ask(question(p, t.value.target, request), { ...held, resourcePolicy: resourcePolicyFor(request) });
        if (!answer.allowed) denied.push({ request, answer });
      }
      const actions = new Set(requests.map((r) => r.action));
      if (denied.length === 0) {
        return {
          verdict: "holds",
          resource: p.arn,
          message: `${p.arn} may make all ${requests.length} requests the services make (${actions.size} actions)`,
        };
      }
      const named = denied.slice(0, NAMED_DENIALS).map((d) => describe(d.request));
      const more = denied.length > NAMED_DENIALS ? `, and ${denied.length - NAMED_DENIALS} more` : "";
      const blockedBy = new Set(denied.map((d) => d.answer.cause));
      const grantable = denied.filter((d) => d.answer.cause === "not-granted").map((d) => d.request);
      const fix: Fix =
        grantable.length === denied.length
          ? await grantFix({ facts, spec, principal: p, target: t.value.target, held, resourcePolicyFor, keyArn }, grantable)
          : noCommand(
              blockedBy.has("explicit-deny")
                ? "remove or narrow the Deny statement named in the why lines: no Allow can override it"
                : blockedBy.has("boundary")
                  ? `widen the permissions boundary of ${p.principalArn} to allow these actions (a boundary caps what any policy grants)`
                  : "correct the policy that does not parse (see the why lines)",
            );
      return {
        verdict: "broken",
        resource: p.arn,
        message: `${p.arn} may not make ${denied.length} of the ${requests.length} requests the services make: ${named.join("; ")}${more}`,
        remediation: fix.summary,
        explain: [...new Set(denied.flatMap((d) => d.answer.why))].slice(0, 8),
        fix,
      };
    },
  };
}

export const appChecks: readonly CheckDefinition[] = SPECS.map(appCheck);
