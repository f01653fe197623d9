/**
 * LOCAL HARNESS, IAM gate: what one request asks of IAM, in the terms of the AWS Service
 * Authorization Reference: an action, the resource ARN it acts on (or "*" for actions without
 * resource-level permissions) and the request's context keys. A request may need several: one per
 * required resource type of its action (CreateEndpoint: the endpoint and its endpoint config), plus
 * the actions AWS checks alongside (iam:PassRole for a role handed to a service, sagemaker:AddTags for
 * tags given at creation).
 */
import type { RequestHead } from "./sigv4";

export type ContextValue = string | string[];
export type RequestContext = Record<string, ContextValue>;

/** The wire protocol of a request: it decides what a refusal looks like. */
export type Protocol = "rest-xml" | "json" | "rest-json" | "query";

export interface AuthorisationRequest {
  action: string;
  resource: string;
  /** Context keys of this request (global keys such as aws:PrincipalArn are added when it is evaluated). */
  context: RequestContext;
  /** The account that owns the resource (S3 ARNs hold none); the caller's own when undefined. */
  resourceAccount?: string | undefined;
  /** The bucket whose bucket policy also decides (S3 requests). */
  bucketPolicyOf?: string | undefined;
  /**
   * The KMS key, as the request names it (id, key ARN, alias name or alias ARN), whose key policy also
   * decides (KMS requests): the gate resolves it upstream to the key's ARN, which `resource` then is.
   */
  keyPolicyOf?: string | undefined;
}

export interface MappedRequest {
  /** `S3.UploadPart`, `SageMaker.CreateTrainingJob`, `PersonalizeRuntime.GetRecommendations`. */
  operation: string;
  protocol: Protocol;
  authorisations: AuthorisationRequest[];
  /** Authenticated but not authorised: a service the gate passes through (IAM, STS). */
  passThrough?: boolean;
  /**
   * Why the request needs no permission at all (STS GetCallerIdentity: AWS allows it even under an
   * explicit Deny). Set only with no authorisations; the gate then records it as `always-allowed`.
   */
  alwaysAllowed?: string;
}

export type MapResult = { ok: true; request: MappedRequest } | { ok: false; operation: string; protocol: Protocol; reason: string };

/** What a mapper knows of a request: the head, its body when the protocol needs it, and where it is bound. */
export interface MappingInput {
  head: RequestHead;
  body?: Buffer | undefined;
  /** The signing name from the credential scope. */
  service: string;
  region: string;
  /** The caller's account, which owns every resource the request names by name. */
  accountId: string;
  /** The caller's ARN: the resource of requests that act on the caller itself (IAM GetUser without UserName). */
  callerArn?: string | undefined;
}

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** `arn:aws:<service>:<region>:<account>:<path>`, in the request's region and the caller's account. */
export function arnIn(input: Pick<MappingInput, "region" | "accountId">, service: string, path: string): string {
  return `arn:${partitionOf(input.region)}:${service}:${input.region}:${input.accountId}:${path}`;
}

/** The account of an ARN (its fifth field), or undefined for ARNs without one (S3). */
export function accountOfArn(arn: string): string | undefined {
  const account = arn.split(":")[4];
  return account ? account : undefined;
}

/** `aws:RequestTag/<key>` for each tag and `aws:TagKeys`, as AWS sets them for a request that tags. */
export function requestTagContext(tags: readonly { key: string; value: string }[]): RequestContext {
  if (tags.length === 0) return {};
  const context: RequestContext = { "aws:TagKeys": tags.map((t) => t.key) };
  for (const t of tags) context[`aws:RequestTag/${t.key}`] = t.value;
  return context;
}

/** iam:PassRole, which AWS checks when a call hands a role to a service. */
export function passRole(roleArn: string, toService: string): AuthorisationRequest {
  return { action: "iam:PassRole", resource: roleArn, context: { "iam:PassedToService": toService }, resourceAccount: accountOfArn(roleArn) };
}

export class MappingError extends Error {}

/** A JSON body as an object, or a MappingError saying why not. */
export function jsonBody(body: Buffer | undefined, operation: string): Record<string, unknown> {
  const text = body?.toString("utf8") ?? "";
  let parsed: unknown;
  try {
    parsed = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new MappingError(`the body of ${operation} is not JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new MappingError(`the body of ${operation} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** A string field the authorisation depends on; missing, it is a MappingError (the gate refuses). */
export function requiredString(body: Record<string, unknown>, field: string, operation: string): string {
  const value = body[field];
  if (typeof value !== "string" || value === "") throw new MappingError(`${operation} without a ${field}: the resource it acts on is unknown`);
  return value;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  return typeof value === "string" && value !== "" ? value : undefined;
}
