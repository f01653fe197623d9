/**
 * On real AWS, IAM's own SimulatePrincipalPolicy sees what local evaluation cannot (organisation SCPs).
 * This check asks it the identity-side questions the other checks evaluated locally and reports any
 * disagreement. It only reads (Simulate*). Where the API is denied or not implemented (the emulator),
 * the check is skipped with a note: local evaluation stands.
 */
import { type ContextEntry, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { classify, SERVICES } from "@roadmapx-ai/core";
import type { Facts } from "../facts";
import { noCommand } from "../fix";
import type { CheckDefinition } from "../model";
import { ask } from "../simulate";
import { existingRole, isOutcome } from "./roles";
import { principalContext, runtimeQuestions, s3Questions, serviceRoleArn, target, unreadable, type S3Question } from "./support";

interface PrincipalQuestions {
  /** The IAM ARN whose policies SimulatePrincipalPolicy evaluates (user or role). */
  source: string;
  questions: S3Question[];
  identity: Parameters<typeof ask>[1];
}

/** Context keys IAM's simulator takes as typed entries; `aws:*` keys it fills itself. */
function contextEntries(context: Record<string, string | string[]> | undefined): ContextEntry[] {
  return Object.entries(context ?? {})
    .filter(([key]) => !key.startsWith("aws:"))
    .map(([ContextKeyName, value]) => ({
      ContextKeyName,
      ContextKeyValues: Array.isArray(value) ? value : [value],
      ContextKeyType: Array.isArray(value) ? "stringList" : "string",
    }));
}

async function principals(facts: Facts): Promise<PrincipalQuestions[] | { problem: Parameters<typeof unreadable>[0] }> {
  const t = await target(facts);
  if (!t.ok) return { problem: t.problem };
  const result: PrincipalQuestions[] = [];
  for (const req of Object.values(SERVICES)) {
    const role = await existingRole(facts, req);
    if (isOutcome(role)) continue;
    const policies = await facts.rolePolicies(role);
    if (!policies.ok) return { problem: policies.problem };
    result.push({
      source: role.arn,
      identity: policies.value,
      questions: [
        ...s3Questions(req, t.value.target, facts.config.aiBucket, role.arn, principalContext(role.arn, t.value.target.accountId)),
        ...runtimeQuestions(req, t.value.target, role.arn),
      ],
    });
  }
  const { caller } = t.value;
  if (caller.kind === "user" || caller.kind === "assumed-role") {
    const policies = await facts.callerPolicies(caller);
    if (policies.ok && policies.value) {
      const questions: S3Question[] = [];
      for (const req of Object.values(SERVICES)) {
        const roleArn = serviceRoleArn(facts, req.id);
        if (!roleArn) continue;
        questions.push({
          principal: caller.arn,
          action: "iam:PassRole",
          resource: roleArn,
          resourceAccount: caller.accountId,
          context: { "iam:PassedToService": req.principal, ...principalContext(caller.principalArn, caller.accountId) },
          grant: "PassRole",
        });
      }
      result.push({ source: caller.principalArn, identity: policies.value, questions });
    }
  }
  return result;
}

export const crossCheck: CheckDefinition = {
  id: "iam.cross-check",
  title: "IAM's policy simulator agrees",
  severity: "warn",
  risk: "An organisation SCP (invisible to local evaluation) can deny what the account's own policies allow.",
  async evaluate(facts) {
    const found = await principals(facts);
    if ("problem" in found) return unreadable(found.problem);
    let agreed = 0;
    const disagreements: string[] = [];
    for (const p of found) {
      // One call per distinct context: SimulatePrincipalPolicy applies its context to every pair.
      const groups = new Map<string, S3Question[]>();
      for (const q of p.questions) {
        const key = JSON.stringify(contextEntries(q.context));
        groups.set(key, [...(groups.get(key) ?? []), q]);
      }
      for (const [key, questions] of groups) {
        let remote;
        try {
          remote = await facts.clients.iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: p.source,
              ActionNames: [...new Set(questions.map((q) => q.action))],
              ResourceArns: [...new Set(questions.map((q) => q.resource))],
              ContextEntries: JSON.parse(key) as ContextEntry[],
            }),
          );
        } catch (err) {
          const problem = classify(err, "iam:SimulatePrincipalPolicy", p.source);
          if (problem.kind === "denied" || problem.kind === "unavailable") {
            return {
              verdict: "skip",
              message: `IAM's policy simulator was not consulted: ${problem.kind === "denied" ? "the caller may not call iam:SimulatePrincipalPolicy" : "SimulatePrincipalPolicy is not available at this endpoint"} (${problem.detail}); the results above come from local evaluation, which cannot see organisation SCPs`,
            };
          }
          return unreadable(problem);
        }
        for (const q of questions) {
          const r = remote.EvaluationResults?.find((e) => e.EvalActionName === q.action && (e.EvalResourceName === q.resource || e.EvalResourceName === "*"));
          if (!r) continue;
          const local = await ask(q, p.identity);
          const awsAllows = r.EvalDecision === "allowed";
          if (awsAllows === local.allowed) {
            agreed++;
            continue;
          }
          const scp = r.OrganizationsDecisionDetail?.AllowedByOrganizations === false ? " (an organisation SCP denies it)" : "";
          const boundary = r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary === false ? " (the permissions boundary denies it)" : "";
          disagreements.push(
            `${p.source}: ${q.action} on ${q.resource}: local evaluation says ${local.allowed ? "allowed" : "denied"}, IAM says ${r.EvalDecision}${scp}${boundary}`,
          );
        }
      }
    }
    if (disagreements.length === 0) {
      return { verdict: "holds", message: `IAM's policy simulator agrees with local evaluation on all ${agreed} identity-side decisions` };
    }
    return {
      verdict: "broken",
      message: `IAM's policy simulator disagrees on ${disagreements.length} decision(s); trust IAM's answer`,
      remediation: "Where an SCP denies, ask the organisation's administrators to allow the action for this account, or use a role the SCP exempts.",
      explain: disagreements,
      fix: noCommand(
        "ask the organisation's administrators to allow these actions for this account in the SCP, or use a role the SCP exempts: an SCP is changed from the management account, not with this account's credentials",
      ),
    };
  },
};
