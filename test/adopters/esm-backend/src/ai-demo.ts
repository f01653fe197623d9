import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ConfigError, ImportStartError, createAiServices, silentLogger } from "@roadmapx-ai/services";
import { S3_CONFIG, s3Client } from "@roadmapx-ai/services/s3";

const CSV = "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\nu2,i2,1700000100\n";

async function main(mode: string): Promise<Record<string, unknown>> {
  // The drop-in works whatever state the AI configuration is in.
  await s3Client.send(new PutObjectCommand({ Bucket: S3_CONFIG.bucketName, Key: "user-uploads/hello.txt", Body: "hello" }));
  const upload = await s3Client.send(new HeadObjectCommand({ Bucket: S3_CONFIG.bucketName, Key: "user-uploads/hello.txt" }));
  const ai = createAiServices({ logger: silentLogger });
  if (mode === "missing-outputs") {
    try {
      await ai.comprehend.detectSentiment("The roadmap is clear.");
      return { userUpload: upload.ContentLength, aiCall: "succeeded" };
    } catch (err) {
      return { userUpload: upload.ContentLength, configError: err instanceof ConfigError, message: (err as Error).message };
    }
  }
  const datasetArn = `arn:aws:personalize:${S3_CONFIG.region}:123456789012:dataset/roadmapx-demo/INTERACTIONS`;
  let importOutcome: string;
  try {
    await ai.personalize.importDataset(datasetArn, CSV, "personalize/data.csv");
    importOutcome = "started";
  } catch (err) {
    // The import job itself needs real AWS: the emulator has no Personalize import API.
    importOutcome = err instanceof ImportStartError ? "upload done; job not startable here" : `failed: ${(err as Error).message}`;
  }
  const uploaded = await s3Client.send(new HeadObjectCommand({ Bucket: ai.config.aiBucket, Key: "personalize/data.csv" }));
  const sentiment = await ai.comprehend.detectSentiment("The roadmap is clear.");
  ai.clients.destroy();
  return { userUpload: upload.ContentLength, datasetBytes: uploaded.ContentLength, importOutcome, sentiment: sentiment.sentiment };
}

try {
  const result = await main(process.argv[2] ?? "all");
  process.stdout.write(`${JSON.stringify(result)}\n`);
  s3Client.destroy();
} catch (err) {
  process.stderr.write(`ai-demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
}
