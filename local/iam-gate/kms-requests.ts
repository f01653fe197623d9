/**
 * LOCAL HARNESS, IAM gate: AWS KMS (awsJson1_1, `X-Amz-Target: TrentService.<Op>`) to what AWS
 * authorises. Mapped are the verifier's reads: DescribeKey and GetKeyPolicy, `kms:<Op>` on the key
 * (resource type `key`), with `kms:CallerAccount` (and `kms:RequestAlias` when DescribeKey names an
 * alias). The request names the key by key ARN, key id, alias
 * name or alias ARN (GetKeyPolicy: key id or ARN only, as KMS takes); the gate resolves it upstream to
 * the key's ARN, and the key policy decides too: KMS honours the caller's identity policies only where
 * the key policy allows the account (the policy engine models that for `key` resources). A key that
 * does not exist is answered with KMS's NotFoundException. Every other KMS action is refused as not
 * mapped, as before the gate knew KMS: the backend's data keys are S3's business (SSE-KMS is not
 * modelled, see index.ts).
 */
import { randomUUID } from "node:crypto";
import { type MappedRequest, MappingError, type MappingInput, arnIn, accountOfArn, jsonBody, requiredString } from "./authorisation";

export const KMS_OPERATIONS: readonly string[] = ["DescribeKey", "GetKeyPolicy"];

const KEY_ARN = /^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/;
const ALIAS_ARN = /^arn:aws(?:-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:alias\/[\w/-]+$/;

/**
 * The ARN a KeyId stands for before the gate resolves it: a key ARN as is, a key id in the request's
 * region and the caller's account, an alias as its alias ARN (resolved to its key's ARN upstream).
 */
export function kmsArnOf(input: Pick<MappingInput, "region" | "accountId">, keyId: string, operation: string): string {
  if (keyId.startsWith("arn:")) {
    if (KEY_ARN.test(keyId) || ALIAS_ARN.test(keyId)) return keyId;
    throw new MappingError(`${operation}: KeyId "${keyId}" is not the ARN of a KMS key or alias`);
  }
  if (keyId.startsWith("alias/")) return arnIn(input, "kms", keyId);
  if (/^[\w-]+$/.test(keyId)) return arnIn(input, "kms", `key/${keyId}`);
  throw new MappingError(`${operation}: KeyId "${keyId}" is not a key id, key ARN, alias name or alias ARN`);
}

export function mapKms(input: MappingInput, op: string): MappedRequest {
  const operation = `KMS.${op}`;
  if (!KMS_OPERATIONS.includes(op)) throw new MappingError(`${operation} is not an operation the gate maps (it maps ${KMS_OPERATIONS.join(", ")})`);
  const keyId = requiredString(jsonBody(input.body, operation), "KeyId", operation);
  const resource = kmsArnOf(input, keyId, operation);
  const alias = resource.split(":")[5]?.startsWith("alias/") ? resource.split(":")[5] : undefined;
  if (op === "GetKeyPolicy" && alias) throw new MappingError(`${operation} takes a key id or key ARN, not the alias "${keyId}"`);
  return {
    operation,
    protocol: "json",
    authorisations: [
      {
        action: `kms:${op}`,
        resource,
        context: { "kms:CallerAccount": input.accountId, ...(alias ? { "kms:RequestAlias": alias } : {}) },
        resourceAccount: accountOfArn(resource),
        keyPolicyOf: keyId,
      },
    ],
  };
}

/** KMS's answer for a key that does not exist (awsJson1_1, HTTP 400). */
export function kmsKeyNotFound(keyId: string): { status: number; headers: Record<string, string>; body: string } {
  const message = keyId.includes(":alias/") || keyId.startsWith("alias/") ? `Alias ${keyId} is not found.` : `Key '${keyId}' does not exist`;
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
    body: JSON.stringify({ __type: "NotFoundException", message }),
  };
}
