/**
 * The analysis-job path of Comprehend (analyzeAsync) against moto's S3 and the Comprehend jobs
 * stand-in (local/comprehend-jobs-stand-in), 10,000 and 100,000 documents, each run its own process:
 *  - memory: peak RSS for 100,000 documents against 10,000, target within 20% (two interleaved
 *    runs each, the higher peak counts);
 *  - the client's own time around the job, per 100,000 documents: upload (documents to
 *    ONE_DOC_PER_LINE input, streamed) and read-back (output.tar.gz streamed, back in input order);
 *    the wait is the stand-in's work here, minutes of Comprehend's on AWS, so it is shown apart;
 *  - beside it, the synchronous path's time for the same documents at AWS's default Batch* quota
 *    (10 calls/s of 25 documents), which bench/comprehend.bench.ts shows analyzeMany reaches.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { IAMClient } from "@aws-sdk/client-iam";
import { DUMMY_CREDENTIALS, Emulator } from "../local/emulator";
import { startComprehendJobsStandIn } from "../local/comprehend-jobs-stand-in";
import { createComprehendRole } from "../test/helpers/comprehend-jobs-stand-in";
import { WORKER_LOADER } from "./loader";

process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
const BUCKET = "roadmapx-files";
/** AWS's default quota for BatchDetectSentiment (calls per second, per account and region), 25 documents a call. */
const SYNC_QUOTA_TPS = 10;

interface RunResult {
  documents: number;
  uploadSeconds: number;
  waitSeconds: number;
  readSeconds: number;
  maxRssMiB: number;
}

async function main(): Promise<void> {
  const emulator = await Emulator.start();
  const standIn = await startComprehendJobsStandIn({
    region: "us-east-1",
    upstream: emulator.endpoint,
    s3: { endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS },
    durations: { submittedMs: 0, inProgressMs: 0, stopMs: 0 },
  });
  try {
    const s3 = new S3Client({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const iam = new IAMClient({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
    const roleArn = await createComprehendRole(iam);
    s3.destroy();
    iam.destroy();
    const env = {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      BENCH_S3_ENDPOINT: emulator.endpoint,
      BENCH_COMPREHEND_ENDPOINT: standIn.endpoint,
      BENCH_BUCKET: BUCKET,
      BENCH_ROLE_ARN: roleArn,
    };
    const run = async (documents: number): Promise<RunResult> => {
      // Asynchronously: the stand-in answers from this process's event loop while the child runs.
      const { stdout } = await promisify(execFile)(process.execPath, [...WORKER_LOADER, join(__dirname, "workers", "comprehend-async.ts"), String(documents)], {
        env,
        encoding: "utf8",
        maxBuffer: 16 * 1024 * 1024,
      });
      return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as RunResult;
    };

    const runs: Record<number, RunResult[]> = { 10_000: [], 100_000: [] };
    for (let round = 0; round < 2; round++) {
      for (const n of [10_000, 100_000]) runs[n]?.push(await run(n));
    }
    const small = runs[10_000] ?? [];
    const large = runs[100_000] ?? [];
    const peak = (rs: RunResult[]) => Math.max(...rs.map((r) => r.maxRssMiB));
    const best = (rs: RunResult[], f: (r: RunResult) => number) => Math.min(...rs.map(f));
    console.log("async path (analyzeAsync, one sentiment job), moto's S3 and the Comprehend jobs stand-in on loopback:");
    for (const [n, rs] of [
      [10_000, small],
      [100_000, large],
    ] as const) {
      console.log(
        `  ${n.toLocaleString("en-US").padStart(7)} documents: peak RSS ${peak(rs).toFixed(1)} MiB (runs: ${rs.map((r) => r.maxRssMiB.toFixed(0)).join(", ")}); ` +
          `upload ${best(rs, (r) => r.uploadSeconds).toFixed(2)} s, read-back ${best(rs, (r) => r.readSeconds).toFixed(2)} s, ` +
          `job (the stand-in's work, not the client's) ${best(rs, (r) => r.waitSeconds).toFixed(2)} s (best of ${rs.length})`,
      );
    }
    const ratio = peak(large) / peak(small);
    console.log(`  peak RSS 100k/10k = ${ratio.toFixed(3)} (target <= 1.20) -> ${ratio <= 1.2 ? "OK" : "MISSED"}`);
    const clientSeconds = best(large, (r) => r.uploadSeconds + r.readSeconds);
    const syncSeconds = 100_000 / 25 / SYNC_QUOTA_TPS;
    console.log(
      `  client's own time per 100,000 documents: ${clientSeconds.toFixed(2)} s (upload + read-back); ` +
        `the synchronous path at AWS's default quota (${SYNC_QUOTA_TPS} Batch* calls/s x 25 documents) needs ${syncSeconds.toFixed(0)} s for the same documents ` +
        `(${(syncSeconds / clientSeconds).toFixed(1)}x), before the job's own time on AWS`,
    );
    console.log(ratio <= 1.2 ? "all Comprehend async targets met" : "some Comprehend async targets missed");
  } finally {
    await standIn.stop();
    await emulator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
