/**
 * Personalize batch jobs from the shell:
 *
 *   personalize batch-recommend --solution-version-arn ARN --file PATH [--num-results N] [--filter-arn ARN]
 *                               [--name NAME] [--no-wait] [--wait-timeout 6h] [--poll-interval 15] [--cleanup]
 *   personalize batch-segment   (the same flags)
 *   personalize batch-results   --job-arn ARN [--wait-timeout 6h] [--poll-interval 15] [--cleanup]
 *
 * The file holds one JSON object per line ({"userId"}, {"itemId"}, {"userId", "itemList"}; for
 * segments {"itemId"} or {"itemAttributes"}). The results go to stdout as JSON lines, one per input
 * line, in input order: {"line", "input", "recommendedItems" | "recommendedUsers", "scores", "error"}.
 * Progress, statuses and the cost go to stderr. With --no-wait the job's ARN is printed (as JSON)
 * and batch-results reads it later; so does a wait that times out, which says how.
 *
 * Exit codes: 0 every line answered; 1 the job failed (Personalize's reason), some lines came back
 * with an error, or the wait timed out (the job goes on); 2 bad input or options (missing file, empty
 * input, a malformed line with its line number, numResults out of range, a foreign ARN); 3 AWS.
 */
import type { Command } from "commander";
import type { BatchJobRun, BatchRecommendation, BatchSegmentResult } from "@roadmapx-ai/services";
import { commandContext, duration, guarded, positiveInt, positiveNumber, requireFile, stderrLine } from "../action";
import { CliError, EXIT } from "../exit-codes";

type Services = typeof import("@roadmapx-ai/services");
const services = () => require("@roadmapx-ai/services") as Services;

interface WaitFlags {
  waitTimeout?: number;
  pollInterval?: number;
  cleanup?: boolean;
}

interface JobFlags extends WaitFlags {
  solutionVersionArn: string;
  file: string;
  numResults?: number;
  filterArn?: string;
  name?: string;
  wait: boolean;
}

function waitOptions(o: WaitFlags) {
  return {
    ...(o.waitTimeout !== undefined ? { waitTimeoutMs: o.waitTimeout } : {}),
    ...(o.pollInterval !== undefined ? { pollIntervalMs: o.pollInterval * 1000 } : {}),
    ...(o.cleanup ? { cleanup: true } : {}),
  };
}

function addWaitFlags(command: Command): Command {
  return command
    .option("--wait-timeout <duration>", "stop waiting after this long (e.g. 90s, 30m, 6h; default 6h); the job goes on", duration)
    .option("--poll-interval <seconds>", "first pause between status checks, in seconds (default 15, growing to 120)", positiveNumber)
    .option("--cleanup", "delete the job's input and output objects once its results are printed");
}

function resumeCommand(jobArn: string, cleanup: boolean | undefined): string {
  return `roadmapx-ai personalize batch-results --job-arn ${jobArn}${cleanup ? " --cleanup" : ""}`;
}

/** A wait that timed out says how to resume, with this command's --cleanup. */
function resumable(err: unknown, cleanup: boolean | undefined): unknown {
  const { BatchWaitTimeoutError } = services();
  if (err instanceof BatchWaitTimeoutError) return new CliError(err.message.replace(err.hint, resumeCommand(err.jobArn, cleanup)), EXIT.failures);
  return err;
}

async function writeLine(text: string): Promise<void> {
  if (!process.stdout.write(`${text}\n`)) await new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
}

/** Prints the results as JSON lines; the exit code: 1 when a line came back with an error. */
async function printResults(
  run: Pick<BatchJobRun<unknown>, "jobArn">,
  results: AsyncIterable<BatchRecommendation | BatchSegmentResult>,
  cleanup?: boolean,
): Promise<number> {
  let lines = 0;
  let errors = 0;
  try {
    for await (const result of results) {
      lines++;
      if (result.error !== null) errors++;
      await writeLine(JSON.stringify(result));
    }
  } catch (err) {
    throw resumable(err, cleanup);
  }
  stderrLine(`read ${lines} result(s) of ${run.jobArn}${errors ? `, ${errors} with an error (see "error")` : ""}`);
  return errors > 0 ? EXIT.failures : EXIT.ok;
}

function registerJobCommand(personalize: Command, setExitCode: (code: number) => void, kind: "recommend" | "segment"): void {
  const name = kind === "recommend" ? "batch-recommend" : "batch-segment";
  addWaitFlags(
    personalize
      .command(name)
      .description(
        kind === "recommend"
          ? "recommendations for many users or items at once, with a batch inference job (billed per recommendation); results as JSON lines"
          : "user segments for items or item attributes, with a batch segment job (Item-Affinity / Item-Attribute-Affinity); results as JSON lines",
      )
      .requiredOption("--solution-version-arn <arn>", "the trained (ACTIVE) solution version")
      .requiredOption(
        "--file <path>",
        kind === "recommend"
          ? 'JSON lines: {"userId": ...}, {"itemId": ...} (related items) or {"userId": ..., "itemList": [...]} (ranking), as the recipe takes'
          : 'JSON lines: {"itemId": ...} (Item-Affinity) or {"itemAttributes": "ITEMS.genres = \\"Comedy\\""} (Item-Attribute-Affinity)',
      )
      .option(
        "--num-results <n>",
        kind === "recommend" ? "recommendations per line (1-500; default 25)" : "users per segment (1-5000000; default 25)",
        positiveInt,
      )
      .option("--filter-arn <arn>", "a Personalize filter to apply")
      .option("--name <name>", "the job's name (it must start with the resource-name prefix; default <prefix>-batch-<time>)")
      .option("--no-wait", "start the job and print its ARN; read the results later with batch-results"),
  ).action((o: JobFlags) =>
    guarded(`personalize ${name}`, setExitCode, async () => {
      requireFile(o.file);
      const s = services();
      const ctx = commandContext();
      const options = {
        solutionVersionArn: o.solutionVersionArn,
        input: { path: o.file },
        ...(o.numResults !== undefined ? { numResults: o.numResults } : {}),
        ...(o.filterArn !== undefined ? { filterArn: o.filterArn } : {}),
        ...(o.name !== undefined ? { name: o.name } : {}),
        wait: o.wait,
        ...waitOptions(o),
      };
      // Bad options fail before any credential is looked up or anything is read.
      s.checkBatchOptions(ctx, kind === "recommend" ? "inference" : "segment", options);
      const service = new s.PersonalizeService(ctx);
      let run: BatchJobRun<BatchRecommendation | BatchSegmentResult>;
      try {
        run = kind === "recommend" ? await service.batchRecommend(options) : await service.batchSegment(options);
      } catch (err) {
        throw resumable(err, o.cleanup);
      }
      if (!o.wait) {
        console.log(JSON.stringify({ jobArn: run.jobArn, status: run.status, inputUri: run.inputUri, outputUri: run.outputUri, records: run.records }));
        stderrLine(`started ${run.jobArn}; read its results with \`${resumeCommand(run.jobArn, o.cleanup)}\``);
        return EXIT.ok;
      }
      return printResults(run, run.results(), o.cleanup);
    }),
  );
}

export function registerPersonalizeBatch(personalize: Command, setExitCode: (code: number) => void): void {
  registerJobCommand(personalize, setExitCode, "recommend");
  registerJobCommand(personalize, setExitCode, "segment");
  addWaitFlags(
    personalize
      .command("batch-results")
      .description("the results of a batch job started earlier (waiting for it if it is still running), as JSON lines")
      .requiredOption("--job-arn <arn>", "the batch inference or batch segment job (as batch-recommend or a timed-out wait printed it)"),
  ).action((o: WaitFlags & { jobArn: string }) =>
    guarded("personalize batch-results", setExitCode, async () => {
      const s = services();
      s.batchKindOf(o.jobArn);
      const service = new s.PersonalizeService(commandContext());
      let run: BatchJobRun<BatchRecommendation | BatchSegmentResult>;
      try {
        run = await service.attachBatchJob(o.jobArn, waitOptions(o));
      } catch (err) {
        throw resumable(err, o.cleanup);
      }
      return printResults(run, run.results(), o.cleanup);
    }),
  );
}
