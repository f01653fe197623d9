/**
 * LOCAL HARNESS, IAM gate: decides each authorisation request with the verifier's policy engine
 * (verify/simulate.ts): the caller's identity policies and permissions boundary, and for S3 the
 * bucket policy (same account: allowed when either allows, any explicit Deny wins). The request
 * context gets the global keys AWS sets for a signed request by an IAM user; the simulator fills none.
 */
import { type Answer, ask } from "../../verify/simulate";
import type { AuthorisationRequest, RequestContext } from "./authorisation";
import type { DenialReason } from "./errors";
import type { Caller, GateDirectory, NamedPolicy, PrincipalPolicies } from "./identity";
import { resourceTagContext, taggableService } from "./resource-tags";

export interface RequestCircumstances {
  region: string;
  /** aws:SecureTransport: plain HTTP unless the gate is told to count the hop as TLS. */
  secureTransport: boolean;
  sourceIp: string;
  now: Date;
}

export interface Verdict {
  allowed: boolean;
  result: Answer["result"] | "Root";
  /** The full context the decision was made with. */
  context: RequestContext;
  reason?: DenialReason | undefined;
  why: string[];
}

/** Reads a resource's tags when a policy could look at them. */
export type TagReader = (service: string, arn: string) => Promise<{ key: string; value: string }[]>;

export function globalContext(caller: Caller, circumstances: RequestCircumstances): RequestContext {
  const context: RequestContext = {
    "aws:PrincipalArn": caller.arn,
    "aws:PrincipalAccount": caller.accountId,
    "aws:PrincipalType": caller.kind === "root" ? "Account" : "User",
    "aws:SecureTransport": String(circumstances.secureTransport),
    "aws:RequestedRegion": circumstances.region,
    "aws:SourceIp": circumstances.sourceIp,
    "aws:CurrentTime": circumstances.now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    "aws:EpochTime": String(Math.floor(circumstances.now.getTime() / 1000)),
    "aws:ViaAWSService": "false",
    "aws:PrincipalIsAWSService": "false",
  };
  if (caller.userName) context["aws:username"] = caller.userName;
  if (caller.userId) context["aws:userid"] = caller.userId;
  return context;
}

function mentionsResourceTags(policies: readonly (NamedPolicy | undefined)[]): boolean {
  return policies.some((p) => p !== undefined && JSON.stringify(p.document).includes("ResourceTag/"));
}

/** Which kind of policy refused, for the message: asks again with each kind alone. */
async function denialReason(
  answer: Answer,
  question: Parameters<typeof ask>[0],
  policies: PrincipalPolicies,
  resourcePolicy: NamedPolicy | undefined,
): Promise<DenialReason> {
  if (answer.result !== "ExplicitlyDenied") {
    return { explicit: false, policyType: answer.cause === "boundary" ? "permissions boundary" : "identity-based" };
  }
  if ((await ask(question, { identity: policies.identity })).result === "ExplicitlyDenied") return { explicit: true, policyType: "identity-based" };
  if (resourcePolicy && (await ask(question, { identity: [], resourcePolicy })).result === "ExplicitlyDenied") {
    return { explicit: true, policyType: "resource-based" };
  }
  return { explicit: true, policyType: "permissions boundary" };
}

/**
 * Decides every authorisation of one request (all of them, so the record shows what each needed).
 * Policies and bucket policies are read once per request.
 */
export async function evaluate(
  directory: GateDirectory,
  caller: Caller,
  authorisations: readonly AuthorisationRequest[],
  circumstances: RequestCircumstances,
  readTags: TagReader,
): Promise<Verdict[]> {
  const base = globalContext(caller, circumstances);
  if (caller.kind === "root") {
    // The root user of the account may do everything (no SCPs here).
    return authorisations.map((a) => ({ allowed: true, result: "Root", context: { ...base, ...a.context }, why: [] }));
  }
  const policies = await directory.policiesOf(caller);
  const bucketPolicies = new Map<string, Promise<NamedPolicy | undefined>>();
  const bucketPolicy = (bucket: string) => {
    let p = bucketPolicies.get(bucket);
    if (!p) {
      p = directory.bucketPolicy(bucket);
      bucketPolicies.set(bucket, p);
    }
    return p;
  };
  return Promise.all(
    authorisations.map(async (a): Promise<Verdict> => {
      const resourcePolicy = a.bucketPolicyOf !== undefined ? await bucketPolicy(a.bucketPolicyOf) : undefined;
      const service = taggableService(a.resource);
      const tags =
        service && mentionsResourceTags([...policies.identity, policies.boundary, resourcePolicy])
          ? resourceTagContext(service, await readTags(service, a.resource))
          : {};
      const context = { ...base, ...tags, ...a.context };
      const question = { principal: caller.arn, action: a.action, resource: a.resource, resourceAccount: a.resourceAccount ?? caller.accountId, context };
      const answer = await ask(question, { identity: policies.identity, boundary: policies.boundary, resourcePolicy });
      if (answer.allowed) return { allowed: true, result: answer.result, context, why: [] };
      return { allowed: false, result: answer.result, context, reason: await denialReason(answer, question, policies, resourcePolicy), why: answer.why };
    }),
  );
}
