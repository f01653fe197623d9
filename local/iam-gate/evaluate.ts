/**
 * LOCAL HARNESS, IAM gate: decides each authorisation request with the verifier's policy engine
 * (verify/simulate.ts): the caller's identity policies and permissions boundary, for S3 the bucket
 * policy (same account: allowed when either allows, any explicit Deny wins), for KMS the key policy
 * (identity policies count only where it allows the account, as KMS has it). The request
 * context gets the global keys AWS sets for a signed request by an IAM user; the simulator fills none.
 */
import { type Answer, ask } from "../../verify/simulate";
import { type AuthorisationRequest, type RequestContext, accountOfArn } from "./authorisation";
import type { DenialReason } from "./errors";
import { type Caller, DirectoryError, type GateDirectory, type KmsKey, type NamedPolicy, type PrincipalPolicies } from "./identity";
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
  /** `NotFound`: the KMS key the request names does not exist (KMS answers NotFoundException). */
  result: Answer["result"] | "Root" | "NotFound";
  /** The resource decided on, when it differs from the request's (a KMS id or alias resolved to its key's ARN). */
  resource?: string | undefined;
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
  const kmsKey = (keyId: string): Promise<KmsKey | undefined> => {
    if (!directory.kmsKey) return Promise.reject(new DirectoryError(`the gate's directory reads no KMS keys, so it cannot decide on ${keyId}`));
    return directory.kmsKey(keyId, circumstances.region);
  };
  return Promise.all(
    authorisations.map(async (a): Promise<Verdict> => {
      let resource = a.resource;
      let resourceAccount = a.resourceAccount;
      let resourcePolicy = a.bucketPolicyOf !== undefined ? await bucketPolicy(a.bucketPolicyOf) : undefined;
      if (a.keyPolicyOf !== undefined) {
        const key = await kmsKey(a.keyPolicyOf);
        if (!key) return { allowed: false, result: "NotFound", context: { ...base, ...a.context }, why: [`no KMS key ${a.keyPolicyOf}`] };
        // Decided on the key itself (an alias stands for it), with its key policy as the resource policy.
        resource = key.arn;
        resourceAccount = accountOfArn(key.arn) ?? resourceAccount;
        resourcePolicy = key.policy;
      }
      const service = taggableService(resource);
      const tags =
        service && mentionsResourceTags([...policies.identity, policies.boundary, resourcePolicy])
          ? resourceTagContext(service, await readTags(service, resource))
          : {};
      const context = { ...base, ...tags, ...a.context };
      const question = { principal: caller.arn, action: a.action, resource, resourceAccount: resourceAccount ?? caller.accountId, context };
      const answer = await ask(question, { identity: policies.identity, boundary: policies.boundary, resourcePolicy });
      const decidedOn = resource === a.resource ? {} : { resource };
      if (answer.allowed) return { allowed: true, result: answer.result, ...decidedOn, context, why: [] };
      return {
        allowed: false,
        result: answer.result,
        ...decidedOn,
        context,
        reason: await denialReason(answer, question, policies, resourcePolicy),
        why: answer.why,
      };
    }),
  );
}
