import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { ConfigError } from "@roadmapx-ai/core";
import { FORMATS, type Format } from "../../verify/formats";
import type { FailOn } from "../../verify/run";
import { EXIT } from "../exit-codes";

interface VerifyFlags {
  outputs?: string;
  json?: boolean;
  format: Format;
  output?: string;
  failOn: FailOn;
  only?: string;
  principal?: string;
  fixDir: string;
}

export function registerVerify(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("verify")
    .description("prove, with read-only calls, that the buckets, roles and policies give the AI services what they need")
    .option("--outputs <file>", "stack outputs JSON (`pulumi stack output --json`); default $AI_STACK_OUTPUTS")
    .addOption(
      new Option("--format <name>", "report format: sarif for code scanning, junit for CI test reports, html for one self-contained page")
        .choices([...FORMATS])
        .default("table"),
    )
    .option("--json", "the same as --format json: exactly one JSON document (schemaVersion 1)")
    .option("--output <file>", "write the report to this file (atomically) instead of stdout; one line on stderr says where")
    .addOption(
      new Option("--fail-on <level>", "exit 1 when checks of this severity fail: error, warn, or never").choices(["error", "warn", "never"]).default("error"),
    )
    .option("--fix-dir <dir>", "where fix commands' longer policy documents are written (only when a failing check needs one)", "verify-fixes")
    .option("--principal <arn>", "the role or user the backend runs as, for the app.* and caller.pass-role.* checks (default: the caller)")
    .option("--only <ids>", "comma-separated check ids to run (a trailing * matches a prefix: role.personalize.*)")
    .action(async (flags: VerifyFlags, command: Command) => {
      try {
        const format = formatOf(flags, command.getOptionValueSource("format") === "cli");
        if (flags.output !== undefined) checkWritable(flags.output);
        // Loaded here, not at start: the checks pull in the SDK clients and the IAM simulator.
        const { runVerify } = require("../../verify/run") as typeof import("../../verify/run");
        const { renderReport, writeReportFile } = require("../../verify/formats") as typeof import("../../verify/formats");
        const run = await runVerify({
          outputsFile: flags.outputs,
          failOn: flags.failOn,
          principal: flags.principal,
          only: flags.only
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        });
        // The longer documents fix commands read (file://verify-fixes/...): written before rendering, which names them.
        const { writeFixFiles } = require("../../verify/fix") as typeof import("../../verify/fix");
        let written: string[];
        try {
          written = writeFixFiles(run.report, flags.fixDir);
        } catch (err) {
          throw new ConfigError([`--fix-dir: could not write the fix documents to ${flags.fixDir} (${(err as Error).message})`]);
        }
        for (const path of written) process.stderr.write(`roadmapx-ai verify: wrote ${path} (a fix command reads it)\n`);
        if (flags.output === undefined) {
          const tty = process.stdout.isTTY === true;
          process.stdout.write(renderReport(run.report, format, { colour: tty && !process.env["NO_COLOR"], width: tty ? process.stdout.columns : undefined }));
        } else {
          let path: string;
          try {
            path = writeReportFile(flags.output, renderReport(run.report, format));
          } catch (err) {
            throw new ConfigError([`--output: could not write ${flags.output} (${(err as Error).message})`]);
          }
          const s = run.report.summary;
          process.stderr.write(
            `roadmapx-ai verify: wrote the ${format} report to ${path} ` +
              `(${run.report.ok ? "Ready" : "Not ready"}: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.error} error)\n`,
          );
        }
        // The verdict's exit code, wherever the report went.
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

/** --json is --format json: both may be given only when they agree. */
function formatOf(flags: VerifyFlags, formatGiven: boolean): Format {
  if (!flags.json) return flags.format;
  if (formatGiven && flags.format !== "json") {
    throw new ConfigError([`--json is the same as --format json, which conflicts with --format ${flags.format}: give one of them`]);
  }
  return "json";
}

/** Refuses an --output path that cannot be written before any AWS call is made. */
function checkWritable(file: string): void {
  const path = resolve(file);
  const directory = dirname(path);
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    throw new ConfigError([`--output: cannot write ${file}: the directory ${directory} does not exist or is not writable`]);
  }
  try {
    if (statSync(path).isDirectory()) throw new ConfigError([`--output: ${file} is a directory; give a file name`]);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
  }
}
