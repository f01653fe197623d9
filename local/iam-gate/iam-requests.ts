/**
 * LOCAL HARNESS, IAM gate: IAM and STS (the query protocol: `Action=GetRole&Version=...&RoleName=...`
 * in a form-encoded body, or in the query string) to what AWS authorises, per the Service
 * Authorization Reference. Mapped are the reads the verifier makes (core/verifier-reads.ts):
 * - the role, user and group reads: `iam:<Action>` on `arn:aws:iam::ACCOUNT:role|user|group/NAME`, from
 *   RoleName, UserName or GroupName; GetUser without UserName acts on the caller itself, as IAM reads
 *   it (and still needs iam:GetUser on the caller's ARN);
 * - GetPolicy and GetPolicyVersion on the PolicyArn given (an AWS managed policy, `iam::aws:policy/...`,
 *   counts as the caller's own account's: IAM has no resource policies to consult for it);
 * - SimulatePrincipalPolicy on its PolicySourceArn;
 * - STS GetCallerIdentity, which needs no permission (AWS answers it even under an explicit Deny): no
 *   authorisation, marked `alwaysAllowed`.
 * Every other IAM or STS action is refused as not mapped.
 *
 * Not modelled: IAM paths. An ARN is built from the name alone (`role/NAME`), which is what a `role/*`
 * statement matches either way; a statement naming a path (`role/service-role/*`) is not matched for a
 * role with that path as AWS would match it.
 */
import { type AuthorisationRequest, type MappedRequest, MappingError, type MappingInput, accountOfArn, partitionOf } from "./authorisation";
import { queryParameters } from "./sigv4";

type IamResourceType = "role" | "user" | "group";

interface IamOperation {
  /** What the request names: a role, user or group by name, or a policy or principal by ARN. */
  on: IamResourceType | "policy" | "principal";
  /** The parameter that names it. */
  field: string;
  /** Without the parameter, the request acts on the caller (GetUser). */
  selfWhenAbsent?: boolean;
}

const OPERATIONS: Record<string, IamOperation> = {
  GetRole: { on: "role", field: "RoleName" },
  ListRolePolicies: { on: "role", field: "RoleName" },
  GetRolePolicy: { on: "role", field: "RoleName" },
  ListAttachedRolePolicies: { on: "role", field: "RoleName" },
  GetUser: { on: "user", field: "UserName", selfWhenAbsent: true },
  ListUserPolicies: { on: "user", field: "UserName" },
  GetUserPolicy: { on: "user", field: "UserName" },
  ListAttachedUserPolicies: { on: "user", field: "UserName" },
  ListGroupsForUser: { on: "user", field: "UserName" },
  ListGroupPolicies: { on: "group", field: "GroupName" },
  GetGroupPolicy: { on: "group", field: "GroupName" },
  ListAttachedGroupPolicies: { on: "group", field: "GroupName" },
  GetPolicy: { on: "policy", field: "PolicyArn" },
  GetPolicyVersion: { on: "policy", field: "PolicyArn" },
  SimulatePrincipalPolicy: { on: "principal", field: "PolicySourceArn" },
};

/** The IAM actions the gate maps (each authorised as `iam:<name>`). */
export const IAM_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/** The STS actions the gate maps; none needs a permission. */
export const STS_OPERATIONS: readonly string[] = ["GetCallerIdentity"];

/** IAM's pattern for role, user and group names. */
const IAM_NAME = /^[\w+=,.@-]{1,128}$/;
/** A customer managed policy (12-digit account) or an AWS managed one (`aws`), any path. */
const POLICY_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::(?:\d{12}|aws):policy\/.+$/;
/** What SimulatePrincipalPolicy evaluates: a user, role or group of an account. */
const PRINCIPAL_ARN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:(?:user|role|group)\/.+$/;

/**
 * The parameters of a query-protocol request: the form body (where `+` is a space) and the query
 * string, the body's first.
 */
export function queryProtocolParameters(input: Pick<MappingInput, "head" | "body">): Map<string, string> {
  const form = input.head.headers["content-type"]?.startsWith("application/x-www-form-urlencoded") ? (input.body?.toString("utf8") ?? "") : "";
  const parameters = new Map<string, string>();
  for (const [key, value] of [...queryParameters(form.replace(/\+/g, "%20")), ...queryParameters(input.head.rawQuery)]) {
    if (!parameters.has(key)) parameters.set(key, value);
  }
  return parameters;
}

/** The `Action` of a query-protocol request, or undefined when it names none. */
export function queryAction(input: Pick<MappingInput, "head" | "body">): string | undefined {
  return queryProtocolParameters(input).get("Action") || undefined;
}

function required(parameters: Map<string, string>, field: string, operation: string): string {
  const value = parameters.get(field);
  if (value === undefined || value === "") throw new MappingError(`${operation} without a ${field}: the resource it acts on is unknown`);
  return value;
}

/** The resource an IAM read acts on, and the account that owns it. */
function resourceOf(input: MappingInput, spec: IamOperation, parameters: Map<string, string>, operation: string): AuthorisationRequest {
  const action = `iam:${operation.slice("IAM.".length)}`;
  switch (spec.on) {
    case "role":
    case "user":
    case "group": {
      const name = parameters.get(spec.field);
      if ((name === undefined || name === "") && spec.selfWhenAbsent) {
        if (!input.callerArn) throw new MappingError(`${operation} without a ${spec.field} acts on the caller, whose ARN the gate was not given`);
        return { action, resource: input.callerArn, context: {}, resourceAccount: accountOfArn(input.callerArn) };
      }
      const given = required(parameters, spec.field, operation);
      if (!IAM_NAME.test(given)) throw new MappingError(`${operation}: ${spec.field} "${given}" is not an IAM name`);
      return {
        action,
        resource: `arn:${partitionOf(input.region)}:iam::${input.accountId}:${spec.on}/${given}`,
        context: {},
        resourceAccount: input.accountId,
      };
    }
    case "policy": {
      const arn = required(parameters, spec.field, operation);
      if (!POLICY_ARN.test(arn)) throw new MappingError(`${operation}: ${spec.field} "${arn}" is not an IAM policy ARN`);
      const owner = accountOfArn(arn);
      // AWS managed policies belong to no account the caller could be refused by: identity policies decide.
      return { action, resource: arn, context: {}, resourceAccount: owner === "aws" ? input.accountId : owner };
    }
    case "principal": {
      const arn = required(parameters, spec.field, operation);
      if (!PRINCIPAL_ARN.test(arn)) throw new MappingError(`${operation}: ${spec.field} "${arn}" is not the ARN of an IAM user, role or group`);
      return { action, resource: arn, context: {}, resourceAccount: accountOfArn(arn) };
    }
  }
}

export function mapIam(input: MappingInput): MappedRequest {
  const parameters = queryProtocolParameters(input);
  const op = parameters.get("Action");
  if (!op) throw new MappingError("an IAM request without an Action");
  const operation = `IAM.${op}`;
  const spec = OPERATIONS[op];
  if (!spec) throw new MappingError(`${operation} is not an operation the gate maps (it maps the verifier's reads: ${IAM_OPERATIONS.join(", ")})`);
  return { operation, protocol: "query", authorisations: [resourceOf(input, spec, parameters, operation)] };
}

export function mapSts(input: MappingInput): MappedRequest {
  const op = queryAction(input);
  if (!op) throw new MappingError("an STS request without an Action");
  const operation = `STS.${op}`;
  if (!STS_OPERATIONS.includes(op)) throw new MappingError(`${operation} is not an operation the gate maps (it maps ${STS_OPERATIONS.join(", ")})`);
  return {
    operation,
    protocol: "query",
    authorisations: [],
    alwaysAllowed: "sts:GetCallerIdentity needs no permission: AWS answers it for every signed request, even under an explicit Deny",
  };
}
