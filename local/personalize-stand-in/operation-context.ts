/**
 * What every control-plane handler shares: the request's context (state, clock reading, faults,
 * the S3 reader and batch runner) and the checks Personalize applies across resources: a resource must exist, a
 * parent must be ACTIVE, a deletion must wait for creation to be over.
 */
import type { Arns } from "./arns";
import type { BatchRunner } from "./batch-job";
import { inUse, invalidInput, notFound } from "./errors";
import type { Faults } from "./faults";
import type { DeletionReader } from "./data-deletion-job";
import type { DatasetReader } from "./import-job";
import type { Lifecycle, LifecycleKind, Outcome } from "./lifecycle";
import type { StandInState } from "./state";
import type { Input } from "./validation";

export interface OperationContext {
  state: StandInState;
  arns: Arns;
  faults: Faults;
  reader: DatasetReader;
  /** Runs batch jobs against S3. */
  batch: BatchRunner;
  /** Reads data deletion jobs' user lists from S3. */
  deletions: DeletionReader;
  /** The clock's time for this request, read once so one answer is consistent. */
  now: number;
  /** Personalize's quota: a solution version needs this many interactions to train (1000). */
  minTrainingInteractions: number;
}

export type Handler = (input: Input, ctx: OperationContext) => object | Promise<object>;

/** Timestamps in awsJson1_1 are epoch seconds. */
export const seconds = (ms: number): number => ms / 1000;

export function lifecycleFields(lifecycle: Lifecycle, now: number) {
  const status = lifecycle.statusAt(now);
  return {
    status,
    creationDateTime: seconds(lifecycle.createdAt),
    lastUpdatedDateTime: seconds(lifecycle.lastUpdatedAt(now)),
    ...(status === "CREATE FAILED" ? { failureReason: lifecycle.failureReason } : {}),
  };
}

export function find<T>(map: ReadonlyMap<string, T>, arn: string): T {
  const record = map.get(arn);
  if (!record) throw notFound(arn);
  return record;
}

export function requireActive(record: { arn: string; lifecycle: Lifecycle }, what: string, now: number): void {
  const status = record.lifecycle.statusAt(now);
  if (status !== "ACTIVE") throw inUse(`The ${what} ${record.arn} is ${status}; it must be ACTIVE first.`);
}

/** Deletion needs creation to be over (ACTIVE or CREATE FAILED) and no deletion under way. */
export function requireDeletable(record: { arn: string; lifecycle: Lifecycle }, what: string, now: number): void {
  const status = record.lifecycle.statusAt(now);
  if (record.lifecycle.deleting) throw inUse(`The ${what} ${record.arn} is already being deleted (${status}).`);
  if (!record.lifecycle.settledAt(now)) throw inUse(`The ${what} ${record.arn} is ${status}: wait until it is ACTIVE or CREATE FAILED before deleting it.`);
}

/** A new lifecycle, failed from the start when a failure was asked for (faults.failNext). */
export function startLifecycle(ctx: OperationContext, kind: LifecycleKind, outcome: Outcome = { ok: true }): Lifecycle {
  const injected = ctx.faults.takeCreationFailure(kind);
  return ctx.state.startLifecycle(kind, injected !== undefined ? { ok: false, reason: injected } : outcome);
}

export function enumValue<T extends string>(input: Input, field: string, values: readonly T[], fallback: T): T {
  const value = input.optionalString(field);
  if (value === undefined) return fallback;
  if (!(values as readonly string[]).includes(value)) {
    throw invalidInput(
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`,
    );
  }
  return value as T;
}

const DOMAINS = ["ECOMMERCE", "VIDEO_ON_DEMAND"] as const;

export function optionalDomain(input: Input): string | undefined {
  return input.has("domain") ? enumValue(input, "domain", DOMAINS, "ECOMMERCE") : undefined;
}

export const creating = (lifecycle: Lifecycle, now: number) => ["CREATE PENDING", "CREATE IN_PROGRESS"].includes(lifecycle.statusAt(now));

/** The version a campaign serves: its ARN, or the latest ACTIVE version of `<solution ARN>/$LATEST`. */
export function servedVersion(ctx: Pick<OperationContext, "state" | "now">, solutionVersionArn: string) {
  if (!solutionVersionArn.endsWith("/$LATEST")) return ctx.state.solutionVersions.get(solutionVersionArn);
  const solutionArn = solutionVersionArn.slice(0, -"/$LATEST".length);
  return [...ctx.state.solutionVersions.values()].filter((v) => v.solutionArn === solutionArn && v.lifecycle.statusAt(ctx.now) === "ACTIVE").at(-1);
}
