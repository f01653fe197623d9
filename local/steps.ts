/** What `roadmapx-ai local` runs once the stack is applied: the verifier, then the services demo. */
import { EXIT, type ExitCode } from "../cli/exit-codes";
import { renderTable } from "../verify/render";
import { runVerify } from "../verify/run";
import type { LocalContext, LocalStep } from "./run-local";

export const verifyStep: LocalStep = {
  title: "verify: the setup checklist, as the local backend identity (read-only)",
  async run(context: LocalContext): Promise<ExitCode> {
    const run = await runVerify({
      env: { ...process.env, ...context.environment },
      clientOptions: { credentials: context.backendCredentials },
    });
    const colour = process.stdout.isTTY === true && !process.env["NO_COLOR"];
    for (const line of renderTable(run.report, { colour }).trimEnd().split("\n")) context.print(`  ${line}`);
    if (run.report.checks.some((c) => c.id === "bucket.tls-only" && c.status === "warn")) {
      context.print(
        "  (Locally the app bucket has no TLS-only Deny: moto evaluates no policy conditions and would apply it to every " +
          "object request, blocking the demo. On AWS, add the statement above to the app bucket's policy.)",
      );
    }
    return run.exitCode === EXIT.ok ? EXIT.ok : run.exitCode;
  },
};

export const LOCAL_STEPS: LocalStep[] = [verifyStep];
