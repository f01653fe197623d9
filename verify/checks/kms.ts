/** With SSE-KMS: may each service (role, and for Personalize the service principal) use the key? */
import type { PolicyStatement } from "@roadmapx-ai/core";
import { type AiServiceId, SERVICES } from "@roadmapx-ai/core";
import type { CheckDefinition } from "../model";
import { ask } from "../simulate";
import { json, principalContext, roleName, serviceContext, shortName, skip, target, unreadable } from "./support";

export function kmsCheck(id: AiServiceId): CheckDefinition {
  const req = SERVICES[id];
  const name = shortName(req);
  return {
    id: `kms.${id}`,
    title: `${name} may use the bucket's KMS key`,
    severity: "error",
    risk: `${name} cannot decrypt the data it reads or encrypt what it writes: jobs fail on the first object.`,
    async evaluate(facts) {
      const bucket = facts.config.aiBucket;
      const head = await facts.bucketReachability(bucket);
      if (!head.ok) return unreadable(head.problem);
      if (head.value.state !== "exists") return skip(`bucket ${bucket} is not reachable (see bucket.exists)`, bucket);
      const sse = await facts.bucketEncryption(bucket);
      if (!sse.ok) return unreadable(sse.problem);
      const usesKms = sse.value?.algorithm.startsWith("aws:kms") === true;
      const keyId = usesKms ? sse.value?.kmsKeyId : undefined;
      if (!usesKms && !facts.config.kmsKeyArn) return skip(`${bucket} does not use SSE-KMS`);
      if (usesKms && !keyId) {
        return id === "personalize"
          ? {
              verdict: "broken",
              resource: bucket,
              message: `${bucket} encrypts with the AWS managed key aws/s3, whose key policy cannot be changed to let ${req.principal} use it`,
              remediation: "Encrypt the bucket with a customer managed key and set roadmapx-ai:kmsKeyArn to it (`pulumi up` then grants the roles).",
            }
          : {
              verdict: "holds",
              resource: bucket,
              message: `${bucket} uses the AWS managed key aws/s3, which every principal of the account may use through S3`,
            };
      }
      const roleArn = id === "personalize" ? facts.config.personalizeRoleArn : facts.config.sagemakerRoleArn;
      if (!roleArn) return skip(`no ${name} role configured (see role.${id}.exists)`);
      const t = await target(facts);
      if (!t.ok) return unreadable(t.problem);
      const key = await facts.key(keyId ?? facts.config.kmsKeyArn ?? "");
      if (!key.ok) return unreadable(key.problem);
      const role = await facts.role(roleArn);
      if (!role.ok) return unreadable(role.problem);
      if (!role.value) return skip(`role ${roleName(roleArn)} does not exist (see role.${id}.exists)`, roleArn);
      const policies = await facts.rolePolicies(role.value);
      if (!policies.ok) return unreadable(policies.problem);
      const keyPolicy = key.value.policy ? { label: `the key policy of ${key.value.arn}`, document: key.value.policy } : undefined;
      const denied: string[] = [];
      const why: string[] = [];
      for (const action of req.kmsActions) {
        const byRole = await ask(
          {
            principal: role.value.arn,
            action,
            resource: key.value.arn,
            resourceAccount: t.value.target.accountId,
            context: principalContext(role.value.arn, t.value.target.accountId),
          },
          { ...policies.value, resourcePolicy: keyPolicy },
        );
        if (!byRole.allowed) {
          denied.push(`${role.value.name}: ${action}`);
          why.push(...byRole.why);
        }
        if (req.bucketPolicy) {
          // Personalize also uses the key as itself (its service principal), through the key policy alone.
          const byService = await ask(
            {
              principal: req.principal,
              action,
              resource: key.value.arn,
              resourceAccount: t.value.target.accountId,
              context: serviceContext(req, t.value.target),
            },
            { identity: [], resourcePolicy: keyPolicy },
          );
          if (!byService.allowed) {
            denied.push(`${req.principal}: ${action}`);
            why.push(...byService.why);
          }
        }
      }
      if (denied.length === 0) {
        return { verdict: "holds", resource: key.value.arn, message: `${name} may use ${key.value.arn} (${req.kmsActions.join(", ")})` };
      }
      const keyStatements: PolicyStatement[] = [
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
      return {
        verdict: "broken",
        resource: key.value.arn,
        message: `the key ${key.value.arn} may not be used as ${name} needs: ${denied.join("; ")}`,
        remediation: `Add to the key policy of ${key.value.arn} (and \`pulumi config set roadmapx-ai:kmsKeyArn ${key.value.arn} && pulumi up\` for the role side):\n${json(keyStatements)}`,
        explain: [...new Set(why)],
      };
    },
  };
}
