/**
 * The requests the application (the RoadmapX backend) makes, as IAM sees them: action, the resource
 * each one acts on, and the request context that decides conditions. Built from APPLICATION (the
 * requirements model) with sample names of this project (`<prefix>-verify-probe`); verify's app.*
 * checks evaluate each against the backend's policies, and the IAM gate's integration test checks that
 * every request the services really send has its probe here.
 *
 * Resources follow the Service Authorization Reference, as the IAM gate maps them: a Create call acts
 * on the new resource and on the parent it names (a dataset and its group, an import job and its
 * dataset, a campaign and its solution version, a filter, recommender or data deletion job and its
 * dataset group, an endpoint and its config); an event tracker's ARN holds a generated id; SageMaker
 * writes names lowercased into ARNs. Tags on a Create call are asked as tag-on-create on the new
 * resource (SageMaker AddTags, Personalize TagResource).
 */
import { s3BucketArn } from "./iam";
import { PROJECT_TAG } from "./resource-names";
import { APPLICATION, PREFIXES, type PrefixName } from "./requirements";
import type { AwsTarget } from "./iam";

/** Which of verify's app.* checks asks about a request. */
export type ApplicationService = "s3" | "personalize" | "sagemaker" | "comprehend";

export interface ApplicationRequest {
  service: ApplicationService;
  action: string;
  resource: string;
  /** Request-specific context keys (the principal's global keys are the evaluator's to add). */
  context: Record<string, string | string[]>;
  /** The application policy statement (core/policies.ts) that grants it. */
  grantedBy: string;
}

export interface ApplicationRequestArgs {
  target: AwsTarget;
  bucket: string;
  resourceNamePrefix: string;
  /** The bucket's SSE-KMS key: uploads and downloads then use it through S3. */
  kmsKeyArn?: string | undefined;
}

/** An object key under each application prefix that nobody will ever create. */
export const APPLICATION_PROBE_KEY = "roadmapx-ai-verify/probe.csv";
/** What follows `<prefix>-` in the sample names, and the sample of a generated id. */
const SAMPLE_NAME = "verify-probe";
const SAMPLE_ID = "0a1b2c3d";
/** The dataset type of the sample dataset ARN, and the types a dataset ARN may end with. */
const SAMPLE_DATASET_TYPE = "INTERACTIONS";
const DATASET_TYPES_IN_ARNS = ["INTERACTIONS", "ITEMS", "USERS"];

/** Personalize actions → the resources each acts on, as paths after `account:` (P: a sample owned name). */
function personalizePaths(p: string): Record<(typeof APPLICATION.personalize.resourceActions)[number], string[]> {
  const group = `dataset-group/${p}`;
  const dataset = `dataset/${p}/${SAMPLE_DATASET_TYPE}`;
  const solution = `solution/${p}`;
  const version = `solution/${p}/${SAMPLE_ID}`;
  const campaign = `campaign/${p}`;
  const filter = `filter/${p}`;
  const recommender = `recommender/${p}`;
  const deletionJob = `data-deletion-job/${p}`;
  return {
    "personalize:CreateSchema": [`schema/${p}`],
    "personalize:DescribeSchema": [`schema/${p}`],
    "personalize:DeleteSchema": [`schema/${p}`],
    "personalize:CreateDatasetGroup": [group],
    "personalize:DescribeDatasetGroup": [group],
    "personalize:DeleteDatasetGroup": [group],
    "personalize:CreateDataset": [dataset, group],
    "personalize:DescribeDataset": [dataset],
    "personalize:DeleteDataset": [dataset],
    "personalize:CreateDatasetImportJob": [`dataset-import-job/${p}`, dataset],
    "personalize:DescribeDatasetImportJob": [`dataset-import-job/${p}`],
    "personalize:CreateSolution": [solution, group],
    "personalize:DescribeSolution": [solution],
    "personalize:DeleteSolution": [solution],
    "personalize:CreateSolutionVersion": [solution],
    "personalize:DescribeSolutionVersion": [version],
    "personalize:GetSolutionMetrics": [version],
    "personalize:CreateCampaign": [campaign, version],
    "personalize:DescribeCampaign": [campaign],
    "personalize:DeleteCampaign": [campaign],
    // The reference lists `campaign` as GetRecommendations' only resource type, and the evaluator
    // calls a request on a recommender's ARN invalid: the probe asks about the campaign. (The
    // policy's statement lists `recommender/<prefix>-*` too, for a call that names a recommender.)
    "personalize:GetRecommendations": [campaign],
    "personalize:CreateBatchInferenceJob": [`batch-inference-job/${p}`, version],
    "personalize:DescribeBatchInferenceJob": [`batch-inference-job/${p}`],
    "personalize:CreateBatchSegmentJob": [`batch-segment-job/${p}`],
    "personalize:DescribeBatchSegmentJob": [`batch-segment-job/${p}`],
    "personalize:CreateFilter": [filter, group],
    "personalize:DescribeFilter": [filter],
    "personalize:DeleteFilter": [filter],
    "personalize:GetPersonalizedRanking": [campaign],
    "personalize:PutItems": [`dataset/${p}/ITEMS`],
    "personalize:PutUsers": [`dataset/${p}/USERS`],
    "personalize:CreateRecommender": [recommender, group],
    "personalize:DescribeRecommender": [recommender],
    "personalize:StartRecommender": [recommender],
    "personalize:StopRecommender": [recommender],
    "personalize:DeleteRecommender": [recommender],
    "personalize:CreateDataDeletionJob": [deletionJob, group],
    "personalize:DescribeDataDeletionJob": [deletionJob],
  };
}

/** SageMaker actions → resources (names lowercased, as SageMaker writes them into ARNs). */
function sageMakerPaths(p: string): Record<(typeof APPLICATION.sagemaker.resourceActions)[number], string[]> {
  const name = p.toLowerCase();
  return {
    "sagemaker:CreateTrainingJob": [`training-job/${name}`],
    "sagemaker:DescribeTrainingJob": [`training-job/${name}`],
    "sagemaker:StopTrainingJob": [`training-job/${name}`],
    "sagemaker:CreateModel": [`model/${name}`],
    "sagemaker:DeleteModel": [`model/${name}`],
    "sagemaker:CreateEndpointConfig": [`endpoint-config/${name}`],
    "sagemaker:DeleteEndpointConfig": [`endpoint-config/${name}`],
    "sagemaker:CreateEndpoint": [`endpoint/${name}`, `endpoint-config/${name}`],
    "sagemaker:DescribeEndpoint": [`endpoint/${name}`],
    "sagemaker:DeleteEndpoint": [`endpoint/${name}`],
    "sagemaker:InvokeEndpoint": [`endpoint/${name}`],
    "sagemaker:CreateTransformJob": [`transform-job/${name}`],
    "sagemaker:DescribeTransformJob": [`transform-job/${name}`],
    "sagemaker:StopTransformJob": [`transform-job/${name}`],
  };
}

/** The resource type each tagged SageMaker Create call makes. */
const SAGEMAKER_CREATED: Record<(typeof APPLICATION.sagemaker.tagOnCreate.createCalls)[number], string> = {
  CreateTrainingJob: "training-job",
  CreateModel: "model",
  CreateEndpointConfig: "endpoint-config",
  CreateEndpoint: "endpoint",
  CreateTransformJob: "transform-job",
};

/** `comprehend:StartKeyPhrasesDetectionJob` → `key-phrases-detection-job` (the job's resource type). */
function comprehendJobType(action: string): string {
  const kind = /^comprehend:(?:Start|Describe|Stop)(\w+)DetectionJob$/.exec(action)?.[1];
  const type = kind && `${kind.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}-detection-job`;
  if (!type || !(APPLICATION.comprehend.jobs.resourceTypes as readonly string[]).includes(type)) throw new Error(`no Comprehend job type for ${action}`);
  return type;
}

export function applicationRequests(args: ApplicationRequestArgs): ApplicationRequest[] {
  const { partition, region, accountId } = args.target;
  const sample = `${args.resourceNamePrefix}-${SAMPLE_NAME}`;
  const arn = (service: string, path: string) => `arn:${partition}:${service}:${region}:${accountId}:${path}`;
  const requests: ApplicationRequest[] = [];
  const add = (service: ApplicationService, action: string, resource: string, grantedBy: string, context: ApplicationRequest["context"] = {}) =>
    requests.push({ service, action, resource, grantedBy, context });
  const tag = PROJECT_TAG;

  // S3: objects under each prefix the application writes or reads, and listing with each prefix.
  const object = (prefix: PrefixName) => `arn:${partition}:s3:::${args.bucket}/${PREFIXES[prefix]}${APPLICATION_PROBE_KEY}`;
  for (const action of APPLICATION.s3.write.actions) for (const prefix of APPLICATION.s3.write.prefixes) add("s3", action, object(prefix), "AiPrefixesWrite");
  for (const action of APPLICATION.s3.read.actions) for (const prefix of APPLICATION.s3.read.prefixes) add("s3", action, object(prefix), "ModelArtifactsRead");
  for (const action of APPLICATION.s3.jobOutput.actions) {
    for (const prefix of APPLICATION.s3.jobOutput.prefixes) add("s3", action, object(prefix), "JobOutputReadAndRemove");
  }
  for (const prefix of APPLICATION.s3.listPrefixes) {
    add("s3", "s3:ListBucket", s3BucketArn(partition, args.bucket), "AiPrefixesList", { "s3:prefix": PREFIXES[prefix] });
  }
  if (args.kmsKeyArn) {
    // Through S3 only: the request S3 makes to KMS on the caller's behalf carries kms:ViaService.
    for (const action of APPLICATION.kmsActions) add("s3", action, args.kmsKeyArn, "UseBucketKey", { "kms:ViaService": `s3.${region}.amazonaws.com` });
  }

  // Personalize: each call on each resource it acts on; event trackers by tag; the rest on "*".
  for (const [action, paths] of Object.entries(personalizePaths(sample))) {
    for (const path of paths) add("personalize", action, arn("personalize", path), "PersonalizeWorkflow");
  }
  const created = { [`aws:RequestTag/${tag.key}`]: tag.value, "aws:TagKeys": [tag.key] };
  add("personalize", APPLICATION.personalize.eventTrackers.create, arn("personalize", "event-tracker/*"), "PersonalizeCreateTaggedEventTracker", created);
  add(
    "personalize",
    APPLICATION.personalize.eventTrackers.create,
    arn("personalize", `dataset-group/${sample}`),
    "PersonalizeCreateTaggedEventTracker",
    created,
  );
  for (const action of APPLICATION.personalize.eventTrackers.onTagged) {
    add("personalize", action, arn("personalize", `event-tracker/${SAMPLE_ID}`), "PersonalizeTaggedEventTrackers", {
      [`aws:ResourceTag/${tag.key}`]: tag.value,
    });
  }
  // Tag-on-create: TagResource on the resource each tagged Create makes, as the gate maps it (a
  // tracker's ARN is not known before it exists: `event-tracker/*`), with the project tag only.
  for (const call of APPLICATION.personalize.tagOnCreate.createCalls) {
    const type = APPLICATION.personalize.tagOnCreate.created[call];
    const path = (APPLICATION.personalize.ownedResourceTypes as readonly string[]).includes(type) ? `${type}/${sample}` : `${type}/*`;
    add("personalize", APPLICATION.personalize.tagOnCreate.action, arn("personalize", path), "PersonalizeTagOnCreate", created);
  }
  for (const action of APPLICATION.personalize.anyResource) add("personalize", action, "*", "AiCallsWithoutResourceScope");

  // SageMaker: each call on its resources; tag-on-create as AddTags on the new resource.
  for (const [action, paths] of Object.entries(sageMakerPaths(sample))) {
    for (const path of paths) add("sagemaker", action, arn("sagemaker", path), "SageMakerWorkflow");
  }
  for (const call of APPLICATION.sagemaker.tagOnCreate.createCalls) {
    add("sagemaker", APPLICATION.sagemaker.tagOnCreate.action, arn("sagemaker", `${SAGEMAKER_CREATED[call]}/${sample.toLowerCase()}`), "SageMakerTagOnCreate", {
      "sagemaker:TaggingAction": call,
    });
  }
  for (const action of APPLICATION.sagemaker.anyResource) add("sagemaker", action, "*", "AiCallsWithoutResourceScope");

  // Comprehend's built-in models have no ARN; its analysis jobs' ARNs hold a generated id.
  for (const action of APPLICATION.comprehend.anyResource) add("comprehend", action, "*", "AiCallsWithoutResourceScope");
  for (const action of APPLICATION.comprehend.jobs.resourceActions) {
    add("comprehend", action, arn("comprehend", `${comprehendJobType(action)}/${SAMPLE_ID}`), "ComprehendAnalysisJobs");
  }
  for (const action of APPLICATION.comprehend.jobs.list) add("comprehend", action, "*", "AiCallsWithoutResourceScope");
  return requests;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The requests a probe stands for: its resource with the sample name as any name of this project,
 * the sample id as any id, and the probe key as any key under the prefix.
 */
export function requestPattern(request: ApplicationRequest): RegExp {
  const source = escapeRegExp(request.resource)
    .replace(escapeRegExp(APPLICATION_PROBE_KEY), ".+")
    .replaceAll(SAMPLE_NAME, "[^/]+")
    .replaceAll(SAMPLE_ID, "[^/]+")
    // The policy scopes a dataset by its group's name, whatever its type: the sample Interactions
    // dataset stands for the group's Items and Users datasets too.
    .replace(new RegExp(`(:dataset/.+)/${SAMPLE_DATASET_TYPE}$`), `$1/(?:${DATASET_TYPES_IN_ARNS.join("|")})`);
  return new RegExp(`^${source}$`);
}

/** The probe that stands for a request the services really sent (action and resource), if any. */
export function probeCovering(requests: readonly ApplicationRequest[], action: string, resource: string): ApplicationRequest | undefined {
  return requests.find((r) => r.action === action && requestPattern(r).test(resource));
}
