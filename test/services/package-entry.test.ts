/**
 * What importing the services package costs and promises: no AI configuration is read and no AI
 * SDK client is loaded until a service is used, so nothing can throw at import or creation.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { ConfigError } from "../../core/runtime-config";
import { createAiServices } from "../../services/index";
import { createS3Config } from "../../services/s3";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");

describe("the services package's entry points", () => {
  it("createAiServices() does not throw on a missing outputs file; the first use names AI_STACK_OUTPUTS", () => {
    const ai = createAiServices({ env: { AI_STACK_OUTPUTS: "/nonexistent/outputs.json" } });
    expect(() => ai.comprehend).to.throw(ConfigError, /AI_STACK_OUTPUTS.*\/nonexistent\/outputs\.json does not exist/);
    expect(() => ai.config).to.throw(ConfigError, /AI_STACK_OUTPUTS/);
  });

  it("createAiServices() resolves the configuration once and shares it between services", () => {
    const ai = createAiServices({ env: { S3_BUCKET_NAME: "app-files", AWS_REGION: "eu-west-1" } });
    expect(ai.config).to.equal(ai.config);
    expect(ai.storage.bucket).to.equal("app-files");
    expect(ai.personalize).to.equal(ai.personalize);
    expect(ai.sagemaker).to.equal(ai.sagemaker);
    expect(ai.comprehend).to.equal(ai.comprehend);
    expect(ai.config.region).to.equal("eu-west-1");
  });

  it("the ./s3 drop-in reads only the seed's variables: a broken AI configuration does not stop it", () => {
    const { s3Client, S3_CONFIG } = createS3Config({ S3_BUCKET_NAME: "app-files", S3_REGION: "eu-west-1", AI_STACK_OUTPUTS: "/nonexistent.json" });
    expect(S3_CONFIG.bucketName).to.equal("app-files");
    expect(S3_CONFIG.region).to.equal("eu-west-1");
    expect(() => S3_CONFIG.aiBucketName).to.throw(ConfigError, /AI_STACK_OUTPUTS/);
    s3Client.destroy();
  });

  it("the drop-in's region is S3_REGION first, then AWS_REGION, and its client uses it", async () => {
    const { s3Client, S3_CONFIG } = createS3Config({ S3_REGION: "eu-west-1", AWS_REGION: "us-east-1" });
    expect(S3_CONFIG.region).to.equal("eu-west-1");
    expect(await s3Client.config.region()).to.equal("eu-west-1");
    expect(createS3Config({ AWS_REGION: "ap-south-1" }).S3_CONFIG.region).to.equal("ap-south-1");
    s3Client.destroy();
  });

  it("S3_CONFIG.aiBucketName follows AI_ARTIFACTS_BUCKET, else the app bucket", () => {
    expect(createS3Config({ S3_BUCKET_NAME: "app-files", AI_ARTIFACTS_BUCKET: "ai-files" }).S3_CONFIG.aiBucketName).to.equal("ai-files");
    expect(createS3Config({ S3_BUCKET_NAME: "app-files" }).S3_CONFIG.aiBucketName).to.equal("app-files");
    expect(createS3Config({}).S3_CONFIG).to.include({ bucketName: "roadmapx-files", region: "us-east-1" });
  });

  it("requiring the built package loads the S3 client and no AI SDK client (they load on first use)", async () => {
    const script = [
      `require(${JSON.stringify(join(ROOT, "services", "dist", "index.js"))});`,
      'const loaded = Object.keys(require.cache).map((p) => p.split("/node_modules/@aws-sdk/")[1]?.split("/")[0]).filter((n) => n && n.startsWith("client-"));',
      "process.stdout.write(JSON.stringify([...new Set(loaded)].sort()));",
    ].join("\n");
    const { stdout } = await run(process.execPath, ["-e", script], {
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", NODE_OPTIONS: "" },
    });
    expect(JSON.parse(stdout)).to.deep.equal(["client-s3"]);
  });
});
