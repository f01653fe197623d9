/**
 * Runtime configuration for services/ and verify/: resolved once, validated once, with errors that
 * name the variable (or file) and the fix. Precedence (docs/DESIGN.md): explicit option > environment >
 * stack outputs file > default.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describeJsonError } from "./json-error";
import { PREFIXES } from "./requirements";
import { DEFAULT_RESOURCE_NAME_PREFIX, resourceNamePrefixProblem } from "./resource-names";
import { type StackOutputsFile, type StackOutputValues, STACK_OUTPUT_TYPES, stackOutputTypeProblem } from "./stack-outputs";
import { bucketNameProblem, parseKmsKeyArn, parseRoleArn, regionProblem } from "./validation";

export const DEFAULT_APP_BUCKET = "roadmapx-files";
export const DEFAULT_REGION = "us-east-1";

export type { StackOutputsFile };

export type Source = "option" | "environment" | "outputs" | "default";

export interface RuntimeConfig {
  region: string;
  /** Region of the S3 bucket (S3_REGION), when it differs from `region`. */
  s3Region: string;
  /** AWS_ENDPOINT_URL, when set (the local emulator). */
  endpoint?: string | undefined;
  /** The application's bucket (user uploads). */
  appBucket: string;
  /** The bucket the AI services use: AI_ARTIFACTS_BUCKET, else the app bucket. */
  aiBucket: string;
  personalizeRoleArn?: string | undefined;
  sagemakerRoleArn?: string | undefined;
  /** The Comprehend data-access role (analysis jobs); older stacks' outputs lack it. */
  comprehendRoleArn?: string | undefined;
  /** The SSE-KMS key of the AI bucket, when the stack configured one. */
  kmsKeyArn?: string | undefined;
  prefixes: typeof PREFIXES;
  /** Names of this project's Personalize and SageMaker resources start with `<prefix>-`. */
  resourceNamePrefix: string;
  outputsFile?: string | undefined;
  outputs?: StackOutputsFile | undefined;
  /** Where each value came from: verify explains mismatches with it. */
  sources: Record<"region" | "appBucket" | "aiBucket" | "personalizeRoleArn" | "sagemakerRoleArn" | "comprehendRoleArn" | "resourceNamePrefix", Source>;
}

export interface RuntimeConfigOptions {
  /** Path of the stack outputs JSON (else AI_STACK_OUTPUTS). */
  outputsFile?: string | undefined;
  region?: string | undefined;
  appBucket?: string | undefined;
  aiBucket?: string | undefined;
  personalizeRoleArn?: string | undefined;
  sagemakerRoleArn?: string | undefined;
  comprehendRoleArn?: string | undefined;
  endpoint?: string | undefined;
  resourceNamePrefix?: string | undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? (problems[0] ?? "") : `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/** Reads and checks a stack outputs file; problems name the file and the key. */
export function readStackOutputsFile(path: string): StackOutputsFile {
  const where = resolve(path);
  let text: string;
  try {
    text = readFileSync(where, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError([
      `stack outputs file ${where} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code})`}: ` +
        "write it with `pulumi stack output --json > FILE`, or run `npx roadmapx-ai local --keep`",
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`stack outputs file ${where} is not JSON (${describeJsonError(err, text)}); regenerate it with \`pulumi stack output --json\``]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`stack outputs file ${where} must hold a JSON object, as \`pulumi stack output --json\` prints`]);
  }
  const outputs = parsed as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(STACK_OUTPUT_TYPES) as (keyof StackOutputValues)[]) {
    const problem = key in outputs ? stackOutputTypeProblem(key, outputs[key]) : undefined;
    if (problem) problems.push(`${where}: ${problem}`);
  }
  if (!("artifactsBucketName" in outputs) && !("personalizeRoleArn" in outputs)) {
    problems.push(`${where} has none of this project's outputs (artifactsBucketName, personalizeRoleArn, ...): is it the right stack?`);
  }
  if (problems.length) throw new ConfigError(problems);
  return outputs as StackOutputsFile;
}

/**
 * Resolves and validates the configuration. Throws a ConfigError listing every problem, each naming
 * the variable or file it came from.
 */
export function resolveRuntimeConfig(options: RuntimeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const problems: string[] = [];
  const outputsFile = nonEmpty(options.outputsFile) ?? nonEmpty(env["AI_STACK_OUTPUTS"]);
  let outputs: StackOutputsFile | undefined;
  if (outputsFile) {
    try {
      outputs = readStackOutputsFile(outputsFile);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const via = options.outputsFile ? "--outputs" : "AI_STACK_OUTPUTS";
      problems.push(...err.problems.map((p) => `${via}: ${p}`));
    }
  }

  /** The first of option, environment variable(s), outputs and default that is set, and its name. */
  function pick(
    option: string | undefined,
    envNames: string[],
    fromOutputs: string | undefined,
    fallback: string | undefined,
  ): { value: string | undefined; source: Source; label: string } {
    const o = nonEmpty(option);
    if (o !== undefined) return { value: o, source: "option", label: "the option" };
    for (const name of envNames) {
      const e = nonEmpty(env[name]);
      if (e !== undefined) return { value: e, source: "environment", label: name };
    }
    if (fromOutputs !== undefined) return { value: fromOutputs, source: "outputs", label: `the stack outputs (${outputsFile})` };
    return { value: fallback, source: "default", label: "the default" };
  }

  // AWS_DEFAULT_REGION is what the aws CLI reads; the SDK reads AWS_REGION first.
  const region = pick(options.region, ["AWS_REGION", "AWS_DEFAULT_REGION"], outputs?.region, DEFAULT_REGION);
  const regionValue = region.value ?? DEFAULT_REGION;
  const regionIssue = regionProblem(regionValue);
  if (regionIssue) problems.push(`${region.label}: ${regionIssue}`);

  // S3_REGION defaults to the region: only a value of its own is blamed on it.
  const s3RegionSet = nonEmpty(env["S3_REGION"]);
  const s3RegionValue = s3RegionSet ?? regionValue;
  const s3Issue = s3RegionSet === undefined ? undefined : regionProblem(s3RegionSet);
  if (s3Issue) problems.push(`S3_REGION: ${s3Issue}`);

  const appBucket = pick(options.appBucket, ["S3_BUCKET_NAME"], outputs?.appBucketName, DEFAULT_APP_BUCKET);
  // The AI bucket falls back to the app bucket (docs/DESIGN.md), after the outputs' own answer.
  const aiBucket = pick(options.aiBucket, ["AI_ARTIFACTS_BUCKET"], outputs?.artifactsBucketName, appBucket.value);
  if (aiBucket.source === "default") aiBucket.label = appBucket.label;
  for (const b of [appBucket, aiBucket]) {
    const issue = b.value ? bucketNameProblem(b.value) : "is empty";
    if (issue) problems.push(`${b.label}: bucket name "${b.value}" ${issue}`);
  }

  const personalizeRole = pick(options.personalizeRoleArn, ["PERSONALIZE_ROLE_ARN"], outputs?.personalizeRoleArn, undefined);
  const sagemakerRole = pick(options.sagemakerRoleArn, ["SAGEMAKER_ROLE_ARN"], outputs?.sagemakerRoleArn, undefined);
  const comprehendRole = pick(options.comprehendRoleArn, ["COMPREHEND_ROLE_ARN"], outputs?.comprehendRoleArn, undefined);
  for (const r of [personalizeRole, sagemakerRole, comprehendRole]) {
    if (r.value !== undefined) {
      const parsed = parseRoleArn(r.value);
      if (typeof parsed === "string") problems.push(`${r.label}: role ARN "${r.value}" ${parsed}`);
    }
  }

  // Older stacks export no prefix: their policy is the one before names were scoped, and the default matches it.
  const namePrefix = pick(options.resourceNamePrefix, ["AI_RESOURCE_NAME_PREFIX"], outputs?.resourceNamePrefix, DEFAULT_RESOURCE_NAME_PREFIX);
  const namePrefixIssue = resourceNamePrefixProblem(namePrefix.value ?? DEFAULT_RESOURCE_NAME_PREFIX);
  if (namePrefixIssue) problems.push(`${namePrefix.label}: resource-name prefix "${namePrefix.value}" ${namePrefixIssue}`);

  const endpoint = nonEmpty(options.endpoint) ?? nonEmpty(env["AWS_ENDPOINT_URL"]);
  if (endpoint !== undefined) {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    } catch {
      problems.push(`AWS_ENDPOINT_URL: "${endpoint}" is not an http(s) URL such as http://127.0.0.1:5000`);
    }
  }

  const kmsKeyArn = outputs?.kmsKeyArn ?? undefined;
  if (kmsKeyArn !== undefined && typeof parseKmsKeyArn(kmsKeyArn) === "string") {
    problems.push(`the stack outputs (${outputsFile}): kmsKeyArn "${kmsKeyArn}" ${parseKmsKeyArn(kmsKeyArn)}`);
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    region: regionValue,
    s3Region: s3RegionValue,
    endpoint,
    appBucket: appBucket.value ?? DEFAULT_APP_BUCKET,
    aiBucket: aiBucket.value ?? DEFAULT_APP_BUCKET,
    personalizeRoleArn: personalizeRole.value,
    sagemakerRoleArn: sagemakerRole.value,
    comprehendRoleArn: comprehendRole.value,
    kmsKeyArn,
    prefixes: PREFIXES,
    resourceNamePrefix: namePrefix.value ?? DEFAULT_RESOURCE_NAME_PREFIX,
    outputsFile,
    outputs,
    sources: {
      region: region.source,
      appBucket: appBucket.source,
      aiBucket: aiBucket.source,
      personalizeRoleArn: personalizeRole.source,
      sagemakerRoleArn: sagemakerRole.source,
      comprehendRoleArn: comprehendRole.source,
      resourceNamePrefix: namePrefix.source,
    },
  };
}
