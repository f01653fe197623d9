/**
 * Validate-and-upload of a generated interactions CSV (1 GiB by default) to the emulator, against
 * `aws s3 cp` of the same file to the same emulator, side by side in one run (alternating, five
 * rounds each, medians compared). Targets: throughput at least 0.9x that of `aws s3 cp`; peak memory at most 150 MiB.
 * BENCH_CSV_MIB sets the file size.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { DUMMY_CREDENTIALS, Emulator } from "../local/emulator";
import { AwsClients } from "../services/aws/clients";
import { WORKER_LOADER } from "./loader";

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env["BENCH_CSV_MIB"] ?? 1024);
const BUCKET = "roadmapx-bench";
const ROUNDS = 5;

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

async function main(): Promise<void> {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const dir = join(tmpdir(), "roadmapx-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `interactions-${SIZE_MIB}MiB.csv`);
  await generate(file, SIZE_MIB * MIB);
  const size = statSync(file).size;

  const emulator = await Emulator.start();
  const admin = new AwsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
  const fresh = async () => {
    // The emulator keeps objects in memory: start each run from an empty account.
    await emulator.reset();
    await admin.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // Let the emulator finish freeing the last run's gigabyte before timing the next one.
    await new Promise((r) => setTimeout(r, 1000));
  };
  const cliTimes: number[] = [];
  const ourTimes: number[] = [];
  const ourRss: number[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      await fresh();
      const started = performance.now();
      execFileSync("aws", ["s3", "cp", file, `s3://${BUCKET}/personalize/cli.csv`, "--endpoint-url", emulator.endpoint, "--only-show-errors"], {
        env: { ...process.env, AWS_ACCESS_KEY_ID: "testing", AWS_SECRET_ACCESS_KEY: "testing", AWS_DEFAULT_REGION: "us-east-1" },
        stdio: "inherit",
      });
      cliTimes.push((performance.now() - started) / 1000);

      await fresh();
      const out = execFileSync(
        process.execPath,
        [...WORKER_LOADER, join(__dirname, "workers", "upload-validated.ts"), emulator.endpoint, BUCKET, "personalize/ours.csv", file],
        { env: process.env, stdio: ["ignore", "pipe", "inherit"] },
      ).toString();
      const result = JSON.parse(out) as { seconds: number; maxRssMiB: number; rows: number; valid: boolean };
      if (!result.valid) throw new Error("the generated CSV did not validate");
      ourTimes.push(result.seconds);
      ourRss.push(result.maxRssMiB);
      console.log(
        `  round ${round + 1}: aws s3 cp ${cliTimes[round]?.toFixed(1)} s; validate+upload ${result.seconds.toFixed(1)} s ` +
          `(${result.rows.toLocaleString("en")} rows) = ${((cliTimes[round] as number) / result.seconds).toFixed(2)}x, peak RSS ${result.maxRssMiB.toFixed(0)} MiB`,
      );
    }
  } finally {
    admin.destroy();
    await emulator.stop();
  }
  const mibps = (s: number) => size / MIB / s;
  const ratio = median(cliTimes) / median(ourTimes);
  const peak = Math.max(...ourRss);
  console.log(`validate+upload of a ${(size / MIB).toFixed(0)} MiB interactions CSV to the emulator (median of ${ROUNDS}):`);
  console.log(`  aws s3 cp         ${median(cliTimes).toFixed(1)} s  (${mibps(median(cliTimes)).toFixed(0)} MiB/s)`);
  console.log(`  validate+upload   ${median(ourTimes).toFixed(1)} s  (${mibps(median(ourTimes)).toFixed(0)} MiB/s)`);
  console.log(`  throughput ratio  ${ratio.toFixed(2)}x of aws s3 cp (target >= 0.90)  ${ratio >= 0.9 ? "OK" : "BELOW TARGET"}`);
  // The machine's speed drifts from minute to minute (2 shared cores); each round's own ratio shows how much.
  const perRound = cliTimes.map((cli, i) => cli / (ourTimes[i] as number));
  console.log(
    `  per-round ratios  ${perRound.map((r) => r.toFixed(2)).join(", ")} (median ${median(perRound).toFixed(2)}, range ${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)})`,
  );
  console.log(`  peak memory       ${peak.toFixed(0)} MiB (target <= 150)  ${peak <= 150 ? "OK" : "OVER TARGET"}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
