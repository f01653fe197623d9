/**
 * Verifier behaviour the emulator cannot produce: IAM's SimulatePrincipalPolicy (moto lacks it),
 * reads that AWS denies, and HeadBucket's 403 and 301 answers. These use aws-sdk-client-mock, and
 * say so in their names.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { GetBucketLocationCommand, GetBucketPolicyCommand, HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { applicationPolicy, serviceRolePolicy, trustPolicy } from "../../core/policies";
import { SERVICES } from "../../core/requirements";
import { runVerify } from "../../verify/run";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
const ROLES = {
  personalize: `arn:aws:iam::${ACCOUNT}:role/personalize-role`,
  sagemaker: `arn:aws:iam::${ACCOUNT}:role/sagemaker-role`,
  comprehend: `arn:aws:iam::${ACCOUNT}:role/comprehend-role`,
};
const USER = `arn:aws:iam::${ACCOUNT}:user/backend`;
const APP_POLICY = `arn:aws:iam::${ACCOUNT}:policy/app`;
const ENV = {
  AWS_REGION: "us-east-1",
  S3_BUCKET_NAME: "roadmapx-files",
  PERSONALIZE_ROLE_ARN: ROLES.personalize,
  SAGEMAKER_ROLE_ARN: ROLES.sagemaker,
  COMPREHEND_ROLE_ARN: ROLES.comprehend,
};
const CREDS = { credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }, maxAttempts: 1 };

function awsError(name: string, status: number, headers: Record<string, string> = {}) {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $response: { headers } });
}

// Created in `before` and restored in `after`: mockClient patches every client of the class in this
// process, and the other suites talk to the emulator with real clients.
let sts: AwsClientStub<STSClient>;
let iam: AwsClientStub<IAMClient>;
let s3: AwsClientStub<S3Client>;

/** A consistent, correct account as IAM would describe it. */
function wellConfiguredIam(): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: USER, UserId: "AIDA" });
  for (const id of ["personalize", "sagemaker", "comprehend"] as const) {
    const name = ROLES[id].split("/").pop() ?? "";
    iam.on(GetRoleCommand, { RoleName: name }).resolves({
      Role: {
        RoleName: name,
        Arn: ROLES[id],
        Path: "/",
        RoleId: "AROA",
        CreateDate: new Date(),
        AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trustPolicy(SERVICES[id], TARGET))),
      },
    });
    iam.on(ListRolePoliciesCommand, { RoleName: name }).resolves({ PolicyNames: ["access"] });
    iam.on(GetRolePolicyCommand, { RoleName: name }).resolves({
      RoleName: name,
      PolicyName: "access",
      PolicyDocument: encodeURIComponent(JSON.stringify(serviceRolePolicy(SERVICES[id], { target: TARGET, bucket: "roadmapx-files" }))),
    });
    iam.on(ListAttachedRolePoliciesCommand, { RoleName: name }).resolves({ AttachedPolicies: [] });
  }
  iam.on(GetUserCommand).resolves({ User: { UserName: "backend", Arn: USER, Path: "/", UserId: "AIDA", CreateDate: new Date() } });
  iam.on(ListUserPoliciesCommand).resolves({ PolicyNames: [] });
  iam.on(ListAttachedUserPoliciesCommand).resolves({ AttachedPolicies: [{ PolicyArn: APP_POLICY, PolicyName: "app" }] });
  iam.on(ListGroupsForUserCommand).resolves({ Groups: [] });
  iam.on(GetPolicyCommand).resolves({ Policy: { Arn: APP_POLICY, DefaultVersionId: "v1" } });
  iam.on(GetPolicyVersionCommand).resolves({
    PolicyVersion: {
      VersionId: "v1",
      Document: encodeURIComponent(
        JSON.stringify(
          applicationPolicy({
            target: TARGET,
            bucket: "roadmapx-files",
            personalizeRoleArn: ROLES.personalize,
            sagemakerRoleArn: ROLES.sagemaker,
            comprehendRoleArn: ROLES.comprehend,
          }),
        ),
      ),
    },
  });
}

/** IAM's simulator answering every pair as `decide` says. */
function simulatorSays(decide: (source: string, action: string, resource: string) => "allowed" | "implicitDeny" | "explicitDeny", scpDenies = false): void {
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { PolicySourceArn: string; ActionNames: string[]; ResourceArns: string[] }) => ({
    EvaluationResults: input.ActionNames.flatMap((action) =>
      input.ResourceArns.map((resource) => {
        const decision = decide(input.PolicySourceArn, action, resource);
        return {
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: decision,
          ...(scpDenies && decision !== "allowed" ? { OrganizationsDecisionDetail: { AllowedByOrganizations: false } } : {}),
        };
      }),
    ),
  }));
}

describe("verify with aws-sdk-client-mock (what the emulator lacks)", () => {
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

  describe("a TLS-only Deny that covers part of the bucket (aws-sdk-client-mock: moto would apply it to every request)", () => {
    function bucketPolicyIs(statements: object[]): void {
      wellConfiguredIam();
      s3.on(HeadBucketCommand).resolves({});
      s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
    }
    const deny = (resource: string[]) => ({
      Sid: "DenyInsecure",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: resource,
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });

    it("a Deny on the objects only warns, naming the bucket-level request it leaves open", async () => {
      bucketPolicyIs([deny(["arn:aws:s3:::roadmapx-files/*"])]);
      const run = await runVerify({ env: ENV, only: ["bucket.tls-only"], clientOptions: CREDS });
      const c = run.report.checks[0];
      expect(c?.status, JSON.stringify(c)).to.equal("warn");
      expect(c?.message).to.equal("nothing in the bucket policy of roadmapx-files denies s3:ListBucket without TLS (aws:SecureTransport=false)");
    });

    it("a Deny on the bucket and its objects passes", async () => {
      bucketPolicyIs([deny(["arn:aws:s3:::roadmapx-files", "arn:aws:s3:::roadmapx-files/*"])]);
      const run = await runVerify({ env: ENV, only: ["bucket.tls-only"], clientOptions: CREDS });
      expect(run.report.checks[0]?.status).to.equal("pass");
    });
  });

  describe("the caller's permissions boundary (aws-sdk-client-mock: moto ignores users' boundaries)", () => {
    const BOUNDARY = `arn:aws:iam::${ACCOUNT}:policy/backend-boundary`;
    function withBoundary(actions: string[]): void {
      wellConfiguredIam();
      iam.on(GetUserCommand).resolves({
        User: {
          UserName: "backend",
          Arn: USER,
          Path: "/",
          UserId: "AIDA",
          CreateDate: new Date(),
          PermissionsBoundary: { PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: BOUNDARY },
        },
      });
      iam.on(GetPolicyCommand, { PolicyArn: BOUNDARY }).resolves({ Policy: { Arn: BOUNDARY, DefaultVersionId: "v1" } });
      iam.on(GetPolicyVersionCommand, { PolicyArn: BOUNDARY }).resolves({
        PolicyVersion: {
          VersionId: "v1",
          Document: encodeURIComponent(JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }] })),
        },
      });
    }

    it("a boundary without iam:PassRole fails every pass-role check, though the attached policy allows it, naming the boundary", async () => {
      withBoundary(["s3:*", "personalize:*", "sagemaker:*", "comprehend:*"]);
      const run = await runVerify({ env: ENV, only: ["caller.pass-role.*"], clientOptions: CREDS });
      for (const id of ["caller.pass-role.personalize", "caller.pass-role.sagemaker", "caller.pass-role.comprehend"]) {
        const c = run.report.checks.find((check) => check.id === id);
        expect(c?.status, JSON.stringify(c)).to.equal("fail");
        expect([c?.message, ...(c?.explain ?? [])].join("\n"), id).to.include(`permissions boundary ${BOUNDARY}`);
      }
    });

    it("a boundary that allows iam:PassRole leaves them passing", async () => {
      withBoundary(["iam:PassRole", "s3:*"]);
      const run = await runVerify({ env: ENV, only: ["caller.pass-role.*"], clientOptions: CREDS });
      expect(run.report.checks.map((c) => c.status)).to.deep.equal(["pass", "pass", "pass"]);
    });
  });

  describe("SimulatePrincipalPolicy cross-check (aws-sdk-client-mock: moto does not implement it)", () => {
    it("passes when IAM agrees with local evaluation, and asks once per principal and context", async () => {
      wellConfiguredIam();
      // IAM agrees only on the pairs local evaluation allows: the roles' and the caller's questions.
      simulatorSays(() => "allowed");
      const run = await runVerify({ env: ENV, only: ["iam.cross-check"], clientOptions: CREDS });
      const c = run.report.checks[0];
      expect(c?.status, JSON.stringify(c)).to.equal("pass");
      expect(c?.message).to.match(/IAM's policy simulator agrees with local evaluation on all \d+ identity-side decisions/);
      const calls = iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input.PolicySourceArn);
      expect(new Set(calls)).to.deep.equal(new Set([ROLES.personalize, ROLES.sagemaker, ROLES.comprehend, USER]));
      // ListBucket (with s3:prefix) and the object calls ask separately: their contexts differ.
      const prefixContexts = iam
        .commandCalls(SimulatePrincipalPolicyCommand)
        .flatMap((call) => call.args[0].input.ContextEntries ?? [])
        .filter((e) => e.ContextKeyName === "s3:prefix")
        .map((e) => e.ContextKeyValues?.[0]);
      expect(prefixContexts).to.have.members(["personalize/", "sagemaker/training/", "sagemaker/transform/input/", "comprehend/input/"]);
    });

    it("reports where IAM disagrees, naming the SCP that denies", async () => {
      wellConfiguredIam();
      simulatorSays(
        (source, action, resource) => (source === ROLES.sagemaker && action === "s3:PutObject" && resource.includes("/models/") ? "implicitDeny" : "allowed"),
        true,
      );
      const run = await runVerify({ env: ENV, only: ["iam.cross-check"], clientOptions: CREDS });
      const c = run.report.checks[0];
      expect(c?.status).to.equal("warn");
      expect(c?.message).to.equal("IAM's policy simulator disagrees on 1 decision(s); trust IAM's answer");
      expect(c?.explain).to.deep.equal([
        `${ROLES.sagemaker}: s3:PutObject on arn:aws:s3:::roadmapx-files/models/roadmapx-ai-verify/probe.csv: local evaluation says allowed, IAM says implicitDeny (an organisation SCP denies it)`,
      ]);
      expect(run.exitCode).to.equal(0);
    });

    it("is a note, not a failure, when the caller may not call it (AccessDenied)", async () => {
      wellConfiguredIam();
      iam.on(SimulatePrincipalPolicyCommand).rejects(awsError("AccessDenied", 403));
      const run = await runVerify({ env: ENV, only: ["iam.cross-check"], clientOptions: CREDS });
      const c = run.report.checks[0];
      expect(c?.status).to.equal("skip");
      expect(c?.message).to.match(/^IAM's policy simulator was not consulted: the caller may not call iam:SimulatePrincipalPolicy/);
      expect(iam.commandCalls(SimulatePrincipalPolicyCommand)).to.have.length(1);
      expect(run.exitCode).to.equal(0);
    });

    it("is a note when the API is not implemented (HTTP 500 from an emulator)", async () => {
      wellConfiguredIam();
      iam.on(SimulatePrincipalPolicyCommand).rejects(awsError("Unknown", 500));
      const run = await runVerify({ env: ENV, only: ["iam.cross-check"], clientOptions: CREDS });
      expect(run.report.checks[0]?.status).to.equal("skip");
      expect(run.report.checks[0]?.message).to.match(/SimulatePrincipalPolicy is not available at this endpoint/);
    });
  });

  describe("reads that are denied (aws-sdk-client-mock)", () => {
    it("a denied s3:GetBucketPolicy makes the checks that need it `error`, naming the permission, and exits 3", async () => {
      wellConfiguredIam();
      s3.on(HeadBucketCommand).resolves({});
      s3.on(GetBucketPolicyCommand).rejects(awsError("AccessDenied", 403));
      const run = await runVerify({ env: ENV, only: ["bucket.personalize-policy", "role.personalize.s3"], clientOptions: CREDS });
      for (const c of run.report.checks) {
        expect(c.status, c.id).to.equal("error");
        expect(c.message).to.equal("the verifier may not call s3:GetBucketPolicy on arn:aws:s3:::roadmapx-files (AccessDenied); grant it that read permission");
      }
      expect(run.report.ok).to.equal(false);
      expect(run.exitCode).to.equal(3);
    });

    it("a denied iam:GetRole is an error, not a missing role", async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: USER });
      iam.on(GetRoleCommand).rejects(awsError("AccessDenied", 403));
      const run = await runVerify({ env: ENV, only: ["role.personalize.exists"], clientOptions: CREDS });
      expect(run.report.checks[0]?.status).to.equal("error");
      expect(run.report.checks[0]?.message).to.match(/may not call iam:GetRole on arn:aws:iam::123456789012:role\/personalize-role/);
      expect(run.exitCode).to.equal(3);
    });

    it("rejected credentials fail `credentials`, skip the rest, and exit 3", async () => {
      sts.on(GetCallerIdentityCommand).rejects(awsError("InvalidClientTokenId", 403));
      const run = await runVerify({ env: ENV, clientOptions: CREDS });
      expect(run.report.checks[0]).to.include({ id: "credentials", status: "fail" });
      expect(run.report.checks[0]?.message).to.equal("credentials do not resolve: InvalidClientTokenId");
      expect(run.report.checks.slice(1).every((c) => c.status === "skip")).to.equal(true);
      expect(run.exitCode).to.equal(3);
    });
  });

  describe("HeadBucket answers (aws-sdk-client-mock: the emulator never sends 403 or 301 here)", () => {
    it("403: the bucket exists but belongs to someone else or is not readable", async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: USER });
      s3.on(HeadBucketCommand).rejects(awsError("Unknown", 403));
      const run = await runVerify({ env: ENV, only: ["bucket.exists", "bucket.encryption"], clientOptions: CREDS });
      expect(run.report.checks[0]).to.include({ status: "fail" });
      expect(run.report.checks[0]?.message).to.equal(
        "bucket roadmapx-files exists but the caller may not reach it (HeadBucket: HTTP 403): it belongs to another account, or the caller lacks s3:ListBucket on arn:aws:s3:::roadmapx-files",
      );
      expect(run.report.checks[1]).to.include({ status: "skip" });
    });

    it("301: the bucket is in another region, which bucket.region reports too", async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: USER });
      s3.on(HeadBucketCommand).rejects(awsError("PermanentRedirect", 301, { "x-amz-bucket-region": "eu-central-1" }));
      s3.on(GetBucketLocationCommand).resolves({ LocationConstraint: "eu-central-1" });
      const run = await runVerify({ env: ENV, only: ["bucket.exists", "bucket.region"], clientOptions: CREDS });
      expect(run.report.checks[0]?.message).to.equal("bucket roadmapx-files is in eu-central-1, not us-east-1 (HeadBucket: HTTP 301)");
      expect(run.report.checks[0]?.remediation).to.include("S3_REGION=eu-central-1");
      expect(run.report.checks[1]).to.include({ status: "fail" });
      expect(run.report.checks[1]?.message).to.equal("bucket roadmapx-files is in eu-central-1, but the services run in us-east-1");
    });
  });
});
