import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { connect } from "node:net";
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

/** The IAM gate's and the Personalize stand-in's URLs, from the line saying the demo runs through them. */
function standInUrls(text: string): { gate: string; personalize: string } {
  const match =
    /the services demo runs through the IAM gate \(local\/iam-gate\) at (http:\/\/127\.0\.0\.1:\d+) as the backend user roadmapx-backend, holding only the application policy; Personalize is the local stand-in \(local\/personalize-stand-in\) at (http:\/\/127\.0\.0\.1:\d+)/.exec(
      text,
    );
  if (!match) throw new Error(`no IAM gate / stand-in line in:\n${text}`);
  return { gate: match[1] as string, personalize: match[2] as string };
}

/** Whether anything accepts a TCP connection at the URL's port. */
async function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Neither the gate nor the stand-in (nor, unless `--keep`, moto) accepts connections any more. */
async function nothingListening(text: string, options: { motoKept?: boolean } = {}): Promise<void> {
  const urls = standInUrls(text);
  const moto = /emulator up: moto [\d.]+ at (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1] ?? "";
  expect(await listening(moto), `moto ${moto}`).to.equal(options.motoKept === true);
  expect(await listening(urls.gate), `IAM gate ${urls.gate}`).to.equal(false);
  expect(await listening(urls.personalize), `Personalize stand-in ${urls.personalize}`).to.equal(false);
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
      /role roadmapx-ai-dev-comprehend: trusts comprehend\.amazonaws\.com \(pinned to account and region\); inline ComprehendListBucket, ComprehendReadInput, ComprehendWriteOutput/,
    );
    expect(text).to.match(
      /bucket roadmapx-files \(AI bucket = app bucket\): .*policy AppDenyUploadDeletes, RoadmapxAiPersonalizeList, RoadmapxAiPersonalizeObjects/,
    );
    expect(text).to.match(/Ready: 29 pass, 0 fail, 1 warn, \d+ skip, 0 error/);
    expect(text).to.include("validate: 1200 generated interactions -> valid, ready to train");
    // Personalize, on the stand-in through the gate: the whole lifecycle, with the statuses each wait saw.
    expect(text).to.include("schema: arn:aws:personalize:us-east-1:123456789012:schema/roadmapx-demo-interactions (created)");
    const waited = (what: string) => new RegExp(`${what}: (CREATE PENDING -> )?(CREATE IN_PROGRESS -> )?ACTIVE \\([\\d.]+ s\\)`);
    expect(text).to.match(waited("dataset group dataset-group/roadmapx-demo"));
    expect(text).to.match(waited("dataset dataset/roadmapx-demo/INTERACTIONS"));
    expect(text).to.match(/bad CSV: importDataset refused it at line 1202 \(timestamp-milliseconds\); nothing was uploaded, no import job started/);
    expect(text).to.match(/upload: s3:\/\/roadmapx-files\/personalize\/demo\/interactions\.csv \([\d.]+ KiB, validated while it streamed\)/);
    expect(text).to.match(/import job dataset-import-job\/roadmapx-interactions-\d+: .*ACTIVE \([\d.]+ s\); 1200 interactions in the dataset/);
    expect(text).to.match(waited("solution solution/roadmapx-demo-recs \\(user personalization\\)"));
    expect(text).to.match(/training: solution version solution\/roadmapx-demo-recs\/[0-9a-f]{8}: .*ACTIVE \([\d.]+ s\); precision_at_25 [\d.]+/);
    expect(text).to.match(waited("campaign campaign/roadmapx-demo-live \\(minProvisionedTPS 1, item metadata on\\)"));
    const recommended = /recommendations for user-3: (roadmap-item-\d+(?:, roadmap-item-\d+)*)\n/.exec(text)?.[1]?.split(", ") ?? [];
    expect(recommended, text).to.have.length(5);
    // interactionsCsv: user-3 interacted with items (3 + 40k) * 7 % 97; none of them is recommended.
    const seen = new Set(Array.from({ length: 30 }, (_, k) => `roadmap-item-${((3 + 40 * k) * 7) % 97}`));
    expect(recommended.filter((item) => seen.has(item))).to.deep.equal([]);
    expect(text).to.match(
      new RegExp(
        `events: tracker event-tracker/[0-9a-f]{8}: .*ACTIVE \\([\\d.]+ s\\); putEvents sent 2 views \\(${recommended.slice(0, 2).join(", ")}\\) in 1 call; ` +
          `user-3 is now recommended ${recommended.slice(2).join(", ")}, `,
      ),
    );
    // A live application: the catalogue sent with putItems, a filter with metadata, a user forgotten.
    expect(text).to.match(
      /items: dataset dataset\/roadmapx-demo\/ITEMS: .*ACTIVE \([\d.]+ s\); putItems sent 97 roadmap items with their CATEGORY in 10 calls \(10 at most each\)/,
    );
    expect(text).to.match(/filter filter\/roadmapx-demo-category \(INCLUDE ItemID WHERE Items\.CATEGORY IN \(\$CATEGORY\)\): .*ACTIVE/);
    expect(text).to.match(/a filter without its value: refused before the call \(filter \S+ \(.*\) needs a value for \$CATEGORY/);
    const devops = /devops recommendations for user-3, with metadata: (.*)\n/.exec(text)?.[1]?.split(", ") ?? [];
    expect(devops, text).to.have.length(5);
    for (const entry of devops) {
      const n = Number(/^roadmap-item-(\d+) \(devops\)$/.exec(entry)?.[1]);
      // The demo's catalogue puts item n in ["frontend", "backend", "devops"][n % 3].
      expect(n % 3, entry).to.equal(2);
      expect(seen.has(`roadmap-item-${n}`), `${entry}: user-3 interacted with it`).to.equal(false);
    }
    const forgotten =
      /account deletion: 1 user id streamed to personalize\/deletions\/roadmapx-demo-forget\.csv; data deletion job data-deletion-job\/roadmapx-demo-forget: PENDING -> IN_PROGRESS -> COMPLETED \([\d.]+ s\); 1 user deleted, the input removed; user-3 is now recommended (.*) \(was (.*)\)\n/.exec(
        text,
      );
    expect(forgotten, text).to.not.equal(null);
    // Forgotten: user-3 is a new user now, recommended the most popular items, interacted ones included.
    const afterDeletion = forgotten?.[1]?.split(", ") ?? [];
    expect(afterDeletion).to.have.length(5);
    expect(afterDeletion).to.not.deep.equal(forgotten?.[2]?.split(", "));
    expect(afterDeletion.some((item) => seen.has(item) || recommended.slice(0, 2).includes(item))).to.equal(true);
    expect(text).to.match(
      /cleanup: deleted filter\/roadmapx-demo-category, campaign\/roadmapx-demo-live, solution\/roadmapx-demo-recs, event-tracker\/[0-9a-f]{8}, dataset\/roadmapx-demo\/INTERACTIONS, dataset\/roadmapx-demo\/ITEMS, dataset-group\/roadmapx-demo, schema\/roadmapx-demo-interactions, schema\/roadmapx-demo-items \(/,
    );
    expect(text).to.include("(the stand-in trains no model: recommendations are the most-interacted items the user has not interacted with");
    expect(text).not.to.include("needs real AWS (moto emulates no more of Personalize)");
    // SageMaker: a training job writing to models/, an endpoint answering; Comprehend: a call per document.
    expect(text).to.include("training data: s3://roadmapx-files/sagemaker/training/demo-churn/train.csv");
    expect(text).to.match(/training job roadmapx-demo-churn-\d{8}-\d{6}-[a-z0-9]{4}: Completed/);
    expect(text).to.match(/model artifact: s3:\/\/roadmapx-files\/models\/roadmapx-demo-churn-[\w-]+\/output\/model\.tar\.gz/);
    expect(text).to.include('endpoint roadmapx-demo-churn-live: InService; invoke -> {"predictions":[{"score":0.82}]}');
    // Batch transform through its stand-in: every record scored, the answers read back from the .out object.
    expect(text).to.match(
      /transform job roadmapx-transform-[\w-]+: InProgress -> Completed; 100 records from s3:\/\/roadmapx-files\/sagemaker\/transform\/input\/[\w-]+\/ -> 100 answers in s3:\/\/roadmapx-files\/sagemaker\/transform\/output\/[\w-]+\/ \(first: 0\.\d+\)/,
    );
    expect(text).to.include(
      "cleanup: deleted endpoint roadmapx-demo-churn-live, endpoint config roadmapx-demo-churn-live-config, model roadmapx-demo-churn-live-model",
    );
    // A Personalize batch inference job through the stand-in: every user answered, its objects removed.
    expect(text).to.match(
      /batch inference job batch-inference-job\/roadmapx-demo-nightly: PENDING -> IN PROGRESS -> ACTIVE \([\d.]+ s\); 50 users in, 50 answered \(first: \{"userId":"user-1"\} -> (roadmap-item-\d+, ){4}roadmap-item-\d+\); input and output removed/,
    );
    expect(text).to.include("note-1: sentiment NEUTRAL, 3 key phrases, 3 PII entities");
    expect(text).to.include("note-3: refused (sentiment: EmptyDocument, key-phrases: EmptyDocument, pii: EmptyDocument)");
    // A Comprehend analysis job through its stand-in: one job per operation, results back in order, the run's objects removed.
    expect(text).to.match(/input: 2000 documents, 2000 lines under comprehend\/input\/roadmapx-[\w-]+\/; 2 jobs started/);
    expect(text).to.match(/jobs: SUBMITTED -> IN_PROGRESS -> COMPLETED \([\d.]+ s\)/);
    expect(text).to.include(
      "results: 2000 of 2000 documents, in input order with their ids; 666 negative, 200 with PII; cleanup: the run's input and output objects deleted",
    );
    // The IAM gate: every call of the demo authorised, none refused; one call outside the policy refused live.
    expect(text).to.match(/IAM gate: [1-9]\d* requests authorised as roadmapx-backend \([1-9]\d* actions\), 0 refused/);
    // ...and each of those authorisations is a request verify's app.* checks evaluate.
    expect(text).to.match(/verify's app\.\* checks evaluate every kind of request the demo was authorised for: yes \([1-9]\d* authorisations\)/);
    expect(text).to.not.include("not evaluated by verify");
    expect(text).to.include("refused as expected: s3:PutObject on user-uploads/roadmapx-gate-check.txt (AccessDenied); nothing reached the emulator");
    // The checklist as one HTML file beside the outputs, its path printed.
    const html = /HTML report \(the checklist, and a picture of who may do what\): (\S+verify-report\.html)/.exec(text)?.[1] ?? "";
    expect(readFileSync(html, "utf8")).to.include("app.comprehend");
    expect(text).to.match(/Summary: stack "dev" applied to the emulator in [\d.]+ s; 8 resources; AI bucket roadmapx-files \(the app bucket, reused\)/);
    const outputs = JSON.parse(readFileSync(join(stateDir, "stack-outputs.json"), "utf8")) as Record<string, unknown>;
    expect(outputs).to.include({ artifactsBucketName: "roadmapx-files", artifactsBucketCreated: false, region: "us-east-1" });
    expect(text).to.include("stopped the IAM gate and the stand-ins");
    expect(alive(emulatorPid(lines))).to.equal(false);
    await nothingListening(text);
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
      // The gate and the stand-in live in the command's process: not kept, and the exports say where they lead.
      expect(exports["AWS_ENDPOINT_URL"]).to.equal(/emulator up: moto [\d.]+ at (\S+)/.exec(lines.join("\n"))?.[1]);
      expect(lines.join("\n")).to.include(
        "The IAM gate and the stand-ins (Personalize, Comprehend jobs, SageMaker transform) ran inside this command and stopped with it",
      );
      await nothingListening(lines.join("\n"), { motoKept: true });
    } finally {
      process.kill(pid, "SIGTERM");
    }
  });

  it("as a command: exit 0 and no emulator left running; bad flags exit 2", async () => {
    const cli = join(ROOT, "bin", "roadmapx-ai.js");
    const { stdout } = await execFileAsync(process.execPath, [cli, "local"], { cwd: ROOT });
    expect(stdout).to.match(/Summary: stack "dev" applied/);
    expect(stdout).to.match(/IAM gate: [1-9]\d* requests authorised as roadmapx-backend \([1-9]\d* actions\), 0 refused/);
    expect(stdout).to.include("refused as expected: s3:PutObject on user-uploads/roadmapx-gate-check.txt (AccessDenied)");
    expect(alive(Number(/\(pid (\d+)\)/.exec(stdout)?.[1]))).to.equal(false);
    await nothingListening(stdout);

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
