/**
 * Details of core/application-requests.ts the main suite leaves open: SageMaker's tag-on-create
 * requests use the lowercased name too, and a probe's pattern is anchored at both ends and lets a
 * generated id stand for one path segment only.
 */
import { expect } from "chai";
import { applicationRequests, probeCovering, requestPattern } from "../../core/application-requests";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const ARGS = { target: TARGET, bucket: "roadmapx-files", resourceNamePrefix: "RoadmapX" };
const arn = (service: string, path: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${path}`;

describe("applicationRequests and requestPattern (review)", () => {
  const requests = applicationRequests(ARGS);

  it("SageMaker's AddTags on each created resource uses the lowercased name, one per Create call", () => {
    const tags = requests.filter((r) => r.action === "sagemaker:AddTags");
    expect(tags.map((r) => [r.resource, r.context["sagemaker:TaggingAction"], r.grantedBy])).to.deep.equal([
      [arn("sagemaker", "training-job/roadmapx-verify-probe"), "CreateTrainingJob", "SageMakerTagOnCreate"],
      [arn("sagemaker", "model/roadmapx-verify-probe"), "CreateModel", "SageMakerTagOnCreate"],
      [arn("sagemaker", "endpoint-config/roadmapx-verify-probe"), "CreateEndpointConfig", "SageMakerTagOnCreate"],
      [arn("sagemaker", "endpoint/roadmapx-verify-probe"), "CreateEndpoint", "SageMakerTagOnCreate"],
      [arn("sagemaker", "transform-job/roadmapx-verify-probe"), "CreateTransformJob", "SageMakerTagOnCreate"],
    ]);
  });

  it("the pattern is anchored at the end: a longer bucket or resource name is not covered", () => {
    const cover = (action: string, resource: string) => probeCovering(requests, action, resource)?.grantedBy;
    expect(cover("s3:ListBucket", "arn:aws:s3:::roadmapx-files")).to.equal("AiPrefixesList");
    expect(cover("s3:ListBucket", "arn:aws:s3:::roadmapx-files-other")).to.equal(undefined);
    expect(cover("s3:ListBucket", "xarn:aws:s3:::roadmapx-files")).to.equal(undefined);
    const list = requests.find((r) => r.action === "s3:ListBucket");
    if (!list) throw new Error("no ListBucket probe");
    expect(requestPattern(list).source.startsWith("^")).to.equal(true);
    expect(requestPattern(list).source.endsWith("$")).to.equal(true);
  });

  it("a generated id stands for one path segment, not for a path", () => {
    const cover = (action: string, resource: string) => probeCovering(requests, action, resource)?.grantedBy;
    expect(cover("personalize:DeleteEventTracker", arn("personalize", "event-tracker/5224a050"))).to.equal("PersonalizeTaggedEventTrackers");
    expect(cover("personalize:DeleteEventTracker", arn("personalize", "event-tracker/5224a050/extra"))).to.equal(undefined);
    expect(cover("personalize:DescribeSolutionVersion", arn("personalize", "solution/RoadmapX-recs/f86c9013"))).to.equal("PersonalizeWorkflow");
    expect(cover("personalize:DescribeSolutionVersion", arn("personalize", "solution/RoadmapX-recs/a/b"))).to.equal(undefined);
    // A name of this project is one segment too.
    expect(cover("personalize:CreateSchema", arn("personalize", "schema/RoadmapX-a/b"))).to.equal(undefined);
  });
});
