/**
 * Tests against the local stand-in for Comprehend's analysis jobs: start it beside the shared
 * emulator (S3 and IAM there, the real-time calls forwarded there), a bare ComprehendClient at it,
 * and the services' clients with Comprehend pointed at it while S3 and the account clients stay
 * on the emulator, so a ServiceContext runs the async path locally.
 *
 *   const jobs = useComprehendJobsStandIn(ctx, () => clock);   // inside a describe, after useEmulator()
 *   jobs.standIn.failNext("…");  jobs.comprehend.send(new StartSentimentDetectionJobCommand(…));
 */
import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { CreateRoleCommand, type IAMClient } from "@aws-sdk/client-iam";
import { DUMMY_CREDENTIALS, type Emulator } from "../../local/emulator";
import { type ComprehendJobsStandIn, type ComprehendJobsStandInOptions, ManualClock, startComprehendJobsStandIn } from "../../local/comprehend-jobs-stand-in";
import type { AwsClientOptions } from "../../services/aws/clients";
import { type EmulatorContext, TestClients } from "./emulator";
import { immediateRetries } from "./personalize-stand-in";

/** The trust policy of a Comprehend data-access role (service principal, confused-deputy keys). */
export function comprehendTrustPolicy(accountId = "123456789012", region = "us-east-1"): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "comprehend.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId }, ArnLike: { "aws:SourceArn": `arn:aws:comprehend:${region}:${accountId}:*` } },
      },
    ],
  });
}

/** Creates the data-access role in the emulator's IAM (the stand-in checks it exists); its ARN. */
export async function createComprehendRole(iam: IAMClient, name = "roadmapx-ai-dev-comprehend"): Promise<string> {
  const role = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: comprehendTrustPolicy() }));
  return role.Role?.Arn as string;
}

/** The stand-in beside `emulator`, on `clock` (its S3 and IAM read with the emulator's dummy keys). */
export function withComprehendJobsStandIn(
  emulator: Emulator,
  clock: ManualClock,
  options: Partial<ComprehendJobsStandInOptions> = {},
): Promise<ComprehendJobsStandIn> {
  return startComprehendJobsStandIn({
    region: "us-east-1",
    upstream: emulator.endpoint,
    s3: { endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS },
    now: clock.now,
    ...options,
  });
}

/** A bare ComprehendClient at the stand-in: one attempt per call unless told, retries without pauses. */
export function standInComprehendClient(standIn: ComprehendJobsStandIn, options: { maxAttempts?: number } = {}): ComprehendClient {
  const maxAttempts = options.maxAttempts ?? 1;
  return new ComprehendClient({
    endpoint: standIn.endpoint,
    region: standIn.region,
    credentials: DUMMY_CREDENTIALS,
    maxAttempts,
    retryStrategy: immediateRetries(maxAttempts),
  });
}

/** The services' clients: Comprehend at the stand-in, everything else where `options.endpoint` says (the emulator). */
export class ComprehendJobsClients extends TestClients {
  constructor(
    private readonly standInEndpoint: string,
    options: AwsClientOptions,
  ) {
    super(options);
  }

  override get comprehend(): ComprehendClient {
    return this.shared("comprehend", () => new ComprehendClient({ ...this.common(), endpoint: this.standInEndpoint }));
  }
}

export interface ComprehendJobsContext {
  clock: ManualClock;
  standIn: ComprehendJobsStandIn;
  /** A bare client at the stand-in (one attempt). */
  comprehend: ComprehendClient;
  /** The services' clients with Comprehend at the stand-in. */
  clients: ComprehendJobsClients;
  /** The data-access role, created in the emulator before each test. */
  roleArn: string;
}

/**
 * Call inside a `describe`, after `useEmulator()`: a fresh stand-in (on a fresh ManualClock) and the
 * data-access role before each test, stopped after it.
 */
export function useComprehendJobsStandIn(emulator: EmulatorContext, options: Partial<ComprehendJobsStandInOptions> = {}): ComprehendJobsContext {
  const context = {} as ComprehendJobsContext;
  beforeEach(async () => {
    context.clock = new ManualClock();
    context.standIn = await withComprehendJobsStandIn(emulator.emulator, context.clock, options);
    context.comprehend = standInComprehendClient(context.standIn);
    context.clients = new ComprehendJobsClients(context.standIn.endpoint, {
      region: "us-east-1",
      endpoint: emulator.emulator.endpoint,
      credentials: DUMMY_CREDENTIALS,
      maxAttempts: 1,
    });
    context.roleArn = await createComprehendRole(emulator.clients.iam);
  });
  afterEach(async () => {
    context.comprehend?.destroy();
    context.clients?.destroy();
    await context.standIn?.stop();
  });
  return context;
}
