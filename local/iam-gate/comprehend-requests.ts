/**
 * LOCAL HARNESS, IAM gate: Amazon Comprehend (awsJson1_1, `X-Amz-Target: Comprehend_20171127.<Op>`).
 * - Real-time analysis: the built-in models have no ARN: per the Service Authorization Reference
 *   these actions take "*" as their resource, except DetectEntities with a custom recognizer's
 *   `EndpointArn`, which acts on that endpoint.
 * - Analysis jobs (sentiment, entities, key phrases, dominant language, PII): Describe and Stop act
 *   on the job, `arn:…:comprehend:<region>:<account>:<type>-detection-job/<JobId>`; Start requires
 *   the same resource type, whose id the service generates, so it is authorised on
 *   `<type>-detection-job/*` (as AWS's policy examples grant it), with the reference's request keys
 *   (`aws:RequestTag/…`, `aws:TagKeys`, `comprehend:OutputKmsKey`, `comprehend:VolumeKmsKey`,
 *   `comprehend:VpcSecurityGroupIds`, `comprehend:VpcSubnets`), plus `iam:PassRole` on
 *   `DataAccessRoleArn` with `iam:PassedToService` = comprehend.amazonaws.com; StartEntitiesDetectionJob
 *   with a custom recognizer or flywheel acts on it too (optional resource types). List* take "*".
 * Classifiers, custom endpoints and the other job types are not mapped (refused).
 */
import {
  type AuthorisationRequest,
  type MappedRequest,
  MappingError,
  type MappingInput,
  type RequestContext,
  arnIn,
  jsonBody,
  optionalString,
  passRole,
  requestTagContext,
  requiredString,
} from "./authorisation";

const COMPREHEND_PRINCIPAL = "comprehend.amazonaws.com";

const REAL_TIME_OPERATIONS: readonly string[] = [
  "DetectSentiment",
  "DetectEntities",
  "DetectKeyPhrases",
  "DetectDominantLanguage",
  "DetectPiiEntities",
  "DetectSyntax",
  "DetectTargetedSentiment",
  "DetectToxicContent",
  "ContainsPiiEntities",
  "BatchDetectSentiment",
  "BatchDetectEntities",
  "BatchDetectKeyPhrases",
  "BatchDetectDominantLanguage",
  "BatchDetectSyntax",
  "BatchDetectTargetedSentiment",
];

/** The job types, by the part of their operation names between the verb and `DetectionJob`. */
const JOB_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  Sentiment: "sentiment-detection-job",
  Entities: "entities-detection-job",
  KeyPhrases: "key-phrases-detection-job",
  DominantLanguage: "dominant-language-detection-job",
  PiiEntities: "pii-entities-detection-job",
};

const JOB_OPERATIONS: readonly string[] = Object.keys(JOB_RESOURCE_TYPES).flatMap((api) => [
  `Start${api}DetectionJob`,
  `Describe${api}DetectionJob`,
  `Stop${api}DetectionJob`,
  `List${api}DetectionJobs`,
]);

export const COMPREHEND_OPERATIONS: readonly string[] = [...REAL_TIME_OPERATIONS, ...JOB_OPERATIONS];

type Body = Record<string, unknown>;

function record(value: unknown): Body {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function tagsOf(body: Body, operation: string): { key: string; value: string }[] {
  const tags = body["Tags"];
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw new MappingError(`${operation}: Tags is not a list`);
  return tags.map((t) => {
    const { Key, Value } = record(t);
    if (typeof Key !== "string") throw new MappingError(`${operation}: a tag without a Key`);
    return { key: Key, value: typeof Value === "string" ? Value : "" };
  });
}

/** The request keys of a Start*DetectionJob call that its body sets. */
function startContext(body: Body, operation: string): RequestContext {
  const context: RequestContext = { ...requestTagContext(tagsOf(body, operation)) };
  const outputKey = optionalString(record(body["OutputDataConfig"]), "KmsKeyId");
  if (outputKey) context["comprehend:OutputKmsKey"] = outputKey;
  const volumeKey = optionalString(body, "VolumeKmsKeyId");
  if (volumeKey) context["comprehend:VolumeKmsKey"] = volumeKey;
  const vpc = record(body["VpcConfig"]);
  if (strings(vpc["SecurityGroupIds"]).length) context["comprehend:VpcSecurityGroupIds"] = strings(vpc["SecurityGroupIds"]);
  if (strings(vpc["Subnets"]).length) context["comprehend:VpcSubnets"] = strings(vpc["Subnets"]);
  return context;
}

function mapJob(input: MappingInput, op: string, operation: string): MappedRequest {
  const [, verb, api] = /^(Start|Describe|Stop|List)(\w+?)DetectionJobs?$/.exec(op) as unknown as [string, string, string];
  const resourceType = JOB_RESOURCE_TYPES[api] as string;
  const action = `comprehend:${op}`;
  if (verb === "List") return { operation, protocol: "json", authorisations: [{ action, resource: "*", context: {} }] };
  const body = jsonBody(input.body, operation);
  if (verb !== "Start") {
    const jobId = requiredString(body, "JobId", operation);
    return { operation, protocol: "json", authorisations: [{ action, resource: arnIn(input, "comprehend", `${resourceType}/${jobId}`), context: {} }] };
  }
  const context = startContext(body, operation);
  const authorisations: AuthorisationRequest[] = [{ action, resource: arnIn(input, "comprehend", `${resourceType}/*`), context }];
  for (const field of ["EntityRecognizerArn", "FlywheelArn"]) {
    const arn = api === "Entities" ? optionalString(body, field) : undefined;
    if (arn) authorisations.push({ action, resource: arn, context: {} });
  }
  authorisations.push(passRole(requiredString(body, "DataAccessRoleArn", operation), COMPREHEND_PRINCIPAL));
  return { operation, protocol: "json", authorisations };
}

export function mapComprehend(input: MappingInput, op: string): MappedRequest {
  const operation = `Comprehend.${op}`;
  if (!COMPREHEND_OPERATIONS.includes(op)) throw new MappingError(`${operation} is not an operation the gate maps`);
  if (JOB_OPERATIONS.includes(op)) return mapJob(input, op, operation);
  const endpoint = op === "DetectEntities" ? optionalString(jsonBody(input.body, operation), "EndpointArn") : undefined;
  return { operation, protocol: "json", authorisations: [{ action: `comprehend:${op}`, resource: endpoint ?? "*", context: {} }] };
}
