/**
 * Child process of bench/comprehend.bench.ts: streams N generated documents through analyzeMany
 * (one operation) against the Comprehend stub, discarding results as a consumer would, and reports
 * time, calls and this process's peak memory as JSON on stdout. Mode "sdk" is the control: the
 * same BatchDetectSentiment calls made directly with the SDK client, no pipeline.
 * argv: endpoint documents tps concurrency [pipeline|sdk]
 */
import { BatchDetectSentimentCommand } from "@aws-sdk/client-comprehend";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { ComprehendService, emptyStats } from "../../services/comprehend";
import { resolveRuntimeConfig } from "@roadmapx-ai/core";
import { silentLogger } from "../../services/context";
import { AiStorage } from "../../services/storage";

const WORDS = ["roadmap", "release", "team", "great", "delay", "customer", "feature", "quarter", "awful", "plan", "ship", "review"];

/** Documents made on demand (about 250 bytes each), as a database cursor or a file would give them. */
function* documents(count: number): Generator<{ id: number; text: string }> {
  for (let i = 0; i < count; i++) {
    const words: string[] = [];
    for (let w = 0; w < 36; w++) words.push(WORDS[(i * 7 + w * 3) % WORDS.length] ?? "x");
    yield { id: i, text: `Comment ${i}: ${words.join(" ")}.` };
  }
}

async function main(): Promise<void> {
  const [endpoint, count, tps, concurrency, mode = "pipeline"] = process.argv.slice(2) as [string, string, string, string, string?];
  const clients = new AwsClients({ region: "us-east-1", endpoint, credentials: DUMMY_CREDENTIALS });
  let peakHeap = 0;
  const sampler = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 10);
  const started = performance.now();
  let results = 0;
  let calls = 0;
  let retried = 0;
  if (mode === "sdk") {
    const source = documents(Number(count));
    const worker = async () => {
      for (;;) {
        const batch: string[] = [];
        for (let next = source.next(); !next.done; next = batch.length < 25 ? source.next() : { done: true, value: undefined }) batch.push(next.value.text);
        if (batch.length === 0) return;
        calls++;
        const answer = await clients.comprehend.send(new BatchDetectSentimentCommand({ LanguageCode: "en", TextList: batch }));
        results += answer.ResultList?.length ?? 0;
      }
    };
    await Promise.all(Array.from({ length: Number(concurrency) }, worker));
  } else {
    const ctx = { config: resolveRuntimeConfig({}, {}), clients, storage: new AiStorage(clients, "unused"), logger: silentLogger };
    const stats = emptyStats();
    let expectedIndex = 0;
    for await (const doc of new ComprehendService(ctx).analyzeMany(documents(Number(count)), {
      operations: ["sentiment"],
      tps: Number(tps),
      concurrency: Number(concurrency),
      stats,
    })) {
      if (doc.index !== expectedIndex++ || !doc.results.sentiment) throw new Error(`document ${doc.index} out of order or without a result`);
      results++;
    }
    calls = stats.batchCalls;
    retried = stats.retriedItems;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clients.destroy();
  process.stdout.write(
    `${JSON.stringify({ seconds, results, batchCalls: calls, retried, maxRssMiB: process.resourceUsage().maxRSS / 1024, peakHeapMiB: peakHeap / 1024 / 1024 })}\n`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
