/**
 * Child process of bench/comprehend-async.bench.ts: N generated documents through the analysis-job
 * path (upload, one sentiment job, read-back) against moto's S3 and the Comprehend jobs stand-in,
 * and reports the client's own time per phase and this process's peak memory as JSON on stdout.
 * The stand-in runs in the parent, so the job's own work (reading the input, writing the archive)
 * is in neither figure: on AWS it runs on Comprehend's machines.
 * env: BENCH_S3_ENDPOINT, BENCH_COMPREHEND_ENDPOINT, BENCH_BUCKET, BENCH_ROLE_ARN; argv: documents
 */
import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { resolveRuntimeConfig } from "@roadmapx-ai/core";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { ComprehendService } from "../../services/comprehend";
import { silentLogger } from "../../services/context";
import { AiStorage } from "../../services/storage";

const WORDS = ["roadmap", "release", "team", "great", "delay", "customer", "feature", "quarter", "awful", "plan", "ship", "review"];

/** Documents made on demand (about 250 bytes each), as a database cursor would give them: never an array. */
function* documents(count: number): Generator<{ id: number; text: string }> {
  for (let i = 0; i < count; i++) {
    const words: string[] = [];
    for (let w = 0; w < 36; w++) words.push(WORDS[(i * 7 + w * 3) % WORDS.length] ?? "x");
    yield { id: i, text: `Comment ${i}: ${words.join(" ")}.` };
  }
}

/** The services' clients with Comprehend at the stand-in; S3 on the emulator. */
class StandInClients extends AwsClients {
  constructor(private readonly comprehendEndpoint: string) {
    super({ region: "us-east-1", endpoint: need("BENCH_S3_ENDPOINT"), credentials: DUMMY_CREDENTIALS });
  }
  override get comprehend(): ComprehendClient {
    return this.shared("comprehend", () => new ComprehendClient({ ...this.common(), endpoint: this.comprehendEndpoint }));
  }
}

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2]);
  const clients = new StandInClients(need("BENCH_COMPREHEND_ENDPOINT"));
  const config = resolveRuntimeConfig({}, { S3_BUCKET_NAME: need("BENCH_BUCKET"), COMPREHEND_ROLE_ARN: need("BENCH_ROLE_ARN"), AWS_REGION: "us-east-1" });
  const comprehend = new ComprehendService({ config, clients, storage: new AiStorage(clients, config.aiBucket), logger: silentLogger });
  const options = { operations: ["sentiment" as const], language: "en" };

  let t = performance.now();
  // A factory: the documents are generated again for the read-back instead of kept on disk.
  const source = () => documents(count);
  const run = await comprehend.startAnalysisJob(source, options);
  const uploadSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  const completed = await comprehend.waitForJob(run, { pollIntervalMs: 50, maxPollIntervalMs: 200 });
  const waitSeconds = (performance.now() - t) / 1000;
  t = performance.now();
  let expected = 0;
  for await (const doc of comprehend.readJobResults(run, completed, source, { cleanup: true })) {
    if (doc.index !== expected++ || !doc.results.sentiment) throw new Error(`document ${doc.index} out of order or without a result`);
  }
  const readSeconds = (performance.now() - t) / 1000;
  if (expected !== count) throw new Error(`${expected} results for ${count} documents`);
  clients.destroy();
  process.stdout.write(`${JSON.stringify({ documents: count, uploadSeconds, waitSeconds, readSeconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
