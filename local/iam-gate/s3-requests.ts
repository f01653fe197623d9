/**
 * LOCAL HARNESS, IAM gate: S3 REST requests (path-style and virtual-hosted) to the actions S3
 * authorises, per the Service Authorization Reference and the S3 API reference's "Permissions"
 * sections. Every upload call of a multipart upload (create, each part, complete) is s3:PutObject on
 * the object; listing is s3:ListBucket on the bucket with the `s3:prefix` it asks for. The bucket's own
 * policy decides alongside the caller's (bucketPolicyOf). Only DeleteObjects has its body read (the
 * keys it deletes); upload bodies are never parsed.
 *
 * Anything else (ACLs, tagging, object lock, CopyObject from another bucket's version...) is refused
 * as not mapped rather than let through.
 */
import { type AuthorisationRequest, type MappedRequest, MappingError, type MappingInput, type RequestContext, partitionOf } from "./authorisation";
import { queryParameters, type RequestHead } from "./sigv4";

interface S3Target {
  bucket: string;
  key: string;
}

/** Hosts of the form `<bucket>.s3.<region>.amazonaws.com`, `<bucket>.s3.amazonaws.com` or `<bucket>.localhost`. */
function virtualHostBucket(host: string): string | undefined {
  const hostname = host.replace(/:\d+$/, "");
  const aws = /^(.+)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.exec(hostname);
  if (aws) return aws[1];
  const local = /^(.+)\.localhost$/.exec(hostname);
  return local ? local[1] : undefined;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new MappingError(`the S3 path ${raw} is not valid percent-encoding`);
  }
}

export function s3TargetOf(head: RequestHead): S3Target {
  const path = head.rawPath.replace(/^\//, "");
  const hostBucket = virtualHostBucket(head.headers["host"] ?? "");
  if (hostBucket) return { bucket: hostBucket, key: decodePath(path) };
  const slash = path.indexOf("/");
  return slash < 0 ? { bucket: decodePath(path), key: "" } : { bucket: decodePath(path.slice(0, slash)), key: decodePath(path.slice(slash + 1)) };
}

/** Query parameters that only shape a request or its answer: they name no other operation. */
const NEUTRAL_PARAMETERS = new Set(["x-id", "versionId", "partNumber", "encoding-type"]);
const LIST_PARAMETERS = new Set(["list-type", "prefix", "delimiter", "max-keys", "marker", "continuation-token", "fetch-owner", "start-after"]);
const GET_OBJECT_PARAMETERS = new Set([
  "response-cache-control",
  "response-content-disposition",
  "response-content-encoding",
  "response-content-language",
  "response-content-type",
  "response-expires",
]);

/** The bucket-level GETs a verifier or tool makes, each with its action. */
const BUCKET_GETS: Record<string, { operation: string; action: string }> = {
  location: { operation: "GetBucketLocation", action: "s3:GetBucketLocation" },
  policy: { operation: "GetBucketPolicy", action: "s3:GetBucketPolicy" },
  encryption: { operation: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration" },
  versioning: { operation: "GetBucketVersioning", action: "s3:GetBucketVersioning" },
  publicAccessBlock: { operation: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock" },
};

/** Request headers S3 offers as condition keys (`s3:x-amz-acl`, ...), when the request has them. */
const HEADER_KEYS = [
  "x-amz-acl",
  "x-amz-server-side-encryption",
  "x-amz-server-side-encryption-aws-kms-key-id",
  "x-amz-storage-class",
  "x-amz-copy-source",
  "x-amz-metadata-directive",
  "x-amz-content-sha256",
];

function s3Context(head: RequestHead): RequestContext {
  const context: RequestContext = { "s3:authType": "REST-HEADER", "s3:signatureversion": "AWS4-HMAC-SHA256" };
  for (const header of HEADER_KEYS) {
    const value = head.headers[header];
    if (value !== undefined) context[`s3:${header}`] = value;
  }
  return context;
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" }[entity] ?? "";
  });
}

/** The keys (and versions) a DeleteObjects body names. */
export function deleteObjectsKeys(body: Buffer | undefined): { key: string; versionId?: string }[] {
  const xml = body?.toString("utf8") ?? "";
  const objects = [...xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => m[1] ?? "");
  if (objects.length === 0) throw new MappingError("DeleteObjects names no object in its body");
  return objects.map((object) => {
    const key = /<Key>([\s\S]*?)<\/Key>/.exec(object)?.[1];
    if (key === undefined) throw new MappingError("DeleteObjects has an <Object> without a <Key>");
    const versionId = /<VersionId>([\s\S]*?)<\/VersionId>/.exec(object)?.[1];
    return { key: decodeXml(key), ...(versionId !== undefined ? { versionId: decodeXml(versionId) } : {}) };
  });
}

/** True when the request's body decides its authorisation (DeleteObjects): only then is it read. */
export function s3NeedsBody(head: RequestHead): boolean {
  return head.method === "POST" && queryParameters(head.rawQuery).some(([k]) => k === "delete");
}

export function mapS3Request(input: MappingInput): MappedRequest {
  const { head } = input;
  const { bucket, key } = s3TargetOf(head);
  const partition = partitionOf(input.region);
  const params = new Map(queryParameters(head.rawQuery));
  const names = [...params.keys()];
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  const objectArn = (k: string) => `${bucketArn}/${k}`;
  const base = s3Context(head);
  const copySource = head.headers["x-amz-copy-source"];
  const has = (name: string) => params.has(name);
  /** Refuses parameters that would make this another operation than the one it is taken for. */
  const only = (operation: string, allowed: readonly string[] = []) => {
    const others = names.filter((n) => !NEUTRAL_PARAMETERS.has(n) && !allowed.includes(n));
    if (others.length) throw new MappingError(`S3 ${head.method} with ?${others.join("&")} is not an operation the gate maps (taken for ${operation})`);
    const xId = params.get("x-id");
    if (xId !== undefined && xId !== operation) throw new MappingError(`S3 request says x-id=${xId} but looks like ${operation}`);
  };
  const on = (operation: string, authorisations: AuthorisationRequest[]): MappedRequest => ({
    operation: `S3.${operation}`,
    protocol: "rest-xml",
    authorisations: authorisations.map((a) => ({
      ...a,
      resourceAccount: input.accountId,
      bucketPolicyOf: a.bucketPolicyOf ?? (a.resource === "*" ? undefined : bucket),
    })),
  });
  const object = (operation: string, action: string, extra: RequestContext = {}): MappedRequest =>
    on(operation, [{ action, resource: objectArn(key), context: { ...base, ...extra } }]);
  const ofBucket = (operation: string, action: string, extra: RequestContext = {}): MappedRequest =>
    on(operation, [{ action, resource: bucketArn, context: { ...base, ...extra } }]);

  // The policy engine reads "*" and "?" in a resource as wildcards; S3 allows them in keys.
  if (/[*?]/.test(bucket + key))
    throw new MappingError(`S3 key or bucket "${bucket}/${key}" contains * or ?, which the policy engine would read as a wildcard`);

  if (bucket === "") {
    if (head.method === "GET") {
      only("ListBuckets", ["max-buckets", "continuation-token", "prefix", "bucket-region"]);
      return on("ListBuckets", [{ action: "s3:ListAllMyBuckets", resource: "*", context: base }]);
    }
    throw new MappingError(`S3 ${head.method} / is not an operation the gate maps`);
  }

  if (key === "") {
    switch (head.method) {
      case "GET": {
        const subresource = names.find((n) => n in BUCKET_GETS);
        if (subresource) {
          const get = BUCKET_GETS[subresource] as { operation: string; action: string };
          only(get.operation, [subresource]);
          return ofBucket(get.operation, get.action);
        }
        const listContext: RequestContext = {};
        for (const [param, contextKey] of [
          ["prefix", "s3:prefix"],
          ["delimiter", "s3:delimiter"],
          ["max-keys", "s3:max-keys"],
        ] as const) {
          const value = params.get(param);
          if (value !== undefined) listContext[contextKey] = value;
        }
        if (has("uploads")) {
          // The reference gives s3:ListBucketMultipartUploads no s3:prefix key.
          only("ListMultipartUploads", ["uploads", "prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads"]);
          return ofBucket("ListMultipartUploads", "s3:ListBucketMultipartUploads");
        }
        if (has("versions")) {
          only("ListObjectVersions", ["versions", "prefix", "delimiter", "key-marker", "version-id-marker", "max-keys"]);
          return ofBucket("ListObjectVersions", "s3:ListBucketVersions", listContext);
        }
        const operation = params.get("list-type") === "2" ? "ListObjectsV2" : "ListObjects";
        only(operation, [...LIST_PARAMETERS]);
        return ofBucket(operation, "s3:ListBucket", listContext);
      }
      case "HEAD":
        only("HeadBucket");
        return ofBucket("HeadBucket", "s3:ListBucket");
      case "PUT":
        only("CreateBucket");
        return ofBucket("CreateBucket", "s3:CreateBucket");
      case "POST": {
        only("DeleteObjects", ["delete"]);
        const keys = deleteObjectsKeys(input.body);
        // S3 answers each key on its own; the gate refuses the whole request when one key is denied.
        return on(
          "DeleteObjects",
          keys.map((k) => ({
            action: k.versionId === undefined ? "s3:DeleteObject" : "s3:DeleteObjectVersion",
            resource: objectArn(k.key),
            context: base,
          })),
        );
      }
      default:
        throw new MappingError(`S3 ${head.method} on a bucket is not an operation the gate maps`);
    }
  }

  const versioned = has("versionId");
  switch (head.method) {
    case "PUT":
      if (has("uploadId") && has("partNumber")) {
        if (copySource !== undefined) throw new MappingError("S3 UploadPartCopy is not an operation the gate maps");
        only("UploadPart", ["uploadId"]);
        return object("UploadPart", "s3:PutObject");
      }
      if (copySource !== undefined) {
        only("CopyObject");
        // The source needs s3:GetObject (s3:GetObjectVersion for a version) in its own bucket.
        const [sourcePath = "", sourceVersion] = decodePath(copySource.replace(/^\//, "")).split("?versionId=");
        const sourceBucket = sourcePath.split("/")[0] ?? "";
        return on("CopyObject", [
          { action: "s3:PutObject", resource: objectArn(key), context: base },
          {
            action: sourceVersion === undefined ? "s3:GetObject" : "s3:GetObjectVersion",
            resource: `arn:${partition}:s3:::${sourcePath}`,
            // The copy's headers describe the write; the read of the source carries none of them.
            context: { "s3:authType": "REST-HEADER", "s3:signatureversion": "AWS4-HMAC-SHA256" },
            bucketPolicyOf: sourceBucket,
          },
        ]);
      }
      only("PutObject");
      return object("PutObject", "s3:PutObject");
    case "POST":
      if (has("uploads")) {
        only("CreateMultipartUpload", ["uploads"]);
        return object("CreateMultipartUpload", "s3:PutObject");
      }
      if (has("uploadId")) {
        only("CompleteMultipartUpload", ["uploadId"]);
        return object("CompleteMultipartUpload", "s3:PutObject");
      }
      throw new MappingError(`S3 POST on an object with ?${names.join("&")} is not an operation the gate maps`);
    case "GET":
      if (has("uploadId")) {
        only("ListParts", ["uploadId", "max-parts", "part-number-marker"]);
        return object("ListParts", "s3:ListMultipartUploadParts");
      }
      only("GetObject", [...GET_OBJECT_PARAMETERS]);
      return object("GetObject", versioned ? "s3:GetObjectVersion" : "s3:GetObject");
    case "HEAD":
      only("HeadObject", [...GET_OBJECT_PARAMETERS]);
      return object("HeadObject", versioned ? "s3:GetObjectVersion" : "s3:GetObject");
    case "DELETE":
      if (has("uploadId")) {
        only("AbortMultipartUpload", ["uploadId"]);
        return object("AbortMultipartUpload", "s3:AbortMultipartUpload");
      }
      only("DeleteObject");
      return object("DeleteObject", versioned ? "s3:DeleteObjectVersion" : "s3:DeleteObject");
    default:
      throw new MappingError(`S3 ${head.method} on an object is not an operation the gate maps`);
  }
}
