/**
 * Amazon Personalize dataset schemas (Avro JSON): the three built-in schemas RoadmapX uses, and the
 * parsing of a custom one into the field specs the CSV validator checks rows against.
 */
import { describeJsonError } from "@roadmapx-ai/core";

export type DatasetType = "interactions" | "items" | "users";
export const DATASET_TYPES: readonly DatasetType[] = ["interactions", "items", "users"];

export type FieldType = "string" | "int" | "long" | "float" | "double" | "boolean";

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** `["null", T]` unions: the column may be empty. */
  nullable: boolean;
  /** Categorical strings may hold several values separated by "|". */
  categorical: boolean;
  /** Free text (items only): long values allowed, no "|" splitting. */
  textual: boolean;
}

export interface DatasetSchema {
  type: DatasetType;
  /** The Avro record name. */
  name: string;
  fields: FieldSpec[];
  /** The Avro document as Personalize's CreateSchema takes it. */
  avro: string;
}

/** Columns Personalize requires in each dataset type. */
export const REQUIRED_FIELDS: Readonly<Record<DatasetType, readonly string[]>> = {
  interactions: ["USER_ID", "ITEM_ID", "TIMESTAMP"],
  items: ["ITEM_ID"],
  users: ["USER_ID"],
};

/** Timestamp columns: Unix epoch seconds. */
export const TIMESTAMP_FIELDS: readonly string[] = ["TIMESTAMP", "CREATION_TIMESTAMP"];
/** Identifier columns: at most 256 characters. */
export const ID_FIELDS: readonly string[] = ["USER_ID", "ITEM_ID"];
export const MAX_ID_LENGTH = 256;

const NAMESPACE = "com.amazonaws.personalize.schema";

/** What RoadmapX sends by default: who interacted with which roadmap item, when, and how. */
export const BUILTIN_AVRO: Readonly<Record<DatasetType, object>> = {
  interactions: {
    type: "record",
    name: "Interactions",
    namespace: NAMESPACE,
    fields: [
      { name: "USER_ID", type: "string" },
      { name: "ITEM_ID", type: "string" },
      { name: "TIMESTAMP", type: "long" },
      { name: "EVENT_TYPE", type: ["null", "string"], default: null },
    ],
    version: "1.0",
  },
  items: {
    type: "record",
    name: "Items",
    namespace: NAMESPACE,
    fields: [
      { name: "ITEM_ID", type: "string" },
      { name: "CATEGORY", type: ["null", "string"], categorical: true, default: null },
      { name: "CREATION_TIMESTAMP", type: ["null", "long"], default: null },
    ],
    version: "1.0",
  },
  users: {
    type: "record",
    name: "Users",
    namespace: NAMESPACE,
    fields: [
      { name: "USER_ID", type: "string" },
      { name: "SEGMENT", type: ["null", "string"], categorical: true, default: null },
    ],
    version: "1.0",
  },
};

export class SchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SchemaError";
  }
}

const FIELD_TYPES: readonly FieldType[] = ["string", "int", "long", "float", "double", "boolean"];

/** Parses and checks an Avro schema for a dataset type; errors name the field and the rule. */
export function parseSchema(type: DatasetType, avro: string | object, where = "the schema"): DatasetSchema {
  let doc: unknown;
  try {
    doc = typeof avro === "string" ? JSON.parse(avro) : avro;
  } catch (err) {
    throw new SchemaError(`${where} is not JSON (${typeof avro === "string" ? describeJsonError(err, avro) : "not valid JSON"})`);
  }
  const record = doc as { type?: unknown; name?: unknown; fields?: unknown };
  if (record.type !== "record" || typeof record.name !== "string" || !Array.isArray(record.fields)) {
    throw new SchemaError(`${where} must be an Avro record: {"type": "record", "name": ..., "fields": [...]}`);
  }
  const fields: FieldSpec[] = [];
  for (const [i, raw] of (record.fields as unknown[]).entries()) {
    const f = raw as { name?: unknown; type?: unknown; categorical?: unknown; textual?: unknown };
    if (typeof f.name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name)) {
      throw new SchemaError(`${where}: field ${i + 1} needs a name of letters, digits and "_" (got ${JSON.stringify(f.name)})`);
    }
    const types = Array.isArray(f.type) ? f.type : [f.type];
    const nonNull = types.filter((t) => t !== "null");
    const base = nonNull[0];
    if (nonNull.length !== 1 || typeof base !== "string" || !FIELD_TYPES.includes(base as FieldType)) {
      throw new SchemaError(
        `${where}: field ${f.name} has type ${JSON.stringify(f.type)}; use one of ${FIELD_TYPES.join(", ")}, or ["null", <type>] for an optional field`,
      );
    }
    if ((f.categorical === true || f.textual === true) && base !== "string") {
      throw new SchemaError(`${where}: field ${f.name} is categorical or textual, which only string fields can be`);
    }
    fields.push({
      name: f.name,
      type: base as FieldType,
      nullable: types.includes("null"),
      categorical: f.categorical === true,
      textual: f.textual === true,
    });
  }
  const names = fields.map((f) => f.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new SchemaError(`${where}: field ${duplicate} appears twice`);
  for (const required of REQUIRED_FIELDS[type]) {
    const field = fields.find((f) => f.name === required);
    if (!field) throw new SchemaError(`${where}: an ${type} schema needs a ${required} field`);
    if (field.nullable) throw new SchemaError(`${where}: ${required} must not be nullable in an ${type} schema`);
  }
  for (const ts of TIMESTAMP_FIELDS) {
    const field = fields.find((f) => f.name === ts);
    if (field && field.type !== "long") throw new SchemaError(`${where}: ${ts} must be a long (Unix epoch seconds)`);
  }
  return { type, name: record.name, fields, avro: JSON.stringify(doc) };
}

export function builtinSchema(type: DatasetType): DatasetSchema {
  return parseSchema(type, BUILTIN_AVRO[type], `the built-in ${type} schema`);
}

/**
 * The Interactions schema of a domain dataset group (ECOMMERCE, VIDEO_ON_DEMAND), for recommenders:
 * the built-in one with EVENT_TYPE required, as both domains' "datasets and schema requirements"
 * pages have it. Items and Users datasets of a domain need the domain's own fields: bring a schema.
 */
export function builtinDomainInteractionsSchema(): DatasetSchema {
  const avro = BUILTIN_AVRO.interactions as { fields: { name: string }[] };
  const fields = avro.fields.map((f) => (f.name === "EVENT_TYPE" ? { name: "EVENT_TYPE", type: "string" } : f));
  return parseSchema("interactions", { ...avro, fields }, "the built-in domain interactions schema");
}

export function isDatasetType(value: string): value is DatasetType {
  return (DATASET_TYPES as readonly string[]).includes(value);
}
