/**
 * The app.* checks and the runner's handling of them, on a mocked SDK (aws-sdk-client-mock): which
 * services are skipped, the root user, how denials are counted and named, which fix is chosen
 * (attach, inline, boundary), prerequisites (`requires`), which results carry a fix, and --principal.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { applicationPolicy } from "../../core/policies";
import { ConfigError, resolveRuntimeConfig } from "../../core/runtime-config";
import { CHECKS } from "../../verify/checks";
import { Facts } from "../../verify/facts";
import type { CheckDefinition } from "../../verify/model";
import { parsePrincipal } from "../../verify/parse";
import { runVerify } from "../../verify/run";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
const BUCKET = "roadmapx-files";
const ROLES = {
  personalize: `arn:aws:iam::${ACCOUNT}:role/personalize-role`,
  sagemaker: `arn:aws:iam::${ACCOUNT}:role/sagemaker-role`,
  comprehend: `arn:aws:iam::${ACCOUNT}:role/comprehend-role`,
};
const USER = `arn:aws:iam::${ACCOUNT}:user/backend`;
const APP_POLICY = `arn:aws:iam::${ACCOUNT}:policy/app`;
const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/backend-boundary`;
const ENV = {
  AWS_REGION: "us-east-1",
  S3_BUCKET_NAME: BUCKET,
  PERSONALIZE_ROLE_ARN: ROLES.personalize,
  SAGEMAKER_ROLE_ARN: ROLES.sagemaker,
  COMPREHEND_ROLE_ARN: ROLES.comprehend,
};
const CREDS = { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 };
const APP = applicationPolicy({
  target: TARGET,
  bucket: BUCKET,
  personalizeRoleArn: ROLES.personalize,
  sagemakerRoleArn: ROLES.sagemaker,
  comprehendRoleArn: ROLES.comprehend,
});

function awsError(name: string, status: number) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
}

let sts: AwsClientStub<STSClient>;
let iam: AwsClientStub<IAMClient>;
let s3: AwsClientStub<S3Client>;

/** The caller `arn`; user "backend" with the given attached managed policies (and boundary); a bucket without a policy. */
function account(options: { arn?: string; attached?: string[]; managed?: Record<string, object>; boundary?: string } = {}): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: options.arn ?? USER, UserId: "AIDA" });
  iam.on(GetUserCommand).resolves({
    User: {
      UserName: "backend",
      Arn: USER,
      Path: "/",
      UserId: "AIDA",
      CreateDate: new Date(),
      ...(options.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: options.boundary } } : {}),
    },
  });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: (options.attached ?? []).map((PolicyArn) => ({ PolicyArn })) });
  iam.on(ListGroupsForUserCommand).resolves({ Groups: [] });
  for (const [arn, document] of Object.entries(options.managed ?? {})) {
    iam.on(GetPolicyCommand, { PolicyArn: arn }).resolves({ Policy: { Arn: arn, DefaultVersionId: "v1" } });
    iam
      .on(GetPolicyVersionCommand, { PolicyArn: arn })
      .resolves({ PolicyVersion: { VersionId: "v1", Document: encodeURIComponent(JSON.stringify(document)) } });
  }
  s3.on(HeadBucketCommand).resolves({});
  s3.on(GetBucketPolicyCommand).rejects(awsError("NoSuchBucketPolicy", 404));
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }] },
  });
}

/** A stack outputs file naming the bucket, the roles and the application policy. */
function outputsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "roadmapx-app-review-")), "outputs.json");
  writeFileSync(
    file,
    JSON.stringify({
      artifactsBucketName: BUCKET,
      personalizeRoleArn: ROLES.personalize,
      sagemakerRoleArn: ROLES.sagemaker,
      comprehendRoleArn: ROLES.comprehend,
      appPolicyArn: APP_POLICY,
    }),
  );
  return file;
}

const checkOf = (run: Awaited<ReturnType<typeof runVerify>>, id: string) => {
  const c = run.report.checks.find((r) => r.id === id);
  if (!c) throw new Error(`no result for ${id}`);
  return c;
};

/** Replaces a check's evaluate or requires for one test (CHECKS holds the runner's objects). */
async function withPatched<T>(id: string, patch: Partial<CheckDefinition>, body: () => Promise<T>): Promise<T> {
  const check = CHECKS.find((c) => c.id === id) as CheckDefinition;
  const saved = { evaluate: check.evaluate, requires: check.requires };
  Object.assign(check, patch);
  try {
    return await body();
  } finally {
    Object.assign(check, saved);
  }
}

describe("app.* checks and the runner (review, aws-sdk-client-mock)", () => {
  before(() => {
    sts = mockClient(STSClient);
    iam = mockClient(IAMClient);
    s3 = mockClient(S3Client);
  });
  beforeEach(() => {
    sts.reset();
    iam.reset();
    s3.reset();
  });
  after(() => {
    sts.restore();
    iam.restore();
    s3.restore();
  });

  it("skips app.personalize and app.sagemaker when the backend has no role for them, saying why", async () => {
    account();
    const run = await runVerify({
      env: { AWS_REGION: "us-east-1", S3_BUCKET_NAME: BUCKET, COMPREHEND_ROLE_ARN: ROLES.comprehend },
      only: ["app.personalize", "app.sagemaker"],
      clientOptions: CREDS,
    });
    expect(run.report.checks.map((c) => [c.id, c.status, c.message])).to.deep.equal([
      ["app.personalize", "skip", "no Personalize role configured: the backend does not use Personalize"],
      ["app.sagemaker", "skip", "no SageMaker role configured: the backend does not use SageMaker"],
    ]);
    expect(iam.commandCalls(ListAttachedUserPoliciesCommand)).to.have.length(0);
  });

  it("the account root user passes every app.* check without reading policies", async () => {
    account({ arn: `arn:aws:iam::${ACCOUNT}:root` });
    const run = await runVerify({ env: ENV, only: ["app.comprehend", "app.sagemaker"], clientOptions: CREDS });
    for (const id of ["app.comprehend", "app.sagemaker"]) {
      expect(checkOf(run, id)).to.include({
        status: "pass",
        resource: `arn:aws:iam::${ACCOUNT}:root`,
        message: "the backend runs as the account root user, which may do anything (use a least-privilege role in production)",
      });
    }
    expect(iam.commandCalls(GetUserCommand)).to.have.length(0);
  });

  it("names the first three denied requests and counts the rest; with outputs, attaches the application policy", async () => {
    account({ managed: { [APP_POLICY]: APP } });
    const outputs = outputsFile();
    const run = await runVerify({ env: ENV, outputsFile: outputs, only: ["app.comprehend"], clientOptions: CREDS });
    const c = checkOf(run, "app.comprehend");
    expect(c.status).to.equal("fail");
    expect(c.message).to.match(
      new RegExp(
        `^${USER} may not make 29 of the 29 requests the services make: comprehend:\\w+ on \\*; comprehend:\\w+ on \\*; comprehend:\\w+ on \\*, and 26 more$`,
      ),
    );
    expect(c.fix?.commands).to.deep.equal([`aws iam attach-user-policy --user-name backend --policy-arn ${APP_POLICY}`]);
  });

  it("does not attach an application policy that would not grant the denied requests: puts the missing statements inline", async () => {
    // The attached-by-nobody managed policy at appPolicyArn is an old version without Comprehend.
    const old = { ...APP, Statement: APP.Statement.filter((s) => !(s.Sid ?? "").startsWith("Comprehend") && s.Sid !== "AiCallsWithoutResourceScope") };
    account({ managed: { [APP_POLICY]: old } });
    const outputs = outputsFile();
    const run = await runVerify({ env: ENV, outputsFile: outputs, only: ["app.comprehend", "app.s3"], clientOptions: CREDS });
    expect(checkOf(run, "app.s3").fix?.commands).to.deep.equal([`aws iam attach-user-policy --user-name backend --policy-arn ${APP_POLICY}`]);
    const c = checkOf(run, "app.comprehend");
    expect(c.status).to.equal("fail");
    expect(c.fix?.commands[0]).to.match(/^aws iam put-user-policy --user-name backend --policy-name roadmapx-ai-app-comprehend --policy-document /);
    expect(c.fix?.summary).to.match(/^add an inline policy roadmapx-ai-app-comprehend to user backend/);
  });

  it("a permissions boundary that caps the requests: the fix says to widen it, with no command", async () => {
    account({
      attached: [APP_POLICY],
      managed: { [APP_POLICY]: APP, [BOUNDARY]: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] } },
      boundary: BOUNDARY,
    });
    const run = await runVerify({ env: ENV, only: ["app.comprehend"], clientOptions: CREDS });
    const c = checkOf(run, "app.comprehend");
    expect(c.status).to.equal("fail");
    expect(c.fix).to.deep.equal({
      summary: `widen the permissions boundary of ${USER} to allow these actions (a boundary caps what any policy grants)`,
      commands: [],
    });
  });

  it("a boundary that caps only one request: named alone, and the boundary fix (not the parse one) is given", async () => {
    account({
      attached: [APP_POLICY],
      managed: {
        [APP_POLICY]: APP,
        [BOUNDARY]: { Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "comprehend:BatchDetectSentiment", Resource: "*" }] },
      },
      boundary: BOUNDARY,
    });
    const run = await runVerify({ env: ENV, only: ["app.comprehend"], clientOptions: CREDS });
    const c = checkOf(run, "app.comprehend");
    expect(c.message).to.equal(`${USER} may not make 1 of the 29 requests the services make: comprehend:BatchDetectSentiment on *`);
    expect(c.explain).to.deep.equal([
      `permissions boundary ${BOUNDARY} does not allow comprehend:BatchDetectSentiment, so the role cannot use it whatever its policies grant`,
    ]);
    expect(c.fix).to.deep.equal({
      summary: `widen the permissions boundary of ${USER} to allow these actions (a boundary caps what any policy grants)`,
      commands: [],
    });
  });

  it("app.s3 requires bucket.exists: run though --only leaves it out, and skipped naming its status", async () => {
    account({ attached: [APP_POLICY], managed: { [APP_POLICY]: APP } });
    s3.on(HeadBucketCommand).rejects(awsError("NotFound", 404));
    const run = await runVerify({ env: ENV, only: ["app.s3"], clientOptions: CREDS });
    expect(run.report.checks.map((c) => c.id)).to.deep.equal(["app.s3"]);
    expect(checkOf(run, "app.s3")).to.include({ status: "skip", message: "skipped: requires bucket.exists (fail)" });
    expect(s3.commandCalls(HeadBucketCommand)).to.have.length(1);
    expect(s3.commandCalls(GetBucketPolicyCommand)).to.have.length(0);
    // The bucket there, the prerequisite passes and app.s3 is evaluated.
    s3.on(HeadBucketCommand).resolves({});
    expect(checkOf(await runVerify({ env: ENV, only: ["app.s3"], clientOptions: CREDS }), "app.s3").status).to.equal("pass");
  });

  it("a prerequisite that is not a check is a bug: the run throws naming both", async () => {
    account();
    await withPatched("app.comprehend", { requires: ["no.such-check"] }, async () => {
      let thrown: unknown;
      await runVerify({ env: ENV, only: ["app.comprehend"], clientOptions: CREDS }).catch((err: unknown) => (thrown = err));
      expect(thrown).to.be.instanceOf(Error);
      expect((thrown as Error).message).to.equal("check app.comprehend requires no.such-check, which is not a check");
    });
  });

  it("copies a fix (and the risk) only into failing results, never into passes or skips", async () => {
    account();
    const fix = { summary: "do this", commands: ["aws iam something"] };
    for (const [verdict, status] of [
      ["holds", "pass"],
      ["skip", "skip"],
      ["broken", "fail"],
    ] as const) {
      const c = await withPatched("app.comprehend", { evaluate: () => Promise.resolve({ verdict, message: "m", fix }) }, async () =>
        checkOf(await runVerify({ env: ENV, only: ["app.comprehend"], clientOptions: CREDS }), "app.comprehend"),
      );
      expect(c.status, verdict).to.equal(status);
      expect(c.risk).to.equal("Every text analysis fails with AccessDeniedException.");
      if (status === "fail") expect(c.fix).to.deep.equal(fix);
      else expect(c, verdict).to.not.have.property("fix");
    }
  });

  it("--principal must be an IAM role or user ARN (or a role session): anything else is a ConfigError before any call", async () => {
    for (const bad of [
      `arn:aws:iam::${ACCOUNT}:group/backend`,
      "roadmapx-backend",
      `arn:aws:iam::${ACCOUNT}:policy/app`,
      `arn:aws:sts::${ACCOUNT}:federated-user/x`,
    ]) {
      let thrown: unknown;
      await runVerify({ env: ENV, principal: bad, only: ["app.comprehend"], clientOptions: CREDS }).catch((err: unknown) => (thrown = err));
      expect(thrown, bad).to.be.instanceOf(ConfigError);
      expect((thrown as Error).message, bad).to.include(`--principal: "${bad}" is not an IAM role or user ARN`);
    }
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(0);
  });

  it("parsePrincipal: roles, users (with paths) and role sessions; never groups or other ARNs", () => {
    expect(parsePrincipal(`arn:aws:iam::${ACCOUNT}:group/backend`)).to.equal(undefined);
    expect(parsePrincipal(`arn:aws:iam::${ACCOUNT}:assumed-role/r/s`)).to.equal(undefined);
    expect(parsePrincipal(`arn:aws:sts::${ACCOUNT}:role/r`)).to.equal(undefined);
    expect(parsePrincipal(`arn:aws:iam::12345:role/r`)).to.equal(undefined);
    expect(parsePrincipal(`arn:aws:iam::${ACCOUNT}:role/`)).to.equal(undefined);
    expect(parsePrincipal(`arn:aws:iam::${ACCOUNT}:role/team/backend`)).to.deep.equal({
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:role/team/backend`,
      partition: "aws",
      kind: "assumed-role",
      name: "backend",
      principalArn: `arn:aws:iam::${ACCOUNT}:role/team/backend`,
    });
    expect(parsePrincipal(`arn:aws-cn:iam::${ACCOUNT}:user/ops/backend`)).to.deep.equal({
      accountId: ACCOUNT,
      arn: `arn:aws-cn:iam::${ACCOUNT}:user/ops/backend`,
      partition: "aws-cn",
      kind: "user",
      name: "backend",
      principalArn: `arn:aws-cn:iam::${ACCOUNT}:user/ops/backend`,
    });
    expect(parsePrincipal(`arn:aws:sts::${ACCOUNT}:assumed-role/backend/s1`)).to.include({
      kind: "assumed-role",
      name: "backend",
      principalArn: `arn:aws:iam::${ACCOUNT}:role/backend`,
    });
  });

  it("Facts.principal(): a --principal that is no role or user ARN is a failed read, never the caller", async () => {
    account();
    const clients = { sts: new STSClient({ region: "us-east-1", ...CREDS }) };
    const facts = new Facts(clients as never, resolveRuntimeConfig({}, ENV), ENV, `arn:aws:iam::${ACCOUNT}:group/backend`);
    const p = await facts.principal();
    expect(p).to.deep.equal({
      ok: false,
      problem: { kind: "failed", permission: "iam:GetRole", resource: `arn:aws:iam::${ACCOUNT}:group/backend`, detail: "not an IAM role or user ARN" },
    });
    const named = await new Facts(clients as never, resolveRuntimeConfig({}, ENV), ENV, `arn:aws:iam::${ACCOUNT}:role/task`).principal();
    expect(named).to.deep.include({ ok: true });
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(0);
  });
});
