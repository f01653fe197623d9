/**
 * The one AWS client factory: every S3, IAM, STS, Personalize, SageMaker and Comprehend client in the
 * project (services, verify, the local harness) is made here, with the same region, credentials,
 * endpoint, retry and timeout settings.
 */
import type { ComprehendClient } from "@aws-sdk/client-comprehend";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { PersonalizeClient } from "@aws-sdk/client-personalize";
import type { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import type { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import type { S3Client, ServiceInputTypes as S3Input, ServiceOutputTypes as S3Output } from "@aws-sdk/client-s3";
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { STSClient } from "@aws-sdk/client-sts";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, FinalizeRequestMiddleware } from "@smithy/types";

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
  /**
   * Sign each multipart part's SHA-256 even where it is not needed (default false: parts carry a
   * CRC32 and go UNSIGNED-PAYLOAD over HTTPS or loopback). For buckets whose policy denies
   * `s3:x-amz-content-sha256` = `UNSIGNED-PAYLOAD`.
   */
  signPartPayloads?: boolean | undefined;
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

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/**
 * Multipart parts are sent with `x-amz-content-sha256: UNSIGNED-PAYLOAD` instead of a SHA-256 of
 * each part in the signature, as AWS's own transfer clients do: every part already carries a CRC32
 * checksum that S3 verifies, and HTTPS protects it in transit. Hashing cost ~0.8 s of CPU per GiB.
 * Only over HTTPS or to a loopback endpoint (the local emulator): over plain HTTP to another host
 * the signature stays the body's only protection against tampering.
 */
function skipPartPayloadHash(client: S3Client): void {
  const middleware: FinalizeRequestMiddleware<S3Input, S3Output> = (next, context) => async (args) => {
    const request = args.request as { protocol?: string; hostname?: string; headers?: Record<string, string> };
    const hasChecksum = Object.keys(request.headers ?? {}).some((h) => h.toLowerCase().startsWith("x-amz-checksum-"));
    const secure = request.protocol === "https:" || LOOPBACK_HOSTS.has(request.hostname ?? "");
    if (context.commandName === "UploadPartCommand" && hasChecksum && secure && request.headers) {
      request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD";
    }
    return next(args);
  };
  client.middlewareStack.addRelativeTo(middleware, { relation: "before", toMiddleware: "httpSigningMiddleware", name: "unsignedPartPayload" });
}

/** True when S3 calls go to a custom endpoint (the emulator): it needs path-style addressing. */
function hasEndpointOverride(options: AwsClientOptions): boolean {
  return Boolean(options.endpoint ?? process.env["AWS_ENDPOINT_URL_S3"] ?? process.env["AWS_ENDPOINT_URL"]);
}

/**
 * Clients are made on first use and then shared; one credential provider serves them all. Each
 * client's package is required only then: an SDK client costs 10-20 MB, and most processes use two
 * or three of the ten.
 */
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
    return this.get("s3", () => {
      const client = new (require("@aws-sdk/client-s3") as typeof import("@aws-sdk/client-s3")).S3Client({
          ...this.common(this.options.s3Region ?? this.options.region),
          forcePathStyle: hasEndpointOverride(this.options),
          // Expect: 100-continue (sent by default for bodies of 2 MiB or more) makes the SDK open a
          // new connection for every such request, without keep-alive, and wait a round trip
          // before sending the body. A multipart upload pays that on every part; what it saves
          // (not sending a body S3 would refuse) is one part's worth of bytes.
          expectContinueHeader: false,
        });
      if (!this.options.signPartPayloads) skipPartPayloadHash(client);
      return client;
    });
  }
  get iam(): IAMClient {
    return this.get("iam", () => new (require("@aws-sdk/client-iam") as typeof import("@aws-sdk/client-iam")).IAMClient(this.common()));
  }
  get kms(): KMSClient {
    return this.get("kms", () => new (require("@aws-sdk/client-kms") as typeof import("@aws-sdk/client-kms")).KMSClient(this.common()));
  }
  get sts(): STSClient {
    return this.get("sts", () => new (require("@aws-sdk/client-sts") as typeof import("@aws-sdk/client-sts")).STSClient(this.common()));
  }
  get personalize(): PersonalizeClient {
    return this.get("personalize", () => new (require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize")).PersonalizeClient(this.common()));
  }
  get personalizeRuntime(): PersonalizeRuntimeClient {
    return this.get("personalizeRuntime", () => new (require("@aws-sdk/client-personalize-runtime") as typeof import("@aws-sdk/client-personalize-runtime")).PersonalizeRuntimeClient(this.common()));
  }
  get personalizeEvents(): PersonalizeEventsClient {
    return this.get("personalizeEvents", () => new (require("@aws-sdk/client-personalize-events") as typeof import("@aws-sdk/client-personalize-events")).PersonalizeEventsClient(this.common()));
  }
  get sagemaker(): SageMakerClient {
    return this.get("sagemaker", () => new (require("@aws-sdk/client-sagemaker") as typeof import("@aws-sdk/client-sagemaker")).SageMakerClient(this.common()));
  }
  get sagemakerRuntime(): SageMakerRuntimeClient {
    return this.get("sagemakerRuntime", () => new (require("@aws-sdk/client-sagemaker-runtime") as typeof import("@aws-sdk/client-sagemaker-runtime")).SageMakerRuntimeClient(this.common()));
  }
  get comprehend(): ComprehendClient {
    return this.get("comprehend", () => new (require("@aws-sdk/client-comprehend") as typeof import("@aws-sdk/client-comprehend")).ComprehendClient(this.common()));
  }

  /** Closes every client's sockets. */
  destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }
}
