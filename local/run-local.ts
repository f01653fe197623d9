/**
 * `roadmapx-ai local` (what `npm start` runs): the whole chain against the local emulator.
 * Start moto, seed the application's existing bucket, apply the stack the Pulumi program declares,
 * give a local "backend" identity the application policy, then run the steps that exercise it
 * (verify, services demo), print a summary and stop the emulator, or leave it up with `--keep`.
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
import { setUpLocalAccount } from "./account";
import { type AppliedStack, stackOutputsJson } from "./apply";
import { DUMMY_CREDENTIALS, Emulator, EmulatorError } from "./emulator";
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

/** What later steps (verify, the services demo) get to work with. */
export interface LocalContext {
  emulator: Emulator;
  applied: AppliedStack;
  outputsFile: string;
  /** Clients signed as the local backend identity. */
  backendClients: AwsClients;
  /** That identity's access key (it exists only in the emulator). */
  backendCredentials: { accessKeyId: string; secretAccessKey: string };
  /** Environment that points the SDK (and this CLI) at the emulator as the backend. */
  environment: Record<string, string>;
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

    const environment = {
      ...emulator.environment(backendCredentials, applied.outputs.region),
      AI_STACK_OUTPUTS: outputsFile,
      S3_BUCKET_NAME: applied.outputs.appBucketName,
    };
    backendClients = new AwsClients({ region: applied.outputs.region, endpoint: emulator.endpoint, credentials: backendCredentials });
    const context: LocalContext = { emulator, applied, outputsFile, backendClients, backendCredentials, environment, log, print: out };
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
}
