/**
 * LOCAL HARNESS, IAM gate: who signed a request, and which policies decide for them. The answers come
 * from IAM in the emulator, read with the administrator's credentials through the verifier's own
 * reads (verify/facts.ts: inline, attached and group policies, the permissions boundary; bucket
 * policies), fresh for every request so a policy changed mid-run counts at once.
 *
 * IAM never returns a secret key after CreateAccessKey, so the gate only accepts keys whose secrets it
 * was given (`trust`), and checks each signature with them. The administrator's key stands for the
 * account's root user, which AWS allows everything. KMS key policies are read upstream too
 * (DescribeKey resolves an id or alias to the key, GetKeyPolicy reads its policy), as the verifier does.
 */
import { GetAccessKeyLastUsedCommand, GetUserCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { resolveRuntimeConfig } from "@roadmapx-ai/core";
import { type AccountApi, AccountClients } from "../../verify/clients";
import { Facts, type NamedPolicy, type PrincipalPolicies } from "../../verify/facts";
import { policyDocumentOf } from "../../verify/parse";
import { describeProblem } from "../../verify/problems";

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface Caller {
  kind: "user" | "root";
  arn: string;
  accountId: string;
  userName?: string | undefined;
  /** IAM's unique id of the user (aws:userid). */
  userId?: string | undefined;
}

export interface KnownKey {
  caller: Caller;
  secretAccessKey: string;
}

export type { NamedPolicy, PrincipalPolicies };

/** A KMS key as the gate decides on it: its ARN and its key policy. */
export interface KmsKey {
  arn: string;
  policy?: NamedPolicy | undefined;
}

/** Where the gate learns who holds a key and what they may do. Unit tests give a fixed one. */
export interface GateDirectory {
  accountId(): Promise<string>;
  /** The holder of an access key, or undefined for a key the gate does not know (or that is gone or inactive). */
  identify(accessKeyId: string): Promise<KnownKey | undefined>;
  policiesOf(caller: Caller): Promise<PrincipalPolicies>;
  bucketPolicy(bucket: string): Promise<NamedPolicy | undefined>;
  /**
   * The KMS key a KeyId (id, ARN, alias) names in `region` (a key or alias ARN names its own), or
   * undefined when there is none. Without it, the gate cannot decide KMS requests and refuses them.
   */
  kmsKey?(keyId: string, region: string): Promise<KmsKey | undefined>;
  /** Accept requests signed with this key from now on. */
  trust(key: AccessKey): void;
  close(): void;
}

/** The directory could not read what it needs: the gate refuses rather than guess. */
export class DirectoryError extends Error {}

export interface IamDirectoryOptions {
  /** Where IAM, STS, S3 (bucket policies) and KMS (key policies; IAM's when absent) answer. */
  endpoints: { iam: string; sts: string; s3: string; kms?: string | undefined };
  adminCredentials: AccessKey;
  region: string;
  trusted?: readonly AccessKey[];
}

/** One AccountApi whose IAM, STS and S3 clients may each talk to another upstream. */
function adminClients(options: IamDirectoryOptions): AccountApi {
  const made = new Map<string, AccountClients>();
  const at = (endpoint: string) => {
    let clients = made.get(endpoint);
    if (!clients) {
      clients = new AccountClients({ region: options.region, endpoint, credentials: options.adminCredentials, maxAttempts: 2 });
      made.set(endpoint, clients);
    }
    return clients;
  };
  const { iam, sts, s3 } = options.endpoints;
  return {
    get iam() {
      return at(iam).iam;
    },
    get sts() {
      return at(sts).sts;
    },
    get s3() {
      return at(s3).s3;
    },
    get kms() {
      return at(options.endpoints.kms ?? iam).kms;
    },
    destroy: () => {
      for (const clients of made.values()) clients.destroy();
    },
  };
}

export class IamDirectory implements GateDirectory {
  private readonly clients: AccountApi;
  /** KMS is regional: one client per region a request names a key in. */
  private readonly kmsClients = new Map<string, AccountClients>();
  private readonly secrets = new Map<string, string>();
  private account: Promise<string> | undefined;

  constructor(private readonly options: IamDirectoryOptions) {
    this.clients = adminClients(options);
    for (const key of options.trusted ?? []) this.trust(key);
  }

  trust(key: AccessKey): void {
    this.secrets.set(key.accessKeyId, key.secretAccessKey);
  }

  accountId(): Promise<string> {
    this.account ??= this.clients.sts.send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new DirectoryError("STS GetCallerIdentity returned no account for the administrator's credentials");
      return r.Account;
    });
    return this.account;
  }

  /** A fresh read of the account for each question: Facts memoises for its lifetime only. */
  private facts(): Facts {
    return new Facts(this.clients, resolveRuntimeConfig({ region: this.options.region }, {}), {});
  }

  async identify(accessKeyId: string): Promise<KnownKey | undefined> {
    const accountId = await this.accountId();
    if (accessKeyId === this.options.adminCredentials.accessKeyId) {
      return { caller: { kind: "root", arn: `arn:aws:iam::${accountId}:root`, accountId }, secretAccessKey: this.options.adminCredentials.secretAccessKey };
    }
    const secretAccessKey = this.secrets.get(accessKeyId);
    if (secretAccessKey === undefined) return undefined;
    const iam = this.clients.iam;
    let userName: string | undefined;
    try {
      userName = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId }))).UserName;
    } catch (err) {
      if ((err as Error).name === "NoSuchEntity" || (err as Error).name === "NoSuchEntityException") return undefined;
      throw new DirectoryError(`IAM GetAccessKeyLastUsed failed: ${(err as Error).message}`);
    }
    if (!userName) return undefined;
    const [user, keys] = await Promise.all([
      iam.send(new GetUserCommand({ UserName: userName })),
      iam.send(new ListAccessKeysCommand({ UserName: userName })),
    ]).catch((err: Error) => {
      throw new DirectoryError(`reading IAM user ${userName} failed: ${err.message}`);
    });
    const key = keys.AccessKeyMetadata?.find((k) => k.AccessKeyId === accessKeyId);
    if (!key || key.Status !== "Active" || !user.User?.Arn) return undefined;
    return { caller: { kind: "user", arn: user.User.Arn, accountId, userName, userId: user.User.UserId }, secretAccessKey };
  }

  async policiesOf(caller: Caller): Promise<PrincipalPolicies> {
    if (caller.kind === "root" || !caller.userName) return { identity: [] };
    const read = await this.facts().userPolicies(caller.arn, caller.userName);
    if (!read.ok) throw new DirectoryError(`the policies of ${caller.arn} could not be read: ${describeProblem(read.problem)}`);
    return read.value;
  }

  async bucketPolicy(bucket: string): Promise<NamedPolicy | undefined> {
    const read = await this.facts().bucketPolicy(bucket);
    if (!read.ok) throw new DirectoryError(`the bucket policy of ${bucket} could not be read: ${describeProblem(read.problem)}`);
    return read.value ? { label: `the bucket policy of ${bucket}`, document: read.value } : undefined;
  }

  private kms(region: string): KMSClient {
    if (region === this.options.region) return this.clients.kms;
    let clients = this.kmsClients.get(region);
    if (!clients) {
      const endpoint = this.options.endpoints.kms ?? this.options.endpoints.iam;
      clients = new AccountClients({ region, endpoint, credentials: this.options.adminCredentials, maxAttempts: 2 });
      this.kmsClients.set(region, clients);
    }
    return clients.kms;
  }

  async kmsKey(keyId: string, region: string): Promise<KmsKey | undefined> {
    // A key or alias ARN names its region; an id or alias name is the request's region's.
    const kms = this.kms(keyId.startsWith("arn:") ? (keyId.split(":")[3] ?? region) : region);
    let arn: string | undefined;
    try {
      arn = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.Arn;
    } catch (err) {
      if ((err as Error).name === "NotFoundException") return undefined;
      throw new DirectoryError(`KMS DescribeKey of ${keyId} failed: ${(err as Error).message}`);
    }
    if (!arn) throw new DirectoryError(`KMS DescribeKey of ${keyId} returned no key ARN`);
    let policy: string | undefined;
    try {
      policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" }))).Policy;
    } catch (err) {
      throw new DirectoryError(`KMS GetKeyPolicy of ${arn} failed: ${(err as Error).message}`);
    }
    const document = policyDocumentOf(policy);
    return { arn, policy: document ? { label: `the key policy of ${arn}`, document } : undefined };
  }

  close(): void {
    this.clients.destroy();
    for (const clients of this.kmsClients.values()) clients.destroy();
  }
}
