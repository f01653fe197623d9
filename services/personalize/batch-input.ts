/**
 * A batch job's input, checked record by record and written as the JSON lines Personalize reads
 * ("Preparing input data for batch recommendations", "Preparing input data for user segments"):
 *
 *   {"userId": "4638"}                                  USER_PERSONALIZATION
 *   {"itemId": "105"}                                   RELATED_ITEMS, and Item-Affinity segments
 *   {"userId": "891", "itemList": ["27", "886"]}        PERSONALIZED_RANKING
 *   {"itemAttributes": "ITEMS.genres = \"Comedy\""}     Item-Attribute-Affinity segments
 *
 * each optionally with `filterValues`. The records stream: from an iterable, an async iterable or a
 * JSON-lines file read line by line, to an async iterable of bytes for the upload engine. The first
 * bad record (not JSON, not an object, an unknown field, a missing or over-long id, a kind other
 * than the first record's or than the recipe takes), the input passing 1 GB or a segment recipe's
 * query limit, or an empty input throws BatchInputError, which stops the upload before it completes.
 */
import { numberedLines } from "./numbered-lines";
import { PERSONALIZE_BATCH_LIMITS, BatchInputError, type BatchKind, type BatchSource, type BatchRecordKind } from "./batch-types";

/** What the input turned out to hold, filled in while it streams. */
export interface InputStats {
  records: number;
  bytes: number;
  kind: BatchRecordKind | undefined;
}

const DESCRIBED: Readonly<Record<BatchRecordKind, string>> = {
  user: '{"userId"} records',
  item: '{"itemId"} records',
  ranking: '{"userId", "itemList"} records',
  itemAffinity: '{"itemId"} records',
  itemAttributes: '{"itemAttributes"} records',
};

const FIELDS: Readonly<Record<BatchKind, readonly string[]>> = {
  inference: ["userId", "itemId", "itemList", "filterValues"],
  segment: ["itemId", "itemAttributes", "filterValues"],
};

type Json = Record<string, unknown>;

function id(record: Json, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== "string" || value.length === 0 || value.length > PERSONALIZE_BATCH_LIMITS.maxIdLength) {
    throw new BatchInputError(
      `${where}: ${field} must be a non-empty string of at most ${PERSONALIZE_BATCH_LIMITS.maxIdLength} characters (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

function filterValues(record: Json, where: string): Record<string, string> | undefined {
  const value = record["filterValues"];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw new BatchInputError(`${where}: filterValues must be an object of strings, such as {"GENRES": "\\"drama\\""}`);
  }
  if (Object.keys(value).length > PERSONALIZE_BATCH_LIMITS.maxFilterValues)
    throw new BatchInputError(`${where}: filterValues has more than ${PERSONALIZE_BATCH_LIMITS.maxFilterValues} entries`);
  return value as Record<string, string>;
}

/** One record, checked: its kind and the object written for it (fields in a fixed order). */
export function checkRecord(value: unknown, where: string, job: BatchKind): { kind: BatchRecordKind; line: Json } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new BatchInputError(`${where}: a record must be a JSON object`);
  const record = value as Json;
  const unknown = Object.keys(record).filter((k) => !FIELDS[job].includes(k) && record[k] !== undefined);
  if (unknown.length > 0) {
    throw new BatchInputError(
      `${where}: unknown field ${unknown.map((k) => `"${k}"`).join(", ")}: ${job === "inference" ? "batch recommendations" : "batch segments"} take ${FIELDS[job].join(", ")}`,
    );
  }
  const filters = filterValues(record, where);
  const withFilters = (line: Json): Json => (filters ? { ...line, filterValues: filters } : line);
  if (job === "segment") {
    const hasItem = record["itemId"] !== undefined;
    if (hasItem === (record["itemAttributes"] !== undefined)) throw new BatchInputError(`${where}: a segment record has either an itemId or itemAttributes`);
    if (hasItem) return { kind: "itemAffinity", line: withFilters({ itemId: id(record, "itemId", where) }) };
    const expression = record["itemAttributes"];
    if (typeof expression !== "string" || expression.trim() === "") {
      throw new BatchInputError(`${where}: itemAttributes must be an expression such as ITEMS.genres = "Comedy" (got ${JSON.stringify(expression)})`);
    }
    return { kind: "itemAttributes", line: withFilters({ itemAttributes: expression }) };
  }
  const hasUser = record["userId"] !== undefined;
  const hasItem = record["itemId"] !== undefined;
  if (hasUser && hasItem) throw new BatchInputError(`${where}: a record has a userId or an itemId, not both`);
  if (!hasUser && !hasItem) throw new BatchInputError(`${where}: the record has no userId (or itemId, for related items)`);
  if (hasItem) {
    if (record["itemList"] !== undefined) throw new BatchInputError(`${where}: itemList goes with a userId (personalized ranking), not an itemId`);
    return { kind: "item", line: withFilters({ itemId: id(record, "itemId", where) }) };
  }
  const userId = id(record, "userId", where);
  const list = record["itemList"];
  if (list === undefined) return { kind: "user", line: withFilters({ userId }) };
  if (!Array.isArray(list) || list.length === 0 || list.length > PERSONALIZE_BATCH_LIMITS.maxItemList) {
    throw new BatchInputError(`${where}: itemList must be a list of 1 to ${PERSONALIZE_BATCH_LIMITS.maxItemList} item ids`);
  }
  const bad = list.findIndex((item) => typeof item !== "string" || item.length === 0 || item.length > PERSONALIZE_BATCH_LIMITS.maxIdLength);
  if (bad >= 0) {
    throw new BatchInputError(
      `${where}: itemList[${bad}] must be a non-empty string of at most ${PERSONALIZE_BATCH_LIMITS.maxIdLength} characters (got ${JSON.stringify(list[bad])})`,
    );
  }
  return { kind: "ranking", line: withFilters({ userId, itemList: list as string[] }) };
}

function isPath(source: unknown): source is { path: string } {
  return (
    typeof source === "object" &&
    source !== null &&
    !(Symbol.iterator in source) &&
    !(Symbol.asyncIterator in source) &&
    typeof (source as { path?: unknown }).path === "string"
  );
}

/** The source's values with where each came from (`file line 7` or `record 7`); blank file lines are skipped. */
async function* located<T>(source: BatchSource<T>): AsyncGenerator<{ value: unknown; where: string }> {
  if (!isPath(source)) {
    let n = 0;
    for await (const value of source as AsyncIterable<T>) yield { value, where: `record ${++n}` };
    return;
  }
  const lines = numberedLines(source.path, (p) =>
    p.missing ? new BatchInputError(`input file ${source.path} does not exist`) : new BatchInputError(`cannot read the input file ${source.path}: ${p.reason}`),
  );
  for await (const { line, n } of lines) {
    const where = `${source.path} line ${n}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new BatchInputError(`${where}: not valid JSON (${(err as Error).message})`);
    }
    yield { value, where };
  }
}

const FLUSH_BYTES = 64 * 1024;

/**
 * The input as JSON-lines bytes, checked as it goes. `expected`: the kinds the solution version's
 * recipe takes (undefined when the recipe is not one the services know). `recipe` names it in errors.
 */
export async function* inputLines<T>(
  source: BatchSource<T>,
  job: BatchKind,
  stats: InputStats,
  expected?: { kinds: readonly BatchRecordKind[]; recipe: string },
  /** Personalize's 1 GB; smaller in tests. */
  maxBytes: number = PERSONALIZE_BATCH_LIMITS.maxInputBytes,
): AsyncGenerator<Uint8Array> {
  let pending: string[] = [];
  let pendingBytes = 0;
  for await (const { value, where } of located(source)) {
    const { kind, line } = checkRecord(value, where, job);
    if (stats.kind === undefined) {
      if (expected && !expected.kinds.includes(kind)) {
        throw new BatchInputError(
          `${where}: ${DESCRIBED[kind]}, but the solution version's recipe ${expected.recipe} takes ${expected.kinds.map((k) => DESCRIBED[k]).join(" or ")}`,
        );
      }
      stats.kind = kind;
    } else if (kind !== stats.kind) {
      throw new BatchInputError(
        `${where}: ${DESCRIBED[kind]} after ${DESCRIBED[stats.kind]}: one job's input holds one kind of record (the recipe decides which)`,
      );
    }
    const text = `${JSON.stringify(line)}\n`;
    const bytes = Buffer.byteLength(text, "utf8");
    stats.records++;
    stats.bytes += bytes;
    if (stats.bytes > maxBytes) {
      throw new BatchInputError(`the input passes Personalize's limit of ${maxBytes} bytes (1 GB) per batch job at ${where}: split it into several jobs`);
    }
    const limit =
      kind === "itemAffinity"
        ? PERSONALIZE_BATCH_LIMITS.maxItemAffinityQueries
        : kind === "itemAttributes"
          ? PERSONALIZE_BATCH_LIMITS.maxItemAttributeQueries
          : undefined;
    if (limit !== undefined && stats.records > limit) {
      throw new BatchInputError(
        `${where}: a batch segment job takes at most ${limit} ${kind === "itemAffinity" ? "Item-Affinity" : "Item-Attribute-Affinity"} queries per input file: split the input into several jobs`,
      );
    }
    pending.push(text);
    pendingBytes += bytes;
    if (pendingBytes >= FLUSH_BYTES) {
      yield Buffer.from(pending.join(""), "utf8");
      pending = [];
      pendingBytes = 0;
    }
  }
  if (stats.records === 0) {
    throw new BatchInputError(
      `the input has no records: give one JSON object per line, such as ${job === "inference" ? '{"userId": "user-1"}' : '{"itemId": "item-1"}'}`,
    );
  }
  if (pending.length > 0) yield Buffer.from(pending.join(""), "utf8");
}
