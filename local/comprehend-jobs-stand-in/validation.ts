/**
 * The checks Comprehend makes of a job request before it accepts it, as its API reference states
 * them (StartSentimentDetectionJob and the other Start*, Describe*, List*, Stop* pages,
 * InputDataConfig, OutputDataConfig, RedactionConfig, Tag): required members, lengths, patterns and
 * enums answer ValidationException, every problem of the request in one message, in AWS's
 * `Value … at 'member' failed to satisfy constraint: …` wording. Checks of the meaning (a language
 * the job type does not analyse, a redaction without its configuration) answer InvalidRequestException.
 */
import { invalidRequest, validationError } from "./errors";
import { type JobType, LANGUAGE_CODES } from "./job-types";

export type Body = Record<string, unknown>;
export type InputFormat = "ONE_DOC_PER_LINE" | "ONE_DOC_PER_FILE";
export type PiiMode = "ONLY_OFFSETS" | "ONLY_REDACTION";
export type JobStatus = "SUBMITTED" | "IN_PROGRESS" | "COMPLETED" | "FAILED" | "STOP_REQUESTED" | "STOPPED";

export const JOB_STATUSES: readonly JobStatus[] = ["SUBMITTED", "IN_PROGRESS", "COMPLETED", "FAILED", "STOP_REQUESTED", "STOPPED"];
const INPUT_FORMATS: readonly InputFormat[] = ["ONE_DOC_PER_FILE", "ONE_DOC_PER_LINE"];
const PII_MODES: readonly PiiMode[] = ["ONLY_REDACTION", "ONLY_OFFSETS"];
const MASK_MODES = ["MASK", "REPLACE_WITH_PII_ENTITY_TYPE"] as const;
export type MaskMode = (typeof MASK_MODES)[number];

/** RedactionConfig.PiiEntityTypes' enum (the SDK's PiiEntityType). */
export const PII_ENTITY_TYPES: readonly string[] = [
  "BANK_ACCOUNT_NUMBER",
  "BANK_ROUTING",
  "CREDIT_DEBIT_NUMBER",
  "CREDIT_DEBIT_CVV",
  "CREDIT_DEBIT_EXPIRY",
  "PIN",
  "EMAIL",
  "ADDRESS",
  "NAME",
  "PHONE",
  "SSN",
  "DATE_TIME",
  "PASSPORT_NUMBER",
  "DRIVER_ID",
  "URL",
  "AGE",
  "USERNAME",
  "PASSWORD",
  "AWS_ACCESS_KEY",
  "AWS_SECRET_KEY",
  "IP_ADDRESS",
  "MAC_ADDRESS",
  "LICENSE_PLATE",
  "VEHICLE_IDENTIFICATION_NUMBER",
  "UK_NATIONAL_INSURANCE_NUMBER",
  "CA_SOCIAL_INSURANCE_NUMBER",
  "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
  "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER",
  "IN_PERMANENT_ACCOUNT_NUMBER",
  "IN_NREGA",
  "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
  "SWIFT_CODE",
  "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
  "CA_HEALTH_NUMBER",
  "IN_AADHAAR",
  "IN_VOTER_NUMBER",
  "ALL",
];

const S3_URI = /^s3:\/\/[a-z0-9][.\-a-z0-9]{1,61}[a-z0-9](\/.*)?$/s;
const S3_URI_TEXT = "s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?";
const ROLE_ARN = /^arn:aws(-[^:]+)?:iam::[0-9]{12}:role\/.+$/s;
const ROLE_ARN_TEXT = "arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+";
const JOB_NAME = /^([\p{L}\p{Z}\p{N}_.:/=+\-%@]*)$/u;
const JOB_NAME_TEXT = "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-%@]*)$";
const TOKEN = /^[a-zA-Z0-9-]+$/;
const ASCII = /^\p{ASCII}+$/u;
const MASK_CHARACTER = /^[!@#$%&*]$/;

export interface StartRequest {
  type: JobType;
  inputS3Uri: string;
  inputFormat: InputFormat;
  outputS3Uri: string;
  outputKmsKeyId: string | undefined;
  dataAccessRoleArn: string;
  languageCode: string | undefined;
  jobName: string | undefined;
  clientRequestToken: string | undefined;
  volumeKmsKeyId: string | undefined;
  tags: { Key: string; Value?: string }[];
  mode: PiiMode | undefined;
  redaction: { PiiEntityTypes?: string[]; MaskMode?: MaskMode; MaskCharacter?: string } | undefined;
}

export interface ListRequest {
  jobName: string | undefined;
  jobStatus: JobStatus | undefined;
  submitTimeBefore: number | undefined;
  submitTimeAfter: number | undefined;
  maxResults: number;
  nextToken: string | undefined;
}

function record(value: unknown): Body | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : undefined;
}

/** Collects AWS-style constraint messages; `done()` throws them together. */
class Problems {
  readonly list: string[] = [];

  private add(value: unknown, at: string, constraint: string): void {
    const shown = value === undefined || value === null ? "null" : `'${typeof value === "string" ? value : JSON.stringify(value)}'`;
    this.list.push(`Value ${shown} at '${at}' failed to satisfy constraint: ${constraint}`);
  }

  /** A string member; undefined when absent (and required says so), a problem when of the wrong shape. */
  string(
    value: unknown,
    at: string,
    rules: { required?: boolean; min?: number; max?: number; pattern?: RegExp; patternText?: string; oneOf?: readonly string[] },
  ): string | undefined {
    if (value === undefined || value === null) {
      if (rules.required) this.add(value, at, "Member must not be null");
      return undefined;
    }
    if (typeof value !== "string") {
      this.add(value, at, "Member must be a string");
      return undefined;
    }
    const length = [...value].length;
    if (rules.min !== undefined && length < rules.min) this.add(value, at, `Member must have length greater than or equal to ${rules.min}`);
    if (rules.max !== undefined && length > rules.max) this.add(value, at, `Member must have length less than or equal to ${rules.max}`);
    if (rules.pattern && !rules.pattern.test(value))
      this.add(value, at, `Member must satisfy regular expression pattern: ${rules.patternText ?? rules.pattern.source}`);
    if (rules.oneOf && !rules.oneOf.includes(value)) this.add(value, at, `Member must satisfy enum value set: [${rules.oneOf.join(", ")}]`);
    return value;
  }

  object(value: unknown, at: string, required: boolean): Body | undefined {
    const object = record(value);
    if (!object && (required || (value !== undefined && value !== null))) this.add(value, at, "Member must not be null");
    return object;
  }

  integer(value: unknown, at: string, min: number, max: number): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.add(value, at, "Member must be an integer");
      return undefined;
    }
    if (value < min) this.add(value, at, `Member must have value greater than or equal to ${min}`);
    if (value > max) this.add(value, at, `Member must have value less than or equal to ${max}`);
    return value;
  }

  timestamp(value: unknown, at: string): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      this.add(value, at, "Member must be a timestamp");
      return undefined;
    }
    return value;
  }

  done(): void {
    if (this.list.length) throw validationError(this.list);
  }
}

function tagsOf(value: unknown, problems: Problems): { Key: string; Value?: string }[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.object(undefined, "tags", true);
    return [];
  }
  return value.flatMap((t, i) => {
    const tag = problems.object(t, `tags.${i + 1}.member`, true);
    if (!tag) return [];
    const key = problems.string(tag["Key"], `tags.${i + 1}.member.key`, { required: true, min: 1, max: 128 });
    const tagValue = problems.string(tag["Value"], `tags.${i + 1}.member.value`, { max: 256 });
    return key === undefined ? [] : [{ Key: key, ...(tagValue === undefined ? {} : { Value: tagValue }) }];
  });
}

function redactionOf(value: unknown, problems: Problems): StartRequest["redaction"] {
  const config = problems.object(value, "redactionConfig", false);
  if (!config) return undefined;
  const types = config["PiiEntityTypes"];
  const piiEntityTypes: string[] = [];
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types)) problems.object(undefined, "redactionConfig.piiEntityTypes", true);
    else types.forEach((t, i) => piiEntityTypes.push(problems.string(t, `redactionConfig.piiEntityTypes.${i + 1}.member`, { oneOf: PII_ENTITY_TYPES }) ?? ""));
  }
  const maskMode = problems.string(config["MaskMode"], "redactionConfig.maskMode", { oneOf: MASK_MODES }) as MaskMode | undefined;
  const maskCharacter = problems.string(config["MaskCharacter"], "redactionConfig.maskCharacter", {
    min: 1,
    max: 1,
    pattern: MASK_CHARACTER,
    patternText: "[!@#$%&*]",
  });
  return {
    ...(Array.isArray(types) ? { PiiEntityTypes: piiEntityTypes } : {}),
    ...(maskMode ? { MaskMode: maskMode } : {}),
    ...(maskCharacter ? { MaskCharacter: maskCharacter } : {}),
  };
}

export function parseStart(type: JobType, body: Body): StartRequest {
  const problems = new Problems();
  const input = problems.object(body["InputDataConfig"], "inputDataConfig", true);
  const inputS3Uri =
    input && problems.string(input["S3Uri"], "inputDataConfig.s3Uri", { required: true, max: 1024, pattern: S3_URI, patternText: S3_URI_TEXT });
  const inputFormat = input && (problems.string(input["InputFormat"], "inputDataConfig.inputFormat", { oneOf: INPUT_FORMATS }) as InputFormat | undefined);
  const output = problems.object(body["OutputDataConfig"], "outputDataConfig", true);
  const outputS3Uri =
    output && problems.string(output["S3Uri"], "outputDataConfig.s3Uri", { required: true, max: 1024, pattern: S3_URI, patternText: S3_URI_TEXT });
  const outputKmsKeyId =
    output && problems.string(output["KmsKeyId"], "outputDataConfig.kmsKeyId", { max: 2048, pattern: ASCII, patternText: "^\\p{ASCII}+$" });
  const dataAccessRoleArn = problems.string(body["DataAccessRoleArn"], "dataAccessRoleArn", {
    required: true,
    min: 20,
    max: 2048,
    pattern: ROLE_ARN,
    patternText: ROLE_ARN_TEXT,
  });
  const languageCode = type.languages
    ? problems.string(body["LanguageCode"], "languageCode", { required: true, oneOf: LANGUAGE_CODES })
    : // StartDominantLanguageDetectionJob has no LanguageCode member: the SDK never sends one.
      undefined;
  const jobName = problems.string(body["JobName"], "jobName", { min: 1, max: 256, pattern: JOB_NAME, patternText: JOB_NAME_TEXT });
  const clientRequestToken = problems.string(body["ClientRequestToken"], "clientRequestToken", {
    min: 1,
    max: 64,
    pattern: TOKEN,
    patternText: "^[a-zA-Z0-9-]+$",
  });
  const volumeKmsKeyId =
    type.operation === "pii"
      ? undefined
      : problems.string(body["VolumeKmsKeyId"], "volumeKmsKeyId", { max: 2048, pattern: ASCII, patternText: "^\\p{ASCII}+$" });
  const tags = tagsOf(body["Tags"], problems);
  const mode = type.operation === "pii" ? (problems.string(body["Mode"], "mode", { required: true, oneOf: PII_MODES }) as PiiMode | undefined) : undefined;
  const redaction = type.operation === "pii" ? redactionOf(body["RedactionConfig"], problems) : undefined;
  problems.done();

  if (languageCode && type.languages && !type.languages.includes(languageCode)) {
    throw invalidRequest(`The language code ${languageCode} is not supported for ${type.label} jobs. Supported language codes: ${type.languages.join(", ")}.`);
  }
  if (mode === "ONLY_REDACTION" && !redaction?.PiiEntityTypes?.length) {
    throw invalidRequest("RedactionConfig with PiiEntityTypes is required when Mode is ONLY_REDACTION.");
  }
  if (redaction?.MaskMode === "MASK" && !redaction.MaskCharacter) {
    // AWS documents no default mask character; "*" is the console's and the guide's examples'.
    redaction.MaskCharacter = "*";
  }
  return {
    type,
    inputS3Uri: inputS3Uri as string,
    // The API reference documents no default; ONE_DOC_PER_FILE is the console's (and Describe shows it).
    inputFormat: inputFormat ?? "ONE_DOC_PER_FILE",
    outputS3Uri: outputS3Uri as string,
    outputKmsKeyId,
    dataAccessRoleArn: dataAccessRoleArn as string,
    languageCode,
    jobName,
    clientRequestToken,
    volumeKmsKeyId,
    tags,
    mode,
    redaction,
  };
}

export const JOB_ID = /^([\p{L}\p{Z}\p{N}_.:/=+\-%@]*)$/u;

export function parseJobId(body: Body): string {
  const problems = new Problems();
  const jobId = problems.string(body["JobId"], "jobId", { required: true, min: 1, max: 32, pattern: JOB_ID, patternText: JOB_NAME_TEXT });
  problems.done();
  return jobId as string;
}

export function parseList(body: Body): ListRequest {
  const problems = new Problems();
  const filter = problems.object(body["Filter"], "filter", false);
  const jobName = filter && problems.string(filter["JobName"], "filter.jobName", { min: 1, max: 256, pattern: JOB_NAME, patternText: JOB_NAME_TEXT });
  const jobStatus = filter && (problems.string(filter["JobStatus"], "filter.jobStatus", { oneOf: JOB_STATUSES }) as JobStatus | undefined);
  const submitTimeBefore = filter && problems.timestamp(filter["SubmitTimeBefore"], "filter.submitTimeBefore");
  const submitTimeAfter = filter && problems.timestamp(filter["SubmitTimeAfter"], "filter.submitTimeAfter");
  const maxResults = problems.integer(body["MaxResults"], "maxResults", 1, 500);
  const nextToken = problems.string(body["NextToken"], "nextToken", { min: 1 });
  problems.done();
  return { jobName, jobStatus, submitTimeBefore, submitTimeAfter, maxResults: maxResults ?? 100, nextToken };
}
