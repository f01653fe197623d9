/** Checks on the identity running the services (the caller, or --principal): may it hand each role to its service? */
import { applicationPolicy } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES } from "@roadmapx-ai/core";
import type { CheckDefinition } from "../model";
import { ask } from "../simulate";
import { json, roleName, shortName, skip, target, unreadable } from "./support";

export function passRoleCheck(id: AiServiceId): CheckDefinition {
  const req = SERVICES[id];
  const name = shortName(req);
  return {
    id: `caller.pass-role.${id}`,
    title: `Caller may pass the ${name} role`,
    severity: "error",
    risk: `Creating ${name} jobs fails with "not authorized to perform iam:PassRole".`,
    async evaluate(facts) {
      const roleArn = id === "personalize" ? facts.config.personalizeRoleArn : facts.config.sagemakerRoleArn;
      if (!roleArn) return skip(`no ${name} role configured (see role.${id}.exists)`);
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
      const answer = await ask(
        {
          principal: caller.arn,
          action: "iam:PassRole",
          resource: roleArn,
          resourceAccount: t.value.target.accountId,
          context: { "iam:PassedToService": req.principal, "aws:PrincipalArn": caller.principalArn, "aws:PrincipalAccount": caller.accountId },
        },
        { identity: policies.value?.identity ?? [], boundary: policies.value?.boundary },
      );
      if (answer.allowed) {
        return { verdict: "holds", resource: caller.arn, message: `${caller.arn} may pass ${roleName(roleArn)} to ${req.principal}` };
      }
      const statement = applicationPolicy({
        target: t.value.target,
        bucket: facts.config.aiBucket,
        personalizeRoleArn: facts.config.personalizeRoleArn ?? "",
        sagemakerRoleArn: facts.config.sagemakerRoleArn ?? "",
        resourceNamePrefix: facts.config.resourceNamePrefix,
      }).Statement.find((s) => s.Sid === (id === "personalize" ? "PassPersonalizeRole" : "PassSageMakerRole"));
      const attach = facts.config.outputs?.appPolicyArn
        ? `Attach the stack's application policy ${facts.config.outputs.appPolicyArn} to ${caller.principalArn}, or add`
        : "Add";
      return {
        verdict: "broken",
        resource: caller.arn,
        message: `${caller.arn} may not pass ${roleName(roleArn)} to ${req.principal} (iam:PassRole with iam:PassedToService=${req.principal})`,
        remediation: `${attach}:\n${json(statement ? [statement] : [])}`,
        explain: answer.why,
      };
    },
  };
}
