/**
 * The packages as a backend adopts them: packed (`npm run package`), npm-installed into a copy of a
 * fixture backend outside the workspace, compiled by the fixture's own strict tsc, and run by plain
 * node against the emulator. See test/adopters/README.md for the fixtures.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { compileFixture, execFileAsync, installFixture, installedTree, packedTarballs } from "../helpers/adopter";
import { useEmulator } from "../helpers/emulator";

const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";

interface DemoResult {
  userUpload?: number;
  datasetBytes?: number;
  importOutcome?: string;
  sentiment?: string;
  configError?: boolean;
  message?: string;
}

for (const fixture of ["cjs-backend", "esm-backend"]) {
  describe(`adopter: ${fixture} installs the packed tarballs, compiles with its own tsc and runs under plain node`, function () {
    this.timeout(300_000);
    const ctx = useEmulator();
    let dir: string;

    before(async function () {
      this.timeout(600_000);
      const tarballs = await packedTarballs();
      dir = await installFixture(fixture, [tarballs.core, tarballs.services]);
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function env(extra: Record<string, string>): NodeJS.ProcessEnv {
      // Only what a backend's environment would hold: no workspace, no tsx, no NODE_OPTIONS.
      return {
        PATH: process.env["PATH"] ?? "",
        HOME: process.env["HOME"] ?? "/tmp",
        AWS_ENDPOINT_URL: ctx.emulator.endpoint,
        AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        S3_BUCKET_NAME: "roadmapx-files",
        ...extra,
      };
    }

    async function demo(mode: string, extra: Record<string, string>): Promise<DemoResult> {
      const { stdout } = await execFileAsync(process.execPath, [join(dir, "dist", "ai-demo.js"), mode], { cwd: dir, env: env(extra) });
      return JSON.parse(stdout) as DemoResult;
    }

    it("holds no Pulumi, no AGPL simulator, no tsx in what it installed, and reports the closure's size", () => {
      const tree = installedTree(dir);
      const forbidden = tree.runtimePackages.filter((p) => /node_modules\/(@pulumi\/|@cloud-copilot\/|@actsecurity\/|tsx$|esbuild$|commander$)/.test(p));
      expect(forbidden).to.deep.equal([]);
      expect(tree.runtimePackages).to.include.members([
        "node_modules/@roadmapx-ai/services",
        "node_modules/@roadmapx-ai/core",
        "node_modules/@aws-sdk/client-s3",
      ]);
      console.log(`      installed closure: ${tree.runtimePackages.length} packages, ${(tree.runtimeBytes / 1e6).toFixed(1)} MB`);
      expect(tree.runtimeBytes).to.be.below(60e6);
    });

    it("compiles under strict, skipLibCheck false, verbatimModuleSyntax and target ES2019", async () => {
      await compileFixture(dir);
      if (fixture === "cjs-backend") await compileFixture(dir, "tsconfig.node10.json");
    });

    it("runs: the drop-in s3Client writes user-uploads/, importDataset validates and uploads, Comprehend answers", async () => {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
      const result = await demo("all", { PERSONALIZE_ROLE_ARN: ROLE });
      expect(result).to.deep.equal({
        userUpload: 5,
        datasetBytes: 60, // the fixture's three-line CSV, byte for byte
        importOutcome: "upload done; job not startable here",
        sentiment: "NEUTRAL",
      });
    });

    it("a missing AI_STACK_OUTPUTS file does not break the import of ./s3; the first AI call names the variable", async () => {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
      const missing = join(dir, "no-such-outputs.json");
      const result = await demo("missing-outputs", { AI_STACK_OUTPUTS: missing });
      expect(result.userUpload).to.equal(5);
      expect(result.configError).to.equal(true);
      expect(result.message).to.include("AI_STACK_OUTPUTS").and.include(missing).and.include("does not exist");
    });

    it("an outputs file that exists is used: the AI bucket comes from it", async () => {
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "roadmapx-files" }));
      await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: "ai-artifacts-from-outputs" }));
      const outputs = join(dir, "outputs.json");
      writeFileSync(outputs, JSON.stringify({ artifactsBucketName: "ai-artifacts-from-outputs", personalizeRoleArn: ROLE, region: "us-east-1" }));
      const result = await demo("all", { AI_STACK_OUTPUTS: outputs });
      expect(result.datasetBytes).to.equal(60);
      expect(result.importOutcome).to.equal("upload done; job not startable here");
    });
  });
}

describe("adopter: an operator installs the roadmapx-ai CLI tarball and runs it from node_modules/.bin", function () {
  this.timeout(300_000);
  const ctx = useEmulator();
  let bin: string;
  let dir: string | undefined;

  before(async function () {
    this.timeout(600_000);
    const t = await packedTarballs();
    dir = await installFixture("operator", [t.core, t.services, t.infra, t.cli]);
    bin = join(dir, "node_modules", ".bin", "roadmapx-ai");
    expect(installedTree(dir).runtimePackages).not.to.include("node_modules/tsx");
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("prints its version and its commands", async () => {
    const version = await execFileAsync(bin, ["--version"]);
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
    expect(version.stdout.trim()).to.equal(pkg.version);
    const help = await execFileAsync(bin, ["--help"]);
    for (const command of ["verify", "personalize", "sagemaker", "comprehend", "local"]) expect(help.stdout).to.include(command);
  });

  it("runs verify against the emulator: an empty account fails its checks with exit 1 and one JSON report", async () => {
    const result = await execFileAsync(bin, ["verify", "--json"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        AWS_ENDPOINT_URL: ctx.emulator.endpoint,
        AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
        AWS_REGION: "us-east-1",
      },
    }).then(
      () => ({ code: 0, stdout: "" }),
      (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
    );
    expect(result.code).to.equal(1);
    const report = JSON.parse(result.stdout) as { schemaVersion: number; ok: boolean; checks: { id: string; status: string }[] };
    expect(report).to.include({ schemaVersion: 1, ok: false });
    expect(report.checks.find((c) => c.id === "bucket.exists")?.status).to.equal("fail");
    expect(report.checks.find((c) => c.id === "credentials")?.status).to.equal("pass");
  });
});
