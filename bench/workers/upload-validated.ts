/**
 * Child process of bench/personalize-upload.bench.ts: validate-and-upload one CSV file with the
 * services code (BENCH_KIND=import, the default), or upload it as it is (BENCH_KIND=plain,
 * AiStorage.upload of `{ path }`), then report time and this process's peak memory as JSON on stdout.
 * argv: endpoint bucket key file
 */
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { resolveRuntimeConfig } from "@roadmapx-ai/core";
import { silentLogger } from "../../services/context";
import { builtinSchema } from "../../services/personalize/schemas";
import { uploadValidated } from "../../services/personalize/upload";
import { AiStorage } from "../../services/storage";

async function main(): Promise<void> {
  const [endpoint, bucket, key, file] = process.argv.slice(2) as [string, string, string, string];
  const clients = new AwsClients({ region: "us-east-1", endpoint, credentials: DUMMY_CREDENTIALS });
  const ctx = { config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: bucket }), clients, storage: new AiStorage(clients, bucket), logger: silentLogger };
  const started = performance.now();
  const partSize = Number(process.env["BENCH_PART_MIB"] ?? 0) * 1024 * 1024 || undefined;
  const queueSize = Number(process.env["BENCH_QUEUE"] ?? 0) || undefined;
  const options = { ...(partSize ? { partSize } : {}), ...(queueSize ? { queueSize } : {}) };
  const report =
    process.env["BENCH_KIND"] === "plain"
      ? (await ctx.storage.upload(key, { path: file }, options), { rows: 0, valid: true })
      : (await uploadValidated(ctx, key, { path: file }, builtinSchema("interactions"), options)).report;
  const seconds = (performance.now() - started) / 1000;
  clients.destroy();
  // maxRSS is in KiB: the most memory this process ever held, SDK and all.
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, rows: report.rows, valid: report.valid })}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
