/**
 * Personalize ARNs in AWS's formats. Resource types as the Service Authorization Reference lists
 * them (`arn:${Partition}:personalize:${Region}:${Account}:<type>/${ResourceId}`); the resource ids
 * as AWS makes them: names for most, `<group name>/<TYPE>` for datasets, `<solution name>/<id>` for
 * solution versions, a generated id for event trackers.
 */
import { randomBytes, randomUUID } from "node:crypto";

export type ArnType =
  | "schema"
  | "dataset-group"
  | "dataset"
  | "dataset-import-job"
  | "solution"
  | "campaign"
  | "event-tracker"
  | "batch-inference-job"
  | "batch-segment-job"
  | "filter"
  | "recommender"
  | "data-deletion-job";

export class Arns {
  constructor(
    readonly region: string,
    readonly accountId: string,
    readonly partition = "aws",
  ) {}

  of(type: ArnType, resourceId: string): string {
    return `arn:${this.partition}:personalize:${this.region}:${this.accountId}:${type}/${resourceId}`;
  }

  /** `solution/<name>/<8 hex>`: a version lives under its solution. */
  solutionVersion(solutionArn: string): string {
    return `${solutionArn}/${hexId()}`;
  }
}

/** The 8-hex-digit ids AWS gives solution versions and event trackers. */
export function hexId(): string {
  return randomBytes(4).toString("hex");
}

/** Event trackers' tracking ids are UUIDs. */
export function trackingId(): string {
  return randomUUID();
}

/** GetRecommendations answers an id per list; 40 characters, the longest PutEvents accepts back. */
export function recommendationId(): string {
  return `RID-${randomUUID()}`;
}

/** The name part of a resource ARN (`.../dataset-group/roadmapx` → `roadmapx`). */
export function resourceName(arn: string): string {
  return arn.slice(arn.indexOf("/") + 1);
}
