/**
 * What kind of failure an AWS SDK error is: access denied, bad credentials, unreachable, an API the
 * endpoint does not implement, or anything else. verify/ reports reads with it; the CLI picks exit
 * codes with it.
 */

export interface ReadProblem {
  kind: "denied" | "credentials" | "unreachable" | "unavailable" | "failed";
  /** The IAM action the read needed, e.g. `s3:GetBucketPolicy`. */
  permission: string;
  resource: string;
  detail: string;
}

/** A read that either produced a value or says why it could not. */
export type Read<T> = { ok: true; value: T } | { ok: false; problem: ReadProblem };

export interface AwsError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

const DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"]);
const CREDENTIALS = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "CredentialsProviderError",
  "InvalidToken",
]);
const NETWORK = new Set(["ECONNREFUSED", "ENOTFOUND", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "EHOSTUNREACH"]);

export function classify(err: unknown, permission: string, resource: string): ReadProblem {
  const e = (err ?? {}) as AwsError;
  const name = e.name ?? "Error";
  const status = e.$metadata?.httpStatusCode;
  const detail = `${name}${e.message && e.message !== name ? `: ${e.message.split("\n")[0]}` : ""}`;
  if (CREDENTIALS.has(name)) return { kind: "credentials", permission, resource, detail };
  if (DENIED.has(name) || status === 403) return { kind: "denied", permission, resource, detail };
  if ((e.code && NETWORK.has(e.code)) || name === "TimeoutError" || NETWORK.has(name)) {
    return { kind: "unreachable", permission, resource, detail };
  }
  if (name === "NotImplemented" || status === 501 || (status === 500 && /<html|not yet implemented|NotImplemented/i.test(e.message ?? ""))) {
    return { kind: "unavailable", permission, resource, detail };
  }
  if (status === 500 && name === "Unknown") return { kind: "unavailable", permission, resource, detail };
  // An HTML error page where AWS would answer JSON or XML: the endpoint (an emulator) lacks the API.
  if (name === "SyntaxError" && (e.$response?.statusCode ?? 0) >= 400) {
    return { kind: "unavailable", permission, resource, detail: `HTTP ${e.$response?.statusCode} with a body that is not an AWS response` };
  }
  return { kind: "failed", permission, resource, detail };
}

/**
 * Error names (and Comprehend's per-item `ErrorCode`s) that mean the service, not the request, was
 * the problem: throttling, server errors, time-outs. Worth another try after a pause.
 */
export const RETRYABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "SlowDown",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerError",
  "InternalServerException",
  "InternalFailure",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);

const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/**
 * The one answer to "is this worth trying again?" for the whole project: a retryable name, HTTP 429
 * or any 5xx (whatever the error is named), the SDK's own `$retryable` mark, or a dropped connection.
 */
export function isRetryable(err: unknown): boolean {
  const e = (err ?? {}) as AwsError & { $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return RETRYABLE_ERROR_NAMES.has(e.name ?? "") || status === 429 || status >= 500 || Boolean(e.$retryable) || RETRYABLE_NETWORK_CODES.has(e.code ?? "");
}
