/**
 * Everything the verifier reads, through read-only calls only (Get*, List*, Head*, Describe*).
 * Each read runs at most once (memoised promises), so checks can run in parallel and ask for the same
 * facts without repeating calls. A read never throws: it returns the value, or a ReadProblem saying
 * which permission the verifier lacked or why AWS could not answer. Turning the answers into facts
 * is parse.ts's job (pure functions); how a problem reads in a report is problems.ts's.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  GetGroupPolicyCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand,
  ListGroupPoliciesCommand,
  ListGroupsForUserCommand,
  ListRolePoliciesCommand,
  ListUserPoliciesCommand,
} from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GetKeyPolicyCommand } from "@aws-sdk/client-kms";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { type AwsError, classify, type PolicyDocument, type Read, type RuntimeConfig } from "@roadmapx-ai/core";
import type { AccountApi } from "./clients";
import {
  type BucketEncryption,
  type BucketReachability,
  bucketEncryptionOf,
  type CallerIdentity,
  parseCaller,
  parsePrincipal,
  policyDocumentOf,
  reachabilityFromHeadError,
  regionOfLocation,
} from "./parse";

// Names importers took from here before parsing and presentation moved out (parse.ts, problems.ts, core).
export { classify, type Read, type ReadProblem } from "@roadmapx-ai/core";
export { describeProblem } from "./problems";
export { type BucketEncryption, type BucketReachability, type CallerIdentity, parseCaller } from "./parse";

export interface NamedPolicy {
  /** How the report names it: "inline policy X of role Y", "managed policy ARN". */
  label: string;
  document: PolicyDocument;
}

export interface RoleFacts {
  name: string;
  arn: string;
  trust?: PolicyDocument | undefined;
  boundaryArn?: string | undefined;
}

export interface PrincipalPolicies {
  identity: NamedPolicy[];
  boundary?: NamedPolicy | undefined;
}

export class Facts {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly clients: AccountApi,
    readonly config: RuntimeConfig,
    /** The environment the configuration came from (outputs.consistent compares it with the outputs). */
    readonly env: NodeJS.ProcessEnv = process.env,
    /** `--principal`: the identity the backend runs as, when it is not the caller (checked by runVerify). */
    readonly principalArn?: string | undefined,
  ) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Runs a call; `absent` maps "does not exist" answers to a value instead of a problem. */
  private async read<T>(permission: string, resource: string, call: () => Promise<T>, absent?: (err: AwsError) => boolean): Promise<Read<T | undefined>> {
    try {
      return { ok: true, value: await call() };
    } catch (err) {
      if (absent?.(err as AwsError)) return { ok: true, value: undefined };
      return { ok: false, problem: classify(err, permission, resource) };
    }
  }

  caller(): Promise<Read<CallerIdentity>> {
    return this.once("caller", async () => {
      const r = await this.read("sts:GetCallerIdentity", "*", () => this.clients.sts.send(new GetCallerIdentityCommand({})));
      if (!r.ok) return r;
      const arn = r.value?.Arn ?? "";
      return { ok: true as const, value: parseCaller(arn, r.value?.Account ?? "") };
    });
  }

  /**
   * The identity the backend runs as: `--principal` when given, else the caller. The app.* and
   * caller.pass-role.* checks evaluate its policies.
   */
  async principal(): Promise<Read<CallerIdentity>> {
    if (this.principalArn === undefined) return this.caller();
    const parsed = parsePrincipal(this.principalArn);
    if (!parsed) {
      return { ok: false, problem: { kind: "failed", permission: "iam:GetRole", resource: this.principalArn, detail: "not an IAM role or user ARN" } };
    }
    return { ok: true, value: parsed };
  }

  bucketReachability(bucket: string): Promise<Read<BucketReachability>> {
    return this.once(`head:${bucket}`, async () => {
      try {
        await this.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
        return { ok: true as const, value: { state: "exists" as const } };
      } catch (err) {
        const reachability = reachabilityFromHeadError(err as AwsError);
        if (reachability) return { ok: true as const, value: reachability };
        return { ok: false as const, problem: classify(err, "s3:ListBucket", `arn:aws:s3:::${bucket}`) };
      }
    });
  }

  bucketRegion(bucket: string): Promise<Read<string | undefined>> {
    return this.once(`location:${bucket}`, async () => {
      const r = await this.read("s3:GetBucketLocation", `arn:aws:s3:::${bucket}`, () => this.clients.s3.send(new GetBucketLocationCommand({ Bucket: bucket })));
      if (!r.ok) return r;
      return { ok: true as const, value: regionOfLocation(r.value?.LocationConstraint as string | undefined) };
    });
  }

  bucketPublicAccess(bucket: string) {
    return this.once(`pab:${bucket}`, () =>
      this.read(
        "s3:GetBucketPublicAccessBlock",
        `arn:aws:s3:::${bucket}`,
        async () => (await this.clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration,
        (e) => e.name === "NoSuchPublicAccessBlockConfiguration",
      ),
    );
  }

  bucketEncryption(bucket: string): Promise<Read<BucketEncryption | undefined>> {
    return this.once(`sse:${bucket}`, () =>
      this.read(
        "s3:GetEncryptionConfiguration",
        `arn:aws:s3:::${bucket}`,
        async () => bucketEncryptionOf(await this.clients.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))),
        (e) => e.name === "ServerSideEncryptionConfigurationNotFoundError",
      ),
    );
  }

  bucketVersioning(bucket: string) {
    return this.once(`versioning:${bucket}`, () =>
      this.read(
        "s3:GetBucketVersioning",
        `arn:aws:s3:::${bucket}`,
        async () => (await this.clients.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status,
      ),
    );
  }

  bucketPolicy(bucket: string): Promise<Read<PolicyDocument | undefined>> {
    return this.once(`policy:${bucket}`, () =>
      this.read(
        "s3:GetBucketPolicy",
        `arn:aws:s3:::${bucket}`,
        async () => policyDocumentOf((await this.clients.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy),
        (e) => e.name === "NoSuchBucketPolicy" || e.name === "NoSuchBucket",
      ),
    );
  }

  /** The role, or undefined when it does not exist. */
  role(roleArn: string): Promise<Read<RoleFacts | undefined>> {
    const name = roleArn.split("/").pop() ?? roleArn;
    return this.once(`role:${name}`, () =>
      this.read(
        "iam:GetRole",
        roleArn,
        async () => {
          const r = (await this.clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role;
          return {
            name,
            arn: r?.Arn ?? roleArn,
            trust: policyDocumentOf(r?.AssumeRolePolicyDocument),
            boundaryArn: r?.PermissionsBoundary?.PermissionsBoundaryArn,
          };
        },
        (e) => e.name === "NoSuchEntity" || e.name === "NoSuchEntityException",
      ),
    );
  }

  /** A managed policy's default version (shared: the same policy may be attached to several identities). */
  managedPolicy(policyArn: string): Promise<Read<NamedPolicy>> {
    return this.once(`managed:${policyArn}`, async () => {
      const meta = await this.read("iam:GetPolicy", policyArn, () => this.clients.iam.send(new GetPolicyCommand({ PolicyArn: policyArn })));
      if (!meta.ok) return meta;
      const versionId = meta.value?.Policy?.DefaultVersionId;
      const version = await this.read("iam:GetPolicyVersion", policyArn, () =>
        this.clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: policyArn, VersionId: versionId })),
      );
      if (!version.ok) return version;
      const document = policyDocumentOf(version.value?.PolicyVersion?.Document) ?? { Version: "2012-10-17", Statement: [] };
      return { ok: true as const, value: { label: `managed policy ${policyArn}`, document } };
    });
  }

  private async managedPolicies(arns: string[]): Promise<Read<NamedPolicy[]>> {
    const reads = await Promise.all(arns.map((a) => this.managedPolicy(a)));
    const failed = reads.find((r) => !r.ok);
    if (failed && !failed.ok) return failed;
    return { ok: true, value: reads.flatMap((r) => (r.ok ? [r.value] : [])) };
  }

  /** Inline and attached policies of a role, and its permissions boundary. */
  rolePolicies(role: RoleFacts): Promise<Read<PrincipalPolicies>> {
    return this.once(`rolePolicies:${role.name}`, async () => {
      const RoleName = role.name;
      const [names, attached] = await Promise.all([
        this.read("iam:ListRolePolicies", role.arn, () => this.clients.iam.send(new ListRolePoliciesCommand({ RoleName }))),
        this.read("iam:ListAttachedRolePolicies", role.arn, () => this.clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))),
      ]);
      if (!names.ok) return names;
      if (!attached.ok) return attached;
      const inline = await Promise.all(
        (names.value?.PolicyNames ?? []).map((PolicyName) =>
          this.read("iam:GetRolePolicy", role.arn, () => this.clients.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))),
        ),
      );
      const inlineFailed = inline.find((r) => !r.ok);
      if (inlineFailed && !inlineFailed.ok) return inlineFailed;
      const managed = await this.managedPolicies((attached.value?.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])));
      if (!managed.ok) return managed;
      const boundary = role.boundaryArn ? await this.managedPolicy(role.boundaryArn) : undefined;
      if (boundary && !boundary.ok) return boundary;
      return {
        ok: true as const,
        value: {
          identity: [
            ...inline.flatMap((r) =>
              r.ok && r.value
                ? [
                    {
                      label: `inline policy ${r.value.PolicyName} of role ${RoleName}`,
                      document: policyDocumentOf(r.value.PolicyDocument) ?? { Version: "2012-10-17" as const, Statement: [] },
                    },
                  ]
                : [],
            ),
            ...managed.value,
          ],
          boundary: boundary?.ok ? { ...boundary.value, label: `permissions boundary ${role.boundaryArn}` } : undefined,
        },
      };
    });
  }

  /** The policies that apply to a user: inline, attached, its groups', and its boundary. */
  userPolicies(userArn: string, UserName: string): Promise<Read<PrincipalPolicies>> {
    return this.once(`userPolicies:${UserName}`, async () => {
      const iam = this.clients.iam;
      const [user, names, attached, groups] = await Promise.all([
        this.read("iam:GetUser", userArn, () => iam.send(new GetUserCommand({ UserName }))),
        this.read("iam:ListUserPolicies", userArn, () => iam.send(new ListUserPoliciesCommand({ UserName }))),
        this.read("iam:ListAttachedUserPolicies", userArn, () => iam.send(new ListAttachedUserPoliciesCommand({ UserName }))),
        this.read("iam:ListGroupsForUser", userArn, () => iam.send(new ListGroupsForUserCommand({ UserName }))),
      ]);
      if (!user.ok) return user;
      if (!names.ok) return names;
      if (!attached.ok) return attached;
      if (!groups.ok) return groups;
      const identity: NamedPolicy[] = [];
      for (const PolicyName of names.value?.PolicyNames ?? []) {
        const doc = await this.read("iam:GetUserPolicy", userArn, () => iam.send(new GetUserPolicyCommand({ UserName, PolicyName })));
        if (!doc.ok) return doc;
        const document = policyDocumentOf(doc.value?.PolicyDocument);
        if (document) identity.push({ label: `inline policy ${PolicyName} of user ${UserName}`, document });
      }
      const attachedArns = (attached.value?.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
      for (const group of groups.value?.Groups ?? []) {
        const GroupName = group.GroupName ?? "";
        const groupArn = group.Arn ?? GroupName;
        const [groupNames, groupAttached] = await Promise.all([
          this.read("iam:ListGroupPolicies", groupArn, () => iam.send(new ListGroupPoliciesCommand({ GroupName }))),
          this.read("iam:ListAttachedGroupPolicies", groupArn, () => iam.send(new ListAttachedGroupPoliciesCommand({ GroupName }))),
        ]);
        if (!groupNames.ok) return groupNames;
        if (!groupAttached.ok) return groupAttached;
        for (const PolicyName of groupNames.value?.PolicyNames ?? []) {
          const doc = await this.read("iam:GetGroupPolicy", groupArn, () => iam.send(new GetGroupPolicyCommand({ GroupName, PolicyName })));
          if (!doc.ok) return doc;
          const document = policyDocumentOf(doc.value?.PolicyDocument);
          if (document) identity.push({ label: `inline policy ${PolicyName} of group ${GroupName}`, document });
        }
        attachedArns.push(...(groupAttached.value?.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])));
      }
      const managed = await this.managedPolicies([...new Set(attachedArns)]);
      if (!managed.ok) return managed;
      identity.push(...managed.value);
      const boundaryArn = user.value?.User?.PermissionsBoundary?.PermissionsBoundaryArn;
      const boundary = boundaryArn ? await this.managedPolicy(boundaryArn) : undefined;
      if (boundary && !boundary.ok) return boundary;
      return {
        ok: true as const,
        value: { identity, boundary: boundary?.ok ? { ...boundary.value, label: `permissions boundary ${boundaryArn}` } : undefined },
      };
    });
  }

  /** The policies that decide what the caller may do (for PassRole), or undefined for root. */
  async callerPolicies(caller: CallerIdentity): Promise<Read<PrincipalPolicies | undefined>> {
    if (caller.kind === "root") return { ok: true, value: undefined };
    if (caller.kind === "user" && caller.name) return this.userPolicies(caller.arn, caller.name);
    if (caller.kind === "assumed-role") {
      const role = await this.role(caller.principalArn);
      if (!role.ok) return role;
      if (!role.value) {
        return { ok: false, problem: { kind: "failed", permission: "iam:GetRole", resource: caller.principalArn, detail: "the caller's role does not exist" } };
      }
      return this.rolePolicies(role.value);
    }
    return {
      ok: false,
      problem: {
        kind: "failed",
        permission: "iam:GetUser",
        resource: caller.arn,
        detail: "the caller is not an IAM user or role session, so its policies cannot be read",
      },
    };
  }

  /** The key's ARN (resolving an id or alias) and its key policy. */
  key(keyId: string): Promise<Read<{ arn: string; policy?: PolicyDocument | undefined; managedByAws: boolean }>> {
    return this.once(`kms:${keyId}`, async () => {
      const described = await this.read("kms:DescribeKey", keyId, () => this.clients.kms.send(new DescribeKeyCommand({ KeyId: keyId })));
      if (!described.ok) return described;
      const arn = described.value?.KeyMetadata?.Arn ?? keyId;
      const policy = await this.read("kms:GetKeyPolicy", arn, () => this.clients.kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" })));
      if (!policy.ok) return policy;
      return {
        ok: true as const,
        value: { arn, policy: policyDocumentOf(policy.value?.Policy), managedByAws: described.value?.KeyMetadata?.KeyManager === "AWS" },
      };
    });
  }
}
