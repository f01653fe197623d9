/**
 * The verifier policy (`verifierPolicyArn`, core/verifier-reads.ts) is enough to run `roadmapx-ai
 * verify`: verify runs against the emulator through the IAM gate with IAM, STS and KMS authorised
 * (`passThrough: []`), as an IAM user holding that policy and nothing else, and reports what it reports
 * with the emulator's all-powerful default credentials; every request it makes is allowed by the
 * policy, and the policy has no action verify did not need. One statement less, and the checks that
 * need it say so (status "error", naming the action) instead of passing or failing falsely.
 *
 * Why the gate and not moto's own enforcement (INITIAL_NO_AUTH_ACTION_COUNT): the last test shows it.
 */
import {
  AddUserToGroupCommand,
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetUserCommand,
  IAMClient,
  PutGroupPolicyCommand,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { type PolicyDocument, type PolicyStatement, SERVICES, verifierPolicy } from "@roadmapx-ai/core";
import { LOCAL_BACKEND_USER } from "../../local/account";
import { DUMMY_CREDENTIALS, Emulator } from "../../local/emulator";
import { type AccessKey, type GateDecision, startIamGate } from "../../local/iam-gate";
import type { CheckResult } from "../../verify/model";
import { type VerifyRun, runVerify } from "../../verify/run";
import { type Deployed, ROLE, check, deploy } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const VERIFIER_USER = "roadmapx-verifier";
const VERIFIER_ARN = `arn:aws:iam::${ACCOUNT}:user/${VERIFIER_USER}`;
const BACKEND_ARN = `arn:aws:iam::${ACCOUNT}:user/${LOCAL_BACKEND_USER}`;

function actionsOf(document: PolicyDocument): string[] {
  return document.Statement.flatMap((s) => (s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action]));
}

const statuses = (run: VerifyRun): Record<string, CheckResult["status"]> => Object.fromEntries(run.report.checks.map((c) => [c.id, c.status]));

describe("the verifier policy is enough: verify through the IAM gate (IAM, STS, KMS authorised) as a user holding only verifierPolicyArn (emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();

  /** The verifier policy as the stack created it in the emulator. */
  async function verifierDocument(d: Deployed): Promise<PolicyDocument> {
    const PolicyArn = String(d.outputs["verifierPolicyArn"]);
    const meta = await ctx.clients.iam.send(new GetPolicyCommand({ PolicyArn }));
    const version = await ctx.clients.iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: meta.Policy?.DefaultVersionId }));
    return JSON.parse(decodeURIComponent(version.PolicyVersion?.Document ?? "")) as PolicyDocument;
  }

  /** The user `roadmapx-verifier` with one managed policy attached and nothing else, and its key. */
  async function verifierUser(policyArn: string): Promise<AccessKey> {
    await ctx.clients.iam.send(new CreateUserCommand({ UserName: VERIFIER_USER }));
    await ctx.clients.iam.send(new AttachUserPolicyCommand({ UserName: VERIFIER_USER, PolicyArn: policyArn }));
    const key = (await ctx.clients.iam.send(new CreateAccessKeyCommand({ UserName: VERIFIER_USER }))).AccessKey;
    if (!key?.AccessKeyId || !key.SecretAccessKey) throw new Error("the emulator returned no access key");
    return { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  }

  /**
   * verify as `key` through a gate that authorises everything (no pass-through). The app.* and
   * caller.pass-role.* checks evaluate the backend user (--principal), not the verifier.
   * `assumeSecureTransport`: verify talks TLS to AWS, which the loopback hop stands for (the created
   * artifacts bucket's TLS-only Deny would otherwise refuse every read, as AWS would over plain HTTP).
   */
  async function verifyThroughGate(d: Deployed, key: AccessKey): Promise<{ run: VerifyRun; decisions: GateDecision[] }> {
    const gate = await startIamGate({
      upstreams: { default: ctx.emulator.endpoint },
      adminCredentials: DUMMY_CREDENTIALS,
      region: REGION,
      trusted: [key],
      passThrough: [],
      assumeSecureTransport: true,
    });
    try {
      const run = await runVerify({
        env: { ...d.env, AWS_ENDPOINT_URL: gate.url, AI_STACK_OUTPUTS: d.outputsFile },
        principal: BACKEND_ARN,
        clientOptions: { credentials: key, maxAttempts: 1 },
      });
      return { run, decisions: [...gate.decisions] };
    } finally {
      await gate.stop();
    }
  }

  /** The same run straight against the emulator with its default credentials, which may do anything. */
  function verifyAsAdministrator(d: Deployed): Promise<VerifyRun> {
    return runVerify({ env: d.env, principal: BACKEND_ARN, clientOptions: { credentials: DUMMY_CREDENTIALS, maxAttempts: 1 } });
  }

  /** What a full run must show: no error, the same statuses as the administrator's run, every error-severity check as declared. */
  function expectSameVerdicts(asVerifier: VerifyRun, asAdministrator: VerifyRun) {
    const errors = asVerifier.report.checks.filter((c) => c.status === "error");
    expect(errors, JSON.stringify(errors, null, 2)).to.deep.equal([]);
    expect(check(asVerifier, "credentials").message).to.equal(`credentials resolve to ${VERIFIER_ARN} in account ${ACCOUNT}`);
    expect(statuses(asVerifier)).to.deep.equal(statuses(asAdministrator));
    expect(
      asVerifier.report.ok,
      JSON.stringify(
        asVerifier.report.checks.filter((c) => c.status === "fail"),
        null,
        2,
      ),
    ).to.equal(true);
    expect(asVerifier.exitCode).to.equal(0);
  }

  /** Every request decided by the verifier's policy and allowed, but GetCallerIdentity, which needs no permission. */
  function expectAllAllowedByPolicy(decisions: GateDecision[]): Set<string> {
    expect(decisions.length).to.be.greaterThan(0);
    const notByPolicy = decisions.filter((d) => d.basis !== "policy" && d.operation !== "STS.GetCallerIdentity");
    expect(notByPolicy, JSON.stringify(notByPolicy, null, 2)).to.deep.equal([]);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused, JSON.stringify(refused, null, 2)).to.deep.equal([]);
    expect(decisions.filter((d) => d.operation === "STS.GetCallerIdentity").map((d) => d.basis)).to.include("always-allowed");
    expect(new Set(decisions.map((d) => d.principal))).to.deep.equal(new Set([VERIFIER_ARN]));
    return new Set(decisions.filter((d) => d.basis === "policy").map((d) => d.action));
  }

  it("the declared setup (reusing the app bucket): the same verdicts as with the emulator's administrator; every request allowed by the verifier policy, whose every action but the group, inline-user-policy and KMS reads is used", async () => {
    const d = await deploy(ctx);
    const document = await verifierDocument(d);
    const key = await verifierUser(String(d.outputs["verifierPolicyArn"]));
    const { run, decisions } = await verifyThroughGate(d, key);
    expectSameVerdicts(run, await verifyAsAdministrator(d));
    const used = expectAllAllowedByPolicy(decisions);
    // Not needed here: no user has an inline policy and none is in a group (the second test has both),
    // and no bucket uses SSE-KMS nor does the stack name a key (kms.* skip without reading a key).
    const unused = ["iam:GetUserPolicy", "iam:ListGroupPolicies", "iam:GetGroupPolicy", "iam:ListAttachedGroupPolicies", "kms:DescribeKey", "kms:GetKeyPolicy"];
    expect([...used].sort()).to.deep.equal(
      actionsOf(document)
        .filter((a) => !unused.includes(a))
        .sort(),
    );
    // moto has no SimulatePrincipalPolicy: the gate allowed the call, moto could not answer it, the cross-check skipped.
    expect(used).to.include("iam:SimulatePrincipalPolicy");
    expect(check(run, "iam.cross-check").status).to.equal("skip");
    // The verifier read the backend user's policies (--principal) and its own (for the cross-check), each on its own ARN.
    const userReads = new Set(decisions.filter((x) => x.action === "iam:GetUser").map((x) => x.resource));
    expect(userReads).to.deep.equal(new Set([BACKEND_ARN, VERIFIER_ARN]));
  });

  it("one statement less (VerifyRoleReads): the role checks report status error naming iam:GetRole, nothing passes or fails falsely", async () => {
    const d = await deploy(ctx);
    const full = await verifierDocument(d);
    const trimmed: PolicyDocument = { ...full, Statement: full.Statement.filter((s: PolicyStatement) => s.Sid !== "VerifyRoleReads") };
    expect(trimmed.Statement).to.have.length(full.Statement.length - 1);
    const created = await ctx.clients.iam.send(
      new CreatePolicyCommand({ PolicyName: "roadmapx-verifier-without-role-reads", PolicyDocument: JSON.stringify(trimmed) }),
    );
    const key = await verifierUser(created.Policy?.Arn ?? "");
    const { run, decisions } = await verifyThroughGate(d, key);
    const declared = statuses(await verifyAsAdministrator(d));

    for (const service of ["personalize", "sagemaker", "comprehend"] as const) {
      const exists = check(run, `role.${service}.exists`);
      const roleArn = `arn:aws:iam::${ACCOUNT}:role/${ROLE[service]}`;
      expect(exists.status, JSON.stringify(exists)).to.equal("error");
      expect(exists.message).to.equal(
        `the verifier may not call iam:GetRole on ${roleArn} (AccessDenied: User: ${VERIFIER_ARN} is not authorized to perform: iam:GetRole on resource: ${roleArn} because no identity-based policy allows the iam:GetRole action); grant it that read permission`,
      );
    }
    // Exactly the checks that read the roles changed: each to an error naming the read, or skipped
    // because the role check it requires is one (whichever verify does), never to a false verdict.
    const changed = run.report.checks.filter((c) => c.status !== declared[c.id]);
    expect(changed.map((c) => c.id).sort()).to.deep.equal(
      run.report.checks
        .map((c) => c.id)
        .filter((id) => id.startsWith("role."))
        .sort(),
    );
    for (const c of changed) {
      if (c.status === "skip") expect(c.message, c.id).to.match(/^skipped: requires role\.(personalize|sagemaker|comprehend)\.exists \(error\)/);
      else {
        expect(c.status, c.id).to.equal("error");
        expect(c.message, c.id).to.match(
          /^the verifier may not call iam:GetRole on arn:aws:iam::123456789012:role\/roadmapx-ai-dev-(personalize|sagemaker|comprehend) /,
        );
      }
    }
    expect(run.report.checks.filter((c) => c.status === "fail")).to.deep.equal([]);
    expect(run.exitCode).to.equal(3);
    // The gate refused exactly the role reads, and only on role ARNs.
    const refused = decisions.filter((x) => !x.allowed);
    expect(refused.length).to.be.greaterThan(0);
    expect(new Set(refused.map((x) => x.action))).to.deep.equal(new Set(["iam:GetRole"]));
    expect(refused.every((x) => x.basis === "policy" && x.resource.startsWith(`arn:aws:iam::${ACCOUNT}:role/`))).to.equal(true);
  });

  it("a created artifacts bucket encrypted with a KMS key of the stack, the backend in a group and with an inline policy: the same verdicts, and every action of the verifier policy used, the key policy consulted", async () => {
    const key = await ctx.clients.kms.send(
      new CreateKeyCommand({
        Description: "roadmapx ai data",
        // KMS's default statement (identity policies count for this account) and what Personalize needs as itself.
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
            {
              Sid: "AllowPersonalizeServiceUseOfKey",
              Effect: "Allow",
              Principal: { Service: "personalize.amazonaws.com" },
              Action: [...SERVICES.personalize.kmsActions],
              Resource: "*",
              Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
          ],
        }),
      }),
    );
    const keyArn = key.KeyMetadata?.Arn ?? "";
    const d = await deploy(ctx, { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:kmsKeyArn": keyArn });
    // The group and inline reads get something to read: harmless grants the backend would not miss.
    const harmless = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }] });
    await ctx.clients.iam.send(new CreateGroupCommand({ GroupName: "roadmapx-developers" }));
    await ctx.clients.iam.send(new PutGroupPolicyCommand({ GroupName: "roadmapx-developers", PolicyName: "list-buckets", PolicyDocument: harmless }));
    await ctx.clients.iam.send(new AddUserToGroupCommand({ GroupName: "roadmapx-developers", UserName: LOCAL_BACKEND_USER }));
    await ctx.clients.iam.send(new PutUserPolicyCommand({ UserName: LOCAL_BACKEND_USER, PolicyName: "list-buckets", PolicyDocument: harmless }));

    const document = await verifierDocument(d);
    expect(document.Statement.find((s) => s.Sid === "VerifyKeyReads")?.Resource).to.deep.equal([keyArn]);
    const verifierKey = await verifierUser(String(d.outputs["verifierPolicyArn"]));
    const { run, decisions } = await verifyThroughGate(d, verifierKey);
    const asAdministrator = await verifyAsAdministrator(d);
    expectSameVerdicts(run, asAdministrator);
    for (const id of ["kms.personalize", "kms.sagemaker", "bucket.exists", "app-bucket.exists"]) expect(check(run, id).status, id).to.equal("pass");

    const used = expectAllAllowedByPolicy(decisions);
    expect([...used].sort()).to.deep.equal(actionsOf(document).sort());
    // The KMS reads were decided on the key itself, with its key policy (the gate consults it; the identity policy alone would not do).
    const kmsDecisions = decisions.filter((x) => x.action.startsWith("kms:"));
    expect(kmsDecisions.map((x) => [x.action, x.resource, x.basis, x.allowed])).to.deep.include.members([
      ["kms:DescribeKey", keyArn, "policy", true],
      ["kms:GetKeyPolicy", keyArn, "policy", true],
    ]);
    expect(new Set(kmsDecisions.map((x) => x.context["kms:CallerAccount"]))).to.deep.equal(new Set([ACCOUNT]));
  });

  it("the same key, but a key policy that does not let the account's identity policies count: the KMS checks report status error naming kms:DescribeKey", async () => {
    const key = await ctx.clients.kms.send(
      new CreateKeyCommand({
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Sid: "OnlyTheAdministrator", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/moto` }, Action: "kms:*", Resource: "*" },
          ],
        }),
      }),
    );
    const keyArn = key.KeyMetadata?.Arn ?? "";
    const d = await deploy(ctx, { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:kmsKeyArn": keyArn });
    const { run } = await verifyThroughGate(d, await verifierUser(String(d.outputs["verifierPolicyArn"])));
    for (const id of ["kms.personalize", "kms.sagemaker"]) {
      const c = check(run, id);
      expect(c.status, JSON.stringify(c)).to.equal("error");
      expect(c.message).to.match(
        new RegExp(
          `^the verifier may not call kms:DescribeKey on ${keyArn} \\(AccessDeniedException: User: ${VERIFIER_ARN} is not authorized to perform: kms:DescribeKey on resource: ${keyArn}`,
        ),
      );
    }
  });
});

describe('moto\'s own IAM enforcement (INITIAL_NO_AUTH_ACTION_COUNT) authorises IAM user/group/policy and KMS reads on Resource "*" only, so it cannot prove account-scoped statements: it denies iam:GetUser on user/*', function () {
  this.timeout(120_000);
  let moto: Emulator;
  const made: { destroy(): void }[] = [];
  const clients = (credentials: AccessKey) => {
    const options = { region: REGION, endpoint: moto.endpoint, credentials, maxAttempts: 1 };
    const set = { iam: new IAMClient(options), kms: new KMSClient(options), sts: new STSClient(options) };
    made.push(set.iam, set.kms, set.sts);
    return set;
  };
  const outcome = (call: Promise<unknown>): Promise<string> =>
    call.then(
      () => "allowed",
      (err: Error & { $metadata?: { httpStatusCode?: number } }) => `refused (HTTP ${err.$metadata?.httpStatusCode}, ${err.name})`,
    );

  // The setup runs before enforcement starts: moto lets exactly INITIAL_NO_AUTH_ACTION_COUNT requests through unchecked.
  const document = verifierPolicy({ target: { partition: "aws", region: REGION, accountId: ACCOUNT }, buckets: ["roadmapx-files"] });
  const star: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: actionsOf(document), Resource: "*" }] };
  let keys: { scoped: AccessKey; star: AccessKey };
  let keyArn: string;
  let policyArn: string;

  before(async function () {
    const admin = { region: REGION, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 };
    const steps: ((iam: IAMClient, kms: KMSClient) => Promise<unknown>)[] = [
      (iam) =>
        iam.send(new CreateRoleCommand({ RoleName: ROLE.personalize, AssumeRolePolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [] }) })),
      async (_, kms) => {
        keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn ?? "";
      },
      async (iam) => {
        policyArn =
          (await iam.send(new CreatePolicyCommand({ PolicyName: "roadmapx-ai-dev-verifier", PolicyDocument: JSON.stringify(document) }))).Policy?.Arn ?? "";
      },
      (iam) => iam.send(new CreateUserCommand({ UserName: VERIFIER_USER })),
      (iam) => iam.send(new AttachUserPolicyCommand({ UserName: VERIFIER_USER, PolicyArn: policyArn })),
      (iam) => iam.send(new CreateUserCommand({ UserName: "verifier-on-star" })),
      (iam) => iam.send(new PutUserPolicyCommand({ UserName: "verifier-on-star", PolicyName: "star", PolicyDocument: JSON.stringify(star) })),
    ];
    const accessKeyOf = async (iam: IAMClient, UserName: string): Promise<AccessKey> => {
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName }))).AccessKey;
      return { accessKeyId: k?.AccessKeyId ?? "", secretAccessKey: k?.SecretAccessKey ?? "" };
    };
    moto = await Emulator.start({ env: { INITIAL_NO_AUTH_ACTION_COUNT: String(steps.length + 2) } });
    const iam = new IAMClient({ ...admin, endpoint: moto.endpoint });
    const kms = new KMSClient({ ...admin, endpoint: moto.endpoint });
    made.push(iam, kms);
    for (const step of steps) await step(iam, kms);
    keys = { scoped: await accessKeyOf(iam, VERIFIER_USER), star: await accessKeyOf(iam, "verifier-on-star") };
    // Enforcement is on now, for the administrator's dummy key too (moto knows no such IAM key).
    expect(await outcome(iam.send(new GetUserCommand({ UserName: VERIFIER_USER })))).to.equal("refused (HTTP 403, InvalidClientTokenId)");
  });

  after(async () => {
    for (const c of made.splice(0)) c.destroy();
    await moto?.stop();
  });

  it("as a user holding the verifier policy (account-scoped ARNs, as AWS allows): GetRole passes, GetUser, GetPolicy and DescribeKey are denied", async () => {
    const { iam, kms, sts } = clients(keys.scoped);
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).to.equal(VERIFIER_ARN);
    // moto resolves role ARNs (iam/responses.py _determine_resource) ...
    expect(await outcome(iam.send(new GetRoleCommand({ RoleName: ROLE.personalize })))).to.equal("allowed");
    // ... and asks "*" for everything else, which no statement on user/*, policy/* or key/* matches.
    expect(await outcome(iam.send(new GetUserCommand({ UserName: VERIFIER_USER })))).to.equal("refused (HTTP 403, AccessDenied)");
    expect(await outcome(iam.send(new GetPolicyCommand({ PolicyArn: policyArn })))).to.equal("refused (HTTP 403, AccessDenied)");
    // KMS is refused as an XML 403, which the JSON SDK cannot even parse into AccessDeniedException.
    expect(await outcome(kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).to.match(/^refused \(HTTP 403, /);
    expect(await outcome(kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).to.not.equal("refused (HTTP 403, AccessDeniedException)");
  });

  it('the same actions on Resource "*": all allowed, so it is the resource moto asks about, not the actions', async () => {
    const { iam, kms } = clients(keys.star);
    expect(await outcome(iam.send(new GetUserCommand({ UserName: VERIFIER_USER })))).to.equal("allowed");
    expect(await outcome(iam.send(new GetPolicyCommand({ PolicyArn: policyArn })))).to.equal("allowed");
    expect(await outcome(kms.send(new DescribeKeyCommand({ KeyId: keyArn })))).to.equal("allowed");
  });
});
