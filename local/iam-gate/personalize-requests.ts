/**
 * LOCAL HARNESS, IAM gate: Amazon Personalize's three APIs, all signed as `personalize`: the control
 * plane (awsJson1_1, `X-Amz-Target: AmazonPersonalize.<Op>`), personalize-runtime
 * (`POST /recommendations`, `POST /personalize-ranking`) and personalize-events (`POST /events`,
 * `POST /items`, `POST /users`).
 *
 * Per the Service Authorization Reference, an action acts on every resource type it requires: a
 * Create call on the ARN the new resource will have and on the parent it names (CreateDataset: the
 * dataset `dataset/<group name>/<TYPE>` and its dataset group; CreateDatasetImportJob: the job and its
 * dataset; CreateSolution, CreateEventTracker: the new resource and the dataset group; CreateCampaign:
 * the campaign and the solution version; CreateBatchInferenceJob: the job and its solution version, of
 * resource type `solution`; CreateBatchSegmentJob: the job only; CreateFilter, CreateRecommender,
 * CreateDataDeletionJob: the new resource and the dataset group); Describe, Delete, Start, Stop and the
 * like on the ARN in the body; PutItems and PutUsers (`POST /items`, `POST /users`) on the dataset; List
 * calls and PutEvents, which have no resource-level permissions, on "*". An event tracker's ARN holds a
 * generated id, so creating one is authorised on `event-tracker/*`. A role handed over (`roleArn`) is
 * iam:PassRole with `iam:PassedToService` = personalize.amazonaws.com; `tags` are aws:RequestTag and
 * aws:TagKeys, and a Create call that carries them is also authorised as `personalize:TagResource` on
 * the new resource with those request tags (the reference's operations table lists TagResource for
 * the Create calls that take tags).
 */
import {
  type AuthorisationRequest,
  type MappedRequest,
  MappingError,
  type MappingInput,
  type RequestContext,
  arnIn,
  jsonBody,
  optionalString,
  passRole,
  requestTagContext,
  requiredString,
} from "./authorisation";

const PERSONALIZE_PRINCIPAL = "personalize.amazonaws.com";

type Body = Record<string, unknown>;
type Resolve = (body: Body, operation: string, input: MappingInput) => string;

/** The resource named by an ARN field of the body. */
const arnField =
  (field: string): Resolve =>
  (body, operation) =>
    requiredString(body, field, operation);

/** The ARN the new resource will have: `<type>/<name>`. */
const named =
  (type: string, field = "name"): Resolve =>
  (body, operation, input) =>
    arnIn(input, "personalize", `${type}/${requiredString(body, field, operation)}`);

/** The last path segment of a Personalize ARN (`dataset-group/<name>` -> name). */
function nameInArn(arn: string, type: string, operation: string): string {
  const match = new RegExp(`^arn:[^:]+:personalize:[^:]*:\\d*:${type}/([^/]+)$`).exec(arn);
  if (!match) throw new MappingError(`${operation}: ${arn} is not a ${type} ARN`);
  return match[1] as string;
}

const DATASET_TYPES = new Set(["INTERACTIONS", "ITEMS", "USERS", "ACTIONS", "ACTION_INTERACTIONS"]);

/** A new dataset: `dataset/<dataset group name>/<TYPE>`. */
const newDataset: Resolve = (body, operation, input) => {
  const group = nameInArn(requiredString(body, "datasetGroupArn", operation), "dataset-group", operation);
  const type = requiredString(body, "datasetType", operation).toUpperCase();
  if (!DATASET_TYPES.has(type)) throw new MappingError(`${operation}: datasetType ${type} is not one Personalize knows`);
  return arnIn(input, "personalize", `dataset/${group}/${type}`);
};

const anyEventTracker: Resolve = (_body, _operation, input) => arnIn(input, "personalize", "event-tracker/*");

interface PersonalizeOperation {
  /** The resources it acts on; empty: "*". */
  resources: readonly Resolve[];
  /** The call can carry `tags`. */
  tags?: boolean;
  /** The resource the call creates, which tags on it are authorised on (TagResource); default: the first of `resources`. */
  created?: Resolve;
  /** The call can hand a role (`roleArn`) to Personalize. */
  passesRole?: boolean;
}

const OPERATIONS: Record<string, PersonalizeOperation> = {
  CreateSchema: { resources: [named("schema")] },
  DescribeSchema: { resources: [arnField("schemaArn")] },
  DeleteSchema: { resources: [arnField("schemaArn")] },
  CreateDatasetGroup: { resources: [named("dataset-group")], tags: true, passesRole: true },
  DescribeDatasetGroup: { resources: [arnField("datasetGroupArn")] },
  DeleteDatasetGroup: { resources: [arnField("datasetGroupArn")] },
  CreateDataset: { resources: [newDataset, arnField("datasetGroupArn")], tags: true },
  DescribeDataset: { resources: [arnField("datasetArn")] },
  DeleteDataset: { resources: [arnField("datasetArn")] },
  CreateDatasetImportJob: { resources: [named("dataset-import-job", "jobName"), arnField("datasetArn")], tags: true, passesRole: true },
  DescribeDatasetImportJob: { resources: [arnField("datasetImportJobArn")] },
  CreateSolution: { resources: [named("solution"), arnField("datasetGroupArn")], tags: true },
  DescribeSolution: { resources: [arnField("solutionArn")] },
  DeleteSolution: { resources: [arnField("solutionArn")] },
  // A version's ARN is `<solution ARN>/<generated id>`: tags on it are authorised on any version of the solution.
  CreateSolutionVersion: {
    resources: [arnField("solutionArn")],
    tags: true,
    created: (body, operation) => `${requiredString(body, "solutionArn", operation)}/*`,
  },
  DescribeSolutionVersion: { resources: [arnField("solutionVersionArn")] },
  GetSolutionMetrics: { resources: [arnField("solutionVersionArn")] },
  CreateCampaign: { resources: [named("campaign"), arnField("solutionVersionArn")], tags: true },
  DescribeCampaign: { resources: [arnField("campaignArn")] },
  DeleteCampaign: { resources: [arnField("campaignArn")] },
  CreateEventTracker: { resources: [anyEventTracker, arnField("datasetGroupArn")], tags: true },
  DescribeEventTracker: { resources: [arnField("eventTrackerArn")] },
  DeleteEventTracker: { resources: [arnField("eventTrackerArn")] },
  ListSchemas: { resources: [] },
  ListDatasetGroups: { resources: [] },
  ListDatasets: { resources: [] },
  ListDatasetImportJobs: { resources: [] },
  ListSolutions: { resources: [] },
  ListSolutionVersions: { resources: [] },
  ListCampaigns: { resources: [] },
  ListEventTrackers: { resources: [] },
  ListRecipes: { resources: [] },
  CreateBatchInferenceJob: { resources: [named("batch-inference-job", "jobName"), arnField("solutionVersionArn")], tags: true, passesRole: true },
  DescribeBatchInferenceJob: { resources: [arnField("batchInferenceJobArn")] },
  ListBatchInferenceJobs: { resources: [] },
  CreateBatchSegmentJob: { resources: [named("batch-segment-job", "jobName")], tags: true, passesRole: true },
  DescribeBatchSegmentJob: { resources: [arnField("batchSegmentJobArn")] },
  ListBatchSegmentJobs: { resources: [] },
  CreateFilter: { resources: [named("filter"), arnField("datasetGroupArn")], tags: true },
  DescribeFilter: { resources: [arnField("filterArn")] },
  DeleteFilter: { resources: [arnField("filterArn")] },
  ListFilters: { resources: [] },
  CreateRecommender: { resources: [named("recommender"), arnField("datasetGroupArn")], tags: true },
  DescribeRecommender: { resources: [arnField("recommenderArn")] },
  StartRecommender: { resources: [arnField("recommenderArn")] },
  StopRecommender: { resources: [arnField("recommenderArn")] },
  DeleteRecommender: { resources: [arnField("recommenderArn")] },
  ListRecommenders: { resources: [] },
  CreateDataDeletionJob: { resources: [named("data-deletion-job", "jobName"), arnField("datasetGroupArn")], tags: true, passesRole: true },
  DescribeDataDeletionJob: { resources: [arnField("dataDeletionJobArn")] },
  ListDataDeletionJobs: { resources: [] },
};

export const PERSONALIZE_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

function tagsOf(body: Body, operation: string): { key: string; value: string }[] {
  const tags = body["tags"];
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw new MappingError(`${operation}: tags is not a list`);
  return tags.map((t) => {
    const tag = (typeof t === "object" && t !== null ? t : {}) as Body;
    if (typeof tag["tagKey"] !== "string") throw new MappingError(`${operation}: a tag without a tagKey`);
    return { key: tag["tagKey"], value: typeof tag["tagValue"] === "string" ? tag["tagValue"] : "" };
  });
}

export function mapPersonalizeControlPlane(input: MappingInput, op: string): MappedRequest {
  const operation = `Personalize.${op}`;
  const spec = OPERATIONS[op];
  if (!spec) throw new MappingError(`${operation} is not an operation the gate maps`);
  const body = jsonBody(input.body, operation);
  const tags = spec.tags ? tagsOf(body, operation) : [];
  const context: RequestContext = requestTagContext(tags);
  const resources = spec.resources.map((resolve) => resolve(body, operation, input));
  const authorisations: AuthorisationRequest[] = (resources.length ? resources : ["*"]).map((resource) => ({
    action: `personalize:${op}`,
    resource,
    context,
  }));
  const created = tags.length ? (spec.created?.(body, operation, input) ?? resources[0]) : undefined;
  if (created) authorisations.push({ action: "personalize:TagResource", resource: created, context: requestTagContext(tags) });
  const role = spec.passesRole ? optionalString(body, "roleArn") : undefined;
  if (role) authorisations.push(passRole(role, PERSONALIZE_PRINCIPAL));
  return { operation, protocol: "json", authorisations };
}

/** personalize-runtime and personalize-events, told apart by their paths. */
export function mapPersonalizeRest(input: MappingInput): MappedRequest {
  const { head } = input;
  const route = `${head.method} ${head.rawPath}`;
  const on = (operation: string, action: string, resource: string): MappedRequest => ({
    operation,
    protocol: "rest-json",
    authorisations: [{ action, resource, context: {} }],
  });
  switch (route) {
    case "POST /recommendations": {
      const operation = "PersonalizeRuntime.GetRecommendations";
      const body = jsonBody(input.body, operation);
      const target = optionalString(body, "campaignArn") ?? optionalString(body, "recommenderArn");
      if (!target) throw new MappingError(`${operation} without a campaignArn or recommenderArn`);
      return on(operation, "personalize:GetRecommendations", target);
    }
    case "POST /personalize-ranking": {
      const operation = "PersonalizeRuntime.GetPersonalizedRanking";
      return on(operation, "personalize:GetPersonalizedRanking", requiredString(jsonBody(input.body, operation), "campaignArn", operation));
    }
    case "POST /events":
      return on("PersonalizeEvents.PutEvents", "personalize:PutEvents", "*");
    case "POST /items":
    case "POST /users": {
      const op = route === "POST /items" ? "PutItems" : "PutUsers";
      const operation = `PersonalizeEvents.${op}`;
      return on(operation, `personalize:${op}`, requiredString(jsonBody(input.body, operation), "datasetArn", operation));
    }
    default:
      throw new MappingError(`Personalize ${route} is not an operation the gate maps`);
  }
}
