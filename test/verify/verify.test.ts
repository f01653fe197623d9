/**
 * The verifier against the emulator. Each test sets up the account through the SDK (the local
 * harness applies what the infra program declares), breaks or varies one thing through the SDK, and
 * checks that the right check says the right thing. The verifier itself only reads.
 * (Over 300 lines: the misconfiguration corpus, one case per misconfiguration; what each case breaks is
 * test/helpers/misconfigurations.ts, which test/verify/fixes.test.ts applies the printed fixes to.)
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  DeleteRolePolicyCommand,
  DetachUserPolicyCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { DeletePublicAccessBlockCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { personalizeBucketPolicyStatements, serviceRolePolicy, trustPolicy } from "../../core/policies";
import { SERVICES } from "../../core/requirements";
import type { Status } from "../../verify/model";
import { ROLE, type Deployed, check, deploy, expectStatus, textOf, verifyAs } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { ACCOUNT, BUCKET, TARGET, doc, misconfiguration } from "../helpers/misconfigurations";

describe("verify (against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  async function setRolePolicy(role: string, statements: unknown[], name = `${role}-access`) {
    await ctx.clients.iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: doc(statements) }));
  }

  describe("the setup the infra program declares", () => {
    for (const [mode, config] of [
      ["reusing the app bucket", {}],
      ["with a created artifacts bucket", { "roadmapx-ai:createArtifactsBucket": "true" }],
      ["with appBucketPolicy merge", { "roadmapx-ai:appBucketPolicy": "merge" }],
    ] as const) {
      it(`passes every error-severity check ${mode}`, async () => {
        const d = await deploy(ctx, config);
        const run = await verifyAs(d);
        const errors = run.report.checks.filter((c) => c.severity === "error");
        const notPassing = errors.filter(
          (c) => c.status !== "pass" && !(c.id === "app-bucket.exists" && c.status === "skip") && !(c.id.startsWith("kms.") && c.status === "skip"),
        );
        expect(notPassing, JSON.stringify(notPassing, null, 2)).to.deep.equal([]);
        expect(run.report.ok).to.equal(true);
        expect(run.exitCode).to.equal(0);
        expect(check(run, "credentials").message).to.equal(`credentials resolve to arn:aws:iam::${ACCOUNT}:user/roadmapx-backend in account ${ACCOUNT}`);
      });
    }

    it("with a created bucket, the warn-level hardening checks pass too", async () => {
      const d = await deploy(ctx, { "roadmapx-ai:createArtifactsBucket": "true" });
      const run = await verifyAs(d);
      for (const id of [
        "bucket.public-access",
        "bucket.encryption",
        "bucket.tls-only",
        "bucket.versioning",
        "role.personalize.confused-deputy",
        "role.sagemaker.confused-deputy",
        "role.sagemaker.runtime",
        "outputs.consistent",
      ]) {
        expectStatus(run, id, "pass");
      }
      expectStatus(run, "app-bucket.exists", "pass");
    });
  });

  describe("catches misconfigurations, each with the right check and an actionable message", () => {
    let d: Deployed;
    beforeEach(async () => {
      d = await deploy(ctx);
    });

    it("1. a role without s3:ListBucket", async () => {
      await misconfiguration(1).apply(ctx, d);
      const c = expectStatus(await verifyAs(d, { only: ["role.personalize.s3"] }), "role.personalize.s3", "fail");
      expect(c.message).to.include(`may not do 1 of the 3 S3 requests Personalize needs: s3:ListBucket on arn:aws:s3:::${BUCKET} (prefix personalize/)`);
      expect(c.remediation).to.include('"Sid": "PersonalizeListBucket"');
      expect(c.explain?.join("\n")).to.match(/no statement in inline policy .* allows s3:ListBucket on arn:aws:s3:::roadmapx-files/);
    });

    it("2. a policy that names another bucket (near miss explained)", async () => {
      await misconfiguration(2).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.sagemaker.s3", "fail");
      expect(c.message).to.include("may not do 8 of the 8 S3 requests SageMaker needs");
      expect(textOf(c)).to.match(
        /near miss: statement "SageMakerReadData" of inline policy .* allows s3:GetObject but on arn:aws:s3:::roadmapx-old-files\/sagemaker\/training\/\*, arn:aws:s3:::roadmapx-old-files\/models\/\*, arn:aws:s3:::roadmapx-old-files\/sagemaker\/transform\/input\/\*, not arn:aws:s3:::roadmapx-files\/sagemaker\/training\//,
      );
    });

    it("3. a missing role", async () => {
      await misconfiguration(3).apply(ctx, d);
      const run = await verifyAs(d);
      const c = expectStatus(run, "role.personalize.exists", "fail");
      expect(c.message).to.equal(`role ${ROLE.personalize} does not exist in this account`);
      expect(c.remediation).to.match(/pulumi up/);
      expectStatus(run, "role.personalize.trust", "skip");
      expectStatus(run, "role.personalize.s3", "skip");
      expect(run.exitCode).to.equal(1);
    });

    it("4. a trust policy for the wrong service", async () => {
      await misconfiguration(4).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.personalize.trust", "fail");
      expect(c.message).to.equal(`personalize.amazonaws.com may not assume ${ROLE.personalize}; its trust policy names sagemaker.amazonaws.com`);
      expect(c.remediation).to.include('"Service": "personalize.amazonaws.com"');
    });

    it("5. a bucket policy without the Personalize statement", async () => {
      await misconfiguration(5).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "bucket.personalize-policy", "fail");
      expect(c.message).to.include(`the bucket policy of ${BUCKET} does not let personalize.amazonaws.com do s3:ListBucket on arn:aws:s3:::${BUCKET}`);
      expect(c.remediation).to.include(JSON.stringify(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT), null, 2));
      expect(c.remediation).to.include("pulumi config set roadmapx-ai:appBucketPolicy merge");
    });

    it("6. a permissions boundary that blocks a needed action", async () => {
      const { arn: boundary } = await misconfiguration(6).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.personalize.s3", "fail");
      expect(c.message).to.include(`s3:PutObject on arn:aws:s3:::${BUCKET}/personalize/`);
      expect(textOf(c)).to.include(`permissions boundary ${boundary} does not allow s3:PutObject`);
      expect(c.remediation).to.include(`Allow the same actions in the permissions boundary of ${ROLE.personalize}`);
    });

    it("7. a missing bucket", async () => {
      const { env } = await misconfiguration(7).apply(ctx, d);
      const run = await verifyAs(d, { env });
      const c = expectStatus(run, "bucket.exists", "fail");
      expect(c.message).to.equal("bucket roadmapx-ai-nonexistent does not exist (HeadBucket: HTTP 404)");
      expect(c.remediation).to.include("AI_ARTIFACTS_BUCKET");
      expectStatus(run, "bucket.public-access", "skip");
    });

    it("8. a caller without PassRole (application policy not attached)", async () => {
      await misconfiguration(8).apply(ctx, d);
      const run = await verifyAs(d);
      for (const service of ["personalize", "sagemaker"]) {
        const c = expectStatus(run, `caller.pass-role.${service}`, "fail");
        expect(c.message).to.include(`arn:aws:iam::${ACCOUNT}:user/roadmapx-backend may not pass ${ROLE[service as "personalize"]}`);
        expect(c.remediation).to.include(`Attach the stack's application policy ${d.outputs["appPolicyArn"]}`);
        expect(c.remediation).to.include('"iam:PassedToService"');
      }
    });

    it("9. PassRole granted for the wrong service", async () => {
      await misconfiguration(9).apply(ctx, d);
      const run = await verifyAs(d);
      expectStatus(run, "caller.pass-role.sagemaker", "pass");
      const c = expectStatus(run, "caller.pass-role.personalize", "fail");
      expect(textOf(c)).to.match(/only when .*iam:PassedToService.*sagemaker\.amazonaws\.com/);
    });

    it("10. a trust policy without the confused-deputy conditions", async () => {
      await misconfiguration(10).apply(ctx, d);
      const run = await verifyAs(d);
      expectStatus(run, "role.sagemaker.trust", "pass");
      const c = expectStatus(run, "role.sagemaker.confused-deputy", "warn");
      expect(c.message).to.include("on behalf of any account: it does not pin aws:SourceAccount / aws:SourceArn");
      expect(c.remediation).to.include('"aws:SourceAccount": "123456789012"');
      expect(run.exitCode).to.equal(0);
    });

    it("11. a bucket-policy Deny aimed at the role (explicit deny wins)", async () => {
      await misconfiguration(11).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.sagemaker.s3", "fail");
      expect(c.message).to.include(`s3:GetObject on arn:aws:s3:::${BUCKET}/models/`);
      expect(textOf(c)).to.include(`statement "NoModelReads" of the bucket policy of ${BUCKET} explicitly denies s3:GetObject`);
      expect(c.remediation).to.include("Remove or narrow the Deny statements named under why");
    });

    it("12. Block Public Access switched off", async () => {
      await misconfiguration(12).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "bucket.public-access", "warn");
      expect(c.message).to.equal(`BlockPublicPolicy, RestrictPublicBuckets are off for ${BUCKET}`);
      expect(c.remediation).to.include(`aws s3api put-public-access-block --bucket ${BUCKET}`);
      await ctx.clients.s3.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
      expect(expectStatus(await verifyAs(d), "bucket.public-access", "warn").message).to.equal(`${BUCKET} has no Block Public Access configuration`);
    });

    it("13. no default encryption", async () => {
      await misconfiguration(13).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "bucket.encryption", "warn");
      expect(c.message).to.equal(`${BUCKET} has no default encryption`);
    });

    it("14. versioning suspended (an info finding, not a failure)", async () => {
      await misconfiguration(14).apply(ctx, d);
      const run = await verifyAs(d);
      const c = expectStatus(run, "bucket.versioning", "warn");
      expect(c.severity).to.equal("info");
      expect(c.message).to.equal(`versioning is suspended on ${BUCKET}`);
      expect(run.report.ok).to.equal(true);
    });

    it("15. a SageMaker role without CloudWatch Logs", async () => {
      await misconfiguration(15).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.sagemaker.runtime", "warn");
      expect(c.message).to.include("may not logs:CreateLogGroup on arn:aws:logs:us-east-1:123456789012:log-group:/aws/sagemaker/TrainingJobs");
      expect(c.remediation).to.include('"Sid": "SageMakerLogs"');
    });

    it("16. a bucket in another region", async () => {
      const { env } = await misconfiguration(16).apply(ctx, d);
      const c = expectStatus(await verifyAs(d, { env }), "bucket.region", "fail");
      expect(c.message).to.equal("bucket roadmapx-eu-data is in eu-west-1, but the services run in us-east-1");
      expect(c.remediation).to.include("AWS_REGION=eu-west-1");
    });

    it("17. an environment that contradicts the stack outputs", async () => {
      const { env } = await misconfiguration(17).apply(ctx, d);
      const c = expectStatus(await verifyAs(d, { env }), "outputs.consistent", "warn");
      expect(c.message).to.equal(`S3_BUCKET_NAME=roadmapx-files-staging but the stack outputs say ${BUCKET}`);
    });

    it("18. SSE-KMS with a key whose policy lets neither role nor Personalize use it", async () => {
      await misconfiguration(18).apply(ctx, d);
      const run = await verifyAs(d);
      const c = expectStatus(run, "kms.personalize", "fail");
      expect(c.message).to.include(`${ROLE.personalize}: kms:Decrypt`);
      expect(c.message).to.include("personalize.amazonaws.com: kms:Decrypt");
      expect(c.remediation).to.include('"Service": "personalize.amazonaws.com"');
      expectStatus(run, "kms.sagemaker", "fail");
    });

    it("19. an inline policy whose object grant stops at the wrong prefix", async () => {
      await misconfiguration(19).apply(ctx, d);
      const c = expectStatus(await verifyAs(d), "role.personalize.s3", "fail");
      expect(c.message).to.include(`s3:GetObject on arn:aws:s3:::${BUCKET}/personalize/roadmapx-ai-verify/probe.csv`);
      expect(textOf(c)).to.include(`allows s3:GetObject but on arn:aws:s3:::${BUCKET}/personalize-data/*`);
    });

    it("20. a Comprehend role whose trust names the wrong service", async () => {
      await misconfiguration(20).apply(ctx, d);
      const run = await verifyAs(d);
      const c = expectStatus(run, "role.comprehend.trust", "fail");
      expect(c.message).to.equal(`comprehend.amazonaws.com may not assume ${ROLE.comprehend}; its trust policy names sagemaker.amazonaws.com`);
      expect(c.remediation).to.include('"Service": "comprehend.amazonaws.com"');
      expect(c.fix?.commands[0]).to.match(/^aws iam update-assume-role-policy --role-name roadmapx-ai-dev-comprehend /);
      expectStatus(run, "role.comprehend.confused-deputy", "skip");
      expectStatus(run, "role.comprehend.s3", "pass");
      expect(run.exitCode).to.equal(1);
    });
  });

  describe("no false alarms on legitimate variations", () => {
    let d: Deployed;
    beforeEach(async () => {
      d = await deploy(ctx);
    });

    async function expectAllPass(ids: string[]) {
      const run = await verifyAs(d);
      const statuses = Object.fromEntries(ids.map((id) => [id, check(run, id).status])) as Record<string, Status>;
      expect(
        statuses,
        JSON.stringify(
          run.report.checks.filter((c) => ids.includes(c.id)),
          null,
          2,
        ),
      ).to.deep.equal(Object.fromEntries(ids.map((id) => [id, "pass"])));
    }

    it("permissions granted through an attached managed policy instead of an inline one", async () => {
      const policy = await ctx.clients.iam.send(
        new CreatePolicyCommand({
          PolicyName: "personalize-s3",
          PolicyDocument: JSON.stringify(serviceRolePolicy(SERVICES.personalize, { target: TARGET, bucket: BUCKET })),
        }),
      );
      await ctx.clients.iam.send(new DeleteRolePolicyCommand({ RoleName: ROLE.personalize, PolicyName: `${ROLE.personalize}-access` }));
      await ctx.clients.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE.personalize, PolicyArn: policy.Policy?.Arn }));
      await expectAllPass(["role.personalize.s3"]);
    });

    it("wildcard actions that do cover what is needed (s3:Get*, s3:List*, s3:Put*, logs:*)", async () => {
      await setRolePolicy(ROLE.sagemaker, [
        { Effect: "Allow", Action: ["s3:List*"], Resource: `arn:aws:s3:::${BUCKET}` },
        { Effect: "Allow", Action: ["s3:Get*", "s3:Put*", "s3:Delete*"], Resource: `arn:aws:s3:::${BUCKET}/*` },
        { Effect: "Allow", Action: ["logs:*", "cloudwatch:PutMetricData", "ecr:*"], Resource: "*" },
      ]);
      await expectAllPass(["role.sagemaker.s3", "role.sagemaker.runtime"]);
    });

    it("least-privilege policies scoped to the service's own prefixes, ListBucket conditioned on s3:prefix", async () => {
      await setRolePolicy(ROLE.personalize, [
        { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { "s3:prefix": ["personalize/*"] } } },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/personalize/*` },
      ]);
      await expectAllPass(["role.personalize.s3"]);
    });

    it("a bucket policy that grants Personalize with a broader statement and pins the source account", async () => {
      await ctx.clients.s3.send(
        new PutBucketPolicyCommand({
          Bucket: BUCKET,
          Policy: doc([
            {
              Effect: "Allow",
              Principal: { Service: ["personalize.amazonaws.com"] },
              Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
              Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/personalize/*`],
              Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
          ]),
        }),
      );
      await expectAllPass(["bucket.personalize-policy", "role.personalize.s3"]);
    });

    it("PassRole through a group's policy, and a trust policy with extra, unrelated statements", async () => {
      await ctx.clients.iam.send(new DetachUserPolicyCommand({ UserName: "roadmapx-backend", PolicyArn: String(d.outputs["appPolicyArn"]) }));
      await ctx.clients.iam.send(new CreateGroupCommand({ GroupName: "backend" }));
      await ctx.clients.iam.send(new AddUserToGroupCommand({ GroupName: "backend", UserName: "roadmapx-backend" }));
      await ctx.clients.iam.send(new AttachGroupPolicyCommand({ GroupName: "backend", PolicyArn: String(d.outputs["appPolicyArn"]) }));
      const trust = trustPolicy(SERVICES.personalize, TARGET);
      trust.Statement.push({ Sid: "Ops", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" });
      await ctx.clients.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: ROLE.personalize, PolicyDocument: JSON.stringify(trust) }));
      await expectAllPass(["caller.pass-role.personalize", "caller.pass-role.sagemaker", "role.personalize.trust", "role.personalize.confused-deputy"]);
    });
  });
});
