/**
 * Runs the checklist: resolve the targets, read what decides access (read-only, in parallel, each
 * read once), evaluate every selected check, and turn the results into the report and an exit code.
 */
import { EXIT, type ExitCode } from "../cli/exit-codes";
import { type AwsClientOptions, ConfigError, type RuntimeConfig, type SdkClient, resolveRuntimeConfig } from "@roadmapx-ai/core";
import { AccountClients } from "./clients";
import { CHECK_IDS, CHECKS, selectChecks } from "./checks";
import { Facts } from "./facts";
import { parsePrincipal } from "./parse";
import { type CheckDefinition, type CheckResult, type Outcome, type Report, statusOf } from "./model";

export type FailOn = "error" | "warn" | "never";

export interface VerifyOptions {
  outputsFile?: string | undefined;
  /** Check ids (or `prefix*` patterns) to run; all when absent. */
  only?: string[] | undefined;
  failOn?: FailOn;
  env?: NodeJS.ProcessEnv;
  /**
   * The principal the backend runs as (`--principal`, a role or user ARN), for the app.* and
   * caller.pass-role.* checks; the caller when absent.
   */
  principal?: string | undefined;
  /** Overrides for the AWS clients (tests: endpoint, credentials, decorators). */
  clientOptions?: Partial<AwsClientOptions>;
}

export interface VerifyRun {
  report: Report;
  exitCode: ExitCode;
  /** Every AWS command sent, as `Client.Command`, in order. */
  commands: string[];
}

/** Counts every command a client sends (the report's `awsCalls`; the read-only test reads the names). */
function recordCommands(commands: string[], next?: (client: SdkClient) => void) {
  return (client: SdkClient) => {
    const stack = (client as unknown as { middlewareStack: unknown }).middlewareStack as {
      add(mw: unknown, options: { step: string; name: string; override: boolean }): void;
    };
    stack.add(
      (nextHandler: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => (args: unknown) => {
        commands.push(`${context.clientName ?? "Client"}.${context.commandName ?? "Command"}`);
        return nextHandler(args);
      },
      { step: "initialize", name: "roadmapxVerifyRecorder", override: true },
    );
    next?.(client);
  };
}

/** A declared prerequisite that is not a check is a bug in the checklist, not a skip. */
function requiredCheck(byId: ReadonlyMap<string, CheckDefinition>, by: string, id: string): CheckDefinition {
  const check = byId.get(id);
  if (!check) throw new Error(`check ${by} requires ${id}, which is not a check`);
  return check;
}

export function exitCodeFor(report: Report, failOn: FailOn, credentialsFailed: boolean): ExitCode {
  if (credentialsFailed || report.checks.some((c) => c.status === "error")) return EXIT.aws;
  if (failOn === "never") return EXIT.ok;
  if (!report.ok) return EXIT.failures;
  if (failOn === "warn" && report.checks.some((c) => c.severity === "warn" && (c.status === "warn" || c.status === "fail"))) {
    return EXIT.failures;
  }
  return EXIT.ok;
}

export async function runVerify(options: VerifyOptions = {}): Promise<VerifyRun> {
  const started = Date.now();
  const env = options.env ?? process.env;
  const { selected, unknown } = selectChecks(options.only);
  if (unknown.length) {
    throw new ConfigError([`--only: unknown check id ${unknown.map((u) => `"${u}"`).join(", ")}; known ids: ${CHECK_IDS.join(", ")}`]);
  }
  if (options.principal !== undefined && !parsePrincipal(options.principal)) {
    throw new ConfigError([
      `--principal: "${options.principal}" is not an IAM role or user ARN; give the role or user the backend runs as, ` +
        `such as arn:aws:iam::123456789012:role/roadmapx-backend or arn:aws:iam::123456789012:user/roadmapx-backend`,
    ]);
  }
  const config: RuntimeConfig = resolveRuntimeConfig({ outputsFile: options.outputsFile }, env);
  const commands: string[] = [];
  const clients = new AccountClients({
    readOnly: true,
    region: config.region,
    s3Region: config.s3Region,
    endpoint: config.endpoint,
    // A verifier should answer quickly: few retries, short connection timeout.
    maxAttempts: 3,
    connectionTimeoutMs: 3000,
    ...options.clientOptions,
    decorate: recordCommands(commands, options.clientOptions?.decorate),
  });
  try {
    const facts = new Facts(clients, config, env, options.principal);
    const caller = await facts.caller();
    const credentialsFailed = !caller.ok;
    const byId = new Map(CHECKS.map((c) => [c.id, c]));
    const running = new Map<string, Promise<CheckResult>>();
    // Each check runs once, after the checks it requires (which run even when --only leaves them out).
    const resultOf = (check: CheckDefinition): Promise<CheckResult> => {
      let result = running.get(check.id);
      if (!result) {
        result = evaluate(check);
        running.set(check.id, result);
      }
      return result;
    };
    const evaluate = async (check: CheckDefinition): Promise<CheckResult> => {
      let outcome: Outcome | undefined;
      if (credentialsFailed && check.id !== "credentials") {
        outcome = { verdict: "skip", message: "skipped: the credentials did not resolve (see credentials)" };
      } else {
        const prerequisites = await Promise.all((check.requires ?? []).map((id) => resultOf(requiredCheck(byId, check.id, id))));
        const unmet = prerequisites.filter((r) => r.status !== "pass");
        if (unmet.length) {
          outcome = { verdict: "skip", message: `skipped: requires ${unmet.map((r) => `${r.id} (${r.status})`).join(", ")}` };
        }
      }
      outcome ??= await check.evaluate(facts).catch((err: unknown) => ({
        verdict: "error" as const,
        message: `the check itself failed: ${err instanceof Error ? err.message : String(err)}`,
      }));
      const status = statusOf(check.severity, outcome.verdict);
      return {
        id: check.id,
        title: check.title,
        severity: check.severity,
        status,
        risk: check.risk,
        ...(outcome.resource ? { resource: outcome.resource } : {}),
        message: outcome.message,
        ...(outcome.remediation ? { remediation: outcome.remediation } : {}),
        ...(outcome.explain?.length ? { explain: outcome.explain } : {}),
        ...(outcome.fix && status !== "pass" && status !== "skip" ? { fix: outcome.fix } : {}),
      };
    };
    const results: CheckResult[] = await Promise.all(selected.map(resultOf));
    const count = (status: CheckResult["status"]) => results.filter((r) => r.status === status).length;
    const report: Report = {
      schemaVersion: 1,
      ok: !results.some((r) => r.severity === "error" && (r.status === "fail" || r.status === "error")),
      target: {
        accountId: caller.ok ? caller.value.accountId : "",
        region: config.region,
        ...(config.endpoint ? { endpoint: config.endpoint } : {}),
        ...(caller.ok ? { callerArn: caller.value.arn } : {}),
      },
      summary: {
        pass: count("pass"),
        fail: count("fail"),
        warn: count("warn"),
        skip: count("skip"),
        error: count("error"),
        awsCalls: commands.length,
        seconds: Math.round((Date.now() - started) / 10) / 100,
      },
      checks: results,
    };
    return { report, exitCode: exitCodeFor(report, options.failOn ?? "error", credentialsFailed), commands };
  } finally {
    clients.destroy();
  }
}
