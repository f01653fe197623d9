/** Checks on each service role: it exists, its trust policy, and what it may do (effective permissions). */
import { asList, type PolicyStatement } from "@roadmapx-ai/core";
import { serviceRolePolicy, trustPolicy } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES, type ServiceRequirement } from "@roadmapx-ai/core";
import type { Read } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy, PrincipalPolicies, RoleFacts } from "../facts";
import type { CheckDefinition, Outcome } from "../model";
import { type Answer, ask } from "../simulate";
import {
  bucketPolicyOf,
  json,
  principalContext,
  roleName,
  runtimeQuestions,
  s3Questions,
  OTHER_ACCOUNT,
  serviceContext,
  shortName,
  skip,
  target,
  unreadable,
} from "./support";

function roleArnOf(facts: Facts, id: AiServiceId): string | undefined {
  return id === "personalize" ? facts.config.personalizeRoleArn : facts.config.sagemakerRoleArn;
}

function variableOf(id: AiServiceId): string {
  return id === "personalize" ? "PERSONALIZE_ROLE_ARN" : "SAGEMAKER_ROLE_ARN";
}

/** The role if it is configured and exists; otherwise the outcome a dependent check reports. */
export async function existingRole(facts: Facts, req: ServiceRequirement): Promise<RoleFacts | Outcome> {
  const arn = roleArnOf(facts, req.id);
  if (!arn) return skip(`no ${shortName(req)} role configured (see role.${req.id}.exists)`);
  const role = await facts.role(arn);
  if (!role.ok) return unreadable(role.problem);
  if (!role.value) return skip(`role ${roleName(arn)} does not exist (see role.${req.id}.exists)`, arn);
  return role.value;
}

export function isOutcome(x: RoleFacts | Outcome): x is Outcome {
  return "verdict" in x;
}

async function policiesOf(facts: Facts, role: RoleFacts): Promise<Read<PrincipalPolicies>> {
  return facts.rolePolicies(role);
}

/** Evaluates many requests for one principal; returns the denied ones with their answers. */
async function deniedAmong<Q extends Parameters<typeof ask>[0]>(
  questions: Q[],
  policies: { identity: NamedPolicy[]; boundary?: NamedPolicy | undefined; resourcePolicy?: NamedPolicy | undefined },
): Promise<{ question: Q; answer: Answer }[]> {
  const answers = await Promise.all(questions.map(async (question) => ({ question, answer: await ask(question, policies) })));
  return answers.filter((a) => !a.answer.allowed);
}

/**
 * How to fix denied requests, by cause: statements to add for what no policy grants, the boundary
 * for what it caps, the Deny statements for what they block.
 */
function remediation(role: string, denied: { answer: Answer }[], statements: PolicyStatement[]): string {
  const causes = new Set(denied.map((d) => d.answer.cause));
  const lines: string[] = [];
  if (causes.has("not-granted") || causes.has("invalid-policy")) {
    lines.push(`Add to ${role}'s policy (or re-run \`pulumi up\` if this stack manages the role):\n${json(statements)}`);
  }
  if (causes.has("boundary")) lines.push(`Allow the same actions in the permissions boundary of ${role} (it caps what the role may do).`);
  if (causes.has("explicit-deny")) lines.push("Remove or narrow the Deny statements named under why.");
  return lines.join("\n");
}

/** The why lines of many denials, with a boundary's many "does not allow X" lines folded into one. */
function reasons(denied: { answer: Answer }[]): string[] {
  const lines = denied.flatMap((d) => d.answer.why);
  const capped = new Map<string, string[]>();
  const other: string[] = [];
  for (const line of lines) {
    const m = /^(permissions boundary \S+) does not allow (\S+), so /.exec(line);
    if (m?.[1] && m[2]) capped.set(m[1], [...(capped.get(m[1]) ?? []), m[2]]);
    else other.push(line);
  }
  const folded = [...capped].map(
    ([boundary, actions]) => `${boundary} does not allow ${[...new Set(actions)].join(", ")}, so the role cannot use them whatever its policies grant`,
  );
  return [...new Set([...folded, ...other])];
}

export function roleChecks(id: AiServiceId): CheckDefinition[] {
  const req = SERVICES[id];
  const name = shortName(req);

  const exists: CheckDefinition = {
    id: `role.${id}.exists`,
    title: `${name} role exists`,
    severity: "error",
    risk: `${name} jobs cannot start without a role to assume.`,
    async evaluate(facts) {
      const arn = roleArnOf(facts, id);
      if (!arn) {
        return {
          verdict: "broken",
          message: `no ${name} role is configured`,
          remediation: `Pass the stack outputs (--outputs FILE or AI_STACK_OUTPUTS) or set ${variableOf(id)}.`,
        };
      }
      const role = await facts.role(arn);
      if (!role.ok) return unreadable(role.problem);
      if (role.value) return { verdict: "holds", resource: arn, message: `role ${role.value.name} exists` };
      return {
        verdict: "broken",
        resource: arn,
        message: `role ${roleName(arn)} does not exist in this account`,
        remediation: `Run \`pulumi up\` to create it, or fix ${variableOf(id)} / the stack outputs.`,
      };
    },
  };

  const trust: CheckDefinition = {
    id: `role.${id}.trust`,
    title: `${name} role trust policy`,
    severity: "error",
    risk: `${name} cannot assume the role: every job fails with an access error on the role.`,
    async evaluate(facts) {
      const role = await existingRole(facts, req);
      if (isOutcome(role)) return role;
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      const answer = await ask(
        {
          principal: req.principal,
          action: "sts:AssumeRole",
          resource: role.arn,
          resourceAccount: t.value.target.accountId,
          context: serviceContext(req, t.value.target),
        },
        { identity: [], resourcePolicy: role.trust ? { label: `the trust policy of ${role.name}`, document: role.trust } : undefined },
      );
      if (answer.allowed) {
        return { verdict: "holds", resource: role.arn, message: `${req.principal} may assume ${role.name} for account ${t.value.target.accountId}` };
      }
      const trusted = (role.trust?.Statement ?? [])
        .filter((s) => s.Effect === "Allow" && typeof s.Principal === "object")
        .flatMap((s) => asList(typeof s.Principal === "object" ? (s.Principal.Service ?? s.Principal.AWS) : undefined));
      return {
        verdict: "broken",
        resource: role.arn,
        message: `${req.principal} may not assume ${role.name}${trusted.length ? `; its trust policy names ${trusted.join(", ")}` : ""}`,
        remediation: `Set the trust policy of ${role.name} to (or re-run \`pulumi up\`):\n${json(trustPolicy(req, t.value.target).Statement)}`,
        explain: answer.why,
      };
    },
  };

  const confusedDeputy: CheckDefinition = {
    id: `role.${id}.confused-deputy`,
    title: `${name} trust pinned to this account`,
    severity: "warn",
    risk: `Another account's ${name} resources could make the service act with this role (confused deputy).`,
    async evaluate(facts) {
      const role = await existingRole(facts, req);
      if (isOutcome(role)) return role;
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      const trustPolicyNamed = role.trust ? { label: `the trust policy of ${role.name}`, document: role.trust } : undefined;
      const own = await ask(
        {
          principal: req.principal,
          action: "sts:AssumeRole",
          resource: role.arn,
          resourceAccount: t.value.target.accountId,
          context: serviceContext(req, t.value.target),
        },
        { identity: [], resourcePolicy: trustPolicyNamed },
      );
      if (!own.allowed) return skip(`${req.principal} may not assume the role at all (see role.${id}.trust)`, role.arn);
      const foreign = { ...t.value.target, accountId: OTHER_ACCOUNT };
      const other = await ask(
        {
          principal: req.principal,
          action: "sts:AssumeRole",
          resource: role.arn,
          resourceAccount: t.value.target.accountId,
          context: serviceContext(req, foreign),
        },
        { identity: [], resourcePolicy: trustPolicyNamed },
      );
      if (!other.allowed) {
        return {
          verdict: "holds",
          resource: role.arn,
          message: `the trust policy of ${role.name} admits ${req.principal} only on behalf of account ${t.value.target.accountId}`,
        };
      }
      return {
        verdict: "broken",
        resource: role.arn,
        message: `the trust policy of ${role.name} lets ${req.principal} assume it on behalf of any account: it does not pin aws:SourceAccount / aws:SourceArn`,
        remediation: `Add the conditions (or re-run \`pulumi up\`):\n${json(trustPolicy(req, t.value.target).Statement[0]?.Condition ?? {})}`,
      };
    },
  };

  const s3: CheckDefinition = {
    id: `role.${id}.s3`,
    title: `${name} role S3 access`,
    severity: "error",
    risk: `${name} jobs start, then fail with AccessDenied on the bucket (often an hour in).`,
    async evaluate(facts) {
      const role = await existingRole(facts, req);
      if (isOutcome(role)) return role;
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      const [policies, bucketPolicy] = await Promise.all([policiesOf(facts, role), bucketPolicyOf(facts, facts.config.aiBucket)]);
      if (!policies.ok) return unreadable(policies.problem);
      if (!bucketPolicy.ok) return unreadable(bucketPolicy.problem);
      const bucket = facts.config.aiBucket;
      const questions = s3Questions(req, t.value.target, bucket, role.arn, principalContext(role.arn, t.value.target.accountId));
      const denied = await deniedAmong(questions, { ...policies.value, resourcePolicy: bucketPolicy.value });
      if (denied.length === 0) {
        return {
          verdict: "holds",
          resource: role.arn,
          message: `${role.name} may make all ${questions.length} S3 requests ${name} needs on ${bucket} (${[...new Set(questions.map((q) => q.action))].join(", ")})`,
        };
      }
      const grants = new Set(denied.map((d) => d.question.grant));
      const statements = serviceRolePolicy(req, { target: t.value.target, bucket }).Statement.filter((s) => s.Sid && grants.has(s.Sid));
      return {
        verdict: "broken",
        resource: role.arn,
        message: `${role.name} may not do ${denied.length} of the ${questions.length} S3 requests ${name} needs: ${denied
          .map(
            (d) => `${d.question.action} on ${d.question.resource}${d.question.context?.["s3:prefix"] ? ` (prefix ${d.question.context["s3:prefix"]})` : ""}`,
          )
          .join("; ")}`,
        remediation: remediation(role.name, denied, statements),
        explain: reasons(denied),
      };
    },
  };

  const checks = [exists, trust, s3, confusedDeputy];
  // Only services with runtime needs outside S3 (SageMaker: logs, metrics, images) get this check.
  if (req.runtimeStatements({ partition: "aws", region: "us-east-1", accountId: "000000000000" }).length > 0) {
    checks.push({
      id: `role.${id}.runtime`,
      title: `${name} role logs, metrics and image pull`,
      severity: "warn",
      risk: `${name} training jobs fail to start (no image) or run blind (no logs, no metrics).`,
      async evaluate(facts) {
        const role = await existingRole(facts, req);
        if (isOutcome(role)) return role;
        const t = await target(facts);
        if (!t.ok) return unreadable(t.problem);
        const policies = await policiesOf(facts, role);
        if (!policies.ok) return unreadable(policies.problem);
        const questions = runtimeQuestions(req, t.value.target, role.arn);
        const denied = await deniedAmong(questions, policies.value);
        if (denied.length === 0) {
          return {
            verdict: "holds",
            resource: role.arn,
            message: `${role.name} may write logs and metrics and pull training images (${questions.length} requests)`,
          };
        }
        const grants = new Set(denied.map((d) => d.question.grant));
        const statements = req.runtimeStatements(t.value.target).filter((s) => s.Sid && grants.has(s.Sid));
        return {
          verdict: "broken",
          resource: role.arn,
          message: `${role.name} may not ${denied.map((d) => `${d.question.action} on ${d.question.resource}`).join("; ")}`,
          remediation: remediation(role.name, denied, statements),
          explain: reasons(denied),
        };
      },
    });
  }
  return checks;
}
