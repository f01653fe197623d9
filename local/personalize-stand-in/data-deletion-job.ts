/**
 * What a data deletion job does: read `dataSource.dataLocation` from S3 ("a CSV file with a single
 * USER_ID column that lists the users IDs", CreateDataDeletionJob), and, when the clock says the job
 * is done, delete "all references to specific users" from the dataset group: their interactions
 * (imported and streamed), their Users rows, and their data in the group's trained models ("it can
 * take up to a day to delete all references to the users from datasets and models"). It reads with
 * the stand-in's own S3 credentials, not `roleArn` (as import jobs do).
 */
import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CsvError, parse } from "csv-parse";
import type { StandInState } from "./state";

export type DeletionInput = { ok: true; userIds: string[] } | { ok: false; reason: string };

class DeletionFailure extends Error {}

export class DeletionReader {
  constructor(private readonly s3: S3Client | undefined) {}

  async read(dataLocation: string): Promise<DeletionInput> {
    try {
      return { ok: true, userIds: await this.readAll(dataLocation) };
    } catch (err) {
      return { ok: false, reason: err instanceof DeletionFailure ? err.message : `The data deletion job failed: ${(err as Error).message}` };
    }
  }

  private async readAll(location: string): Promise<string[]> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) throw new DeletionFailure(`The data location ${location} is not an s3://bucket/key location of a CSV file.`);
    if (!this.s3) throw new DeletionFailure(`This local stand-in was started without an S3 endpoint, so it cannot read ${location}.`);
    let body: Readable;
    try {
      body = (await this.s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }))).Body as Readable;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === "NoSuchKey" || name === "NotFound") throw new DeletionFailure(`Input file ${location} does not exist (NoSuchKey).`);
      if (name === "NoSuchBucket") throw new DeletionFailure(`The bucket of ${location} does not exist (NoSuchBucket).`);
      throw new DeletionFailure(`Failed to read ${location}: ${name ?? "Error"}: ${(err as Error).message}`);
    }
    const ids: string[] = [];
    let header = true;
    try {
      for await (const record of body.pipe(parse({ bom: true, skip_empty_lines: true })) as AsyncIterable<string[]>) {
        if (header) {
          if (record.length !== 1 || record[0] !== "USER_ID") {
            throw new DeletionFailure(`${location}: the header must be the single column USER_ID, not ${JSON.stringify(record.join(","))}.`);
          }
          header = false;
          continue;
        }
        if (record.length !== 1 || (record[0] as string) === "") throw new DeletionFailure(`${location} row ${ids.length + 1}: one USER_ID per line.`);
        ids.push(record[0] as string);
      }
    } catch (err) {
      body.destroy();
      if (err instanceof CsvError) throw new DeletionFailure(`${location} is not valid CSV: ${err.message}`);
      throw err;
    }
    if (header) throw new DeletionFailure(`${location} is empty: the first row must be the header USER_ID.`);
    return ids;
  }
}

/** Removes the users from the group's datasets and models; answers how many of them the group knew. */
export function removeUsers(state: StandInState, datasetGroupArn: string, userIds: readonly string[]): number {
  const users = new Set(userIds);
  const found = new Set<string>();
  for (const dataset of state.datasetsOf(datasetGroupArn)) {
    if (dataset.datasetType === "INTERACTIONS") {
      const keep = (i: { userId: string }) => {
        if (!users.has(i.userId)) return true;
        found.add(i.userId);
        return false;
      };
      dataset.bulk = dataset.bulk.filter(keep);
      dataset.streamed = dataset.streamed.filter(keep);
    } else if (dataset.datasetType === "USERS") {
      const kept = dataset.attributes
        .map((row, index) => ({ row, id: dataset.ids[index] as string }))
        .filter(({ id }) => {
          if (!users.has(id)) return true;
          found.add(id);
          return false;
        });
      dataset.ids = kept.map((k) => k.id);
      dataset.attributes = kept.map((k) => k.row);
    }
  }
  const solutions = new Set([...state.solutions.values()].filter((s) => s.datasetGroupArn === datasetGroupArn).map((s) => s.arn));
  for (const version of state.solutionVersions.values()) if (solutions.has(version.solutionArn)) version.model = version.model?.withoutUsers(users);
  for (const recommender of state.recommenders.values())
    if (recommender.datasetGroupArn === datasetGroupArn) recommender.model = recommender.model?.withoutUsers(users);
  return found.size;
}
