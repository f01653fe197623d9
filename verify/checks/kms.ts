/**
 * With SSE-KMS: may each service (role, and for Personalize the service principal) use the key?
 * Both checks require bucket.exists and their role's role.<svc>.exists. Their fixes share one plan
 * per key, so they print one merged key policy (a key has one policy).
 */
import { asList, type AwsTarget, type PolicyDocument, type PolicyStatement } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES } from "@roadmapx-ai/core";
import type { Facts, NamedPolicy, PrincipalPolicies, RoleFacts } from "../facts";
import { documentArg, fixFileName, fixOf, noCommand, step } from "../fix";
import type { CheckDefinition, Fix, Outcome } from "../model";
import { ask } from "../simulate";
import { ROLE_CHECK_IDS } from "./roles";
import {
  json,
  mergedPolicy,
  oncePerRun,
  principalContext,
  roleFromNewerStack,
  roleName,
  serviceContext,
  serviceRoleArn,
  shortName,
  skip,
  target,
  unreadable,
} from "./support";

/** The ids written out, so that `grep -rn '"kms.sagemaker"'` finds where each is defined. */
export const KMS_CHECK_IDS = {
  personalize: "kms.personalize",
  sagemaker: "kms.sagemaker",
  comprehend: "kms.comprehend",
} as const satisfies Record<AiServiceId, string>;

interface KeyFacts {
  arn: string;
  policy?: PolicyDocument | undefined;
}

/** What one kms.<svc> check found: an outcome decided early, or the key, the role and what is denied. */
type KmsState =
  | { outcome: Outcome }
  | {
      key: KeyFacts;
      role: RoleFacts;
      policies: PrincipalPolicies;
      target: AwsTarget;
      denied: string[];
      why: string[];
      /** The key-policy statements that let the service in. */
      statements: PolicyStatement[];
    };

function keyPolicyOf(key: KeyFacts, document: PolicyDocument | undefined): NamedPolicy | undefined {
  return document ? { label: `the key policy of ${key.arn}`, document } : undefined;
}

/** The requests the service makes on the key (as its role, and for Personalize as itself), denied ones named. */
async function denials(
  id: AiServiceId,
  key: KeyFacts,
  keyPolicy: NamedPolicy | undefined,
  role: RoleFacts,
  policies: PrincipalPolicies,
  t: AwsTarget,
): Promise<{ denied: string[]; why: string[] }> {
  const req = SERVICES[id];
  const denied: string[] = [];
  const why: string[] = [];
  for (const action of req.kmsActions) {
    const byRole = await ask(
      {
        principal: role.arn,
        action,
        resource: key.arn,
        resourceAccount: t.accountId,
        context: principalContext(role.arn, t.accountId),
      },
      { ...policies, resourcePolicy: keyPolicy },
    );
    if (!byRole.allowed) {
      denied.push(`${role.name}: ${action}`);
      why.push(...byRole.why);
    }
    if (req.bucketPolicy) {
      // Personalize also uses the key as itself (its service principal), through the key policy alone.
      const byService = await ask(
        { principal: req.principal, action, resource: key.arn, resourceAccount: t.accountId, context: serviceContext(req, t) },
        { identity: [], resourcePolicy: keyPolicy },
      );
      if (!byService.allowed) {
        denied.push(`${req.principal}: ${action}`);
        why.push(...byService.why);
      }
    }
  }
  return { denied, why };
}

function kmsState(facts: Facts, id: AiServiceId): Promise<KmsState> {
  return oncePerRun(facts, `kms:${id}`, async (): Promise<KmsState> => {
    const req = SERVICES[id];
    const name = shortName(req);
    const bucket = facts.config.aiBucket;
    const roleExists = ROLE_CHECK_IDS[id].exists;
    const head = await facts.bucketReachability(bucket);
    if (!head.ok) return { outcome: unreadable(head.problem) };
    // Under the runner, requires: [bucket.exists, role.<svc>.exists] skips before these guards.
    if (head.value.state !== "exists") return { outcome: skip(`bucket ${bucket} is not reachable (see bucket.exists)`, bucket) };
    const sse = await facts.bucketEncryption(bucket);
    if (!sse.ok) return { outcome: unreadable(sse.problem) };
    const usesKms = sse.value?.algorithm.startsWith("aws:kms") === true;
    const keyId = usesKms ? sse.value?.kmsKeyId : undefined;
    if (!usesKms && !facts.config.kmsKeyArn) return { outcome: skip(`${bucket} does not use SSE-KMS`) };
    if (usesKms && !keyId) {
      return {
        outcome:
          id === "personalize"
            ? {
                verdict: "broken",
                resource: bucket,
                message: `${bucket} encrypts with the AWS managed key aws/s3, whose key policy cannot be changed to let ${req.principal} use it`,
                remediation: "Encrypt the bucket with a customer managed key and set roadmapx-ai:kmsKeyArn to it (`pulumi up` then grants the roles).",
                fix: noCommand(
                  `no command can change the key policy of aws/s3: encrypt ${bucket} with a customer managed key whose policy lets Personalize in, then run verify again`,
                  "`pulumi config set roadmapx-ai:kmsKeyArn <key ARN> && pulumi up` grants the roles a customer managed key (its key policy is the key owner's)",
                ),
              }
            : {
                verdict: "holds",
                resource: bucket,
                message: `${bucket} uses the AWS managed key aws/s3, which every principal of the account may use through S3`,
              },
      };
    }
    const roleArn = serviceRoleArn(facts, id);
    if (!roleArn) return { outcome: skip(roleFromNewerStack(facts, id) ?? `no ${name} role configured (see ${roleExists})`) };
    const t = await target(facts);
    if (!t.ok) return { outcome: unreadable(t.problem) };
    const key = await facts.key(keyId ?? facts.config.kmsKeyArn ?? "");
    if (!key.ok) return { outcome: unreadable(key.problem) };
    const role = await facts.role(roleArn);
    if (!role.ok) return { outcome: unreadable(role.problem) };
    if (!role.value) return { outcome: skip(`role ${roleName(roleArn)} does not exist (see ${roleExists})`, roleArn) };
    const policies = await facts.rolePolicies(role.value);
    if (!policies.ok) return { outcome: unreadable(policies.problem) };
    const { denied, why } = await denials(id, key.value, keyPolicyOf(key.value, key.value.policy), role.value, policies.value, t.value.target);
    const statements: PolicyStatement[] = [
      { Sid: `Allow${name}RoleUseOfKey`, Effect: "Allow", Principal: { AWS: role.value.arn }, Action: [...req.kmsActions], Resource: "*" },
      ...(req.bucketPolicy
        ? [
            {
              Sid: `Allow${name}ServiceUseOfKey`,
              Effect: "Allow" as const,
              Principal: { Service: req.principal },
              Action: [...req.kmsActions],
              Resource: "*",
              Condition: { StringEquals: { "aws:SourceAccount": t.value.target.accountId } },
            },
          ]
        : []),
    ];
    return { key: key.value, role: role.value, policies: policies.value, target: t.value.target, denied, why, statements };
  });
}

/**
 * One key policy for every kms.<svc> check that fails on this key: the key policy there now with its
 * statements kept, each failing service's statements added (replacing earlier copies by Sid), then
 * evaluated again so that only the checks it really fixes print the command.
 */
function keyPolicyPlan(facts: Facts, keyArn: string): Promise<{ document: PolicyDocument; kept: number; added: string[]; fixed: Set<AiServiceId> }> {
  return oncePerRun(facts, `key-policy:${keyArn}`, async () => {
    const ids = Object.keys(KMS_CHECK_IDS) as AiServiceId[];
    const states = await Promise.all(ids.map(async (id) => [id, await kmsState(facts, id)] as const));
    const failing = states.flatMap(([id, st]) => ("key" in st && st.key.arn === keyArn && st.denied.length ? [[id, st] as const] : []));
    const existing = failing[0]?.[1].key.policy;
    const ours = failing.flatMap(([, st]) => st.statements);
    const document = mergedPolicy(existing, ours);
    const fixed = new Set<AiServiceId>();
    for (const [id, st] of failing) {
      const after = await denials(id, st.key, keyPolicyOf(st.key, document), st.role, st.policies, st.target);
      if (after.denied.length === 0) fixed.add(id);
    }
    const sids = new Set(ours.map((s) => s.Sid));
    const kept = asList(existing?.Statement).filter((s) => s.Sid === undefined || !sids.has(s.Sid)).length;
    return { document, kept, added: ours.flatMap((s) => (s.Sid ? [s.Sid] : [])), fixed };
  });
}

/** The key's region, from its ARN: KMS commands go there. */
function keyRegion(keyArn: string): string | undefined {
  return /^arn:[^:]+:kms:([^:]+):/.exec(keyArn)?.[1];
}

async function keyPolicyFix(facts: Facts, id: AiServiceId, keyArn: string): Promise<Fix> {
  const plan = await keyPolicyPlan(facts, keyArn);
  if (!plan.fixed.has(id)) {
    return noCommand(
      `a Deny (in the key policy or the role's policies) or the role's permissions boundary stops it (see the why lines): correct that by hand, then run verify again`,
    );
  }
  const region = keyRegion(keyArn);
  const pulumi =
    id === "sagemaker" && facts.config.kmsKeyArn !== keyArn
      ? `\`pulumi config set roadmapx-ai:kmsKeyArn ${keyArn} && pulumi up\` grants the role the key in its own policy instead, where the key policy lets IAM policies grant it`
      : undefined;
  return fixOf(
    `write the whole key policy of ${keyArn}: ${plan.kept ? `its ${plan.kept} statement(s) kept` : "nothing of its own to keep"}, ${plan.added.join(", ")} added; ` +
      "every failing kms check on this key prints this same document, since a key has one policy",
    [
      step(
        "aws",
        "kms",
        "put-key-policy",
        "--key-id",
        keyArn,
        "--policy-name",
        "default",
        "--policy",
        documentArg(plan.document, fixFileName("key-policy", keyArn.split("/").pop() ?? keyArn)),
        ...(region ? ["--region", region] : []),
      ),
    ],
    pulumi,
  );
}

export function kmsCheck(id: AiServiceId): CheckDefinition {
  const req = SERVICES[id];
  const name = shortName(req);
  return {
    id: KMS_CHECK_IDS[id],
    title: `${name} may use the bucket's KMS key`,
    severity: "error",
    risk: `${name} cannot decrypt the data it reads or encrypt what it writes: jobs fail on the first object.`,
    requires: ["bucket.exists", ROLE_CHECK_IDS[id].exists],
    async evaluate(facts) {
      const st = await kmsState(facts, id);
      if ("outcome" in st) return st.outcome;
      const { key, denied, why, statements } = st;
      if (denied.length === 0) {
        return { verdict: "holds", resource: key.arn, message: `${name} may use ${key.arn} (${req.kmsActions.join(", ")})` };
      }
      return {
        verdict: "broken",
        resource: key.arn,
        message: `the key ${key.arn} may not be used as ${name} needs: ${denied.join("; ")}`,
        remediation: `Add to the key policy of ${key.arn} (and \`pulumi config set roadmapx-ai:kmsKeyArn ${key.arn} && pulumi up\` for the role side):\n${json(statements)}`,
        explain: [...new Set(why)],
        fix: await keyPolicyFix(facts, id, key.arn),
      };
    },
  };
}
