/**
 * A local stand-in for Amazon Personalize (moto implements only its schemas): one loopback server
 * that the SDK's PersonalizeClient, PersonalizeRuntimeClient and PersonalizeEventsClient talk to
 * unchanged, with Personalize's lifecycle, checks and errors on a clock the caller may control, an
 * import job that reads its CSV from S3 (the emulator), recommendations derived from the imported
 * interactions, batch inference and segment jobs that read JSON lines from S3 and write `.out`
 * objects back, filters applied at runtime, metadata and promotions in the answer, personalized
 * ranking, PutItems/PutUsers, recommenders of Domain dataset groups, data deletion jobs, and failures
 * on demand. It is not Personalize: no model is trained, no role is
 * assumed, no request signature is checked.
 *
 *   const standIn = await startPersonalizeStandIn({ now: clock.now, s3: { endpoint, credentials } });
 *   new PersonalizeClient({ endpoint: standIn.endpoint, region: standIn.region, credentials });
 */
import { S3Client } from "@aws-sdk/client-s3";
import { Arns } from "./arns";
import { BatchRunner } from "./batch-job";
import { DeletionReader } from "./data-deletion-job";
import type { Clock } from "./clock";
import { type CallFailure, Faults } from "./faults";
import { DatasetReader } from "./import-job";
import { type LifecycleDurations, type LifecycleKind, resolveDurations } from "./lifecycle";
import { StandInServer } from "./server";
import { StandInState } from "./state";

export { ManualClock, type Clock } from "./clock";
export { DEFAULT_DURATIONS, LIFECYCLE_KINDS, type LifecycleDurations, type LifecycleKind } from "./lifecycle";
export type { CallFailure } from "./faults";

export interface PersonalizeStandInOptions {
  /** Default us-east-1. */
  region?: string;
  /** The account in the ARNs; default 123456789012 (moto's). */
  accountId?: string;
  /** Loopback port; default 0 (a free one). */
  port?: number;
  /** What time it is (default Date.now). Statuses move only as it moves. */
  now?: Clock;
  /** Durations for every kind (default: seconds, see DEFAULT_DURATIONS); 0 makes creation and deletion immediate. */
  durations?: Partial<LifecycleDurations>;
  /** Per kind, over `durations`. */
  durationsByKind?: Partial<Record<LifecycleKind, Partial<LifecycleDurations>>>;
  /** Where import and batch jobs read their input (and batch jobs write output): the emulator's endpoint and credentials. Without it every such job fails. */
  s3?: { endpoint: string; region?: string; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
  /** Interactions a solution version needs to train; default 1000, Personalize's documented minimum. */
  minTrainingInteractions?: number;
}

export class PersonalizeStandIn {
  private constructor(
    private readonly server: StandInServer,
    private readonly state: StandInState,
    private readonly faults: Faults,
    private readonly s3: S3Client | undefined,
    readonly region: string,
    readonly accountId: string,
  ) {}

  static async start(options: PersonalizeStandInOptions = {}): Promise<PersonalizeStandIn> {
    const region = options.region ?? "us-east-1";
    const accountId = options.accountId ?? "123456789012";
    const minTrainingInteractions = options.minTrainingInteractions ?? 1000;
    if (!Number.isInteger(minTrainingInteractions) || minTrainingInteractions < 1) {
      throw new RangeError(`minTrainingInteractions must be a whole number of 1 or more (got ${minTrainingInteractions})`);
    }
    const state = new StandInState(options.now ?? Date.now, resolveDurations(options.durations, options.durationsByKind));
    const faults = new Faults();
    const s3 = options.s3
      ? new S3Client({
          endpoint: options.s3.endpoint,
          region: options.s3.region ?? region,
          credentials: options.s3.credentials,
          forcePathStyle: true,
          maxAttempts: 3,
        })
      : undefined;
    const reader = new DatasetReader(s3);
    const batch = new BatchRunner(s3);
    const deletions = new DeletionReader(s3);
    const arns = new Arns(region, accountId);
    const server = new StandInServer({ state, faults, context: () => ({ state, arns, faults, reader, batch, deletions, minTrainingInteractions }) });
    await server.listen(options.port ?? 0);
    return new PersonalizeStandIn(server, state, faults, s3, region, accountId);
  }

  /** `http://127.0.0.1:<port>`: the endpoint for all three Personalize clients. */
  get endpoint(): string {
    return this.server.endpoint;
  }

  /**
   * The next creation of `target` (a kind such as `datasetImportJob` or `batchInferenceJob`, or its
   * Create* operation) ends CREATE FAILED with `reason`.
   */
  failNext(target: LifecycleKind | string, reason: string): void {
    this.faults.failNext(target, reason);
  }

  /** The next `times` calls of `operation` (e.g. `DescribeCampaign`, `GetRecommendations`) are throttled or answered with HTTP 500. */
  failCalls(operation: string, options: { times?: number; as?: CallFailure } = {}): void {
    this.faults.failCalls(operation, options.times ?? 1, options.as ?? "throttle");
  }

  /** Calls received of `operation`, failed ones included. */
  callCount(operation: string): number {
    return this.server.calls.get(operation) ?? 0;
  }

  /**
   * Data rows an ACTIVE import loaded into a dataset, plus events recorded with PutEvents: what
   * Personalize would train on. Not an AWS API (AWS shows no counts); for tests and the demo.
   */
  datasetRecords(datasetArn: string): { imported: number; events: number } | undefined {
    const dataset = this.state.datasets.get(datasetArn);
    if (!dataset) return undefined;
    return { imported: dataset.datasetType === "INTERACTIONS" ? dataset.bulk.length : dataset.ids.length, events: dataset.streamed.length };
  }

  /** Forgets every resource and queued failure (as the emulator's reset does). */
  reset(): void {
    this.state.clear();
    this.faults.clear();
    this.server.calls.clear();
  }

  async stop(): Promise<void> {
    await this.server.close();
    this.s3?.destroy();
  }
}

export function startPersonalizeStandIn(options: PersonalizeStandInOptions = {}): Promise<PersonalizeStandIn> {
  return PersonalizeStandIn.start(options);
}
