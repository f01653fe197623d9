/** Checks about who is asking and what they were told: credentials, outputs vs environment. */
import { noCommand } from "../fix";
import type { CheckDefinition } from "../model";
import { describeProblem } from "../problems";

export const credentials: CheckDefinition = {
  id: "credentials",
  title: "AWS credentials",
  severity: "error",
  risk: "Nothing else can be checked, and the services cannot call AWS.",
  async evaluate(facts) {
    const caller = await facts.caller();
    if (caller.ok) {
      return {
        verdict: "holds",
        resource: caller.value.arn,
        message: `credentials resolve to ${caller.value.arn} in account ${caller.value.accountId}`,
      };
    }
    const p = caller.problem;
    if (p.kind === "unreachable" || p.kind === "unavailable") {
      return { verdict: "error", message: describeProblem(p), remediation: "Check the network, AWS_REGION and AWS_ENDPOINT_URL." };
    }
    return {
      verdict: "broken",
      message: `credentials do not resolve: ${p.detail}`,
      remediation:
        "Give the SDK credentials through its default chain: `aws sso login` / AWS_PROFILE, the AWS_ACCESS_KEY_ID and " +
        "AWS_SECRET_ACCESS_KEY variables, or an instance/task role.",
      fix: noCommand(
        "give the SDK working credentials (aws sso login / AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an instance or task role), then run verify again: which one is yours to choose, so no command is printed",
      ),
    };
  },
};

export const outputsConsistent: CheckDefinition = {
  id: "outputs.consistent",
  title: "Environment matches the stack outputs",
  severity: "warn",
  risk: "The backend would use a different bucket or role than the stack set up, and fail or write elsewhere.",
  async evaluate(facts) {
    const { outputs, outputsFile } = facts.config;
    if (!outputs) return { verdict: "skip", message: "no stack outputs file given (--outputs or AI_STACK_OUTPUTS)" };
    const env = facts.env;
    const pairs: [string, string | undefined, string | undefined][] = [
      ["S3_BUCKET_NAME", env["S3_BUCKET_NAME"], outputs.appBucketName],
      ["AI_ARTIFACTS_BUCKET", env["AI_ARTIFACTS_BUCKET"], outputs.artifactsBucketName],
      ["PERSONALIZE_ROLE_ARN", env["PERSONALIZE_ROLE_ARN"], outputs.personalizeRoleArn],
      ["SAGEMAKER_ROLE_ARN", env["SAGEMAKER_ROLE_ARN"], outputs.sagemakerRoleArn],
      ["COMPREHEND_ROLE_ARN", env["COMPREHEND_ROLE_ARN"], outputs.comprehendRoleArn],
      ["AWS_REGION", env["AWS_REGION"], outputs.region],
    ];
    const mismatches = pairs.filter(([, set, out]) => set && out !== undefined && set !== out);
    // With a created AI bucket, S3_BUCKET_NAME alone would send AI data to the app bucket.
    if (outputs.artifactsBucketCreated && !env["AI_ARTIFACTS_BUCKET"] && env["S3_BUCKET_NAME"] === outputs.artifactsBucketName) {
      mismatches.push(["S3_BUCKET_NAME", env["S3_BUCKET_NAME"], outputs.appBucketName]);
    }
    if (mismatches.length === 0) {
      return { verdict: "holds", resource: outputsFile, message: `the environment agrees with ${outputsFile}` };
    }
    return {
      verdict: "broken",
      resource: outputsFile,
      message: mismatches.map(([name, set, out]) => `${name}=${set} but the stack outputs say ${out}`).join("; "),
      remediation: `Unset the variables above or set them to the stack's values (\`pulumi stack output --json\`); the environment wins over ${outputsFile}.`,
      fix: noCommand(
        `unset ${[...new Set(mismatches.map(([name]) => name))].join(", ")} in the backend's environment, or set them to the stack's values: the environment is not in AWS, so no AWS command fixes it`,
      ),
    };
  },
};
