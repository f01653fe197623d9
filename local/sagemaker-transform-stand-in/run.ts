/**
 * What a transform job does once it runs: check that the model's execution role can be assumed,
 * read every input object where SageMaker would (s3-objects.ts), send each record to the stand-in's
 * model (model.ts) and write `<relative>.out` under S3OutputPath (output-writer.ts), object by
 * object, records in input order ("The predictions in an output file are listed in the same order
 * as the corresponding records in the input file", batch-transform.md).
 *
 * Failures as batch-transform.md describes them: a bad record (the error marker, or one over
 * MaxPayloadInMB) fails its object, which gets no output; the job goes on with the other objects,
 * whose outputs stay, and then ends Failed with the generic reason AWS gives for a container's
 * error ("ClientError: See job logs for more information"); the per-object lines go to `logs`, as
 * SageMaker's data log (`/aws/sagemaker/TransformJobs`, `[sagemaker logs]: bucket/key: ...`) has them.
 * The stand-in reads and writes with its own S3 credentials: whether the execution role's policies
 * would allow it is the verifier's check (role.sagemaker.s3), not the stand-in's.
 */
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { GetRoleCommand, type IAMClient } from "@aws-sdk/client-iam";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ERROR_MARKER, answer, answersJson, predictionLine, scoreOf } from "./model";
import { OutputWriter } from "./output-writer";
import { RecordTooLargeError, lineRecords, wholeRecord } from "./records";
import { InputError, inputObjects, outputLocation, parseS3Uri } from "./s3-objects";
import type { TransformJobRequest } from "./validation";

export const CONTAINER_ERROR = "ClientError: See job logs for more information";
const SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com";

export interface RunContext {
  s3: S3Client;
  iam: IAMClient;
  region: string;
  /** Bytes per multipart part of an output (default 8 MiB). */
  partBytes?: number | undefined;
}

export interface RunOutcome {
  /** Undefined when the job completed. */
  failureReason?: string | undefined;
  /** `s3://` URIs of the `.out` objects written, in input order. */
  outputs: string[];
  records: number;
  logs: string[];
}

/** The job cannot go on at all (role, input listing, S3 writes): it fails with this reason. */
class JobFailure extends Error {}
/** One input object cannot be transformed: it gets no output, the others go on. */
class ObjectFailure extends Error {}

function errorText(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
}

/** Whether a trust policy has an Allow for sagemaker.amazonaws.com to sts:AssumeRole (conditions are not evaluated). */
function trustsSageMaker(document: string | undefined): boolean {
  if (!document) return false;
  let policy: { Statement?: unknown };
  try {
    // IAM answers the document URL-encoded; the emulator sometimes does not.
    policy = JSON.parse(document.trimStart().startsWith("%7B") ? decodeURIComponent(document) : document) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
  return statements.some((s) => {
    const st = s as { Effect?: string; Action?: unknown; Principal?: { Service?: unknown } };
    return (
      st?.Effect === "Allow" &&
      list(st.Action).some((a) => a === "sts:AssumeRole" || a === "sts:*" || a === "*") &&
      list(st.Principal?.Service).includes(SAGEMAKER_PRINCIPAL)
    );
  });
}

async function checkRole(iam: IAMClient, roleArn: string): Promise<void> {
  const assumeFailure = new JobFailure(
    `ClientError: Could not assume role ${roleArn}. Please ensure that the role exists and allows principal '${SAGEMAKER_PRINCIPAL}' to assume the role.`,
  );
  const name = /^arn:[^:]+:iam::\d{12}:role\/(?:.*\/)?([^/]+)$/.exec(roleArn)?.[1];
  if (!name) throw assumeFailure;
  try {
    const role = await iam.send(new GetRoleCommand({ RoleName: name }));
    if (!trustsSageMaker(role.Role?.AssumeRolePolicyDocument)) throw assumeFailure;
  } catch (err) {
    if (err instanceof JobFailure) throw err;
    if ((err as { name?: string }).name === "NoSuchEntity" || (err as { name?: string }).name === "NoSuchEntityException") throw assumeFailure;
    throw new JobFailure(`InternalServerError: the stand-in could not read role ${roleArn} from IAM (${errorText(err)})`);
  }
}

async function openObject(s3: S3Client, bucket: string, key: string, gzip: boolean): Promise<AsyncIterable<Uint8Array>> {
  let got;
  try {
    got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    throw new JobFailure(`ClientError: Failed to download data from s3://${bucket}/${key} (${errorText(err)})`);
  }
  const body = got.Body as Readable;
  if (!gzip) return body;
  const gunzip = createGunzip();
  body.on("error", (err) => gunzip.destroy(err));
  return body.pipe(gunzip);
}

/** Writes to an output, any S3 failure becoming the job's. */
function uploads(writer: OutputWriter, uri: string): { write(text: string): Promise<void>; finish(): Promise<void> } {
  const failed = (err: unknown) => {
    throw new JobFailure(`ClientError: Failed to upload results to ${uri} (${errorText(err)})`);
  };
  return { write: (text) => writer.write(text).catch(failed), finish: () => writer.finish().catch(failed) };
}

/** One object through the model into its writer; throws ObjectFailure for a bad record. Returns the records sent. */
async function transformObject(source: AsyncIterable<Uint8Array>, job: TransformJobRequest, writer: { write(text: string): Promise<void> }): Promise<number> {
  const split = job.TransformInput.SplitType ?? "None";
  const limit = (job.MaxPayloadInMB ?? 6) * 1024 * 1024;
  const options = { accept: job.TransformOutput.Accept, contentType: job.TransformInput.ContentType, assembleWith: job.TransformOutput.AssembleWith };
  try {
    if (split === "Line") {
      let records = 0;
      for await (const record of lineRecords(source, limit)) {
        if (record.includes(ERROR_MARKER)) throw new ObjectFailure("ClientError: 400: the model answered an error for a record (the stand-in's error marker)");
        await writer.write(predictionLine(record, options));
        records++;
      }
      return records;
    }
    const whole = await wholeRecord(source, limit);
    if (whole.hasErrorMarker) throw new ObjectFailure("ClientError: 400: the model answered an error for the object (the stand-in's error marker)");
    const text = answer(scoreOf(whole.hash), answersJson(options.accept, options.contentType));
    await writer.write(options.assembleWith === "Line" ? `${text}\n` : text);
    return 1;
  } catch (err) {
    if (err instanceof RecordTooLargeError) throw new ObjectFailure(`ClientError: 413: ${err.message}`);
    if ((err as { code?: string }).code === "Z_DATA_ERROR" || (err as { code?: string }).code === "Z_BUF_ERROR") {
      throw new ObjectFailure("ClientError: the object is not gzip data (CompressionType is Gzip)");
    }
    if (err instanceof JobFailure || err instanceof ObjectFailure) throw err;
    throw new JobFailure(`ClientError: Failed to download data (${errorText(err)})`);
  }
}

export async function runTransform(job: TransformJobRequest, executionRoleArn: string, ctx: RunContext): Promise<RunOutcome> {
  const outcome: RunOutcome = { outputs: [], records: 0, logs: [] };
  const split = job.TransformInput.SplitType ?? "None";
  const source = job.TransformInput.DataSource.S3DataSource;
  let objectFailed = false;
  try {
    if (split === "RecordIO" || split === "TFRecord") {
      throw new JobFailure(`ClientError: SplitType ${split} is not modelled by this local stand-in for SageMaker batch transform (only Line and None).`);
    }
    parseS3Uri(job.TransformOutput.S3OutputPath);
    await checkRole(ctx.iam, executionRoleArn);
    let seen = 0;
    const objects = inputObjects(ctx.s3, source.S3DataType, source.S3Uri);
    for (;;) {
      let next;
      try {
        next = await objects.next();
      } catch (err) {
        if (err instanceof InputError) throw new JobFailure(err.message);
        if ((err as { name?: string }).name === "NoSuchBucket" || (err as { name?: string }).name === "NoSuchKey") break;
        throw new JobFailure(`ClientError: Failed to list the input ${source.S3Uri} (${errorText(err)})`);
      }
      if (next.done) break;
      seen++;
      const input = next.value;
      const target = outputLocation(job.TransformOutput.S3OutputPath, input.relative);
      const uri = `s3://${target.bucket}/${target.key}`;
      const writer = new OutputWriter(ctx.s3, target, job.TransformOutput.KmsKeyId, ctx.partBytes);
      const output = uploads(writer, uri);
      try {
        const body = await openObject(ctx.s3, input.bucket, input.key, job.TransformInput.CompressionType === "Gzip");
        outcome.records += await transformObject(body, job, output);
        await output.finish();
        outcome.outputs.push(uri);
      } catch (err) {
        await writer.abort();
        if (!(err instanceof ObjectFailure)) throw err;
        objectFailed = true;
        outcome.logs.push(`[sagemaker logs]: ${input.bucket}/${input.key}: ${err.message}`);
      }
    }
    if (seen === 0) {
      const { bucket } = parseS3Uri(source.S3Uri);
      throw new JobFailure(
        `ClientError: No S3 objects found under S3 URL "${source.S3Uri}" given in input data source. Please ensure that the bucket exists in the selected region (${ctx.region}), ` +
          `that objects exist under that S3 prefix, and that the role "${executionRoleArn}" has "s3:ListBucket" permissions on bucket "${bucket}".`,
      );
    }
    if (objectFailed) outcome.failureReason = CONTAINER_ERROR;
  } catch (err) {
    if (err instanceof JobFailure || err instanceof InputError) outcome.failureReason = err.message;
    else outcome.failureReason = `InternalServerError: the stand-in failed: ${errorText(err)}`;
  }
  return outcome;
}
