/**
 * PutItems (`POST /items`) and PutUsers (`POST /users`), personalize-events REST-JSON: 1 to 10
 * records per call, ids 1 to 256 characters, `properties` a JSON object of at most 32,000 (items) or
 * 24,000 (users) characters whose keys "use camel case names that match the fields in the schema"
 * (`NUMBER_OF_RATINGS` → `numberOfRatings`), categorical values joined with `|` (the Item and User
 * shapes). A key that names no field of the schema, or a value that does not fit the field's type, is
 * an InvalidInputException. The dataset must exist (ResourceNotFoundException), be of the right type
 * (InvalidInputException) and be ACTIVE (ResourceInUseException, one of the documented errors). A
 * record replaces the dataset's row of the same id, so metadata and filters see it at once (AWS does
 * not say how soon they do).
 */
import { inUse, invalidInput, notFound } from "./errors";
import type { OperationContext } from "./operation-context";
import type { DatasetType, SchemaField } from "./validation";
import { ID_RULE, type Input } from "./validation";

export const MAX_RECORDS_PER_CALL = 10;
const MAX_PROPERTIES = { ITEMS: 32_000, USERS: 24_000 } as const;

/** `NUMBER_OF_RATINGS` → `numberOfRatings`. */
export function camelCase(field: string): string {
  return field.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function valueOf(field: SchemaField, value: unknown, where: string): string {
  if (value === null) {
    if (!field.nullable) throw invalidInput(`${where}: ${camelCase(field.name)} may not be null (the schema's ${field.name} is not nullable).`);
    return "";
  }
  const numeric = ["int", "long", "float", "double"].includes(field.type);
  const text = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
  const fits =
    text !== undefined &&
    (numeric
      ? text.trim() !== "" && Number.isFinite(Number(text)) && (!["int", "long"].includes(field.type) || /^-?\d+$/.test(text))
      : field.type === "boolean"
        ? /^(true|false)$/i.test(text)
        : true);
  if (!fits)
    throw invalidInput(`${where}: ${camelCase(field.name)} is ${JSON.stringify(value)}, which is not a valid ${field.type} (the schema's ${field.name}).`);
  return text as string;
}

function put(input: Input, ctx: OperationContext, type: "ITEMS" | "USERS"): object {
  const datasetArn = input.arn("datasetArn");
  const [listField, idField, idKey] = type === "ITEMS" ? (["items", "ITEM_ID", "itemId"] as const) : (["users", "USER_ID", "userId"] as const);
  const records = input.list(listField, { min: 1, max: MAX_RECORDS_PER_CALL });
  if (!records) throw invalidInput(`1 validation error detected: Value null at '${listField}' failed to satisfy constraint: Member must not be null`);
  const parsed = records.map((r) => ({ id: r.string(idKey, ID_RULE), properties: r.optionalString("properties", { min: 1, max: MAX_PROPERTIES[type] }) }));
  const dataset = ctx.state.datasets.get(datasetArn);
  if (!dataset) throw notFound(datasetArn);
  if (dataset.datasetType !== (type as DatasetType))
    throw invalidInput(
      `The dataset ${datasetArn} is an ${dataset.datasetType} dataset; ${type === "ITEMS" ? "PutItems" : "PutUsers"} adds to an ${type} dataset.`,
    );
  const status = dataset.lifecycle.statusAt(ctx.now);
  if (status !== "ACTIVE") throw inUse(`The dataset ${datasetArn} is ${status}, not ACTIVE.`);
  const fields = (ctx.state.schemas.get(dataset.schemaArn)?.fields ?? []).filter((f) => f.name !== idField);
  const rows = parsed.map(({ id, properties }, index) => {
    const where = `${listField}[${index}] (${id})`;
    const row: Record<string, string> = { [idField]: id };
    if (properties === undefined) return row;
    let object: unknown;
    try {
      object = JSON.parse(properties);
    } catch {
      throw invalidInput(`${where}: properties must be a JSON object, e.g. {"numberOfRatings": "12"}.`);
    }
    if (typeof object !== "object" || object === null || Array.isArray(object)) throw invalidInput(`${where}: properties must be a JSON object.`);
    for (const [key, value] of Object.entries(object as Record<string, unknown>)) {
      const field = fields.find((f) => camelCase(f.name) === key);
      if (!field) {
        throw invalidInput(
          `${where}: properties key ${key} matches no field of the dataset's schema (keys are the fields' names in camel case: ${fields.map((f) => camelCase(f.name)).join(", ")}).`,
        );
      }
      row[field.name] = valueOf(field, value, where);
    }
    return row;
  });
  for (const row of rows) {
    const id = row[idField] as string;
    const at = dataset.ids.lastIndexOf(id);
    if (at >= 0) {
      dataset.attributes[at] = row;
    } else {
      dataset.ids.push(id);
      dataset.attributes.push(row);
    }
  }
  return {};
}

export const putItems = (input: Input, ctx: OperationContext): object => put(input, ctx, "ITEMS");
export const putUsers = (input: Input, ctx: OperationContext): object => put(input, ctx, "USERS");
