/**
 * Everything a SageMaker request is checked for before it is sent, with errors that name the field.
 * Rules from the SageMaker API reference (CreateTrainingJob, CreateModel, CreateEndpoint).
 */

export class SageMakerInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "SageMakerInputError";
  }
}

/** Job, model, endpoint and endpoint-config names: 1-63 letters, digits and hyphens, no leading hyphen. */
const RESOURCE_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function checkName(field: string, name: string): string {
  if (!RESOURCE_NAME.test(name)) {
    throw new SageMakerInputError(field, `"${name}" must be 1 to 63 characters of letters, digits and hyphens, starting and ending with a letter or digit`);
  }
  return name;
}

/**
 * A dataset folder under sagemaker/training/: segments of letters, digits, '.', '-' and '_' (1-128
 * characters each, starting with a letter or digit), separated by "/". Keeps S3 URIs that a training
 * job, a shell and a console all read the same way.
 */
const DATASET_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function checkDatasetName(field: string, dataset: string): string {
  if (!dataset.split("/").every((segment) => DATASET_SEGMENT.test(segment))) {
    throw new SageMakerInputError(
      field,
      `"${dataset}" is not a dataset folder: use letters, digits, '.', '-' and '_' (starting with a letter or digit), with "/" between subfolders`,
    );
  }
  return dataset;
}

/**
 * A unique, valid job name: `<prefix>-<yyyymmdd-hhmmss>-<random>`, the prefix cut so the whole stays
 * within 63 characters.
 */
export function uniqueJobName(prefix: string, now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  const suffix = Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, "0");
  const clean = prefix.replace(/[^a-zA-Z0-9-]+/g, "-").replace(/^-+|-+$/g, "") || "job";
  const room = 63 - stamp.length - suffix.length - 2;
  return checkName("jobName", `${clean.slice(0, room).replace(/-+$/, "")}-${stamp}-${suffix}`);
}

/** ml.<family>.<size>: ml.m5.xlarge, ml.g5.2xlarge, ml.p4d.24xlarge, ml.trn1.32xlarge... */
const INSTANCE_TYPE = /^ml\.[a-z][a-z0-9-]*\.(\d*x?large|medium|small|micro|metal)$/;

export function checkInstanceType(field: string, type: string): string {
  if (!INSTANCE_TYPE.test(type)) {
    throw new SageMakerInputError(field, `"${type}" is not a SageMaker instance type such as ml.m5.xlarge`);
  }
  return type;
}

export function checkCount(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SageMakerInputError(field, `must be a whole number from ${min} to ${max} (got ${value})`);
  }
  return value;
}

/** ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPO[:TAG|@sha256:DIGEST] */
const IMAGE_URI = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9][a-z0-9._/-]*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

export function checkImage(field: string, image: string): string {
  if (!IMAGE_URI.test(image)) {
    throw new SageMakerInputError(field, `"${image}" is not an ECR image URI such as 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag`);
  }
  return image;
}

export type HyperparameterValue = string | number | boolean;

/** SageMaker takes hyperparameters as strings: at most 100, keys up to 256 and values up to 2500 characters. */
export function hyperparameters(values: Record<string, HyperparameterValue> | undefined): Record<string, string> | undefined {
  if (!values) return undefined;
  const entries = Object.entries(values);
  if (entries.length > 100) throw new SageMakerInputError("hyperparameters", `at most 100 are allowed (got ${entries.length})`);
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 256) throw new SageMakerInputError(`hyperparameters.${key}`, "keys must be 1 to 256 characters");
    if (typeof value === "number" && !Number.isFinite(value))
      throw new SageMakerInputError(`hyperparameters.${key}`, `${value} is not a number SageMaker can take`);
    const text = String(value);
    if (text.length > 2500) throw new SageMakerInputError(`hyperparameters.${key}`, "values must be at most 2500 characters");
    out[key] = text;
  }
  return out;
}

/** The longest a training job may run: 28 days. */
export const MAX_RUNTIME_LIMIT_SECONDS = 28 * 24 * 3600;
