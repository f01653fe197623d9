/**
 * LOCAL HARNESS, IAM gate: AWS Signature Version 4 as a server checks it. Parses the Authorization
 * header, rebuilds the canonical request from what arrived on the wire and compares signatures; the
 * gate signs its own calls upstream (resource tags) with the same code.
 *
 * Follows the SigV4 specification as the AWS SDK for JavaScript v3 implements it: S3 signs the path as
 * sent, every other service the path percent-encoded once more; query values are decoded, then
 * encoded again; header values are trimmed with inner whitespace collapsed.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export const SIGV4_ALGORITHM = "AWS4-HMAC-SHA256";

/** What the Authorization header of a SigV4 request says. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** The date of the credential scope, YYYYMMDD. */
  scopeDate: string;
  region: string;
  /** The signing name: `s3`, `sagemaker` (control plane and runtime), `personalize` (all three clients), ... */
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** A request as it arrived: the path and query exactly as sent, header names lowercase. */
export interface RequestHead {
  method: string;
  /** The path, still percent-encoded as sent. */
  rawPath: string;
  /** The query string as sent, without its "?". */
  rawQuery: string;
  headers: Readonly<Record<string, string>>;
}

/** Parses `AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex`. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | undefined {
  if (!header?.startsWith(`${SIGV4_ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4_ALGORITHM.length + 1).split(",")) {
    const at = part.indexOf("=");
    if (at > 0) fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get("Credential")?.split("/");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || credential.length !== 5 || credential[4] !== "aws4_request" || !signedHeaders || !signature) return undefined;
  const [accessKeyId, scopeDate, region, service] = credential as [string, string, string, string];
  return { accessKeyId, scopeDate, region, service, signedHeaders: signedHeaders.split(";"), signature };
}

/** encodeURIComponent plus the characters RFC 3986 reserves and it leaves alone, as SigV4 wants. */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a malformed escape stays as sent; the signature then decides
  }
}

/** The decoded query parameters, in order; a parameter without "=" has the value "". */
export function queryParameters(rawQuery: string): [string, string][] {
  if (rawQuery === "") return [];
  return rawQuery
    .split("&")
    .filter((p) => p !== "")
    .map((pair) => {
      const at = pair.indexOf("=");
      return at < 0 ? [decodeComponent(pair), ""] : [decodeComponent(pair.slice(0, at)), decodeComponent(pair.slice(at + 1))];
    });
}

function canonicalPath(rawPath: string, service: string): string {
  if (service === "s3") return rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith("/") ? "/" : ""}${segments.join("/")}${segments.length > 0 && rawPath.endsWith("/") ? "/" : ""}`;
  return escapeUri(normalized).replace(/%2F/g, "/");
}

function canonicalQuery(rawQuery: string): string {
  return queryParameters(rawQuery)
    .filter(([key]) => key.toLowerCase() !== "x-amz-signature")
    .map(([key, value]) => [escapeUri(key), escapeUri(value)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** The canonical request of SigV4; `payloadHash` is x-amz-content-sha256 or the body's SHA-256. */
export function canonicalRequest(head: RequestHead, service: string, signedHeaders: readonly string[], payloadHash: string): string {
  const headerLines = signedHeaders.map((name) => `${name}:${(head.headers[name] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
  return [head.method, canonicalPath(head.rawPath, service), canonicalQuery(head.rawQuery), headerLines, signedHeaders.join(";"), payloadHash].join("\n");
}

export function signatureOf(
  secretAccessKey: string,
  amzDate: string,
  scope: Pick<SigV4Authorization, "scopeDate" | "region" | "service">,
  canonical: string,
): string {
  const credentialScope = `${scope.scopeDate}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, amzDate, credentialScope, sha256Hex(canonical)].join("\n");
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.scopeDate), scope.region), scope.service), "aws4_request");
  return createHmac("sha256", signingKey).update(stringToSign).digest("hex");
}

/** Why the signature does not hold, or undefined when it does. */
export function signatureProblem(head: RequestHead, auth: SigV4Authorization, secretAccessKey: string, payloadHash: string): string | undefined {
  const amzDate = head.headers["x-amz-date"];
  if (!amzDate || !auth.signedHeaders.includes("x-amz-date")) return "the request carries no signed x-amz-date header";
  if (!amzDate.startsWith(auth.scopeDate)) return `x-amz-date ${amzDate} is not on the credential scope's date ${auth.scopeDate}`;
  if (!auth.signedHeaders.includes("host")) return "the host header is not signed";
  const expected = Buffer.from(signatureOf(secretAccessKey, amzDate, auth, canonicalRequest(head, auth.service, auth.signedHeaders, payloadHash)), "utf8");
  const given = Buffer.from(auth.signature, "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given) ? undefined : "the signature does not match";
}

/** Headers that sign a request the gate makes itself (POST with a small body, to a service that is not S3). */
export function signedHeadersFor(
  url: URL,
  body: string,
  extraHeaders: Record<string, string>,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region: string,
  service: string,
  now = new Date(),
): Record<string, string> {
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const payloadHash = sha256Hex(body);
  const headers: Record<string, string> = { ...extraHeaders, host: url.host, "x-amz-date": amzDate, "x-amz-content-sha256": payloadHash };
  const signedHeaders = Object.keys(headers)
    .map((h) => h.toLowerCase())
    .sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const scope = { scopeDate: amzDate.slice(0, 8), region, service };
  const head: RequestHead = { method: "POST", rawPath: url.pathname, rawQuery: url.search.replace(/^\?/, ""), headers: lower };
  const signature = signatureOf(credentials.secretAccessKey, amzDate, scope, canonicalRequest(head, service, signedHeaders, payloadHash));
  const authorization = `${SIGV4_ALGORITHM} Credential=${credentials.accessKeyId}/${scope.scopeDate}/${region}/${service}/aws4_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`;
  return { ...lower, authorization };
}
