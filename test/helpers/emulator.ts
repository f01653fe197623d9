/**
 * The emulator for integration tests: one moto server per test run, shared by every suite, reset
 * before each test of a suite that calls `useEmulator()`. Clients made here talk only to it.
 */
import { DUMMY_CREDENTIALS, Emulator } from "../../local/emulator";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { KMSClient } from "@aws-sdk/client-kms";
import type { STSClient } from "@aws-sdk/client-sts";
import { type AwsClientOptions, AwsClients } from "../../services/aws/clients";
import { AccountClients, type AccountApi } from "../../verify/clients";

/**
 * The services' clients plus the account clients (IAM, KMS, STS) that tests use to set the account
 * up: one object serves as a ServiceContext's clients and as the verifier's or harness's.
 */
export class TestClients extends AwsClients implements AccountApi {
  private readonly account = new AccountClients(this.options);
  get iam(): IAMClient {
    return this.account.iam;
  }
  get kms(): KMSClient {
    return this.account.kms;
  }
  get sts(): STSClient {
    return this.account.sts;
  }
  override destroy(): void {
    this.account.destroy();
    super.destroy();
  }
}

let shared: Promise<Emulator> | undefined;

/** Starts the shared emulator on first use. */
export function sharedEmulator(): Promise<Emulator> {
  // `npm run test:unit` runs the *.unit.test.ts files only, which must not need the emulator.
  if (process.env["ROADMAPX_UNIT_ONLY"] === "1") {
    return Promise.reject(new Error("a *.unit.test.ts file asked for the emulator: rename it to *.test.ts (integration), or drop the emulator"));
  }
  shared ??= Emulator.start({ progress: (line) => console.log(`      [emulator] ${line}`) });
  return shared;
}

export async function stopSharedEmulator(): Promise<void> {
  if (!shared) return;
  const emulator = await shared.catch(() => undefined);
  shared = undefined;
  await emulator?.stop();
}

export interface EmulatorContext {
  emulator: Emulator;
  /** Clients with dummy credentials pointed at the emulator, made fresh for each test. */
  clients: TestClients;
  /** More clients, e.g. with another identity's keys or a decorator. */
  makeClients(options?: Partial<AwsClientOptions>): TestClients;
}

/**
 * Call inside a `describe`: starts (or reuses) the emulator before the suite and resets it before
 * each test, so every test starts from an empty account.
 */
export function useEmulator(): EmulatorContext {
  const made: TestClients[] = [];
  const context = {} as EmulatorContext;
  before(async function () {
    this.timeout(120_000);
    context.emulator = await sharedEmulator();
    context.makeClients = (options = {}) => {
      const clients = new TestClients({
        region: "us-east-1",
        endpoint: context.emulator.endpoint,
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
        ...options,
      });
      made.push(clients);
      return clients;
    };
  });
  beforeEach(async () => {
    await context.emulator.reset();
    context.clients = context.makeClients();
  });
  afterEach(() => {
    for (const c of made.splice(0)) c.destroy();
  });
  return context;
}
