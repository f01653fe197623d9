/**
 * Where a job reads and writes, as AWS lays it out:
 * - input: `InputDataConfig.S3Uri` is "a single input file or … the prefix for a collection of data
 *   files … If more than one file begins with the prefix, Amazon Comprehend uses all of them"
 *   (InputDataConfig): every object whose key starts with the URI's key, not only a "folder";
 * - output: a folder per job, `<OutputDataConfig.S3Uri>/<account>-<CODE>-<jobId>/output/`, holding
 *   `output.tar.gz` (OutputDataConfig: "the service creates an output file in a directory specific
 *   to the job"), or for a PII job one `<input file>.out` per input file, "plain text, not a
 *   compressed archive" (PiiOutputDataConfig). Describe* answers the archive's URI, or for PII the
 *   folder (the AWS CLI's examples of List*DetectionJobs show both).
 */
import type { JobType } from "./job-types";

export interface S3Location {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/s.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1] as string, key: match[2] ?? "" };
}

export const s3Uri = (location: S3Location): string => `s3://${location.bucket}/${location.key}`;

/** The job's output folder: `<prefix>/<account>-<CODE>-<jobId>/output/`. */
export function outputFolder(outputS3Uri: string, type: JobType, accountId: string, jobId: string): S3Location {
  const { bucket, key } = parseS3Uri(outputS3Uri);
  const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
  return { bucket, key: `${prefix}${accountId}-${type.outputCode}-${jobId}/output/` };
}

/** What Describe* answers as OutputDataConfig.S3Uri. */
export function describedOutputUri(outputS3Uri: string, type: JobType, accountId: string, jobId: string): string {
  const folder = outputFolder(outputS3Uri, type, accountId, jobId);
  return type.operation === "pii" ? s3Uri(folder) : s3Uri({ bucket: folder.bucket, key: `${folder.key}output.tar.gz` });
}

/**
 * The `File` of an input object in the output: its name after the last "/" (the guide's examples
 * show bare names: "SampleMovieReview1.txt" for input `s3://…/MovieData`).
 */
export function fileNameOf(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/**
 * Where a PII job writes the `.out` of an input object: the object's key below the input prefix,
 * with `.out` appended ("The output file name is the same as the input file, with .out appended").
 * Sub-folders under the prefix are kept, so two inputs of the same name do not overwrite each other.
 */
export function piiOutputKey(folder: S3Location, inputPrefix: string, key: string): S3Location {
  const cut = inputPrefix.endsWith("/") ? inputPrefix.length : inputPrefix.lastIndexOf("/") + 1;
  const relative = key.slice(cut).replace(/^\/+/, "");
  return { bucket: folder.bucket, key: `${folder.key}${relative || fileNameOf(key)}.out` };
}
