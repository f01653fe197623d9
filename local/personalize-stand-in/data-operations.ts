/**
 * Control-plane handlers for the data side: schemas, dataset groups, datasets, dataset import jobs
 * and event trackers, with Personalize's rules: names unique per account and region, one dataset per
 * type and one event tracker per dataset group, a group deleted only once it is empty, a schema only
 * once no dataset uses it.
 */
import { hexId, trackingId } from "./arns";
import { alreadyExists, inUse, invalidInput, limitExceeded, notFound } from "./errors";
import { MAX_IMPORT_BYTES } from "./import-job";
import {
  creating,
  enumValue,
  find,
  type Handler,
  lifecycleFields,
  optionalDomain,
  requireActive,
  requireDeletable,
  seconds,
  startLifecycle,
} from "./operation-context";
import { page } from "./paging";
import { checkSchemaFitsType, datasetTypeOf, KMS_KEY_ARN_RULE, parseAvroSchema, ROLE_ARN_RULE, S3_LOCATION_RULE } from "./validation";

// ---------- schemas (no lifecycle: a schema exists as soon as it is created) ----------

const CreateSchema: Handler = (input, ctx) => {
  const name = input.name();
  const schema = input.string("schema", { max: 20_000 });
  const domain = optionalDomain(input);
  const arn = ctx.arns.of("schema", name);
  if (ctx.state.schemas.has(arn)) throw alreadyExists(arn);
  const fields = parseAvroSchema(schema);
  ctx.state.schemas.set(arn, { arn, name, schema, fields, domain, createdAt: ctx.now });
  return { schemaArn: arn };
};

const DescribeSchema: Handler = (input, ctx) => {
  const s = find(ctx.state.schemas, input.arn("schemaArn"));
  return {
    schema: {
      name: s.name,
      schemaArn: s.arn,
      schema: s.schema,
      creationDateTime: seconds(s.createdAt),
      lastUpdatedDateTime: seconds(s.createdAt),
      domain: s.domain,
    },
  };
};

const ListSchemas: Handler = (input, ctx) => {
  const all = [...ctx.state.schemas.values()].map((s) => ({
    name: s.name,
    schemaArn: s.arn,
    creationDateTime: seconds(s.createdAt),
    lastUpdatedDateTime: seconds(s.createdAt),
    domain: s.domain,
  }));
  const { items, nextToken } = page(all, "ListSchemas", input.maxResults(), input.nextToken());
  return { schemas: items, nextToken };
};

const DeleteSchema: Handler = (input, ctx) => {
  const s = find(ctx.state.schemas, input.arn("schemaArn"));
  const user = [...ctx.state.datasets.values()].find((d) => d.schemaArn === s.arn);
  if (user) throw inUse(`The schema ${s.arn} is used by the dataset ${user.arn}: delete the dataset first.`);
  ctx.state.schemas.delete(s.arn);
  return {};
};

// ---------- dataset groups ----------

const CreateDatasetGroup: Handler = (input, ctx) => {
  const name = input.name();
  const roleArn = input.optionalString("roleArn", ROLE_ARN_RULE);
  const kmsKeyArn = input.optionalString("kmsKeyArn", KMS_KEY_ARN_RULE);
  if (kmsKeyArn && !roleArn) throw invalidInput("A roleArn with permission to use the KMS key is required when you specify kmsKeyArn.");
  const domain = optionalDomain(input);
  const arn = ctx.arns.of("dataset-group", name);
  if (ctx.state.datasetGroups.has(arn)) throw alreadyExists(arn);
  ctx.state.datasetGroups.set(arn, { arn, name, roleArn, kmsKeyArn, domain, lifecycle: startLifecycle(ctx, "datasetGroup") });
  return { datasetGroupArn: arn, ...(domain ? { domain } : {}) };
};

const DescribeDatasetGroup: Handler = (input, ctx) => {
  const g = find(ctx.state.datasetGroups, input.arn("datasetGroupArn"));
  return {
    datasetGroup: {
      name: g.name,
      datasetGroupArn: g.arn,
      roleArn: g.roleArn,
      kmsKeyArn: g.kmsKeyArn,
      domain: g.domain,
      ...lifecycleFields(g.lifecycle, ctx.now),
    },
  };
};

const ListDatasetGroups: Handler = (input, ctx) => {
  const all = [...ctx.state.datasetGroups.values()].map((g) => ({
    name: g.name,
    datasetGroupArn: g.arn,
    domain: g.domain,
    ...lifecycleFields(g.lifecycle, ctx.now),
  }));
  const { items, nextToken } = page(all, "ListDatasetGroups", input.maxResults(), input.nextToken());
  return { datasetGroups: items, nextToken };
};

const DeleteDatasetGroup: Handler = (input, ctx) => {
  const g = find(ctx.state.datasetGroups, input.arn("datasetGroupArn"));
  requireDeletable(g, "dataset group", ctx.now);
  const left = [
    ...[...ctx.state.eventTrackers.values()].filter((t) => t.datasetGroupArn === g.arn).map((t) => `event tracker ${t.arn}`),
    ...[...ctx.state.solutions.values()].filter((s) => s.datasetGroupArn === g.arn).map((s) => `solution ${s.arn}`),
    ...ctx.state.datasetsOf(g.arn).map((d) => `dataset ${d.arn}`),
  ];
  if (left.length > 0) throw inUse(`The dataset group ${g.arn} still has ${left.join(", ")}: delete its event trackers, solutions and datasets first.`);
  g.lifecycle.requestDelete(ctx.now);
  return {};
};

// ---------- datasets ----------

const CreateDataset: Handler = (input, ctx) => {
  const name = input.name();
  const schemaArn = input.arn("schemaArn");
  const datasetGroupArn = input.arn("datasetGroupArn");
  const datasetType = datasetTypeOf(input.string("datasetType", { max: 256 }));
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  const schema = find(ctx.state.schemas, schemaArn);
  checkSchemaFitsType(schema.fields, datasetType, schemaArn);
  const arn = ctx.arns.of("dataset", `${group.name}/${datasetType}`);
  if (ctx.state.datasets.has(arn)) throw alreadyExists(arn);
  ctx.state.datasets.set(arn, {
    arn,
    name,
    datasetGroupArn,
    datasetType,
    schemaArn,
    lifecycle: startLifecycle(ctx, "dataset"),
    bulk: [],
    streamed: [],
    ids: [],
    attributes: [],
  });
  return { datasetArn: arn };
};

const DescribeDataset: Handler = (input, ctx) => {
  const d = find(ctx.state.datasets, input.arn("datasetArn"));
  return {
    dataset: {
      name: d.name,
      datasetArn: d.arn,
      datasetGroupArn: d.datasetGroupArn,
      datasetType: d.datasetType,
      schemaArn: d.schemaArn,
      ...lifecycleFields(d.lifecycle, ctx.now),
    },
  };
};

const ListDatasets: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.datasets.values()]
    .filter((d) => datasetGroupArn === undefined || d.datasetGroupArn === datasetGroupArn)
    .map((d) => ({ name: d.name, datasetArn: d.arn, datasetType: d.datasetType, ...lifecycleFields(d.lifecycle, ctx.now) }));
  const { items, nextToken } = page(all, `ListDatasets:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { datasets: items, nextToken };
};

const DeleteDataset: Handler = (input, ctx) => {
  const d = find(ctx.state.datasets, input.arn("datasetArn"));
  requireDeletable(d, "dataset", ctx.now);
  const job = [...ctx.state.importJobs.values()].find((j) => j.datasetArn === d.arn && creating(j.lifecycle, ctx.now));
  if (job) throw inUse(`The dataset ${d.arn} has the dataset import job ${job.arn} in progress.`);
  const groupSolutions = new Set([...ctx.state.solutions.values()].filter((s) => s.datasetGroupArn === d.datasetGroupArn).map((s) => s.arn));
  const training = [...ctx.state.solutionVersions.values()].find((v) => groupSolutions.has(v.solutionArn) && creating(v.lifecycle, ctx.now));
  if (training) throw inUse(`The solution version ${training.arn} is training on the dataset ${d.arn}.`);
  d.lifecycle.requestDelete(ctx.now);
  return {};
};

// ---------- dataset import jobs ----------

const CreateDatasetImportJob: Handler = (input, ctx) => {
  const jobName = input.name("jobName");
  const datasetArn = input.arn("datasetArn");
  const dataSource = input.object("dataSource");
  if (!dataSource) throw invalidInput("1 validation error detected: Value null at 'dataSource' failed to satisfy constraint: Member must not be null");
  const dataLocation = dataSource.string("dataLocation", S3_LOCATION_RULE);
  // Optional in the current model, but Personalize needs a role to read the bucket; AWS used to require it.
  const roleArn = input.string("roleArn", ROLE_ARN_RULE);
  const importMode = enumValue(input, "importMode", ["FULL", "INCREMENTAL"] as const, "FULL");
  const publishAttributionMetricsToS3 = input.boolean("publishAttributionMetricsToS3");
  const dataset = find(ctx.state.datasets, datasetArn);
  requireActive(dataset, "dataset", ctx.now);
  const arn = ctx.arns.of("dataset-import-job", jobName);
  if (ctx.state.importJobs.has(arn)) throw alreadyExists(arn);
  const injected = ctx.faults.takeCreationFailure("datasetImportJob");
  const lifecycle = ctx.state.startLifecycle("datasetImportJob", injected !== undefined ? { ok: false, reason: injected } : undefined);
  const schema = find(ctx.state.schemas, dataset.schemaArn);
  // Read now, decide when the clock says the job ends: the result is ready (or awaited) by then.
  const reading =
    injected !== undefined
      ? undefined
      : ctx.reader.read({ dataLocation, datasetType: dataset.datasetType, fields: schema.fields, maxBytes: MAX_IMPORT_BYTES[importMode] });
  const job = {
    arn,
    jobName,
    datasetArn,
    dataLocation,
    roleArn,
    importMode,
    publishAttributionMetricsToS3,
    lifecycle,
    reading,
    result: undefined,
    applied: false,
  };
  ctx.state.importJobs.set(arn, job);
  return { datasetImportJobArn: arn };
};

const DescribeDatasetImportJob: Handler = (input, ctx) => {
  const j = find(ctx.state.importJobs, input.arn("datasetImportJobArn"));
  return {
    datasetImportJob: {
      jobName: j.jobName,
      datasetImportJobArn: j.arn,
      datasetArn: j.datasetArn,
      dataSource: { dataLocation: j.dataLocation },
      roleArn: j.roleArn,
      importMode: j.importMode,
      publishAttributionMetricsToS3: j.publishAttributionMetricsToS3,
      ...lifecycleFields(j.lifecycle, ctx.now),
    },
  };
};

const ListDatasetImportJobs: Handler = (input, ctx) => {
  const datasetArn = input.optionalArn("datasetArn");
  const all = [...ctx.state.importJobs.values()]
    .filter((j) => datasetArn === undefined || j.datasetArn === datasetArn)
    .map((j) => ({ datasetImportJobArn: j.arn, jobName: j.jobName, importMode: j.importMode, ...lifecycleFields(j.lifecycle, ctx.now) }));
  const { items, nextToken } = page(all, `ListDatasetImportJobs:${datasetArn ?? ""}`, input.maxResults(), input.nextToken());
  return { datasetImportJobs: items, nextToken };
};

// ---------- event trackers ----------

const CreateEventTracker: Handler = (input, ctx) => {
  const name = input.name();
  const datasetGroupArn = input.arn("datasetGroupArn");
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  const existing = [...ctx.state.eventTrackers.values()].find((t) => t.datasetGroupArn === datasetGroupArn);
  if (existing) throw limitExceeded(`Only one event tracker can be associated with a dataset group: ${datasetGroupArn} has ${existing.arn}.`);
  const tags = (input.list("tags", { min: 0, max: 200 }) ?? []).map((t) => ({ tagKey: t.string("tagKey"), tagValue: t.string("tagValue") }));
  const arn = ctx.arns.of("event-tracker", hexId());
  const tracker = { arn, name, datasetGroupArn, trackingId: trackingId(), tags, lifecycle: startLifecycle(ctx, "eventTracker") };
  ctx.state.eventTrackers.set(arn, tracker);
  return { eventTrackerArn: arn, trackingId: tracker.trackingId };
};

const DescribeEventTracker: Handler = (input, ctx) => {
  const t = find(ctx.state.eventTrackers, input.arn("eventTrackerArn"));
  return {
    eventTracker: {
      name: t.name,
      eventTrackerArn: t.arn,
      accountId: ctx.arns.accountId,
      trackingId: t.trackingId,
      datasetGroupArn: t.datasetGroupArn,
      ...lifecycleFields(t.lifecycle, ctx.now),
    },
  };
};

const ListEventTrackers: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.eventTrackers.values()]
    .filter((t) => datasetGroupArn === undefined || t.datasetGroupArn === datasetGroupArn)
    .map((t) => ({ name: t.name, eventTrackerArn: t.arn, ...lifecycleFields(t.lifecycle, ctx.now) }));
  const { items, nextToken } = page(all, `ListEventTrackers:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { eventTrackers: items, nextToken };
};

const DeleteEventTracker: Handler = (input, ctx) => {
  const t = find(ctx.state.eventTrackers, input.arn("eventTrackerArn"));
  requireDeletable(t, "event tracker", ctx.now);
  t.lifecycle.requestDelete(ctx.now);
  return {};
};

/** Only event trackers, batch jobs, filters, recommenders and data deletion jobs keep their tags (the application policy scopes event trackers by tag); any other resource has none. */
const ListTagsForResource: Handler = (input, ctx) => {
  const arn = input.arn("resourceArn");
  const tagged =
    ctx.state.eventTrackers.get(arn) ??
    ctx.state.batchInferenceJobs.get(arn) ??
    ctx.state.batchSegmentJobs.get(arn) ??
    ctx.state.filters.get(arn) ??
    ctx.state.recommenders.get(arn) ??
    ctx.state.dataDeletionJobs.get(arn);
  if (tagged) return { tags: tagged.tags };
  const { schemas, datasetGroups, datasets, importJobs, solutions, solutionVersions, campaigns } = ctx.state;
  if (![schemas, datasetGroups, datasets, importJobs, solutions, solutionVersions, campaigns].some((m) => m.has(arn))) throw notFound(arn);
  return { tags: [] };
};

export const DATA_OPERATIONS: Readonly<Record<string, Handler>> = {
  CreateSchema,
  DescribeSchema,
  ListSchemas,
  DeleteSchema,
  CreateDatasetGroup,
  DescribeDatasetGroup,
  ListDatasetGroups,
  DeleteDatasetGroup,
  CreateDataset,
  DescribeDataset,
  ListDatasets,
  DeleteDataset,
  CreateDatasetImportJob,
  DescribeDatasetImportJob,
  ListDatasetImportJobs,
  CreateEventTracker,
  DescribeEventTracker,
  ListEventTrackers,
  DeleteEventTracker,
  ListTagsForResource,
};
