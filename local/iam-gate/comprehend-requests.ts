/**
 * LOCAL HARNESS, IAM gate: Amazon Comprehend's real-time analysis (awsJson1_1,
 * `X-Amz-Target: Comprehend_20171127.<Op>`). The built-in models have no ARN: per the Service
 * Authorization Reference these actions take "*" as their resource, except DetectEntities with a
 * custom recognizer's `EndpointArn`, which acts on that endpoint. Jobs, classifiers and custom
 * endpoints are not mapped (refused).
 */
import { type MappedRequest, MappingError, type MappingInput, jsonBody, optionalString } from "./authorisation";

export const COMPREHEND_OPERATIONS: readonly string[] = [
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

export function mapComprehend(input: MappingInput, op: string): MappedRequest {
  const operation = `Comprehend.${op}`;
  if (!COMPREHEND_OPERATIONS.includes(op)) throw new MappingError(`${operation} is not an operation the gate maps`);
  const endpoint = op === "DetectEntities" ? optionalString(jsonBody(input.body, operation), "EndpointArn") : undefined;
  return { operation, protocol: "json", authorisations: [{ action: `comprehend:${op}`, resource: endpoint ?? "*", context: {} }] };
}
