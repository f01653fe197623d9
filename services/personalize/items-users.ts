/**
 * New items and users in real time (personalize-events PutItems / PutUsers): every record checked
 * before the first call, with the CSV validator's own column rules (csv-columns.ts: the same checks a
 * dataset CSV's values get), then sent in calls of at most 10.
 *
 * API reference, PutItems / PutUsers: `items` / `users` hold 1 to 10 records; an id is 1 to 256
 * characters; `properties` is "a string map of item-specific metadata", its keys "camel case names
 * that match the fields in the schema" (`NUMBER_OF_RATINGS` → `numberOfRatings`), several categorical
 * values joined with "|"; an Item's properties are at most 32,000 characters (the User page found
 * gives no figure, so the same bound is applied).
 */
import type { ServiceContext } from "../context";
import { readHeader } from "./csv-columns";
import { datasetTypeOf } from "./import";
import { WorkflowError } from "./errors";
import { ownedArn } from "./owned";
import { type DatasetSchema, type DatasetType, type FieldSpec, parseSchema } from "./schemas";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");
/** @aws-sdk/client-personalize-events, loaded on the first call. */
const sdkPersonalizeEvents = (): typeof import("@aws-sdk/client-personalize-events") =>
  require("@aws-sdk/client-personalize-events") as typeof import("@aws-sdk/client-personalize-events");

/** PutItems / PutUsers take 1 to 10 records per call. */
export const MAX_RECORDS_PER_CALL = 10;
/** An Item's `properties`: at most 32,000 characters. */
export const MAX_PROPERTIES_LENGTH = 32_000;

export type PropertyValue = string | number | boolean | readonly string[];
export type RecordProperties = Readonly<Record<string, PropertyValue>>;

/** A record that breaks the dataset's schema: which one (its index in the list) and which field. */
export class RecordValidationError extends WorkflowError {
  constructor(
    readonly index: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "RecordValidationError";
  }
}

/** A schema field's name as PutItems/PutUsers want it: `NUMBER_OF_RATINGS` → `numberOfRatings`. */
export function camelCaseField(name: string): string {
  const [first = "", ...rest] = name.split("_").filter((p) => p !== "");
  return first.toLowerCase() + rest.map((p) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()).join("");
}

/** The schema of a dataset: DescribeDataset, then DescribeSchema. */
async function schemaOf(ctx: ServiceContext, datasetArn: string, type: DatasetType): Promise<DatasetSchema> {
  const sdk = sdkPersonalize();
  const schemaArn = (await ctx.clients.personalize.send(new sdk.DescribeDatasetCommand({ datasetArn }))).dataset?.schemaArn;
  if (!schemaArn) throw new WorkflowError(`dataset ${datasetArn} has no schema (DescribeDataset): pass the schema`);
  const avro = (await ctx.clients.personalize.send(new sdk.DescribeSchemaCommand({ schemaArn }))).schema?.schema;
  if (!avro) throw new WorkflowError(`schema ${schemaArn} has no Avro document (DescribeSchema): pass the schema`);
  return parseSchema(type, avro, `schema ${schemaArn}`);
}

interface Checked {
  id: string;
  properties?: string;
}

/**
 * Each record's values through the CSV validator's column checks (the record's index stands where a
 * CSV line number would), and its properties written as PutItems/PutUsers take them.
 */
function checkRecords(
  records: readonly { id: unknown; properties?: RecordProperties | undefined }[],
  schema: DatasetSchema,
  idField: "ITEM_ID" | "USER_ID",
  list: string,
): Checked[] {
  let issue: { field: string; message: string } | undefined;
  const names = schema.fields.map((f) => f.name);
  const columns = readHeader(names.join(","), 0, schema, (_line, _kind, message, column) => {
    issue ??= { field: column ?? "", message };
  });
  if (issue) throw new WorkflowError(`the ${schema.type} schema cannot check records: ${(issue as { message: string }).message}`);
  const byName = new Map<string, FieldSpec>();
  for (const f of schema.fields) {
    byName.set(f.name, f);
    byName.set(camelCaseField(f.name), f);
  }
  const idKey = idField === "ITEM_ID" ? "itemId" : "userId";
  return records.map((record, index) => {
    const where = `${list}[${index}]`;
    const fail = (field: string, message: string): never => {
      throw new RecordValidationError(index, field, `${where}${typeof record.id === "string" ? ` (${idKey} ${JSON.stringify(record.id)})` : ""}: ${message}`);
    };
    if (typeof record.id !== "string") fail(idField, `${idKey} must be a string (got ${JSON.stringify(record.id)})`);
    const id = record.id as string;
    const values = new Map<string, string>([[idField, id]]);
    for (const [key, value] of Object.entries(record.properties ?? {})) {
      if (value === undefined || value === null) continue;
      const field = byName.get(key);
      if (!field) fail(key, `${key} is not a field of the ${schema.type} schema (${names.filter((n) => n !== idField).join(", ")})`);
      const spec = field as FieldSpec;
      if (spec.name === idField) fail(key, `${idField} goes in ${idKey}, not in properties`);
      if (values.has(spec.name)) fail(key, `${spec.name} is given twice (as ${spec.name} and ${camelCaseField(spec.name)})`);
      if (Array.isArray(value)) {
        if (!spec.categorical) fail(spec.name, `${spec.name} takes one value; only categorical fields take a list`);
        values.set(spec.name, (value as readonly unknown[]).map(String).join("|"));
      } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        values.set(spec.name, String(value));
      } else {
        fail(spec.name, `${spec.name} must be a string, a number, a boolean or (categorical) a list of strings`);
      }
    }
    // The validator's checks, on each field's value as a CSV would hold it (empty when absent).
    issue = undefined;
    names.forEach((name, k) => {
      if (issue) return;
      const bytes = Buffer.from(values.get(name) ?? "", "utf8");
      columns.checks[k]?.(bytes, 0, bytes.length, index);
    });
    if (issue) fail((issue as { field: string }).field, (issue as { message: string }).message);
    const properties: Record<string, string> = {};
    for (const name of names) {
      const value = values.get(name);
      if (name !== idField && value !== undefined && value !== "") properties[camelCaseField(name)] = value;
    }
    if (Object.keys(properties).length === 0) return { id };
    const json = JSON.stringify(properties);
    if (json.length > MAX_PROPERTIES_LENGTH)
      fail("properties", `the properties are ${json.length} characters as JSON; Personalize allows ${MAX_PROPERTIES_LENGTH}`);
    return { id, properties: json };
  });
}

async function resolveSchema(ctx: ServiceContext, datasetArn: string, want: DatasetType, schema: DatasetSchema | undefined): Promise<DatasetSchema> {
  const type = datasetTypeOf(datasetArn);
  if (type !== want) {
    throw new WorkflowError(
      `datasetArn ${datasetArn} is not a${want === "items" ? "n Items" : " Users"} dataset: expected arn:aws:personalize:REGION:ACCOUNT:dataset/GROUP/${want.toUpperCase()}`,
    );
  }
  ownedArn(ctx, "datasetArn", datasetArn);
  if (schema && schema.type !== want) throw new WorkflowError(`the schema given is a ${schema.type} schema; ${want} records need the ${want} schema`);
  return schema ?? schemaOf(ctx, datasetArn, want);
}

/** Sends checked records in calls of at most 10. */
async function sendBatches(checked: Checked[], send: (batch: Checked[]) => Promise<unknown>): Promise<{ sent: number; calls: number }> {
  let calls = 0;
  for (let i = 0; i < checked.length; i += MAX_RECORDS_PER_CALL) {
    await send(checked.slice(i, i + MAX_RECORDS_PER_CALL));
    calls++;
  }
  return { sent: checked.length, calls };
}

/** Adds or updates items of an Items dataset in real time; every item checked before the first call. */
export async function putItems(
  ctx: ServiceContext,
  args: { datasetArn: string; items: readonly { itemId: string; properties?: RecordProperties }[]; schema?: DatasetSchema },
): Promise<{ sent: number; calls: number }> {
  const schema = await resolveSchema(ctx, args.datasetArn, "items", args.schema);
  const checked = checkRecords(
    args.items.map((i) => ({ id: i.itemId, properties: i.properties })),
    schema,
    "ITEM_ID",
    "items",
  );
  return sendBatches(checked, (batch) =>
    ctx.clients.personalizeEvents.send(
      new (sdkPersonalizeEvents().PutItemsCommand)({
        datasetArn: args.datasetArn,
        items: batch.map((r) => ({ itemId: r.id, ...(r.properties !== undefined ? { properties: r.properties } : {}) })),
      }),
    ),
  );
}

/** Adds or updates users of a Users dataset in real time; every user checked before the first call. */
export async function putUsers(
  ctx: ServiceContext,
  args: { datasetArn: string; users: readonly { userId: string; properties?: RecordProperties }[]; schema?: DatasetSchema },
): Promise<{ sent: number; calls: number }> {
  const schema = await resolveSchema(ctx, args.datasetArn, "users", args.schema);
  const checked = checkRecords(
    args.users.map((u) => ({ id: u.userId, properties: u.properties })),
    schema,
    "USER_ID",
    "users",
  );
  return sendBatches(checked, (batch) =>
    ctx.clients.personalizeEvents.send(
      new (sdkPersonalizeEvents().PutUsersCommand)({
        datasetArn: args.datasetArn,
        users: batch.map((r) => ({ userId: r.id, ...(r.properties !== undefined ? { properties: r.properties } : {}) })),
      }),
    ),
  );
}
