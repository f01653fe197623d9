/**
 * The verifier's read-only promise, enforced in code: its clients refuse every command that is not
 * one of its reads, before anything is signed or sent. The endpoint is a closed port, so a command
 * that got through would fail with ECONNREFUSED instead of NotAReadError.
 */
import { PutUserPolicyCommand, AttachRolePolicyCommand, CreateRoleCommand, DeleteRoleCommand, PutRolePolicyCommand, GetRoleCommand } from "@aws-sdk/client-iam";
import { CreateGrantCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import { DeleteBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { expect } from "chai";
import { AccountClients, NotAReadError, VERIFY_READS } from "../../verify/clients";

const options = { region: "us-east-1", endpoint: "http://127.0.0.1:9", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" }, maxAttempts: 1 };

async function outcome(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
    return "sent";
  } catch (err) {
    return err;
  }
}

describe("the verifier's clients only read (enforced, not only recorded)", () => {
  it("every client refuses writes before sending them: S3, IAM, KMS and STS", async () => {
    const clients = new AccountClients({ ...options, readOnly: true });
    const writes: [string, () => Promise<unknown>][] = [
      ["PutBucketPolicy", () => clients.s3.send(new PutBucketPolicyCommand({ Bucket: "b", Policy: "{}" }))],
      ["DeleteBucketPolicy", () => clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: "b" }))],
      ["PutObject", () => clients.s3.send(new PutObjectCommand({ Bucket: "b", Key: "k", Body: "x" }))],
      ["PutRolePolicy", () => clients.iam.send(new PutRolePolicyCommand({ RoleName: "r", PolicyName: "p", PolicyDocument: "{}" }))],
      ["AttachRolePolicy", () => clients.iam.send(new AttachRolePolicyCommand({ RoleName: "r", PolicyArn: "arn:aws:iam::1:policy/p" }))],
      ["CreateRole", () => clients.iam.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: "{}" }))],
      ["DeleteRole", () => clients.iam.send(new DeleteRoleCommand({ RoleName: "r" }))],
      ["PutUserPolicy", () => clients.iam.send(new PutUserPolicyCommand({ UserName: "u", PolicyName: "p", PolicyDocument: "{}" }))],
      ["PutKeyPolicy", () => clients.kms.send(new PutKeyPolicyCommand({ KeyId: "k", Policy: "{}" }))],
      ["CreateGrant", () => clients.kms.send(new CreateGrantCommand({ KeyId: "k", GranteePrincipal: "p", Operations: ["Decrypt"] }))],
      ["AssumeRole", () => clients.sts.send(new AssumeRoleCommand({ RoleArn: "arn:aws:iam::1:role/r", RoleSessionName: "s" }))],
    ];
    for (const [name, send] of writes) {
      const result = await outcome(send);
      expect(result, name).to.be.instanceOf(NotAReadError);
      expect((result as Error).message).to.equal(`the verifier only reads: ${name}Command is not one of its reads and was not sent`);
    }
    clients.destroy();
  });

  it("its reads still go out (here: to a closed port, so they fail on the network, not on the guard)", async () => {
    const clients = new AccountClients({ ...options, readOnly: true });
    const result = await outcome(() => clients.iam.send(new GetRoleCommand({ RoleName: "r" })));
    expect(result).not.to.be.instanceOf(NotAReadError);
    expect(String((result as { code?: string }).code ?? (result as Error).message)).to.match(/ECONNREFUSED/);
    clients.destroy();
  });

  it("lets every read the verifier makes through, on the client that makes it", async () => {
    const clients = new AccountClients({ ...options, readOnly: true });
    const reads: Record<"s3" | "iam" | "kms" | "sts", string[]> = {
      sts: ["GetCallerIdentity"],
      s3: ["HeadBucket", "GetBucketLocation", "GetPublicAccessBlock", "GetBucketEncryption", "GetBucketVersioning", "GetBucketPolicy"],
      iam: [
        "GetRole",
        "GetRolePolicy",
        "ListRolePolicies",
        "ListAttachedRolePolicies",
        "GetUser",
        "GetUserPolicy",
        "ListUserPolicies",
        "ListAttachedUserPolicies",
        "ListGroupsForUser",
        "GetGroupPolicy",
        "ListGroupPolicies",
        "ListAttachedGroupPolicies",
        "GetPolicy",
        "GetPolicyVersion",
        "SimulatePrincipalPolicy",
      ],
      kms: ["DescribeKey", "GetKeyPolicy"],
    };
    const sdk = {
      s3: require("@aws-sdk/client-s3") as Record<string, new (input: object) => never>,
      iam: require("@aws-sdk/client-iam") as Record<string, new (input: object) => never>,
      kms: require("@aws-sdk/client-kms") as Record<string, new (input: object) => never>,
      sts: require("@aws-sdk/client-sts") as Record<string, new (input: object) => never>,
    };
    for (const service of ["s3", "iam", "kms", "sts"] as const) {
      for (const read of reads[service]) {
        const Command = sdk[service][`${read}Command`];
        if (!Command) throw new Error(`no ${read}Command in the ${service} SDK`);
        const client = clients[service] as unknown as { send(command: never): Promise<unknown> };
        const result = await outcome(() => client.send(new Command({ Bucket: "b", RoleName: "r", KeyId: "k", PolicyArn: "arn:aws:iam::1:policy/p" })));
        expect(result, read).not.to.be.instanceOf(NotAReadError);
      }
    }
    expect(VERIFY_READS.size).to.equal(Object.values(reads).flat().length);
    clients.destroy();
  });

  it("the allow-list holds reads only, and the harness's clients (which set accounts up) are not guarded", async () => {
    for (const command of VERIFY_READS) expect(command, command).to.match(/^(Get|List|Head|Describe|Simulate)[A-Za-z]+Command$/);
    const harness = new AccountClients(options);
    const result = await outcome(() => harness.iam.send(new CreateRoleCommand({ RoleName: "r", AssumeRolePolicyDocument: "{}" })));
    expect(result).not.to.be.instanceOf(NotAReadError);
    harness.destroy();
  });
});
