/**
 * A recommender's status, from its lifecycle and the clock: `CREATE PENDING > CREATE IN_PROGRESS >
 * ACTIVE -or- CREATE FAILED`, `STOP PENDING > STOP IN_PROGRESS > INACTIVE > START PENDING > START
 * IN_PROGRESS > ACTIVE`, `DELETE PENDING > DELETE IN_PROGRESS` (the Recommender shape's `status`).
 * Stopping and starting take the recommender kind's pendingMs, then its inProgressMs.
 */
import type { LifecycleDurations } from "./lifecycle";
import { seconds } from "./operation-context";
import type { RecommenderRecord } from "./state";

export function recommenderStatus(r: RecommenderRecord, durations: LifecycleDurations, now: number): string {
  const base = r.lifecycle.statusAt(now);
  if (base !== "ACTIVE" || !r.transition) return base;
  const since = now - r.transition.at;
  const verb = r.transition.kind === "stop" ? "STOP" : "START";
  if (since < durations.pendingMs) return `${verb} PENDING`;
  if (since < durations.pendingMs + durations.inProgressMs) return `${verb} IN_PROGRESS`;
  return r.transition.kind === "stop" ? "INACTIVE" : "ACTIVE";
}

export function recommenderFields(r: RecommenderRecord, durations: LifecycleDurations, now: number) {
  const status = recommenderStatus(r, durations, now);
  const changes = [r.lifecycle.lastUpdatedAt(now)];
  if (r.transition && !r.lifecycle.deleting) {
    changes.push(
      ...[r.transition.at, r.transition.at + durations.pendingMs, r.transition.at + durations.pendingMs + durations.inProgressMs].filter((t) => t <= now),
    );
  }
  return {
    status,
    creationDateTime: seconds(r.lifecycle.createdAt),
    lastUpdatedDateTime: seconds(Math.max(...changes)),
    ...(status === "CREATE FAILED" ? { failureReason: r.lifecycle.failureReason } : {}),
  };
}
