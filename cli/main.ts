/**
 * The `roadmapx-ai` command line. Each command lives in its own module and registers itself here;
 * every command shares the exit codes of DESIGN.md (0 ok, 1 failures found, 2 usage, 3 AWS).
 */
import { Command, CommanderError } from "commander";
import { CliError, EXIT } from "./exit-codes";

export function buildProgram(): Command {
  const program = new Command("roadmapx-ai")
    .description("AWS AI services (Personalize, SageMaker, Comprehend) on the RoadmapX S3 bucket")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  return program;
}

/** Runs the CLI with the given arguments (without `node` and the script) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return EXIT.ok;
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
