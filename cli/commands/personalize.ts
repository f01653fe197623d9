/**
 * `roadmapx-ai personalize ...`: validate and import datasets (docs/DESIGN.md), and the rest of the
 * lifecycle. Progress and costs go to stderr; results (reports, ARNs, recommendations) to stdout.
 */
import { createReadStream, readFileSync, statSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { ServiceContext } from "@roadmapx-ai/services";
import { CliError, EXIT } from "../exit-codes";
import { commandContext, elapsed, guarded, positiveInt, requireFile, stderrLine } from "../action";
import { createTransferProgress, loggerAround } from "../progress";
import { registerPersonalizeBatch } from "./personalize-batch";
import { registerPersonalizeLive } from "./personalize-live";

// Loaded on first use, so that other commands start fast.
type PersonalizeModule = typeof import("@roadmapx-ai/services");
const personalizeModule = () => require("@roadmapx-ai/services") as PersonalizeModule;

function services(): { ctx: ServiceContext; service: InstanceType<PersonalizeModule["PersonalizeService"]> } {
  const ctx = commandContext();
  const { PersonalizeService } = personalizeModule();
  const service = new PersonalizeService(ctx, {
    onStatus: (what, s) => stderrLine(`[${elapsed(s.elapsedMs).padStart(6)}] ${what}: ${s.status}`),
  });
  return { ctx, service };
}

function datasetType(value: string) {
  const { isDatasetType, DATASET_TYPES } = personalizeModule();
  if (!isDatasetType(value)) throw new InvalidArgumentError(`"${value}" is not a dataset type (${DATASET_TYPES.join(", ")})`);
  return value;
}

function readSchema(type: string, file: string | undefined) {
  const { builtinSchema, parseSchema } = personalizeModule();
  if (!file) return builtinSchema(type as Parameters<typeof builtinSchema>[0]);
  requireFile(file, "--schema");
  return parseSchema(type as Parameters<typeof builtinSchema>[0], readFileSync(file, "utf8"), file);
}

/** The validation report for people. */
function printReport(file: string, report: import("@roadmapx-ai/services").ValidationReport): void {
  const size = report.bytes >= 1024 * 1024 ? `${(report.bytes / 1024 / 1024).toFixed(1)} MiB` : `${(report.bytes / 1024).toFixed(1)} KiB`;
  if (report.valid) {
    console.log(`${file}: valid ${report.datasetType} CSV, ${report.rows} rows (${size})`);
  } else {
    console.log(`${file}: ${report.errorCount} error(s) in ${report.rows} rows (${size})`);
    for (const e of report.errors) console.log(`  line ${e.line}${e.column ? `, ${e.column}` : ""}: ${e.message}`);
    const more = report.errorCount - report.errors.length;
    if (more > 0) {
      const counts = Object.entries(report.errorCounts)
        .map(([kind, n]) => `${kind}: ${n}`)
        .join(", ");
      console.log(`  ...and ${more} more (${counts})`);
    }
  }
  for (const w of report.warnings) console.log(`  warning: ${w}`);
}

export function registerPersonalize(program: Command, setExitCode: (code: number) => void): void {
  const personalize = program
    .command("personalize")
    .description("Amazon Personalize: validate and import datasets, train, deploy, recommend, rank, filters, recommenders, delete users, clean up");

  personalize
    .command("validate")
    .description("check a dataset CSV against its schema, offline (nothing is sent to AWS)")
    .requiredOption("--type <type>", "dataset type: interactions, items or users", datasetType)
    .requiredOption("--file <path>", "the CSV file, or - for standard input")
    .option("--schema <file>", "a custom Avro schema (JSON); the built-in one for the type by default")
    .option("--json", "print the report as JSON")
    .action((o: { type: string; file: string; schema?: string; json?: boolean }) =>
      guarded("personalize", setExitCode, async () => {
        requireFile(o.file, "--file", { stdin: true });
        const schema = readSchema(o.type, o.schema);
        const { validateCsv } = personalizeModule();
        const report = await validateCsv(o.file === "-" ? process.stdin : createReadStream(o.file), schema);
        if (o.json) console.log(JSON.stringify(report, null, 2));
        else printReport(o.file === "-" ? "standard input" : o.file, report);
        return report.valid ? EXIT.ok : EXIT.failures;
      }),
    );

  personalize
    .command("import")
    .description("validate while streaming to personalize/, start the dataset import job, and wait for it")
    .requiredOption("--dataset-arn <arn>", "the dataset to import into")
    .requiredOption("--type <type>", "dataset type: interactions, items or users", datasetType)
    .requiredOption("--file <path>", "the CSV file")
    .option("--key <key>", "object key under personalize/ (default: personalize/datasets/<type>/<time>.csv)")
    .addOption(new Option("--mode <mode>", "FULL replaces the dataset; INCREMENTAL adds to it").choices(["FULL", "INCREMENTAL"]).default("FULL"))
    .option("--schema <file>", "a custom Avro schema (JSON)")
    .option("--no-wait", "return once the import job has started")
    .option("--upload-concurrency <n>", "8 MiB parts uploaded at once (default 2; more for high-latency links, 8 MiB of memory each)", positiveInt)
    .option("--quiet", "no upload progress (bytes sent, rate, time left) on stderr; the job's status, warnings and errors still go there")
    .action(
      (o: {
        datasetArn: string;
        type: string;
        file: string;
        key?: string;
        mode: "FULL" | "INCREMENTAL";
        schema?: string;
        wait: boolean;
        uploadConcurrency?: number;
        quiet?: boolean;
      }) =>
        guarded("personalize", setExitCode, async () => {
          requireFile(o.file);
          const schema = readSchema(o.type, o.schema);
          const { ctx, service } = services();
          const size = statSync(o.file).size;
          const progress = createTransferProgress({ label: o.file, total: size, quiet: o.quiet });
          // The upload has no "finished" event: it is over once every byte is sent and the import
          // says anything more (a warning, a job status), or returns.
          let sent = 0;
          const logger = loggerAround(ctx.logger, progress);
          const afterUpload = (log: (m: string) => void) => (m: string) => {
            if (sent > 0 && sent >= size) progress.done();
            log(m);
          };
          ctx.logger = { info: afterUpload(logger.info), warn: afterUpload(logger.warn) };
          let lastBeat = -Infinity;
          let result: Awaited<ReturnType<typeof service.importDataset>>;
          try {
            result = await service.importDataset(o.datasetArn, { path: o.file }, o.key, {
              schema,
              mode: o.mode,
              wait: o.wait,
              ...(o.uploadConcurrency ? { uploadConcurrency: o.uploadConcurrency } : {}),
              onProgress: (p) => {
                if (p.phase === "upload") {
                  sent = p.bytes ?? sent;
                  progress.update(sent);
                  return;
                }
                progress.done();
                // A line per status change, and a heartbeat every minute of a long wait.
                if (p.phase === "import" && p.elapsedMs - lastBeat >= 60_000) {
                  lastBeat = p.elapsedMs;
                  stderrLine(`[${elapsed(p.elapsedMs).padStart(6)}] import job: ${p.status}`);
                }
              },
            });
          } catch (err) {
            progress.fail();
            throw err;
          }
          progress.done();
          console.log(
            JSON.stringify(
              { jobArn: result.jobArn, status: result.status, uri: result.uri, rows: result.report.rows, warnings: result.report.warnings },
              null,
              2,
            ),
          );
        }),
    );

  personalize
    .command("setup")
    .description("create (or find) the schemas, the dataset group and its datasets")
    .requiredOption("--name <name>", "dataset group name; schemas and datasets are named after it")
    .option("--types <list>", "dataset types to create (default interactions,items,users; with --domain, interactions)")
    .option("--domain <domain>", "a domain dataset group for recommenders (ECOMMERCE or VIDEO_ON_DEMAND), with its Interactions dataset")
    .action((o: { name: string; types?: string; domain?: string }) =>
      guarded("personalize", setExitCode, async () => {
        const { builtinSchema, builtinDomainInteractionsSchema, isDomain, DOMAINS } = personalizeModule();
        const domain = o.domain;
        if (domain !== undefined && !isDomain(domain)) throw new CliError(`--domain "${domain}" is not a domain: use one of ${DOMAINS.join(", ")}`, EXIT.usage);
        const types = (o.types ?? (domain ? "interactions" : "interactions,items,users")).split(",").map((t) => datasetType(t.trim()));
        if (domain && types.some((t) => t !== "interactions")) {
          throw new CliError(
            `--domain ${domain} creates the Interactions dataset only (its Items and Users datasets need the domain's own fields): drop --types, or create those datasets from the backend with your domain schema`,
            EXIT.usage,
          );
        }
        const { service } = services();
        const group = domain ? await service.ensureDomainDatasetGroup(o.name, domain) : await service.ensureDatasetGroup(o.name);
        const datasets: Record<string, string> = {};
        for (const type of types) {
          const schema = domain
            ? await service.ensureSchema(`${o.name}-${type}`, builtinDomainInteractionsSchema(), domain)
            : await service.ensureSchema(`${o.name}-${type}`, builtinSchema(type));
          datasets[type] = (await service.ensureDataset(group.arn, type, schema.arn, `${o.name}-${type}`)).arn;
        }
        console.log(JSON.stringify({ datasetGroupArn: group.arn, ...(domain ? { domain } : {}), datasets }, null, 2));
      }),
    );

  personalize
    .command("train")
    .description("create (or find) a solution and train a new solution version (billed per training hour)")
    .requiredOption("--dataset-group-arn <arn>", "the dataset group")
    .requiredOption("--solution-name <name>", "the solution")
    .option("--recipe <arn>", "recipe ARN (default: aws-user-personalization-v2)")
    .option("--auto-training", "let Personalize retrain every 7 days (each run billed)")
    .action((o: { datasetGroupArn: string; solutionName: string; recipe?: string; autoTraining?: boolean }) =>
      guarded("personalize", setExitCode, async () => {
        const { service } = services();
        const solution = await service.ensureSolution({
          name: o.solutionName,
          datasetGroupArn: o.datasetGroupArn,
          ...(o.recipe ? { recipeArn: o.recipe } : {}),
          performAutoTraining: o.autoTraining === true,
        });
        const version = await service.train(solution.arn);
        console.log(JSON.stringify({ solutionArn: solution.arn, solutionVersionArn: version.arn, metrics: version.metrics }, null, 2));
      }),
    );

  personalize
    .command("deploy")
    .description("create (or find) a campaign for a solution version (billed per provisioned TPS-hour)")
    .requiredOption("--solution-arn <arn>", "the solution")
    .requiredOption("--solution-version-arn <arn>", "the trained version to serve")
    .requiredOption("--campaign-name <name>", "the campaign")
    .requiredOption("--min-tps <n>", "minProvisionedTPS: billed every hour, used or not", positiveInt)
    .option("--metadata", "let recommendations carry Items columns (recommend --metadata COLUMN,...); billed in addition")
    .action((o: { solutionArn: string; solutionVersionArn: string; campaignName: string; minTps: number; metadata?: boolean }) =>
      guarded("personalize", setExitCode, async () => {
        const { service } = services();
        const campaign = await service.ensureCampaign({
          name: o.campaignName,
          solutionArn: o.solutionArn,
          solutionVersionArn: o.solutionVersionArn,
          minProvisionedTPS: o.minTps,
          ...(o.metadata ? { enableMetadataWithRecommendations: true } : {}),
        });
        console.log(JSON.stringify({ campaignArn: campaign.arn, created: campaign.created }, null, 2));
      }),
    );

  personalize
    .command("tracker")
    .description("create (or find) the event tracker of a dataset group and print its tracking id")
    .requiredOption("--dataset-group-arn <arn>", "the dataset group")
    .option("--name <name>", "tracker name", "roadmapx-events")
    .action((o: { datasetGroupArn: string; name: string }) =>
      guarded("personalize", setExitCode, async () => {
        const { service } = services();
        const tracker = await service.ensureEventTracker(o.datasetGroupArn, o.name);
        console.log(JSON.stringify(tracker, null, 2));
      }),
    );

  personalize
    .command("cleanup")
    .description("delete a dataset group and everything in it (recommenders, filters, campaigns, solutions, trackers, datasets), in order")
    .requiredOption("--dataset-group-arn <arn>", "the dataset group")
    .option("--delete-schemas", "also delete the schemas its datasets used")
    .option("--yes", "confirm: this deletes billed and unbilled resources for good")
    .action((o: { datasetGroupArn: string; deleteSchemas?: boolean; yes?: boolean }) =>
      guarded("personalize", setExitCode, async () => {
        if (!o.yes) throw new CliError(`cleanup deletes ${o.datasetGroupArn} and everything in it; run again with --yes to confirm`, EXIT.usage);
        const { service } = services();
        const deleted = await service.cleanup(o.datasetGroupArn, { deleteSchemas: o.deleteSchemas === true });
        console.log(JSON.stringify({ deleted }, null, 2));
      }),
    );

  registerPersonalizeBatch(personalize, setExitCode);
  // recommend, rank, filter, recommender, delete-users: Personalize for a live application.
  registerPersonalizeLive(personalize, setExitCode);
}
