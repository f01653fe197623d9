/**
 * A full `verify` against the emulator: wall time (in-process and as the CLI a user runs, process
 * start included) and the number of AWS calls, against the targets of 3 s and 30 calls.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setUpLocalAccount } from "../local/account";
import { stackOutputsJson } from "../local/apply";
import { DUMMY_CREDENTIALS, Emulator } from "../local/emulator";
import { AccountClients } from "../verify/clients";
import { runVerify } from "../verify/run";

const RUNS = 5;
const TARGET_SECONDS = 3;
const TARGET_CALLS = 30;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";
  const emulator = await Emulator.start();
  const admin = new AccountClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
  try {
    const results: string[] = [];
    for (const [mode, config] of [
      ["app bucket reused", {}],
      ["created artifacts bucket", { "roadmapx-ai:createArtifactsBucket": "true" }],
    ] as const) {
      await emulator.reset();
      const { applied, backendCredentials } = await setUpLocalAccount({ clients: admin, config: { "aws:region": "us-east-1", ...config } });
      const outputsFile = join(mkdtempSync(join(tmpdir(), "bench-verify-")), "outputs.json");
      writeFileSync(outputsFile, stackOutputsJson(applied.outputs));
      const env = { AWS_ENDPOINT_URL: emulator.endpoint, AWS_REGION: "us-east-1", AI_STACK_OUTPUTS: outputsFile };

      const inProcess: number[] = [];
      let calls = 0;
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        const run = await runVerify({ env, clientOptions: { credentials: backendCredentials } });
        inProcess.push((performance.now() - started) / 1000);
        calls = run.report.summary.awsCalls;
        if (!run.report.ok) throw new Error(`verify did not pass in mode "${mode}"`);
      }
      const cli: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const started = performance.now();
        execFileSync(process.execPath, [join(__dirname, "..", "bin", "roadmapx-ai.js"), "verify", "--json"], {
          env: { ...process.env, ...env, AWS_ACCESS_KEY_ID: backendCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: backendCredentials.secretAccessKey },
          stdio: ["ignore", "pipe", "inherit"],
        });
        cli.push((performance.now() - started) / 1000);
      }
      const wall = median(cli);
      results.push(
        `${mode.padEnd(26)} in-process ${median(inProcess).toFixed(2)} s, CLI ${wall.toFixed(2)} s ` +
          `(${(wall / TARGET_SECONDS).toFixed(2)}x of the ${TARGET_SECONDS} s budget), ` +
          `${calls} AWS calls (${(calls / TARGET_CALLS).toFixed(2)}x of the ${TARGET_CALLS}-call budget)` +
          `${wall < TARGET_SECONDS && calls <= TARGET_CALLS ? "  OK" : "  OVER TARGET"}`,
      );
    }
    console.log(`verify against the emulator, median of ${RUNS} runs each:`);
    for (const line of results) console.log(`  ${line}`);
  } finally {
    admin.destroy();
    await emulator.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
