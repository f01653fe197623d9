/**
 * `roadmapx-ai verify` as users run it: the JSON document, --fail-on, --only, bad input, exit codes,
 * and the proof that it only reads.
 */
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DeleteBucketEncryptionCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { expect } from "chai";
import { CHECK_IDS } from "../../verify/checks";
import type { Report } from "../../verify/model";
import { freePort } from "../../local/emulator";
import { deploy, type Deployed, verifyAs } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { type CliResult, runCli } from "../helpers/process";

const ROOT = join(__dirname, "..", "..");

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runCli(["verify", ...args], env);
}

function envFor(d: Deployed): NodeJS.ProcessEnv {
  return { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
}

describe("roadmapx-ai verify (CLI)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();

  it("--json prints exactly one JSON document with the docs/DESIGN.md shape and the number of AWS calls", async () => {
    const d = await deploy(ctx);
    const run = await cli(["--json"], envFor(d));
    expect(run.code, run.stderr).to.equal(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(Object.keys(report)).to.deep.equal(["schemaVersion", "ok", "target", "summary", "checks"]);
    expect(report.schemaVersion).to.equal(1);
    expect(report.ok).to.equal(true);
    expect(report.target).to.include({ accountId: "123456789012", region: "us-east-1", endpoint: ctx.emulator.endpoint });
    expect(report.checks.map((c) => c.id)).to.deep.equal([...CHECK_IDS]);
    for (const c of report.checks) {
      expect(["error", "warn", "info"]).to.include(c.severity);
      expect(["pass", "fail", "warn", "skip", "error"]).to.include(c.status);
      expect(c.message).to.be.a("string").and.not.equal("");
    }
    const s = report.summary;
    expect(s.pass + s.fail + s.warn + s.skip + s.error).to.equal(report.checks.length);
    expect(s.awsCalls).to.be.within(10, 30);
  });

  it("the human table has Component | Status | Action needed and a line per problem", async () => {
    const d = await deploy(ctx);
    const run = await cli([], envFor(d));
    expect(run.stdout).to.match(/^Component\s+Status\s+Action needed$/m);
    expect(run.stdout).to.match(/^Personalize role S3 access \(role\.personalize\.s3\)\s+PASS\s+None$/m);
    expect(run.stdout).to.match(/^WARN bucket\.tls-only: nothing in the bucket policy of roadmapx-files denies/m);
    expect(run.stdout).to.match(/^Ready: \d+ pass, 0 fail, 1 warn, \d+ skip, 0 error \(\d+ read-only AWS calls, [\d.]+ s\)$/m);
    expect(run.stdout).not.to.include("\x1b["); // no colour when stdout is not a TTY
  });

  it("--fail-on: error (default) exits 0 on warnings, warn exits 1, never exits 0 even on failures", async () => {
    const d = await deploy(ctx);
    expect((await cli([], envFor(d))).code).to.equal(0);
    expect((await cli(["--fail-on", "warn"], envFor(d))).code).to.equal(1);
    const broken = { ...envFor(d), AI_ARTIFACTS_BUCKET: "roadmapx-nowhere" };
    expect((await cli([], broken)).code).to.equal(1);
    expect((await cli(["--fail-on", "never"], broken)).code).to.equal(0);
  });

  it("--only runs just those checks (exact ids and prefix*), and reads only what they need", async () => {
    const d = await deploy(ctx);
    const run = await cli(["--json", "--only", "bucket.exists,role.personalize.*"], envFor(d));
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.map((c) => c.id)).to.deep.equal([
      "bucket.exists",
      "role.personalize.exists",
      "role.personalize.trust",
      "role.personalize.s3",
      "role.personalize.confused-deputy",
    ]);
    expect(report.summary.awsCalls).to.be.below(15);
  });

  it("bad input exits 2 with a message that names the problem", async () => {
    const d = await deploy(ctx);
    const malformed = join(ROOT, ".local", "malformed-outputs.json");
    writeFileSync(malformed, "{ not json");
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [["--outputs", malformed], envFor(d), /--outputs: stack outputs file .*malformed-outputs\.json is not JSON/],
      [
        ["--outputs", "/nonexistent/outputs.json"],
        envFor(d),
        /stack outputs file \/nonexistent\/outputs\.json does not exist: write it with `pulumi stack output --json > FILE`/,
      ],
      [[], { ...envFor(d), AI_STACK_OUTPUTS: "/nonexistent/o.json" }, /AI_STACK_OUTPUTS: stack outputs file \/nonexistent\/o\.json does not exist/],
      [["--only", "bucket.exist"], envFor(d), /--only: unknown check id "bucket\.exist"; known ids: credentials, bucket\.exists/],
      [["--fail-on", "sometimes"], envFor(d), /Allowed choices are error, warn, never/],
      [["--bogus"], envFor(d), /unknown option '--bogus'/],
      [
        [],
        { ...envFor(d), S3_BUCKET_NAME: "Not_A_Bucket", AI_STACK_OUTPUTS: "" },
        /S3_BUCKET_NAME: bucket name "Not_A_Bucket" may contain only lowercase letters/,
      ],
      [
        [],
        { ...envFor(d), PERSONALIZE_ROLE_ARN: "personalize-role" },
        /PERSONALIZE_ROLE_ARN: role ARN "personalize-role" must look like arn:aws:iam::ACCOUNT:role\/NAME/,
      ],
      [[], { ...envFor(d), AWS_ENDPOINT_URL: "localhost:4566" }, /AWS_ENDPOINT_URL: "localhost:4566" is not an http\(s\) URL/],
      [
        ["--principal", "roadmapx-backend"],
        envFor(d),
        /--principal: "roadmapx-backend" is not an IAM role or user ARN; give the role or user the backend runs as/,
      ],
    ];
    for (const [args, env, message] of cases) {
      const run = await cli(args, env);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).to.equal(2);
      expect(run.stderr, args.join(" ")).to.match(message);
    }
  });

  it("--fix-dir: a fix document too long for a shell line is written there, the command names it, and stderr says so", async () => {
    const d = await deploy(ctx);
    // The owner's own statements, kept by the fix: together with ours, longer than a shell line.
    const owner = {
      Sid: "AppPublicAssets",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:role/roadmapx-cdn" },
      Action: "s3:GetObject",
      Resource: Array.from({ length: 20 }, (_, i) => `arn:aws:s3:::roadmapx-files/user-uploads/public/asset-group-${i}/*`),
    };
    await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: "roadmapx-files", Policy: JSON.stringify({ Version: "2012-10-17", Statement: [owner] }) }));
    const dir = join(mkdtempSync(join(tmpdir(), "roadmapx-fixes-")), "fixes");
    const run = await cli(["--json", "--fix-dir", dir], envFor(d));
    expect(run.code, run.stderr).to.equal(1);
    const fix = (JSON.parse(run.stdout) as Report).checks.find((c) => c.id === "bucket.personalize-policy")?.fix;
    const file = fix?.files?.[0];
    expect(file?.path.startsWith(`${dir}/`), JSON.stringify(fix)).to.equal(true);
    expect(fix?.commands.join("\n")).to.include(`file://${file?.path}`);
    expect(run.stderr).to.include(`roadmapx-ai verify: wrote ${file?.path} (a fix command reads it)`);
    const written = JSON.parse(readFileSync(file?.path ?? "", "utf8")) as { Version: string; Statement: unknown[] };
    expect(written.Version).to.equal("2012-10-17");
    expect(written.Statement[0]).to.deep.equal(owner);
    expect(written.Statement.length).to.be.greaterThan(1);
  });

  it("an unreachable endpoint exits 3 and says AWS could not be reached", async () => {
    const port = await freePort();
    const run = await cli([], {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "x",
      AWS_SECRET_ACCESS_KEY: "y",
      PERSONALIZE_ROLE_ARN: "arn:aws:iam::123456789012:role/p",
    });
    expect(run.code).to.equal(3);
    expect(run.stdout).to.match(/ERROR credentials: AWS could not be reached for sts:GetCallerIdentity/);
  });

  it("only reads: every AWS command of a full run (created bucket, SSE-KMS) is Get/List/Head/Describe/Simulate", async () => {
    const d = await deploy(ctx, { "roadmapx-ai:createArtifactsBucket": "true" });
    const bucket = String(d.outputs["artifactsBucketName"]);
    const key = await ctx.clients.kms.send(new CreateKeyCommand({}));
    await ctx.clients.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: key.KeyMetadata?.Arn } }],
        },
      }),
    );
    const run = await verifyAs(d);
    const names = run.commands.map((c) => c.split(".")[1] ?? c);
    expect(names).to.include.members([
      "GetCallerIdentityCommand",
      "HeadBucketCommand",
      "GetBucketPolicyCommand",
      "GetRoleCommand",
      "GetKeyPolicyCommand",
      "SimulatePrincipalPolicyCommand",
    ]);
    const writes = names.filter((n) => !/^(Get|List|Head|Describe|Simulate)/.test(n));
    expect(writes).to.deep.equal([]);
    expect(run.report.summary.awsCalls).to.equal(run.commands.length);
    await ctx.clients.s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
  });

  it("keeps the AGPL policy simulator inside verify/: nothing else imports it", () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (name === "node_modules" || name.startsWith(".")) continue;
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|js)$/.test(name) && readFileSync(path, "utf8").includes("@cloud-copilot/iam-simulate")) {
          offenders.push(relative(ROOT, path));
        }
      }
    };
    for (const dir of ["core", "infra", "services", "local", "cli", "bin", "bench"]) {
      try {
        walk(join(ROOT, dir));
      } catch {
        // a directory that does not exist yet imports nothing
      }
    }
    expect(offenders).to.deep.equal([]);
  });
});
