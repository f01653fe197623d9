/**
 * LOCAL HARNESS, IAM gate: SageMaker's control plane (awsJson1_1, `X-Amz-Target: SageMaker.<Op>`) and
 * runtime (REST, `POST /endpoints/<name>/invocations`), both signed as `sagemaker`, to what AWS
 * authorises:
 * - `sagemaker:<Op>` on each required resource of the Service Authorization Reference
 *   (`training-job/<name>`, `model/<name>`, `endpoint-config/<name>`, `endpoint/<name>`,
 *   `transform-job/<name>`; CreateEndpoint needs its endpoint config too). SageMaker writes names
 *   lowercased into ARNs.
 * - `aws:RequestTag/<key>` and `aws:TagKeys` from `Tags`, and with tags `sagemaker:AddTags` on the new
 *   resource with `sagemaker:TaggingAction` = the Create call (the SageMaker guide's tag-on-create).
 * - `iam:PassRole` for `RoleArn` / `ExecutionRoleArn`, with `iam:PassedToService` = sagemaker.amazonaws.com.
 * - a few of the reference's request keys the services' calls carry (instance types, max runtime,
 *   network isolation); the others are not supplied.
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

const SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com";

type Body = Record<string, unknown>;

/** An operation: the resources it acts on (type and the body field naming it), the first being its own. */
interface SageMakerOperation {
  resources: readonly (readonly [type: string, field: string])[];
  /** Body fields holding roles the call passes to SageMaker. */
  passes?: readonly string[];
  /** Creates the first resource, with `Tags` from the body. */
  creates?: boolean;
  /** Extra request context keys from the body. */
  context?: (body: Body, input: MappingInput) => RequestContext;
}

function instanceTypes(...types: unknown[]): RequestContext {
  const list = types.filter((t): t is string => typeof t === "string");
  return list.length ? { "sagemaker:InstanceTypes": list } : {};
}

function record(value: unknown): Body {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Body) : {};
}

/** CreateTransformJob's condition keys: sagemaker:ModelArn, InstanceTypes, OutputKmsKeyArn, VolumeKmsKeyArn. */
function transformContext(b: Body, input: MappingInput): RequestContext {
  const context: RequestContext = { ...instanceTypes(record(b["TransformResources"])["InstanceType"]) };
  const model = b["ModelName"];
  if (typeof model === "string") context["sagemaker:ModelArn"] = arnIn(input, "sagemaker", `model/${model.toLowerCase()}`);
  const outputKey = record(b["TransformOutput"])["KmsKeyId"];
  if (typeof outputKey === "string") context["sagemaker:OutputKmsKeyArn"] = outputKey;
  const volumeKey = record(b["TransformResources"])["VolumeKmsKeyId"];
  if (typeof volumeKey === "string") context["sagemaker:VolumeKmsKeyArn"] = volumeKey;
  return context;
}

const OPERATIONS: Record<string, SageMakerOperation> = {
  CreateTrainingJob: {
    resources: [["training-job", "TrainingJobName"]],
    passes: ["RoleArn"],
    creates: true,
    context: (b) => {
      const context: RequestContext = { ...instanceTypes(record(b["ResourceConfig"])["InstanceType"]) };
      const maxRuntime = record(b["StoppingCondition"])["MaxRuntimeInSeconds"];
      if (typeof maxRuntime === "number") context["sagemaker:MaxRuntimeInSeconds"] = String(maxRuntime);
      if (typeof b["EnableNetworkIsolation"] === "boolean") context["sagemaker:NetworkIsolation"] = String(b["EnableNetworkIsolation"]);
      if (typeof b["EnableInterContainerTrafficEncryption"] === "boolean") {
        context["sagemaker:InterContainerTrafficEncryption"] = String(b["EnableInterContainerTrafficEncryption"]);
      }
      return context;
    },
  },
  DescribeTrainingJob: { resources: [["training-job", "TrainingJobName"]] },
  StopTrainingJob: { resources: [["training-job", "TrainingJobName"]] },
  // Batch transform: authorised on the job alone (the reference lists no model resource), the
  // model and the KMS keys named as condition keys.
  CreateTransformJob: { resources: [["transform-job", "TransformJobName"]], creates: true, context: transformContext },
  DescribeTransformJob: { resources: [["transform-job", "TransformJobName"]] },
  StopTransformJob: { resources: [["transform-job", "TransformJobName"]] },
  CreateModel: {
    resources: [["model", "ModelName"]],
    passes: ["ExecutionRoleArn"],
    creates: true,
    context: (b): RequestContext =>
      typeof b["EnableNetworkIsolation"] === "boolean" ? { "sagemaker:NetworkIsolation": String(b["EnableNetworkIsolation"]) } : {},
  },
  DescribeModel: { resources: [["model", "ModelName"]] },
  DeleteModel: { resources: [["model", "ModelName"]] },
  CreateEndpointConfig: {
    resources: [["endpoint-config", "EndpointConfigName"]],
    creates: true,
    context: (b) => instanceTypes(...(Array.isArray(b["ProductionVariants"]) ? b["ProductionVariants"] : []).map((v) => record(v)["InstanceType"])),
  },
  DescribeEndpointConfig: { resources: [["endpoint-config", "EndpointConfigName"]] },
  DeleteEndpointConfig: { resources: [["endpoint-config", "EndpointConfigName"]] },
  CreateEndpoint: {
    resources: [
      ["endpoint", "EndpointName"],
      ["endpoint-config", "EndpointConfigName"],
    ],
    creates: true,
  },
  DescribeEndpoint: { resources: [["endpoint", "EndpointName"]] },
  DeleteEndpoint: { resources: [["endpoint", "EndpointName"]] },
  // No resource-level permissions: "*".
  ListTrainingJobs: { resources: [] },
  ListTransformJobs: { resources: [] },
  ListModels: { resources: [] },
  ListEndpointConfigs: { resources: [] },
  ListEndpoints: { resources: [] },
};

export const SAGEMAKER_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

function tagsOf(body: Body, operation: string): { key: string; value: string }[] {
  const tags = body["Tags"];
  if (tags === undefined) return [];
  if (!Array.isArray(tags)) throw new MappingError(`${operation}: Tags is not a list`);
  return tags.map((t) => {
    const { Key, Value } = record(t);
    if (typeof Key !== "string") throw new MappingError(`${operation}: a tag without a Key`);
    return { key: Key, value: typeof Value === "string" ? Value : "" };
  });
}

export function mapSageMakerControlPlane(input: MappingInput, op: string): MappedRequest {
  const operation = `SageMaker.${op}`;
  const spec = OPERATIONS[op];
  if (!spec) throw new MappingError(`${operation} is not an operation the gate maps`);
  const body = jsonBody(input.body, operation);
  const tags = spec.creates ? tagsOf(body, operation) : [];
  const context: RequestContext = { ...requestTagContext(tags), ...(spec.context?.(body, input) ?? {}) };
  const resources = spec.resources.map(([type, field]) => arnIn(input, "sagemaker", `${type}/${requiredString(body, field, operation).toLowerCase()}`));
  const authorisations: AuthorisationRequest[] = resources.length
    ? resources.map((resource) => ({ action: `sagemaker:${op}`, resource, context }))
    : [{ action: `sagemaker:${op}`, resource: "*", context }];
  if (tags.length && resources[0]) {
    authorisations.push({ action: "sagemaker:AddTags", resource: resources[0], context: { ...requestTagContext(tags), "sagemaker:TaggingAction": op } });
  }
  for (const field of spec.passes ?? []) {
    const role = optionalString(body, field);
    if (role) authorisations.push(passRole(role, SAGEMAKER_PRINCIPAL));
  }
  return { operation, protocol: "json", authorisations };
}

/** sagemaker-runtime: InvokeEndpoint, on the endpoint named in the path. */
export function mapSageMakerRuntime(input: MappingInput): MappedRequest {
  const { head } = input;
  const invoke = /^\/endpoints\/([^/]+)\/invocations$/.exec(head.rawPath);
  if (head.method !== "POST" || !invoke) throw new MappingError(`SageMakerRuntime ${head.method} ${head.rawPath} is not an operation the gate maps`);
  let name: string;
  try {
    name = decodeURIComponent(invoke[1] as string);
  } catch {
    throw new MappingError(`SageMakerRuntime: the endpoint name in ${head.rawPath} is not valid percent-encoding`);
  }
  const targetModel = head.headers["x-amzn-sagemaker-target-model"];
  return {
    operation: "SageMakerRuntime.InvokeEndpoint",
    protocol: "rest-json",
    authorisations: [
      {
        action: "sagemaker:InvokeEndpoint",
        resource: arnIn(input, "sagemaker", `endpoint/${name.toLowerCase()}`),
        context: targetModel ? { "sagemaker:TargetModel": targetModel } : {},
      },
    ],
  };
}
