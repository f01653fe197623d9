/**
 * What Personalize checks in a request before it acts, with the limits of its API model (the
 * Smithy shapes `Name`, `Arn`, `RoleArn`, `KmsKeyArn`, `S3Location`, `NextToken`, and each
 * operation's ranges), answered as AWS words a validation failure. Also the Avro schema rules a
 * dataset of each type needs.
 */
import { invalidInput } from "./errors";

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** The pattern as AWS prints it in the message. */
  patternText?: string;
}

/** `^[a-zA-Z0-9][a-zA-Z0-9\-_]*`, 1 to 63 characters: every Personalize resource name. */
export const NAME_RULE: StringRule = { min: 1, max: 63, pattern: /^[a-zA-Z0-9][a-zA-Z0-9\-_]*$/, patternText: "^[a-zA-Z0-9][a-zA-Z0-9\\-_]*" };
export const ARN_RULE: StringRule = { max: 256, pattern: /^arn:([a-z\d-]+):personalize:.*:.*:.+$/, patternText: "arn:([a-z\\d-]+):personalize:.*:.*:.+" };
export const ROLE_ARN_RULE: StringRule = {
  max: 256,
  pattern: /^arn:([a-z\d-]+):iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/,
  patternText: "arn:([a-z\\d-]+):iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
};
export const KMS_KEY_ARN_RULE: StringRule = { max: 2048, pattern: /^arn:aws.*:kms:.*:[0-9]{12}:key\/.*$/, patternText: "arn:aws.*:kms:.*:[0-9]{12}:key/.*" };
export const S3_LOCATION_RULE: StringRule = { max: 256, pattern: /^(s3|http|https):\/\/.+$/, patternText: "(s3|http|https)://.+" };
export const NEXT_TOKEN_RULE: StringRule = { max: 1500 };
/** Ids, session ids, event types and the like in the runtime and events APIs. */
export const ID_RULE: StringRule = { min: 1, max: 256 };

function validationError(field: string, value: unknown, constraint: string) {
  const shown = value === null || value === undefined ? "null" : `'${typeof value === "string" ? value : JSON.stringify(value)}'`;
  return invalidInput(`1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: Member must ${constraint}`);
}

function checkString(field: string, value: string, rule: StringRule): string {
  if (rule.min !== undefined && value.length < rule.min) throw validationError(field, value, `have length greater than or equal to ${rule.min}`);
  if (rule.max !== undefined && value.length > rule.max) throw validationError(field, value, `have length less than or equal to ${rule.max}`);
  if (rule.pattern && !rule.pattern.test(value))
    throw validationError(field, value, `satisfy regular expression pattern: ${rule.patternText ?? String(rule.pattern)}`);
  return value;
}

/** A request body, read field by field with AWS's checks. */
export class Input {
  private constructor(private readonly body: Readonly<Record<string, unknown>>) {}

  static of(body: unknown): Input {
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidInput("the request body must be a JSON object");
    return new Input(body as Record<string, unknown>);
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, rule: StringRule = {}): string {
    const value = this.optionalString(field, rule);
    if (value === undefined) throw validationError(field, null, "not be null");
    return value;
  }

  optionalString(field: string, rule: StringRule = {}): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw validationError(field, value, "be a string");
    return checkString(field, value, rule);
  }

  name(field = "name"): string {
    return this.string(field, NAME_RULE);
  }

  arn(field: string): string {
    return this.string(field, ARN_RULE);
  }

  optionalArn(field: string): string | undefined {
    return this.optionalString(field, ARN_RULE);
  }

  integer(field: string, range: { min: number; max: number }): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isInteger(value)) throw validationError(field, value, "be an integer");
    if (value < range.min) throw validationError(field, value, `have value greater than or equal to ${range.min}`);
    if (value > range.max) throw validationError(field, value, `have value less than or equal to ${range.max}`);
    return value;
  }

  number(field: string): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "number" || !Number.isFinite(value)) throw validationError(field, value, "be a number");
    return value;
  }

  boolean(field: string): boolean | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "boolean") throw validationError(field, value, "be a boolean");
    return value;
  }

  object(field: string): Input | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) throw validationError(field, value, "be an object");
    return new Input(value as Record<string, unknown>);
  }

  /** The raw JSON value, for fields stored and echoed back unchanged (configs, tags). */
  raw(field: string): unknown {
    return this.body[field];
  }

  list(field: string, size: { min: number; max: number }): Input[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw validationError(field, value, "be a list");
    if (value.length < size.min) throw validationError(field, `[${value.length} items]`, `have length greater than or equal to ${size.min}`);
    if (value.length > size.max) throw validationError(field, `[${value.length} items]`, `have length less than or equal to ${size.max}`);
    return value.map((item: unknown, i) => {
      if (typeof item !== "object" || item === null || Array.isArray(item)) throw validationError(`${field}.${i + 1}`, item, "be an object");
      return new Input(item as Record<string, unknown>);
    });
  }

  stringList(field: string, size: { min: number; max: number }, rule: StringRule = {}): string[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw validationError(field, value, "be a list of strings");
    if (value.length < size.min) throw validationError(field, `[${value.length} items]`, `have length greater than or equal to ${size.min}`);
    if (value.length > size.max) throw validationError(field, `[${value.length} items]`, `have length less than or equal to ${size.max}`);
    return (value as string[]).map((v, i) => checkString(`${field}.${i + 1}`, v, rule));
  }

  /** `maxResults` of a List* call: 1 to 100, 100 when absent. */
  maxResults(): number {
    return this.integer("maxResults", { min: 1, max: 100 }) ?? 100;
  }

  nextToken(): string | undefined {
    return this.optionalString("nextToken", NEXT_TOKEN_RULE);
  }
}

/** Dataset types the stand-in keeps, as they appear in dataset ARNs. */
export type DatasetType = "INTERACTIONS" | "ITEMS" | "USERS";
export const DATASET_TYPES: readonly DatasetType[] = ["INTERACTIONS", "ITEMS", "USERS"];

/** `Interactions` as the services send it, or `INTERACTIONS`: Personalize takes either spelling. */
export function datasetTypeOf(value: string): DatasetType {
  const upper = value.toUpperCase();
  if ((DATASET_TYPES as readonly string[]).includes(upper)) return upper as DatasetType;
  if (upper === "ACTIONS" || upper === "ACTION_INTERACTIONS") {
    throw invalidInput(`datasetType ${value} is valid in Personalize, but this local stand-in keeps only Interactions, Items and Users datasets`);
  }
  throw invalidInput(`datasetType ${value} is not valid: use Interactions, Items, Users, Actions or Action_Interactions`);
}

/** The fields each dataset type's schema must have, non-null, with their Avro types (Personalize's schema requirements). */
export const REQUIRED_FIELDS: Readonly<Record<DatasetType, readonly { name: string; type: string }[]>> = {
  INTERACTIONS: [
    { name: "USER_ID", type: "string" },
    { name: "ITEM_ID", type: "string" },
    { name: "TIMESTAMP", type: "long" },
  ],
  ITEMS: [{ name: "ITEM_ID", type: "string" }],
  USERS: [{ name: "USER_ID", type: "string" }],
};

export type AvroType = "string" | "int" | "long" | "float" | "double" | "boolean";
const AVRO_TYPES: readonly string[] = ["string", "int", "long", "float", "double", "boolean"];

export interface SchemaField {
  name: string;
  type: AvroType;
  nullable: boolean;
}

/** CreateSchema's check: an Avro record whose fields have primitive types (or `["null", T]`). */
export function parseAvroSchema(text: string): SchemaField[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidInput("The schema is not valid JSON.");
  }
  const record = doc as { type?: unknown; name?: unknown; fields?: unknown };
  if (record === null || typeof record !== "object" || record.type !== "record" || typeof record.name !== "string" || !Array.isArray(record.fields)) {
    throw invalidInput('The schema must be an Avro record: {"type": "record", "name": ..., "fields": [...]}.');
  }
  const fields: SchemaField[] = [];
  for (const raw of record.fields as unknown[]) {
    const f = (raw ?? {}) as { name?: unknown; type?: unknown };
    if (typeof f.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name)) throw invalidInput(`Schema field name ${JSON.stringify(f.name)} is not valid.`);
    const types = Array.isArray(f.type) ? (f.type as unknown[]) : [f.type];
    const nonNull = types.filter((t) => t !== "null");
    const base = nonNull[0];
    if (nonNull.length !== 1 || typeof base !== "string" || !AVRO_TYPES.includes(base)) {
      throw invalidInput(`Schema field ${f.name} has an unsupported type ${JSON.stringify(f.type)}.`);
    }
    if (fields.some((existing) => existing.name === f.name)) throw invalidInput(`Schema field ${f.name} appears more than once.`);
    fields.push({ name: f.name, type: base as AvroType, nullable: types.includes("null") });
  }
  return fields;
}

/** CreateDataset's check that the schema suits the dataset type. */
export function checkSchemaFitsType(fields: readonly SchemaField[], type: DatasetType, schemaArn: string): void {
  for (const required of REQUIRED_FIELDS[type]) {
    const field = fields.find((f) => f.name === required.name);
    if (!field) throw invalidInput(`The schema ${schemaArn} cannot be used for a ${type} dataset: it has no ${required.name} field.`);
    if (field.nullable || field.type !== required.type) {
      throw invalidInput(`The schema ${schemaArn} cannot be used for a ${type} dataset: ${required.name} must be a non-null ${required.type}.`);
    }
  }
}
