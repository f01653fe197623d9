/** The stack outputs contract: every output's JSON type, as readStackOutputsFile checks it. */
import { expect } from "chai";
import { asList, policyDocument, s3BucketArn, s3ObjectsArn } from "../../core/iam";
import { PREFIXES } from "../../core/requirements";
import { STACK_OUTPUT_TYPES, type StackOutputValues, stackOutputTypeProblem } from "../../core/stack-outputs";

/** Outputs as `pulumi stack output --json` prints them for a deployed stack. */
const OUTPUTS: StackOutputValues = {
  artifactsBucketName: "roadmapx-ai-artifacts",
  artifactsBucketCreated: true,
  personalizeRoleArn: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize",
  sagemakerRoleArn: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-sagemaker",
  comprehendRoleArn: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-comprehend",
  region: "us-east-1",
  prefixes: { ...PREFIXES },
  appPolicyArn: "arn:aws:iam::123456789012:policy/roadmapx-ai-dev-app",
  verifierPolicyArn: "arn:aws:iam::123456789012:policy/roadmapx-ai-dev-verifier",
  appBucketName: "roadmapx-files",
  appBucketPolicyMode: "output",
  personalizeBucketPolicyStatements: "[]",
  kmsKeyArn: null,
  resourceNamePrefix: "roadmapx",
};

describe("stack outputs (core/stack-outputs.ts)", () => {
  it("every output of a deployed stack has its type, and the table covers every output", () => {
    expect(Object.keys(STACK_OUTPUT_TYPES).sort()).to.deep.equal(Object.keys(OUTPUTS).sort());
    for (const [key, value] of Object.entries(OUTPUTS)) expect(stackOutputTypeProblem(key as keyof StackOutputValues, value), key).to.equal(undefined);
    expect(stackOutputTypeProblem("kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/k")).to.equal(undefined);
  });

  it("each output refuses a value of another JSON type, in words that name the type", () => {
    const expected: Record<keyof StackOutputValues, string> = {
      artifactsBucketName: "a string",
      artifactsBucketCreated: "true or false",
      personalizeRoleArn: "a string",
      sagemakerRoleArn: "a string",
      comprehendRoleArn: "a string",
      region: "a string",
      prefixes: "an object",
      appPolicyArn: "a string",
      verifierPolicyArn: "a string",
      appBucketName: "a string",
      appBucketPolicyMode: "a string",
      personalizeBucketPolicyStatements: "a string",
      kmsKeyArn: "a string or null",
      resourceNamePrefix: "a string",
    };
    for (const key of Object.keys(expected) as (keyof StackOutputValues)[]) {
      expect(stackOutputTypeProblem(key, 12), key).to.equal(`"${key}" must be ${expected[key]}`);
    }
    for (const bad of [null, [], "personalize/"]) expect(stackOutputTypeProblem("prefixes", bad), JSON.stringify(bad)).to.equal('"prefixes" must be an object');
    expect(stackOutputTypeProblem("artifactsBucketCreated", "true")).to.equal('"artifactsBucketCreated" must be true or false');
    expect(stackOutputTypeProblem("region", null)).to.equal('"region" must be a string');
    expect(stackOutputTypeProblem("kmsKeyArn", undefined)).to.equal('"kmsKeyArn" must be a string or null');
  });
});

describe("policy document helpers (core/iam.ts)", () => {
  it("builds 2012-10-17 documents and S3 ARNs", () => {
    expect(policyDocument([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }])).to.deep.equal({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
    });
    expect(s3BucketArn("aws-cn", "b")).to.equal("arn:aws-cn:s3:::b");
    expect(s3ObjectsArn("aws", "b", "personalize/")).to.equal("arn:aws:s3:::b/personalize/*");
    expect(s3ObjectsArn("aws", "b")).to.equal("arn:aws:s3:::b/*");
  });

  it("reads a 'string or list' field as a list", () => {
    expect(asList(undefined)).to.deep.equal([]);
    expect(asList("a")).to.deep.equal(["a"]);
    const list = ["a", "b"];
    expect(asList(list)).to.equal(list);
  });
});
