/**
 * The backend's own permissions (app.s3, app.personalize, app.sagemaker, app.comprehend) against the
 * emulator: the declared setup passes; the case (the application policy detached, only the
 * two PassRole statements left) is "Not ready"; narrower policies, a Deny, a KMS key and --principal
 * each give the right verdict and a fix that names the exact command.
 */
import { AttachRolePolicyCommand, CreateRoleCommand, DetachUserPolicyCommand, PutUserPolicyCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { GetBucketPolicyCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { applicationPolicy } from "../../core/policies";
import { type Deployed, ROLE, check, deploy, expectStatus, textOf, verifyAs } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { DUMMY_CREDENTIALS } from "../../local/emulator";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
const BUCKET = "roadmapx-files";
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/roadmapx-backend`;
const APP_CHECKS = ["app.s3", "app.personalize", "app.sagemaker", "app.comprehend"];
const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** The application policy's statements for this account, by Sid. */
function appStatements(sids: string[]) {
  return applicationPolicy({
    target: TARGET,
    bucket: BUCKET,
    personalizeRoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE.personalize}`,
    sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE.sagemaker}`,
    comprehendRoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE.comprehend}`,
  }).Statement.filter((s) => sids.includes(s.Sid ?? ""));
}

describe("verify app.* checks: the backend's own permissions (emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let d: Deployed;
  beforeEach(async () => {
    d = await deploy(ctx);
  });

  async function detachAppPolicy() {
    await ctx.clients.iam.send(new DetachUserPolicyCommand({ UserName: "roadmapx-backend", PolicyArn: String(d.outputs["appPolicyArn"]) }));
  }

  it("the declared setup: every app.* check passes, each counting the requests it evaluated", async () => {
    const run = await verifyAs(d);
    for (const id of APP_CHECKS)
      expect(expectStatus(run, id, "pass").message).to.match(new RegExp(`^${USER_ARN} may make all \\d+ requests the services make`));
    // 21 object probes + 7 listings on S3.
    expect(check(run, "app.s3").message).to.include("all 28 requests");
    // 38 Personalize calls on their 46 owned resources (issue 17's filters, recommenders, deletion jobs,
    // Items/Users datasets and ranking included), 3 event-tracker calls on 4, TagResource on the 3
    // resources the tagged creates make, and 10 on "*".
    expect(check(run, "app.personalize").message).to.include("all 63 requests the services make (52 actions)");
    // 9 Detect calls, 15 analysis-job calls on their jobs, 5 Lists.
    expect(check(run, "app.comprehend").message).to.include("all 29 requests the services make (29 actions)");
  });

  it("the application policy detached, only the two PassRole statements left: Not ready, though caller.pass-role passes", async () => {
    await detachAppPolicy();
    await ctx.clients.iam.send(
      new PutUserPolicyCommand({
        UserName: "roadmapx-backend",
        PolicyName: "pass-only",
        PolicyDocument: doc(appStatements(["PassPersonalizeRole", "PassSageMakerRole"])),
      }),
    );
    const run = await verifyAs(d);
    expectStatus(run, "caller.pass-role.personalize", "pass");
    expectStatus(run, "caller.pass-role.sagemaker", "pass");
    for (const id of APP_CHECKS) {
      const c = expectStatus(run, id, "fail");
      expect(c.fix?.commands).to.deep.equal([`aws iam attach-user-policy --user-name roadmapx-backend --policy-arn ${String(d.outputs["appPolicyArn"])}`]);
    }
    expect(check(run, "app.s3").message).to.match(
      /may not make 28 of the 28 requests the services make: s3:PutObject on arn:aws:s3:::roadmapx-files\/personalize\//,
    );
    expect(textOf(check(run, "app.comprehend"))).to.include(
      "no statement in inline policy pass-only of user roadmapx-backend allows comprehend:DetectSentiment on *",
    );
    expect(run.report.ok).to.equal(false);
    expect(run.exitCode).to.equal(1);
  });

  it("the printed attach command, run with the aws CLI as printed, makes every app.* check pass", async () => {
    await detachAppPolicy();
    const failing = await verifyAs(d);
    const command = check(failing, "app.s3").fix?.commands[0] ?? "";
    execFileSync("bash", ["-c", command], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: ctx.emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
      },
      stdio: "pipe",
    });
    const fixed = await verifyAs(d);
    for (const id of APP_CHECKS) expectStatus(fixed, id, "pass");
  });

  it("without stack outputs, the fix puts the application policy's missing statements inline (complete, with Version)", async () => {
    await detachAppPolicy();
    // Everything but Comprehend, its analysis jobs and the resource-less calls.
    const env = {
      AI_STACK_OUTPUTS: "",
      S3_BUCKET_NAME: BUCKET,
      PERSONALIZE_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${ROLE.personalize}`,
      SAGEMAKER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/${ROLE.sagemaker}`,
    };
    const run = await verifyAs(d, { env, only: ["app.comprehend"] });
    const c = expectStatus(run, "app.comprehend", "fail");
    const command = c.fix?.commands[0] ?? "";
    // Too long for a shell line: the document is a file the CLI writes, named in the command.
    expect(command).to.equal(
      "aws iam put-user-policy --user-name roadmapx-backend --policy-name roadmapx-ai-app-comprehend --policy-document file://verify-fixes/app.comprehend.roadmapx-backend.json",
    );
    const file = c.fix?.files?.[0];
    expect(file?.path).to.equal("verify-fixes/app.comprehend.roadmapx-backend.json");
    const document = JSON.parse(file?.content ?? "{}") as { Version: string; Statement: { Sid: string }[] };
    expect(document.Version).to.equal("2012-10-17");
    expect(document.Statement.map((s) => s.Sid)).to.deep.equal(["ComprehendAnalysisJobs", "AiCallsWithoutResourceScope"]);
    const cwd = mkdtempSync(join(tmpdir(), "roadmapx-app-fix-"));
    mkdirSync(join(cwd, dirname(file?.path ?? "")), { recursive: true });
    writeFileSync(join(cwd, file?.path ?? ""), file?.content ?? "");
    execFileSync("bash", ["-c", command], {
      cwd,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: ctx.emulator.endpoint,
        AWS_REGION: "us-east-1",
        AWS_DEFAULT_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
      },
      stdio: "pipe",
    });
    expectStatus(await verifyAs(d, { env, only: ["app.comprehend"] }), "app.comprehend", "pass");
  });

  it("Personalize scoped to other names: the calls on this project's resources are named, the Lists pass", async () => {
    await detachAppPolicy();
    const statements = appStatements([
      "PersonalizeWorkflow",
      "PersonalizeCreateTaggedEventTracker",
      "PersonalizeTaggedEventTrackers",
      "PersonalizeTagOnCreate",
      "ComprehendAnalysisJobs",
      "AiCallsWithoutResourceScope",
    ]).map((s) => (s.Sid === "PersonalizeWorkflow" ? { ...s, Resource: `arn:aws:personalize:us-east-1:${ACCOUNT}:*/other-*` } : s));
    await ctx.clients.iam.send(new PutUserPolicyCommand({ UserName: "roadmapx-backend", PolicyName: "narrow", PolicyDocument: doc(statements) }));
    const run = await verifyAs(d, { only: ["app.personalize", "app.comprehend"] });
    expectStatus(run, "app.comprehend", "pass");
    const c = expectStatus(run, "app.personalize", "fail");
    expect(c.message).to.match(
      /may not make 46 of the 63 requests the services make: personalize:CreateSchema on arn:aws:personalize:us-east-1:123456789012:schema\/roadmapx-verify-probe/,
    );
    expect(textOf(c)).to.include(
      'near miss: statement "PersonalizeWorkflow" of inline policy narrow of user roadmapx-backend allows personalize:CreateSchema but on arn:aws:personalize:us-east-1:123456789012:*/other-*',
    );
    expect(c.message).to.not.include("ListSchemas");
  });

  it("a bucket-policy Deny on personalize/ objects: app.s3 fails on exactly those requests, and the fix says no Allow can override it", async () => {
    const existing = (await ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? doc([]);
    const policy = JSON.parse(existing) as { Statement: unknown[] };
    policy.Statement.push({
      Sid: "NoBackendWrites",
      Effect: "Deny",
      Principal: { AWS: USER_ARN },
      Action: "s3:PutObject",
      Resource: `arn:aws:s3:::${BUCKET}/personalize/*`,
    });
    await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify(policy) }));
    const run = await verifyAs(d, { only: ["app.s3"] });
    const c = expectStatus(run, "app.s3", "fail");
    expect(c.message).to.equal(
      `${USER_ARN} may not make 1 of the 28 requests the services make: s3:PutObject on arn:aws:s3:::${BUCKET}/personalize/roadmapx-ai-verify/probe.csv`,
    );
    expect(textOf(c)).to.include('statement "NoBackendWrites" of the bucket policy of roadmapx-files explicitly denies s3:PutObject');
    expect(c.fix).to.deep.equal({ summary: "remove or narrow the Deny statement named in the why lines: no Allow can override it", commands: [] });
  });

  it("SSE-KMS with a key whose policy does not let IAM policies grant it: app.s3 names kms:GenerateDataKey and kms:Decrypt", async () => {
    const key = await ctx.clients.kms.send(
      new CreateKeyCommand({
        Policy: doc([{ Sid: "OnlyRoot", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/someone-else` }, Action: "kms:*", Resource: "*" }]),
      }),
    );
    const keyArn = key.KeyMetadata?.Arn ?? "";
    await ctx.clients.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: BUCKET,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: keyArn } }] },
      }),
    );
    const run = await verifyAs(d, { only: ["app.s3"] });
    const c = expectStatus(run, "app.s3", "fail");
    expect(c.message).to.include(`may not make 2 of the 30 requests the services make: kms:Decrypt on ${keyArn}; kms:GenerateDataKey on ${keyArn}`);
  });

  it("a caller that is no IAM user or role session (moto's default identity): app.* skip and ask for --principal", async () => {
    const run = await verifyAs(d, { credentials: DUMMY_CREDENTIALS });
    expect(run.report.target.callerArn).to.equal(`arn:aws:sts::${ACCOUNT}:user/moto`);
    for (const id of APP_CHECKS) {
      expect(expectStatus(run, id, "skip").message).to.equal(
        `the caller arn:aws:sts::${ACCOUNT}:user/moto is not an IAM user or role session: name the role or user the backend runs as with --principal ARN`,
      );
    }
    // Named, the backend user is evaluated whoever the caller is.
    for (const id of APP_CHECKS) expectStatus(await verifyAs(d, { credentials: DUMMY_CREDENTIALS, principal: USER_ARN, only: [id] }), id, "pass");
  });

  describe("--principal: the backend's role, checked from another identity", () => {
    async function backendRole(attach: boolean): Promise<string> {
      const role = await ctx.clients.iam.send(
        new CreateRoleCommand({
          RoleName: "roadmapx-backend-task",
          AssumeRolePolicyDocument: doc([{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]),
        }),
      );
      if (attach) await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: "roadmapx-backend-task", PolicyArn: String(d.outputs["appPolicyArn"]) }));
      return role.Role?.Arn ?? "";
    }

    it("a role holding the application policy: app.* and caller.pass-role.* pass for it, whatever the caller holds", async () => {
      const roleArn = await backendRole(true);
      await detachAppPolicy();
      const run = await verifyAs(d, { principal: roleArn });
      for (const id of [...APP_CHECKS, "caller.pass-role.personalize", "caller.pass-role.sagemaker"])
        expect(expectStatus(run, id, "pass").resource).to.equal(roleArn);
      expect(run.report.target.callerArn).to.equal(USER_ARN);
    });

    it("a role without it: each fails, and the fix attaches the policy to the role", async () => {
      const roleArn = await backendRole(false);
      const run = await verifyAs(d, { principal: roleArn });
      expect(expectStatus(run, "caller.pass-role.personalize", "fail").message).to.include(`${roleArn} may not pass`);
      for (const id of APP_CHECKS) {
        expect(expectStatus(run, id, "fail").fix?.commands).to.deep.equal([
          `aws iam attach-role-policy --role-name roadmapx-backend-task --policy-arn ${String(d.outputs["appPolicyArn"])}`,
        ]);
      }
    });

    it("a role that does not exist is an error naming it, not a pass", async () => {
      const run = await verifyAs(d, { principal: `arn:aws:iam::${ACCOUNT}:role/roadmapx-missing`, only: ["app.s3"] });
      expect(expectStatus(run, "app.s3", "error").message).to.include("roadmapx-missing");
      expect(run.exitCode).to.equal(3);
    });
  });
});
