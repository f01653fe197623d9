/**
 * Fixes that apply as printed, without the emulator: the shell quoting and files of verify/fix.ts,
 * the documents the checks print (complete, with Version; a bucket policy merged, not replaced),
 * each fed back to the check to show it then holds; the checks' `requires` declarations; and the
 * Deny wording of the simulator's why lines. fixes.test.ts runs the same fixes with the aws CLI.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import type { PolicyDocument, PolicyStatement } from "../../core/iam";
import { personalizeBucketPolicyStatements, serviceRolePolicy, tlsOnlyStatement, trustPolicy } from "../../core/policies";
import { SERVICES } from "../../core/requirements";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { CHECKS, CHECK_IDS } from "../../verify/checks";
import { Facts } from "../../verify/facts";
import { DEFAULT_FIX_DIR, INLINE_LIMIT, command, documentArg, fixFileName, shellQuote, writeFixFiles } from "../../verify/fix";
import type { CheckResult, Fix, Outcome, Report } from "../../verify/model";
import { ask } from "../../verify/simulate";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "us-east-1", accountId: ACCOUNT };
const BUCKET = "roadmapx-files";
const ROLES = { personalize: `arn:aws:iam::${ACCOUNT}:role/personalize-role`, sagemaker: `arn:aws:iam::${ACCOUNT}:role/sagemaker-role` };
const USER = `arn:aws:iam::${ACCOUNT}:user/backend`;
const ENV = { AWS_REGION: "us-east-1", S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLES.personalize, SAGEMAKER_ROLE_ARN: ROLES.sagemaker };
const doc = (statements: PolicyStatement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** The words bash makes of a command line, exactly as it would run it. */
function wordsOf(line: string): string[] {
  const r = spawnSync("bash", ["-c", `set -- ${line}; printf '%s\\0' "$@"`], { encoding: "utf8" });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.split("\0").slice(0, -1);
}

/** The value after `flag` in a command, as the aws CLI receives it. */
function argOf(line: string, flag: string): string {
  const words = wordsOf(line);
  const i = words.indexOf(flag);
  expect(i, `${flag} in ${line}`).to.be.greaterThan(-1);
  return words[i + 1] ?? "";
}

/** The policy document a command passes under `flag`, inline or from the fix's file. */
function documentOf(fix: Fix | undefined, line: string, flag: string): PolicyDocument {
  const value = argOf(line, flag);
  if (!value.startsWith("file://")) return JSON.parse(value) as PolicyDocument;
  const file = fix?.files?.find((f) => `file://${f.path}` === value);
  expect(file, `${value} is among the fix's files`).to.not.equal(undefined);
  return JSON.parse(file?.content ?? "") as PolicyDocument;
}

interface Role {
  trust?: PolicyDocument;
  inline: Record<string, PolicyDocument>;
}

/** Just enough of an account for the checks below: clients that answer the verifier's reads. */
class Account {
  bucketPolicy?: PolicyDocument;
  roles = new Map<string, Role>();
  userInline: Record<string, PolicyDocument> = {};

  constructor() {
    for (const id of ["personalize", "sagemaker"] as const) {
      this.roles.set(`${id}-role`, {
        trust: trustPolicy(SERVICES[id], TARGET),
        inline: { access: serviceRolePolicy(SERVICES[id], { target: TARGET, bucket: BUCKET }) },
      });
    }
  }

  private answer(name: string, input: Record<string, unknown>): unknown {
    const missing = (n: string) => Object.assign(new Error(n), { name: n, $metadata: { httpStatusCode: 404 } });
    const role = () => {
      const r = this.roles.get(String(input["RoleName"]));
      if (!r) throw missing("NoSuchEntity");
      return r;
    };
    switch (name) {
      case "GetCallerIdentity":
        return { Account: ACCOUNT, Arn: USER };
      case "HeadBucket":
        return {};
      case "GetBucketPolicy":
        if (!this.bucketPolicy) throw missing("NoSuchBucketPolicy");
        return { Policy: JSON.stringify(this.bucketPolicy) };
      case "GetRole":
        return {
          Role: {
            Arn: `arn:aws:iam::${ACCOUNT}:role/${String(input["RoleName"])}`,
            AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role().trust)),
          },
        };
      case "ListRolePolicies":
        return { PolicyNames: Object.keys(role().inline) };
      case "GetRolePolicy":
        return { PolicyName: input["PolicyName"], PolicyDocument: encodeURIComponent(JSON.stringify(role().inline[String(input["PolicyName"])])) };
      case "ListAttachedRolePolicies":
      case "ListAttachedUserPolicies":
        return { AttachedPolicies: [] };
      case "GetUser":
        return { User: { UserName: "backend" } };
      case "ListUserPolicies":
        return { PolicyNames: Object.keys(this.userInline) };
      case "GetUserPolicy":
        return { PolicyDocument: encodeURIComponent(JSON.stringify(this.userInline[String(input["PolicyName"])])) };
      case "ListGroupsForUser":
        return { Groups: [] };
      default:
        throw new Error(`the fake account does not answer ${name}`);
    }
  }

  private client = () => ({
    send: async (c: { constructor: { name: string }; input: Record<string, unknown> }) => this.answer(c.constructor.name.replace(/Command$/, ""), c.input),
  });
  readonly clients = { s3: this.client(), iam: this.client(), kms: this.client(), sts: this.client(), destroy: () => undefined };

  facts(): Facts {
    return new Facts(this.clients as never, resolveRuntimeConfig({}, ENV), ENV);
  }
}

async function evaluate(facts: Facts, id: string): Promise<Outcome> {
  const check = CHECKS.find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check.evaluate(facts);
}

function only<T>(items: T[] | undefined): T {
  expect(items, JSON.stringify(items)).to.have.length(1);
  return (items as T[])[0] as T;
}

describe("verify fixes: commands as printed (verify/fix.ts)", () => {
  it("quotes a word only when the shell would change it, and a single quote as '\\''", () => {
    for (const safe of [`arn:aws:iam::${ACCOUNT}:role/x`, "Status=Enabled", "BlockPublicAcls=true,IgnorePublicAcls=true", "file://verify-fixes/a.json"]) {
      expect(shellQuote(safe)).to.equal(safe);
    }
    expect(shellQuote("it's")).to.equal(`'it'\\''s'`);
    const nasty = ["a b", "it's", `{"a":"$HOME"}`, "back\\slash", "new\nline", "!bang", "`tick`", "'", "", "*", "~"];
    expect(wordsOf(nasty.map(shellQuote).join(" "))).to.deep.equal(nasty);
  });

  it("puts a short document inline, compact; a longer one in a file the command names", () => {
    const short = { Version: "2012-10-17", Statement: [{ Sid: "it's", Effect: "Allow", Action: "s3:GetObject", Resource: "*" }] };
    const inline = documentArg(short, "short.json");
    expect(inline.file).to.equal(undefined);
    expect(JSON.parse(only(wordsOf(inline.word)))).to.deep.equal(short);
    const long = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "x".repeat(INLINE_LIMIT) }] };
    const filed = documentArg(long, fixFileName("bucket-policy", "my bucket"));
    expect(filed.word).to.equal("file://verify-fixes/bucket-policy.my-bucket.json");
    expect(filed.file?.path).to.equal("verify-fixes/bucket-policy.my-bucket.json");
    expect(filed.file?.content.endsWith("}\n")).to.equal(true);
    expect(JSON.parse(filed.file?.content ?? "")).to.deep.equal(long);
    expect(command("aws", "iam", "put-role-policy", "--policy-document", inline)).to.equal(
      `aws iam put-role-policy --policy-document ${shellQuote(JSON.stringify(short))}`,
    );
    expect(fixFileName("..", "a/b", "key")).to.equal("a-b.key.json");
  });

  describe("writeFixFiles", () => {
    const file = { path: "verify-fixes/bucket-policy.b.json", content: '{"Version":"2012-10-17"}\n' };
    const result = (id: string, status: CheckResult["status"], fix?: Fix): CheckResult => ({
      id,
      title: id,
      severity: "warn",
      status,
      risk: "r",
      message: "m",
      ...(fix ? { fix } : {}),
    });
    const report = (checks: CheckResult[]): Report => ({
      schemaVersion: 1,
      ok: true,
      target: { accountId: ACCOUNT, region: "us-east-1" },
      summary: { pass: 0, fail: 0, warn: 0, skip: 0, error: 0, awsCalls: 0, seconds: 0 },
      checks,
    });
    const withFile = (): Fix => ({
      summary: "s",
      commands: [`aws s3api put-bucket-policy --bucket b --policy file://${file.path}`],
      files: [{ ...file }],
    });

    it("writes each file once, only for checks that did not pass, where the commands run", () => {
      const cwd = mkdtempSync(join(tmpdir(), "roadmapx-fix-"));
      const r = report([result("a", "warn", withFile()), result("b", "fail", withFile()), result("c", "pass", withFile())]);
      expect(writeFixFiles(r, DEFAULT_FIX_DIR, cwd)).to.deep.equal([file.path]);
      expect(readFileSync(join(cwd, file.path), "utf8")).to.equal(file.content);
      expect(r.checks[0]?.fix?.commands[0]).to.equal(`aws s3api put-bucket-policy --bucket b --policy file://${file.path}`);
    });

    it("writes nothing, not even the directory, when no failing check has a file", () => {
      const cwd = mkdtempSync(join(tmpdir(), "roadmapx-fix-"));
      expect(
        writeFixFiles(report([result("a", "pass", withFile()), result("b", "fail", { summary: "s", commands: ["aws x"] })]), DEFAULT_FIX_DIR, cwd),
      ).to.deep.equal([]);
      expect(readdirSync(cwd)).to.deep.equal([]);
    });

    it("another --fix-dir: the files go there and the commands and paths name it, quoted", () => {
      const cwd = mkdtempSync(join(tmpdir(), "roadmapx-fix-"));
      const r = report([result("a", "fail", withFile())]);
      expect(writeFixFiles(r, "my fixes/", cwd)).to.deep.equal(["my fixes/bucket-policy.b.json"]);
      expect(existsSync(join(cwd, "my fixes", "bucket-policy.b.json"))).to.equal(true);
      expect(r.checks[0]?.fix?.commands[0]).to.equal("aws s3api put-bucket-policy --bucket b --policy 'file://my fixes/bucket-policy.b.json'");
      expect(r.checks[0]?.fix?.files?.[0]?.path).to.equal("my fixes/bucket-policy.b.json");
    });

    it("two different documents under one name are a bug, not a silent overwrite", () => {
      const other = withFile();
      (other.files as { content: string }[])[0] = { ...file, content: "{}\n" };
      expect(() =>
        writeFixFiles(report([result("a", "fail", withFile()), result("b", "fail", other)]), DEFAULT_FIX_DIR, mkdtempSync(join(tmpdir(), "x-"))),
      ).to.throw(/two fixes write different documents to verify-fixes\/bucket-policy\.b\.json/);
    });
  });
});

describe("verify fixes: the documents the checks print (fake account)", () => {
  it("bucket-policy checks print one merged policy: the owner's statements kept, stale copies of ours replaced, ours added", async () => {
    const a = new Account();
    const owners: PolicyStatement = {
      Sid: "AppDenyUploadDeletes",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:DeleteObjectVersion",
      Resource: `arn:aws:s3:::${BUCKET}/user-uploads/*`,
    };
    const stale: PolicyStatement = {
      Sid: "RoadmapxAiPersonalizeList",
      Effect: "Allow",
      Principal: { Service: "personalize.amazonaws.com" },
      Action: "s3:ListBucket",
      Resource: "arn:aws:s3:::elsewhere",
    };
    // Long enough that the merged policy goes to a file.
    const readers: PolicyStatement = {
      Sid: "AppReaders",
      Effect: "Allow",
      Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/app-reader-one`, `arn:aws:iam::${ACCOUNT}:role/app-reader-two`] },
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/user-uploads/*`,
    };
    a.bucketPolicy = doc([owners, stale, readers]);
    const facts = a.facts();
    const tls = await evaluate(facts, "bucket.tls-only");
    const personalize = await evaluate(facts, "bucket.personalize-policy");
    expect([tls.verdict, personalize.verdict]).to.deep.equal(["broken", "broken"]);
    expect(tls.fix?.commands).to.deep.equal(personalize.fix?.commands);
    const line = only(tls.fix?.commands);
    expect(line).to.equal(`aws s3api put-bucket-policy --bucket ${BUCKET} --policy file://verify-fixes/bucket-policy.${BUCKET}.json`);
    const merged = documentOf(tls.fix, line, "--policy");
    expect(merged.Version).to.equal("2012-10-17");
    expect(merged.Statement).to.deep.equal([owners, readers, tlsOnlyStatement("aws", BUCKET), ...personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT)]);
    expect(tls.fix?.summary).to.match(
      /^write the whole bucket policy of roadmapx-files: its 2 statement\(s\) kept, RoadmapxAiDenyInsecureTransport added \(bucket\.tls-only\)/,
    );
    expect(personalize.fix?.pulumi).to.include("pulumi config set roadmapx-ai:appBucketPolicy merge");
    // Applied, both hold (and the pin holds too).
    a.bucketPolicy = merged;
    const after = a.facts();
    for (const id of ["bucket.tls-only", "bucket.personalize-policy", "bucket.personalize-policy.confused-deputy"]) {
      expect((await evaluate(after, id)).verdict, id).to.equal("holds");
    }
  });

  it("an unpinned Personalize statement is pinned in place (aws:SourceAccount added), the rest untouched", async () => {
    const a = new Account();
    const broad: PolicyStatement = {
      Sid: "OwnersPersonalize",
      Effect: "Allow",
      Principal: { Service: ["personalize.amazonaws.com"] },
      Action: ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
      Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/personalize/*`],
      Condition: { StringLike: { "aws:SourceArn": "arn:aws:personalize:*" } },
    };
    a.bucketPolicy = doc([tlsOnlyStatement("aws", BUCKET), broad]);
    const out = await evaluate(a.facts(), "bucket.personalize-policy.confused-deputy");
    expect(out.verdict).to.equal("broken");
    const merged = documentOf(out.fix, only(out.fix?.commands), "--policy");
    expect(merged.Statement).to.deep.equal([
      tlsOnlyStatement("aws", BUCKET),
      { ...broad, Condition: { StringLike: { "aws:SourceArn": "arn:aws:personalize:*" }, StringEquals: { "aws:SourceAccount": ACCOUNT } } },
    ]);
    a.bucketPolicy = merged;
    expect((await evaluate(a.facts(), "bucket.personalize-policy.confused-deputy")).verdict).to.equal("holds");
  });

  it("a trust policy for the wrong service: the complete document, the other principals' statement kept, the wrong service's replaced", async () => {
    const a = new Account();
    const ops: PolicyStatement = { Sid: "Ops", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" };
    (a.roles.get("personalize-role") as Role).trust = doc([...trustPolicy(SERVICES.sagemaker, TARGET).Statement, ops]);
    const out = await evaluate(a.facts(), "role.personalize.trust");
    expect(out.verdict).to.equal("broken");
    const line = only(out.fix?.commands);
    expect(wordsOf(line).slice(0, 5)).to.deep.equal(["aws", "iam", "update-assume-role-policy", "--role-name", "personalize-role"]);
    const trust = documentOf(out.fix, line, "--policy-document");
    expect(trust).to.deep.equal({ Version: "2012-10-17", Statement: [ops, ...trustPolicy(SERVICES.personalize, TARGET).Statement] });
    expect(out.fix?.summary).to.include("in place of the statements naming sagemaker.amazonaws.com, keeping its 1 statement(s) for other principals");
    (a.roles.get("personalize-role") as Role).trust = trust;
    const after = a.facts();
    expect((await evaluate(after, "role.personalize.trust")).verdict).to.equal("holds");
    expect((await evaluate(after, "role.personalize.confused-deputy")).verdict).to.equal("holds");
  });

  it("a role missing a grant gets an added inline policy (never a replaced one) with the stack's statement, complete", async () => {
    const a = new Account();
    const role = a.roles.get("personalize-role") as Role;
    role.inline = {
      access: doc(serviceRolePolicy(SERVICES.personalize, { target: TARGET, bucket: BUCKET }).Statement.filter((s) => s.Sid !== "PersonalizeListBucket")),
    };
    const out = await evaluate(a.facts(), "role.personalize.s3");
    const line = only(out.fix?.commands);
    expect(wordsOf(line).slice(0, 7)).to.deep.equal([
      "aws",
      "iam",
      "put-role-policy",
      "--role-name",
      "personalize-role",
      "--policy-name",
      "roadmapx-ai-role-personalize-s3",
    ]);
    const added = documentOf(out.fix, line, "--policy-document");
    expect(added.Version).to.equal("2012-10-17");
    expect(added.Statement.map((s) => s.Sid)).to.deep.equal(["PersonalizeListBucket"]);
    role.inline["roadmapx-ai-role-personalize-s3"] = added;
    expect((await evaluate(a.facts(), "role.personalize.s3")).verdict).to.equal("holds");
  });

  it("a Deny in the bucket policy gets no command, and the summary says why", async () => {
    const a = new Account();
    a.bucketPolicy = doc([{ Sid: "NoPuts", Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: `arn:aws:s3:::${BUCKET}/*` }]);
    const out = await evaluate(a.facts(), "role.personalize.s3");
    expect(out.verdict).to.equal("broken");
    expect(out.fix).to.deep.equal({
      summary: "remove or narrow the Deny statement named in the why lines, then run verify again: no Allow can override a Deny, so no command here fixes it",
      commands: [],
    });
  });

  it("a missing role: create-role with the stack's trust policy, then put-role-policy, both complete", async () => {
    const a = new Account();
    a.roles.delete("sagemaker-role");
    const out = await evaluate(a.facts(), "role.sagemaker.exists");
    expect(out.fix?.commands).to.have.length(2);
    const [create = "", put = ""] = out.fix?.commands ?? [];
    expect(wordsOf(create).slice(0, 5)).to.deep.equal(["aws", "iam", "create-role", "--role-name", "sagemaker-role"]);
    expect(documentOf(out.fix, create, "--assume-role-policy-document")).to.deep.equal(trustPolicy(SERVICES.sagemaker, TARGET));
    expect(wordsOf(put).slice(0, 7)).to.deep.equal([
      "aws",
      "iam",
      "put-role-policy",
      "--role-name",
      "sagemaker-role",
      "--policy-name",
      "sagemaker-role-access",
    ]);
    expect(documentOf(out.fix, put, "--policy-document")).to.deep.equal(serviceRolePolicy(SERVICES.sagemaker, { target: TARGET, bucket: BUCKET }));
  });

  it("PassRole without the stack outputs: the one statement inline, in a complete document", async () => {
    const a = new Account();
    const out = await evaluate(a.facts(), "caller.pass-role.sagemaker");
    expect(out.verdict).to.equal("broken");
    const line = only(out.fix?.commands);
    expect(wordsOf(line).slice(0, 7)).to.deep.equal([
      "aws",
      "iam",
      "put-user-policy",
      "--user-name",
      "backend",
      "--policy-name",
      "roadmapx-ai-caller-pass-role-sagemaker",
    ]);
    const policy = documentOf(out.fix, line, "--policy-document");
    expect(policy.Version).to.equal("2012-10-17");
    a.userInline["roadmapx-ai-caller-pass-role-sagemaker"] = policy;
    expect((await evaluate(a.facts(), "caller.pass-role.sagemaker")).verdict).to.equal("holds");
  });
});

describe("verify checks as declarations (requires, literal ids)", () => {
  const byId = new Map(CHECKS.map((c) => [c.id, c]));

  it("every `requires` entry names a check, and no check requires itself, directly or not", () => {
    for (const c of CHECKS) for (const r of c.requires ?? []) expect(byId.has(r), `${c.id} requires ${r}`).to.equal(true);
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (id: string, path: string[]): void => {
      if (done.has(id)) return;
      expect(visiting.has(id), `a cycle: ${[...path, id].join(" → ")}`).to.equal(false);
      visiting.add(id);
      for (const r of byId.get(id)?.requires ?? []) visit(r, [...path, id]);
      visiting.delete(id);
      done.add(id);
    };
    for (const c of CHECKS) visit(c.id, []);
  });

  it("the checks that read a prerequisite's subject declare it", () => {
    const requires = (id: string) => byId.get(id)?.requires ?? [];
    for (const id of ["bucket.public-access", "bucket.encryption", "bucket.tls-only", "bucket.versioning", "bucket.personalize-policy"]) {
      expect(requires(id), id).to.include("bucket.exists");
    }
    expect(requires("bucket.personalize-policy.confused-deputy")).to.include("bucket.personalize-policy");
    for (const svc of ["personalize", "sagemaker"]) {
      for (const id of [`role.${svc}.trust`, `role.${svc}.s3`, `role.${svc}.confused-deputy`]) expect(requires(id), id).to.include(`role.${svc}.exists`);
      expect(requires(`role.${svc}.confused-deputy`)).to.include(`role.${svc}.trust`);
      expect(requires(`kms.${svc}`)).to.include.members(["bucket.exists", `role.${svc}.exists`]);
    }
  });

  it("every check id is written out as a literal in verify/checks/, so `grep -rn '\"role.sagemaker.trust\"'` finds it", () => {
    const dir = join(__dirname, "..", "..", "verify", "checks");
    const source = readdirSync(dir)
      .filter((f) => f.endsWith(".ts"))
      .map((f) => readFileSync(join(dir, f), "utf8"))
      .join("\n");
    for (const id of CHECK_IDS) expect(source.includes(`"${id}"`), id).to.equal(true);
  });
});

describe("verify why lines: a Deny is never a near miss (simulate.ts)", () => {
  const question = {
    principal: ROLES.sagemaker,
    action: "s3:GetObject",
    resource: `arn:aws:s3:::${BUCKET}/models/x`,
    resourceAccount: ACCOUNT,
    context: { "aws:SecureTransport": "true", "aws:PrincipalArn": ROLES.sagemaker, "aws:PrincipalAccount": ACCOUNT },
  };
  const bucketPolicy = (statements: PolicyStatement[]) => ({ label: `the bucket policy of ${BUCKET}`, document: doc(statements) });

  it("the TLS-only Deny is not mentioned for a request made over TLS", async () => {
    const answer = await ask(question, { identity: [], resourcePolicy: bucketPolicy([tlsOnlyStatement("aws", BUCKET)]) });
    expect(answer.allowed).to.equal(false);
    expect(answer.why.join("\n")).to.not.include("DenyInsecureTransport");
    expect(answer.why.join("\n")).to.not.match(/near miss: .*Deny/);
  });

  it("a Deny that would apply under another condition says so, and when, never as a near miss", async () => {
    const deny: PolicyStatement = {
      Sid: "NoReadsFromOutside",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${BUCKET}/*`,
      Condition: { StringEquals: { "aws:PrincipalTag/team": "outside" } },
    };
    const answer = await ask(question, { identity: [], resourcePolicy: bucketPolicy([deny]) });
    expect(answer.why).to.include(
      `statement "NoReadsFromOutside" of the bucket policy of ${BUCKET} would deny s3:GetObject on ${question.resource} when {"StringEquals":{"aws:PrincipalTag/team":"outside"}} (it does not apply to this request)`,
    );
    expect(answer.why.join("\n")).to.not.include("near miss");
  });
});
