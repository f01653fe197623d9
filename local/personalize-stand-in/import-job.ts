/**
 * What a dataset import job does with its input: read `dataSource.dataLocation` from S3 (one
 * object, or every object under a prefix ending in "/", as Personalize reads a folder), check each
 * CSV's header and values against the dataset's schema, and count the records. It reads with the
 * credentials the stand-in was started with; it does not assume `roleArn`, so it cannot tell
 * whether the role (or the bucket policy) would let Personalize read: the verifier checks that.
 */
import type { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { CsvError, parse } from "csv-parse";
import type { Interaction } from "./model";
import type { DatasetType, SchemaField } from "./validation";

export interface ImportedData {
  /** Data rows read, headers excluded. */
  records: number;
  files: string[];
  /** Interactions datasets: the rows the model trains on. */
  interactions: Interaction[];
  /** Items and Users datasets: the ITEM_ID or USER_ID of each row. */
  ids: string[];
  /** Items and Users datasets: each row's values by column (what filters, metadata and Item-Attribute-Affinity segments read). */
  attributes: Record<string, string>[];
}

export type ImportResult = { ok: true; data: ImportedData } | { ok: false; reason: string };

export interface ImportRequest {
  dataLocation: string;
  datasetType: DatasetType;
  fields: readonly SchemaField[];
  /** Personalize's per-job size quota for the import mode. */
  maxBytes: number;
}

/** Personalize's quotas: 100 GB of bulk data per FULL import job, 1 GB per INCREMENTAL one. */
export const MAX_IMPORT_BYTES = { FULL: 100 * 1024 ** 3, INCREMENTAL: 1024 ** 3 } as const;

class ImportFailure extends Error {}

const ID_FIELD: Readonly<Record<DatasetType, string>> = { INTERACTIONS: "ITEM_ID", ITEMS: "ITEM_ID", USERS: "USER_ID" };

function parseLocation(location: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) throw new ImportFailure(`The data location ${location} is not an s3:// location; this local stand-in reads from S3 only.`);
  return { bucket: match[1] as string, key: match[2] ?? "" };
}

function s3Failure(location: string, err: unknown): ImportFailure {
  const e = err as { name?: string; message?: string };
  if (e.name === "NoSuchKey" || e.name === "NotFound") return new ImportFailure(`Input file ${location} does not exist (NoSuchKey): upload the data first.`);
  if (e.name === "NoSuchBucket") return new ImportFailure(`The bucket of ${location} does not exist (NoSuchBucket).`);
  if (e.name === "AccessDenied" || e.name === "Forbidden") {
    return new ImportFailure(`Insufficient privileges for accessing data in S3: fix the bucket policy or the role's permissions for ${location}.`);
  }
  return new ImportFailure(`Failed to read ${location}: ${e.name ?? "Error"}: ${e.message ?? String(err)}`);
}

const INTEGER = /^-?\d+$/;

function checkValue(field: SchemaField, value: string, row: number, file: string): void {
  if (value === "") {
    if (!field.nullable) throw new ImportFailure(`${file} row ${row}: ${field.name} is empty, but the schema does not allow null for it.`);
    return;
  }
  const bad =
    ((field.type === "int" || field.type === "long") && !INTEGER.test(value)) ||
    ((field.type === "float" || field.type === "double") && !Number.isFinite(Number(value))) ||
    (field.type === "boolean" && !/^(true|false)$/i.test(value));
  if (bad) throw new ImportFailure(`${file} row ${row}: ${field.name} is "${value.slice(0, 40)}", which is not a valid ${field.type}.`);
}

export class DatasetReader {
  constructor(private readonly s3: S3Client | undefined) {}

  async read(request: ImportRequest): Promise<ImportResult> {
    try {
      return { ok: true, data: await this.readAll(request) };
    } catch (err) {
      if (err instanceof ImportFailure) return { ok: false, reason: err.message };
      return { ok: false, reason: `The import failed: ${(err as Error).message}` };
    }
  }

  private async readAll(request: ImportRequest): Promise<ImportedData> {
    const { bucket, key } = parseLocation(request.dataLocation);
    if (!this.s3) throw new ImportFailure(`This local stand-in was started without an S3 endpoint, so it cannot read ${request.dataLocation}.`);
    const keys = key === "" || key.endsWith("/") ? await this.listFolder(bucket, key, request.dataLocation) : [key];
    const data: ImportedData = { records: 0, files: [], interactions: [], ids: [], attributes: [] };
    let bytes = 0;
    for (const objectKey of keys) {
      const location = `s3://${bucket}/${objectKey}`;
      let body: Readable;
      try {
        const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
        bytes += object.ContentLength ?? 0;
        if (bytes > request.maxBytes) throw new ImportFailure(`The input is larger than the ${request.maxBytes} bytes one import job of this mode may import.`);
        body = object.Body as Readable;
      } catch (err) {
        throw err instanceof ImportFailure ? err : s3Failure(location, err);
      }
      await this.readCsv(body, location, request, data);
      data.files.push(location);
    }
    return data;
  }

  private async listFolder(bucket: string, prefix: string, location: string): Promise<string[]> {
    const s3 = this.s3 as S3Client;
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key && !o.Key.endsWith("/")) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw s3Failure(location, err);
    }
    if (keys.length === 0) throw new ImportFailure(`No input files were found under ${location}.`);
    return keys;
  }

  private async readCsv(body: Readable, file: string, request: ImportRequest, into: ImportedData): Promise<void> {
    const parser = body.pipe(parse({ bom: true, skip_empty_lines: true }));
    let header: string[] | undefined;
    let columns: (SchemaField | undefined)[] = [];
    let row = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (!header) {
          header = record;
          columns = this.checkHeader(header, file, request);
          continue;
        }
        row++;
        if (record.length !== header.length)
          throw new ImportFailure(`${file} row ${row}: ${record.length} values, but the header has ${header.length} columns.`);
        const values: Record<string, string> = {};
        record.forEach((value, i) => {
          const field = columns[i] as SchemaField;
          checkValue(field, value, row, file);
          values[field.name] = value;
        });
        if (request.datasetType === "INTERACTIONS") {
          into.interactions.push({
            userId: values["USER_ID"] as string,
            itemId: values["ITEM_ID"] as string,
            timestamp: Number(values["TIMESTAMP"]),
            eventType: values["EVENT_TYPE"] || undefined,
          });
        } else {
          into.ids.push(values[ID_FIELD[request.datasetType]] as string);
          into.attributes.push(values);
        }
        into.records++;
      }
    } catch (err) {
      body.destroy();
      if (err instanceof CsvError) throw new ImportFailure(`${file} is not valid CSV: ${err.message}`);
      throw err;
    }
    if (!header) throw new ImportFailure(`${file} is empty: the first row must name the columns.`);
  }

  /** The header must name schema fields only, and every field that cannot be null. */
  private checkHeader(header: readonly string[], file: string, request: ImportRequest): SchemaField[] {
    const unknown = header.filter((name) => !request.fields.some((f) => f.name === name));
    if (unknown.length > 0) throw new ImportFailure(`${file}: the columns [${unknown.join(", ")}] are not fields of the dataset's schema.`);
    const missing = request.fields.filter((f) => !f.nullable && !header.includes(f.name)).map((f) => f.name);
    if (missing.length > 0) throw new ImportFailure(`Input CSV is missing the following columns: [${missing.join(", ")}] (${file}).`);
    const repeated = header.find((name, i) => header.indexOf(name) !== i);
    if (repeated) throw new ImportFailure(`${file}: the column ${repeated} appears twice in the header.`);
    return header.map((name) => request.fields.find((f) => f.name === name) as SchemaField);
  }
}
