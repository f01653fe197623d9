/**
 * Local IAM policy evaluation with @cloud-copilot/iam-simulate, and the sentences that explain its
 * answer. The library is AGPL-3.0-or-later: it is imported here and nowhere outside verify/ (a test
 * enforces that), so the code the application imports (services/, core/) stays free of it.
 *
 * The library fills no global context keys and needs the resource owner's account (S3 ARNs carry
 * none): every question below says both explicitly.
 */
import { getDenialReasons, runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import type { NamedPolicy } from "./facts";

export interface Question {
  /** An IAM ARN, or a service principal such as `personalize.amazonaws.com`. */
  principal: string;
  action: string;
  resource: string;
  /** Account that owns the resource. */
  resourceAccount: string;
  context?: Record<string, string | string[]>;
}

export interface PolicyInputs {
  identity: NamedPolicy[];
  boundary?: NamedPolicy | undefined;
  /** Bucket policy, trust policy or key policy. */
  resourcePolicy?: NamedPolicy | undefined;
}

export interface Answer {
  allowed: boolean;
  result: "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied" | "Invalid";
  /**
   * What to fix when denied: a Deny statement, the permissions boundary, a policy that does not
   * parse, or simply no statement that allows it.
   */
  cause?: "explicit-deny" | "boundary" | "invalid-policy" | "not-granted";
  /** Why it is denied (empty when allowed). */
  why: string[];
}

/** "a", "a or b", "a, b or c". */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

interface StatementLike {
  sid(): string | undefined;
  index(): number;
  isDeny(): boolean;
  toJSON(): { Resource?: string | string[]; Condition?: unknown; Principal?: unknown };
}
interface AnalysisLike {
  policyId: string;
  statement: StatementLike;
  actionMatch: boolean;
  resourceMatch: boolean;
  conditionMatch: "Match" | "NoMatch";
  principalMatch: "Match" | "NoMatch" | "AccountLevelMatch" | "SessionRoleMatch" | "SessionUserMatch";
}

function statementName(s: StatementLike): string {
  return s.sid() ? `statement "${s.sid()}"` : `statement #${s.index()}`;
}

/**
 * A condition only on aws:SecureTransport (a TLS-only Deny): every request the verifier asks about
 * is made over TLS, as the services' and the SDK's always are, so such a Deny never applies to them.
 */
function onlyTransport(condition: unknown): boolean {
  if (typeof condition !== "object" || condition === null) return false;
  const keys = Object.values(condition as Record<string, unknown>).flatMap((block) =>
    typeof block === "object" && block !== null ? Object.keys(block) : ["?"],
  );
  return keys.length > 0 && keys.every((k) => k.toLowerCase() === "aws:securetransport");
}

function listOf(value: string | string[] | undefined): string {
  if (value === undefined) return "(no Resource)";
  return (Array.isArray(value) ? value : [value]).join(", ");
}

export async function ask(q: Question, policies: PolicyInputs): Promise<Answer> {
  const labelOf = new Map<string, string>();
  const identityPolicies = policies.identity.map((p, i) => {
    const name = `identity-${i}`;
    labelOf.set(name, p.label);
    return { name, policy: p.document };
  });
  const simulation: Simulation = {
    request: {
      principal: q.principal,
      action: q.action,
      resource: { resource: q.resource, accountId: q.resourceAccount },
      contextVariables: q.context ?? {},
    },
    identityPolicies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(policies.resourcePolicy ? { resourcePolicy: policies.resourcePolicy.document } : {}),
    ...(policies.boundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: policies.boundary.document }] } : {}),
  };
  if (policies.boundary) labelOf.set("boundary", policies.boundary.label);
  const resourceLabel = policies.resourcePolicy?.label ?? "the resource policy";

  const response = await runSimulation(simulation, {});
  if (response.resultType === "error") {
    const errors = response.errors;
    const where = [
      ...Object.keys(errors.identityPolicyErrors ?? {}).map((k) => labelOf.get(k) ?? k),
      ...(errors.resourcePolicyErrors?.length ? [resourceLabel] : []),
      ...Object.keys(errors.permissionBoundaryErrors ?? {}).map(() => policies.boundary?.label ?? "the boundary"),
    ];
    return {
      allowed: false,
      result: "Invalid",
      cause: "invalid-policy",
      why: [`${where.length ? `${where.join(", ")} is not valid IAM: ` : ""}${errors.message}`],
    };
  }
  const result = response.overallResult;
  if (result === "Allowed") return { allowed: true, result, why: [] };

  const single = response.resultType === "single" ? response.result : response.results[0];
  const analysis = single?.analysis;
  const why: string[] = [];
  let cause: Answer["cause"] = result === "ExplicitlyDenied" ? "explicit-deny" : "not-granted";
  const asker = q.principal.endsWith(".amazonaws.com") ? "service" : "identity";
  if (analysis) {
    for (const denial of getDenialReasons(analysis)) {
      const label =
        denial.policyType === "resource"
          ? resourceLabel
          : denial.policyType === "pb"
            ? (policies.boundary?.label ?? "the permissions boundary")
            : denial.policyType === "identity"
              ? "the identity policies"
              : denial.policyType;
      if (denial.denialType === "Explicit") {
        const id = denial.statementId ? `statement "${denial.statementId}"` : `statement #${denial.statementIndex}`;
        const policy = "policyIdentifier" in denial && denial.policyIdentifier ? (labelOf.get(denial.policyIdentifier) ?? label) : label;
        why.push(`${id} of ${policy} explicitly denies ${q.action} on ${q.resource}`);
      } else if (denial.policyType === "pb") {
        cause = "boundary";
        why.push(`${label} does not allow ${q.action}, so the role cannot use it whatever its policies grant`);
      } else if (denial.policyType === "identity" && denial.blocking === undefined && policies.resourcePolicy) {
        // Identity and resource policy both silent: say it once below.
      } else if (denial.policyType === "resource" && q.principal.endsWith(".amazonaws.com")) {
        why.push(`${label} has no statement that allows ${q.principal} to ${q.action} on ${q.resource}`);
      }
    }
    if (result === "ImplicitlyDenied" && cause !== "boundary") {
      const searched = [...policies.identity.map((p) => p.label), ...(policies.resourcePolicy ? [resourceLabel] : [])];
      if (asker === "identity" || !policies.resourcePolicy) {
        why.push(
          searched.length ? `no statement in ${orList(searched)} allows ${q.action} on ${q.resource}` : `${q.principal} has no policy that allows ${q.action}`,
        );
      }
    }
    // Near misses: Allow statements that name the action but not this resource, or only under conditions.
    const unmatched = [
      ...((analysis.identityAnalysis?.unmatchedStatements ?? []) as unknown as AnalysisLike[]),
      ...((analysis.resourceAnalysis?.unmatchedStatements ?? []) as unknown as AnalysisLike[]),
    ];
    for (const s of unmatched) {
      if (!s.actionMatch) continue;
      const policy = labelOf.get(s.policyId) ?? resourceLabel;
      if (s.statement.isDeny()) {
        // A Deny is never a near miss for an Allow: it cannot grant anything. One that would apply to
        // this request but for its condition is worth a line (it will deny once that holds), except a
        // TLS-only Deny, which never applies to the TLS requests asked about.
        const condition = s.statement.toJSON().Condition;
        if (s.resourceMatch && s.principalMatch !== "NoMatch" && s.conditionMatch === "NoMatch" && !onlyTransport(condition)) {
          why.push(
            `${statementName(s.statement)} of ${policy} would deny ${q.action} on ${q.resource} when ${JSON.stringify(condition)} (it does not apply to this request)`,
          );
        }
        continue;
      }
      if (!s.resourceMatch) {
        why.push(`near miss: ${statementName(s.statement)} of ${policy} allows ${q.action} but on ${listOf(s.statement.toJSON().Resource)}, not ${q.resource}`);
      } else if (s.principalMatch === "NoMatch") {
        // For an IAM identity, resource-policy statements for other principals are simply unrelated.
        if (asker === "identity") continue;
        why.push(
          `near miss: ${statementName(s.statement)} of ${policy} allows ${q.action} on it, but to ${JSON.stringify(s.statement.toJSON().Principal)}, not ${q.principal}`,
        );
      } else if (s.conditionMatch === "NoMatch") {
        why.push(`near miss: ${statementName(s.statement)} of ${policy} allows ${q.action} on it only when ${JSON.stringify(s.statement.toJSON().Condition)}`);
      }
    }
  }
  if (why.length === 0) why.push(`${q.action} on ${q.resource} is ${result === "ExplicitlyDenied" ? "explicitly denied" : "not allowed"}`);
  return { allowed: false, result, cause, why };
}
