/**
 * LOCAL HARNESS, IAM gate: the tags of an existing resource, for `aws:ResourceTag/<key>` (and SageMaker's
 * `sagemaker:ResourceTag/<key>`), read from the service's upstream with the administrator's
 * credentials: SageMaker ListTags, Personalize ListTagsForResource. A resource the upstream does not
 * know, or cannot list tags for, has none: a policy that requires a tag then refuses, as AWS does for
 * an untagged resource.
 */
import type { RequestContext } from "./authorisation";
import type { AccessKey } from "./identity";
import { signedHeadersFor } from "./sigv4";

interface TagApi {
  target: string;
  arnField: string;
  read(answer: Record<string, unknown>): { key: string; value: string }[];
}

function pairs(list: unknown, keyField: string, valueField: string): { key: string; value: string }[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((t) => {
    const tag = (typeof t === "object" && t !== null ? t : {}) as Record<string, unknown>;
    const key = tag[keyField];
    const value = tag[valueField];
    return typeof key === "string" ? [{ key, value: typeof value === "string" ? value : "" }] : [];
  });
}

const TAG_APIS: Record<string, TagApi> = {
  sagemaker: { target: "SageMaker.ListTags", arnField: "ResourceArn", read: (a) => pairs(a["Tags"], "Key", "Value") },
  personalize: { target: "AmazonPersonalize.ListTagsForResource", arnField: "resourceArn", read: (a) => pairs(a["tags"], "tagKey", "tagValue") },
};

/** The signing name of an ARN's service when the gate can read its tags (`arn:aws:sagemaker:...` -> sagemaker). */
export function taggableService(arn: string): string | undefined {
  const service = arn.split(":")[2];
  return service && service in TAG_APIS && !arn.includes("*") ? service : undefined;
}

export async function readResourceTags(
  upstream: string,
  service: string,
  arn: string,
  admin: AccessKey,
  region: string,
): Promise<{ key: string; value: string }[]> {
  const api = TAG_APIS[service];
  if (!api) return [];
  const url = new URL("/", upstream);
  const body = JSON.stringify({ [api.arnField]: arn });
  const headers = signedHeadersFor(url, body, { "content-type": "application/x-amz-json-1.1", "x-amz-target": api.target }, admin, region, service);
  // fetch sets Host itself (to url.host, the value signed).
  const { host: _signedHost, ...sent } = headers;
  try {
    const response = await fetch(url, { method: "POST", headers: sent, body });
    const text = await response.text();
    if (!response.ok) return [];
    const answer: unknown = JSON.parse(text);
    return typeof answer === "object" && answer !== null ? api.read(answer as Record<string, unknown>) : [];
  } catch {
    return [];
  }
}

/** The context keys a resource's tags give: `aws:ResourceTag/<key>`, and `sagemaker:ResourceTag/<key>` for SageMaker. */
export function resourceTagContext(service: string, tags: readonly { key: string; value: string }[]): RequestContext {
  const context: RequestContext = {};
  for (const { key, value } of tags) {
    context[`aws:ResourceTag/${key}`] = value;
    if (service === "sagemaker") context[`sagemaker:ResourceTag/${key}`] = value;
  }
  return context;
}
