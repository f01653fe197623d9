/**
 * The AWS clients the verifier and the local harness use: S3, IAM, KMS and STS, on the one client
 * factory of @roadmapx-ai/core. The services package has its own set (S3 tuned for uploads, the AI
 * services); neither package carries the other's clients.
 */
import { type AwsCredentialsProvider, ClientFactory, lazyCredentials } from "@roadmapx-ai/core";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import type { STSClient } from "@aws-sdk/client-sts";

/** What code that reads (or, in the harness, sets up) an account needs. */
export interface AccountApi {
  readonly s3: S3Client;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
  readonly sts: STSClient;
  destroy(): void;
}

export class AccountClients extends ClientFactory implements AccountApi {
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
