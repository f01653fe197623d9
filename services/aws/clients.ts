/**
 * The one AWS client factory: every S3, IAM, STS, Personalize, SageMaker and Comprehend client in the
 * project (services, verify, the local harness) is made here, with the same region, credentials,
 * endpoint, retry and timeout settings.
 */
import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { PersonalizeClient } from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { S3Client } from "@aws-sdk/client-s3";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { STSClient } from "@aws-sdk/client-sts";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

export interface AwsClientOptions {
  region: string;
  /** Region of the S3 bucket when it differs (S3_REGION). */
  s3Region?: string | undefined;
  /**
   * One endpoint for every service (the local emulator). When absent the SDK reads its standard
   * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> variables itself.
   */
  endpoint?: string | undefined;
  /** Static credentials or a provider; the SDK's default chain (env, profile/SSO, role) when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Attempts per call, first included (default 5). */
  maxAttempts?: number | undefined;
  /** "adaptive" (default) adds client-side rate limiting on throttles to the standard retries. */
  retryMode?: "standard" | "adaptive" | undefined;
  /** Milliseconds to establish a connection (default 5000). */
  connectionTimeoutMs?: number | undefined;
  /** Milliseconds a socket may sit idle mid-request before the attempt fails (default 120000). */
  socketTimeoutMs?: number | undefined;
  /** Called with every client as it is made: fault injection and command recording in tests. */
  decorate?: ((client: AnyClient) => void) | undefined;
}

export type AnyClient =
  | S3Client
  | IAMClient
  | KMSClient
  | STSClient
  | PersonalizeClient
  | PersonalizeRuntimeClient
  | PersonalizeEventsClient
  | SageMakerClient
  | SageMakerRuntimeClient
  | ComprehendClient;

/** True when S3 calls go to a custom endpoint (the emulator): it needs path-style addressing. */
function hasEndpointOverride(options: AwsClientOptions): boolean {
  return Boolean(options.endpoint ?? process.env["AWS_ENDPOINT_URL_S3"] ?? process.env["AWS_ENDPOINT_URL"]);
}

/** Clients are made on first use and then shared; one credential provider serves them all. */
export class AwsClients {
  private readonly made = new Map<string, AnyClient>();
  private readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;

  constructor(readonly options: AwsClientOptions) {
    // One memoised default chain, so that SSO, profile or instance-metadata lookups happen once.
    this.credentials = options.credentials ?? defaultProvider();
  }

  private common(region = this.options.region) {
    return {
      region,
      credentials: this.credentials,
      maxAttempts: this.options.maxAttempts ?? 5,
      retryMode: this.options.retryMode ?? "adaptive",
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      requestHandler: new NodeHttpHandler({
        connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
        socketTimeout: this.options.socketTimeoutMs ?? 120_000,
      }),
    };
  }

  private get<T extends AnyClient>(key: string, make: () => T): T {
    let client = this.made.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.options.decorate?.(client);
      this.made.set(key, client);
    }
    return client;
  }

  get s3(): S3Client {
    return this.get(
      "s3",
      () =>
        new S3Client({
          ...this.common(this.options.s3Region ?? this.options.region),
          forcePathStyle: hasEndpointOverride(this.options),
        }),
    );
  }
  get iam(): IAMClient {
    return this.get("iam", () => new IAMClient(this.common()));
  }
  get kms(): KMSClient {
    return this.get("kms", () => new KMSClient(this.common()));
  }
  get sts(): STSClient {
    return this.get("sts", () => new STSClient(this.common()));
  }
  get personalize(): PersonalizeClient {
    return this.get("personalize", () => new PersonalizeClient(this.common()));
  }
  get personalizeRuntime(): PersonalizeRuntimeClient {
    return this.get("personalizeRuntime", () => new PersonalizeRuntimeClient(this.common()));
  }
  get personalizeEvents(): PersonalizeEventsClient {
    return this.get("personalizeEvents", () => new PersonalizeEventsClient(this.common()));
  }
  get sagemaker(): SageMakerClient {
    return this.get("sagemaker", () => new SageMakerClient(this.common()));
  }
  get sagemakerRuntime(): SageMakerRuntimeClient {
    return this.get("sagemakerRuntime", () => new SageMakerRuntimeClient(this.common()));
  }
  get comprehend(): ComprehendClient {
    return this.get("comprehend", () => new ComprehendClient(this.common()));
  }

  /** Closes every client's sockets. */
  destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }
}
