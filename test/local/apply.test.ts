/**
 * The local harness applies the real infra program to the emulator; here everything it created is
 * read back through the IAM and S3 APIs and compared with what the program declared.
 */
import * as aws from "@pulumi/aws";
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
} from "@aws-sdk/client-s3";
import { GetPolicyCommand, GetPolicyVersionCommand, GetRoleCommand, GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { expect } from "chai";
import { type AppliedStack, UnsupportedResourceError, applyStackToEmulator, stackOutputsJson } from "../../local/apply";
import { defineStack } from "../../infra/stack";
import { useEmulator } from "../helpers/emulator";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001";

/** IAM returns policy documents URL-encoded (moto's GetPolicyVersion does not): decode defensively. */
function policyJson(document: string | undefined): unknown {
  if (!document) throw new Error("no policy document");
  return JSON.parse(document.startsWith("%7B") || document.startsWith("%7b") ? decodeURIComponent(document) : document);
}

function declared(applied: AppliedStack, type: string) {
  return applied.resources.filter((r) => r.type === type);
}

describe("local harness: the stack applied to the emulator, read back through IAM and S3", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  async function apply(config: Record<string, string>): Promise<AppliedStack> {
    return applyStackToEmulator({ clients: ctx.clients, config: { "aws:region": "us-east-1", ...config } });
  }

  async function expectIamMatches(applied: AppliedStack): Promise<void> {
    const iam = ctx.clients.iam;
    for (const role of declared(applied, "aws:iam/role:Role")) {
      const got = await iam.send(new GetRoleCommand({ RoleName: role.physicalName }));
      expect(policyJson(got.Role?.AssumeRolePolicyDocument), role.name).to.deep.equal(JSON.parse(String(role.inputs["assumeRolePolicy"])));
      expect(got.Role?.Description).to.equal(role.inputs["description"]);
      const inline = declared(applied, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs["role"] === role.physicalName);
      const names = await iam.send(new ListRolePoliciesCommand({ RoleName: role.physicalName }));
      expect(names.PolicyNames).to.have.members(inline.map((p) => p.physicalName));
      for (const p of inline) {
        const doc = await iam.send(new GetRolePolicyCommand({ RoleName: role.physicalName, PolicyName: p.physicalName }));
        expect(policyJson(doc.PolicyDocument), p.name).to.deep.equal(JSON.parse(String(p.inputs["policy"])));
      }
    }
    // The managed policies (the application's and the verifier's), each read back by the ARN the outputs name.
    const managed = declared(applied, "aws:iam/policy:Policy");
    expect(managed.map((p) => p.physicalName).sort()).to.deep.equal([applied.outputs.appPolicyArn, applied.outputs.verifierPolicyArn].sort());
    for (const declaredPolicy of managed) {
      const policy = await iam.send(new GetPolicyCommand({ PolicyArn: declaredPolicy.physicalName }));
      const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: declaredPolicy.physicalName, VersionId: policy.Policy?.DefaultVersionId }));
      expect(policyJson(version.PolicyVersion?.Document), declaredPolicy.name).to.deep.equal(JSON.parse(String(declaredPolicy.inputs["policy"])));
    }
  }

  it("default (reuse the app bucket): roles, trust and inline policies and the app policy equal the declarations", async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
    const applied = await apply({});
    expect(applied.outputs.artifactsBucketName).to.equal("roadmapx-files");
    await expectIamMatches(applied);
    // The app bucket was only read, never written: it still has no policy.
    let noPolicy = false;
    try {
      await ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: "roadmapx-files" }));
    } catch (err) {
      noPolicy = (err as Error).name === "NoSuchBucketPolicy";
    }
    expect(noPolicy).to.equal(true);
  });

  it("createArtifactsBucket + KMS: every bucket setting reads back as declared", async () => {
    const applied = await apply({ "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:kmsKeyArn": KEY });
    await expectIamMatches(applied);
    const s3 = ctx.clients.s3;
    const Bucket = applied.outputs.artifactsBucketName;
    const input = (type: string) => {
      const [r] = declared(applied, type);
      if (!r) throw new Error(`nothing of type ${type} declared`);
      return r.inputs;
    };

    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket }));
    const pabIn = input("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
    expect(pab.PublicAccessBlockConfiguration).to.deep.equal({
      BlockPublicAcls: pabIn["blockPublicAcls"],
      BlockPublicPolicy: pabIn["blockPublicPolicy"],
      IgnorePublicAcls: pabIn["ignorePublicAcls"],
      RestrictPublicBuckets: pabIn["restrictPublicBuckets"],
    });

    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket }));
    expect(ownership.OwnershipControls?.Rules).to.deep.equal([{ ObjectOwnership: "BucketOwnerEnforced" }]);

    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
    expect(encryption.ServerSideEncryptionConfiguration?.Rules).to.deep.equal([
      { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY }, BucketKeyEnabled: true },
    ]);

    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).to.equal("Enabled");

    const lifecycle = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }));
    const rules = (lifecycle.Rules ?? []).map((r) => ({ ...r })).sort((a, b) => String(a.ID).localeCompare(String(b.ID)));
    expect(rules).to.deep.equal([
      { ID: "abort-incomplete-multipart-uploads", Status: "Enabled", Filter: { Prefix: "" }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      {
        ID: "expire-noncurrent-versions",
        Status: "Enabled",
        Filter: { Prefix: "" },
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
        Expiration: { ExpiredObjectDeleteMarker: true },
      },
    ]);

    const policy = await s3.send(new GetBucketPolicyCommand({ Bucket }));
    expect(JSON.parse(policy.Policy ?? "")).to.deep.equal(JSON.parse(String(input("aws:s3/bucketPolicy:BucketPolicy")["policy"])));

    const tags = await s3.send(new GetBucketTaggingCommand({ Bucket }));
    expect(Object.fromEntries((tags.TagSet ?? []).map((t) => [t.Key, t.Value]))).to.deep.equal(input("aws:s3/bucket:Bucket")["tags"]);
  });

  it("appBucketPolicy: merge keeps the statements the app bucket already had", async () => {
    const s3 = ctx.clients.s3;
    await s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
    const owner = {
      Sid: "AppCdnRead",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::roadmapx-files/public/*",
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: "roadmapx-files", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [owner] }) }));
    const applied = await apply({ "roadmapx-ai:appBucketPolicy": "merge" });
    const after = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: "roadmapx-files" }))).Policy ?? "") as {
      Statement: { Sid: string }[];
    };
    expect(after.Statement[0]).to.deep.equal(owner);
    expect(after.Statement.map((s) => s.Sid)).to.deep.equal(["AppCdnRead", "RoadmapxAiPersonalizeList", "RoadmapxAiPersonalizeObjects"]);
    expect(applied.outputs.appBucketPolicyMode).to.equal("merge");
  });

  it("writes the outputs as `pulumi stack output --json` prints them", async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
    const applied = await apply({});
    const json = stackOutputsJson(applied.outputs);
    expect(json.endsWith("}\n")).to.equal(true);
    expect(json).to.include('\n    "artifactsBucketName": "roadmapx-files",\n');
    expect(Object.keys(JSON.parse(json))).to.include.members([
      "artifactsBucketName",
      "artifactsBucketCreated",
      "personalizeRoleArn",
      "sagemakerRoleArn",
      "region",
      "prefixes",
      "appPolicyArn",
    ]);
  });

  it("fails loudly, naming the type, on a resource type it does not know", async () => {
    let caught: unknown;
    try {
      await applyStackToEmulator({
        clients: ctx.clients,
        config: { "aws:region": "us-east-1" },
        program: () => {
          new aws.sqs.Queue("jobs", {});
          return defineStack();
        },
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UnsupportedResourceError);
    expect(String(caught)).to.match(/cannot create aws:sqs\/queue:Queue \("jobs"\)/);
  });
});
