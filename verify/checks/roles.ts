/** Checks on each service role: it exists, its trust policy, and what it may do (effective permissions). */
import { asList, type AwsTarget, type PolicyDocument, type PolicyStatement, policyDocument } from "@roadmapx-ai/core";
import { serviceRolePolicy, trustPolicy } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES, type ServiceRequirement } from "@roadmapx-ai/core";
import type { Read } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy, PrincipalPolicies, RoleFacts } from "../facts";
import { documentArg, fixFileName, fixOf, noCommand, step } from "../fix";
import type { CheckDefinition, Fix, Outcome } from "../model";
import { type Answer, ask } from "../simulate";
import {
  bucketPolicyOf,
  json,
  mergedPolicy,
  principalContext,
  ROLE_ARN_VARIABLES,
  roleFromNewerStack,
  roleName,
  runtimeQuestions,
  s3Questions,
  type S3Question,
  OTHER_ACCOUNT,
  serviceContext,
  serviceRoleArn,
  shortName,
  skip,
  stackRole,
  target,
  unreadable,
} from "./support";

/**
 * The role checks' ids, written out so that `grep -rn '"role.sagemaker.trust"'` finds where each is
 * defined (docs/DESIGN.md, "Check ids"). `runtime` only for services with needs outside S3.
 */
export const ROLE_CHECK_IDS = {
  personalize: {
    exists: "role.personalize.exists",
    trust: "role.personalize.trust",
    s3: "role.personalize.s3",
    confusedDeputy: "role.personalize.confused-deputy",
  },
  sagemaker: {
    exists: "role.sagemaker.exists",
    trust: "role.sagemaker.trust",
    s3: "role.sagemaker.s3",
    confusedDeputy: "role.sagemaker.confused-deputy",
    runtime: "role.sagemaker.runtime",
  },
  comprehend: {
    exists: "role.comprehend.exists",
    trust: "role.comprehend.trust",
    s3: "role.comprehend.s3",
    confusedDeputy: "role.comprehend.confused-deputy",
  },
} as const satisfies Record<AiServiceId, { exists: string; trust: string; s3: string; confusedDeputy: string; runtime?: string }>;

function roleArnOf(facts: Facts, id: AiServiceId): string | undefined {
  return serviceRoleArn(facts, id);
}

function variableOf(id: AiServiceId): string {
  return ROLE_ARN_VARIABLES[id];
}

/**
 * The role, or the outcome that says why there is none. Under the runner a check that reads the role
 * declares `requires: [exists]` and is skipped before it gets here; evaluated on its own (tests,
 * iam.cross-check) it still says which check to look at.
 */
export async function existingRole(facts: Facts, req: ServiceRequirement): Promise<RoleFacts | Outcome> {
  const arn = roleArnOf(facts, req.id);
  const exists = ROLE_CHECK_IDS[req.id].exists;
  if (!arn) return skip(roleFromNewerStack(facts, req.id) ?? `no ${shortName(req)} role configured (see ${exists})`);
  const role = await facts.role(arn);
  if (!role.ok) return unreadable(role.problem);
  if (!role.value) return skip(`role ${roleName(arn)} does not exist (see ${exists})`, arn);
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

/** Whether a trust statement is about a service principal (what a service role's trust is for). */
function namesService(s: PolicyStatement): boolean {
  return typeof s.Principal === "object" && s.Principal.Service !== undefined;
}

/** May the service assume the role on behalf of `accountId` under this trust policy? */
async function mayAssume(req: ServiceRequirement, role: RoleFacts, t: AwsTarget, trust: PolicyDocument | undefined, accountId: string): Promise<boolean> {
  const answer = await ask(
    {
      principal: req.principal,
      action: "sts:AssumeRole",
      resource: role.arn,
      resourceAccount: t.accountId,
      context: serviceContext(req, { ...t, accountId }),
    },
    { identity: [], resourcePolicy: trust ? { label: `the trust policy of ${role.name}`, document: trust } : undefined },
  );
  return answer.allowed;
}

/**
 * The fix of role.<svc>.trust and role.<svc>.confused-deputy: a complete trust policy in which the
 * statements naming services are replaced by the stack's pinned one and those for other principals
 * (people, other accounts) are kept, or, when keeping them still fails, the stack's alone. Checked
 * with the simulator before it is printed.
 */
async function trustFix(facts: Facts, req: ServiceRequirement, role: RoleFacts, t: AwsTarget): Promise<Fix> {
  const ours = trustPolicy(req, t);
  const existing = asList(role.trust?.Statement);
  const replaced = existing.filter(namesService);
  const kept = existing.filter((s) => !namesService(s) && s.Sid !== ours.Statement[0]?.Sid);
  const services = [...new Set(replaced.flatMap((s) => (typeof s.Principal === "object" ? asList(s.Principal.Service) : [])))];
  const candidates = kept.length ? [policyDocument([...kept, ...ours.Statement]), ours] : [ours];
  for (const document of candidates) {
    if (!(await mayAssume(req, role, t, document, t.accountId)) || (await mayAssume(req, role, t, document, OTHER_ACCOUNT))) continue;
    const others = existing.length - replaced.length;
    const rest =
      others === 0
        ? ""
        : document === ours
          ? `, dropping its ${others} other statement(s), which stop it`
          : `, keeping its ${others} statement(s) for other principals`;
    return fixOf(
      `set the trust policy of ${role.name} to the stack's statement (${req.principal}, only for account ${t.accountId} and ${req.sourceArnPattern(t)})` +
        `${services.length ? ` in place of the statements naming ${services.join(", ")}` : ""}${rest}`,
      [
        step(
          "aws",
          "iam",
          "update-assume-role-policy",
          "--role-name",
          role.name,
          "--policy-document",
          documentArg(document, fixFileName("role", req.id, "trust")),
        ),
      ],
      stackRole(facts, role.arn)
        ? `the stack's ServiceRole for ${role.name} declares this trust policy (its one statement): \`pulumi up\` restores it`
        : undefined,
    );
  }
  return noCommand(`no trust policy printed here would let ${req.principal} assume ${role.name} (see the why lines): correct it by hand`);
}

/** What role.<svc>.s3 and role.<svc>.runtime evaluated, for their fix. */
interface Denials {
  checkId: string;
  role: RoleFacts;
  questions: S3Question[];
  denied: { question: S3Question; answer: Answer }[];
  /** The stack's statements that grant the denied requests. */
  statements: PolicyStatement[];
  policies: PrincipalPolicies;
  resourcePolicy?: NamedPolicy | undefined;
}

/**
 * The fix for requests a role may not make: an inline policy with the stack's statements for them
 * (added to, never replacing, what the role has), and where a permissions boundary caps them the
 * same statements in a new default version of the boundary. Checked with the simulator: if the
 * commands would not make every request pass (a Deny, a policy that does not parse), no commands.
 */
async function grantFix(facts: Facts, x: Denials): Promise<Fix> {
  const causes = new Set(x.denied.map((d) => d.answer.cause));
  if (causes.has("explicit-deny")) {
    return noCommand(
      "remove or narrow the Deny statement named in the why lines, then run verify again: no Allow can override a Deny, so no command here fixes it",
    );
  }
  if (causes.has("invalid-policy")) return noCommand("correct the policy that is not valid IAM (named in the why lines), then run verify again");
  const policyName = `roadmapx-ai-${x.checkId.replaceAll(".", "-")}`;
  const label = `inline policy ${policyName} of role ${x.role.name}`;
  // A policy an earlier fix added keeps what it granted: ours are merged into it.
  const earlier = x.policies.identity.find((p) => p.label === label);
  const inline: NamedPolicy = { label, document: mergedPolicy(earlier?.document, x.statements) };
  const granted = [...x.policies.identity.filter((p) => p !== earlier), inline];
  const boundary = x.policies.boundary;
  const boundaryArn = x.role.boundaryArn;
  const widened =
    boundary && boundaryArn && !boundaryArn.includes(":iam::aws:policy/")
      ? { ...boundary, document: mergedPolicy(boundary.document, x.statements) }
      : undefined;
  const options = [
    { grant: true, widen: false },
    ...(widened
      ? [
          { grant: false, widen: true },
          { grant: true, widen: true },
        ]
      : []),
  ];
  const sids = x.statements.flatMap((s) => (s.Sid ? [s.Sid] : [])).join(", ");
  for (const o of options) {
    const still = await deniedAmong(x.questions, {
      identity: o.grant ? granted : x.policies.identity,
      boundary: o.widen ? widened : boundary,
      resourcePolicy: x.resourcePolicy,
    });
    if (still.length) continue;
    const steps = [];
    const said: string[] = [];
    if (o.grant) {
      steps.push(
        step(
          "aws",
          "iam",
          "put-role-policy",
          "--role-name",
          x.role.name,
          "--policy-name",
          policyName,
          "--policy-document",
          documentArg(inline.document, fixFileName(x.checkId)),
        ),
      );
      said.push(`add the inline policy ${policyName} to ${x.role.name} with the stack's ${sids}`);
    }
    if (o.widen && widened && boundaryArn) {
      steps.push(
        step(
          "aws",
          "iam",
          "create-policy-version",
          "--policy-arn",
          boundaryArn,
          "--policy-document",
          documentArg(widened.document, fixFileName("boundary", roleName(boundaryArn))),
          "--set-as-default",
        ),
      );
      said.push(
        `allow the same in the permissions boundary ${boundaryArn}, as its new default version (IAM keeps five versions: if it refuses, delete the oldest with aws iam delete-policy-version)`,
      );
    }
    return fixOf(
      said.join("; and "),
      steps,
      o.grant && stackRole(facts, x.role.arn)
        ? `the stack's ServiceRole gives ${x.role.name} these statements in its inline policy: \`pulumi up\` restores them`
        : undefined,
    );
  }
  return noCommand(
    boundary && !widened
      ? `the permissions boundary ${boundaryArn ?? ""} caps the role and is AWS managed: attach a boundary that allows these actions, then run verify again`
      : "no policy printed here would let the role make these requests (see the why lines)",
  );
}

/** The fix of role.<svc>.exists for a configured role that is missing: create it as the stack would. */
async function createRoleFix(facts: Facts, req: ServiceRequirement, arn: string, variable: string): Promise<Fix> {
  const t = await target(facts);
  if (!t.ok) return noCommand(`create the role ${arn}; the caller's account could not be read to print the commands`);
  // arn:partition:iam::account:role/path/name
  const [, , , , account = "", resource = ""] = arn.split(":");
  if (account !== t.value.target.accountId) {
    return noCommand(
      `${arn} is in account ${account}, not ${t.value.target.accountId}: fix ${variable} / the stack outputs, or run verify with that account's credentials`,
    );
  }
  const parts = resource.split("/");
  const name = parts.at(-1) ?? "";
  const path = parts.length > 2 ? `/${parts.slice(1, -1).join("/")}/` : undefined;
  const bucket = facts.config.aiBucket;
  const access = serviceRolePolicy(req, { target: t.value.target, bucket, kmsKeyArn: facts.config.kmsKeyArn });
  return fixOf(
    `create the role ${name} with the stack's trust policy (${req.principal}, only for account ${t.value.target.accountId}) and its inline policy ${name}-access for ${bucket}`,
    [
      step(
        "aws",
        "iam",
        "create-role",
        "--role-name",
        name,
        ...(path ? ["--path", path] : []),
        "--assume-role-policy-document",
        documentArg(trustPolicy(req, t.value.target), fixFileName("role", req.id, "create", "trust")),
      ),
      step(
        "aws",
        "iam",
        "put-role-policy",
        "--role-name",
        name,
        "--policy-name",
        `${name}-access`,
        "--policy-document",
        documentArg(access, fixFileName("role", req.id, "create", "access")),
      ),
    ],
    stackRole(facts, arn) ? `the stack's AiServicesAccess creates this role (its ServiceRole for ${shortName(req)}): \`pulumi up\`` : undefined,
  );
}

export function roleChecks(id: AiServiceId): CheckDefinition[] {
  const req = SERVICES[id];
  const name = shortName(req);
  const ids: { exists: string; trust: string; s3: string; confusedDeputy: string; runtime?: string } = ROLE_CHECK_IDS[id];

  const exists: CheckDefinition = {
    id: ids.exists,
    title: `${name} role exists`,
    severity: "error",
    risk: `${name} jobs cannot start without a role to assume.`,
    async evaluate(facts) {
      const arn = roleArnOf(facts, id);
      const older = roleFromNewerStack(facts, id);
      if (older) return skip(older);
      if (!arn) {
        return {
          verdict: "broken",
          message: `no ${name} role is configured`,
          remediation: `Pass the stack outputs (--outputs FILE or AI_STACK_OUTPUTS) or set ${variableOf(id)}.`,
          fix: noCommand(
            `no AWS command configures this: pass the stack outputs (--outputs FILE or AI_STACK_OUTPUTS) or set ${variableOf(id)} to the role's ARN`,
          ),
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
        fix: await createRoleFix(facts, req, arn, variableOf(id)),
      };
    },
  };

  const trust: CheckDefinition = {
    id: ids.trust,
    title: `${name} role trust policy`,
    severity: "error",
    risk: `${name} cannot assume the role: every job fails with an access error on the role.`,
    requires: [ids.exists],
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
        fix: await trustFix(facts, req, role, t.value.target),
      };
    },
  };

  const confusedDeputy: CheckDefinition = {
    id: ids.confusedDeputy,
    title: `${name} trust pinned to this account`,
    severity: "warn",
    risk: `Another account's ${name} resources could make the service act with this role (confused deputy).`,
    requires: [ids.exists, ids.trust],
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
      // Under the runner, requires: [trust] has already skipped this; evaluated alone it still says so.
      if (!own.allowed) return skip(`${req.principal} may not assume the role at all (see ${ids.trust})`, role.arn);
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
        fix: await trustFix(facts, req, role, t.value.target),
      };
    },
  };

  const s3: CheckDefinition = {
    id: ids.s3,
    title: `${name} role S3 access`,
    severity: "error",
    risk: `${name} jobs start, then fail with AccessDenied on the bucket (often an hour in).`,
    requires: [ids.exists],
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
        fix: await grantFix(facts, {
          checkId: ids.s3,
          role,
          questions,
          denied,
          statements,
          policies: policies.value,
          resourcePolicy: bucketPolicy.value,
        }),
      };
    },
  };

  const checks = [exists, trust, s3, confusedDeputy];
  // Only services with runtime needs outside S3 (SageMaker: logs, metrics, images) get this check.
  if (req.runtimeStatements({ partition: "aws", region: "us-east-1", accountId: "000000000000" }).length > 0) {
    const runtimeId = ids.runtime;
    if (!runtimeId) throw new Error(`ROLE_CHECK_IDS.${id} has no runtime id, but ${name} has runtime needs`);
    checks.push({
      id: runtimeId,
      title: `${name} role logs, metrics and image pull`,
      severity: "warn",
      risk: `${name} training jobs fail to start (no image) or run blind (no logs, no metrics).`,
      requires: [ids.exists],
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
          fix: await grantFix(facts, { checkId: runtimeId, role, questions, denied, statements, policies: policies.value }),
        };
      },
    });
  }
  return checks;
}
