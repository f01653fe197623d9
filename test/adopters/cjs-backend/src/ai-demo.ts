// A CommonJS backend under verbatimModuleSyntax writes `import x = require(...)`.
import s3 = require("@roadmapx-ai/services/s3");
import services = require("@roadmapx-ai/services");
import sdk = require("@aws-sdk/client-s3");

const CSV = "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\nu2,i2,1700000100\n";

async function main(mode: string): Promise<Record<string, unknown>> {
  const { s3Client, S3_CONFIG } = s3;
  // The drop-in works whatever state the AI configuration is in.
  await s3Client.send(new sdk.PutObjectCommand({ Bucket: S3_CONFIG.bucketName, Key: "user-uploads/hello.txt", Body: "hello" }));
  const upload = await s3Client.send(new sdk.HeadObjectCommand({ Bucket: S3_CONFIG.bucketName, Key: "user-uploads/hello.txt" }));
  const ai = services.createAiServices({ logger: services.silentLogger });
  if (mode === "missing-outputs") {
    try {
      await ai.comprehend.detectSentiment("The roadmap is clear.");
      return { userUpload: upload.ContentLength, aiCall: "succeeded" };
    } catch (err) {
      return { userUpload: upload.ContentLength, configError: err instanceof services.ConfigError, message: (err as Error).message };
    }
  }
  const datasetArn = `arn:aws:personalize:${S3_CONFIG.region}:123456789012:dataset/roadmapx-demo/INTERACTIONS`;
  let importOutcome: string;
  try {
    await ai.personalize.importDataset(datasetArn, CSV, "personalize/data.csv");
    importOutcome = "started";
  } catch (err) {
    // The import job itself needs real AWS: the emulator has no Personalize import API.
    importOutcome = err instanceof services.ImportStartError ? "upload done; job not startable here" : `failed: ${(err as Error).message}`;
  }
  const uploaded = await s3Client.send(new sdk.HeadObjectCommand({ Bucket: ai.config.aiBucket, Key: "personalize/data.csv" }));
  const sentiment = await ai.comprehend.detectSentiment("The roadmap is clear.");
  ai.clients.destroy();
  return { userUpload: upload.ContentLength, datasetBytes: uploaded.ContentLength, importOutcome, sentiment: sentiment.sentiment };
}

main(process.argv[2] ?? "all").then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    s3.s3Client.destroy();
  },
  (err: unknown) => {
    process.stderr.write(`ai-demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
