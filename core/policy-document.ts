/**
 * The one decoder for policy documents as AWS hands them back. IAM's GetRole, GetRolePolicy (and the
 * user and group variants) and GetPolicyVersion return the JSON URL-encoded; S3, KMS and moto's
 * GetPolicyVersion return it as is. verify/ and local/ both read documents through here.
 */
import type { PolicyDocument } from "./iam";

/** The text is neither a JSON policy document nor a URL-encoded one. */
export class PolicyDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyDocumentError";
  }
}

const JSON_OBJECT = /^\s*\{/;

function preview(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 37)}...` : text;
  return JSON.stringify(shown);
}

/**
 * The JSON text of a policy document. Text that already is JSON (an object, leading whitespace
 * allowed) comes back untouched, so a `%` inside a string value ("100%") is never decoded; anything
 * else must be URL-encoded JSON ("%7B...").
 */
export function decodePolicyDocument(text: string): string {
  if (JSON_OBJECT.test(text)) return text;
  let decoded: string;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    throw new PolicyDocumentError(`not a policy document: ${preview(text)} is neither JSON nor valid URL-encoded text`);
  }
  if (!JSON_OBJECT.test(decoded)) {
    throw new PolicyDocumentError(`not a policy document: ${preview(text)} is neither a JSON object ("{...}") nor URL-encoded JSON ("%7B...")`);
  }
  return decoded;
}

/** The policy document in `text` (JSON or URL-encoded JSON, see decodePolicyDocument). */
export function parsePolicyDocument(text: string): PolicyDocument {
  const json = decodePolicyDocument(text);
  try {
    return JSON.parse(json) as PolicyDocument;
  } catch (err) {
    throw new PolicyDocumentError(`policy document ${preview(json)} is not valid JSON (${(err as Error).message})`);
  }
}
