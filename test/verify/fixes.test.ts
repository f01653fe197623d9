/**
 * Fixes that apply as printed (issue 15): for every case of the misconfiguration corpus
 * (test/helpers/misconfigurations.ts, the cases verify.test.ts checks the findings of), run verify,
 * write the files the failing checks' fixes read (writeFixFiles, as the CLI does), run each printed
 * command literally with the real aws CLI (`bash -c` the string, in the directory the files are
 * relative to) against the emulator, run verify again, and require every check whose fix had commands
 * to pass, and every check that passed before to pass still. Fixing one thing can bring checks that
 * were skipped into play (a created bucket has a policy to check), so this repeats until nothing
 * fixable is left, at most four rounds. A check whose fix cannot be a command must be listed in
 * NO_COMMAND below, and its summary must say why; a fix known to be wrong, in KNOWN_WRONG.
 *
 * Needs the aws CLI (v1 or v2) on PATH: `pip install awscli`. Missing, the tests fail and say so.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { DEFAULT_FIX_DIR, writeFixFiles } from "../../verify/fix";
import type { CheckResult } from "../../verify/model";
import { deploy, verifyAs } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { MISCONFIGURATIONS } from "../helpers/misconfigurations";

/**
 * Checks whose fix is, by design, no command, per case (by number), each with what its summary says:
 * a Deny is the owner's to remove, a bucket cannot move, the environment is not in AWS.
 */
const NO_COMMAND: Record<number, Record<string, RegExp>> = {
  // The case points AI_ARTIFACTS_BUCKET elsewhere than the outputs: that is a finding too.
  7: { "outputs.consistent": /unset AI_ARTIFACTS_BUCKET .* no AWS command fixes it/ },
  11: { "role.sagemaker.s3": /no Allow can override a Deny/ },
  16: {
    "bucket.region": /a bucket cannot move to another region, so no command fixes this/,
    "outputs.consistent": /unset AI_ARTIFACTS_BUCKET .* no AWS command fixes it/,
  },
  17: { "outputs.consistent": /unset S3_BUCKET_NAME .* no AWS command fixes it/ },
  // The key policy trusts neither the account nor the backend: only a key-policy statement for it would.
  18: { "app.s3": /the key policy of .* does not let IAM policies grant its use/ },
};

/**
 * Fixes known not to make their check pass yet, per case, with why. Each is asserted to still fail
 * after its commands ran, so the entry has to go once the fix is right (the test then says so).
 */
const KNOWN_WRONG: Record<number, Record<string, string>> = {};

const ROUNDS = 4;

/** The aws CLI, or a failure that says how to install it (never a skip). */
function awsCliVersion(): string {
  const found = spawnSync("bash", ["-c", "aws --version"], { encoding: "utf8" });
  if (found.status !== 0) {
    throw new Error(
      `these tests run the printed fixes with the aws CLI, which is not on PATH (${(found.stderr || found.error?.message || "").trim()}): install it with \`pip install awscli\``,
    );
  }
  return `${found.stdout}${found.stderr}`.trim();
}

const problems = (checks: CheckResult[]) => checks.filter((c) => c.status === "fail" || c.status === "warn" || c.status === "error");

describe("verify fixes, applied as printed with the aws CLI (emulator)", function () {
  this.timeout(600_000);
  const ctx = useEmulator();
  let version = "";
  before(() => {
    version = awsCliVersion();
  });

  /** The environment the commands run in: the emulator, its credentials, nothing of the developer's AWS config. */
  function cliEnv(dir: string): NodeJS.ProcessEnv {
    const config = join(dir, "aws-config");
    // Path-style S3 addressing: the emulator is one host on a loopback port.
    writeFileSync(config, "[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n");
    return {
      PATH: process.env["PATH"],
      HOME: dir,
      AWS_ENDPOINT_URL: ctx.emulator.endpoint,
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      AWS_DEFAULT_REGION: "us-east-1",
      AWS_REGION: "us-east-1",
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
      AWS_PAGER: "",
      AWS_EC2_METADATA_DISABLED: "true",
    };
  }

  /** Cases run, and the fixes among them that read a document from a file. */
  let casesRun = 0;
  const filed: string[] = [];

  for (const [index, m] of MISCONFIGURATIONS.entries()) {
    const n = index + 1;
    it(`${m.title}: every printed fix runs and makes its check pass`, async () => {
      const d = await deploy(ctx);
      const { env } = await m.apply(ctx, d);
      const dir = mkdtempSync(join(tmpdir(), "roadmapx-fixes-"));
      const shell = cliEnv(dir);
      const noCommand = NO_COMMAND[n] ?? {};
      const knownWrong = KNOWN_WRONG[n] ?? {};
      const gaveUp = new Set<string>();
      let run = await verifyAs(d, { env });
      const first = problems(run.report.checks).map((c) => c.id);
      expect(first, "the case breaks something").to.not.deep.equal([]);
      const fixedBy = new Map<string, string[]>();
      for (let round = 1; ; round++) {
        const open = problems(run.report.checks).filter((c) => !gaveUp.has(c.id));
        for (const c of open) {
          expect(c.status, `${c.id} could not be evaluated: ${c.message}`).to.not.equal("error");
          expect(c.fix?.summary, `${c.id} has a fix with a summary`).to.be.a("string").and.not.equal("");
        }
        const fixable = open.filter((c) => (c.fix?.commands.length ?? 0) > 0);
        for (const c of open.filter((c) => c.fix?.commands.length === 0)) {
          const says = noCommand[c.id];
          expect(says, `${c.id} printed no command (${c.fix?.summary ?? ""}); only ${Object.keys(noCommand).join(", ") || "none"} may`).to.be.instanceOf(
            RegExp,
          );
          expect(c.fix?.summary).to.match(says as RegExp);
        }
        if (fixable.length === 0) break;
        expect(round, `still fixable after ${ROUNDS} rounds: ${fixable.map((c) => c.id).join(", ")}`).to.be.at.most(ROUNDS);
        const passing = run.report.checks.filter((c) => c.status === "pass").map((c) => c.id);
        // As the CLI does: the files, then the commands of each failing check in report order.
        writeFixFiles(run.report, DEFAULT_FIX_DIR, dir);
        for (const c of fixable) {
          for (const command of c.fix?.commands ?? []) {
            const r = spawnSync("bash", ["-c", command], { cwd: dir, env: shell, encoding: "utf8", timeout: 60_000 });
            expect(r.status, `${c.id}: \`${command}\` failed (${version}):\n${r.stderr}${r.stdout}`).to.equal(0);
          }
          fixedBy.set(c.id, c.fix?.commands ?? []);
          if (c.fix?.files?.length) filed.push(`${n}: ${c.id}`);
        }
        run = await verifyAs(d, { env });
        // No fix undoes what held before it (a bucket policy replaced instead of merged would).
        for (const id of passing) {
          const now = run.report.checks.find((x) => x.id === id);
          expect(now?.status, `${id} passed before round ${round}'s fixes (${fixable.map((c) => c.id).join(", ")}): ${JSON.stringify(now, null, 2)}`).to.equal(
            "pass",
          );
        }
        for (const c of fixable) {
          const now = run.report.checks.find((x) => x.id === c.id);
          const known = knownWrong[c.id];
          if (known) {
            expect(now?.status, `${c.id} now passes after its fix: remove it from KNOWN_WRONG (${known})`).to.not.equal("pass");
            gaveUp.add(c.id);
            continue;
          }
          expect(now?.status, `${c.id} after running\n${c.fix?.commands.join("\n")}\n→ ${JSON.stringify(now, null, 2)}`).to.equal("pass");
        }
      }
      for (const id of Object.keys(knownWrong)) expect([...gaveUp], `case ${n}: ${id} is in KNOWN_WRONG but its fix was not run`).to.include(id);
      for (const id of Object.keys(noCommand)) expect(first, `case ${n} fails ${id}`).to.include(id);
      expect(fixedBy.size + Object.keys(noCommand).length, "something was fixed or said to need no command").to.be.greaterThan(0);
      casesRun++;
    });
  }

  it("among them, fixes whose document was too long for a shell line ran from the file verify wrote", function () {
    if (casesRun < MISCONFIGURATIONS.length) this.skip(); // --grep ran only some cases
    expect(filed, "no fix of the corpus used a file").to.not.deep.equal([]);
  });
});
