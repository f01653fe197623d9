/**
 * The `roadmapx-ai` command line. Each command lives in cli/commands/ and registers itself here;
 * every command shares the exit codes of docs/DESIGN.md (0 ok, 1 failures found, 2 usage, 3 AWS).
 */
import { Command, CommanderError, type Option } from "commander";
import { registerComprehend } from "./commands/comprehend";
import { registerLocal } from "./commands/local";
import { registerPersonalize } from "./commands/personalize";
import { registerSageMaker } from "./commands/sagemaker";
import { registerVerify } from "./commands/verify";
import { CliError, EXIT } from "./exit-codes";
import { VERSION } from "./version";

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("roadmapx-ai")
    .description("AWS AI services (Personalize, SageMaker, Comprehend) on the RoadmapX S3 bucket")
    .version(VERSION, "-V, --version", "print the version of roadmapx-ai")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerVerify(program, setExitCode);
  registerPersonalize(program, setExitCode);
  registerSageMaker(program, setExitCode);
  registerComprehend(program, setExitCode);
  registerLocal(program, setExitCode);
  checkRequiredAfterUnknown(program);
  return program;
}

/**
 * Commander checks required options before it refuses unknown ones, so `personalize validate
 * --bogus` said "--type not specified" and never named the typo. Here required options are marked
 * "(required)" in --help and checked just before the action runs, after commander's own checks.
 */
function checkRequiredAfterUnknown(program: Command): void {
  const required = new Map<Command, Option[]>();
  const visit = (command: Command): void => {
    const options = command.options.filter((o) => o.mandatory);
    for (const option of options) {
      option.mandatory = false;
      option.description = `${option.description} (required)`;
    }
    if (options.length) required.set(command, options);
    command.commands.forEach(visit);
  };
  visit(program);
  program.hook("preAction", (_program, action) => {
    for (const option of required.get(action) ?? []) {
      if (action.getOptionValue(option.attributeName()) === undefined) {
        action.error(`error: required option '${option.flags}' not specified`, { code: "commander.missingMandatoryOptionValue", exitCode: 1 });
      }
    }
  });
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version output end with code 0; every other parse error is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      process.stderr.write(`roadmapx-ai: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
