/**
 * Checks on the identity running the services (the caller, or --principal): may it hand each role to
 * its service? No `requires`: iam:PassRole is decided by that identity's policies, not by the role,
 * so it is evaluated (and its fix printed) even while the role is missing.
 */
import { applicationPolicy, type PolicyStatement, policyDocument } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy, PrincipalPolicies } from "../facts";
import { documentArg, fixFileName, fixOf, noCommand, step } from "../fix";
import type { CheckDefinition, Fix } from "../model";
import type { CallerIdentity } from "../parse";
import { type Answer, ask, type Question } from "../simulate";
import { ROLE_CHECK_IDS } from "./roles";
import { json, roleFromNewerStack, roleName, serviceRoleArn, shortName, skip, target, unreadable } from "./support";

/** The application policy's PassRole statement for each role. */
const PASS_ROLE_SIDS = {
  personalize: "PassPersonalizeRole",
  sagemaker: "PassSageMakerRole",
  comprehend: "PassComprehendRole",
} as const satisfies Record<AiServiceId, string>;

/** The ids written out, so that `grep -rn '"caller.pass-role.sagemaker"'` finds where each is defined. */
export const PASS_ROLE_CHECK_IDS = {
  personalize: "caller.pass-role.personalize",
  sagemaker: "caller.pass-role.sagemaker",
  comprehend: "caller.pass-role.comprehend",
} as const satisfies Record<AiServiceId, string>;

const APP_POLICY_PULUMI =
  "the stack's application policy (output appPolicyArn) grants it; the stack does not attach it: attach it to the backend's role or user";

/**
 * Attach the stack's application policy when the outputs name it (and it would do), else put the
 * one PassRole statement inline; each checked with the simulator before it is printed.
 */
async function passRoleFix(
  facts: Facts,
  checkId: string,
  principal: CallerIdentity,
  held: PrincipalPolicies,
  question: Question,
  answer: Answer,
  statement: PolicyStatement | undefined,
): Promise<Fix> {
  if (answer.cause === "explicit-deny") {
    return noCommand(
      "remove or narrow the Deny statement named in the why lines, then run verify again: no Allow can override a Deny, so no command here fixes it",
    );
  }
  if (answer.cause === "boundary") {
    return noCommand(
      `widen the permissions boundary of ${principal.principalArn} to allow iam:PassRole on ${question.resource} (a boundary caps what any policy grants), then run verify again`,
    );
  }
  if (answer.cause === "invalid-policy") return noCommand("correct the policy that is not valid IAM (named in the why lines), then run verify again");
  const kind = principal.kind === "user" ? "user" : principal.kind === "assumed-role" ? "role" : undefined;
  if (!kind || !principal.name)
    return noCommand(`${principal.arn} is not an IAM user or role: give it iam:PassRole on ${question.resource} where its permissions are set`);
  const grants = async (extra: NamedPolicy) => (await ask(question, { ...held, identity: [...held.identity, extra] })).allowed;
  const appPolicyArn = facts.config.outputs?.appPolicyArn;
  if (appPolicyArn) {
    const app = await facts.managedPolicy(appPolicyArn);
    if (app.ok && (await grants(app.value))) {
      return fixOf(
        `attach the stack's application policy ${appPolicyArn} to ${kind} ${principal.name}`,
        [step("aws", "iam", `attach-${kind}-policy`, `--${kind}-name`, principal.name, "--policy-arn", appPolicyArn)],
        APP_POLICY_PULUMI,
      );
    }
  }
  if (!statement) return noCommand(`give ${principal.principalArn} iam:PassRole on ${question.resource}`);
  const policyName = `roadmapx-ai-${checkId.replaceAll(".", "-")}`;
  const document = policyDocument([statement]);
  if (!(await grants({ label: `inline policy ${policyName}`, document }))) {
    return noCommand(`give ${principal.principalArn} iam:PassRole on ${question.resource} (see the why lines for what stops it)`);
  }
  return fixOf(
    `add the inline policy ${policyName} with the application policy's ${statement.Sid ?? "PassRole"} statement to ${kind} ${principal.name}`,
    [
      step(
        "aws",
        "iam",
        `put-${kind}-policy`,
        `--${kind}-name`,
        principal.name,
        "--policy-name",
        policyName,
        "--policy-document",
        documentArg(document, fixFileName(checkId)),
      ),
    ],
    APP_POLICY_PULUMI,
  );
}

export function passRoleCheck(id: AiServiceId): CheckDefinition {
  const req = SERVICES[id];
  const name = shortName(req);
  const checkId = PASS_ROLE_CHECK_IDS[id];
  return {
    id: checkId,
    title: `Caller may pass the ${name} role`,
    severity: "error",
    risk: `Creating ${name} jobs fails with "not authorized to perform iam:PassRole".`,
    async evaluate(facts) {
      const roleArn = serviceRoleArn(facts, id);
      if (!roleArn) return skip(roleFromNewerStack(facts, id) ?? `no ${name} role configured (see ${ROLE_CHECK_IDS[id].exists})`);
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      // The backend's identity (--principal), which is the caller unless told otherwise.
      const principal = await facts.principal();
      if (!principal.ok) return unreadable(principal.problem);
      const caller = principal.value;
      if (caller.kind === "root") {
        return {
          verdict: "holds",
          resource: caller.arn,
          message: `the caller is the account root user, which may pass any role (use a least-privilege identity in production)`,
        };
      }
      const policies = await facts.callerPolicies(caller);
      if (!policies.ok) return unreadable(policies.problem);
      const held: PrincipalPolicies = { identity: policies.value?.identity ?? [], boundary: policies.value?.boundary };
      const question: Question = {
        principal: caller.arn,
        action: "iam:PassRole",
        resource: roleArn,
        resourceAccount: t.value.target.accountId,
        context: { "iam:PassedToService": req.principal, "aws:PrincipalArn": caller.principalArn, "aws:PrincipalAccount": caller.accountId },
      };
      const answer = await ask(question, held);
      if (answer.allowed) {
        return { verdict: "holds", resource: caller.arn, message: `${caller.arn} may pass ${roleName(roleArn)} to ${req.principal}` };
      }
      const statement = applicationPolicy({
        target: t.value.target,
        bucket: facts.config.aiBucket,
        personalizeRoleArn: facts.config.personalizeRoleArn ?? "",
        sagemakerRoleArn: facts.config.sagemakerRoleArn ?? "",
        comprehendRoleArn: facts.config.comprehendRoleArn,
        resourceNamePrefix: facts.config.resourceNamePrefix,
      }).Statement.find((s) => s.Sid === PASS_ROLE_SIDS[id]);
      const attach = facts.config.outputs?.appPolicyArn
        ? `Attach the stack's application policy ${facts.config.outputs.appPolicyArn} to ${caller.principalArn}, or add`
        : "Add";
      return {
        verdict: "broken",
        resource: caller.arn,
        message: `${caller.arn} may not pass ${roleName(roleArn)} to ${req.principal} (iam:PassRole with iam:PassedToService=${req.principal})`,
        remediation: `${attach}:\n${json(statement ? [statement] : [])}`,
        explain: answer.why,
        fix: await passRoleFix(facts, checkId, caller, held, question, answer, statement),
      };
    },
  };
}
