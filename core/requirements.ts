/**
 * What each AI service needs from AWS: the one source of truth.
 *
 * infra/ grants exactly this, verify/ checks an account against it, services/ use its prefixes,
 * principals and actions. Plain data plus small pure functions; no Pulumi or AWS SDK import.
 *
 * Least privilege, and where it stops:
 * - Object actions are narrowed to each service's own prefixes (see PREFIXES): Personalize only
 *   touches `personalize/`, SageMaker reads `sagemaker/training/` and `models/` and writes `models/`.
 * - `s3:ListBucket` is granted on the bucket ARN without an `s3:prefix` condition for the service
 *   roles. AWS documents that Personalize and SageMaker need ListBucket but not which prefix they send
 *   (nor that they always send one); a condition that does not match fails the import or training job
 *   with AccessDenied, an hour in. Listing reveals key names only, never content. The application
 *   policy, whose calls we make ourselves, does carry the `s3:prefix` condition. verify/ evaluates
 *   ListBucket with the service's prefix, so a role narrowed by hand still passes.
 * - `*` resources appear only for actions AWS does not scope to a resource (see RESOURCE_STAR_ACTIONS).
 */
import type { AwsTarget, PolicyStatement } from "./iam";

/** The S3 layout: one bucket, one prefix per writer (docs/DESIGN.md). Every prefix ends in "/". */
export const PREFIXES = {
  userUploads: "user-uploads/",
  personalize: "personalize/",
  training: "sagemaker/training/",
  models: "models/",
  /** Personalize batch inference and segment jobs: JSON-lines input, `.out` output (inside `personalize/`). */
  personalizeBatch: "personalize/batch/",
  comprehendInput: "comprehend/input/",
  comprehendOutput: "comprehend/output/",
  /** SageMaker batch transform (the model's execution role reads and writes: no role of its own). */
  transformInput: "sagemaker/transform/input/",
  transformOutput: "sagemaker/transform/output/",
} as const;

export type PrefixName = keyof typeof PREFIXES;

/** Prefixes the AI side may write to; `user-uploads/` belongs to the application alone. */
/** (`personalize/batch/` is inside `personalize/`, so it needs no entry of its own.) */
export const AI_PREFIXES: readonly PrefixName[] = [
  "personalize",
  "training",
  "models",
  "comprehendInput",
  "comprehendOutput",
  "transformInput",
  "transformOutput",
];

export type AiServiceId = "personalize" | "sagemaker" | "comprehend";

/** What the services can ask of Amazon Comprehend, one name per analysis (the CLI's `--ops`). */
export type ComprehendOperation = "sentiment" | "entities" | "key-phrases" | "language" | "pii";
export const COMPREHEND_OPERATIONS: readonly ComprehendOperation[] = ["sentiment", "entities", "key-phrases", "language", "pii"];

export interface ObjectGrant {
  /** Statement id used wherever this grant is written into a policy. */
  sid: string;
  actions: readonly string[];
  prefixes: readonly PrefixName[];
  /** Why the service needs it, shown by verify when it is missing. */
  why: string;
}

export interface BucketGrant {
  sid: string;
  actions: readonly string[];
  /** The prefixes the service lists under; verify evaluates ListBucket with these as `s3:prefix`. */
  listPrefixes: readonly PrefixName[];
  why: string;
}

export interface ServiceRequirement {
  id: AiServiceId;
  title: string;
  /** The service principal that assumes the role (and, for Personalize, reads through the bucket policy). */
  principal: string;
  /** Confused-deputy pin for the trust policy: `aws:SourceArn` must match this pattern. */
  sourceArnPattern(target: AwsTarget): string;
  /** Actions on `arn:aws:s3:::BUCKET` itself. */
  bucket: BucketGrant;
  /** Actions on objects, each narrowed to prefixes. */
  objects: readonly ObjectGrant[];
  /**
   * What the *bucket policy* must also allow the service principal. Personalize checks both its role
   * and the bucket policy before it reads a dataset; SageMaker needs the role alone.
   */
  bucketPolicy?: { bucket: BucketGrant; objects: readonly ObjectGrant[] };
  /** With SSE-KMS: what the role (and the key policy) must allow on the key. */
  kmsActions: readonly string[];
  /** Permissions outside S3 that the service needs to run (SageMaker: logs, metrics, image pull). */
  runtimeStatements(target: AwsTarget): PolicyStatement[];
  /** Concrete requests that prove `runtimeStatements` work; verify/ evaluates these. */
  runtimeProbes(target: AwsTarget): RuntimeProbe[];
  /** A resource ARN of this service in the account, as `aws:SourceArn` when it assumes the role. */
  sampleSourceArn(target: AwsTarget): string;
}

/** One request a service makes at run time, with a representative resource and context. */
export interface RuntimeProbe {
  action: string;
  resource: string;
  context?: Record<string, string>;
  /** The runtime statement (Sid) that grants it. */
  grantedBy: string;
}

const personalize: ServiceRequirement = {
  id: "personalize",
  title: "Amazon Personalize",
  principal: "personalize.amazonaws.com",
  sourceArnPattern: (t) => `arn:${t.partition}:personalize:${t.region}:${t.accountId}:*`,
  bucket: {
    sid: "PersonalizeListBucket",
    actions: ["s3:ListBucket"],
    listPrefixes: ["personalize"],
    why: "Personalize lists the dataset import location before it reads the files",
  },
  objects: [
    {
      sid: "PersonalizeReadDatasets",
      actions: ["s3:GetObject"],
      prefixes: ["personalize"],
      why: "dataset import jobs read the CSV files under personalize/",
    },
    {
      sid: "PersonalizeWriteOutput",
      actions: ["s3:PutObject"],
      prefixes: ["personalize"],
      why: "dataset exports and batch inference jobs write their output under personalize/",
    },
  ],
  bucketPolicy: {
    bucket: {
      sid: "RoadmapxAiPersonalizeList",
      actions: ["s3:ListBucket"],
      listPrefixes: ["personalize"],
      why: "Personalize also needs the bucket policy to let personalize.amazonaws.com list the bucket",
    },
    objects: [
      {
        sid: "RoadmapxAiPersonalizeObjects",
        actions: ["s3:GetObject", "s3:PutObject"],
        prefixes: ["personalize"],
        why: "Personalize also needs the bucket policy to let personalize.amazonaws.com read and write personalize/",
      },
    ],
  },
  kmsActions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ListGrants"],
  runtimeStatements: () => [],
  runtimeProbes: () => [],
  sampleSourceArn: (t) => `arn:${t.partition}:personalize:${t.region}:${t.accountId}:dataset-import-job/roadmapx-ai-verify`,
};

const sagemaker: ServiceRequirement = {
  id: "sagemaker",
  title: "Amazon SageMaker",
  principal: "sagemaker.amazonaws.com",
  // The role serves training jobs, models and endpoints, so the pin is the whole service in this
  // account and region rather than `training-job/*`.
  sourceArnPattern: (t) => `arn:${t.partition}:sagemaker:${t.region}:${t.accountId}:*`,
  bucket: {
    sid: "SageMakerListBucket",
    actions: ["s3:ListBucket"],
    listPrefixes: ["training", "transformInput"],
    why: "training and batch transform jobs list the objects under their S3Prefix input",
  },
  objects: [
    {
      sid: "SageMakerReadData",
      actions: ["s3:GetObject"],
      prefixes: ["training", "models", "transformInput"],
      why: "training jobs read their input under sagemaker/training/, models load model.tar.gz from models/, batch transform reads sagemaker/transform/input/",
    },
    {
      sid: "SageMakerWriteModels",
      actions: ["s3:PutObject", "s3:DeleteObject"],
      prefixes: ["models"],
      why: "training jobs write output and checkpoints under models/ and replace stale checkpoints",
    },
    {
      sid: "SageMakerWriteTransformOutput",
      actions: ["s3:PutObject"],
      prefixes: ["transformOutput"],
      why: "batch transform jobs (with the model's execution role) write <input>.out under sagemaker/transform/output/",
    },
  ],
  kmsActions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
  runtimeStatements: (t) => [
    {
      Sid: "SageMakerLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: [
        `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:/aws/sagemaker/*`,
        `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:/aws/sagemaker/*:log-stream:*`,
      ],
    },
    {
      // PutMetricData has no resource-level permissions; the namespace condition narrows it instead.
      Sid: "SageMakerMetrics",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricData"],
      Resource: ["*"],
      Condition: { StringLike: { "cloudwatch:namespace": "/aws/sagemaker/*" } },
    },
    {
      // GetAuthorizationToken is account-wide by design: AWS accepts only "*" here.
      Sid: "EcrAuthorizationToken",
      Effect: "Allow",
      Action: ["ecr:GetAuthorizationToken"],
      Resource: ["*"],
    },
    {
      // Private training images in this account. AWS-owned algorithm and framework images are
      // pulled by SageMaker itself and need no grant here.
      Sid: "EcrImagePull",
      Effect: "Allow",
      Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
      Resource: [`arn:${t.partition}:ecr:${t.region}:${t.accountId}:repository/*`],
    },
  ],
  runtimeProbes: (t) => {
    const logs = `arn:${t.partition}:logs:${t.region}:${t.accountId}:log-group:/aws/sagemaker/TrainingJobs`;
    const repo = `arn:${t.partition}:ecr:${t.region}:${t.accountId}:repository/roadmapx-training`;
    return [
      { action: "logs:CreateLogGroup", resource: logs, grantedBy: "SageMakerLogs" },
      { action: "logs:DescribeLogStreams", resource: logs, grantedBy: "SageMakerLogs" },
      { action: "logs:CreateLogStream", resource: `${logs}:log-stream:roadmapx-ai-verify`, grantedBy: "SageMakerLogs" },
      { action: "logs:PutLogEvents", resource: `${logs}:log-stream:roadmapx-ai-verify`, grantedBy: "SageMakerLogs" },
      {
        action: "cloudwatch:PutMetricData",
        resource: "*",
        context: { "cloudwatch:namespace": "/aws/sagemaker/TrainingJobs" },
        grantedBy: "SageMakerMetrics",
      },
      { action: "ecr:GetAuthorizationToken", resource: "*", grantedBy: "EcrAuthorizationToken" },
      { action: "ecr:BatchCheckLayerAvailability", resource: repo, grantedBy: "EcrImagePull" },
      { action: "ecr:GetDownloadUrlForLayer", resource: repo, grantedBy: "EcrImagePull" },
      { action: "ecr:BatchGetImage", resource: repo, grantedBy: "EcrImagePull" },
    ];
  },
  sampleSourceArn: (t) => `arn:${t.partition}:sagemaker:${t.region}:${t.accountId}:training-job/roadmapx-ai-verify`,
};

/**
 * The data-access role of Comprehend's asynchronous analysis jobs (Start*DetectionJob): it reads the
 * input prefix and writes the output prefix. The synchronous Detect calls need no role and no S3.
 */
const comprehend: ServiceRequirement = {
  id: "comprehend",
  title: "Amazon Comprehend",
  principal: "comprehend.amazonaws.com",
  sourceArnPattern: (t) => `arn:${t.partition}:comprehend:${t.region}:${t.accountId}:*`,
  bucket: {
    sid: "ComprehendListBucket",
    actions: ["s3:ListBucket"],
    listPrefixes: ["comprehendInput"],
    why: "analysis jobs list the objects under their input S3Uri (a prefix) before they read them",
  },
  objects: [
    {
      sid: "ComprehendReadInput",
      actions: ["s3:GetObject"],
      prefixes: ["comprehendInput"],
      why: "analysis jobs read the documents under comprehend/input/",
    },
    {
      sid: "ComprehendWriteOutput",
      actions: ["s3:PutObject"],
      prefixes: ["comprehendOutput"],
      why: "analysis jobs write output.tar.gz (PII jobs: <input>.out) under comprehend/output/",
    },
  ],
  // SSE-KMS input is decrypted, output encrypted with a data key; Comprehend creates grants on the
  // key for the job's instances when it encrypts output.
  kmsActions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant"],
  runtimeStatements: () => [],
  runtimeProbes: () => [],
  sampleSourceArn: (t) => `arn:${t.partition}:comprehend:${t.region}:${t.accountId}:sentiment-detection-job/0a1b2c3d4e5f60718293a4b5c6d7e8f9`,
};

export const SERVICES: Readonly<Record<AiServiceId, ServiceRequirement>> = { personalize, sagemaker, comprehend };

/**
 * What the application itself (the RoadmapX backend's role) calls, grouped by the resource type the
 * calls act on. Actions listed under `anyResource` have no resource-level permissions in AWS.
 */
export const APPLICATION = {
  personalize: {
    /** Control plane, scoped to Personalize resources of this account and region. */
    resourceActions: [
      "personalize:CreateSchema",
      "personalize:DescribeSchema",
      "personalize:DeleteSchema",
      "personalize:CreateDatasetGroup",
      "personalize:DescribeDatasetGroup",
      "personalize:DeleteDatasetGroup",
      "personalize:CreateDataset",
      "personalize:DescribeDataset",
      "personalize:DeleteDataset",
      "personalize:CreateDatasetImportJob",
      "personalize:DescribeDatasetImportJob",
      "personalize:CreateSolution",
      "personalize:DescribeSolution",
      "personalize:DeleteSolution",
      "personalize:CreateSolutionVersion",
      "personalize:DescribeSolutionVersion",
      "personalize:GetSolutionMetrics",
      "personalize:CreateCampaign",
      "personalize:DescribeCampaign",
      "personalize:DeleteCampaign",
      "personalize:GetRecommendations",
      "personalize:CreateBatchInferenceJob",
      "personalize:DescribeBatchInferenceJob",
      "personalize:CreateBatchSegmentJob",
      "personalize:DescribeBatchSegmentJob",
      // A live application (issue 17). Filters and recommenders belong to an owned dataset group;
      // GetRecommendations also acts on a recommender, GetPersonalizedRanking on campaigns only (its
      // request has no recommenderArn); PutItems/PutUsers act on the Items and Users datasets.
      "personalize:CreateFilter",
      "personalize:DescribeFilter",
      "personalize:DeleteFilter",
      "personalize:GetPersonalizedRanking",
      "personalize:PutItems",
      "personalize:PutUsers",
      "personalize:CreateRecommender",
      "personalize:DescribeRecommender",
      "personalize:StartRecommender",
      "personalize:StopRecommender",
      "personalize:DeleteRecommender",
      // Deleting a user's data: the job reads its CSV under personalize/ with the Personalize role
      // (iam:PassRole, granted by PassPersonalizeRole as for imports and batch jobs).
      "personalize:CreateDataDeletionJob",
      "personalize:DescribeDataDeletionJob",
    ],
    /**
     * The resource types those actions act on (ARN path after `account:`), each narrowed to this
     * project's names (`dataset-group/roadmapx-*`): a dataset's ARN holds its group's name
     * (`dataset/GROUP/TYPE`), a solution version's its solution's (`solution/NAME/ID`). Filters,
     * recommenders and data deletion jobs have ARNs `filter/NAME`, `recommender/NAME`,
     * `data-deletion-job/NAME` (Service Authorization Reference, resource types).
     */
    ownedResourceTypes: [
      "schema",
      "dataset-group",
      "dataset",
      "dataset-import-job",
      "solution",
      "campaign",
      "batch-inference-job",
      "batch-segment-job",
      "filter",
      "recommender",
      "data-deletion-job",
    ],
    /**
     * Event tracker ARNs hold a generated id, not the name (`event-tracker/d2e0162e`), so a name
     * prefix cannot scope them: the services tag each tracker with PROJECT_TAG when they create it,
     * and Describe/Delete require that tag. Creating one also needs its (owned) dataset group.
     */
    eventTrackers: {
      create: "personalize:CreateEventTracker",
      onTagged: ["personalize:DescribeEventTracker", "personalize:DeleteEventTracker"],
    },
    /**
     * A Personalize Create call that carries `tags` is also authorised as `personalize:TagResource`
     * (Service Authorization Reference, "API operations defined by Amazon Personalize"); TagResource
     * takes `aws:RequestTag/${TagKey}` and `aws:TagKeys` (no TaggingAction key, unlike SageMaker).
     * These are the Create calls the services send with PROJECT_TAG; `created` is the resource type
     * each one makes (ARN path after `account:`), which is what TagResource acts on.
     */
    tagOnCreate: {
      action: "personalize:TagResource",
      createCalls: ["CreateBatchInferenceJob", "CreateBatchSegmentJob", "CreateEventTracker"],
      created: { CreateBatchInferenceJob: "batch-inference-job", CreateBatchSegmentJob: "batch-segment-job", CreateEventTracker: "event-tracker" },
    },
    anyResource: [
      "personalize:ListSchemas",
      "personalize:ListDatasetGroups",
      "personalize:ListDatasets",
      "personalize:ListDatasetImportJobs",
      "personalize:ListSolutions",
      "personalize:ListCampaigns",
      "personalize:ListEventTrackers",
      "personalize:ListFilters",
      "personalize:ListRecommenders",
      "personalize:PutEvents",
    ],
  },
  sagemaker: {
    resourceActions: [
      "sagemaker:CreateTrainingJob",
      "sagemaker:DescribeTrainingJob",
      "sagemaker:StopTrainingJob",
      "sagemaker:CreateModel",
      "sagemaker:DeleteModel",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:DeleteEndpointConfig",
      "sagemaker:CreateEndpoint",
      "sagemaker:DescribeEndpoint",
      "sagemaker:DeleteEndpoint",
      "sagemaker:InvokeEndpoint",
      "sagemaker:CreateTransformJob",
      "sagemaker:DescribeTransformJob",
      "sagemaker:StopTransformJob",
    ],
    /** Narrowed to this project's names, as for Personalize (SageMaker lowercases names in ARNs). */
    ownedResourceTypes: ["training-job", "model", "endpoint-config", "endpoint", "transform-job"],
    /**
     * Creating a SageMaker resource with `Tags` is also authorised as `sagemaker:AddTags` on the new
     * resource, with `sagemaker:TaggingAction` naming the Create call (the SageMaker guide, "Provide
     * permissions for tagging SageMaker AI resources"); the services tag every resource they create.
     */
    tagOnCreate: {
      action: "sagemaker:AddTags",
      createCalls: ["CreateTrainingJob", "CreateModel", "CreateEndpointConfig", "CreateEndpoint", "CreateTransformJob"],
    },
    // Every SageMaker call the services make acts on a resource of this account: none on "*".
    anyResource: [] as readonly string[],
  },
  comprehend: {
    // Comprehend's built-in models have no resource ARN: every Detect call is authorised on "*".
    anyResource: [
      "comprehend:DetectSentiment",
      "comprehend:DetectEntities",
      "comprehend:DetectKeyPhrases",
      "comprehend:DetectDominantLanguage",
      "comprehend:DetectPiiEntities",
      "comprehend:BatchDetectSentiment",
      "comprehend:BatchDetectEntities",
      "comprehend:BatchDetectKeyPhrases",
      "comprehend:BatchDetectDominantLanguage",
    ],
    /**
     * Asynchronous analysis jobs. Their ARNs hold a generated job id (`sentiment-detection-job/ID`),
     * so a name prefix cannot scope them: Start, Describe and Stop are granted on this account's and
     * region's jobs of each type (`sentiment-detection-job/*`), the List calls on "*" (no resource).
     */
    jobs: {
      resourceActions: [
        "comprehend:StartSentimentDetectionJob",
        "comprehend:DescribeSentimentDetectionJob",
        "comprehend:StopSentimentDetectionJob",
        "comprehend:StartEntitiesDetectionJob",
        "comprehend:DescribeEntitiesDetectionJob",
        "comprehend:StopEntitiesDetectionJob",
        "comprehend:StartKeyPhrasesDetectionJob",
        "comprehend:DescribeKeyPhrasesDetectionJob",
        "comprehend:StopKeyPhrasesDetectionJob",
        "comprehend:StartPiiEntitiesDetectionJob",
        "comprehend:DescribePiiEntitiesDetectionJob",
        "comprehend:StopPiiEntitiesDetectionJob",
        "comprehend:StartDominantLanguageDetectionJob",
        "comprehend:DescribeDominantLanguageDetectionJob",
        "comprehend:StopDominantLanguageDetectionJob",
      ],
      resourceTypes: [
        "sentiment-detection-job",
        "entities-detection-job",
        "key-phrases-detection-job",
        "pii-entities-detection-job",
        "dominant-language-detection-job",
      ],
      list: [
        "comprehend:ListSentimentDetectionJobs",
        "comprehend:ListEntitiesDetectionJobs",
        "comprehend:ListKeyPhrasesDetectionJobs",
        "comprehend:ListPiiEntitiesDetectionJobs",
        "comprehend:ListDominantLanguageDetectionJobs",
      ],
    },
  },
  s3: {
    /** Prefixes the application uploads to (and cleans up). */
    /** (`personalize/`, which holds `personalize/batch/`: batch input written, `.out` output read back.) */
    write: {
      actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
      prefixes: ["personalize", "training", "comprehendInput", "transformInput"] as readonly PrefixName[],
    },
    /** Prefixes the application only reads: trained model artifacts. */
    read: { actions: ["s3:GetObject"], prefixes: ["models"] as readonly PrefixName[] },
    /**
     * Batch jobs' output, which the services read back and remove when asked (`cleanup`): Comprehend's
     * output.tar.gz and `.out` files, batch transform's `.out` files. Never written by the application.
     */
    jobOutput: { actions: ["s3:GetObject", "s3:DeleteObject"], prefixes: ["comprehendOutput", "transformOutput"] as readonly PrefixName[] },
    /** Listing, conditioned on `s3:prefix`: the application always lists with one of these. */
    listPrefixes: ["personalize", "training", "models", "comprehendInput", "comprehendOutput", "transformInput", "transformOutput"] as readonly PrefixName[],
  },
  /**
   * With SSE-KMS, uploads need GenerateDataKey and downloads need Decrypt; only through S3 in the
   * stack's region (`kms:ViaService`), so the key cannot be used directly with these credentials.
   */
  kmsActions: ["kms:Decrypt", "kms:GenerateDataKey"],
} as const;

/**
 * Actions that AWS authorises only on `Resource: "*"` (no resource-level permissions), and which our
 * policies therefore grant on "*", each with the reason. Anything else on "*" is a least-privilege
 * bug: the policy lint (test/infra/policy-lint.unit.test.ts) fails on it, and checks each entry here
 * against the IAM reference data.
 */
export const RESOURCE_STAR_ACTIONS: Readonly<Record<string, string>> = Object.fromEntries([
  ["ecr:GetAuthorizationToken", "account-wide token; no resource-level permissions"],
  ["cloudwatch:PutMetricData", "no resource for metrics namespaces; narrowed by the cloudwatch:namespace condition"],
  ...APPLICATION.personalize.anyResource.map((a) => [a, a.includes(":List") ? "List action: no resource-level permissions" : "no resource-level permissions"]),
  ...APPLICATION.sagemaker.anyResource.map((a) => [a, "List action: no resource-level permissions"]),
  ...APPLICATION.comprehend.anyResource.map((a) => [a, "built-in models have no ARN (only custom endpoints do): no resource-level permissions"]),
  ...APPLICATION.comprehend.jobs.list.map((a) => [a, "List action: no resource-level permissions"]),
]);

/** Every Personalize, SageMaker and Comprehend action the application policy grants, whatever the statement. */
export function applicationAiActions(): string[] {
  const { personalize, sagemaker, comprehend } = APPLICATION;
  return [
    ...personalize.resourceActions,
    personalize.eventTrackers.create,
    ...personalize.eventTrackers.onTagged,
    personalize.tagOnCreate.action,
    ...personalize.anyResource,
    ...sagemaker.resourceActions,
    sagemaker.tagOnCreate.action,
    ...sagemaker.anyResource,
    ...comprehend.anyResource,
    ...comprehend.jobs.resourceActions,
    ...comprehend.jobs.list,
  ];
}
