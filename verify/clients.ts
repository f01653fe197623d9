/**
 * The AWS clients the verifier and the local harness use: S3, IAM, KMS and STS, on the one client
 * factory of @roadmapx-ai/core. The services package has its own set (S3 tuned for uploads, the AI
 * services); neither package carries the other's clients.
 */
import { type AwsClientOptions, type AwsCredentialsProvider, ClientFactory, lazyCredentials, type SdkClient } from "@roadmapx-ai/core";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";

/**
 * Every command the verifier sends, and nothing else: with `readOnly`, a client refuses any other
 * command before it is signed or sent, so a bug cannot make the verifier write, whichever read path
 * it is on. Add a read here when the verifier needs a new one (a test sends each write through
 * every client and expects the refusal).
 */
export const VERIFY_READS: ReadonlySet<string> = new Set([
  "GetCallerIdentityCommand",
  "HeadBucketCommand",
  "GetBucketLocationCommand",
  "GetPublicAccessBlockCommand",
  "GetBucketEncryptionCommand",
  "GetBucketVersioningCommand",
  "GetBucketPolicyCommand",
  "GetRoleCommand",
  "GetRolePolicyCommand",
  "ListRolePoliciesCommand",
  "ListAttachedRolePoliciesCommand",
  "GetUserCommand",
  "GetUserPolicyCommand",
  "ListUserPoliciesCommand",
  "ListAttachedUserPoliciesCommand",
  "ListGroupsForUserCommand",
  "GetGroupPolicyCommand",
  "ListGroupPoliciesCommand",
  "ListAttachedGroupPoliciesCommand",
  "GetPolicyCommand",
  "GetPolicyVersionCommand",
  "DescribeKeyCommand",
  "GetKeyPolicyCommand",
  "SimulatePrincipalPolicyCommand",
]);

/** A command the read-only verifier refused to send. */
export class NotAReadError extends Error {
  constructor(readonly command: string) {
    super(`the verifier only reads: ${command} is not one of its reads and was not sent`);
    this.name = "NotAReadError";
  }
}

function refuseWrites(client: SdkClient): void {
  const stack = (client as unknown as { middlewareStack: { add(mw: unknown, options: { step: string; name: string; priority: string }): void } })
    .middlewareStack;
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => {
      const command = context.commandName ?? "UnknownCommand";
      if (!VERIFY_READS.has(command)) return Promise.reject(new NotAReadError(command));
      return next(args);
    },
    { step: "initialize", name: "roadmapxVerifyReadOnly", priority: "high" },
  );
}

/** What code that reads (or, in the harness, sets up) an account needs. */
export interface AccountApi {
  readonly s3: S3Client;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
  readonly sts: STSClient;
  destroy(): void;
}

export class AccountClients extends ClientFactory implements AccountApi {
  /**
   * `readOnly`: every client refuses commands outside VERIFY_READS (the verifier's clients). The
   * harness, which sets accounts up, makes them without it.
   */
  constructor(options: AwsClientOptions & { readOnly?: boolean }) {
    const { readOnly, ...rest } = options;
    super(
      readOnly
        ? {
            ...rest,
            decorate: (client) => {
              refuseWrites(client);
              rest.decorate?.(client);
            },
          }
        : rest,
    );
  }

  protected override defaultCredentials(): AwsCredentialsProvider {
    // One memoised default chain for every client; its package is loaded on the first call only.
    return lazyCredentials(() => (require("@aws-sdk/credential-provider-node") as typeof import("@aws-sdk/credential-provider-node")).defaultProvider());
  }

  get s3(): S3Client {
    return this.shared("s3", () => new (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client(this.s3Common()));
  }
  get iam(): IAMClient {
    return this.shared("iam", () => new (require("@aws-sdk/client-iam") as typeof import("@aws-sdk/client-iam")).IAMClient(this.common()));
  }
  get kms(): KMSClient {
    return this.shared("kms", () => new (require("@aws-sdk/client-kms") as typeof import("@aws-sdk/client-kms")).KMSClient(this.common()));
  }
  get sts(): STSClient {
    return this.shared("sts", () => new (require("@aws-sdk/client-sts") as typeof import("@aws-sdk/client-sts")).STSClient(this.common()));
  }
}
