// The seed's backend/src/config/aws.ts as the backend had it before roadmapx-ai: the baseline the
// packages benchmark compiles to see what the library adds to the backend's tsc time.
import sdk = require("@aws-sdk/client-s3");

const s3Client = new sdk.S3Client({ region: process.env["AWS_REGION"] ?? "us-east-1" });
const S3_CONFIG = {
  bucketName: process.env["S3_BUCKET_NAME"] ?? "roadmapx-files",
  region: process.env["S3_REGION"] ?? "us-east-1",
};

export = { s3Client, S3_CONFIG };
