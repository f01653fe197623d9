/**
 * Where a transform job reads and writes, as SageMaker does:
 * - input (TransformS3DataSource): `S3Prefix` = every object whose key starts with the prefix, in
 *   key order (ListObjectsV2's order); `ManifestFile` = a JSON array `[{"prefix": "s3://b/p/"},
 *   "relative/key", ...]`, each entry the prefix plus the relative key;
 * - output (TransformOutput.S3OutputPath): one `<relative>.out` object per input object, where
 *   `<relative>` is the input key after the prefix's folder (batch-transform.md: `input1.csv` →
 *   `input1.csv.out`; S3OutputPath: "in a corresponding subfolder").
 * Folder markers (keys ending in "/") are not input.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";

export interface S3Location {
  bucket: string;
  key: string;
}

export class InputError extends Error {}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new InputError(`ClientError: ${uri} is not an s3:// URI; this local stand-in reads and writes S3 only.`);
  return { bucket: match[1] as string, key: match[2] ?? "" };
}

export interface InputObject {
  bucket: string;
  key: string;
  /** The key after the prefix's folder: where its output goes under S3OutputPath. */
  relative: string;
}

/** The folder a key prefix sits in: "in/data" → "in/", "in/" → "in/", "data" → "". */
function folderOf(prefix: string): string {
  return prefix.slice(0, prefix.lastIndexOf("/") + 1);
}

async function* prefixObjects(s3: S3Client, location: S3Location): AsyncGenerator<InputObject> {
  const folder = folderOf(location.key);
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key || object.Key.endsWith("/")) continue;
      yield { bucket: location.bucket, key: object.Key, relative: object.Key.slice(folder.length) };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

async function* manifestObjects(s3: S3Client, location: S3Location, uri: string): AsyncGenerator<InputObject> {
  const got = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  const text = (await got.Body?.transformToString("utf8")) ?? "";
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch {
    throw new InputError(`ClientError: The manifest file ${uri} is not valid JSON.`);
  }
  const [head, ...keys] = Array.isArray(entries) ? (entries as unknown[]) : [];
  const prefix = (head as { prefix?: unknown } | undefined)?.prefix;
  if (typeof prefix !== "string" || !keys.every((k) => typeof k === "string")) {
    throw new InputError(`ClientError: The manifest file ${uri} must be a JSON array [{"prefix": "s3://bucket/prefix/"}, "relative/key", ...].`);
  }
  const base = parseS3Uri(prefix);
  for (const relative of keys as string[]) yield { bucket: base.bucket, key: `${base.key}${relative}`, relative };
}

export function inputObjects(s3: S3Client, dataType: string, uri: string): AsyncGenerator<InputObject> {
  const location = parseS3Uri(uri);
  return dataType === "ManifestFile" ? manifestObjects(s3, location, uri) : prefixObjects(s3, location);
}

/** `<S3OutputPath>/<relative>.out`, with exactly one "/" between them. */
export function outputLocation(outputPath: string, relative: string): S3Location {
  const base = parseS3Uri(outputPath);
  const folder = base.key === "" || base.key.endsWith("/") ? base.key : `${base.key}/`;
  return { bucket: base.bucket, key: `${folder}${relative}.out` };
}
