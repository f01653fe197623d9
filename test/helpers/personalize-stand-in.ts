/**
 * Clients for tests against the local Personalize stand-in: bare SDK clients for protocol tests,
 * and the services' clients with Personalize pointed at the stand-in while S3 (and the account
 * clients) stay on the emulator, so a ServiceContext can run the whole workflow locally.
 */
import { PersonalizeClient } from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import { PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import type { PersonalizeStandIn } from "../../local/personalize-stand-in";
import type { AwsClientOptions } from "../../services/aws/clients";
import type { RetryStrategyV2, RetryToken } from "@smithy/types";
import { TestClients } from "./emulator";

export interface StandInSdkClients {
  personalize: PersonalizeClient;
  runtime: PersonalizeRuntimeClient;
  events: PersonalizeEventsClient;
  destroy(): void;
}

/**
 * The SDK's retries without its back-off pauses: a test counts attempts, it need not wait for them.
 * Retries what the SDK classifies as throttling or transient, like the standard strategy.
 */
export function immediateRetries(maxAttempts: number): RetryStrategyV2 {
  const token = (retries: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => 0 });
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(0)),
    refreshRetryTokenForRetry: (previous, info) => {
      const retries = previous.getRetryCount() + 1;
      if (retries >= maxAttempts || info.errorType === "CLIENT_ERROR") return Promise.reject(new Error("no attempts left"));
      return Promise.resolve(token(retries));
    },
    recordSuccess: () => undefined,
  };
}

/** The three Personalize SDK clients, unchanged but for the endpoint and retries; one attempt per call unless told. */
export function standInSdkClients(standIn: PersonalizeStandIn, options: { maxAttempts?: number } = {}): StandInSdkClients {
  const maxAttempts = options.maxAttempts ?? 1;
  const config = {
    endpoint: standIn.endpoint,
    region: standIn.region,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts,
    retryStrategy: immediateRetries(maxAttempts),
  };
  const personalize = new PersonalizeClient(config);
  const runtime = new PersonalizeRuntimeClient(config);
  const events = new PersonalizeEventsClient(config);
  return {
    personalize,
    runtime,
    events,
    destroy: () => {
      personalize.destroy();
      runtime.destroy();
      events.destroy();
    },
  };
}

/** The services' clients: Personalize ×3 at the stand-in, everything else where `options.endpoint` says (the emulator). */
export class StandInClients extends TestClients {
  constructor(
    private readonly standInEndpoint: string,
    options: AwsClientOptions,
  ) {
    super(options);
  }

  override get personalize(): PersonalizeClient {
    return this.shared("personalize", () => new PersonalizeClient({ ...this.common(), endpoint: this.standInEndpoint }));
  }
  override get personalizeRuntime(): PersonalizeRuntimeClient {
    return this.shared("personalizeRuntime", () => new PersonalizeRuntimeClient({ ...this.common(), endpoint: this.standInEndpoint }));
  }
  override get personalizeEvents(): PersonalizeEventsClient {
    return this.shared("personalizeEvents", () => new PersonalizeEventsClient({ ...this.common(), endpoint: this.standInEndpoint }));
  }
}

/** What a failed call was, for assertions: the SDK error's name, message and HTTP status. */
export async function failureOf(call: Promise<unknown>): Promise<{ name: string; message: string; status: number | undefined }> {
  try {
    await call;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("the call succeeded, but it was expected to fail");
}
