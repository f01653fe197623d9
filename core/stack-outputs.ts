/**
 * The stack outputs: the one contract between infra (which exports them), and services and verify
 * (which read them from `pulumi stack output --json`, via AI_STACK_OUTPUTS or --outputs). Keys are
 * fixed by docs/DESIGN.md: more may be added, none renamed.
 */
import type { PrefixName } from "./requirements";

export interface StackOutputValues {
  /** The bucket the AI services use: the created one, or the app bucket. */
  artifactsBucketName: string;
  artifactsBucketCreated: boolean;
  personalizeRoleArn: string;
  sagemakerRoleArn: string;
  /** Comprehend data-access role for analysis jobs (stacks before 0.3 lack it). */
  comprehendRoleArn: string;
  region: string;
  prefixes: Record<PrefixName, string>;
  /** Managed policy for the application's own role. */
  appPolicyArn: string;
  /** Read-only managed policy for whoever runs `roadmapx-ai verify` (core/verifier-reads.ts). */
  verifierPolicyArn: string;
  /** The application's bucket (user uploads), whether or not the AI services use it. */
  appBucketName: string;
  /** How Personalize's statement reaches the app bucket's policy ("output" means: by you). */
  appBucketPolicyMode: "output" | "merge" | "not-needed";
  /** The bucket-policy statements Personalize needs on the AI bucket, as JSON. */
  personalizeBucketPolicyStatements: string;
  kmsKeyArn: string | null;
  /** This project's Personalize and SageMaker resources are named `<prefix>-...` (core/resource-names.ts). */
  resourceNamePrefix: string;
}

/** What an outputs file may hold: an older or partial stack has fewer keys. */
export type StackOutputsFile = Partial<Omit<StackOutputValues, "prefixes">> & { prefixes?: Partial<Record<PrefixName, string>> };

/** The JSON type of each output, which a file's values are checked against. */
export const STACK_OUTPUT_TYPES: Readonly<Record<keyof StackOutputValues, "string" | "boolean" | "object" | "string or null">> = {
  artifactsBucketName: "string",
  artifactsBucketCreated: "boolean",
  personalizeRoleArn: "string",
  sagemakerRoleArn: "string",
  comprehendRoleArn: "string",
  region: "string",
  prefixes: "object",
  appPolicyArn: "string",
  verifierPolicyArn: "string",
  appBucketName: "string",
  appBucketPolicyMode: "string",
  personalizeBucketPolicyStatements: "string",
  kmsKeyArn: "string or null",
  resourceNamePrefix: "string",
};

/** Why `value` is not of the output's type, or undefined when it is. */
export function stackOutputTypeProblem(key: keyof StackOutputValues, value: unknown): string | undefined {
  const expected = STACK_OUTPUT_TYPES[key];
  const ok =
    expected === "string or null"
      ? value === null || typeof value === "string"
      : expected === "object"
        ? typeof value === "object" && value !== null && !Array.isArray(value)
        : typeof value === expected;
  return ok ? undefined : `"${key}" must be ${expected === "boolean" ? "true or false" : expected === "object" ? "an object" : `a ${expected}`}`;
}
