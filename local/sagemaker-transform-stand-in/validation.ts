/**
 * CreateTransformJob's request checked as SageMaker checks it, with its error shapes: a field of the
 * wrong JSON type is a SerializationException; constraints (required, length, pattern, range, enum)
 * are collected into one ValidationException worded as AWS's request validation words them
 * ("1 validation error detected: Value 'x' at 'transformJobName' failed to satisfy constraint:
 * Member must satisfy regular expression pattern: ..."). Constraints: the API reference's
 * CreateTransformJob, TransformInput, TransformS3DataSource, TransformOutput, TransformResources
 * and Tag pages; enum values from @aws-sdk/client-sagemaker.
 */
import { TransformInstanceType } from "@aws-sdk/client-sagemaker";
import { StandInError, validation } from "./errors";

/** Job and model names (CreateTransformJob: TransformJobName, ModelName). */
export const NAME_PATTERN = "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}";
const S3_URI_PATTERN = "^(https|s3)://([^/]+)/?(.*)$";
const ENV_KEY_PATTERN = "[a-zA-Z_][a-zA-Z0-9_]*";

export const SPLIT_TYPES = ["None", "Line", "RecordIO", "TFRecord"] as const;
export const ASSEMBLY_TYPES = ["None", "Line"] as const;
export const BATCH_STRATEGIES = ["MultiRecord", "SingleRecord"] as const;
export const COMPRESSION_TYPES = ["None", "Gzip"] as const;
/** TransformS3DataSource.S3DataType: "compatible: ManifestFile, S3Prefix" (AugmentedManifestFile is not). */
export const S3_DATA_TYPES = ["ManifestFile", "S3Prefix"] as const;
const INSTANCE_TYPES: readonly string[] = Object.values(TransformInstanceType);

export type SplitType = (typeof SPLIT_TYPES)[number];
export type AssemblyType = (typeof ASSEMBLY_TYPES)[number];

export interface TransformJobRequest {
  TransformJobName: string;
  ModelName: string;
  MaxConcurrentTransforms?: number | undefined;
  MaxPayloadInMB?: number | undefined;
  BatchStrategy?: string | undefined;
  Environment?: Record<string, string> | undefined;
  TransformInput: {
    DataSource: { S3DataSource: { S3DataType: string; S3Uri: string } };
    ContentType?: string | undefined;
    CompressionType?: string | undefined;
    SplitType?: string | undefined;
  };
  TransformOutput: { S3OutputPath: string; Accept?: string | undefined; AssembleWith?: string | undefined; KmsKeyId?: string | undefined };
  TransformResources: { InstanceType: string; InstanceCount: number; VolumeKmsKeyId?: string | undefined };
  /** Accepted and answered back as given; not modelled. */
  ModelClientConfig?: unknown;
  DataCaptureConfig?: unknown;
  ExperimentConfig?: unknown;
  Tags: { Key: string; Value: string }[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `TransformInput.DataSource` → `transformInput.dataSource`, as AWS names members in its messages. */
function memberPath(path: string): string {
  return path
    .split(".")
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join(".");
}

/** Reads fields out of the body, collecting what breaks a constraint instead of stopping at the first. */
class Checker {
  readonly violations: string[] = [];

  violation(path: string, value: unknown, constraint: string): void {
    const shown = value === undefined || value === null ? "null" : `'${typeof value === "string" ? value : JSON.stringify(value)}'`;
    this.violations.push(`Value ${shown} at '${memberPath(path)}' failed to satisfy constraint: Member must ${constraint}`);
  }

  /** A structure member: undefined when absent (a violation if required), else an object. */
  structure(body: Json, field: string, path: string, required: boolean): Json | undefined {
    const value = body[field];
    if (value === undefined || value === null) {
      if (required) this.violation(path, undefined, "not be null");
      return undefined;
    }
    if (!isObject(value)) throw new StandInError("SerializationException", `${path} must be a JSON object`);
    return value;
  }

  string(
    body: Json | undefined,
    field: string,
    path: string,
    rules: { required?: boolean; min?: number; max?: number; pattern?: string; oneOf?: readonly string[] },
  ): string | undefined {
    const value = body?.[field];
    if (value === undefined || value === null) {
      if (rules.required) this.violation(path, undefined, "not be null");
      return undefined;
    }
    if (typeof value !== "string") throw new StandInError("SerializationException", `${path} must be a JSON string`);
    if (rules.min !== undefined && value.length < rules.min) this.violation(path, value, `have length greater than or equal to ${rules.min}`);
    if (rules.max !== undefined && value.length > rules.max) this.violation(path, value, `have length less than or equal to ${rules.max}`);
    // AWS matches the whole value against the pattern.
    if (rules.pattern !== undefined && !new RegExp(`^(?:${rules.pattern})$`).test(value))
      this.violation(path, value, `satisfy regular expression pattern: ${rules.pattern}`);
    if (rules.oneOf && !rules.oneOf.includes(value)) this.violation(path, value, `satisfy enum value set: [${rules.oneOf.join(", ")}]`);
    return value;
  }

  integer(body: Json | undefined, field: string, path: string, rules: { required?: boolean; min?: number; max?: number }): number | undefined {
    const value = body?.[field];
    if (value === undefined || value === null) {
      if (rules.required) this.violation(path, undefined, "not be null");
      return undefined;
    }
    if (typeof value !== "number" || !Number.isInteger(value)) throw new StandInError("SerializationException", `${path} must be a JSON integer`);
    if (rules.min !== undefined && value < rules.min) this.violation(path, value, `have value greater than or equal to ${rules.min}`);
    if (rules.max !== undefined && value > rules.max) this.violation(path, value, `have value less than or equal to ${rules.max}`);
    return value;
  }

  fail(): void {
    const n = this.violations.length;
    if (n > 0) throw validation(`${n} validation error${n === 1 ? "" : "s"} detected: ${this.violations.join("; ")}`);
  }
}

function tags(check: Checker, body: Json): { Key: string; Value: string }[] {
  const value = body["Tags"];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new StandInError("SerializationException", "Tags must be a JSON array");
  if (value.length > 50) check.violation("Tags", `[${value.length} tags]`, "have length less than or equal to 50");
  return value.map((tag, i) => {
    if (!isObject(tag)) throw new StandInError("SerializationException", `Tags.${i + 1} must be a JSON object`);
    const key = check.string(tag, "Key", `Tags.${i + 1}.member.Key`, { required: true, min: 1, max: 128 }) ?? "";
    const tagValue = check.string(tag, "Value", `Tags.${i + 1}.member.Value`, { max: 256 }) ?? "";
    return { Key: key, Value: tagValue };
  });
}

function environment(check: Checker, body: Json): Record<string, string> | undefined {
  const value = check.structure(body, "Environment", "Environment", false);
  if (!value) return undefined;
  const entries = Object.entries(value);
  if (entries.length > 16) check.violation("Environment", `{${entries.length} entries}`, "have length less than or equal to 16");
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length > 1024 || !new RegExp(`^${ENV_KEY_PATTERN}$`).test(key)) {
      check.violation("Environment", key, `satisfy regular expression pattern: ${ENV_KEY_PATTERN}`);
    }
    if (typeof v !== "string") throw new StandInError("SerializationException", `Environment.${key} must be a JSON string`);
    if (v.length > 10240) check.violation(`Environment.${key}`, v.slice(0, 20), "have length less than or equal to 10240");
    out[key] = v;
  }
  return out;
}

/** The whole CreateTransformJob request, or the error AWS would answer. */
export function checkCreateTransformJob(body: unknown): TransformJobRequest {
  if (!isObject(body)) throw new StandInError("SerializationException", "The request body must be a JSON object");
  const check = new Checker();
  const name = check.string(body, "TransformJobName", "TransformJobName", { required: true, min: 1, max: 63, pattern: NAME_PATTERN });
  const modelName = check.string(body, "ModelName", "ModelName", { required: true, max: 63, pattern: NAME_PATTERN });
  const maxConcurrent = check.integer(body, "MaxConcurrentTransforms", "MaxConcurrentTransforms", { min: 0 });
  const maxPayload = check.integer(body, "MaxPayloadInMB", "MaxPayloadInMB", { min: 0, max: 100 });
  const batchStrategy = check.string(body, "BatchStrategy", "BatchStrategy", { oneOf: BATCH_STRATEGIES });
  const env = environment(check, body);

  const input = check.structure(body, "TransformInput", "TransformInput", true);
  const dataSource = input && check.structure(input, "DataSource", "TransformInput.DataSource", true);
  const s3 = dataSource && check.structure(dataSource, "S3DataSource", "TransformInput.DataSource.S3DataSource", true);
  const s3DataType = check.string(s3, "S3DataType", "TransformInput.DataSource.S3DataSource.S3DataType", { required: s3 !== undefined, oneOf: S3_DATA_TYPES });
  const s3Uri = check.string(s3, "S3Uri", "TransformInput.DataSource.S3DataSource.S3Uri", { required: s3 !== undefined, max: 1024, pattern: S3_URI_PATTERN });
  const contentType = check.string(input, "ContentType", "TransformInput.ContentType", { max: 256 });
  const compression = check.string(input, "CompressionType", "TransformInput.CompressionType", { oneOf: COMPRESSION_TYPES });
  const splitType = check.string(input, "SplitType", "TransformInput.SplitType", { oneOf: SPLIT_TYPES });

  const output = check.structure(body, "TransformOutput", "TransformOutput", true);
  const outputPath = check.string(output, "S3OutputPath", "TransformOutput.S3OutputPath", {
    required: output !== undefined,
    max: 1024,
    pattern: S3_URI_PATTERN,
  });
  const accept = check.string(output, "Accept", "TransformOutput.Accept", { max: 256 });
  const assembleWith = check.string(output, "AssembleWith", "TransformOutput.AssembleWith", { oneOf: ASSEMBLY_TYPES });
  const kmsKeyId = check.string(output, "KmsKeyId", "TransformOutput.KmsKeyId", { max: 2048 });

  const resources = check.structure(body, "TransformResources", "TransformResources", true);
  const instanceType = check.string(resources, "InstanceType", "TransformResources.InstanceType", { required: resources !== undefined, oneOf: INSTANCE_TYPES });
  const instanceCount = check.integer(resources, "InstanceCount", "TransformResources.InstanceCount", { required: resources !== undefined, min: 1 });
  const volumeKmsKeyId = check.string(resources, "VolumeKmsKeyId", "TransformResources.VolumeKmsKeyId", { max: 2048 });
  const tagList = tags(check, body);
  check.fail();

  // Past the field constraints: the rules the MaxPayloadInMB documentation states.
  if (maxPayload !== undefined && maxConcurrent !== undefined && maxConcurrent > 0 && maxPayload * maxConcurrent > 100) {
    throw validation(`MaxConcurrentTransforms * MaxPayloadInMB must not exceed 100 MB (got ${maxConcurrent} * ${maxPayload}).`);
  }
  if (body["DataProcessing"] !== undefined) {
    // Input filters and joins change what the output holds; answering as if they were applied would mislead.
    throw validation("DataProcessing (InputFilter, JoinSource, OutputFilter) is not modelled by this local stand-in for SageMaker batch transform.");
  }
  return {
    TransformJobName: name as string,
    ModelName: modelName as string,
    MaxConcurrentTransforms: maxConcurrent,
    MaxPayloadInMB: maxPayload,
    BatchStrategy: batchStrategy,
    Environment: env,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: s3DataType as string, S3Uri: s3Uri as string } },
      ContentType: contentType,
      CompressionType: compression,
      SplitType: splitType,
    },
    TransformOutput: { S3OutputPath: outputPath as string, Accept: accept, AssembleWith: assembleWith, KmsKeyId: kmsKeyId },
    TransformResources: { InstanceType: instanceType as string, InstanceCount: instanceCount as number, VolumeKmsKeyId: volumeKmsKeyId },
    ModelClientConfig: body["ModelClientConfig"],
    DataCaptureConfig: body["DataCaptureConfig"],
    ExperimentConfig: body["ExperimentConfig"],
    Tags: tagList,
  };
}

/** A request naming one job (Describe, Stop): its TransformJobName, checked as above. */
export function checkJobName(body: unknown): string {
  if (!isObject(body)) throw new StandInError("SerializationException", "The request body must be a JSON object");
  const check = new Checker();
  const name = check.string(body, "TransformJobName", "TransformJobName", { required: true, min: 1, max: 63, pattern: NAME_PATTERN });
  check.fail();
  return name as string;
}

export interface ListRequest {
  nameContains?: string | undefined;
  statusEquals?: string | undefined;
  sortBy: "Name" | "CreationTime" | "Status";
  sortOrder: "Ascending" | "Descending";
  maxResults: number;
  nextToken?: string | undefined;
  creationTimeAfter?: number | undefined;
  creationTimeBefore?: number | undefined;
  lastModifiedTimeAfter?: number | undefined;
  lastModifiedTimeBefore?: number | undefined;
}

/** awsJson1_1 timestamps are epoch seconds. */
function timestamp(body: Json, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw new StandInError("SerializationException", `${field} must be a timestamp (epoch seconds)`);
  return value * 1000;
}

/** ListTransformJobs: defaults from the API reference (SortBy CreationTime, Descending, MaxResults 10). */
export function checkList(body: unknown): ListRequest {
  const input = isObject(body) ? body : {};
  const check = new Checker();
  const request: ListRequest = {
    nameContains: check.string(input, "NameContains", "NameContains", { max: 63, pattern: "[a-zA-Z0-9\\-]+" }),
    statusEquals: check.string(input, "StatusEquals", "StatusEquals", { oneOf: ["InProgress", "Completed", "Failed", "Stopping", "Stopped"] }),
    sortBy: (check.string(input, "SortBy", "SortBy", { oneOf: ["Name", "CreationTime", "Status"] }) ?? "CreationTime") as ListRequest["sortBy"],
    sortOrder: (check.string(input, "SortOrder", "SortOrder", { oneOf: ["Ascending", "Descending"] }) ?? "Descending") as ListRequest["sortOrder"],
    maxResults: check.integer(input, "MaxResults", "MaxResults", { min: 1, max: 100 }) ?? 10,
    nextToken: check.string(input, "NextToken", "NextToken", { max: 8192 }),
    creationTimeAfter: timestamp(input, "CreationTimeAfter"),
    creationTimeBefore: timestamp(input, "CreationTimeBefore"),
    lastModifiedTimeAfter: timestamp(input, "LastModifiedTimeAfter"),
    lastModifiedTimeBefore: timestamp(input, "LastModifiedTimeBefore"),
  };
  check.fail();
  return request;
}
