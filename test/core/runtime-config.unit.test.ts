/**
 * The runtime configuration: precedence (option > environment > stack outputs > default), the
 * problems it reports (each naming where the value came from), and the stack outputs file's checks.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ConfigError, DEFAULT_APP_BUCKET, DEFAULT_REGION, readStackOutputsFile, resolveRuntimeConfig } from "../../core/runtime-config";
import { PREFIXES } from "../../core/requirements";

const dir = mkdtempSync(join(tmpdir(), "roadmapx-config-"));
let files = 0;
function outputsFile(content: unknown): string {
  const file = join(dir, `outputs-${++files}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/** The problems a configuration has, or [] when it resolves. */
function problems(options: Parameters<typeof resolveRuntimeConfig>[0], env: NodeJS.ProcessEnv = {}): string[] {
  try {
    resolveRuntimeConfig(options, env);
    return [];
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe("resolveRuntimeConfig", () => {
  it("with nothing set: the defaults, and where each value came from", () => {
    const config = resolveRuntimeConfig({}, {});
    expect(config).to.deep.include({
      region: DEFAULT_REGION,
      s3Region: DEFAULT_REGION,
      endpoint: undefined,
      appBucket: DEFAULT_APP_BUCKET,
      aiBucket: DEFAULT_APP_BUCKET,
      personalizeRoleArn: undefined,
      sagemakerRoleArn: undefined,
      comprehendRoleArn: undefined,
      kmsKeyArn: undefined,
      outputsFile: undefined,
      outputs: undefined,
      resourceNamePrefix: "roadmapx",
    });
    expect(config.prefixes).to.equal(PREFIXES);
    expect(config.sources).to.deep.equal({
      region: "default",
      appBucket: "default",
      aiBucket: "default",
      personalizeRoleArn: "default",
      sagemakerRoleArn: "default",
      comprehendRoleArn: "default",
      resourceNamePrefix: "default",
    });
    expect(DEFAULT_REGION).to.equal("us-east-1");
    expect(DEFAULT_APP_BUCKET).to.equal("roadmapx-files");
  });

  it("takes the environment, trimmed, and ignores variables that are empty or blank", () => {
    const config = resolveRuntimeConfig(
      {},
      {
        AWS_REGION: " eu-west-1 ",
        S3_REGION: "eu-central-1",
        S3_BUCKET_NAME: "app-bucket",
        AI_ARTIFACTS_BUCKET: "ai-bucket",
        PERSONALIZE_ROLE_ARN: ROLE("p"),
        SAGEMAKER_ROLE_ARN: ROLE("s"),
        COMPREHEND_ROLE_ARN: ` ${ROLE("c")} `,
        AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
        AI_RESOURCE_NAME_PREFIX: "rx-prod",
      },
    );
    expect(config).to.deep.include({
      region: "eu-west-1",
      s3Region: "eu-central-1",
      appBucket: "app-bucket",
      aiBucket: "ai-bucket",
      personalizeRoleArn: ROLE("p"),
      sagemakerRoleArn: ROLE("s"),
      comprehendRoleArn: ROLE("c"),
      endpoint: "http://127.0.0.1:5000",
      resourceNamePrefix: "rx-prod",
    });
    expect(Object.values(config.sources)).to.deep.equal(Array(7).fill("environment"));
    const blank = resolveRuntimeConfig({}, { AWS_REGION: "  ", S3_BUCKET_NAME: "", AWS_ENDPOINT_URL: " " });
    expect(blank).to.include({ region: DEFAULT_REGION, appBucket: DEFAULT_APP_BUCKET, endpoint: undefined });
  });

  it("AWS_REGION wins over AWS_DEFAULT_REGION, which is used alone too; S3_REGION follows the region unless set", () => {
    expect(resolveRuntimeConfig({}, { AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "ap-south-1" })).to.include({ region: "eu-west-1", s3Region: "eu-west-1" });
    expect(resolveRuntimeConfig({}, { AWS_DEFAULT_REGION: "ap-south-1" })).to.include({ region: "ap-south-1", s3Region: "ap-south-1" });
  });

  it("options win over the environment, which wins over the stack outputs", () => {
    const file = outputsFile({
      region: "ca-central-1",
      appBucketName: "outputs-app",
      artifactsBucketName: "outputs-ai",
      personalizeRoleArn: ROLE("out-p"),
      sagemakerRoleArn: ROLE("out-s"),
      comprehendRoleArn: ROLE("out-c"),
      resourceNamePrefix: "rx-out",
    });
    const env = { AI_STACK_OUTPUTS: file, AWS_REGION: "eu-west-1", S3_BUCKET_NAME: "env-app", PERSONALIZE_ROLE_ARN: ROLE("env-p") };
    const config = resolveRuntimeConfig({ appBucket: "option-app", sagemakerRoleArn: ROLE("opt-s"), endpoint: "https://example.test" }, env);
    expect(config).to.deep.include({
      region: "eu-west-1",
      appBucket: "option-app",
      aiBucket: "outputs-ai",
      personalizeRoleArn: ROLE("env-p"),
      sagemakerRoleArn: ROLE("opt-s"),
      comprehendRoleArn: ROLE("out-c"),
      endpoint: "https://example.test",
      resourceNamePrefix: "rx-out",
      outputsFile: file,
    });
    expect(config.sources).to.deep.equal({
      region: "environment",
      appBucket: "option",
      aiBucket: "outputs",
      personalizeRoleArn: "environment",
      sagemakerRoleArn: "option",
      comprehendRoleArn: "outputs",
      resourceNamePrefix: "outputs",
    });
    expect(config.outputs).to.include({ artifactsBucketName: "outputs-ai" });
    // The option names the file as well as AI_STACK_OUTPUTS does, and wins over it.
    const other = outputsFile({ artifactsBucketName: "other-ai", region: "sa-east-1" });
    expect(resolveRuntimeConfig({ outputsFile: other }, { AI_STACK_OUTPUTS: file })).to.include({
      outputsFile: other,
      region: "sa-east-1",
      aiBucket: "other-ai",
    });
  });

  it("the AI bucket falls back to the app bucket, wherever that came from", () => {
    expect(resolveRuntimeConfig({}, { S3_BUCKET_NAME: "app-only" })).to.include({ appBucket: "app-only", aiBucket: "app-only" });
    expect(resolveRuntimeConfig({}, { S3_BUCKET_NAME: "app-only" }).sources).to.include({ appBucket: "environment", aiBucket: "default" });
    // A bad app bucket is reported twice, each time under the name that set it.
    expect(problems({}, { S3_BUCKET_NAME: "Bad_Bucket" })).to.deep.equal([
      'S3_BUCKET_NAME: bucket name "Bad_Bucket" may contain only lowercase letters, digits, dots (.) and hyphens (-)',
      'S3_BUCKET_NAME: bucket name "Bad_Bucket" may contain only lowercase letters, digits, dots (.) and hyphens (-)',
    ]);
  });

  it("reports every problem at once, each naming the variable, option or file it came from", () => {
    expect(
      problems(
        {},
        {
          AWS_REGION: "virginia",
          S3_REGION: "EU",
          AI_ARTIFACTS_BUCKET: "ab",
          PERSONALIZE_ROLE_ARN: "arn:aws:iam::123456789012:user/bob",
          COMPREHEND_ROLE_ARN: "comprehend-role",
          AWS_ENDPOINT_URL: "ftp://127.0.0.1:21",
          AI_RESOURCE_NAME_PREFIX: "RX",
        },
      ),
    ).to.deep.equal([
      'AWS_REGION: "virginia" is not an AWS region code such as us-east-1',
      'S3_REGION: "EU" is not an AWS region code such as us-east-1',
      'AI_ARTIFACTS_BUCKET: bucket name "ab" must be 3 to 63 characters long (it has 2)',
      'PERSONALIZE_ROLE_ARN: role ARN "arn:aws:iam::123456789012:user/bob" must look like arn:aws:iam::ACCOUNT:role/NAME',
      'COMPREHEND_ROLE_ARN: role ARN "comprehend-role" must look like arn:aws:iam::ACCOUNT:role/NAME',
      'AI_RESOURCE_NAME_PREFIX: resource-name prefix "RX" must start with a lowercase letter and hold only lowercase letters, digits and hyphens',
      'AWS_ENDPOINT_URL: "ftp://127.0.0.1:21" is not an http(s) URL such as http://127.0.0.1:5000',
    ]);
    expect(problems({ region: "nowhere", sagemakerRoleArn: "role/x", endpoint: "not a url" })).to.deep.equal([
      'the option: "nowhere" is not an AWS region code such as us-east-1',
      'the option: role ARN "role/x" must look like arn:aws:iam::ACCOUNT:role/NAME',
      'AWS_ENDPOINT_URL: "not a url" is not an http(s) URL such as http://127.0.0.1:5000',
    ]);
    expect(problems({ endpoint: "http://127.0.0.1:5000" })).to.deep.equal([]);
  });

  it("a value from the stack outputs is blamed on the file", () => {
    const file = outputsFile({ artifactsBucketName: "x", region: "moon-1", kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:alias/ai" });
    expect(problems({ outputsFile: file })).to.deep.equal([
      `the stack outputs (${file}): "moon-1" is not an AWS region code such as us-east-1`,
      `the stack outputs (${file}): bucket name "x" must be 3 to 63 characters long (it has 1)`,
      `the stack outputs (${file}): kmsKeyArn "arn:aws:kms:eu-west-1:123456789012:alias/ai" must be a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID), not an alias ARN`,
    ]);
  });

  it("an empty bucket name in the stack outputs is reported as empty", () => {
    const file = outputsFile({ artifactsBucketName: "", appBucketName: "app-bucket" });
    expect(problems({ outputsFile: file })).to.deep.equal([`the stack outputs (${file}): bucket name "" is empty`]);
  });

  it("takes the KMS key from the stack outputs (a null one is no key)", () => {
    expect(resolveRuntimeConfig({}, { AI_STACK_OUTPUTS: outputsFile({ artifactsBucketName: "ai-bucket", kmsKeyArn: KEY }) }).kmsKeyArn).to.equal(KEY);
    expect(resolveRuntimeConfig({}, { AI_STACK_OUTPUTS: outputsFile({ artifactsBucketName: "ai-bucket", kmsKeyArn: null }) }).kmsKeyArn).to.equal(undefined);
  });

  it("an unusable outputs file is a problem named by how it was given (--outputs or AI_STACK_OUTPUTS)", () => {
    const missing = join(dir, "missing.json");
    expect(problems({ outputsFile: missing })).to.have.length(1);
    expect(problems({ outputsFile: missing })[0]).to.match(/^--outputs: stack outputs file .*missing\.json does not exist/);
    expect(problems({}, { AI_STACK_OUTPUTS: missing })[0]).to.match(/^AI_STACK_OUTPUTS: stack outputs file .*missing\.json does not exist/);
    // The rest is still checked, against the defaults.
    expect(problems({}, { AI_STACK_OUTPUTS: missing, AWS_REGION: "bad" })).to.have.length(2);
  });

  it("a ConfigError's message is its one problem, or a list of them", () => {
    expect(new ConfigError(["one"]).message).to.equal("one");
    expect(new ConfigError(["one", "two"]).message).to.equal("invalid configuration:\n  - one\n  - two");
    expect(new ConfigError(["x"]).name).to.equal("ConfigError");
    expect(new ConfigError(["x"]).problems).to.deep.equal(["x"]);
    let thrown: unknown;
    try {
      resolveRuntimeConfig({}, { AWS_REGION: "bad", S3_REGION: "worse" });
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).to.equal(
      'invalid configuration:\n  - AWS_REGION: "bad" is not an AWS region code such as us-east-1\n  - S3_REGION: "worse" is not an AWS region code such as us-east-1',
    );
  });
});

describe("readStackOutputsFile", () => {
  it("returns the outputs of a good file", () => {
    const outputs = { artifactsBucketName: "ai-bucket", artifactsBucketCreated: true, kmsKeyArn: null, prefixes: { personalize: "personalize/" } };
    expect(readStackOutputsFile(outputsFile(outputs))).to.deep.equal(outputs);
    // One of the two marker outputs is enough.
    expect(readStackOutputsFile(outputsFile({ personalizeRoleArn: ROLE("p") }))).to.deep.equal({ personalizeRoleArn: ROLE("p") });
  });

  it("names the file and the fix when it is missing, unreadable, not JSON or not an object", () => {
    const message = (path: string) => {
      try {
        readStackOutputsFile(path);
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as Error).message;
      }
      return "read";
    };
    const missing = join(dir, "nope.json");
    expect(message(missing)).to.equal(
      `stack outputs file ${missing} does not exist: write it with \`pulumi stack output --json > FILE\`, or run \`npx roadmapx-ai local --keep\``,
    );
    expect(message(dir)).to.equal(
      `stack outputs file ${dir} cannot be read (EISDIR): write it with \`pulumi stack output --json > FILE\`, or run \`npx roadmapx-ai local --keep\``,
    );
    const notJson = outputsFile("{ nope");
    expect(message(notJson)).to.equal(
      `stack outputs file ${notJson} is not JSON (Expected property name or '}' at line 1, column 3); regenerate it with \`pulumi stack output --json\``,
    );
    for (const content of ["[]", "null", "42", '"text"']) {
      const file = outputsFile(content);
      expect(message(file), content).to.equal(`stack outputs file ${file} must hold a JSON object, as \`pulumi stack output --json\` prints`);
    }
  });

  it("lists each output of the wrong type, and says when the file has none of this project's outputs", () => {
    const file = outputsFile({
      artifactsBucketName: 1,
      artifactsBucketCreated: "yes",
      prefixes: ["personalize/"],
      region: null,
      kmsKeyArn: 7,
    });
    let problems: string[] = [];
    try {
      readStackOutputsFile(file);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).to.deep.equal([
      `${file}: "artifactsBucketName" must be a string`,
      `${file}: "artifactsBucketCreated" must be true or false`,
      `${file}: "region" must be a string`,
      `${file}: "prefixes" must be an object`,
      `${file}: "kmsKeyArn" must be a string or null`,
    ]);
    const foreign = outputsFile({ region: "us-east-1", somethingElse: true });
    expect(() => readStackOutputsFile(foreign)).to.throw(
      ConfigError,
      `${foreign} has none of this project's outputs (artifactsBucketName, personalizeRoleArn, ...): is it the right stack?`,
    );
  });
});
