import { type Command, Option } from "commander";
import { ConfigError } from "@roadmapx-ai/core";
import type { FailOn } from "../../verify/run";
import { EXIT } from "../exit-codes";

interface VerifyFlags {
  outputs?: string;
  json?: boolean;
  failOn: FailOn;
  only?: string;
  principal?: string;
}

export function registerVerify(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("verify")
    .description("prove, with read-only calls, that the buckets, roles and policies give the AI services what they need")
    .option("--outputs <file>", "stack outputs JSON (`pulumi stack output --json`); default $AI_STACK_OUTPUTS")
    .option("--json", "print exactly one JSON document (schemaVersion 1) instead of the table")
    .addOption(
      new Option("--fail-on <level>", "exit 1 when checks of this severity fail: error, warn, or never").choices(["error", "warn", "never"]).default("error"),
    )
    .option("--principal <arn>", "the role or user the backend runs as, for the app.* and caller.pass-role.* checks (default: the caller)")
    .option("--only <ids>", "comma-separated check ids to run (a trailing * matches a prefix: role.personalize.*)")
    .action(async (flags: VerifyFlags) => {
      try {
        // Loaded here, not at start: the checks pull in the SDK clients and the IAM simulator.
        const { runVerify } = require("../../verify/run") as typeof import("../../verify/run");
        const { renderJson, renderTable } = require("../../verify/render") as typeof import("../../verify/render");
        const run = await runVerify({
          outputsFile: flags.outputs,
          failOn: flags.failOn,
          principal: flags.principal,
          only: flags.only
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        });
        const colour = process.stdout.isTTY === true && !process.env["NO_COLOR"];
        process.stdout.write(flags.json ? renderJson(run.report) : renderTable(run.report, { colour }));
        setExitCode(run.exitCode);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`roadmapx-ai verify: ${err.message}\n`);
          setExitCode(EXIT.usage);
          return;
        }
        throw err;
      }
    });
}
