/**
 * Upload progress through the real CLI, against the emulator: stderr is a pipe here, so the plain
 * mode (a line every few seconds, then the summary); `--quiet` prints none. The live TTY line is
 * covered by test/cli/progress.unit.test.ts.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { interactionsCsv } from "../../local/demo-data";
import { deploy } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { runCli } from "../helpers/process";

const SUMMARY = /: uploaded (\d+\.\d) MiB in \d+(\.\d)?s \(\d+\.\d (KiB|MiB|GiB)\/s\)\n/;
const PROGRESS = /(uploaded|stopped after|MiB\/s|KiB\/s|GiB\/s)/;

describe("upload progress on stderr (CLI, against the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();

  async function account() {
    const d = await deploy(ctx);
    return { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
  }

  it("sagemaker upload: the summary line on stderr (no control characters when piped), stdout unchanged; --quiet: no progress", async () => {
    const env = await account();
    const file = join(mkdtempSync(join(tmpdir(), "roadmapx-progress-")), "train.csv");
    writeFileSync(file, Buffer.alloc(6 * 1024 * 1024, "1,0.5,0.7\n"));

    const loud = await runCli(["sagemaker", "upload", "--dataset", "churn", "--file", file], env);
    expect(loud.code, loud.stderr).to.equal(0);
    expect(JSON.parse(loud.stdout)).to.deep.equal({ uri: "s3://roadmapx-files/sagemaker/training/churn/train.csv" });
    const summary = SUMMARY.exec(loud.stderr);
    expect(summary, loud.stderr).to.not.equal(null);
    expect(summary?.[1]).to.equal("6.0");
    expect(loud.stderr).to.include(`${file}: uploaded 6.0 MiB in `);
    expect(loud.stderr).to.not.include("\r").and.not.include("\x1b");
    expect(loud.stdout).to.not.match(PROGRESS);

    const quiet = await runCli(["sagemaker", "upload", "--dataset", "churn", "--file", file, "--name", "again.csv", "--quiet"], env);
    expect(quiet.code, quiet.stderr).to.equal(0);
    expect(JSON.parse(quiet.stdout)).to.deep.equal({ uri: "s3://roadmapx-files/sagemaker/training/churn/again.csv" });
    expect(quiet.stderr).to.not.match(PROGRESS);
  });

  it("sagemaker upload --help documents --quiet", async () => {
    const help = await runCli(["sagemaker", "upload", "--help"]);
    expect(help.stdout).to.match(/--quiet\s+no upload progress/);
  });

  it("personalize import: the upload's summary comes before the import's own lines; --quiet leaves only those", async () => {
    const env = await account();
    const file = join(mkdtempSync(join(tmpdir(), "roadmapx-progress-")), "good.csv");
    writeFileSync(file, interactionsCsv(100_000));
    const args = [
      "personalize",
      "import",
      "--dataset-arn",
      "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-g/INTERACTIONS",
      "--type",
      "interactions",
      "--file",
      file,
      "--key",
      "personalize/progress.csv",
    ];
    // The emulator has no import API: the upload succeeds, starting the job is exit 3.
    const loud = await runCli(args, env);
    expect(loud.code, loud.stderr).to.equal(3);
    const lines = loud.stderr.split("\n");
    const summaryAt = lines.findIndex((l) => l.startsWith(`${file}: uploaded `));
    expect(summaryAt, loud.stderr).to.be.greaterThan(-1);
    expect(`${lines[summaryAt]}\n`).to.match(SUMMARY);
    expect(lines.findIndex((l) => l.startsWith("! cost: Personalize bills data ingestion"))).to.be.greaterThan(summaryAt);
    expect(lines.at(-2)).to.match(/^roadmapx-ai personalize: the data is at s3:\/\/roadmapx-files\/personalize\/progress\.csv/);
    expect(loud.stderr).to.not.include("\r").and.not.include("\x1b");

    const quiet = await runCli([...args, "--quiet"], env);
    expect(quiet.code, quiet.stderr).to.equal(3);
    expect(quiet.stderr).to.not.match(PROGRESS);
    expect(quiet.stderr).to.include("! cost: Personalize bills data ingestion");
  });
});
