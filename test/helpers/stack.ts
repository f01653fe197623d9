/**
 * Loads the infra program under Pulumi mocks with a given config and an in-memory "cloud", and
 * returns what it declared: resources (with inputs), outputs, and every provider call it made.
 */
import { defineStack, type StackOutputs } from "../../infra/stack";
import { type DeclaredResource, type Resolved, runProgramUnderMocks } from "../../local/pulumi-mocks";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

export interface FakeCloud {
  /** What getBucketPolicy answers for the app bucket: a policy JSON, or an error to throw. */
  appBucketPolicy?: string | Error;
  /** Receives the type of every resource the program creates, even when the run then fails. */
  created?: string[];
}

export interface LoadedStack {
  outputs: Resolved<StackOutputs>;
  resources: DeclaredResource[];
  invokes: string[];
}

export const NO_SUCH_BUCKET_POLICY = () =>
  new Error("reading S3 Bucket Policy (roadmapx-files): operation error S3: GetBucketPolicy, NoSuchBucketPolicy: The bucket policy does not exist");

export async function loadStack(config: Record<string, string> = {}, cloud: FakeCloud = {}, stack = "dev"): Promise<LoadedStack> {
  return loadProgram(() => defineStack(), config, cloud, stack);
}

/** Runs any program (a user's own, built on the components) under the same mocks and test cloud. */
export async function loadProgram<T>(
  program: () => T,
  config: Record<string, string> = {},
  cloud: FakeCloud = {},
  stack = "dev",
): Promise<{ outputs: Resolved<T>; resources: DeclaredResource[]; invokes: string[] }> {
  const invokes: string[] = [];
  const run = await runProgramUnderMocks(program, {
    project: "roadmapx-ai",
    stack,
    config: { "aws:region": REGION, ...config },
    async createResource({ type, name, inputs }) {
      cloud.created?.push(type);
      const physical = (inputs["name"] as string | undefined) ?? (inputs["bucket"] as string | undefined) ?? name;
      const arn =
        type === "aws:iam/role:Role"
          ? `arn:aws:iam::${ACCOUNT}:role/${physical}`
          : type === "aws:iam/policy:Policy"
            ? `arn:aws:iam::${ACCOUNT}:policy/${physical}`
            : type === "aws:s3/bucket:Bucket"
              ? `arn:aws:s3:::${physical}`
              : undefined;
      return { id: `${physical}-id`, state: { ...inputs, name: physical, ...(arn ? { arn } : {}) } };
    },
    async invoke(token) {
      invokes.push(token);
      switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/deployer`, userId: "AIDA", id: ACCOUNT };
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
        case "aws:s3/getBucketPolicy:getBucketPolicy": {
          const answer = cloud.appBucketPolicy ?? NO_SUCH_BUCKET_POLICY();
          if (answer instanceof Error) throw answer;
          return { bucket: "roadmapx-files", policy: answer, id: "roadmapx-files" };
        }
        default:
          throw new Error(`the test cloud does not answer ${token}`);
      }
    },
  });
  return { outputs: run.outputs, resources: run.resources, invokes };
}

export function resourcesOfType(stack: LoadedStack, type: string): DeclaredResource[] {
  return stack.resources.filter((r) => r.type === type);
}

export function onlyResource(stack: LoadedStack, type: string): DeclaredResource {
  const found = resourcesOfType(stack, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as DeclaredResource;
}

export function parsePolicy(json: unknown): { Version: string; Statement: Record<string, unknown>[] } {
  if (typeof json !== "string") throw new Error(`policy is not a JSON string: ${String(json)}`);
  return JSON.parse(json) as { Version: string; Statement: Record<string, unknown>[] };
}
