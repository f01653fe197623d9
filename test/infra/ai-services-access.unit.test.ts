/**
 * AiServicesAccess used the way a user's own Pulumi program uses it (Pulumi mocks): its own name,
 * no roadmapx-ai config keys, the component's outputs exported by the program.
 */
import { expect } from "chai";
import { AiServicesAccess } from "../../infra/index";
import { ACCOUNT, loadProgram, parsePolicy } from "../helpers/stack";

function program(args: ConstructorParameters<typeof AiServicesAccess>[1]) {
  return () => {
    const ai = new AiServicesAccess("ai", args);
    return {
      bucket: ai.artifactsBucketName,
      created: ai.artifactsBucketCreated,
      personalizeRoleArn: ai.personalizeRoleArn,
      comprehendRoleArn: ai.comprehendRoleArn,
      appPolicyArn: ai.appPolicyArn,
      region: ai.region,
      mode: ai.appBucketPolicyMode,
      statements: ai.personalizeBucketPolicyStatements,
    };
  };
}

describe("AiServicesAccess in a user's own program (Pulumi mocks)", () => {
  it("names every child after the component and parents it there, with the project's tags kept", async () => {
    const run = await loadProgram(program({ appBucketName: "shop-files", tags: { team: "web" } }));
    const component = run.resources.find((r) => r.type === "roadmapx-ai:index:AiServicesAccess");
    expect(component?.name).to.equal("ai");
    const direct = run.resources.filter((r) => r.options.parent === "ai").map((r) => r.name);
    expect(direct.sort()).to.deep.equal(["ai-application", "ai-comprehend", "ai-personalize", "ai-sagemaker", "ai-verifier"]);
    const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "ai-personalize");
    expect(role?.inputs["tags"]).to.deep.equal({ team: "web", "managed-by": "pulumi" });
    expect(run.outputs).to.include({ bucket: "shop-files", created: false, region: "us-east-1", mode: "output" });
    expect(run.outputs.personalizeRoleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/ai-personalize`);
    expect(run.outputs.comprehendRoleArn).to.equal(`arn:aws:iam::${ACCOUNT}:role/ai-comprehend`);
    const comprehend = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "ai-comprehend");
    expect(comprehend?.options.parent).to.equal("ai-comprehend");
    expect(comprehend?.inputs["tags"]).to.deep.equal({ team: "web", "managed-by": "pulumi" });
    const statements = JSON.parse(run.outputs.statements) as { Resource: string | string[] }[];
    expect(statements.flatMap((s) => s.Resource)).to.include("arn:aws:s3:::shop-files/personalize/*");
  });

  it("pins the roles' trust to the region it is given, not only the provider's", async () => {
    const run = await loadProgram(program({ appBucketName: "shop-files", region: "eu-west-1" }), { "aws:region": "eu-west-1" });
    const role = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "ai-sagemaker");
    expect(JSON.stringify(parsePolicy(role?.inputs["assumeRolePolicy"]))).to.include(`arn:aws:sagemaker:eu-west-1:${ACCOUNT}:*`);
    const comprehend = run.resources.find((r) => r.type === "aws:iam/role:Role" && r.name === "ai-comprehend");
    expect(JSON.stringify(parsePolicy(comprehend?.inputs["assumeRolePolicy"]))).to.include(`arn:aws:comprehend:eu-west-1:${ACCOUNT}:*`);
    expect(run.outputs.region).to.equal("eu-west-1");
  });

  it("derives the created bucket's name from its own name, the account and the region", async () => {
    const run = await loadProgram(program({ appBucketName: "shop-files", createArtifactsBucket: true }));
    expect(run.outputs).to.include({ bucket: `ai-artifacts-${ACCOUNT}-us-east-1`, created: true, mode: "not-needed" });
    const bucket = run.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
    expect(bucket?.options.parent).to.equal("ai-artifacts");
  });

  it("refuses contradictory arguments with a sentence naming both", async () => {
    let message = "";
    try {
      await loadProgram(program({ appBucketName: "shop-files", appBucketPolicy: "merge", createArtifactsBucket: true }));
    } catch (err) {
      message = String(err);
    }
    expect(message).to.include('appBucketPolicy "merge"').and.include("createArtifactsBucket");
    try {
      await loadProgram(program({ appBucketName: "shop-files", artifactsBucketName: "ai-bucket" }));
      message = "";
    } catch (err) {
      message = String(err);
    }
    expect(message).to.include("artifactsBucketName is set but createArtifactsBucket is not true");
  });
});
