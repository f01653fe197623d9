/**
 * A local stand-in for SageMaker batch transform (moto completes transform jobs at once, reads and
 * writes nothing, and has no StopTransformJob): a loopback server that answers CreateTransformJob,
 * DescribeTransformJob, ListTransformJobs and StopTransformJob itself, on a clock the caller may
 * control, reading each job's input from the emulator's S3 and writing `<input>.out` objects where
 * SageMaker would; every other request goes on unchanged to the upstream (the emulator), so models,
 * training, endpoints, InvokeEndpoint and S3 work through it as before. It is not SageMaker: no
 * container runs (model.ts says what answers instead), no role is assumed, no signature is checked.
 *
 *   const standIn = await startSageMakerTransformStandIn({ region, upstream: emulator.endpoint, s3: { endpoint: emulator.endpoint, credentials } });
 *   new SageMakerClient({ endpoint: standIn.endpoint, region, credentials });
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { Clock } from "./clock";
import { type CallFailure, Faults } from "./faults";
import { DEFAULT_DURATIONS, type TransformDurations, TransformJobs, type TransformJobView } from "./jobs";
import { DEFAULT_PART_BYTES, MIN_PART_BYTES } from "./output-writer";
import { runTransform } from "./run";
import { TransformServer } from "./server";

export { ManualClock, type Clock } from "./clock";
export { DEFAULT_DURATIONS, type TransformDurations, type TransformJobView } from "./jobs";
export { ERROR_MARKER, predictionLine, standInScore } from "./model";
export { CONTAINER_ERROR } from "./run";
export type { CallFailure } from "./faults";

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface SageMakerTransformStandInOptions {
  region: string;
  /** The account in the ARNs; default 123456789012 (moto's). */
  accountId?: string;
  /** Where every other request goes, and where models (DescribeModel) and roles (GetRole) are read: the emulator. */
  upstream: string;
  /** Where jobs read their input and write their output: the emulator's endpoint and credentials (also used upstream). */
  s3: { endpoint: string; region?: string; credentials: Credentials };
  /** What time it is (default Date.now). Statuses move only as it moves. */
  now?: Clock;
  durations?: Partial<TransformDurations>;
  /** Loopback port; default 0 (a free one). */
  port?: number;
  /** Bytes per multipart part of a `.out` object (default 8 MiB, S3's minimum 5 MiB): tests make outputs of a few parts. */
  outputPartBytes?: number;
}

export interface SageMakerTransformStandIn {
  /** `http://127.0.0.1:<port>`: the endpoint for SageMakerClient (or for every client). */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** The next transform job created ends Failed with this FailureReason, having written nothing. */
  failNext(reason: string): void;
  /** The next `times` calls of `operation` (`DescribeTransformJob`, or a forwarded one such as `CreateModel`) are throttled or answered with HTTP 500. */
  failCalls(operation: string, options?: { times?: number; as?: CallFailure }): void;
  /** The jobs held, as they stand now (statuses as the last call settled them). Not an AWS API. */
  jobs(): TransformJobView[];
  /** Calls received of `operation`, forwarded and failed ones included. */
  callCount(operation: string): number;
  /** Forgets every job and queued failure (as the emulator's reset does). */
  reset(): void;
  stop(): Promise<void>;
}

function durationsOf(given: Partial<TransformDurations> | undefined): TransformDurations {
  const durations = { ...DEFAULT_DURATIONS, ...given };
  for (const [name, ms] of Object.entries(durations)) {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`durations.${name} must be 0 or more milliseconds (got ${ms})`);
  }
  return durations;
}

export async function startSageMakerTransformStandIn(options: SageMakerTransformStandInOptions): Promise<SageMakerTransformStandIn> {
  const region = options.region;
  const accountId = options.accountId ?? "123456789012";
  const credentials = options.s3.credentials;
  const s3 = new S3Client({ endpoint: options.s3.endpoint, region: options.s3.region ?? region, credentials, forcePathStyle: true, maxAttempts: 3 });
  const iam = new IAMClient({ endpoint: options.upstream, region: "us-east-1", credentials, maxAttempts: 3 });
  const sagemaker = new SageMakerClient({ endpoint: options.upstream, region, credentials, maxAttempts: 3 });
  const partBytes = options.outputPartBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isInteger(partBytes) || partBytes < MIN_PART_BYTES)
    throw new RangeError(`outputPartBytes must be at least ${MIN_PART_BYTES} (S3's minimum part size)`);
  const faults = new Faults();
  const jobs = new TransformJobs(options.now ?? Date.now, durationsOf(options.durations), (job) =>
    runTransform(job.request, job.executionRoleArn, { s3, iam, region, partBytes }),
  );
  const server = new TransformServer({
    jobs,
    faults,
    upstream: options.upstream,
    context: { jobs, sagemaker, region, accountId, takeFailure: () => faults.takeJobFailure() },
  });
  await server.listen(options.port ?? 0);
  return {
    endpoint: server.endpoint,
    region,
    accountId,
    failNext: (reason) => faults.failNext(reason),
    failCalls: (operation, o = {}) => faults.failCalls(operation, o.times ?? 1, o.as ?? "throttle"),
    jobs: () => jobs.all().map((job) => jobs.view(job)),
    callCount: (operation) => server.calls.get(operation) ?? 0,
    reset: () => {
      jobs.clear();
      faults.clear();
      server.calls.clear();
    },
    stop: async () => {
      await server.close();
      s3.destroy();
      iam.destroy();
      sagemaker.destroy();
    },
  };
}
