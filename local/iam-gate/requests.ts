/**
 * LOCAL HARNESS, IAM gate: from a request to the authorisation requests AWS makes for it. The signing
 * name in the credential scope says which service it is for; the protocol (X-Amz-Target for the JSON
 * APIs, method and path for the REST ones, `Action` for IAM and STS) says which operation. A request
 * no mapper recognises is refused by the gate: nothing is forwarded unchecked.
 */
import { type MapResult, MappingError, type MappingInput, type Protocol } from "./authorisation";
import { mapComprehend } from "./comprehend-requests";
import { mapIam, mapSts, queryAction } from "./iam-requests";
import { mapKms } from "./kms-requests";
import { mapPersonalizeControlPlane, mapPersonalizeRest } from "./personalize-requests";
import { mapS3Request, s3NeedsBody } from "./s3-requests";
import { mapSageMakerControlPlane, mapSageMakerRuntime } from "./sagemaker-requests";
import { queryParameters, type RequestHead } from "./sigv4";

/** The JSON APIs' `X-Amz-Target` prefix per signing name. */
const TARGET_PREFIXES: Record<string, string> = {
  sagemaker: "SageMaker",
  personalize: "AmazonPersonalize",
  comprehend: "Comprehend_20171127",
  kms: "TrentService",
};

/** The query-protocol services (IAM, STS): XML errors, `Action=` in the form body or the query. */
const QUERY_SERVICES = new Set(["iam", "sts"]);

export function protocolOf(head: RequestHead, service: string | undefined): Protocol {
  if (service === "s3") return "rest-xml";
  if (service !== undefined && QUERY_SERVICES.has(service)) return "query";
  if (head.headers["x-amz-target"] !== undefined) return "json";
  return service === "sagemaker" || service === "personalize" ? "rest-json" : "json";
}

/** Whether the gate must read the body before it can decide: every JSON and query request (small), S3 DeleteObjects only. */
export function needsBody(head: RequestHead, service: string): boolean {
  return service === "s3" ? s3NeedsBody(head) : true;
}

function targetOperation(head: RequestHead, service: string): string | undefined {
  const target = head.headers["x-amz-target"];
  if (target === undefined) return undefined;
  const prefix = TARGET_PREFIXES[service];
  const [targetPrefix, op] = target.split(".");
  if (!prefix || targetPrefix !== prefix || !op) throw new MappingError(`X-Amz-Target ${target} is not an API of the ${service} signing name`);
  return op;
}

const SERVICE_LABELS: Record<string, string> = { s3: "S3", sagemaker: "SageMaker", iam: "IAM", sts: "STS", kms: "KMS" };

function serviceLabel(service: string): string {
  return SERVICE_LABELS[service] ?? service.charAt(0).toUpperCase() + service.slice(1);
}

export function mapRequest(input: MappingInput): MapResult {
  const protocol = protocolOf(input.head, input.service);
  try {
    switch (input.service) {
      case "s3":
        return { ok: true, request: mapS3Request(input) };
      case "sagemaker": {
        const op = targetOperation(input.head, input.service);
        return { ok: true, request: op ? mapSageMakerControlPlane(input, op) : mapSageMakerRuntime(input) };
      }
      case "personalize": {
        const op = targetOperation(input.head, input.service);
        return { ok: true, request: op ? mapPersonalizeControlPlane(input, op) : mapPersonalizeRest(input) };
      }
      case "comprehend": {
        const op = targetOperation(input.head, input.service);
        if (!op) throw new MappingError("a Comprehend request without X-Amz-Target");
        return { ok: true, request: mapComprehend(input, op) };
      }
      case "iam":
        return { ok: true, request: mapIam(input) };
      case "sts":
        return { ok: true, request: mapSts(input) };
      case "kms": {
        const op = targetOperation(input.head, input.service);
        if (!op) throw new MappingError("a KMS request without X-Amz-Target");
        return { ok: true, request: mapKms(input, op) };
      }
      default:
        throw new MappingError(`the gate maps no request signed for ${input.service}`);
    }
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    const target = input.head.headers["x-amz-target"];
    const action = protocol === "query" ? queryAction(input) : undefined;
    const operation = target
      ? `${serviceLabel(input.service)}.${target.split(".")[1] ?? target}`
      : action
        ? `${serviceLabel(input.service)}.${action}`
        : `${serviceLabel(input.service)} ${input.head.method} ${input.head.rawPath}`;
    return { ok: false, operation, protocol, reason: err.message };
  }
}

/**
 * A request to a service the gate authenticates but does not authorise (IAM, STS by default): named
 * by its `Action` parameter, recorded, forwarded.
 */
export function mapPassThrough(input: MappingInput): MapResult {
  const protocol = protocolOf(input.head, input.service);
  const form = input.head.headers["content-type"]?.startsWith("application/x-www-form-urlencoded") ? (input.body?.toString("utf8") ?? "") : "";
  const action = [...queryParameters(form), ...queryParameters(input.head.rawQuery)].find(([k]) => k === "Action")?.[1];
  const op = action ?? input.head.headers["x-amz-target"]?.split(".").pop() ?? `${input.head.method} ${input.head.rawPath}`;
  return {
    ok: true,
    request: {
      operation: `${serviceLabel(input.service)}.${op}`,
      protocol,
      passThrough: true,
      authorisations: [{ action: `${input.service}:${op}`, resource: "*", context: {} }],
    },
  };
}
