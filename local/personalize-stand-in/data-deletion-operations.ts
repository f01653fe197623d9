/**
 * Control-plane handlers for data deletion jobs: CreateDataDeletionJob, DescribeDataDeletionJob,
 * ListDataDeletionJobs, with the fields of the SDK's DataDeletionJob shape and statuses `PENDING >
 * IN_PROGRESS > COMPLETED -or- FAILED` (CreateDataDeletionJob). `roleArn` is required and checked as
 * import jobs' is ("These permissions are the same as importing data"); the dataset group must exist
 * and be ACTIVE. The job's input is read at creation (data-deletion-job.ts); when the clock says the
 * job ends it is COMPLETED with `numDeleted` (how many of the listed users the group knew: the docs say
 * "The number of records deleted", which the stand-in reads as users) or FAILED with a `failureReason`
 * (a missing object, a header that is not `USER_ID`).
 */
import { alreadyExists, invalidInput } from "./errors";
import type { Lifecycle } from "./lifecycle";
import { find, type Handler, requireActive, seconds } from "./operation-context";
import { page } from "./paging";
import type { DataDeletionJobRecord } from "./state";
import { tagsOf } from "./tags";
import { ROLE_ARN_RULE, S3_LOCATION_RULE } from "./validation";

function jobStatus(lifecycle: Lifecycle, now: number): string {
  const status = lifecycle.statusAt(now);
  return status === "CREATE PENDING" ? "PENDING" : status === "CREATE IN_PROGRESS" ? "IN_PROGRESS" : status === "ACTIVE" ? "COMPLETED" : "FAILED";
}

function summary(j: DataDeletionJobRecord, now: number) {
  const status = jobStatus(j.lifecycle, now);
  return {
    dataDeletionJobArn: j.arn,
    datasetGroupArn: j.datasetGroupArn,
    jobName: j.jobName,
    status,
    creationDateTime: seconds(j.lifecycle.createdAt),
    lastUpdatedDateTime: seconds(j.lifecycle.lastUpdatedAt(now)),
    ...(status === "FAILED" ? { failureReason: j.lifecycle.failureReason } : {}),
  };
}

const CreateDataDeletionJob: Handler = (input, ctx) => {
  const jobName = input.name("jobName");
  const datasetGroupArn = input.arn("datasetGroupArn");
  const dataSource = input.object("dataSource");
  if (!dataSource) throw invalidInput("1 validation error detected: Value null at 'dataSource' failed to satisfy constraint: Member must not be null");
  const dataLocation = dataSource.string("dataLocation", S3_LOCATION_RULE);
  const roleArn = input.string("roleArn", ROLE_ARN_RULE);
  const tags = tagsOf(input);
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  const arn = ctx.arns.of("data-deletion-job", jobName);
  if (ctx.state.dataDeletionJobs.has(arn)) throw alreadyExists(arn);
  const injected = ctx.faults.takeCreationFailure("dataDeletionJob");
  const lifecycle = ctx.state.startLifecycle("dataDeletionJob", injected !== undefined ? { ok: false, reason: injected } : undefined);
  const reading = injected === undefined ? ctx.deletions.read(dataLocation) : undefined;
  ctx.state.dataDeletionJobs.set(arn, {
    arn,
    jobName,
    datasetGroupArn,
    dataLocation,
    roleArn,
    tags,
    lifecycle,
    reading,
    applied: false,
    numDeleted: undefined,
  });
  return { dataDeletionJobArn: arn };
};

const DescribeDataDeletionJob: Handler = (input, ctx) => {
  const j = find(ctx.state.dataDeletionJobs, input.arn("dataDeletionJobArn"));
  const s = summary(j, ctx.now);
  return {
    dataDeletionJob: {
      ...s,
      dataSource: { dataLocation: j.dataLocation },
      roleArn: j.roleArn,
      ...(s.status === "COMPLETED" ? { numDeleted: j.numDeleted ?? 0 } : {}),
    },
  };
};

const ListDataDeletionJobs: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.dataDeletionJobs.values()]
    .filter((j) => datasetGroupArn === undefined || j.datasetGroupArn === datasetGroupArn)
    .map((j) => summary(j, ctx.now));
  const { items, nextToken } = page(all, `ListDataDeletionJobs:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { dataDeletionJobs: items, nextToken };
};

export const DATA_DELETION_OPERATIONS: Readonly<Record<string, Handler>> = { CreateDataDeletionJob, DescribeDataDeletionJob, ListDataDeletionJobs };
