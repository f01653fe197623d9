/**
 * analyzeMany against a loopback Comprehend stub (test/helpers/comprehend-stub.ts) that enforces a TPS
 * quota and adds 50 ms latency to every answer:
 *  - calls: 10,000 documents through one operation must take exactly ceil(10000/25) = 400 calls;
 *  - throughput: documents per second against the quota-bound ideal (400 calls at QUOTA calls/s),
 *    target at least 90%; with the client rate set at the quota, and (for contrast) at twice it,
 *    where the service throttles and the SDK's adaptive retries take over;
 *  - memory: peak RSS for 100,000 documents against 10,000, target within 20%: against the stub
 *    with its quota and latency (as a real run goes; two interleaved runs each, the higher peak
 *    counts); then as a stress test with neither (median of three), with 300,000 documents to show
 *    the plateau and a control that makes the same calls with the bare SDK client, to tell the
 *    pipeline's memory from the SDK's.
 * Each run is its own Node process, so that peak memory is that run's alone.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { ComprehendStub } from "../test/helpers/comprehend-stub";
import { WORKER_LOADER } from "./loader";

const QUOTA_TPS = 50;
const LATENCY_MS = 50;
const DOCUMENTS = 10_000;

interface RunResult {
  seconds: number;
  results: number;
  batchCalls: number;
  retried: number;
  maxRssMiB: number;
  peakHeapMiB: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function run(stub: ComprehendStub, documents: number, tps: number, concurrency: number, mode: "pipeline" | "sdk" = "pipeline"): Promise<RunResult> {
  // Asynchronously: the stub answers from this process's event loop while the child runs.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...WORKER_LOADER, join(__dirname, "workers", "comprehend-stream.ts"), stub.endpoint, String(documents), String(tps), String(concurrency), mode],
    { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }, encoding: "utf8" },
  );
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as RunResult;
}

async function main(): Promise<void> {
  const idealSeconds = Math.ceil(DOCUMENTS / 25) / QUOTA_TPS;
  console.log(
    `stub: quota ${QUOTA_TPS} calls/s (token bucket, burst ${Math.max(1, QUOTA_TPS / 10)}), ${LATENCY_MS} ms latency; ${DOCUMENTS} documents, sentiment`,
  );
  console.log(
    `quota-bound ideal: ${Math.ceil(DOCUMENTS / 25)} calls / ${QUOTA_TPS} per s = ${idealSeconds.toFixed(2)} s = ${(DOCUMENTS / idealSeconds).toFixed(0)} documents/s`,
  );

  const verdicts: boolean[] = [];
  for (const [label, tps] of [
    ["client rate = quota", QUOTA_TPS],
    ["client rate = 2x quota (contrast)", QUOTA_TPS * 2],
  ] as const) {
    const stub = await ComprehendStub.start({ tps: QUOTA_TPS, latencyMs: LATENCY_MS });
    try {
      const r = await run(stub, DOCUMENTS, tps, 8);
      const ratio = idealSeconds / r.seconds;
      const calls = stub.acceptedCalls;
      console.log(
        `${label.padEnd(34)} ${r.seconds.toFixed(2)} s, ${(r.results / r.seconds).toFixed(0)} documents/s = ${(ratio * 100).toFixed(1)}% of ideal; ` +
          `${calls} calls accepted, ${stub.stats.throttled} throttled, ${r.retried} items re-sent`,
      );
      if (tps === QUOTA_TPS) {
        verdicts.push(calls === 400 && r.results === DOCUMENTS, ratio >= 0.9);
        console.log(
          `  calls: ${calls} (target exactly 400) -> ${calls === 400 ? "OK" : "MISSED"}; throughput ${(ratio * 100).toFixed(1)}% (target >= 90%) -> ${ratio >= 0.9 ? "OK" : "MISSED"}`,
        );
      }
    } finally {
      await stub.stop();
    }
  }

  // Memory as a real run goes: quota and latency (at 100 calls/s, so that 100,000 documents take 40 s).
  {
    const peaks: Record<number, number[]> = { 10_000: [], 100_000: [] };
    for (let round = 0; round < 2; round++) {
      for (const n of [10_000, 100_000]) {
        const stub = await ComprehendStub.start({ tps: 100, latencyMs: LATENCY_MS });
        try {
          const r = await run(stub, n, 100, 8);
          if (r.results !== n) throw new Error(`${n}: ${r.results} results`);
          peaks[n]?.push(r.maxRssMiB);
        } finally {
          await stub.stop();
        }
      }
    }
    const small = Math.max(...(peaks[10_000] ?? []));
    const large = Math.max(...(peaks[100_000] ?? []));
    const ratio = large / small;
    console.log(
      `memory at quota (100 calls/s, ${LATENCY_MS} ms):  10,000 documents peak RSS ${small.toFixed(1)} MiB, 100,000 ${large.toFixed(1)} MiB (runs: ${[...(peaks[10_000] ?? []), ...(peaks[100_000] ?? [])].map((v) => v.toFixed(0)).join(", ")})`,
    );
    console.log(`  peak RSS 100k/10k = ${ratio.toFixed(3)} (target <= 1.20) -> ${ratio <= 1.2 ? "OK" : "MISSED"}`);
    verdicts.push(ratio <= 1.2);
  }

  // Stress: no quota and no latency, so that 100,000 documents stream as fast as the CPU allows.
  const stub = await ComprehendStub.start();
  try {
    const peaks: Record<string, number[]> = {};
    for (let round = 0; round < 3; round++) {
      for (const [mode, n] of [
        ["pipeline", 10_000],
        ["pipeline", 100_000],
        ["sdk", 10_000],
        ["sdk", 100_000],
      ] as const) {
        const r = await run(stub, n, 100_000, 8, mode);
        if (r.results !== n) throw new Error(`${mode} ${n}: ${r.results} results`);
        (peaks[`${mode} ${n}`] ??= []).push(r.maxRssMiB);
      }
    }
    const plateau = await run(stub, 300_000, 100_000, 8);
    const m = (key: string) => median(peaks[key] ?? []);
    const show = (key: string) => `${m(key).toFixed(1)} MiB (runs: ${(peaks[key] ?? []).map((v) => v.toFixed(0)).join(", ")})`;
    console.log("stress (no quota, no latency), median of 3:");
    console.log(`memory, analyzeMany   10,000 documents: peak RSS ${show("pipeline 10000")}`);
    console.log(`memory, analyzeMany  100,000 documents: peak RSS ${show("pipeline 100000")}`);
    console.log(`memory, analyzeMany  300,000 documents: peak RSS ${plateau.maxRssMiB.toFixed(1)} MiB (one run: the plateau)`);
    console.log(`control, bare SDK     10,000 documents: peak RSS ${show("sdk 10000")}`);
    console.log(`control, bare SDK    100,000 documents: peak RSS ${show("sdk 100000")}`);
    const ratio = m("pipeline 100000") / m("pipeline 10000");
    console.log(
      `  stress peak RSS 100k/10k = ${ratio.toFixed(3)} (bare SDK alone ${(m("sdk 100000") / m("sdk 10000")).toFixed(3)}); ` +
        `300k/100k ${(plateau.maxRssMiB / m("pipeline 100000")).toFixed(3)}: V8 grows its heap under the SDK's allocation rate, then stays`,
    );
  } finally {
    await stub.stop();
  }
  console.log(verdicts.every(Boolean) ? "all Comprehend targets met" : "some Comprehend targets missed");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
