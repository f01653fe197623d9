import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { alive } from "../helpers/process";
import { runLocal } from "../../local/run-local";
import { LOCAL_STEPS } from "../../local/steps";

const ROOT = join(__dirname, "..", "..");
const execFileAsync = promisify(execFile);

function emulatorPid(lines: string[]): number {
  const match = lines.join("\n").match(/emulator up: moto [\d.]+ at http:\/\/127\.0\.0\.1:\d+ \(pid (\d+)\)/);
  if (!match) throw new Error(`no emulator pid in:\n${lines.join("\n")}`);
  return Number(match[1]);
}

describe("roadmapx-ai local (npm start)", function () {
  this.timeout(120_000);

  it("applies the dev stack, writes the outputs, reads back, and stops the emulator", async () => {
    const lines: string[] = [];
    const stateDir = mkdtempSync(join(tmpdir(), "roadmapx-local-"));
    const code = await runLocal({ out: (l) => lines.push(l), stateDir, steps: LOCAL_STEPS });
    const text = lines.join("\n");
    expect(code, text).to.equal(0);
    expect(text).to.include("This is a local harness, not a deployment engine");
    expect(text).to.match(/created Role roadmapx-ai-dev-personalize/);
    expect(text).to.match(/role roadmapx-ai-dev-personalize: trusts personalize\.amazonaws\.com \(pinned to account and region\)/);
    expect(text).to.match(
      /bucket roadmapx-files \(AI bucket = app bucket\): .*policy AppDenyUploadDeletes, RoadmapxAiPersonalizeList, RoadmapxAiPersonalizeObjects/,
    );
    expect(text).to.match(/Ready: 20 pass, 0 fail, 1 warn, \d+ skip, 0 error/);
    expect(text).to.include("validate: 1200 generated interactions -> valid, ready to train");
    expect(text).to.include("upload: s3://roadmapx-files/personalize/demo/interactions.csv");
    expect(text).to.match(/bad CSV: importDataset refused it at line 1202 \(timestamp-milliseconds\); nothing was uploaded, no import job started/);
    expect(text).to.include("schema: arn:aws:personalize:us-east-1:123456789012:schema/roadmapx-demo-interactions (created)");
    expect(text).to.include("needs real AWS (moto emulates no more of Personalize)");
    // SageMaker: a training job writing to models/, an endpoint answering; Comprehend: a call per document.
    expect(text).to.include("training data: s3://roadmapx-files/sagemaker/training/demo-churn/train.csv");
    expect(text).to.match(/training job roadmapx-demo-churn-\d{8}-\d{6}-[a-z0-9]{4}: Completed/);
    expect(text).to.match(/model artifact: s3:\/\/roadmapx-files\/models\/roadmapx-demo-churn-[\w-]+\/output\/model\.tar\.gz/);
    expect(text).to.include('endpoint roadmapx-demo-churn-live: InService; invoke -> {"predictions":[{"score":0.82}]}');
    expect(text).to.include(
      "cleanup: deleted endpoint roadmapx-demo-churn-live, endpoint config roadmapx-demo-churn-live-config, model roadmapx-demo-churn-live-model",
    );
    expect(text).to.include("note-1: sentiment NEUTRAL, 3 key phrases, 3 PII entities");
    expect(text).to.include("note-3: refused (sentiment: EmptyDocument, key-phrases: EmptyDocument, pii: EmptyDocument)");
    expect(text).to.match(/Summary: stack "dev" applied to the emulator in [\d.]+ s; 5 resources; AI bucket roadmapx-files \(the app bucket, reused\)/);
    const outputs = JSON.parse(readFileSync(join(stateDir, "stack-outputs.json"), "utf8")) as Record<string, unknown>;
    expect(outputs).to.include({ artifactsBucketName: "roadmapx-files", artifactsBucketCreated: false, region: "us-east-1" });
    expect(alive(emulatorPid(lines))).to.equal(false);
  });

  it("applies the created-bucket and merge variants when asked", async () => {
    const created: string[] = [];
    expect(
      await runLocal({
        out: (l) => created.push(l),
        stateDir: mkdtempSync(join(tmpdir(), "rl-")),
        configOverrides: { "roadmapx-ai:createArtifactsBucket": "true" },
      }),
    ).to.equal(0);
    expect(created.join("\n")).to.match(
      /bucket roadmapx-ai-dev-artifacts-123456789012-us-east-1 \(AI bucket, created\): public access blocked \(4\/4\), encryption AES256, versioning Enabled, policy RoadmapxAiDenyInsecureTransport/,
    );

    const merged: string[] = [];
    expect(
      await runLocal({ out: (l) => merged.push(l), stateDir: mkdtempSync(join(tmpdir(), "rl-")), configOverrides: { "roadmapx-ai:appBucketPolicy": "merge" } }),
    ).to.equal(0);
    expect(merged.join("\n")).not.to.include("README step 2");
    expect(merged.join("\n")).to.match(/policy AppDenyUploadDeletes, RoadmapxAiPersonalizeList, RoadmapxAiPersonalizeObjects/);
  });

  it("--keep leaves the emulator up and prints the export lines that use it", async () => {
    const lines: string[] = [];
    const code = await runLocal({ out: (l) => lines.push(l), keep: true, stateDir: mkdtempSync(join(tmpdir(), "rl-")) });
    const pid = emulatorPid(lines);
    try {
      expect(code).to.equal(0);
      expect(alive(pid)).to.equal(true);
      const exports = Object.fromEntries(
        lines.filter((l) => l.startsWith("export ")).map((l) => l.slice("export ".length).split(/=(.*)/s).slice(0, 2)),
      ) as Record<string, string>;
      expect(exports).to.have.keys([
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AI_STACK_OUTPUTS",
        "S3_BUCKET_NAME",
      ]);
      // The aws CLI v1 reads only AWS_DEFAULT_REGION: it must name the stack's region too.
      expect(exports["AWS_REGION"]).to.equal("us-east-1");
      expect(exports["AWS_DEFAULT_REGION"]).to.equal(exports["AWS_REGION"]);
      expect(exports["S3_BUCKET_NAME"]).to.equal("roadmapx-files");
      const res = await fetch(`${exports["AWS_ENDPOINT_URL"]}/moto-api/data.json`);
      expect(res.status).to.equal(200);
      expect(lines).to.include(`Stop it with: kill ${pid}`);
    } finally {
      process.kill(pid, "SIGTERM");
    }
  });

  it("as a command: exit 0 and no emulator left running; bad flags exit 2", async () => {
    const cli = join(ROOT, "bin", "roadmapx-ai.js");
    const { stdout } = await execFileAsync(process.execPath, [cli, "local"], { cwd: ROOT });
    expect(stdout).to.match(/Summary: stack "dev" applied/);
    expect(alive(Number(/\(pid (\d+)\)/.exec(stdout)?.[1]))).to.equal(false);

    for (const [args, message] of [
      [["local", "--port", "http"], /"http" is not a TCP port/],
      [["local", "--app-bucket-policy", "overwrite"], /Allowed choices are output, merge/],
      [["local", "--stack", "nope"], /no stack config .*Pulumi\.nope\.yaml/],
    ] as const) {
      const failed = await execFileAsync(process.execPath, [cli, ...args], { cwd: ROOT }).then(
        () => ({ code: 0, output: "" }),
        (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, output: err.stdout + err.stderr }),
      );
      expect(failed.code, args.join(" ")).to.equal(2);
      expect(failed.output).to.match(message);
    }
  });
});
