/**
 * The analysis-job calls, one Start/Describe/Stop per operation, answering one shape (`JobState`)
 * whatever the job type; job ARNs read back into their operation and id; job names. The SDK is
 * loaded on the first call, as in api.ts.
 */
import type { ComprehendClient, InputDataConfig, LanguageCode, OutputDataConfig } from "@aws-sdk/client-comprehend";
import type { Operation } from "./text";

const sdk = (): typeof import("@aws-sdk/client-comprehend") => require("@aws-sdk/client-comprehend") as typeof import("@aws-sdk/client-comprehend");

/** The resource type in each job type's ARN (`arn:aws:comprehend:REGION:ACCOUNT:sentiment-detection-job/ID`). */
export const JOB_RESOURCE_TYPE: Readonly<Record<Operation, string>> = {
  sentiment: "sentiment-detection-job",
  entities: "entities-detection-job",
  "key-phrases": "key-phrases-detection-job",
  language: "dominant-language-detection-job",
  pii: "pii-entities-detection-job",
};

/** Statuses (the SDK's JobStatus): SUBMITTED → IN_PROGRESS → COMPLETED | FAILED; STOP_REQUESTED → STOPPED. */
export const JOB_DONE = ["COMPLETED"] as const;
export const JOB_FAILED = ["FAILED", "STOPPED"] as const;

export interface JobState {
  jobId: string;
  jobArn: string;
  jobName: string;
  status: string;
  /** Why it failed (the service's Message). */
  message?: string | undefined;
  inputUri: string;
  /** Where the output is: Describe* rewrites OutputDataConfig.S3Uri to the result object (PII: its folder). */
  outputUri: string;
}

/** The operation and id of a job ARN, or why it is not one of ours. */
export function parseJobArn(arn: string): { operation: Operation; jobId: string } | string {
  const m = /^arn:aws[a-z-]*:comprehend:[a-z0-9-]+:\d{12}:([a-z-]+)\/([A-Za-z0-9-]+)$/.exec(arn.trim());
  if (!m)
    return `"${arn}" is not a Comprehend job ARN such as arn:aws:comprehend:us-east-1:123456789012:sentiment-detection-job/0123456789abcdef0123456789abcdef`;
  const operation = (Object.keys(JOB_RESOURCE_TYPE) as Operation[]).find((op) => JOB_RESOURCE_TYPE[op] === m[1]);
  if (!operation) return `"${arn}" is a ${m[1]}, not one of ${Object.values(JOB_RESOURCE_TYPE).join(", ")}`;
  return { operation, jobId: m[2] as string };
}

/** `<run>-<operation>-<part>`: within Comprehend's 256 characters and its name pattern. */
export function jobNameOf(run: string, operation: Operation, part: number): string {
  return `${run}-${operation}-${part}`;
}

export interface StartJobArgs {
  operation: Operation;
  jobName: string;
  inputUri: string;
  outputUri: string;
  roleArn: string;
  language: string;
  /** The bucket's KMS key: output encrypted with it, and (where the job type takes one) the job's volume. */
  kmsKeyId?: string | undefined;
}

/** Starts one job; the client request token (the job name) makes a retried Start start nothing new. */
export async function startJob(client: ComprehendClient, a: StartJobArgs): Promise<{ jobId: string; jobArn: string }> {
  const c = sdk();
  const InputDataConfig: InputDataConfig = { S3Uri: a.inputUri, InputFormat: "ONE_DOC_PER_LINE" };
  const OutputDataConfig: OutputDataConfig = { S3Uri: a.outputUri, ...(a.kmsKeyId ? { KmsKeyId: a.kmsKeyId } : {}) };
  const common = { JobName: a.jobName, InputDataConfig, OutputDataConfig, DataAccessRoleArn: a.roleArn, ClientRequestToken: a.jobName.slice(-64) };
  const volume = a.kmsKeyId ? { VolumeKmsKeyId: a.kmsKeyId } : {};
  const LanguageCode = a.language as LanguageCode;
  let r: { JobId?: string | undefined; JobArn?: string | undefined };
  switch (a.operation) {
    case "sentiment":
      r = await client.send(new c.StartSentimentDetectionJobCommand({ ...common, ...volume, LanguageCode }));
      break;
    case "entities":
      r = await client.send(new c.StartEntitiesDetectionJobCommand({ ...common, ...volume, LanguageCode }));
      break;
    case "key-phrases":
      r = await client.send(new c.StartKeyPhrasesDetectionJobCommand({ ...common, ...volume, LanguageCode }));
      break;
    case "language":
      r = await client.send(new c.StartDominantLanguageDetectionJobCommand({ ...common, ...volume }));
      break;
    case "pii":
      // PII jobs take no VolumeKmsKeyId (not in StartPiiEntitiesDetectionJobRequest).
      r = await client.send(new c.StartPiiEntitiesDetectionJobCommand({ ...common, LanguageCode, Mode: "ONLY_OFFSETS" }));
      break;
  }
  if (!r.JobId || !r.JobArn) throw new Error(`${a.operation} job ${a.jobName}: the Start answer has no JobId or JobArn`);
  return { jobId: r.JobId, jobArn: r.JobArn };
}

interface Properties {
  JobId?: string | undefined;
  JobArn?: string | undefined;
  JobName?: string | undefined;
  JobStatus?: string | undefined;
  Message?: string | undefined;
  InputDataConfig?: { S3Uri?: string | undefined } | undefined;
  OutputDataConfig?: { S3Uri?: string | undefined } | undefined;
}

function stateOf(p: Properties | undefined, jobId: string): JobState {
  return {
    jobId: p?.JobId ?? jobId,
    jobArn: p?.JobArn ?? "",
    jobName: p?.JobName ?? "",
    status: p?.JobStatus ?? "UNKNOWN",
    message: p?.Message,
    inputUri: p?.InputDataConfig?.S3Uri ?? "",
    outputUri: p?.OutputDataConfig?.S3Uri ?? "",
  };
}

export async function describeJob(client: ComprehendClient, operation: Operation, jobId: string): Promise<JobState> {
  const c = sdk();
  const JobId = jobId;
  switch (operation) {
    case "sentiment":
      return stateOf((await client.send(new c.DescribeSentimentDetectionJobCommand({ JobId }))).SentimentDetectionJobProperties, jobId);
    case "entities":
      return stateOf((await client.send(new c.DescribeEntitiesDetectionJobCommand({ JobId }))).EntitiesDetectionJobProperties, jobId);
    case "key-phrases":
      return stateOf((await client.send(new c.DescribeKeyPhrasesDetectionJobCommand({ JobId }))).KeyPhrasesDetectionJobProperties, jobId);
    case "language":
      return stateOf((await client.send(new c.DescribeDominantLanguageDetectionJobCommand({ JobId }))).DominantLanguageDetectionJobProperties, jobId);
    case "pii":
      return stateOf((await client.send(new c.DescribePiiEntitiesDetectionJobCommand({ JobId }))).PiiEntitiesDetectionJobProperties, jobId);
  }
}

export async function stopJob(client: ComprehendClient, operation: Operation, jobId: string): Promise<void> {
  const c = sdk();
  const JobId = jobId;
  switch (operation) {
    case "sentiment":
      await client.send(new c.StopSentimentDetectionJobCommand({ JobId }));
      return;
    case "entities":
      await client.send(new c.StopEntitiesDetectionJobCommand({ JobId }));
      return;
    case "key-phrases":
      await client.send(new c.StopKeyPhrasesDetectionJobCommand({ JobId }));
      return;
    case "language":
      await client.send(new c.StopDominantLanguageDetectionJobCommand({ JobId }));
      return;
    case "pii":
      await client.send(new c.StopPiiEntitiesDetectionJobCommand({ JobId }));
      return;
  }
}
