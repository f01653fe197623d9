/**
 * The shared half of every AWS client in the project: region, credentials, endpoint, retries and
 * time-outs, one client per service made on first use. It imports no SDK package: each package
 * that talks to AWS (services, the CLI's verifier and harness) subclasses it with getters for the
 * clients it uses, so a package's dependency closure holds only its own clients.
 */

/** Static AWS credentials, as the SDK's `AwsCredentialIdentity`. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** A credential provider, as the SDK's `AwsCredentialIdentityProvider`. */
export type AwsCredentialsProvider = (identityProperties?: Record<string, unknown>) => Promise<AwsCredentials>;

/** What this module needs of an SDK v3 client. */
export interface SdkClient {
  destroy(): void;
}

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
  credentials?: AwsCredentials | AwsCredentialsProvider | undefined;
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
  decorate?: ((client: SdkClient) => void) | undefined;
}

/** The settings every client gets; spread into an SDK client's constructor. */
export interface CommonClientConfig {
  region: string;
  credentials?: AwsCredentials | AwsCredentialsProvider;
  maxAttempts: number;
  retryMode: "standard" | "adaptive";
  endpoint?: string;
  /** The SDK's NodeHttpHandler options (the SDK builds the handler from them). */
  requestHandler: { connectionTimeout: number; socketTimeout: number };
}

export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * A provider that makes the real one on its first call and then delegates to it: the SDK's default
 * chain, shared by every client and loaded only when credentials are first needed.
 */
export function lazyCredentials(make: () => AwsCredentialsProvider): AwsCredentialsProvider {
  let provider: AwsCredentialsProvider | undefined;
  return (props) => (provider ??= make())(props);
}
export const DEFAULT_RETRY_MODE = "adaptive";

export class ClientFactory {
  private readonly made = new Map<string, SdkClient>();
  private credentials: AwsCredentials | AwsCredentialsProvider | undefined;

  constructor(readonly options: AwsClientOptions) {
    this.credentials = options.credentials;
  }

  /**
   * The credentials every client shares when none were given. Subclasses return the SDK's default
   * chain, made once, so that SSO, profile or instance-metadata lookups happen once per process
   * rather than once per client.
   */
  protected defaultCredentials(): AwsCredentialsProvider | undefined {
    return undefined;
  }

  /** The common settings, for the S3 region or another. */
  protected common(region = this.options.region): CommonClientConfig {
    this.credentials ??= this.defaultCredentials();
    return {
      region,
      ...(this.credentials ? { credentials: this.credentials } : {}),
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      retryMode: this.options.retryMode ?? DEFAULT_RETRY_MODE,
      ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
      requestHandler: {
        connectionTimeout: this.options.connectionTimeoutMs ?? 5_000,
        socketTimeout: this.options.socketTimeoutMs ?? 120_000,
      },
    };
  }

  /** The common settings for S3: the bucket's region, and path-style addressing for an emulator. */
  protected s3Common(): CommonClientConfig & { forcePathStyle: boolean } {
    return { ...this.common(this.options.s3Region ?? this.options.region), forcePathStyle: this.hasEndpointOverride() };
  }

  /** True when calls go to a custom endpoint (the emulator): S3 then needs path-style addressing. */
  hasEndpointOverride(env: NodeJS.ProcessEnv = process.env): boolean {
    return Boolean(this.options.endpoint ?? env["AWS_ENDPOINT_URL_S3"] ?? env["AWS_ENDPOINT_URL"]);
  }

  /** The client stored under `key`, made (and decorated) on first use, then shared. */
  protected shared<T extends SdkClient>(key: string, make: () => T): T {
    let client = this.made.get(key) as T | undefined;
    if (!client) {
      client = make();
      this.options.decorate?.(client);
      this.made.set(key, client);
    }
    return client;
  }

  /** Closes every client's sockets. */
  destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
  }
}
