/**
 * The verifier's report: statuses from verdicts (model.ts), exit codes and the run itself (run.ts),
 * the table and the JSON (render.ts), read problems in words (problems.ts), and what the reads'
 * answers mean (parse.ts). No AWS: the one run here talks to a closed port.
 */
import { expect } from "chai";
// As verify/ imports it: under Stryker both then load the sandbox's core, whatever node_modules links to.
import { ConfigError } from "@roadmapx-ai/core";
import type { CheckResult, Report } from "../../verify/model";
import { statusOf } from "../../verify/model";
import { bucketEncryptionOf, parseCaller, policyDocumentOf, reachabilityFromHeadError, regionOfLocation } from "../../verify/parse";
import { describeProblem } from "../../verify/problems";
import { renderJson, renderTable } from "../../verify/render";
import { exitCodeFor, runVerify } from "../../verify/run";

const result = (over: Partial<CheckResult>): CheckResult => ({
  id: "x",
  title: "X",
  severity: "error",
  status: "pass",
  risk: "things break",
  message: "fine",
  ...over,
});

function report(checks: CheckResult[], over: Partial<Report> = {}): Report {
  const count = (s: CheckResult["status"]) => checks.filter((c) => c.status === s).length;
  return {
    schemaVersion: 1,
    ok: !checks.some((c) => c.severity === "error" && (c.status === "fail" || c.status === "error")),
    target: { accountId: "123456789012", region: "us-east-1" },
    summary: { pass: count("pass"), fail: count("fail"), warn: count("warn"), skip: count("skip"), error: count("error"), awsCalls: 12, seconds: 0.5 },
    checks,
    ...over,
  };
}

describe("statusOf", () => {
  it("a broken condition fails an error-severity check and warns for the others", () => {
    expect(statusOf("error", "broken")).to.equal("fail");
    expect(statusOf("warn", "broken")).to.equal("warn");
    expect(statusOf("info", "broken")).to.equal("warn");
    for (const severity of ["error", "warn", "info"] as const) {
      expect(statusOf(severity, "holds")).to.equal("pass");
      expect(statusOf(severity, "skip")).to.equal("skip");
      expect(statusOf(severity, "error")).to.equal("error");
    }
  });
});

describe("exitCodeFor", () => {
  const pass = result({});
  const failed = result({ status: "fail" });
  const warned = result({ severity: "warn", status: "warn" });
  const warnFailed = result({ severity: "warn", status: "fail" });
  const info = result({ severity: "info", status: "warn" });
  const errored = result({ status: "error" });

  it("3 for an unreadable check or rejected credentials, whatever --fail-on says", () => {
    for (const failOn of ["error", "warn", "never"] as const) {
      expect(exitCodeFor(report([pass, errored]), failOn, false), failOn).to.equal(3);
      expect(exitCodeFor(report([pass]), failOn, true), failOn).to.equal(3);
    }
  });

  it("1 for a failed check unless --fail-on never; warnings count only with --fail-on warn", () => {
    expect(exitCodeFor(report([pass, failed]), "error", false)).to.equal(1);
    expect(exitCodeFor(report([pass, failed]), "never", false)).to.equal(0);
    expect(exitCodeFor(report([pass, warned]), "error", false)).to.equal(0);
    expect(exitCodeFor(report([pass, warned]), "warn", false)).to.equal(1);
    expect(exitCodeFor(report([pass, warnFailed]), "warn", false)).to.equal(1);
    // An info finding is never a warning; a warn-severity check that passed is fine.
    expect(exitCodeFor(report([pass, info]), "warn", false)).to.equal(0);
    expect(exitCodeFor(report([result({ severity: "warn" })]), "warn", false)).to.equal(0);
    expect(exitCodeFor(report([pass]), "error", false)).to.equal(0);
  });
});

describe("runVerify", () => {
  it("refuses unknown --only ids, naming them and the known ones", async () => {
    let error: unknown;
    try {
      await runVerify({ only: ["bucket.exists", "nope", "zz*"], env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/^--only: unknown check id "nope", "zz\*"; known ids: credentials, bucket\.exists, /);
  });

  it("against an endpoint that does not answer: credentials is an error, the rest skipped, every call counted, exit 3", async function () {
    this.timeout(20_000);
    const decorated: unknown[] = [];
    const run = await runVerify({
      env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "eu-west-1", S3_BUCKET_NAME: "roadmapx-files" },
      only: ["credentials", "bucket.exists", "bucket.versioning"],
      clientOptions: { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" }, maxAttempts: 1, decorate: (c) => decorated.push(c) },
    });
    expect(run.commands).to.deep.equal(["STSClient.GetCallerIdentityCommand"]);
    expect(decorated).to.have.length(1);
    expect(run.exitCode).to.equal(3);
    const { report: r } = run;
    expect(r.schemaVersion).to.equal(1);
    expect(r.ok).to.equal(false);
    expect(r.target).to.deep.equal({ accountId: "", region: "eu-west-1", endpoint: "http://127.0.0.1:9" });
    expect(r.checks.map((c) => [c.id, c.status])).to.deep.equal([
      ["credentials", "error"],
      ["bucket.exists", "skip"],
      ["bucket.versioning", "skip"],
    ]);
    expect(r.checks[0]).to.include({ title: "AWS credentials", severity: "error", remediation: "Check the network, AWS_REGION and AWS_ENDPOINT_URL." });
    expect(r.checks[0]?.message).to.match(/^AWS could not be reached for sts:GetCallerIdentity \(/);
    expect(r.checks[0]).to.not.have.property("resource");
    expect(r.checks[0]).to.not.have.property("explain");
    expect(r.checks[1]).to.deep.equal({
      id: "bucket.exists",
      title: "AI bucket exists",
      severity: "error",
      status: "skip",
      risk: "Uploads, imports and training jobs fail at once.",
      message: "skipped: the credentials did not resolve (see credentials)",
    });
    expect(r.summary).to.include({ pass: 0, fail: 0, warn: 0, skip: 2, error: 1, awsCalls: 1 });
    expect(r.summary.seconds).to.be.a("number").and.at.least(0);
    expect(Math.round(r.summary.seconds * 100)).to.equal(r.summary.seconds * 100);
  });
});

describe("renderTable and renderJson", () => {
  const checks = [
    result({ id: "credentials", title: "AWS credentials", message: "credentials resolve" }),
    result({
      id: "bucket.exists",
      title: "AI bucket exists",
      status: "fail",
      message: "bucket b does not exist",
      remediation: "Create it:\naws s3 mb s3://b",
      explain: ["HeadBucket said 404", "and nothing else"],
    }),
    result({ id: "bucket.versioning", title: "Versioning", severity: "info", status: "warn", message: "versioning is not enabled on b" }),
    result({ id: "kms.x", title: "KMS", status: "skip", message: "no KMS" }),
    result({ id: "role.x.s3", title: "Role S3", status: "error", message: `the verifier may not call iam:GetRole ${"on a role ".repeat(10)}` }),
    result({ id: "w", title: "Warned", severity: "warn", status: "warn", message: "a warning", remediation: "Fix it like this:" }),
  ];

  it("lays the checklist out: one row per check, what to do, then why and fix lines, and the summary", () => {
    const table = renderTable(
      report(checks, {
        target: { accountId: "123456789012", region: "eu-west-1", endpoint: "http://127.0.0.1:5000", callerArn: "arn:aws:iam::123456789012:user/u" },
      }),
      {
        colour: false,
      },
    );
    const width = "AI bucket exists (bucket.exists)".length; // the widest component
    const pad = (s: string) => s.padEnd(width);
    expect(table.split("\n")).to.deep.equal([
      "roadmapx-ai verify: account 123456789012, eu-west-1, endpoint http://127.0.0.1:5000, as arn:aws:iam::123456789012:user/u",
      "",
      `${pad("Component")}  Status  Action needed`,
      `${"-".repeat(width)}  ------  -------------`,
      `${pad("AWS credentials (credentials)")}  PASS    None`,
      `${pad("AI bucket exists (bucket.exists)")}  FAIL    Create it (see below)`,
      `${pad("Versioning (bucket.versioning)")}  INFO    versioning is not enabled on b`,
      `${pad("KMS (kms.x)")}  skip    —`,
      // A long cell wraps to the width (100 by default) under its column, cut nowhere.
      `${pad("Role S3 (role.x.s3)")}  ERROR   the verifier may not call iam:GetRole on a role on a role`,
      `${pad("")}          on a role on a role on a role on a role on a role on a`,
      `${pad("")}          role on a role on a role`,
      `${pad("Warned (w)")}  WARN    Fix it like this (see below)`,
      "",
      "FAIL bucket.exists: bucket b does not exist",
      "    why: HeadBucket said 404",
      "    why: and nothing else",
      "    risk: things break",
      "    fix: Create it:",
      "         aws s3 mb s3://b",
      "INFO bucket.versioning: versioning is not enabled on b",
      "    risk: things break",
      `ERROR role.x.s3: the verifier may not call iam:GetRole ${"on a role ".repeat(10)}`,
      "    risk: things break",
      "WARN w: a warning",
      "    risk: things break",
      "    fix: Fix it like this:",
      "",
      "Not ready: 1 pass, 1 fail, 2 warn, 1 skip, 1 error (12 read-only AWS calls, 0.50 s)",
      "",
    ]);
  });

  it("without details only the rows and the summary; a short account line when little is known; one call is singular", () => {
    const table = renderTable(
      report([checks[0] as CheckResult], {
        target: { accountId: "", region: "us-east-1" },
        summary: { pass: 1, fail: 0, warn: 0, skip: 0, error: 0, awsCalls: 1, seconds: 1 },
      }),
      {
        colour: false,
        details: false,
      },
    );
    expect(table.split("\n")).to.deep.equal([
      "roadmapx-ai verify: account ?, us-east-1",
      "",
      "Component                      Status  Action needed",
      "-----------------------------  ------  -------------",
      "AWS credentials (credentials)  PASS    None",
      "",
      "Ready: 1 pass, 0 fail, 0 warn, 0 skip, 0 error (1 read-only AWS call, 1.00 s)",
      "",
    ]);
    expect(renderTable(report([checks[1] as CheckResult]), { colour: false, details: false })).to.not.include("why:");
  });

  it("the component column is at least as wide as its heading", () => {
    const table = renderTable(report([result({ id: "a", title: "A" })]), { colour: false });
    expect(table.split("\n").slice(2, 5)).to.deep.equal(["Component  Status  Action needed", "---------  ------  -------------", "A (a)      PASS    None"]);
  });

  it("colours each status on a terminal", () => {
    const table = renderTable(report(checks), { colour: true });
    for (const [code, label] of [
      ["32", "PASS  "],
      ["31", "FAIL  "],
      ["33", "INFO  "],
      ["90", "skip  "],
      ["35", "ERROR "],
      ["33", "WARN  "],
    ]) {
      expect(table, label).to.include(`\x1b[${code}m${label}\x1b[0m`);
    }
    expect(table).to.include("\x1b[31mFAIL\x1b[0m bucket.exists: bucket b does not exist");
  });

  it("the JSON is the report, indented, with a final newline", () => {
    const r = report(checks);
    const json = renderJson(r);
    expect(json).to.equal(`${JSON.stringify(r, null, 2)}\n`);
    expect(JSON.parse(json)).to.deep.equal(r);
  });
});

describe("read problems in words", () => {
  it("says what the verifier may not do, or why AWS could not answer", () => {
    const p = { permission: "s3:GetBucketPolicy", resource: "arn:aws:s3:::b", detail: "AccessDenied" };
    expect(describeProblem({ ...p, kind: "denied" })).to.equal(
      "the verifier may not call s3:GetBucketPolicy on arn:aws:s3:::b (AccessDenied); grant it that read permission",
    );
    expect(describeProblem({ ...p, kind: "credentials" })).to.equal("AWS rejected the credentials (AccessDenied)");
    expect(describeProblem({ ...p, kind: "unreachable" })).to.equal("AWS could not be reached for s3:GetBucketPolicy (AccessDenied)");
    expect(describeProblem({ ...p, kind: "unavailable" })).to.equal("s3:GetBucketPolicy is not available at this endpoint (AccessDenied)");
    expect(describeProblem({ ...p, kind: "failed" })).to.equal("s3:GetBucketPolicy on arn:aws:s3:::b failed (AccessDenied)");
  });
});

describe("what the reads' answers mean (parse.ts)", () => {
  it("tells users, role sessions, the root user and other callers apart", () => {
    expect(parseCaller("arn:aws:iam::123456789012:user/team/backend", "123456789012")).to.deep.equal({
      accountId: "123456789012",
      arn: "arn:aws:iam::123456789012:user/team/backend",
      partition: "aws",
      kind: "user",
      name: "backend",
      principalArn: "arn:aws:iam::123456789012:user/team/backend",
    });
    expect(parseCaller("arn:aws-cn:sts::123456789012:assumed-role/deployer/session", "123456789012")).to.deep.equal({
      accountId: "123456789012",
      arn: "arn:aws-cn:sts::123456789012:assumed-role/deployer/session",
      partition: "aws-cn",
      kind: "assumed-role",
      name: "deployer",
      principalArn: "arn:aws-cn:iam::123456789012:role/deployer",
    });
    expect(parseCaller("arn:aws:iam::123456789012:root", "123456789012")).to.include({ kind: "root", principalArn: "arn:aws:iam::123456789012:root" });
    expect(parseCaller("arn:aws:sts::123456789012:federated-user/bob", "123456789012")).to.include({
      kind: "other",
      principalArn: "arn:aws:sts::123456789012:federated-user/bob",
    });
    // A user ARN must be IAM's, a session STS's.
    expect(parseCaller("arn:aws:sts::123456789012:user/x", "123456789012").kind).to.equal("other");
    expect(parseCaller("arn:aws:iam::123456789012:assumed-role/r/s", "123456789012").kind).to.equal("other");
    expect(parseCaller("", "").partition).to.equal("aws");
    expect(parseCaller("", "")).to.include({ kind: "other", arn: "" });
  });

  it("a HeadBucket error's status is the answer: 404 missing, 301 (or 400 naming a region) elsewhere, 403 forbidden, else nothing", () => {
    const head = (status: number, region?: string) => {
      const headers: Record<string, string> = region ? { "x-amz-bucket-region": region } : {};
      return { $metadata: { httpStatusCode: status }, $response: { headers } };
    };
    expect(reachabilityFromHeadError(head(404))).to.deep.equal({ state: "missing" });
    expect(reachabilityFromHeadError(head(301, "eu-west-1"))).to.deep.equal({ state: "wrong-region", actualRegion: "eu-west-1" });
    expect(reachabilityFromHeadError(head(301))).to.deep.equal({ state: "wrong-region", actualRegion: undefined });
    expect(reachabilityFromHeadError(head(400, "ap-south-1"))).to.deep.equal({ state: "wrong-region", actualRegion: "ap-south-1" });
    expect(reachabilityFromHeadError(head(400))).to.equal(undefined);
    expect(reachabilityFromHeadError(head(403))).to.deep.equal({ state: "forbidden" });
    expect(reachabilityFromHeadError(head(500))).to.equal(undefined);
    expect(reachabilityFromHeadError({})).to.equal(undefined);
  });

  it("a location constraint as a region", () => {
    expect(regionOfLocation(undefined)).to.equal("us-east-1");
    expect(regionOfLocation("")).to.equal("us-east-1");
    expect(regionOfLocation("EU")).to.equal("eu-west-1");
    expect(regionOfLocation("ap-south-1")).to.equal("ap-south-1");
  });

  it("a bucket's default encryption is its first rule's, when it names an algorithm", () => {
    expect(
      bucketEncryptionOf({
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: "k1" }, BucketKeyEnabled: true },
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
          ],
        },
      }),
    ).to.deep.equal({ algorithm: "aws:kms", kmsKeyId: "k1", bucketKeyEnabled: true });
    expect(bucketEncryptionOf({ ServerSideEncryptionConfiguration: { Rules: [{}] } })).to.equal(undefined);
    expect(bucketEncryptionOf({})).to.equal(undefined);
  });

  it("a policy document as AWS returns it, or nothing", () => {
    expect(policyDocumentOf(undefined)).to.equal(undefined);
    expect(policyDocumentOf("")).to.equal(undefined);
    expect(policyDocumentOf(encodeURIComponent('{"Version":"2012-10-17","Statement":[]}'))).to.deep.equal({ Version: "2012-10-17", Statement: [] });
  });
});
