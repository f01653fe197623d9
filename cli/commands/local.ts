import { type Command, InvalidArgumentError, Option } from "commander";
import { EXIT } from "../exit-codes";

// The local harness loads the Pulumi SDK and @pulumi/aws (about 1.5 s): load it only when this
// command runs, so that every other command starts fast.
function harness() {
  return {
    ...(require("../../local/emulator") as typeof import("../../local/emulator")),
    ...(require("../../local/run-local") as typeof import("../../local/run-local")),
    ...(require("../../local/steps") as typeof import("../../local/steps")),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a TCP port (1-65535)`);
  }
  return port;
}

interface LocalFlags {
  port?: number;
  keep?: boolean;
  stack: string;
  installOnly?: boolean;
  createArtifactsBucket?: boolean;
  appBucketPolicy?: string;
}

export function registerLocal(program: Command, setExitCode: (code: number) => void): void {
  program
    .command("local")
    .description("run the whole chain against a local AWS emulator (moto): apply the stack, verify it, demo the services. Nothing touches AWS.")
    .option("--port <n>", "port for the emulator on 127.0.0.1 (default: a free one)", parsePort)
    .option("--keep", "leave the emulator running and print the export lines that point other commands at it")
    .option("--stack <name>", "stack whose Pulumi.<name>.yaml config to apply", "dev")
    .option("--install-only", "find (or install into .venv) the moto emulator, say which Python runs it, and exit")
    .option("--create-artifacts-bucket", "override the stack config: create the separate hardened AI bucket")
    .addOption(
      new Option("--app-bucket-policy <mode>", "override the stack config: how Personalize's statement reaches the app bucket").choices(["output", "merge"]),
    )
    .action(async (opts: LocalFlags) => {
      const { findOrInstallMoto, runLocal, LOCAL_STEPS } = harness();
      if (opts.installOnly) {
        try {
          const found = await findOrInstallMoto({ progress: (line) => console.log(line) });
          console.log(`moto ${found.motoVersion} (${found.python})`);
          setExitCode(EXIT.ok);
        } catch (err) {
          console.error(`roadmapx-ai local: ${(err as Error).message}`);
          setExitCode(EXIT.usage);
        }
        return;
      }
      const overrides: Record<string, string> = {};
      if (opts.createArtifactsBucket) overrides["roadmapx-ai:createArtifactsBucket"] = "true";
      if (opts.appBucketPolicy) overrides["roadmapx-ai:appBucketPolicy"] = opts.appBucketPolicy;
      setExitCode(await runLocal({ port: opts.port, keep: opts.keep === true, stack: opts.stack, configOverrides: overrides, steps: LOCAL_STEPS }));
    });
}
