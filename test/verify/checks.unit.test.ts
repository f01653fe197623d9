/**
 * Every verify check (verify/checks/*) on a fake account: the Facts the checks read come from an
 * in-memory account whose clients answer the verifier's read commands, so each test sets up one
 * thing wrong (or right) and reads the check's verdict and sentences. verify.test.ts runs the same
 * checks against the emulator; verify-mocked.unit.test.ts runs the whole verifier on a mocked SDK.
 */
import { expect } from "chai";
import { applicationPolicy, personalizeBucketPolicyStatements, serviceRolePolicy, tlsOnlyStatement, trustPolicy } from "../../core/policies";
import { SERVICES } from "../../core/requirements";
import { type RuntimeConfig, resolveRuntimeConfig } from "../../core/runtime-config";
import type { PolicyDocument, PolicyStatement } from "../../core/iam";
import { CHECKS, CHECK_IDS, selectChecks } from "../../verify/checks";
import { Facts } from "../../verify/facts";
import type { Outcome } from "../../verify/model";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
const BUCKET = "roadmapx-files";
const APP_BUCKET = "roadmapx-app";
const ROLES = {
  personalize: `arn:aws:iam::${ACCOUNT}:role/personalize-role`,
  sagemaker: `arn:aws:iam::${ACCOUNT}:role/sagemaker-role`,
  comprehend: `arn:aws:iam::${ACCOUNT}:role/comprehend-role`,
};
const USER = `arn:aws:iam::${ACCOUNT}:user/backend`;
const APP_POLICY = `arn:aws:iam::${ACCOUNT}:policy/app`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

type Input = Record<string, unknown>;
const doc = (statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });
const awsError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

interface Bucket {
  head?: Error;
  location?: string;
  pab?: Record<string, boolean>;
  encryption?: { SSEAlgorithm: string; KMSMasterKeyID?: string; BucketKeyEnabled?: boolean };
  versioning?: string;
  policy?: PolicyDocument;
}
interface Principal {
  inline: Record<string, PolicyDocument>;
  attached: string[];
  boundary?: string;
}
interface Role extends Principal {
  trust?: PolicyDocument;
}
interface User extends Principal {
  groups: string[];
}

/** An account in memory, and clients that answer the verifier's reads from it. */
class Account {
  caller: { Account: string; Arn: string } | Error = { Account: ACCOUNT, Arn: USER };
  buckets = new Map<string, Bucket>();
  roles = new Map<string, Role>();
  users = new Map<string, User>();
  groups = new Map<string, Principal>();
  managed = new Map<string, PolicyDocument>();
  keys = new Map<string, { Arn: string; KeyManager: string; policy?: PolicyDocument }>();
  /** Errors for a command, e.g. { "GetBucketPolicy": AccessDenied }. */
  failures = new Map<string, Error>();
  readonly sent: string[] = [];

  private client = (service: string) => ({ send: (command: { constructor: { name: string }; input: Input }) => this.answer(service, command) });
  readonly clients = { s3: this.client("s3"), iam: this.client("iam"), kms: this.client("kms"), sts: this.client("sts"), destroy: () => undefined };

  private async answer(service: string, command: { constructor: { name: string }; input: Input }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    const input = command.input;
    this.sent.push(name);
    const failure = this.failures.get(name);
    if (failure) throw failure;
    const bucket = this.buckets.get(String(input["Bucket"]));
    const noSuch = (what: string) => awsError(what, 404);
    const principal = (map: Map<string, Principal>, key: string) => {
      const p = map.get(String(input[key]));
      if (!p) throw noSuch("NoSuchEntity");
      return p;
    };
    switch (name) {
      case "GetCallerIdentity":
        if (this.caller instanceof Error) throw this.caller;
        return this.caller;
      case "HeadBucket":
        if (!bucket) throw awsError("NotFound", 404);
        if (bucket.head) throw bucket.head;
        return {};
      case "GetBucketLocation":
        return { LocationConstraint: bucket?.location };
      case "GetPublicAccessBlock":
        if (!bucket?.pab) throw noSuch("NoSuchPublicAccessBlockConfiguration");
        return { PublicAccessBlockConfiguration: bucket.pab };
      case "GetBucketEncryption":
        if (!bucket?.encryption) throw noSuch("ServerSideEncryptionConfigurationNotFoundError");
        return {
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket.encryption.SSEAlgorithm, KMSMasterKeyID: bucket.encryption.KMSMasterKeyID },
                BucketKeyEnabled: bucket.encryption.BucketKeyEnabled,
              },
            ],
          },
        };
      case "GetBucketVersioning":
        return { Status: bucket?.versioning };
      case "GetBucketPolicy":
        if (!bucket?.policy) throw noSuch("NoSuchBucketPolicy");
        return { Policy: JSON.stringify(bucket.policy) };
      case "GetRole": {
        const role = principal(this.roles, "RoleName") as Role;
        return {
          Role: {
            Arn: `arn:aws:iam::${ACCOUNT}:role/${String(input["RoleName"])}`,
            AssumeRolePolicyDocument: role.trust ? encodeURIComponent(JSON.stringify(role.trust)) : undefined,
            PermissionsBoundary: role.boundary ? { PermissionsBoundaryArn: role.boundary } : undefined,
          },
        };
      }
      case "ListRolePolicies":
        return { PolicyNames: Object.keys(principal(this.roles, "RoleName").inline) };
      case "GetRolePolicy":
        return {
          PolicyName: input["PolicyName"],
          PolicyDocument: encodeURIComponent(JSON.stringify(principal(this.roles, "RoleName").inline[String(input["PolicyName"])])),
        };
      case "ListAttachedRolePolicies":
        return { AttachedPolicies: principal(this.roles, "RoleName").attached.map((PolicyArn) => ({ PolicyArn })) };
      case "GetUser": {
        const user = principal(this.users, "UserName");
        return { User: { UserName: input["UserName"], PermissionsBoundary: user.boundary ? { PermissionsBoundaryArn: user.boundary } : undefined } };
      }
      case "ListUserPolicies":
        return { PolicyNames: Object.keys(principal(this.users, "UserName").inline) };
      case "GetUserPolicy":
        return { PolicyDocument: encodeURIComponent(JSON.stringify(principal(this.users, "UserName").inline[String(input["PolicyName"])])) };
      case "ListAttachedUserPolicies":
        return { AttachedPolicies: principal(this.users, "UserName").attached.map((PolicyArn) => ({ PolicyArn })) };
      case "ListGroupsForUser":
        return {
          Groups: (principal(this.users, "UserName") as User).groups.map((GroupName) => ({ GroupName, Arn: `arn:aws:iam::${ACCOUNT}:group/${GroupName}` })),
        };
      case "ListGroupPolicies":
        return { PolicyNames: Object.keys(principal(this.groups, "GroupName").inline) };
      case "GetGroupPolicy":
        return { PolicyDocument: encodeURIComponent(JSON.stringify(principal(this.groups, "GroupName").inline[String(input["PolicyName"])])) };
      case "ListAttachedGroupPolicies":
        return { AttachedPolicies: principal(this.groups, "GroupName").attached.map((PolicyArn) => ({ PolicyArn })) };
      case "GetPolicy":
        if (!this.managed.has(String(input["PolicyArn"]))) throw noSuch("NoSuchEntity");
        return { Policy: { Arn: input["PolicyArn"], DefaultVersionId: "v3" } };
      case "GetPolicyVersion":
        expect(input["VersionId"]).to.equal("v3");
        return { PolicyVersion: { Document: encodeURIComponent(JSON.stringify(this.managed.get(String(input["PolicyArn"])))) } };
      case "DescribeKey": {
        const key = this.keys.get(String(input["KeyId"]));
        if (!key) throw awsError("NotFoundException", 400);
        return { KeyMetadata: { Arn: key.Arn, KeyManager: key.KeyManager } };
      }
      case "GetKeyPolicy": {
        expect(input["PolicyName"]).to.equal("default");
        const key = [...this.keys.values()].find((k) => k.Arn === input["KeyId"]);
        return { Policy: key?.policy ? JSON.stringify(key.policy) : undefined };
      }
    }
    throw new Error(`the fake account does not answer ${service} ${name}`);
  }
}

/** The account the stack sets up, with the backend user holding the application policy. */
function wellConfigured(): Account {
  const a = new Account();
  a.buckets.set(BUCKET, {
    location: undefined,
    pab: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    encryption: { SSEAlgorithm: "AES256" },
    versioning: "Enabled",
    policy: doc([...personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT), tlsOnlyStatement("aws", BUCKET)]),
  });
  for (const id of ["personalize", "sagemaker", "comprehend"] as const) {
    a.roles.set(`${id}-role`, {
      trust: trustPolicy(SERVICES[id], TARGET),
      inline: { access: serviceRolePolicy(SERVICES[id], { target: TARGET, bucket: BUCKET }) },
      attached: [],
    });
  }
  a.users.set("backend", { inline: {}, attached: [APP_POLICY], groups: [] });
  a.managed.set(
    APP_POLICY,
    applicationPolicy({
      target: TARGET,
      bucket: BUCKET,
      personalizeRoleArn: ROLES.personalize,
      sagemakerRoleArn: ROLES.sagemaker,
      comprehendRoleArn: ROLES.comprehend,
    }),
  );
  return a;
}

const ENV = {
  AWS_REGION: "us-east-1",
  S3_BUCKET_NAME: BUCKET,
  PERSONALIZE_ROLE_ARN: ROLES.personalize,
  SAGEMAKER_ROLE_ARN: ROLES.sagemaker,
  COMPREHEND_ROLE_ARN: ROLES.comprehend,
};

function config(env: NodeJS.ProcessEnv = ENV): RuntimeConfig {
  return resolveRuntimeConfig({}, env);
}

async function evaluate(account: Account, id: string, cfg: RuntimeConfig = config(), env: NodeJS.ProcessEnv = ENV): Promise<Outcome> {
  const check = CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check.evaluate(new Facts(account.clients as never, cfg, env));
}

const text = (o: Outcome) => [o.message, ...(o.explain ?? []), o.remediation ?? ""].join("\n");

describe("verify checks on a fake account", () => {
  it("every check holds on the account the stack sets up", async () => {
    const account = wellConfigured();
    const facts = new Facts(account.clients as never, config(), ENV);
    for (const check of CHECKS) {
      if (check.id === "iam.cross-check" || check.id === "outputs.consistent" || check.id === "app-bucket.exists") continue;
      const outcome = await check.evaluate(facts);
      if (check.id.startsWith("kms.")) expect(outcome.verdict, `${check.id}: ${outcome.message}`).to.equal("skip");
      else expect(outcome.verdict, `${check.id}: ${text(outcome)}`).to.equal("holds");
    }
    // Each read once, however many checks need it.
    const counts = new Map<string, number>();
    for (const name of account.sent) counts.set(name, (counts.get(name) ?? 0) + 1);
    expect(counts.get("GetCallerIdentity")).to.equal(1);
    expect(counts.get("HeadBucket")).to.equal(1);
    expect(counts.get("GetBucketPolicy")).to.equal(1);
    expect(counts.get("GetRole")).to.equal(3);
    expect(counts.get("GetPolicy")).to.equal(1);
  });

  it("the check ids, in report order, and --only patterns", () => {
    expect(CHECK_IDS).to.deep.equal([
      "credentials",
      "bucket.exists",
      "app-bucket.exists",
      "bucket.region",
      "bucket.public-access",
      "bucket.encryption",
      "bucket.tls-only",
      "bucket.versioning",
      "bucket.personalize-policy",
      "bucket.personalize-policy.confused-deputy",
      "role.personalize.exists",
      "role.personalize.trust",
      "role.personalize.s3",
      "role.personalize.confused-deputy",
      "role.sagemaker.exists",
      "role.sagemaker.trust",
      "role.sagemaker.s3",
      "role.sagemaker.confused-deputy",
      "role.sagemaker.runtime",
      "role.comprehend.exists",
      "role.comprehend.trust",
      "role.comprehend.s3",
      "role.comprehend.confused-deputy",
      "caller.pass-role.personalize",
      "caller.pass-role.sagemaker",
      "caller.pass-role.comprehend",
      "app.s3",
      "app.personalize",
      "app.sagemaker",
      "app.comprehend",
      "kms.personalize",
      "kms.sagemaker",
      "kms.comprehend",
      "outputs.consistent",
      "iam.cross-check",
    ]);
    expect(selectChecks(undefined).selected.map((c) => c.id)).to.deep.equal(CHECK_IDS);
    expect(selectChecks([]).selected).to.have.length(CHECK_IDS.length);
    const some = selectChecks(["role.sagemaker.*", "credentials", "nope", "zzz*", "credentials"]);
    expect(some.selected.map((c) => c.id)).to.deep.equal([
      "credentials",
      "role.sagemaker.exists",
      "role.sagemaker.trust",
      "role.sagemaker.s3",
      "role.sagemaker.confused-deputy",
      "role.sagemaker.runtime",
    ]);
    expect(some.unknown).to.deep.equal(["nope", "zzz*"]);
    for (const c of CHECKS) {
      expect(c.title, c.id).to.be.a("string").and.not.equal("");
      expect(c.risk, c.id).to.be.a("string").and.not.equal("");
    }
    expect(Object.fromEntries(CHECKS.map((c) => [c.id, c.severity]))).to.deep.include({
      credentials: "error",
      "bucket.public-access": "warn",
      "bucket.versioning": "info",
      "role.sagemaker.runtime": "warn",
      "role.personalize.confused-deputy": "warn",
      "iam.cross-check": "warn",
      "outputs.consistent": "warn",
      "kms.personalize": "error",
    });
  });

  describe("credentials", () => {
    it("holds with the caller's ARN and account", async () => {
      expect(await evaluate(wellConfigured(), "credentials")).to.deep.equal({
        verdict: "holds",
        resource: USER,
        message: `credentials resolve to ${USER} in account ${ACCOUNT}`,
      });
    });

    it("rejected credentials are broken; an unreachable or unavailable endpoint is an error with what to check", async () => {
      const a = wellConfigured();
      a.caller = awsError("ExpiredToken", 403);
      const broken = await evaluate(a, "credentials");
      expect(broken).to.include({ verdict: "broken", message: "credentials do not resolve: ExpiredToken" });
      expect(broken.remediation).to.match(/^Give the SDK credentials through its default chain: `aws sso login`/);
      for (const err of [Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), awsError("NotImplemented", 501)]) {
        a.caller = err;
        const out = await evaluate(a, "credentials");
        expect(out.verdict).to.equal("error");
        expect(out.remediation).to.equal("Check the network, AWS_REGION and AWS_ENDPOINT_URL.");
      }
      a.caller = awsError("ThrottlingException", 400);
      expect((await evaluate(a, "credentials")).verdict).to.equal("broken");
    });
  });

  describe("buckets", () => {
    it("bucket.exists: missing, forbidden, in another region, unreadable, each with its fix", async () => {
      const a = wellConfigured();
      const arn = `arn:aws:s3:::${BUCKET}`;
      a.buckets.delete(BUCKET);
      expect(await evaluate(a, "bucket.exists")).to.deep.equal({
        verdict: "broken",
        resource: arn,
        message: `bucket ${BUCKET} does not exist (HeadBucket: HTTP 404)`,
        remediation: `Create it, or point S3_BUCKET_NAME / AI_ARTIFACTS_BUCKET at the bucket that holds the data; a bucket this stack creates appears after \`pulumi up\`.`,
        fix: {
          summary: `create the bucket ${BUCKET} in us-east-1, or point S3_BUCKET_NAME / AI_ARTIFACTS_BUCKET at the bucket that holds the data`,
          commands: [`aws s3api create-bucket --bucket ${BUCKET} --region us-east-1`],
        },
      });
      // Named AI_ARTIFACTS_BUCKET when that is where the name came from.
      const cfg = config({ ...ENV, AI_ARTIFACTS_BUCKET: BUCKET });
      expect((await evaluate(a, "bucket.exists", cfg)).remediation).to.match(/^Create it, or point AI_ARTIFACTS_BUCKET at/);
      a.buckets.set(BUCKET, { head: awsError("Forbidden", 403) });
      expect(await evaluate(a, "bucket.exists")).to.deep.include({
        verdict: "broken",
        message: `bucket ${BUCKET} exists but the caller may not reach it (HeadBucket: HTTP 403): it belongs to another account, or the caller lacks s3:ListBucket on ${arn}`,
        remediation: `Check the name in S3_BUCKET_NAME / AI_ARTIFACTS_BUCKET; if it is yours, allow the caller s3:ListBucket on ${arn}.`,
      });
      a.buckets.set(BUCKET, { head: awsError("PermanentRedirect", 301, { $response: { headers: { "x-amz-bucket-region": "eu-west-1" } } }) });
      expect(await evaluate(a, "bucket.exists")).to.deep.include({
        message: `bucket ${BUCKET} is in eu-west-1, not us-east-1 (HeadBucket: HTTP 301)`,
        remediation: "Set S3_REGION=eu-west-1 (and deploy the stack to that region).",
      });
      // A 400 that names the region is a redirect too; a 301 without the header says less.
      a.buckets.set(BUCKET, { head: awsError("BadRequest", 400, { $response: { headers: { "x-amz-bucket-region": "ap-south-1" } } }) });
      expect((await evaluate(a, "bucket.exists")).message).to.equal(`bucket ${BUCKET} is in ap-south-1, not us-east-1 (HeadBucket: HTTP 301)`);
      a.buckets.set(BUCKET, { head: awsError("PermanentRedirect", 301) });
      expect(await evaluate(a, "bucket.exists")).to.deep.include({
        message: `bucket ${BUCKET} is in another region, not us-east-1 (HeadBucket: HTTP 301)`,
        remediation: "Set S3_REGION=<the bucket's region> (and deploy the stack to that region).",
      });
      a.buckets.set(BUCKET, { head: awsError("BadRequest", 400) });
      expect(await evaluate(a, "bucket.exists")).to.deep.equal({
        verdict: "error",
        resource: arn,
        message: `s3:ListBucket on ${arn} failed (BadRequest)`,
      });
    });

    it("app-bucket.exists: skipped when it is the AI bucket, checked by name otherwise", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "app-bucket.exists")).to.deep.equal({
        verdict: "skip",
        message: `the AI bucket is the app bucket (${BUCKET}); bucket.exists covers it`,
        resource: undefined,
      });
      const cfg = config({ ...ENV, S3_BUCKET_NAME: APP_BUCKET, AI_ARTIFACTS_BUCKET: BUCKET });
      expect(await evaluate(a, "app-bucket.exists", cfg)).to.deep.include({
        verdict: "broken",
        message: `bucket ${APP_BUCKET} does not exist (HeadBucket: HTTP 404)`,
      });
      expect((await evaluate(a, "app-bucket.exists", cfg)).remediation).to.match(/^Create it, or point S3_BUCKET_NAME at/);
      a.buckets.set(APP_BUCKET, {});
      expect(await evaluate(a, "app-bucket.exists", cfg)).to.deep.equal({
        verdict: "holds",
        resource: `arn:aws:s3:::${APP_BUCKET}`,
        message: `bucket ${APP_BUCKET} exists and the caller can reach it`,
      });
    });

    it("bucket.region: us-east-1 from an empty location, EU as eu-west-1, and a bucket elsewhere", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "bucket.region")).to.deep.equal({
        verdict: "holds",
        resource: BUCKET,
        message: `bucket ${BUCKET} is in us-east-1, the services' region`,
      });
      (a.buckets.get(BUCKET) as Bucket).location = "EU";
      expect(await evaluate(a, "bucket.region")).to.deep.equal({
        verdict: "broken",
        resource: BUCKET,
        message: `bucket ${BUCKET} is in eu-west-1, but the services run in us-east-1`,
        remediation: "Set AWS_REGION=eu-west-1 and deploy the stack there, or use a bucket in us-east-1.",
        fix: {
          summary:
            "a bucket cannot move to another region, so no command fixes this: run the services and deploy the stack in eu-west-1 (AWS_REGION), or use a bucket in us-east-1",
          commands: [],
        },
      });
      (a.buckets.get(BUCKET) as Bucket).location = "eu-west-1";
      expect((await evaluate(a, "bucket.region", config({ ...ENV, AWS_REGION: "eu-west-1" }))).verdict).to.equal("holds");
      (a.buckets.get(BUCKET) as Bucket).head = awsError("PermanentRedirect", 301, { $response: { headers: { "x-amz-bucket-region": "sa-east-1" } } });
      expect(await evaluate(a, "bucket.region")).to.deep.equal({
        verdict: "broken",
        resource: BUCKET,
        message: `bucket ${BUCKET} is in sa-east-1, but the services run in us-east-1`,
        remediation: "Deploy the stack and run the services in sa-east-1 (AWS_REGION), or use a bucket in us-east-1.",
        fix: {
          summary:
            "a bucket cannot move to another region, so no command fixes this: run the services and deploy the stack in sa-east-1 (AWS_REGION), or use a bucket in us-east-1",
          commands: [],
        },
      });
      (a.buckets.get(BUCKET) as Bucket).head = awsError("PermanentRedirect", 301);
      expect((await evaluate(a, "bucket.region")).remediation).to.equal(
        "Deploy the stack and run the services in the bucket's region (AWS_REGION), or use a bucket in us-east-1.",
      );
      expect((await evaluate(a, "bucket.region")).message).to.equal(`bucket ${BUCKET} is in another region, but the services run in us-east-1`);
      a.buckets.delete(BUCKET);
      expect(await evaluate(a, "bucket.region")).to.deep.equal({
        verdict: "skip",
        message: `bucket ${BUCKET} is not reachable (see bucket.exists)`,
        resource: BUCKET,
      });
      a.buckets.set(BUCKET, {});
      a.failures.set("GetBucketLocation", awsError("AccessDenied", 403));
      expect(await evaluate(a, "bucket.region")).to.deep.include({
        verdict: "error",
        message: `the verifier may not call s3:GetBucketLocation on arn:aws:s3:::${BUCKET} (AccessDenied); grant it that read permission`,
      });
    });

    it("bucket.public-access: all four on, some off, none configured, or unreadable", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "bucket.public-access")).to.deep.equal({
        verdict: "holds",
        resource: BUCKET,
        message: `all four Block Public Access settings are on for ${BUCKET}`,
      });
      const b = a.buckets.get(BUCKET) as Bucket;
      b.pab = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: true };
      const one = await evaluate(a, "bucket.public-access");
      expect(one).to.include({ verdict: "broken", message: `IgnorePublicAcls is off for ${BUCKET}` });
      expect(one.remediation).to.equal(
        `aws s3api put-public-access-block --bucket ${BUCKET} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`,
      );
      b.pab = { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: false };
      expect((await evaluate(a, "bucket.public-access")).message).to.equal(`BlockPublicAcls, BlockPublicPolicy, RestrictPublicBuckets are off for ${BUCKET}`);
      delete b.pab;
      expect((await evaluate(a, "bucket.public-access")).message).to.equal(`${BUCKET} has no Block Public Access configuration`);
      a.failures.set("GetPublicAccessBlock", awsError("AccessDenied", 403));
      expect((await evaluate(a, "bucket.public-access")).verdict).to.equal("error");
      a.buckets.delete(BUCKET);
      expect((await evaluate(a, "bucket.public-access")).verdict).to.equal("skip");
    });

    it("bucket.encryption: SSE-S3, SSE-KMS with or without a key and a bucket key, none, or unreadable", async () => {
      const a = wellConfigured();
      const b = a.buckets.get(BUCKET) as Bucket;
      expect(await evaluate(a, "bucket.encryption")).to.deep.equal({
        verdict: "holds",
        resource: BUCKET,
        message: `${BUCKET} encrypts new objects by default with SSE-S3 (AES256)`,
      });
      b.encryption = { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY, BucketKeyEnabled: true };
      expect((await evaluate(a, "bucket.encryption")).message).to.equal(`${BUCKET} encrypts new objects by default with SSE-KMS with ${KEY}, bucket key on`);
      b.encryption = { SSEAlgorithm: "aws:kms" };
      expect((await evaluate(a, "bucket.encryption")).message).to.equal(
        `${BUCKET} encrypts new objects by default with SSE-KMS with the AWS managed key aws/s3`,
      );
      delete b.encryption;
      const none = await evaluate(a, "bucket.encryption");
      expect(none).to.include({ verdict: "broken", message: `${BUCKET} has no default encryption` });
      expect(none.remediation).to.equal(
        `aws s3api put-bucket-encryption --bucket ${BUCKET} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`,
      );
      a.failures.set("GetBucketEncryption", awsError("AccessDenied", 403));
      expect((await evaluate(a, "bucket.encryption")).verdict).to.equal("error");
      a.buckets.delete(BUCKET);
      expect((await evaluate(a, "bucket.encryption")).verdict).to.equal("skip");
    });

    it("bucket.versioning: enabled, suspended, never enabled", async () => {
      const a = wellConfigured();
      const b = a.buckets.get(BUCKET) as Bucket;
      expect(await evaluate(a, "bucket.versioning")).to.deep.equal({ verdict: "holds", resource: BUCKET, message: `versioning is enabled on ${BUCKET}` });
      b.versioning = "Suspended";
      const suspended = await evaluate(a, "bucket.versioning");
      expect(suspended).to.include({ verdict: "broken", message: `versioning is suspended on ${BUCKET}` });
      expect(suspended.remediation).to.equal(
        `aws s3api put-bucket-versioning --bucket ${BUCKET} --versioning-configuration Status=Enabled (with a lifecycle rule that expires noncurrent versions)`,
      );
      delete b.versioning;
      expect((await evaluate(a, "bucket.versioning")).message).to.equal(`versioning is not enabled on ${BUCKET}`);
      a.failures.set("GetBucketVersioning", awsError("AccessDenied", 403));
      expect((await evaluate(a, "bucket.versioning")).verdict).to.equal("error");
      a.buckets.delete(BUCKET);
      expect((await evaluate(a, "bucket.versioning")).verdict).to.equal("skip");
    });

    it("bucket.tls-only: no policy or an Allow-only policy leaves every request open", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "bucket.tls-only")).to.deep.equal({
        verdict: "holds",
        resource: BUCKET,
        message: `the bucket policy of ${BUCKET} denies every request made without TLS`,
      });
      (a.buckets.get(BUCKET) as Bucket).policy = doc(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT));
      const open = await evaluate(a, "bucket.tls-only");
      expect(open).to.include({
        verdict: "broken",
        message: `nothing in the bucket policy of ${BUCKET} denies s3:GetObject, s3:PutObject, s3:ListBucket without TLS (aws:SecureTransport=false)`,
      });
      expect(open.remediation).to.equal(`Add to the bucket policy of ${BUCKET}:\n${JSON.stringify(tlsOnlyStatement("aws", BUCKET), null, 2)}`);
      delete (a.buckets.get(BUCKET) as Bucket).policy;
      expect((await evaluate(a, "bucket.tls-only")).verdict).to.equal("broken");
      a.failures.set("GetBucketPolicy", awsError("AccessDenied", 403));
      expect((await evaluate(a, "bucket.tls-only")).verdict).to.equal("error");
      a.failures.clear();
      a.caller = awsError("ExpiredToken", 403);
      expect((await evaluate(a, "bucket.tls-only")).verdict).to.equal("error");
      a.buckets.delete(BUCKET);
      expect((await evaluate(a, "bucket.tls-only")).verdict).to.equal("skip");
    });

    it("bucket.personalize-policy: lets Personalize in, or says what it may not do and what to add", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "bucket.personalize-policy")).to.deep.equal({
        verdict: "holds",
        resource: `arn:aws:s3:::${BUCKET}`,
        message: `the bucket policy of ${BUCKET} lets personalize.amazonaws.com list the bucket and read and write arn:aws:s3:::${BUCKET}/personalize/*`,
      });
      const statements = JSON.stringify(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT), null, 2);
      (a.buckets.get(BUCKET) as Bucket).policy = doc([tlsOnlyStatement("aws", BUCKET)]);
      const denied = await evaluate(a, "bucket.personalize-policy");
      expect(denied.verdict).to.equal("broken");
      expect(denied.message).to.match(
        new RegExp(`^the bucket policy of ${BUCKET} does not let personalize\\.amazonaws\\.com do s3:ListBucket on arn:aws:s3:::${BUCKET}; `),
      );
      expect(denied.remediation).to.equal(
        `To the bucket policy of ${BUCKET}, add (keeping the statements already there; or let the stack do it: \`pulumi config set roadmapx-ai:appBucketPolicy merge && pulumi up\`):\n${statements}`,
      );
      expect(denied.explain?.length).to.be.greaterThan(0);
      delete (a.buckets.get(BUCKET) as Bucket).policy;
      const none = await evaluate(a, "bucket.personalize-policy");
      expect(none.message).to.equal(`${BUCKET} has no bucket policy, and Personalize needs one that lets personalize.amazonaws.com read the data`);
    });

    it("bucket.personalize-policy with a bucket the stack created says to re-run pulumi up", async () => {
      const a = wellConfigured();
      delete (a.buckets.get(BUCKET) as Bucket).policy;
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const file = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "outputs.json");
      writeFileSync(file, JSON.stringify({ artifactsBucketName: BUCKET, artifactsBucketCreated: true, appPolicyArn: APP_POLICY }));
      const env = { ...ENV, AI_STACK_OUTPUTS: file };
      const out = await evaluate(a, "bucket.personalize-policy", config(env), env);
      expect(out.remediation).to.match(
        new RegExp(`^To the bucket policy of ${BUCKET}, re-run \`pulumi up\` \\(the stack writes this bucket's policy\\), or add:\\n`),
      );
    });

    it("the confused-deputy check: pinned to this account, open to any, or not letting Personalize in at all", async () => {
      const a = wellConfigured();
      const id = "bucket.personalize-policy.confused-deputy";
      expect(await evaluate(a, id)).to.deep.equal({
        verdict: "holds",
        resource: `arn:aws:s3:::${BUCKET}`,
        message: `the bucket policy of ${BUCKET} admits personalize.amazonaws.com only on behalf of account ${ACCOUNT}`,
      });
      const unpinned = personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT).map(({ Condition: _, ...s }) => s);
      (a.buckets.get(BUCKET) as Bucket).policy = doc(unpinned);
      const open = await evaluate(a, id);
      expect(open.verdict).to.equal("broken");
      expect(open.message).to.match(
        new RegExp(
          `^the bucket policy of ${BUCKET} lets personalize\\.amazonaws\\.com act for any account \\(s3:ListBucket on .*\\): it is not pinned with aws:SourceAccount$`,
        ),
      );
      expect(open.remediation).to.equal(
        `Replace Personalize's statements in the bucket policy of ${BUCKET} with these pinned ones (or re-run \`pulumi up\` where the stack writes the policy):\n${JSON.stringify(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT), null, 2)}`,
      );
      delete (a.buckets.get(BUCKET) as Bucket).policy;
      expect(await evaluate(a, id)).to.deep.equal({
        verdict: "skip",
        message: "the bucket policy does not let Personalize in at all (see bucket.personalize-policy)",
        resource: `arn:aws:s3:::${BUCKET}`,
      });
    });
  });

  describe("roles", () => {
    it("role.*.exists: configured and there, not configured, missing, or unreadable", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "role.personalize.exists")).to.deep.equal({
        verdict: "holds",
        resource: ROLES.personalize,
        message: "role personalize-role exists",
      });
      const none = await evaluate(a, "role.sagemaker.exists", config({ ...ENV, SAGEMAKER_ROLE_ARN: "" }));
      expect(none).to.deep.equal({
        verdict: "broken",
        message: "no SageMaker role is configured",
        remediation: "Pass the stack outputs (--outputs FILE or AI_STACK_OUTPUTS) or set SAGEMAKER_ROLE_ARN.",
        fix: {
          summary: "no AWS command configures this: pass the stack outputs (--outputs FILE or AI_STACK_OUTPUTS) or set SAGEMAKER_ROLE_ARN to the role's ARN",
          commands: [],
        },
      });
      expect((await evaluate(a, "role.personalize.exists", config({ ...ENV, PERSONALIZE_ROLE_ARN: "" }))).remediation).to.include("PERSONALIZE_ROLE_ARN");
      a.roles.delete("sagemaker-role");
      expect(await evaluate(a, "role.sagemaker.exists")).to.deep.include({
        verdict: "broken",
        resource: ROLES.sagemaker,
        message: "role sagemaker-role does not exist in this account",
        remediation: "Run `pulumi up` to create it, or fix SAGEMAKER_ROLE_ARN / the stack outputs.",
      });
      // The commands themselves: test/verify/fixes.unit.test.ts.
      expect((await evaluate(a, "role.sagemaker.exists")).fix?.commands.map((c) => c.split(" ").slice(0, 3).join(" "))).to.deep.equal([
        "aws iam create-role",
        "aws iam put-role-policy",
      ]);
      a.failures.set("GetRole", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.personalize.exists")).verdict).to.equal("error");
    });

    it("role.comprehend.*: an older stack's outputs (no comprehendRoleArn) skip every Comprehend check with how to add the role, never fail", async () => {
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { join } = await import("node:path");
      const file = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "outputs.json");
      writeFileSync(file, JSON.stringify({ artifactsBucketName: BUCKET, personalizeRoleArn: ROLES.personalize, sagemakerRoleArn: ROLES.sagemaker }));
      const env = { ...ENV, COMPREHEND_ROLE_ARN: "", AI_STACK_OUTPUTS: file };
      const older = config(env);
      const note =
        "the stack outputs have no comprehendRoleArn (a stack from before 0.3): `pulumi up` with this version adds the role " +
        "(then write the outputs again), or set COMPREHEND_ROLE_ARN";
      const a = wellConfigured();
      for (const id of [
        "role.comprehend.exists",
        "role.comprehend.trust",
        "role.comprehend.s3",
        "role.comprehend.confused-deputy",
        "caller.pass-role.comprehend",
      ]) {
        expect(await evaluate(a, id, older, env), id).to.deep.equal({ verdict: "skip", message: note, resource: undefined });
      }
      // kms.comprehend skips too (here first for want of SSE-KMS; with a key, for want of the role).
      a.keys.set(KEY, { Arn: KEY, KeyManager: "CUSTOMER" });
      (a.buckets.get(BUCKET) as Bucket).encryption = { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY };
      expect(await evaluate(a, "kms.comprehend", older, env)).to.deep.equal({ verdict: "skip", message: note, resource: undefined });
      // The other roles are evaluated as before; with no outputs at all, a missing Comprehend role fails as the others do.
      expect((await evaluate(a, "role.personalize.exists", older, env)).verdict).to.equal("holds");
      const none = await evaluate(a, "role.comprehend.exists", config({ ...ENV, COMPREHEND_ROLE_ARN: "" }));
      expect(none).to.include({ verdict: "broken", message: "no Comprehend role is configured" });
      // An outputs file that names the role (a 0.3 stack) is evaluated.
      writeFileSync(file, JSON.stringify({ artifactsBucketName: BUCKET, comprehendRoleArn: ROLES.comprehend }));
      expect(await evaluate(a, "role.comprehend.exists", config(env), env)).to.deep.equal({
        verdict: "holds",
        resource: ROLES.comprehend,
        message: "role comprehend-role exists",
      });
    });

    it("role.comprehend.*: trust pinned to comprehend.amazonaws.com, S3 read on comprehend/input/ and write on comprehend/output/", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "role.comprehend.trust")).to.deep.equal({
        verdict: "holds",
        resource: ROLES.comprehend,
        message: `comprehend.amazonaws.com may assume comprehend-role for account ${ACCOUNT}`,
      });
      expect((await evaluate(a, "role.comprehend.confused-deputy")).verdict).to.equal("holds");
      const s3 = await evaluate(a, "role.comprehend.s3");
      expect(s3.message).to.equal("comprehend-role may make all 3 S3 requests Comprehend needs on roadmapx-files (s3:ListBucket, s3:GetObject, s3:PutObject)");
      // Write access on the input prefix alone is not the output prefix.
      (a.roles.get("comprehend-role") as Role).inline = {
        access: doc([
          { Effect: "Allow", Action: "s3:ListBucket", Resource: `arn:aws:s3:::${BUCKET}` },
          { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${BUCKET}/comprehend/input/*` },
        ]),
      };
      const denied = await evaluate(a, "role.comprehend.s3");
      expect(denied).to.include({
        verdict: "broken",
        message: `comprehend-role may not do 1 of the 3 S3 requests Comprehend needs: s3:PutObject on arn:aws:s3:::${BUCKET}/comprehend/output/roadmapx-ai-verify/probe.csv`,
      });
      expect(denied.remediation).to.include('"Sid": "ComprehendWriteOutput"');
      // A trust that names another service, or pins no account.
      (a.roles.get("comprehend-role") as Role).trust = trustPolicy(SERVICES.sagemaker, TARGET);
      expect((await evaluate(a, "role.comprehend.trust")).message).to.equal(
        "comprehend.amazonaws.com may not assume comprehend-role; its trust policy names sagemaker.amazonaws.com",
      );
      (a.roles.get("comprehend-role") as Role).trust = doc([{ Effect: "Allow", Principal: { Service: "comprehend.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      expect((await evaluate(a, "role.comprehend.confused-deputy")).verdict).to.equal("broken");
      // PassRole: the application policy's PassComprehendRole statement, and nothing else, lets the backend pass it.
      expect((await evaluate(a, "caller.pass-role.comprehend")).verdict).to.equal("holds");
      a.managed.set(
        APP_POLICY,
        applicationPolicy({ target: TARGET, bucket: BUCKET, personalizeRoleArn: ROLES.personalize, sagemakerRoleArn: ROLES.sagemaker }),
      );
      const pass = await evaluate(a, "caller.pass-role.comprehend");
      expect(pass).to.include({
        verdict: "broken",
        message: `${USER} may not pass comprehend-role to comprehend.amazonaws.com (iam:PassRole with iam:PassedToService=comprehend.amazonaws.com)`,
      });
      expect(pass.remediation).to.include('"Sid": "PassComprehendRole"');
    });

    it("the checks that need a role skip when it is not configured or missing, and error when it cannot be read", async () => {
      const a = wellConfigured();
      a.roles.delete("sagemaker-role");
      for (const id of ["role.sagemaker.trust", "role.sagemaker.s3", "role.sagemaker.confused-deputy", "role.sagemaker.runtime"]) {
        expect(await evaluate(a, id), id).to.deep.equal({
          verdict: "skip",
          message: "role sagemaker-role does not exist (see role.sagemaker.exists)",
          resource: ROLES.sagemaker,
        });
      }
      const none = config({ ...ENV, PERSONALIZE_ROLE_ARN: "" });
      for (const id of ["role.personalize.trust", "role.personalize.s3", "caller.pass-role.personalize", "kms.personalize"]) {
        const out = await evaluate(a, id, none);
        expect(out.verdict, id).to.equal("skip");
      }
      expect((await evaluate(a, "role.personalize.trust", none)).message).to.equal("no Personalize role configured (see role.personalize.exists)");
      a.failures.set("ListRolePolicies", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.personalize.s3")).verdict).to.equal("error");
      a.failures.clear();
      a.failures.set("ListAttachedRolePolicies", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.personalize.s3")).message).to.include("iam:ListAttachedRolePolicies");
      a.failures.clear();
      a.failures.set("GetRolePolicy", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.personalize.s3")).message).to.include("iam:GetRolePolicy");
      a.failures.clear();
      a.caller = awsError("ExpiredToken", 403);
      for (const id of ["role.personalize.trust", "role.personalize.s3", "role.personalize.confused-deputy"])
        expect((await evaluate(a, id)).verdict, id).to.equal("error");
    });

    it("role.*.trust: a trust policy for another service names who it trusts and gives the right one", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "role.personalize.trust")).to.deep.equal({
        verdict: "holds",
        resource: ROLES.personalize,
        message: `personalize.amazonaws.com may assume personalize-role for account ${ACCOUNT}`,
      });
      (a.roles.get("personalize-role") as Role).trust = trustPolicy(SERVICES.sagemaker, TARGET);
      const wrong = await evaluate(a, "role.personalize.trust");
      expect(wrong).to.include({
        verdict: "broken",
        resource: ROLES.personalize,
        message: "personalize.amazonaws.com may not assume personalize-role; its trust policy names sagemaker.amazonaws.com",
      });
      expect(wrong.remediation).to.equal(
        `Set the trust policy of personalize-role to (or re-run \`pulumi up\`):\n${JSON.stringify(trustPolicy(SERVICES.personalize, TARGET).Statement, null, 2)}`,
      );
      (a.roles.get("personalize-role") as Role).trust = doc([
        { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
      ]);
      expect((await evaluate(a, "role.personalize.trust")).message).to.equal(
        `personalize.amazonaws.com may not assume personalize-role; its trust policy names arn:aws:iam::${ACCOUNT}:root`,
      );
      (a.roles.get("personalize-role") as Role).trust = doc([
        { Effect: "Deny", Principal: { Service: "personalize.amazonaws.com" }, Action: "sts:AssumeRole" },
      ]);
      expect((await evaluate(a, "role.personalize.trust")).message).to.equal("personalize.amazonaws.com may not assume personalize-role");
      delete (a.roles.get("personalize-role") as Role).trust;
      expect((await evaluate(a, "role.personalize.trust")).message).to.equal("personalize.amazonaws.com may not assume personalize-role");
    });

    it("role.*.confused-deputy: a trust without the account pin is broken; a role the service cannot assume is skipped", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "role.sagemaker.confused-deputy")).to.deep.equal({
        verdict: "holds",
        resource: ROLES.sagemaker,
        message: `the trust policy of sagemaker-role admits sagemaker.amazonaws.com only on behalf of account ${ACCOUNT}`,
      });
      (a.roles.get("sagemaker-role") as Role).trust = doc([{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }]);
      const open = await evaluate(a, "role.sagemaker.confused-deputy");
      expect(open).to.include({
        verdict: "broken",
        message:
          "the trust policy of sagemaker-role lets sagemaker.amazonaws.com assume it on behalf of any account: it does not pin aws:SourceAccount / aws:SourceArn",
      });
      expect(open.remediation).to.equal(
        `Add the conditions (or re-run \`pulumi up\`):\n${JSON.stringify(trustPolicy(SERVICES.sagemaker, TARGET).Statement[0]?.Condition, null, 2)}`,
      );
      delete (a.roles.get("sagemaker-role") as Role).trust;
      expect(await evaluate(a, "role.sagemaker.confused-deputy")).to.deep.equal({
        verdict: "skip",
        message: "sagemaker.amazonaws.com may not assume the role at all (see role.sagemaker.trust)",
        resource: ROLES.sagemaker,
      });
    });

    it("role.*.s3: names each denied request and the statements that grant them", async () => {
      const a = wellConfigured();
      const holds = await evaluate(a, "role.personalize.s3");
      expect(holds.verdict).to.equal("holds");
      expect(holds.message).to.match(/^personalize-role may make all \d+ S3 requests Personalize needs on roadmapx-files \(s3:ListBucket, s3:GetObject/);
      (a.roles.get("personalize-role") as Role).inline = {};
      const denied = await evaluate(a, "role.personalize.s3");
      expect(denied.verdict).to.equal("broken");
      expect(denied.message).to.match(
        /^personalize-role may not do (\d+) of the \1 S3 requests Personalize needs: s3:ListBucket on arn:aws:s3:::roadmapx-files \(prefix personalize\/\); /,
      );
      const all = serviceRolePolicy(SERVICES.personalize, { target: TARGET, bucket: BUCKET }).Statement;
      expect(denied.remediation).to.equal(
        `Add to personalize-role's policy (or re-run \`pulumi up\` if this stack manages the role):\n${JSON.stringify(all, null, 2)}`,
      );
      expect(denied.explain).to.include(`no statement in the bucket policy of ${BUCKET} allows s3:ListBucket on arn:aws:s3:::${BUCKET}`);
      // An explicit Deny in the bucket policy is named, and the fix says to remove it.
      (a.roles.get("personalize-role") as Role).inline = { access: serviceRolePolicy(SERVICES.personalize, { target: TARGET, bucket: BUCKET }) };
      (a.buckets.get(BUCKET) as Bucket).policy = doc([
        { Sid: "NoPuts", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*` },
      ]);
      const deny = await evaluate(a, "role.personalize.s3");
      expect(deny.remediation).to.equal("Remove or narrow the Deny statements named under why.");
      expect(deny.explain).to.include(
        `statement "NoPuts" of the bucket policy of ${BUCKET} explicitly denies s3:PutObject on arn:aws:s3:::${BUCKET}/personalize/roadmapx-ai-verify/probe.csv`,
      );
      expect(deny.message).to.not.include("(prefix");
    });

    it("role.*.s3: a permissions boundary that caps the role is named once, with every action it blocks", async () => {
      const a = wellConfigured();
      const boundary = `arn:aws:iam::${ACCOUNT}:policy/cap`;
      a.managed.set(boundary, doc([{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }]));
      (a.roles.get("sagemaker-role") as Role).boundary = boundary;
      const out = await evaluate(a, "role.sagemaker.s3");
      expect(out.verdict).to.equal("broken");
      expect(out.remediation).to.equal("Allow the same actions in the permissions boundary of sagemaker-role (it caps what the role may do).");
      expect(out.explain?.[0]).to.equal(
        `permissions boundary ${boundary} does not allow s3:GetObject, s3:PutObject, s3:DeleteObject, so the role cannot use them whatever its policies grant`,
      );
      expect(out.explain?.filter((line) => line.includes("permissions boundary"))).to.have.length(1);
      a.failures.set("GetPolicyVersion", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.sagemaker.s3")).message).to.include("iam:GetPolicyVersion");
    });

    it("role.*.s3 reads attached managed policies, and a policy that is not valid IAM is named", async () => {
      const a = wellConfigured();
      const managed = `arn:aws:iam::${ACCOUNT}:policy/sagemaker-access`;
      a.managed.set(managed, serviceRolePolicy(SERVICES.sagemaker, { target: TARGET, bucket: BUCKET }));
      const role = a.roles.get("sagemaker-role") as Role;
      role.inline = {};
      role.attached = [managed];
      expect((await evaluate(a, "role.sagemaker.s3")).verdict).to.equal("holds");
      role.inline = { broken: doc([{ Effect: "Sometimes", Action: "s3:GetObject", Resource: "*" } as unknown as PolicyStatement]) };
      const out = await evaluate(a, "role.sagemaker.s3");
      expect(out.verdict).to.equal("broken");
      expect(out.remediation).to.match(/^Add to sagemaker-role's policy/);
      expect(out.explain?.[0]).to.match(/^inline policy broken of role sagemaker-role is not valid IAM: /);
    });

    it("role.sagemaker.runtime: logs, metrics and image pull", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "role.sagemaker.runtime")).to.deep.equal({
        verdict: "holds",
        resource: ROLES.sagemaker,
        message: `sagemaker-role may write logs and metrics and pull training images (${SERVICES.sagemaker.runtimeProbes(TARGET).length} requests)`,
      });
      const role = a.roles.get("sagemaker-role") as Role;
      role.inline = {
        access: doc(serviceRolePolicy(SERVICES.sagemaker, { target: TARGET, bucket: BUCKET }).Statement.filter((s) => !String(s.Action).includes("logs"))),
      };
      const statements = SERVICES.sagemaker.runtimeStatements(TARGET);
      role.inline = {
        access: doc(
          serviceRolePolicy(SERVICES.sagemaker, { target: TARGET, bucket: BUCKET }).Statement.filter((s) => !statements.some((r) => r.Sid === s.Sid)),
        ),
      };
      const out = await evaluate(a, "role.sagemaker.runtime");
      expect(out.verdict).to.equal("broken");
      expect(out.message).to.match(/^sagemaker-role may not /);
      expect(out.remediation).to.equal(
        `Add to sagemaker-role's policy (or re-run \`pulumi up\` if this stack manages the role):\n${JSON.stringify(statements, null, 2)}`,
      );
      a.failures.set("ListRolePolicies", awsError("AccessDenied", 403));
      expect((await evaluate(a, "role.sagemaker.runtime")).verdict).to.equal("error");
      a.failures.clear();
      a.caller = awsError("ExpiredToken", 403);
      expect((await evaluate(a, "role.sagemaker.runtime")).verdict).to.equal("error");
      expect(CHECK_IDS).to.not.include("role.personalize.runtime");
    });
  });

  describe("caller.pass-role", () => {
    it("a user with the application policy may pass each role to its service", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "caller.pass-role.personalize")).to.deep.equal({
        verdict: "holds",
        resource: USER,
        message: `${USER} may pass personalize-role to personalize.amazonaws.com`,
      });
      expect((await evaluate(a, "caller.pass-role.sagemaker")).message).to.equal(`${USER} may pass sagemaker-role to sagemaker.amazonaws.com`);
    });

    it("a user without it may not, and is told which statement to add (or which policy to attach)", async () => {
      const a = wellConfigured();
      (a.users.get("backend") as User).attached = [];
      const out = await evaluate(a, "caller.pass-role.sagemaker");
      expect(out).to.include({
        verdict: "broken",
        resource: USER,
        message: `${USER} may not pass sagemaker-role to sagemaker.amazonaws.com (iam:PassRole with iam:PassedToService=sagemaker.amazonaws.com)`,
      });
      const statement = applicationPolicy({
        target: TARGET,
        bucket: BUCKET,
        personalizeRoleArn: ROLES.personalize,
        sagemakerRoleArn: ROLES.sagemaker,
        resourceNamePrefix: "roadmapx",
      }).Statement.find((s) => s.Sid === "PassSageMakerRole");
      expect(out.remediation).to.equal(`Add:\n${JSON.stringify([statement], null, 2)}`);
      expect(out.explain).to.deep.equal([`${USER} has no policy that allows iam:PassRole`]);
      const p = await evaluate(a, "caller.pass-role.personalize");
      expect(p.remediation).to.match(/^Add:\n/);
      expect(p.remediation).to.include('"Sid": "PassPersonalizeRole"');
    });

    it("names the stack's application policy to attach when the outputs give it", async () => {
      const a = wellConfigured();
      (a.users.get("backend") as User).attached = [];
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const file = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "outputs.json");
      writeFileSync(file, JSON.stringify({ artifactsBucketName: BUCKET, appPolicyArn: APP_POLICY }));
      const env = { ...ENV, AI_STACK_OUTPUTS: file };
      const out = await evaluate(a, "caller.pass-role.personalize", config(env), env);
      expect(out.remediation).to.match(new RegExp(`^Attach the stack's application policy ${APP_POLICY} to ${USER}, or add:\\n`));
    });

    it("reads a user's inline policies, groups (inline and attached) and boundary", async () => {
      const a = wellConfigured();
      const user = a.users.get("backend") as User;
      user.attached = [];
      const pass = applicationPolicy({ target: TARGET, bucket: BUCKET, personalizeRoleArn: ROLES.personalize, sagemakerRoleArn: ROLES.sagemaker });
      user.inline = { own: doc(pass.Statement.filter((s) => s.Sid === "PassPersonalizeRole")) };
      a.groups.set("ml", { inline: { team: doc(pass.Statement.filter((s) => s.Sid === "PassSageMakerRole")) }, attached: [] });
      user.groups = ["ml"];
      expect((await evaluate(a, "caller.pass-role.personalize")).verdict).to.equal("holds");
      expect((await evaluate(a, "caller.pass-role.sagemaker")).verdict).to.equal("holds");
      a.groups.set("ml", { inline: {}, attached: [APP_POLICY] });
      expect((await evaluate(a, "caller.pass-role.sagemaker")).verdict).to.equal("holds");
      const boundary = `arn:aws:iam::${ACCOUNT}:policy/boundary`;
      a.managed.set(boundary, doc([{ Effect: "Allow", Action: "s3:*", Resource: "*" }]));
      user.boundary = boundary;
      const capped = await evaluate(a, "caller.pass-role.sagemaker");
      expect(capped.verdict).to.equal("broken");
      expect(capped.explain?.[0]).to.equal(
        `permissions boundary ${boundary} does not allow iam:PassRole, so the role cannot use it whatever its policies grant`,
      );
      for (const failing of [
        "GetUser",
        "ListUserPolicies",
        "ListAttachedUserPolicies",
        "ListGroupsForUser",
        "GetUserPolicy",
        "ListGroupPolicies",
        "ListAttachedGroupPolicies",
      ]) {
        user.inline = { own: doc([]) };
        a.groups.set("ml", { inline: { team: doc([]) }, attached: [] });
        a.failures.clear();
        a.failures.set(failing, awsError("AccessDenied", 403));
        const out = await evaluate(a, "caller.pass-role.personalize");
        expect(out.verdict, failing).to.equal("error");
        expect(out.message, failing).to.include(`iam:${failing}`);
      }
      a.failures.clear();
      a.failures.set("GetGroupPolicy", awsError("AccessDenied", 403));
      expect((await evaluate(a, "caller.pass-role.personalize")).message).to.include("iam:GetGroupPolicy on arn:aws:iam::123456789012:group/ml");
      a.failures.clear();
      a.failures.set("GetPolicy", awsError("AccessDenied", 403));
      expect((await evaluate(a, "caller.pass-role.personalize")).message).to.include(`iam:GetPolicy on ${boundary}`);
    });

    it("a role session is judged by its role's policies; the root user may pass any role; other callers cannot be read", async () => {
      const a = wellConfigured();
      a.caller = { Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1` };
      a.roles.set("deployer", { inline: {}, attached: [APP_POLICY] });
      expect(await evaluate(a, "caller.pass-role.personalize")).to.deep.equal({
        verdict: "holds",
        resource: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1`,
        message: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/session-1 may pass personalize-role to personalize.amazonaws.com`,
      });
      a.roles.delete("deployer");
      expect(await evaluate(a, "caller.pass-role.personalize")).to.deep.equal({
        verdict: "error",
        resource: `arn:aws:iam::${ACCOUNT}:role/deployer`,
        message: `iam:GetRole on arn:aws:iam::${ACCOUNT}:role/deployer failed (the caller's role does not exist)`,
      });
      a.caller = { Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` };
      expect(await evaluate(a, "caller.pass-role.sagemaker")).to.deep.equal({
        verdict: "holds",
        resource: `arn:aws:iam::${ACCOUNT}:root`,
        message: "the caller is the account root user, which may pass any role (use a least-privilege identity in production)",
      });
      a.caller = { Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:federated-user/bob` };
      expect(await evaluate(a, "caller.pass-role.sagemaker")).to.deep.equal({
        verdict: "error",
        resource: `arn:aws:sts::${ACCOUNT}:federated-user/bob`,
        message: `iam:GetUser on arn:aws:sts::${ACCOUNT}:federated-user/bob failed (the caller is not an IAM user or role session, so its policies cannot be read)`,
      });
      a.caller = awsError("ExpiredToken", 403);
      expect((await evaluate(a, "caller.pass-role.sagemaker")).verdict).to.equal("error");
    });
  });

  describe("kms", () => {
    function withKey(a: Account, policy?: PolicyDocument, manager = "CUSTOMER"): void {
      (a.buckets.get(BUCKET) as Bucket).encryption = { SSEAlgorithm: "aws:kms", KMSMasterKeyID: KEY };
      a.keys.set(KEY, { Arn: KEY, KeyManager: manager, ...(policy ? { policy } : {}) });
    }
    const keyPolicy = () =>
      doc([
        { Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
        ...["personalize", "sagemaker"].map((id) => ({
          Effect: "Allow" as const,
          Principal: { AWS: ROLES[id as "personalize"] },
          Action: [...SERVICES[id as "personalize"].kmsActions],
          Resource: "*",
        })),
        {
          Effect: "Allow",
          Principal: { Service: "personalize.amazonaws.com" },
          Action: [...SERVICES.personalize.kmsActions],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
      ]);

    it("skips a bucket without SSE-KMS, and one that cannot be reached", async () => {
      const a = wellConfigured();
      expect(await evaluate(a, "kms.personalize")).to.deep.equal({ verdict: "skip", message: `${BUCKET} does not use SSE-KMS`, resource: undefined });
      a.buckets.delete(BUCKET);
      expect(await evaluate(a, "kms.sagemaker")).to.deep.equal({
        verdict: "skip",
        message: `bucket ${BUCKET} is not reachable (see bucket.exists)`,
        resource: BUCKET,
      });
      a.buckets.set(BUCKET, { head: awsError("BadRequest", 400) });
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("error");
      a.buckets.set(BUCKET, {});
      a.failures.set("GetBucketEncryption", awsError("AccessDenied", 403));
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("error");
    });

    it("the AWS managed key aws/s3 works for SageMaker, not for Personalize", async () => {
      const a = wellConfigured();
      (a.buckets.get(BUCKET) as Bucket).encryption = { SSEAlgorithm: "aws:kms" };
      expect(await evaluate(a, "kms.sagemaker")).to.deep.equal({
        verdict: "holds",
        resource: BUCKET,
        message: `${BUCKET} uses the AWS managed key aws/s3, which every principal of the account may use through S3`,
      });
      expect(await evaluate(a, "kms.personalize")).to.deep.equal({
        verdict: "broken",
        resource: BUCKET,
        message: `${BUCKET} encrypts with the AWS managed key aws/s3, whose key policy cannot be changed to let personalize.amazonaws.com use it`,
        remediation: "Encrypt the bucket with a customer managed key and set roadmapx-ai:kmsKeyArn to it (`pulumi up` then grants the roles).",
        fix: {
          summary: `no command can change the key policy of aws/s3: encrypt ${BUCKET} with a customer managed key whose policy lets Personalize in, then run verify again`,
          commands: [],
          pulumi:
            "`pulumi config set roadmapx-ai:kmsKeyArn <key ARN> && pulumi up` grants the roles a customer managed key (its key policy is the key owner's)",
        },
      });
      (a.buckets.get(BUCKET) as Bucket).encryption = { SSEAlgorithm: "aws:kms:dsse" };
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("holds");
    });

    it("a customer key whose policy lets both roles (and Personalize itself) use it holds", async () => {
      const a = wellConfigured();
      withKey(a, keyPolicy());
      expect(await evaluate(a, "kms.personalize")).to.deep.equal({
        verdict: "holds",
        resource: KEY,
        message: `Personalize may use ${KEY} (${SERVICES.personalize.kmsActions.join(", ")})`,
      });
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("holds");
    });

    it("a key policy that lets nobody in names each role and action denied, and the statements to add", async () => {
      const a = wellConfigured();
      withKey(a, doc([{ Sid: "Root", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }]));
      const out = await evaluate(a, "kms.personalize");
      expect(out.verdict).to.equal("broken");
      const denied = SERVICES.personalize.kmsActions.flatMap((action) => [`personalize-role: ${action}`, `personalize.amazonaws.com: ${action}`]);
      expect(out.message).to.equal(`the key ${KEY} may not be used as Personalize needs: ${denied.join("; ")}`);
      const statements = [
        {
          Sid: "AllowPersonalizeRoleUseOfKey",
          Effect: "Allow",
          Principal: { AWS: ROLES.personalize },
          Action: [...SERVICES.personalize.kmsActions],
          Resource: "*",
        },
        {
          Sid: "AllowPersonalizeServiceUseOfKey",
          Effect: "Allow",
          Principal: { Service: "personalize.amazonaws.com" },
          Action: [...SERVICES.personalize.kmsActions],
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } },
        },
      ];
      expect(out.remediation).to.equal(
        `Add to the key policy of ${KEY} (and \`pulumi config set roadmapx-ai:kmsKeyArn ${KEY} && pulumi up\` for the role side):\n${JSON.stringify(statements, null, 2)}`,
      );
      expect(new Set(out.explain).size).to.equal(out.explain?.length);
      const sm = await evaluate(a, "kms.sagemaker");
      expect(sm.message).to.equal(
        `the key ${KEY} may not be used as SageMaker needs: ${SERVICES.sagemaker.kmsActions.map((x) => `sagemaker-role: ${x}`).join("; ")}`,
      );
      expect(JSON.parse(sm.remediation?.split(":\n")[1] ?? "[]")).to.have.length(1);
    });

    it("a key without a policy, the stack's key when the bucket names none, and every read that can fail", async () => {
      const a = wellConfigured();
      withKey(a);
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("broken");
      // No SSE-KMS on the bucket, but the stack configured a key: that key is checked.
      (a.buckets.get(BUCKET) as Bucket).encryption = { SSEAlgorithm: "AES256" };
      a.keys.set(KEY, { Arn: KEY, KeyManager: "CUSTOMER", policy: keyPolicy() });
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const file = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "outputs.json");
      writeFileSync(file, JSON.stringify({ artifactsBucketName: BUCKET, kmsKeyArn: KEY }));
      const env = { ...ENV, AI_STACK_OUTPUTS: file };
      expect((await evaluate(a, "kms.sagemaker", config(env), env)).verdict).to.equal("holds");
      withKey(a, keyPolicy());
      for (const failing of ["DescribeKey", "GetKeyPolicy", "GetRole", "ListRolePolicies"]) {
        a.failures.clear();
        a.failures.set(failing, awsError("AccessDenied", 403));
        expect((await evaluate(a, "kms.personalize")).verdict, failing).to.equal("error");
      }
      a.failures.clear();
      a.roles.delete("personalize-role");
      expect(await evaluate(a, "kms.personalize")).to.deep.equal({
        verdict: "skip",
        message: "role personalize-role does not exist (see role.personalize.exists)",
        resource: ROLES.personalize,
      });
      expect((await evaluate(a, "kms.personalize", config({ ...ENV, PERSONALIZE_ROLE_ARN: "" }))).message).to.equal(
        "no Personalize role configured (see role.personalize.exists)",
      );
      a.caller = awsError("ExpiredToken", 403);
      expect((await evaluate(a, "kms.sagemaker")).verdict).to.equal("error");
    });
  });

  describe("outputs.consistent", () => {
    async function withOutputs(outputs: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Outcome> {
      const { mkdtempSync, writeFileSync } = await import("node:fs");
      const { join } = await import("node:path");
      const { tmpdir } = await import("node:os");
      const file = join(mkdtempSync(join(tmpdir(), "roadmapx-verify-")), "outputs.json");
      writeFileSync(file, JSON.stringify(outputs));
      const full = { ...env, AI_STACK_OUTPUTS: file };
      const out = await evaluate(wellConfigured(), "outputs.consistent", config(full), full);
      return {
        ...out,
        message: out.message.replaceAll(file, "FILE"),
        resource: out.resource?.replaceAll(file, "FILE"),
        remediation: out.remediation?.replaceAll(file, "FILE"),
      };
    }
    const OUTPUTS = {
      artifactsBucketName: BUCKET,
      appBucketName: BUCKET,
      personalizeRoleArn: ROLES.personalize,
      sagemakerRoleArn: ROLES.sagemaker,
      region: "us-east-1",
      artifactsBucketCreated: false,
    };

    it("skips without an outputs file, holds when the environment agrees or is silent", async () => {
      expect(await evaluate(wellConfigured(), "outputs.consistent")).to.deep.equal({
        verdict: "skip",
        message: "no stack outputs file given (--outputs or AI_STACK_OUTPUTS)",
      });
      expect(await withOutputs(OUTPUTS, ENV)).to.deep.equal({
        verdict: "holds",
        resource: "FILE",
        message: "the environment agrees with FILE",
        remediation: undefined,
      });
      expect((await withOutputs(OUTPUTS, {})).verdict).to.equal("holds");
    });

    it("names every variable that disagrees with the outputs, and the fix", async () => {
      const out = await withOutputs(OUTPUTS, {
        S3_BUCKET_NAME: "other-app",
        AI_ARTIFACTS_BUCKET: "other-ai",
        PERSONALIZE_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/p2`,
        SAGEMAKER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/s2`,
        AWS_REGION: "eu-west-1",
      });
      expect(out).to.deep.equal({
        verdict: "broken",
        resource: "FILE",
        message:
          `S3_BUCKET_NAME=other-app but the stack outputs say ${BUCKET}; AI_ARTIFACTS_BUCKET=other-ai but the stack outputs say ${BUCKET}; ` +
          `PERSONALIZE_ROLE_ARN=arn:aws:iam::${ACCOUNT}:role/p2 but the stack outputs say ${ROLES.personalize}; ` +
          `SAGEMAKER_ROLE_ARN=arn:aws:iam::${ACCOUNT}:role/s2 but the stack outputs say ${ROLES.sagemaker}; AWS_REGION=eu-west-1 but the stack outputs say us-east-1`,
        remediation: "Unset the variables above or set them to the stack's values (`pulumi stack output --json`); the environment wins over FILE.",
        fix: {
          summary:
            "unset S3_BUCKET_NAME, AI_ARTIFACTS_BUCKET, PERSONALIZE_ROLE_ARN, SAGEMAKER_ROLE_ARN, AWS_REGION in the backend's environment, or set them to the stack's values: the environment is not in AWS, so no AWS command fixes it",
          commands: [],
        },
      });
      // An output the stack did not write is not a disagreement.
      expect((await withOutputs({ artifactsBucketName: BUCKET }, { S3_BUCKET_NAME: "other-app" })).verdict).to.equal("holds");
    });

    it("with a created AI bucket, S3_BUCKET_NAME set to it (and no AI_ARTIFACTS_BUCKET) would send app data to the AI bucket", async () => {
      const outputs = { ...OUTPUTS, artifactsBucketName: "roadmapx-ai", appBucketName: APP_BUCKET, artifactsBucketCreated: true };
      expect((await withOutputs(outputs, { S3_BUCKET_NAME: "roadmapx-ai" })).message).to.equal(
        `S3_BUCKET_NAME=roadmapx-ai but the stack outputs say ${APP_BUCKET}; S3_BUCKET_NAME=roadmapx-ai but the stack outputs say ${APP_BUCKET}`,
      );
      expect((await withOutputs(outputs, { S3_BUCKET_NAME: "roadmapx-ai", AI_ARTIFACTS_BUCKET: "roadmapx-ai" })).message).to.equal(
        `S3_BUCKET_NAME=roadmapx-ai but the stack outputs say ${APP_BUCKET}`,
      );
      expect((await withOutputs({ ...outputs, artifactsBucketCreated: false }, { S3_BUCKET_NAME: "roadmapx-ai" })).message).to.equal(
        `S3_BUCKET_NAME=roadmapx-ai but the stack outputs say ${APP_BUCKET}`,
      );
      expect((await withOutputs(outputs, { S3_BUCKET_NAME: APP_BUCKET })).verdict).to.equal("holds");
    });
  });
});
