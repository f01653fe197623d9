/**
 * The upload engine against what a user would run instead, side by side in one run, on two links:
 *  - a modelled link (bench/link.ts): every connection capped at 8 MB/s with a 20 ms round trip,
 *    S3's behaviour scaled down to what the emulator can take on this machine;
 *  - plain loopback to the emulator.
 * On each: `aws s3 cp` (its defaults), the validate-and-upload import, and a plain upload
 * (AiStorage.upload of the file), alternating, ROUNDS rounds each, medians compared. Then the
 * import's peak memory at 2 and at 16 parts in flight (loopback). Targets (issue 14): through the
 * link the import at >= 0.9x aws s3 cp, on loopback >= 1.0x, peak memory <= 150 MiB, and the peak at
 * 16 parts in flight within 10% of the peak at 2. BENCH_CSV_MIB sets the file size (default 1024),
 * BENCH_ROUNDS the rounds (default 3).
 */
import { execFile } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { promisify } from "node:util";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { DUMMY_CREDENTIALS, Emulator } from "../local/emulator";
import { AwsClients } from "../services/aws/clients";
import { DEFAULT_LINK, startLink } from "./link";
import { WORKER_LOADER } from "./loader";

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env["BENCH_CSV_MIB"] ?? 1024);
const BUCKET = "roadmapx-bench";
const ROUNDS = Number(process.env["BENCH_ROUNDS"] ?? 3);

/** Writes a valid interactions CSV of about `bytes` bytes (kept between runs). */
async function generate(path: string, bytes: number): Promise<void> {
  if (existsSync(path) && Math.abs(statSync(path).size - bytes) < MIB) return;
  const out = createWriteStream(path);
  out.write("USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n");
  let written = 0;
  let i = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let n = 0; n < 20_000; n++, i++)
      lines.push(
        `user-${(i * 7919) % 50_000},roadmap-item-${(i * 104_729) % 100_000},${1_600_000_000 + (i % 100_000_000)},${i % 5 === 0 ? "complete" : "view"}`,
      );
    const chunk = `${lines.join("\n")}\n`;
    written += chunk.length;
    if (!out.write(chunk)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
}

interface Run {
  seconds: number;
  maxRssMiB: number;
}

async function main(): Promise<void> {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const dir = join(tmpdir(), "roadmapx-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `interactions-${SIZE_MIB}MiB.csv`);
  await generate(file, SIZE_MIB * MIB);
  const size = statSync(file).size;

  const emulator = await Emulator.start();
  // The link runs in this process: every child below must be spawned asynchronously, or the link stalls.
  const link = await startLink(emulator.endpoint, DEFAULT_LINK);
  const admin = new AwsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
  const fresh = async () => {
    // The emulator keeps objects in memory: start each run from an empty account.
    await emulator.reset();
    await admin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Let the emulator finish freeing the last run's objects before timing the next one.
    await new Promise((r) => setTimeout(r, 1000));
  };
  const awsCli = async (endpoint: string): Promise<Run> => {
    await fresh();
    const started = performance.now();
    await promisify(execFile)("aws", ["s3", "cp", file, `s3://${BUCKET}/personalize/cli.csv`, "--endpoint-url", endpoint, "--only-show-errors"], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_DEFAULT_REGION: "us-east-1" },
    });
    return { seconds: (performance.now() - started) / 1000, maxRssMiB: 0 };
  };
  const ours = async (endpoint: string, kind: "import" | "plain", queue?: number): Promise<Run> => {
    await fresh();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...WORKER_LOADER, join(__dirname, "workers", "upload-validated.ts"), endpoint, BUCKET, `personalize/${kind}.csv`, file],
      { env: { ...process.env, BENCH_KIND: kind, ...(queue ? { BENCH_QUEUE: String(queue) } : {}) }, maxBuffer: 1024 * 1024 },
    );
    const result = JSON.parse(stdout) as Run & { valid: boolean };
    if (!result.valid) throw new Error("the generated CSV did not validate");
    return result;
  };

  const links = [
    { name: `modelled link (${DEFAULT_LINK.bytesPerSecond / 1e6} MB/s per connection, ${DEFAULT_LINK.rttMs} ms round trip)`, endpoint: link.endpoint },
    { name: "plain loopback", endpoint: emulator.endpoint },
  ];
  const results: { link: string; cli: number[]; imports: Run[]; plains: Run[] }[] = [];
  const memory: Record<number, number> = {};
  try {
    for (const l of links) {
      const entry = { link: l.name, cli: [] as number[], imports: [] as Run[], plains: [] as Run[] };
      results.push(entry);
      for (let round = 0; round < ROUNDS; round++) {
        const cli = await awsCli(l.endpoint);
        const imported = await ours(l.endpoint, "import");
        const plain = await ours(l.endpoint, "plain");
        entry.cli.push(cli.seconds);
        entry.imports.push(imported);
        entry.plains.push(plain);
        console.log(
          `  ${l.name}, round ${round + 1}: aws s3 cp ${cli.seconds.toFixed(1)} s; import ${imported.seconds.toFixed(1)} s ` +
            `(${(cli.seconds / imported.seconds).toFixed(2)}x, peak ${imported.maxRssMiB.toFixed(0)} MiB); ` +
            `upload ${plain.seconds.toFixed(1)} s (${(cli.seconds / plain.seconds).toFixed(2)}x, peak ${plain.maxRssMiB.toFixed(0)} MiB)`,
        );
      }
    }
    for (const queue of [2, 16]) {
      const runs: Run[] = [];
      for (let round = 0; round < Math.max(1, Math.min(ROUNDS, 2)); round++) runs.push(await ours(emulator.endpoint, "import", queue));
      memory[queue] = Math.max(...runs.map((r) => r.maxRssMiB));
    }
  } finally {
    admin.destroy();
    await link.close();
    await emulator.stop();
  }
  const mibps = (s: number) => size / MIB / s;
  const verdict = (ok: boolean) => (ok ? "OK" : "BELOW TARGET");
  console.log(`\n${(size / MIB).toFixed(0)} MiB interactions CSV, median of ${ROUNDS} rounds:`);
  for (const r of results) {
    const cli = median(r.cli);
    const imp = median(r.imports.map((x) => x.seconds));
    const plain = median(r.plains.map((x) => x.seconds));
    const target = r.link.startsWith("plain") ? 1.0 : 0.9;
    const peak = Math.max(...r.imports.map((x) => x.maxRssMiB), ...r.plains.map((x) => x.maxRssMiB));
    console.log(`  ${r.link}:`);
    console.log(`    aws s3 cp         ${cli.toFixed(1)} s  (${mibps(cli).toFixed(0)} MiB/s)`);
    console.log(
      `    import            ${imp.toFixed(1)} s  (${mibps(imp).toFixed(0)} MiB/s) = ${(cli / imp).toFixed(2)}x aws s3 cp (target >= ${target.toFixed(2)})  ${verdict(cli / imp >= target)}`,
    );
    console.log(`    plain upload      ${plain.toFixed(1)} s  (${mibps(plain).toFixed(0)} MiB/s) = ${(cli / plain).toFixed(2)}x aws s3 cp`);
    console.log(`    peak memory       ${peak.toFixed(0)} MiB (target <= 150)  ${peak <= 150 ? "OK" : "OVER TARGET"}`);
  }
  const growth = (memory[16] as number) / (memory[2] as number);
  console.log(
    `  import peak memory at 16 parts in flight ${memory[16]?.toFixed(0)} MiB vs at 2: ${memory[2]?.toFixed(0)} MiB = ${growth.toFixed(2)}x (target <= 1.10)  ${growth <= 1.1 ? "OK" : "OVER TARGET"}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
