import { expect } from "chai";
import {
  BucketPolicyMergeError,
  applicationPolicy,
  artifactsBucketPolicy,
  mergeBucketPolicy,
  personalizeBucketPolicyStatements,
  serviceRolePolicy,
  trustPolicy,
} from "../../core/policies";
import { PREFIXES, SERVICES } from "../../core/requirements";

const target = { partition: "aws", region: "eu-west-1", accountId: "111122223333" };

describe("core/policies", () => {
  it("trust policies let only the service assume the role, pinned to this account and region", () => {
    expect(trustPolicy(SERVICES.personalize, target)).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PersonalizeAssumeRole",
          Effect: "Allow",
          Principal: { Service: "personalize.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: {
            StringEquals: { "aws:SourceAccount": "111122223333" },
            ArnLike: { "aws:SourceArn": "arn:aws:personalize:eu-west-1:111122223333:*" },
          },
        },
      ],
    });
    const sm = trustPolicy(SERVICES.sagemaker, { ...target, partition: "aws-cn" });
    expect(sm.Statement[0]?.Principal).to.deep.equal({ Service: "sagemaker.amazonaws.com" });
    expect(sm.Statement[0]?.Condition?.["ArnLike"]).to.deep.equal({
      "aws:SourceArn": "arn:aws-cn:sagemaker:eu-west-1:111122223333:*",
    });
  });

  it("the brief's minimum holds: Personalize Get/List/Put, SageMaker the same plus Delete", () => {
    const actions = (id: "personalize" | "sagemaker") =>
      new Set(
        serviceRolePolicy(SERVICES[id], { target, bucket: "b" })
          .Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
          .filter((a) => a.startsWith("s3:")),
      );
    expect([...actions("personalize")].sort()).to.deep.equal(["s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
    expect([...actions("sagemaker")].sort()).to.deep.equal(["s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"]);
  });

  it("object access never reaches user-uploads/", () => {
    for (const req of Object.values(SERVICES)) {
      const json = JSON.stringify(serviceRolePolicy(req, { target, bucket: "b" }));
      expect(json).not.to.include(PREFIXES.userUploads);
      expect(json).not.to.include('"arn:aws:s3:::b/*"');
    }
    const app = JSON.stringify(applicationPolicy({ target, bucket: "b", personalizeRoleArn: "arn:p", sagemakerRoleArn: "arn:s" }));
    expect(app).not.to.include(PREFIXES.userUploads);
  });

  it("issue 17's Personalize calls: on this project's filters, recommenders, deletion jobs and datasets; the Lists on *", () => {
    const doc = applicationPolicy({ target, bucket: "b", personalizeRoleArn: "arn:aws:iam::111122223333:role/p", sagemakerRoleArn: "arn:s" });
    const sid = (id: string) => doc.Statement.find((s) => s.Sid === id);
    const p = "arn:aws:personalize:eu-west-1:111122223333";
    const workflow = sid("PersonalizeWorkflow");
    expect(workflow?.Action).to.include.members([
      "personalize:CreateFilter",
      "personalize:DescribeFilter",
      "personalize:DeleteFilter",
      "personalize:GetRecommendations",
      "personalize:GetPersonalizedRanking",
      "personalize:PutItems",
      "personalize:PutUsers",
      "personalize:CreateRecommender",
      "personalize:DescribeRecommender",
      "personalize:StartRecommender",
      "personalize:StopRecommender",
      "personalize:DeleteRecommender",
      "personalize:CreateDataDeletionJob",
      "personalize:DescribeDataDeletionJob",
    ]);
    // Names of this project only; a dataset's ARN (dataset/GROUP/ITEMS) holds its group's name.
    expect(workflow?.Resource).to.include.members([
      `${p}:dataset-group/roadmapx-*`,
      `${p}:dataset/roadmapx-*`,
      `${p}:campaign/roadmapx-*`,
      `${p}:filter/roadmapx-*`,
      `${p}:recommender/roadmapx-*`,
      `${p}:data-deletion-job/roadmapx-*`,
    ]);
    expect(workflow?.Condition).to.equal(undefined);
    expect(sid("AiCallsWithoutResourceScope")?.Action).to.include.members(["personalize:ListFilters", "personalize:ListRecommenders"]);
    // No call lists deletion jobs; nothing else of Personalize is on "*".
    const star = doc.Statement.filter((s) => s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*")));
    const starPersonalize = star.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => a.startsWith("personalize:"));
    expect(starPersonalize.filter((a) => !a.startsWith("personalize:List"))).to.deep.equal(["personalize:PutEvents"]);
    expect(starPersonalize).to.not.include("personalize:ListDataDeletionJobs");
    // CreateDataDeletionJob hands over the Personalize role: the one PassRole statement for it, to Personalize only.
    expect(sid("PassPersonalizeRole")).to.deep.equal({
      Sid: "PassPersonalizeRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: ["arn:aws:iam::111122223333:role/p"],
      Condition: { StringEquals: { "iam:PassedToService": "personalize.amazonaws.com" } },
    });
  });

  it("tags on Personalize creates: TagResource on what the tagged creates make, with the project tag and no other key", () => {
    const doc = applicationPolicy({ target, bucket: "b", personalizeRoleArn: "arn:p", sagemakerRoleArn: "arn:s", resourceNamePrefix: "acme" });
    const p = "arn:aws:personalize:eu-west-1:111122223333";
    expect(doc.Statement.find((s) => s.Sid === "PersonalizeTagOnCreate")).to.deep.equal({
      Sid: "PersonalizeTagOnCreate",
      Effect: "Allow",
      Action: "personalize:TagResource",
      // The batch jobs by this project's names (the stack's prefix); trackers' ARNs hold an id: any tracker.
      Resource: [`${p}:batch-inference-job/acme-*`, `${p}:batch-segment-job/acme-*`, `${p}:event-tracker/*`],
      Condition: {
        StringEquals: { "aws:RequestTag/project": "roadmapx-ai" },
        "ForAllValues:StringEquals": { "aws:TagKeys": ["project"] },
      },
    });
    // The one statement granting it.
    const granting = doc.Statement.filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes("personalize:TagResource"));
    expect(granting.map((s) => s.Sid)).to.deep.equal(["PersonalizeTagOnCreate"]);
  });

  it("adds the KMS statement only when a key is given", () => {
    const key = "arn:aws:kms:eu-west-1:111122223333:key/k-1";
    const withKey = serviceRolePolicy(SERVICES.personalize, { target, bucket: "b", kmsKeyArn: key });
    expect(withKey.Statement.at(-1)).to.deep.equal({
      Sid: "PersonalizeUseBucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
      Resource: [key],
    });
    const without = serviceRolePolicy(SERVICES.personalize, { target, bucket: "b" });
    expect(JSON.stringify(without)).not.to.include("kms:");
  });

  it("the artifacts bucket policy is a TLS-only Deny plus Personalize's statements", () => {
    const doc = artifactsBucketPolicy("aws", "ai-bucket", "123456789012");
    expect(doc.Statement[0]).to.deep.equal({
      Sid: "RoadmapxAiDenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::ai-bucket", "arn:aws:s3:::ai-bucket/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(doc.Statement.slice(1)).to.deep.equal(personalizeBucketPolicyStatements("aws", "ai-bucket", "123456789012"));
  });

  it("Personalize's bucket statements admit the service only for this account (aws:SourceAccount)", () => {
    const statements = personalizeBucketPolicyStatements("aws", "app", "444455556666");
    expect(statements).to.have.length(2);
    for (const s of statements) {
      expect(s.Principal).to.deep.equal({ Service: "personalize.amazonaws.com" });
      expect(s.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": "444455556666" } });
    }
  });

  describe("mergeBucketPolicy", () => {
    const ours = personalizeBucketPolicyStatements("aws", "app", "123456789012");
    const ownerStatement = {
      Sid: "AppCdnRead",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:role/cdn" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::app/public/*",
    };

    it("with no existing policy, writes ours alone", () => {
      expect(mergeBucketPolicy(undefined, ours)).to.deep.equal({ Version: "2012-10-17", Statement: ours });
    });

    it("keeps every statement of the owner's, Id included, and appends ours", () => {
      const existing = JSON.stringify({ Version: "2012-10-17", Id: "AppPolicy", Statement: [ownerStatement] });
      expect(mergeBucketPolicy(existing, ours)).to.deep.equal({
        Version: "2012-10-17",
        Id: "AppPolicy",
        Statement: [ownerStatement, ...ours],
      });
    });

    it("accepts a single statement object (not a list) as S3 allows", () => {
      const existing = JSON.stringify({ Version: "2012-10-17", Statement: ownerStatement });
      expect(mergeBucketPolicy(existing, ours).Statement).to.deep.equal([ownerStatement, ...ours]);
    });

    it("is idempotent: merging into its own result replaces our statements instead of duplicating them", () => {
      const once = mergeBucketPolicy(JSON.stringify({ Version: "2012-10-17", Statement: [ownerStatement] }), ours);
      const twice = mergeBucketPolicy(JSON.stringify(once), ours);
      expect(twice).to.deep.equal(once);
    });

    it("refreshes a stale copy of our statement (same Sid) rather than keeping both", () => {
      const stale = { ...ours[0], Resource: ["arn:aws:s3:::old-name"] };
      const merged = mergeBucketPolicy(JSON.stringify({ Version: "2012-10-17", Statement: [stale, ownerStatement] }), ours);
      expect(merged.Statement).to.deep.equal([ownerStatement, ...ours]);
    });

    it("keeps a 2008-10-17 Version, under which the owner's statements were written", () => {
      const existing = JSON.stringify({ Version: "2008-10-17", Statement: [ownerStatement] });
      expect(mergeBucketPolicy(existing, ours).Version).to.equal("2008-10-17");
    });

    it("refuses a policy it cannot read rather than dropping it", () => {
      expect(() => mergeBucketPolicy("{not json", ours)).to.throw(BucketPolicyMergeError, /not valid JSON/);
      expect(() => mergeBucketPolicy('{"Version":"2012-10-17"}', ours)).to.throw(BucketPolicyMergeError, /no Statement/);
    });
  });
});
