/**
 * `roadmapx-ai local` (what `npm start` runs): the whole chain against the local emulator.
 * Start moto, seed the application's existing bucket, apply the stack the Pulumi program declares,
 * give a local "backend" identity the application policy, start the Personalize stand-in and the IAM
 * gate in front of both, then run the steps that exercise it (verify against moto, the services demo
 * as the backend through the gate), print a summary and stop everything, or leave moto up with `--keep`.
 *
 * LOCAL HARNESS: nothing here talks to AWS. `pulumi up` deploys for real.
 */
import { PACKAGE_ROOT } from "./package-root";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { EXIT, type ExitCode } from "../cli/exit-codes";
import { AwsClients } from "@roadmapx-ai/services";
import { AccountClients } from "../verify/clients";
import { LOCAL_BACKEND_USER, setUpLocalAccount } from "./account";
import { type AppliedStack, stackOutputsJson } from "./apply";
import { DUMMY_CREDENTIALS, Emulator, EmulatorError } from "./emulator";
import { type IamGate, startIamGate } from "./iam-gate";
import { type PersonalizeStandIn, startPersonalizeStandIn } from "./personalize-stand-in";
import { type ComprehendJobsStandIn, startComprehendJobsStandIn } from "./comprehend-jobs-stand-in";
import { type SageMakerTransformStandIn, startSageMakerTransformStandIn } from "./sagemaker-transform-stand-in";
import { describeApplied } from "./read-back";

export const PROJECT_ROOT = PACKAGE_ROOT;
export const LOCAL_DIR = join(PROJECT_ROOT, ".local");

export interface LocalOptions {
  port?: number | undefined;
  keep?: boolean;
  stack?: string;
  /** Overrides of the stack's config file (`roadmapx-ai:createArtifactsBucket`, ...). */
  configOverrides?: Record<string, string>;
  /** Where progress and results go. */
  out?: (line: string) => void;
  /** Directory for the outputs file (default .local/ in the project). */
  stateDir?: string;
  /** What runs once the stack is applied (verify, the services demo); see local/steps.ts. */
  steps?: LocalStep[];
}

/**
 * How long each Personalize resource stays in each status in the local run: on the wall clock, short
 * enough that the whole lifecycle takes a few seconds, long enough that every wait sees CREATE PENDING
 * and CREATE IN_PROGRESS before ACTIVE (the demo polls every 100-250 ms).
 */
export const LOCAL_PERSONALIZE_DURATIONS = { pendingMs: 300, inProgressMs: 500, deletePendingMs: 100, deleteInProgressMs: 100 } as const;

/** The same for the batch engines' stand-ins: each job shows its queued and running statuses in about a second. */
export const LOCAL_COMPREHEND_JOB_DURATIONS = { submittedMs: 300, inProgressMs: 700, stopMs: 200 } as const;
export const LOCAL_TRANSFORM_DURATIONS = { startingMs: 300, runningMs: 700, stoppingMs: 200 } as const;

/** What later steps (verify, the services demo) get to work with. */
export interface LocalContext {
  emulator: Emulator;
  /** The emulator's administrator (moto's dummy key), talking to moto directly: for checks behind the backend's back. */
  admin: AccountClients;
  applied: AppliedStack;
  outputsFile: string;
  /**
   * Clients signed as the local backend identity, through the IAM gate: every call is authorised as
   * AWS would authorise it for a principal holding only the application policy.
   */
  backendClients: AwsClients;
  /** That identity's access key (it exists only in the emulator). */
  backendCredentials: { accessKeyId: string; secretAccessKey: string };
  /** The backend's ARN, as the gate records it. */
  backendArn: string;
  /**
   * Environment that points the SDK (and this CLI) at the emulator directly, as the backend: what the
   * verifier runs with (its own permissions are a later issue) and what `--keep` prints.
   */
  environment: Record<string, string>;
  /** The same, but through the IAM gate: what the services demo resolves its configuration from. */
  backendEnvironment: Record<string, string>;
  /** The IAM gate in front of moto and the Personalize stand-in (local/iam-gate); its `decisions` record every call. */
  gate: IamGate;
  /** Amazon Personalize's local stand-in (local/personalize-stand-in), reached through the gate. */
  personalizeStandIn: PersonalizeStandIn;
  /** Comprehend's analysis jobs (local/comprehend-jobs-stand-in; the rest of Comprehend goes on to moto), through the gate. */
  comprehendJobsStandIn: ComprehendJobsStandIn;
  /** SageMaker's batch transform (local/sagemaker-transform-stand-in; the rest of SageMaker goes on to moto), through the gate. */
  transformStandIn: SageMakerTransformStandIn;
  /** A progress line, with the elapsed time. */
  log: (line: string) => void;
  /** A line as it is (tables, reports). */
  print: (line: string) => void;
}

/** A step of the local run after the stack is applied; it returns the exit code it earned. */
export interface LocalStep {
  title: string;
  run(context: LocalContext): Promise<ExitCode>;
}

/** Reads Pulumi.<stack>.yaml into the flat map Pulumi's runtime uses (`key` → string). */
export function readStackConfig(stack: string, root = PROJECT_ROOT): Record<string, string> {
  const file = join(root, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new EmulatorError(`no stack config ${file}: create it, or pick another with --stack`);
  }
  const doc = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (value !== null && typeof value === "object") {
      throw new EmulatorError(`${file}: ${key} is a secret or structured value, which the local run cannot read`);
    }
    config[key] = String(value);
  }
  return config;
}

export async function runLocal(options: LocalOptions = {}): Promise<ExitCode> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const started = Date.now();
  const log = (line: string) => out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const stack = options.stack ?? "dev";

  let config: Record<string, string>;
  try {
    config = { ...readStackConfig(stack), ...options.configOverrides };
  } catch (err) {
    out(`roadmapx-ai local: ${(err as Error).message}`);
    return EXIT.usage;
  }

  out("roadmapx-ai local: the whole chain against a local AWS emulator (moto). Nothing here touches AWS;");
  out("`pulumi up` deploys for real. This is a local harness, not a deployment engine.");
  let emulator: Emulator;
  try {
    emulator = await Emulator.start({ port: options.port, keep: options.keep === true, progress: log });
  } catch (err) {
    out(`roadmapx-ai local: ${(err as Error).message}`);
    return EXIT.usage;
  }
  log(`emulator up: moto ${emulator.motoVersion} at ${emulator.endpoint} (pid ${emulator.pid})`);

  const admin = new AccountClients({ region: config["aws:region"] ?? "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
  let backendClients: AwsClients | undefined;
  let standIn: PersonalizeStandIn | undefined;
  let jobsStandIn: ComprehendJobsStandIn | undefined;
  let transformStandIn: SageMakerTransformStandIn | undefined;
  let gate: IamGate | undefined;
  let code: ExitCode = EXIT.ok;
  try {
    log(`applying stack "${stack}" (Pulumi.${stack}.yaml${describeOverrides(options.configOverrides)}) to the emulator`);
    const { applied, backendCredentials } = await setUpLocalAccount({ clients: admin, config, stack, log });

    const stateDir = options.stateDir ?? LOCAL_DIR;
    mkdirSync(stateDir, { recursive: true });
    const outputsFile = join(stateDir, "stack-outputs.json");
    writeFileSync(outputsFile, stackOutputsJson(applied.outputs));
    log(`wrote the stack outputs to ${outputsFile}`);

    log("read back from the emulator:");
    for (const line of await describeApplied(admin, applied)) out(`        ${line}`);

    const region = applied.outputs.region;
    // Personalize beyond schemas is not in moto: the stand-in answers it, importing from moto's S3.
    standIn = await startPersonalizeStandIn({
      region,
      durations: LOCAL_PERSONALIZE_DURATIONS,
      s3: { endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS },
    });
    // moto keeps Comprehend jobs SUBMITTED and completes transform jobs at once, writing nothing: these
    // stand-ins answer the job calls (reading and writing moto's S3 as AWS would) and pass the rest to moto.
    const batchEngine = { region, upstream: emulator.endpoint, s3: { endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS } };
    jobsStandIn = await startComprehendJobsStandIn({ ...batchEngine, durations: LOCAL_COMPREHEND_JOB_DURATIONS });
    transformStandIn = await startSageMakerTransformStandIn({ ...batchEngine, durations: LOCAL_TRANSFORM_DURATIONS });
    // The backend's every call goes through the gate. `assumeSecureTransport`: the backend talks TLS
    // to AWS, and the loopback hop stands for that connection, so aws:SecureTransport is true as it
    // would be there (it matters only for the created bucket's TLS-only Deny, which moto then still
    // applies to every object request, as the demo says).
    gate = await startIamGate({
      upstreams: { default: emulator.endpoint, personalize: standIn.endpoint, comprehend: jobsStandIn.endpoint, sagemaker: transformStandIn.endpoint },
      adminCredentials: DUMMY_CREDENTIALS,
      region,
      trusted: [backendCredentials],
      assumeSecureTransport: true,
    });
    log(
      `the services demo runs through the IAM gate (local/iam-gate) at ${gate.url} as the backend user ${LOCAL_BACKEND_USER}, ` +
        `holding only the application policy; Personalize is the local stand-in (local/personalize-stand-in) at ${standIn.endpoint}; ` +
        `Comprehend's analysis jobs and SageMaker's batch transform are local stand-ins too (local/comprehend-jobs-stand-in, local/sagemaker-transform-stand-in)`,
    );

    const environment = {
      ...emulator.environment(backendCredentials, region),
      AI_STACK_OUTPUTS: outputsFile,
      S3_BUCKET_NAME: applied.outputs.appBucketName,
    };
    const backendEnvironment = { ...environment, AWS_ENDPOINT_URL: gate.url };
    backendClients = new AwsClients({ region, endpoint: gate.url, credentials: backendCredentials });
    const [, partition, , , account] = applied.outputs.appPolicyArn.split(":");
    const backendArn = `arn:${partition}:iam::${account}:user/${LOCAL_BACKEND_USER}`;
    const context: LocalContext = {
      emulator,
      admin,
      applied,
      outputsFile,
      backendClients,
      backendCredentials,
      backendArn,
      environment,
      backendEnvironment,
      gate,
      personalizeStandIn: standIn,
      comprehendJobsStandIn: jobsStandIn,
      transformStandIn,
      log,
      print: out,
    };
    for (const step of options.steps ?? []) {
      log(step.title);
      const stepCode = await step.run(context);
      if (stepCode !== EXIT.ok && code === EXIT.ok) code = stepCode;
    }

    out("");
    out(
      `Summary: stack "${stack}" applied to the emulator in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${applied.resources.filter((r) => r.custom).length} resources; AI bucket ${applied.outputs.artifactsBucketName}` +
        `${applied.outputs.artifactsBucketCreated ? " (created)" : " (the app bucket, reused)"}.`,
    );
    if (code !== EXIT.ok) out("Some steps reported problems (see above).");
    if (options.keep) printKeepInstructions(out, emulator, environment);
  } catch (err) {
    out(`roadmapx-ai local: ${err instanceof Error ? err.message : String(err)}`);
    code = emulator.isRunning() ? EXIT.failures : EXIT.aws;
  } finally {
    admin.destroy();
    backendClients?.destroy();
    // The gate and the stand-in are servers inside this process, so they are stopped on every path,
    // `--keep` included: keeping them would mean this command never returns (moto, by contrast, runs
    // detached and outlives it). printKeepInstructions says so, and the exports reach moto directly.
    if (gate || standIn || jobsStandIn || transformStandIn) {
      const failed = (await Promise.allSettled([gate?.stop(), standIn?.stop(), jobsStandIn?.stop(), transformStandIn?.stop()])).flatMap((r) =>
        r.status === "rejected" ? [String(r.reason)] : [],
      );
      log(failed.length ? `stopping the IAM gate or a stand-in failed: ${failed.join("; ")}` : "stopped the IAM gate and the stand-ins");
    }
    if (!options.keep || code !== EXIT.ok) {
      await emulator.stop();
      log(`stopped the emulator (pid ${emulator.pid})`);
    }
  }
  return code;
}

function describeOverrides(overrides: Record<string, string> | undefined): string {
  const entries = Object.entries(overrides ?? {});
  return entries.length ? ` with ${entries.map(([k, v]) => `${k}=${v}`).join(", ")}` : "";
}

function printKeepInstructions(out: (line: string) => void, emulator: Emulator, environment: Record<string, string>): void {
  out("");
  out(`The emulator stays up (pid ${emulator.pid}). To point this CLI and the SDK at it, as the local backend:`);
  for (const [key, value] of Object.entries(environment)) out(`export ${key}=${value}`);
  out(`Stop it with: kill ${emulator.pid}`);
  out(
    "The IAM gate and the stand-ins (Personalize, Comprehend jobs, SageMaker transform) ran inside this command and stopped with it: " +
      "these exports reach moto directly, where IAM is not enforced, Personalize has schemas only and batch jobs write nothing.",
  );
}
