import { expect } from "chai";
import { CONFIG_KEYS, InfraConfigError, parseInfraConfig } from "../../infra/config";
import { loadStack } from "../helpers/stack";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001";

function problemsOf(config: Record<string, string>, stack = "dev", envRegion?: string): string[] {
  try {
    parseInfraConfig({ "aws:region": "us-east-1", ...config }, stack, envRegion);
  } catch (err) {
    if (err instanceof InfraConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe("infra config", () => {
  it("defaults: reuse roadmapx-files, SSE-S3, statement as an output, 30-day noncurrent versions", () => {
    expect(parseInfraConfig({ "aws:region": "us-east-1" }, "dev")).to.deep.equal({
      region: "us-east-1",
      appBucketName: "roadmapx-files",
      artifactsBucket: { create: false },
      kmsKeyArn: undefined,
      appBucketPolicy: "output",
      noncurrentVersionDays: 30,
      resourceNamePrefix: "roadmapx",
    });
  });

  it("a resource-name prefix is lowercase, short and without a trailing hyphen", () => {
    expect(parseInfraConfig({ "aws:region": "us-east-1", "roadmapx-ai:resourceNamePrefix": "rx-prod" }, "prod").resourceNamePrefix).to.equal("rx-prod");
    for (const [bad, rule] of [
      ["RoadmapX", "lowercase"],
      ["roadmapx-", 'must not end with "-"'],
      ["r".repeat(21), "at most 20 characters"],
      ["1roadmapx", "start with a lowercase letter"],
    ] as const) {
      const found = problemsOf({ "roadmapx-ai:resourceNamePrefix": bad });
      expect(found, bad).to.have.length(1);
      expect(found[0]).to.include(`roadmapx-ai:resourceNamePrefix "${bad}"`).and.include(rule);
    }
  });

  it("a created bucket with a name of its own carries that name", () => {
    const config = parseInfraConfig(
      { "aws:region": "us-east-1", "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:artifactsBucketName": "ai-data-bucket" },
      "dev",
    );
    expect(config.artifactsBucket).to.deep.equal({ create: true, name: "ai-data-bucket" });
  });

  it("takes the region from the environment when aws:region is not set", () => {
    expect(parseInfraConfig({}, "dev", "eu-west-1").region).to.equal("eu-west-1");
  });

  it("derives a bucket-safe artifacts name from a stack name with capitals and underscores", () => {
    const config = parseInfraConfig({ "aws:region": "us-east-1", "roadmapx-ai:createArtifactsBucket": "true" }, "Prod_EU");
    expect(config.artifactsBucket).to.deep.equal({ create: true, nameTemplate: "roadmapx-ai-prod-eu-artifacts-{account}-us-east-1" });
  });

  const invalid: [string, Record<string, string>, RegExp][] = [
    [
      "an app bucket name that breaks S3 naming",
      { "roadmapx-ai:appBucketName": "RoadmapX_Files" },
      /roadmapx-ai:appBucketName "RoadmapX_Files" may contain only lowercase letters/,
    ],
    [
      "an artifacts bucket name that is too long",
      { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:artifactsBucketName": "a".repeat(64) },
      /roadmapx-ai:artifactsBucketName "a+" must be 3 to 63 characters long/,
    ],
    [
      "an artifacts bucket name equal to the app bucket",
      { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:artifactsBucketName": "roadmapx-files" },
      /artifactsBucketName must differ from appBucketName/,
    ],
    [
      "an artifacts bucket name without createArtifactsBucket",
      { "roadmapx-ai:artifactsBucketName": "ai-bucket" },
      /artifactsBucketName is set but roadmapx-ai:createArtifactsBucket is not true/,
    ],
    [
      "a derived name that would be too long",
      { "roadmapx-ai:createArtifactsBucket": "true" },
      /derived artifacts bucket name ".*" must be 3 to 63 characters long .*set roadmapx-ai:artifactsBucketName/,
    ],
    [
      "a malformed KMS ARN",
      { "roadmapx-ai:kmsKeyArn": "arn:aws:kms:us-east-1:123:key" },
      /roadmapx-ai:kmsKeyArn "arn:aws:kms:us-east-1:123:key" must look like arn:aws:kms:REGION:ACCOUNT:key\/KEY-ID/,
    ],
    ["a KMS alias instead of a key", { "roadmapx-ai:kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:alias/ai" }, /not an alias ARN/],
    [
      "a KMS key in another region",
      { "roadmapx-ai:kmsKeyArn": KEY.replace("us-east-1", "eu-west-1") },
      /kmsKeyArn is in eu-west-1 but the stack is in us-east-1/,
    ],
    [
      "an unknown key (a typo)",
      { "roadmapx-ai:appBucket": "roadmapx-files" },
      /roadmapx-ai:appBucket is not a setting of this project \(known: roadmapx-ai:appBucketName, /,
    ],
    [
      "a boolean that is not true or false",
      { "roadmapx-ai:createArtifactsBucket": "yes" },
      /roadmapx-ai:createArtifactsBucket must be true or false \(it is "yes"\)/,
    ],
    [
      "an unknown appBucketPolicy mode",
      { "roadmapx-ai:appBucketPolicy": "overwrite" },
      /roadmapx-ai:appBucketPolicy must be "output" or "merge" \(it is "overwrite"\)/,
    ],
    [
      "merge together with a created bucket",
      { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:appBucketPolicy": "merge" },
      /appBucketPolicy is "merge" but createArtifactsBucket is true/,
    ],
    [
      "a noncurrentVersionDays that is not a whole number",
      { "roadmapx-ai:noncurrentVersionDays": "0.5" },
      /noncurrentVersionDays must be a whole number of days, 1 or more \(it is "0.5"\)/,
    ],
    ["a malformed region", { "aws:region": "Virginia" }, /aws:region: "Virginia" is not an AWS region code/],
  ];

  for (const [what, config, message] of invalid) {
    it(`rejects ${what}, naming the key and the rule`, () => {
      const stack = what.startsWith("a derived name") ? "a-very-long-stack-name-for-the-europe-team" : "dev";
      const problems = problemsOf(config, stack);
      expect(problems.join("\n")).to.match(message);
    });
  }

  it("reports a missing region with the command that sets it", () => {
    expect(() => parseInfraConfig({}, "dev", undefined)).to.throw(/aws:region is not set: run `pulumi config set aws:region us-east-1`/);
  });

  it("lists every problem at once, and how to fix config", () => {
    let err: unknown;
    try {
      parseInfraConfig({ "aws:region": "us-east-1", "roadmapx-ai:appBucketName": "A", "roadmapx-ai:typo": "1" }, "dev");
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InfraConfigError);
    expect((err as InfraConfigError).problems).to.have.length(2);
    expect((err as Error).message).to.include("pulumi config set roadmapx-ai:<key> <value>");
  });

  it("knows every key the README and Pulumi.dev.yaml use", () => {
    expect(Object.keys(CONFIG_KEYS)).to.include.members(["appBucketName", "createArtifactsBucket", "artifactsBucketName", "kmsKeyArn", "appBucketPolicy"]);
  });

  describe("under Pulumi mocks", () => {
    for (const [what, config, message] of invalid.slice(0, 9)) {
      it(`stops the program before any resource is declared: ${what}`, async () => {
        const created: string[] = [];
        let caught: unknown;
        try {
          await loadStack(config, { created }, what.startsWith("a derived name") ? "a-very-long-stack-name-for-the-europe-team" : "dev");
        } catch (err) {
          caught = err;
        }
        expect(String(caught)).to.match(message);
        expect(created).to.deep.equal([]);
      });
    }
  });
});
