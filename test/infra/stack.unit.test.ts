/**
 * The repository's stack under Pulumi mocks in every configuration: each resource, policy, output,
 * parent and option asserted. (Over 350 lines: one suite per configuration, each self-contained.)
 */
import { expect } from "chai";
import { STACK_OUTPUT_TYPES, stackOutputTypeProblem } from "../../core/stack-outputs";
import { personalizeBucketPolicyStatements } from "../../core/policies";
import { ACCOUNT, type LoadedStack, NO_SUCH_BUCKET_POLICY, loadStack, onlyResource, parsePolicy, resourcesOfType } from "../helpers/stack";

/** The application's managed policy (the verifier's is the other aws:iam/policy:Policy). */
function applicationPolicyOf(stack: LoadedStack) {
  const found = resourcesOfType(stack, T.policy).filter((r) => r.name.endsWith("-application"));
  if (found.length !== 1) throw new Error(`expected one application policy, found ${found.length}`);
  return found[0] as (typeof found)[number];
}

const T = {
  bucket: "aws:s3/bucket:Bucket",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
};

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001";
const CREATE = { "roadmapx-ai:createArtifactsBucket": "true" };
const MERGE = { "roadmapx-ai:appBucketPolicy": "merge" };
const DERIVED_BUCKET = `roadmapx-ai-dev-artifacts-${ACCOUNT}-us-east-1`;

function rolePolicyOf(stack: LoadedStack, service: "personalize" | "sagemaker" | "comprehend") {
  const policy = resourcesOfType(stack, T.rolePolicy).find((r) => r.name === `roadmapx-ai-dev-${service}-access`);
  if (!policy) throw new Error(`no inline policy for ${service}`);
  return { role: policy.inputs["role"], doc: parsePolicy(policy.inputs["policy"]) };
}

function statement(doc: { Statement: Record<string, unknown>[] }, sid: string): Record<string, unknown> {
  const found = doc.Statement.find((s) => s["Sid"] === sid);
  if (!found) throw new Error(`no statement ${sid} in ${JSON.stringify(doc)}`);
  return found;
}

describe("infra program (Pulumi mocks)", () => {
  describe("default: reuse the application's bucket", () => {
    let stack: LoadedStack;
    before(async () => {
      stack = await loadStack({ "roadmapx-ai:appBucketName": "roadmapx-files" });
    });

    it("declares no S3 resource at all: the app bucket and its policy are never created, replaced or written", () => {
      expect(stack.resources.filter((r) => r.type.startsWith("aws:s3"))).to.deep.equal([]);
      expect(stack.invokes).not.to.include("aws:s3/getBucketPolicy:getBucketPolicy");
    });

    it("declares exactly three roles, their inline policies, the application policy and the verifier's", () => {
      const custom = stack.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`);
      expect(custom.sort()).to.deep.equal(
        [
          `${T.policy} roadmapx-ai-dev-application`,
          `${T.policy} roadmapx-ai-dev-verifier`,
          `${T.role} roadmapx-ai-dev-personalize`,
          `${T.role} roadmapx-ai-dev-sagemaker`,
          `${T.role} roadmapx-ai-dev-comprehend`,
          `${T.rolePolicy} roadmapx-ai-dev-personalize-access`,
          `${T.rolePolicy} roadmapx-ai-dev-sagemaker-access`,
          `${T.rolePolicy} roadmapx-ai-dev-comprehend-access`,
        ].sort(),
      );
    });

    it("parents everything to one AiServicesAccess, whose components alias their pre-0.2 place at the top of the stack", () => {
      const access = stack.resources.filter((r) => r.type === "roadmapx-ai:index:AiServicesAccess");
      expect(access.map((r) => r.name)).to.deep.equal(["roadmapx-ai-dev"]);
      const children = stack.resources.filter((r) => r.options.parent === "roadmapx-ai-dev");
      expect(children.map((r) => `${r.type} ${r.name}`).sort()).to.deep.equal([
        "roadmapx-ai:iam:ApplicationPolicy roadmapx-ai-dev-application",
        "roadmapx-ai:iam:ServiceRole roadmapx-ai-dev-comprehend",
        "roadmapx-ai:iam:ServiceRole roadmapx-ai-dev-personalize",
        "roadmapx-ai:iam:ServiceRole roadmapx-ai-dev-sagemaker",
        "roadmapx-ai:iam:VerifierPolicy roadmapx-ai-dev-verifier",
      ]);
      // The verifier's policy and the Comprehend role are new in 0.3: they never lived at the top of the stack.
      const isNew = (c: { name: string }) => c.name.endsWith("-verifier") || c.name.endsWith("-comprehend");
      for (const child of children.filter((c) => !isNew(c))) expect(child.options.aliases, child.name).to.deep.equal([{ parent: "stack" }]);
      for (const child of children.filter(isNew)) expect(child.options.aliases ?? [], child.name).to.deep.equal([]);
    });

    it("the contract's type check refuses what is not of the output's type (an array for prefixes, a number for a name)", () => {
      expect(stackOutputTypeProblem("prefixes", [])).to.equal('"prefixes" must be an object');
      expect(stackOutputTypeProblem("prefixes", null)).to.equal('"prefixes" must be an object');
      expect(stackOutputTypeProblem("artifactsBucketName", 7)).to.equal('"artifactsBucketName" must be a string');
      expect(stackOutputTypeProblem("artifactsBucketCreated", "true")).to.equal('"artifactsBucketCreated" must be true or false');
      expect(stackOutputTypeProblem("kmsKeyArn", null)).to.equal(undefined);
    });

    it("exports exactly the keys of core's stack-outputs contract, each of its JSON type", () => {
      expect(Object.keys(stack.outputs).sort()).to.deep.equal(Object.keys(STACK_OUTPUT_TYPES).sort());
      for (const key of Object.keys(STACK_OUTPUT_TYPES) as (keyof typeof STACK_OUTPUT_TYPES)[]) {
        expect(stackOutputTypeProblem(key, stack.outputs[key]), key).to.equal(undefined);
      }
    });

    it("exports every docs/DESIGN.md output key with the reused bucket", () => {
      expect(stack.outputs).to.include({
        artifactsBucketName: "roadmapx-files",
        artifactsBucketCreated: false,
        personalizeRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`,
        sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`,
        comprehendRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-comprehend`,
        region: "us-east-1",
        appPolicyArn: `arn:aws:iam::${ACCOUNT}:policy/roadmapx-ai-dev-application`,
        verifierPolicyArn: `arn:aws:iam::${ACCOUNT}:policy/roadmapx-ai-dev-verifier`,
        appBucketName: "roadmapx-files",
        appBucketPolicyMode: "output",
        resourceNamePrefix: "roadmapx",
      });
      expect(stack.outputs.prefixes).to.deep.equal({
        userUploads: "user-uploads/",
        personalize: "personalize/",
        training: "sagemaker/training/",
        models: "models/",
        personalizeBatch: "personalize/batch/",
        comprehendInput: "comprehend/input/",
        comprehendOutput: "comprehend/output/",
        transformInput: "sagemaker/transform/input/",
        transformOutput: "sagemaker/transform/output/",
      });
    });

    it("exports the exact bucket-policy statements Personalize needs, pinned to this account, for the user to add", () => {
      const pinned = { StringEquals: { "aws:SourceAccount": ACCOUNT } };
      expect(JSON.parse(stack.outputs.personalizeBucketPolicyStatements)).to.deep.equal([
        {
          Sid: "RoadmapxAiPersonalizeList",
          Effect: "Allow",
          Principal: { Service: "personalize.amazonaws.com" },
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::roadmapx-files"],
          Condition: pinned,
        },
        {
          Sid: "RoadmapxAiPersonalizeObjects",
          Effect: "Allow",
          Principal: { Service: "personalize.amazonaws.com" },
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: ["arn:aws:s3:::roadmapx-files/personalize/*"],
          Condition: pinned,
        },
      ]);
    });

    it("the Personalize role trusts personalize.amazonaws.com only, pinned to this account and region", () => {
      const role = resourcesOfType(stack, T.role).find((r) => r.name === "roadmapx-ai-dev-personalize");
      expect(parsePolicy(role?.inputs["assumeRolePolicy"])).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "PersonalizeAssumeRole",
            Effect: "Allow",
            Principal: { Service: "personalize.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": ACCOUNT },
              ArnLike: { "aws:SourceArn": `arn:aws:personalize:us-east-1:${ACCOUNT}:*` },
            },
          },
        ],
      });
    });

    it("the SageMaker role trusts sagemaker.amazonaws.com only, pinned to this account and region", () => {
      const role = resourcesOfType(stack, T.role).find((r) => r.name === "roadmapx-ai-dev-sagemaker");
      const doc = parsePolicy(role?.inputs["assumeRolePolicy"]);
      expect(doc.Statement).to.have.length(1);
      expect(doc.Statement[0]).to.deep.include({
        Effect: "Allow",
        Principal: { Service: "sagemaker.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": ACCOUNT },
          ArnLike: { "aws:SourceArn": `arn:aws:sagemaker:us-east-1:${ACCOUNT}:*` },
        },
      });
    });

    it("the Comprehend role trusts comprehend.amazonaws.com only, pinned to this account and region (aws:SourceAccount and aws:SourceArn)", () => {
      const role = resourcesOfType(stack, T.role).find((r) => r.name === "roadmapx-ai-dev-comprehend");
      expect(role?.options.parent).to.equal("roadmapx-ai-dev-comprehend");
      expect(role?.inputs["tags"]).to.deep.equal({ project: "roadmapx-ai", stack: "dev", "managed-by": "pulumi" });
      expect(parsePolicy(role?.inputs["assumeRolePolicy"])).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ComprehendAssumeRole",
            Effect: "Allow",
            Principal: { Service: "comprehend.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: {
              StringEquals: { "aws:SourceAccount": ACCOUNT },
              ArnLike: { "aws:SourceArn": `arn:aws:comprehend:us-east-1:${ACCOUNT}:*` },
            },
          },
        ],
      });
    });

    it("the Comprehend role may list the bucket, read comprehend/input/ and write comprehend/output/, nothing else (no key: no KMS)", () => {
      const { role, doc } = rolePolicyOf(stack, "comprehend");
      expect(role).to.equal("roadmapx-ai-dev-comprehend");
      expect(doc.Statement).to.deep.equal([
        { Sid: "ComprehendListBucket", Effect: "Allow", Action: ["s3:ListBucket"], Resource: ["arn:aws:s3:::roadmapx-files"] },
        { Sid: "ComprehendReadInput", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::roadmapx-files/comprehend/input/*"] },
        { Sid: "ComprehendWriteOutput", Effect: "Allow", Action: ["s3:PutObject"], Resource: ["arn:aws:s3:::roadmapx-files/comprehend/output/*"] },
      ]);
    });

    it("the Personalize role may list the bucket and read/write personalize/ only", () => {
      const { role, doc } = rolePolicyOf(stack, "personalize");
      expect(role).to.equal("roadmapx-ai-dev-personalize");
      expect(doc.Statement).to.deep.equal([
        {
          Sid: "PersonalizeListBucket",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: ["arn:aws:s3:::roadmapx-files"],
        },
        {
          Sid: "PersonalizeReadDatasets",
          Effect: "Allow",
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::roadmapx-files/personalize/*"],
        },
        {
          Sid: "PersonalizeWriteOutput",
          Effect: "Allow",
          Action: ["s3:PutObject"],
          Resource: ["arn:aws:s3:::roadmapx-files/personalize/*"],
        },
      ]);
    });

    it("the SageMaker role reads training data and models, writes models, and has logs, metrics and image pull", () => {
      const { doc } = rolePolicyOf(stack, "sagemaker");
      expect(doc.Statement.map((s) => s["Sid"])).to.deep.equal([
        "SageMakerListBucket",
        "SageMakerReadData",
        "SageMakerWriteModels",
        "SageMakerWriteTransformOutput",
        "SageMakerLogs",
        "SageMakerMetrics",
        "EcrAuthorizationToken",
        "EcrImagePull",
      ]);
      expect(statement(doc, "SageMakerListBucket")).to.deep.include({
        Action: ["s3:ListBucket"],
        Resource: ["arn:aws:s3:::roadmapx-files"],
      });
      expect(statement(doc, "SageMakerReadData")).to.deep.include({
        Action: ["s3:GetObject"],
        Resource: [
          "arn:aws:s3:::roadmapx-files/sagemaker/training/*",
          "arn:aws:s3:::roadmapx-files/models/*",
          "arn:aws:s3:::roadmapx-files/sagemaker/transform/input/*",
        ],
      });
      expect(statement(doc, "SageMakerWriteModels")).to.deep.include({
        Action: ["s3:PutObject", "s3:DeleteObject"],
        Resource: ["arn:aws:s3:::roadmapx-files/models/*"],
      });
      // Batch transform runs with the model's execution role: it writes <input>.out, never deletes.
      expect(statement(doc, "SageMakerWriteTransformOutput")).to.deep.include({
        Action: ["s3:PutObject"],
        Resource: ["arn:aws:s3:::roadmapx-files/sagemaker/transform/output/*"],
      });
      expect(statement(doc, "SageMakerLogs")).to.deep.include({
        Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
        Resource: [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/*`, `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/*:log-stream:*`],
      });
      expect(statement(doc, "SageMakerMetrics")).to.deep.include({
        Action: ["cloudwatch:PutMetricData"],
        Resource: ["*"],
        Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
      });
      expect(statement(doc, "EcrAuthorizationToken")).to.deep.include({
        Action: ["ecr:GetAuthorizationToken"],
        Resource: ["*"],
      });
      expect(statement(doc, "EcrImagePull")).to.deep.include({
        Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
        Resource: [`arn:aws:ecr:us-east-1:${ACCOUNT}:repository/*`],
      });
    });

    it("the application policy passes each role only to its own service", () => {
      const doc = parsePolicy(applicationPolicyOf(stack).inputs["policy"]);
      expect(statement(doc, "PassPersonalizeRole")).to.deep.equal({
        Sid: "PassPersonalizeRole",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [`arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`],
        Condition: { StringEquals: { "iam:PassedToService": "personalize.amazonaws.com" } },
      });
      expect(statement(doc, "PassSageMakerRole")).to.deep.equal({
        Sid: "PassSageMakerRole",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [`arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`],
        Condition: { StringEquals: { "iam:PassedToService": "sagemaker.amazonaws.com" } },
      });
      expect(statement(doc, "PassComprehendRole")).to.deep.equal({
        Sid: "PassComprehendRole",
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: [`arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-comprehend`],
        Condition: { StringEquals: { "iam:PassedToService": "comprehend.amazonaws.com" } },
      });
    });

    it("the application policy scopes AI calls to this account and region and S3 to the AI prefixes", () => {
      const doc = parsePolicy(applicationPolicyOf(stack).inputs["policy"]);
      expect(doc.Statement.map((s) => s["Sid"])).to.deep.equal([
        "PassPersonalizeRole",
        "PassSageMakerRole",
        "PassComprehendRole",
        "PersonalizeWorkflow",
        "PersonalizeCreateTaggedEventTracker",
        "PersonalizeTaggedEventTrackers",
        "PersonalizeTagOnCreate",
        "SageMakerWorkflow",
        "SageMakerTagOnCreate",
        "ComprehendAnalysisJobs",
        "AiCallsWithoutResourceScope",
        "AiPrefixesWrite",
        "ModelArtifactsRead",
        "JobOutputReadAndRemove",
        "AiPrefixesList",
      ]);
      const p = `arn:aws:personalize:us-east-1:${ACCOUNT}`;
      expect(statement(doc, "PersonalizeWorkflow")["Resource"]).to.deep.equal([
        `${p}:schema/roadmapx-*`,
        `${p}:dataset-group/roadmapx-*`,
        `${p}:dataset/roadmapx-*`,
        `${p}:dataset-import-job/roadmapx-*`,
        `${p}:solution/roadmapx-*`,
        `${p}:campaign/roadmapx-*`,
        `${p}:batch-inference-job/roadmapx-*`,
        `${p}:batch-segment-job/roadmapx-*`,
        `${p}:filter/roadmapx-*`,
        `${p}:recommender/roadmapx-*`,
        `${p}:data-deletion-job/roadmapx-*`,
      ]);
      // Tracker ARNs hold a generated id: creation needs our dataset group and our tag, the rest the tag.
      expect(statement(doc, "PersonalizeCreateTaggedEventTracker")).to.deep.include({
        Action: "personalize:CreateEventTracker",
        Resource: [`${p}:dataset-group/roadmapx-*`, `${p}:event-tracker/*`],
        Condition: { StringEquals: { "aws:RequestTag/project": "roadmapx-ai" } },
      });
      expect(statement(doc, "PersonalizeTaggedEventTrackers")).to.deep.include({
        Action: ["personalize:DescribeEventTracker", "personalize:DeleteEventTracker"],
        Resource: [`${p}:event-tracker/*`],
        Condition: { StringEquals: { "aws:ResourceTag/project": "roadmapx-ai" } },
      });
      // Tags on a Create call are TagResource on the new resource: the batch jobs by name, trackers by tag.
      expect(statement(doc, "PersonalizeTagOnCreate")).to.deep.equal({
        Sid: "PersonalizeTagOnCreate",
        Effect: "Allow",
        Action: "personalize:TagResource",
        Resource: [`${p}:batch-inference-job/roadmapx-*`, `${p}:batch-segment-job/roadmapx-*`, `${p}:event-tracker/*`],
        Condition: {
          StringEquals: { "aws:RequestTag/project": "roadmapx-ai" },
          "ForAllValues:StringEquals": { "aws:TagKeys": ["project"] },
        },
      });
      expect(statement(doc, "PersonalizeWorkflow")["Action"]).to.include.members([
        "personalize:CreateDatasetImportJob",
        "personalize:DescribeDatasetImportJob",
        "personalize:GetRecommendations",
        "personalize:CreateBatchInferenceJob",
        "personalize:DescribeBatchSegmentJob",
        "personalize:CreateFilter",
        "personalize:GetPersonalizedRanking",
        "personalize:PutItems",
        "personalize:PutUsers",
        "personalize:CreateRecommender",
        "personalize:StopRecommender",
        "personalize:CreateDataDeletionJob",
        "personalize:DescribeDataDeletionJob",
      ]);
      const s = `arn:aws:sagemaker:us-east-1:${ACCOUNT}`;
      expect(statement(doc, "SageMakerWorkflow")["Resource"]).to.deep.equal([
        `${s}:training-job/roadmapx-*`,
        `${s}:model/roadmapx-*`,
        `${s}:endpoint-config/roadmapx-*`,
        `${s}:endpoint/roadmapx-*`,
        `${s}:transform-job/roadmapx-*`,
      ]);
      expect(statement(doc, "SageMakerTagOnCreate")).to.deep.include({
        Action: "sagemaker:AddTags",
        Resource: statement(doc, "SageMakerWorkflow")["Resource"],
        Condition: {
          StringEquals: { "sagemaker:TaggingAction": ["CreateTrainingJob", "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateTransformJob"] },
        },
      });
      expect(statement(doc, "SageMakerWorkflow")["Action"]).to.include.members([
        "sagemaker:CreateTrainingJob",
        "sagemaker:InvokeEndpoint",
        "sagemaker:CreateTransformJob",
        "sagemaker:StopTransformJob",
      ]);
      // Analysis job ARNs hold a generated id: Start/Describe/Stop on this account's jobs of each type.
      const c = `arn:aws:comprehend:us-east-1:${ACCOUNT}`;
      expect(statement(doc, "ComprehendAnalysisJobs")["Resource"]).to.deep.equal([
        `${c}:sentiment-detection-job/*`,
        `${c}:entities-detection-job/*`,
        `${c}:key-phrases-detection-job/*`,
        `${c}:pii-entities-detection-job/*`,
        `${c}:dominant-language-detection-job/*`,
      ]);
      expect(statement(doc, "ComprehendAnalysisJobs")["Action"]).to.include.members([
        "comprehend:StartSentimentDetectionJob",
        "comprehend:DescribePiiEntitiesDetectionJob",
        "comprehend:StopDominantLanguageDetectionJob",
      ]);
      expect(statement(doc, "AiCallsWithoutResourceScope")["Action"]).to.include.members([
        "comprehend:DetectSentiment",
        "comprehend:BatchDetectEntities",
        "comprehend:ListKeyPhrasesDetectionJobs",
        "personalize:PutEvents",
        "personalize:ListFilters",
        "personalize:ListRecommenders",
      ]);
      expect(statement(doc, "AiPrefixesWrite")).to.deep.include({
        Action: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
        Resource: [
          "arn:aws:s3:::roadmapx-files/personalize/*",
          "arn:aws:s3:::roadmapx-files/sagemaker/training/*",
          "arn:aws:s3:::roadmapx-files/comprehend/input/*",
          "arn:aws:s3:::roadmapx-files/sagemaker/transform/input/*",
        ],
      });
      expect(statement(doc, "ModelArtifactsRead")).to.deep.include({ Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::roadmapx-files/models/*"] });
      // Batch jobs' output: read back, and removed by `cleanup`; the application never writes there.
      expect(statement(doc, "JobOutputReadAndRemove")).to.deep.include({
        Action: ["s3:GetObject", "s3:DeleteObject"],
        Resource: ["arn:aws:s3:::roadmapx-files/comprehend/output/*", "arn:aws:s3:::roadmapx-files/sagemaker/transform/output/*"],
      });
      expect(statement(doc, "AiPrefixesList")).to.deep.include({
        Action: "s3:ListBucket",
        Resource: ["arn:aws:s3:::roadmapx-files"],
        Condition: {
          StringLike: {
            "s3:prefix": [
              "personalize/*",
              "sagemaker/training/*",
              "models/*",
              "comprehend/input/*",
              "comprehend/output/*",
              "sagemaker/transform/input/*",
              "sagemaker/transform/output/*",
            ],
          },
        },
      });
    });

    it("parents every AWS resource to its component", () => {
      const parents = Object.fromEntries(stack.resources.filter((r) => r.custom).map((r) => [`${r.type} ${r.name}`, r.options.parent]));
      expect(parents).to.deep.equal({
        [`${T.role} roadmapx-ai-dev-personalize`]: "roadmapx-ai-dev-personalize",
        [`${T.rolePolicy} roadmapx-ai-dev-personalize-access`]: "roadmapx-ai-dev-personalize",
        [`${T.role} roadmapx-ai-dev-sagemaker`]: "roadmapx-ai-dev-sagemaker",
        [`${T.rolePolicy} roadmapx-ai-dev-sagemaker-access`]: "roadmapx-ai-dev-sagemaker",
        [`${T.role} roadmapx-ai-dev-comprehend`]: "roadmapx-ai-dev-comprehend",
        [`${T.rolePolicy} roadmapx-ai-dev-comprehend-access`]: "roadmapx-ai-dev-comprehend",
        [`${T.policy} roadmapx-ai-dev-application`]: "roadmapx-ai-dev-application",
        [`${T.policy} roadmapx-ai-dev-verifier`]: "roadmapx-ai-dev-verifier",
      });
    });

    it("tags what it creates with project, stack and manager", () => {
      for (const r of [...resourcesOfType(stack, T.role), ...resourcesOfType(stack, T.policy)]) {
        expect(r.inputs["tags"], r.name).to.deep.equal({ project: "roadmapx-ai", stack: "dev", "managed-by": "pulumi" });
      }
    });
  });

  describe("createArtifactsBucket: true", () => {
    let stack: LoadedStack;
    before(async () => {
      stack = await loadStack(CREATE);
    });

    it("creates one bucket with a name derived from project, stack, account and region", () => {
      expect(onlyResource(stack, T.bucket).inputs).to.deep.include({ bucket: DERIVED_BUCKET, forceDestroy: false });
      expect(stack.outputs.artifactsBucketName).to.equal(DERIVED_BUCKET);
      expect(stack.outputs.artifactsBucketCreated).to.equal(true);
      expect(stack.outputs.appBucketPolicyMode).to.equal("not-needed");
    });

    it("derives a bucket-safe name from a stack name with capitals and underscores, as the config check expects", async () => {
      const prod = await loadStack(CREATE, {}, "Prod_EU");
      expect(prod.outputs.artifactsBucketName).to.equal(`roadmapx-ai-prod-eu-artifacts-${ACCOUNT}-us-east-1`);
    });

    it("uses artifactsBucketName when given", async () => {
      const named = await loadStack({ ...CREATE, "roadmapx-ai:artifactsBucketName": "roadmapx-ai-artifacts" });
      expect(onlyResource(named, T.bucket).inputs["bucket"]).to.equal("roadmapx-ai-artifacts");
      expect(named.outputs.artifactsBucketName).to.equal("roadmapx-ai-artifacts");
      expect(rolePolicyOf(named, "personalize").doc.Statement[0]?.["Resource"]).to.deep.equal(["arn:aws:s3:::roadmapx-ai-artifacts"]);
    });

    it("blocks all public access (all four settings)", () => {
      expect(onlyResource(stack, T.publicAccess).inputs).to.deep.equal({
        bucket: `${DERIVED_BUCKET}-id`,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });

    it("disables ACLs (BucketOwnerEnforced)", () => {
      expect(onlyResource(stack, T.ownership).inputs["rule"]).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
    });

    it("encrypts by default with SSE-S3 when no key is configured", () => {
      expect(onlyResource(stack, T.encryption).inputs["rules"]).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
    });

    it("enables versioning", () => {
      expect(onlyResource(stack, T.versioning).inputs["versioningConfiguration"]).to.deep.equal({ status: "Enabled" });
    });

    it("aborts incomplete multipart uploads after 7 days and expires noncurrent versions after 30", () => {
      const lifecycle = onlyResource(stack, T.lifecycle);
      expect(lifecycle.inputs["rules"]).to.deep.equal([
        {
          id: "abort-incomplete-multipart-uploads",
          status: "Enabled",
          filter: {},
          abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        },
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: {},
          noncurrentVersionExpiration: { noncurrentDays: 30 },
          expiration: { expiredObjectDeleteMarker: true },
        },
      ]);
      expect(lifecycle.options.dependsOn).to.deep.equal(["roadmapx-ai-dev-artifacts-versioning"]);
    });

    it("honours noncurrentVersionDays", async () => {
      const s = await loadStack({ ...CREATE, "roadmapx-ai:noncurrentVersionDays": "90" });
      const rules = onlyResource(s, T.lifecycle).inputs["rules"] as Record<string, unknown>[];
      expect(rules[1]?.["noncurrentVersionExpiration"]).to.deep.equal({ noncurrentDays: 90 });
    });

    it("writes a bucket policy with the TLS-only Deny and Personalize's statements, after the public-access block", () => {
      const policy = onlyResource(stack, T.bucketPolicy);
      expect(policy.inputs["bucket"]).to.equal(`${DERIVED_BUCKET}-id`);
      expect(parsePolicy(policy.inputs["policy"])).to.deep.equal({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "RoadmapxAiDenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [`arn:aws:s3:::${DERIVED_BUCKET}`, `arn:aws:s3:::${DERIVED_BUCKET}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
          ...personalizeBucketPolicyStatements("aws", DERIVED_BUCKET, ACCOUNT),
        ],
      });
      expect(policy.options.dependsOn).to.have.members(["roadmapx-ai-dev-artifacts-public-access-block", "roadmapx-ai-dev-artifacts-ownership"]);
    });

    it("uses no deprecated …V2 resource type", () => {
      expect(stack.resources.map((r) => r.type).filter((t) => /V2$/.test(t))).to.deep.equal([]);
    });

    it("the bucket component aliases its pre-0.2 name and place (ai-artifacts, at the top of the stack)", () => {
      const component = stack.resources.find((r) => r.type === "roadmapx-ai:storage:AiArtifactsBucket");
      expect(component?.options).to.deep.include({ parent: "roadmapx-ai-dev", aliases: [{ name: "ai-artifacts", parent: "stack" }] });
    });

    it("parents every bucket resource to the AiArtifactsBucket component", () => {
      const s3 = stack.resources.filter((r) => r.type.startsWith("aws:s3"));
      expect(s3).to.have.length(7);
      for (const r of s3) {
        expect(r.options.parent, r.name).to.equal("roadmapx-ai-dev-artifacts");
        expect(r.urn, r.name).to.include("::roadmapx-ai:storage:AiArtifactsBucket$aws:s3/");
      }
    });

    it("points both roles and the application policy at the new bucket, not the app bucket", () => {
      const all = [rolePolicyOf(stack, "personalize").doc, rolePolicyOf(stack, "sagemaker").doc].map((d) => JSON.stringify(d));
      all.push(String(applicationPolicyOf(stack).inputs["policy"]));
      for (const json of all) {
        expect(json).to.include(`arn:aws:s3:::${DERIVED_BUCKET}`);
        expect(json).not.to.include("roadmapx-files");
      }
    });
  });

  describe("resourceNamePrefix", () => {
    it("scopes every named Personalize and SageMaker resource of the application policy to the stack's own prefix, and exports it", async () => {
      const stack = await loadStack({ "roadmapx-ai:resourceNamePrefix": "rx-prod" });
      const doc = parsePolicy(applicationPolicyOf(stack).inputs["policy"]);
      const named = doc.Statement.flatMap((st) => [st["Resource"]].flat() as string[]).filter((r) => /:(personalize|sagemaker):/.test(r));
      expect(named.filter((r) => !r.endsWith("/rx-prod-*") && !r.endsWith(":event-tracker/*"))).to.deep.equal([]);
      expect(named.filter((r) => r.includes("roadmapx"))).to.deep.equal([]);
      expect(stack.outputs.resourceNamePrefix).to.equal("rx-prod");
    });
  });

  describe("kmsKeyArn", () => {
    it("encrypts the created bucket with SSE-KMS and a bucket key", async () => {
      const stack = await loadStack({ ...CREATE, "roadmapx-ai:kmsKeyArn": KEY });
      expect(onlyResource(stack, T.encryption).inputs["rules"]).to.deep.equal([
        { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY }, bucketKeyEnabled: true },
      ]);
      expect(stack.outputs.kmsKeyArn).to.equal(KEY);
    });

    it("lets each role and the application use the key, with the actions each needs", async () => {
      const stack = await loadStack({ "roadmapx-ai:kmsKeyArn": KEY });
      expect(statement(rolePolicyOf(stack, "personalize").doc, "PersonalizeUseBucketKey")).to.deep.equal({
        Sid: "PersonalizeUseBucketKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
        Resource: [KEY],
      });
      expect(statement(rolePolicyOf(stack, "sagemaker").doc, "SageMakerUseBucketKey")).to.deep.equal({
        Sid: "SageMakerUseBucketKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        Resource: [KEY],
      });
      // The Comprehend role gets the key only when one is configured (its S3 statements are unchanged).
      const comprehend = rolePolicyOf(stack, "comprehend").doc;
      expect(comprehend.Statement.map((st) => st["Sid"])).to.deep.equal([
        "ComprehendListBucket",
        "ComprehendReadInput",
        "ComprehendWriteOutput",
        "ComprehendUseBucketKey",
      ]);
      expect(statement(comprehend, "ComprehendUseBucketKey")).to.deep.equal({
        Sid: "ComprehendUseBucketKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
        Resource: [KEY],
      });
      const app = parsePolicy(applicationPolicyOf(stack).inputs["policy"]);
      expect(statement(app, "UseBucketKey")).to.deep.equal({
        Sid: "UseBucketKey",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: [KEY],
        // Only through S3 in the stack's region: the backend's credentials cannot use the key directly.
        Condition: { StringEquals: { "kms:ViaService": "s3.us-east-1.amazonaws.com" } },
      });
    });

    it("grants no KMS action without a key (the verifier may still describe the account's keys: a bucket can be SSE-KMS without the stack knowing)", async () => {
      const stack = await loadStack();
      for (const r of [...resourcesOfType(stack, T.rolePolicy), ...resourcesOfType(stack, T.policy)]) {
        if (r.name === "roadmapx-ai-dev-verifier") {
          const verifier = parsePolicy(r.inputs["policy"]).Statement.filter((st) => JSON.stringify(st.Action).includes("kms:"));
          expect(verifier).to.deep.equal([
            { Sid: "VerifyKeyReads", Effect: "Allow", Action: ["kms:DescribeKey", "kms:GetKeyPolicy"], Resource: [`arn:aws:kms:us-east-1:${ACCOUNT}:key/*`] },
          ]);
          continue;
        }
        expect(String(r.inputs["policy"]), r.name).not.to.include("kms:");
      }
    });
  });

  describe("appBucketPolicy: merge (the stack owns the app bucket's policy)", () => {
    const owner = {
      Sid: "AppCdnRead",
      Effect: "Allow",
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/cdn` },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::roadmapx-files/public/*",
    };
    const ownerDeny = {
      Sid: "DenyDeleteUploads",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:DeleteObject",
      Resource: "arn:aws:s3:::roadmapx-files/user-uploads/*",
    };

    it("reads the current policy at deploy time and keeps every statement in it", async () => {
      const existing = JSON.stringify({ Version: "2012-10-17", Id: "App", Statement: [owner, ownerDeny] });
      const stack = await loadStack(MERGE, { appBucketPolicy: existing });
      expect(stack.invokes).to.include("aws:s3/getBucketPolicy:getBucketPolicy");
      const policy = onlyResource(stack, T.bucketPolicy);
      expect(policy.inputs["bucket"]).to.equal("roadmapx-files");
      expect(parsePolicy(policy.inputs["policy"])).to.deep.equal({
        Version: "2012-10-17",
        Id: "App",
        Statement: [owner, ownerDeny, ...personalizeBucketPolicyStatements("aws", "roadmapx-files", ACCOUNT)],
      });
      expect(stack.outputs.appBucketPolicyMode).to.equal("merge");
    });

    it("writes Personalize's statements alone when the bucket has no policy", async () => {
      const stack = await loadStack(MERGE, { appBucketPolicy: NO_SUCH_BUCKET_POLICY() });
      expect(parsePolicy(onlyResource(stack, T.bucketPolicy).inputs["policy"]).Statement).to.deep.equal(
        personalizeBucketPolicyStatements("aws", "roadmapx-files", ACCOUNT),
      );
    });

    it("is stable across deployments: a policy it wrote before comes out unchanged", async () => {
      const first = await loadStack(MERGE, {
        appBucketPolicy: JSON.stringify({ Version: "2012-10-17", Statement: [owner] }),
      });
      const written = String(onlyResource(first, T.bucketPolicy).inputs["policy"]);
      const second = await loadStack(MERGE, { appBucketPolicy: written });
      expect(onlyResource(second, T.bucketPolicy).inputs["policy"]).to.equal(written);
    });

    it("leaves the policy in place on destroy (retainOnDelete), so the owner's statements survive", async () => {
      const stack = await loadStack(MERGE, { appBucketPolicy: NO_SUCH_BUCKET_POLICY() });
      const policy = onlyResource(stack, T.bucketPolicy);
      expect(policy.options).to.include({ retainOnDelete: true, parent: "roadmapx-ai-dev-app-bucket-personalize-access" });
      const component = stack.resources.find((r) => r.type === "roadmapx-ai:storage:AppBucketPersonalizeAccess");
      expect(component?.options.aliases).to.deep.equal([{ name: "app-bucket-personalize-access", parent: "stack" }]);
      expect(stack.resources.filter((r) => r.type === T.bucket)).to.deep.equal([]);
    });

    it("stops, and writes nothing, when the current policy cannot be read", async () => {
      let caught: unknown;
      try {
        await loadStack(MERGE, {
          appBucketPolicy: new Error("operation error S3: GetBucketPolicy, https response error StatusCode: 403, AccessDenied"),
        });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/could not read the current policy of bucket "roadmapx-files"/);
      expect(String(caught)).to.match(/refusing to write a new one/);
    });

    it("stops when the current policy is not valid JSON", async () => {
      let caught: unknown;
      try {
        await loadStack(MERGE, { appBucketPolicy: "{broken" });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/not valid JSON/);
    });
  });
});
