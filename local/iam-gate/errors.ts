/**
 * LOCAL HARNESS, IAM gate: the refusals, shaped as AWS sends them for each protocol, so the SDK throws
 * the error it would throw against AWS: S3's XML `<Error><Code>AccessDenied</Code>` (403; a HEAD has
 * no body), the JSON APIs' `{"__type":"AccessDeniedException","message":...}` (400; the REST ones also
 * say it in `x-amzn-ErrorType`), IAM/STS's `<ErrorResponse>`. The messages follow IAM's
 * "User: ARN is not authorized to perform: ACTION on resource: ARN because ..." format.
 */
import { randomUUID } from "node:crypto";
import type { Protocol } from "./authorisation";

export type GateRefusal =
  | "access-denied"
  | "unknown-access-key"
  | "signature-mismatch"
  | "no-signature"
  | "not-mapped"
  | "payload-hash-mismatch"
  | "body-too-large"
  | "upstream-unreachable"
  | "gate-failure";

interface ErrorCode {
  code: string;
  status: number;
}

const CODES: Record<GateRefusal, Record<Protocol, ErrorCode>> = {
  "access-denied": {
    "rest-xml": { code: "AccessDenied", status: 403 },
    query: { code: "AccessDenied", status: 403 },
    json: { code: "AccessDeniedException", status: 400 },
    "rest-json": { code: "AccessDeniedException", status: 400 },
  },
  "unknown-access-key": {
    "rest-xml": { code: "InvalidAccessKeyId", status: 403 },
    query: { code: "InvalidClientTokenId", status: 403 },
    json: { code: "UnrecognizedClientException", status: 400 },
    "rest-json": { code: "UnrecognizedClientException", status: 403 },
  },
  "signature-mismatch": {
    "rest-xml": { code: "SignatureDoesNotMatch", status: 403 },
    query: { code: "SignatureDoesNotMatch", status: 403 },
    json: { code: "InvalidSignatureException", status: 400 },
    "rest-json": { code: "InvalidSignatureException", status: 403 },
  },
  "no-signature": {
    "rest-xml": { code: "AccessDenied", status: 403 },
    query: { code: "MissingAuthenticationToken", status: 403 },
    json: { code: "MissingAuthenticationTokenException", status: 400 },
    "rest-json": { code: "MissingAuthenticationTokenException", status: 403 },
  },
  // Not an AWS code on purpose: the gate, not IAM, refused, and the name says so.
  "not-mapped": {
    "rest-xml": { code: "IamGateUnmappedRequest", status: 403 },
    query: { code: "IamGateUnmappedRequest", status: 403 },
    json: { code: "IamGateUnmappedRequest", status: 400 },
    "rest-json": { code: "IamGateUnmappedRequest", status: 400 },
  },
  "payload-hash-mismatch": {
    "rest-xml": { code: "XAmzContentSHA256Mismatch", status: 400 },
    query: { code: "InvalidSignatureException", status: 400 },
    json: { code: "InvalidSignatureException", status: 400 },
    "rest-json": { code: "InvalidSignatureException", status: 400 },
  },
  "body-too-large": {
    "rest-xml": { code: "EntityTooLarge", status: 400 },
    query: { code: "RequestEntityTooLarge", status: 413 },
    json: { code: "RequestEntityTooLargeException", status: 413 },
    "rest-json": { code: "RequestEntityTooLargeException", status: 413 },
  },
  "upstream-unreachable": {
    "rest-xml": { code: "ServiceUnavailable", status: 503 },
    query: { code: "ServiceUnavailable", status: 503 },
    json: { code: "ServiceUnavailableException", status: 503 },
    "rest-json": { code: "ServiceUnavailableException", status: 503 },
  },
  // The gate could not decide (IAM unreadable, a bug): it refuses rather than forward unchecked.
  "gate-failure": {
    "rest-xml": { code: "InternalError", status: 500 },
    query: { code: "InternalFailure", status: 500 },
    json: { code: "InternalFailure", status: 500 },
    "rest-json": { code: "InternalFailure", status: 500 },
  },
};

export interface ErrorResponse {
  status: number;
  /** The code the SDK names its error by. */
  code: string;
  headers: Record<string, string>;
  body: string;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);
}

export function errorResponse(
  protocol: Protocol,
  refusal: GateRefusal,
  message: string,
  options: { method?: string; accessKeyId?: string } = {},
): ErrorResponse {
  const { code, status } = CODES[refusal][protocol];
  const requestId = randomUUID();
  switch (protocol) {
    case "rest-xml": {
      const keyId = options.accessKeyId && refusal === "unknown-access-key" ? `<AWSAccessKeyId>${xmlEscape(options.accessKeyId)}</AWSAccessKeyId>` : "";
      const body =
        options.method === "HEAD"
          ? ""
          : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message>${keyId}<RequestId>${requestId}</RequestId><HostId>roadmapx-ai-iam-gate</HostId></Error>`;
      return { status, code, headers: { "content-type": "application/xml", "x-amz-request-id": requestId }, body };
    }
    case "query":
      return {
        status,
        code,
        headers: { "content-type": "text/xml", "x-amzn-requestid": requestId },
        body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case "json":
      return {
        status,
        code,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: code, message }),
      };
    case "rest-json":
      return {
        status,
        code,
        headers: { "content-type": "application/json", "x-amzn-errortype": code, "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: code, message }),
      };
  }
}

/** Which kind of policy refused, in IAM's words. */
export type DenialReason =
  | { explicit: false; policyType: "identity-based" | "permissions boundary" }
  | { explicit: true; policyType: "identity-based" | "resource-based" | "permissions boundary" };

function policyPhrase(policyType: DenialReason["policyType"]): string {
  return policyType === "permissions boundary" ? "permissions boundary" : `${policyType} policy`;
}

/** `User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the ACTION action`. */
export function accessDeniedMessage(principalArn: string, action: string, resource: string, reason: DenialReason, protocol: Protocol): string {
  // S3 quotes the resource ARN in its messages; the other services do not.
  const shown = protocol === "rest-xml" ? `"${resource}"` : resource;
  const start = `User: ${principalArn} is not authorized to perform: ${action} on resource: ${shown}`;
  if (reason.explicit) {
    const article = reason.policyType === "identity-based" ? "an" : "a";
    return `${start} with an explicit deny in ${article} ${policyPhrase(reason.policyType)}`;
  }
  return `${start} because no ${policyPhrase(reason.policyType)} allows the ${action} action`;
}
