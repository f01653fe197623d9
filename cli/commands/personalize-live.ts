/**
 * Personalize for a live application, from the shell:
 *
 *   personalize recommend   (--campaign-arn ARN | --recommender-arn ARN) (--user-id ID | --item-id ID) [--num-results N]
 *                           [--filter-arn ARN] [--filter-value NAME=VALUE]... [--metadata COLUMN,...] [--context K=V]...
 *   personalize rank        --campaign-arn ARN --user-id ID (--items ID,ID,... | --items-file PATH|-) [filter, metadata, context flags]
 *   personalize filter create --dataset-group-arn ARN --name NAME --expression EXPR
 *   personalize filter delete --filter-arn ARN
 *   personalize recommender create --dataset-group-arn ARN --name NAME --recipe-arn ARN --min-rps N [--metadata]
 *   personalize recommender start|stop --recommender-arn ARN
 *   personalize delete-users --dataset-group-arn ARN --file PATH|- [--job-name NAME] [--wait] [--wait-timeout D]
 *
 * Results go to stdout as JSON; progress and costs (said before anything billed is created or
 * started) to stderr. Exit codes: 0 done, 1 a job failed or a wait ran out, 2 bad input (the message
 * names the flag and the fix), 3 AWS.
 */
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ServiceContext } from "@roadmapx-ai/services";
import { commandContext, duration, elapsed, guarded, positiveInt, requireFile, stderrLine } from "../action";
import { CliError, EXIT } from "../exit-codes";

type Services = typeof import("@roadmapx-ai/services");
const services = () => require("@roadmapx-ai/services") as Services;

function service(): { ctx: ServiceContext; personalize: InstanceType<Services["PersonalizeService"]> } {
  const ctx = commandContext();
  const personalize = new (services().PersonalizeService)(ctx, {
    onStatus: (what, s) => stderrLine(`[${elapsed(s.elapsedMs).padStart(6)}] ${what}: ${s.status}`),
  });
  return { ctx, personalize };
}

const usage = (message: string) => new CliError(message, EXIT.usage);
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `NAME=VALUE` pairs of a repeatable flag; a name given again makes a list (for filter values). */
function pairs(flag: string, values: string[] | undefined, example: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const raw of values ?? []) {
    const at = raw.indexOf("=");
    if (at <= 0) throw usage(`${flag} "${raw}" is not NAME=VALUE: write it as ${flag} ${example}`);
    const name = raw.slice(0, at);
    map.set(name, [...(map.get(name) ?? []), raw.slice(at + 1)]);
  }
  return map;
}

function filterValues(o: FilterFlags): Record<string, string | string[]> | undefined {
  const map = pairs("--filter-value", o.filterValue, "CATEGORY=electronics (repeat it for several values)");
  if (map.size === 0) return undefined;
  if (o.filterArn === undefined) throw usage("--filter-value needs --filter-arn: give the filter whose placeholders the values fill");
  for (const name of map.keys()) {
    if (name.startsWith("$")) throw usage(`--filter-value ${name}=...: write the placeholder's name without "$" (--filter-value ${name.slice(1)}=...)`);
  }
  return Object.fromEntries([...map].map(([k, v]) => [k, v.length === 1 ? (v[0] as string) : v]));
}

function context(o: FilterFlags): Record<string, string> | undefined {
  const map = pairs("--context", o.context, "DEVICE=mobile");
  if (map.size === 0) return undefined;
  const repeated = [...map].find(([, v]) => v.length > 1);
  if (repeated) throw usage(`--context ${repeated[0]} is given ${repeated[1].length} times: a context name takes one value`);
  return Object.fromEntries([...map].map(([k, v]) => [k, v[0] as string]));
}

function metadata(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const columns = value
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "");
  if (columns.length === 0) throw usage('--metadata needs the Items columns to return, comma-separated: --metadata "TITLE,PRICE"');
  return columns;
}

interface FilterFlags {
  filterArn?: string;
  filterValue?: string[];
  metadata?: string;
  context?: string[];
}

function addFilterFlags(command: Command): Command {
  return command
    .option("--filter-arn <arn>", "a filter to apply (personalize filter create)")
    .option("--filter-value <name=value>", "a value for one of the filter's placeholders, without $ (repeat it; a name given again makes a list)", collect)
    .option("--metadata <columns>", "Items columns to return with each item, comma-separated (the campaign or recommender must have metadata enabled)")
    .option("--context <k=v>", "contextual metadata, e.g. DEVICE=mobile (repeatable)", collect);
}

/** Item ids for ranking: --items, or --items-file with one id per line (- for standard input). */
async function rankItems(o: { items?: string; itemsFile?: string }): Promise<string[]> {
  if ((o.items === undefined) === (o.itemsFile === undefined)) {
    throw usage("give the items to rank with exactly one of --items ID,ID,... and --items-file PATH (one id per line, - for standard input)");
  }
  let list: string[];
  if (o.items !== undefined) list = o.items.split(",");
  else if (o.itemsFile === "-") {
    list = [];
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) list.push(line);
  } else {
    requireFile(o.itemsFile as string, "--items-file", { stdin: true });
    list = readFileSync(o.itemsFile as string, "utf8").split(/\r?\n/);
  }
  const items = list.map((i) => i.trim()).filter((i) => i !== "");
  if (items.length === 0) throw usage(`${o.items !== undefined ? "--items" : "--items-file"} holds no item ids: give at least one`);
  return items;
}

function registerRecommend(personalize: Command, setExitCode: (code: number) => void): void {
  addFilterFlags(
    personalize
      .command("recommend")
      .description("recommendations for a user (or related items) from a campaign or a domain recommender")
      .option("--campaign-arn <arn>", "the campaign (or --recommender-arn)")
      .option("--recommender-arn <arn>", "the domain recommender (instead of --campaign-arn)")
      .option("--user-id <id>", "the user")
      .option("--item-id <id>", "the item, for related-items recipes and use cases")
      .option("--num-results <n>", "how many (1-500; 1-50 with --metadata)", positiveInt, 25),
  ).action((o: FilterFlags & { campaignArn?: string; recommenderArn?: string; userId?: string; itemId?: string; numResults: number }) =>
    guarded("personalize recommend", setExitCode, async () => {
      if ((o.campaignArn === undefined) === (o.recommenderArn === undefined)) {
        throw usage("give exactly one of --campaign-arn (a campaign) and --recommender-arn (a domain recommender)");
      }
      if (o.userId === undefined && o.itemId === undefined) throw usage("give --user-id (or --item-id, for related items)");
      const values = filterValues(o);
      const columns = metadata(o.metadata);
      const contextual = context(o);
      const args = {
        ...(o.campaignArn !== undefined ? { campaignArn: o.campaignArn } : {}),
        ...(o.recommenderArn !== undefined ? { recommenderArn: o.recommenderArn } : {}),
        ...(o.userId !== undefined ? { userId: o.userId } : {}),
        ...(o.itemId !== undefined ? { itemId: o.itemId } : {}),
        numResults: o.numResults,
        ...(o.filterArn !== undefined ? { filterArn: o.filterArn } : {}),
        ...(values ? { filterValues: values } : {}),
        ...(columns ? { metadataColumns: columns } : {}),
        ...(contextual ? { context: contextual } : {}),
      };
      console.log(JSON.stringify(await service().personalize.getRecommendations(args), null, 2));
    }),
  );
}

function registerRank(personalize: Command, setExitCode: (code: number) => void): void {
  addFilterFlags(
    personalize
      .command("rank")
      .description("re-rank a list of items for a user, with a personalized-ranking campaign")
      .requiredOption("--campaign-arn <arn>", "the campaign (a personalized-ranking recipe)")
      .requiredOption("--user-id <id>", "the user")
      .option("--items <ids>", "the item ids to rank, comma-separated")
      .option("--items-file <path>", "a file with one item id per line, or - for standard input"),
  ).action((o: FilterFlags & { campaignArn: string; userId: string; items?: string; itemsFile?: string }) =>
    guarded("personalize rank", setExitCode, async () => {
      const values = filterValues(o);
      const columns = metadata(o.metadata);
      const ctxValues = context(o);
      const items = await rankItems(o);
      const ranked = await service().personalize.getPersonalizedRanking({
        campaignArn: o.campaignArn,
        userId: o.userId,
        items,
        ...(o.filterArn !== undefined ? { filterArn: o.filterArn } : {}),
        ...(values ? { filterValues: values } : {}),
        ...(columns ? { metadataColumns: columns } : {}),
        ...(ctxValues ? { context: ctxValues } : {}),
      });
      console.log(JSON.stringify(ranked, null, 2));
    }),
  );
}

function registerFilter(personalize: Command, setExitCode: (code: number) => void): void {
  const filter = personalize.command("filter").description("recommendation filters: create (idempotent by name) or delete");
  filter
    .command("create")
    .description("create (or find) a filter and wait until it is ACTIVE; prints its ARN and its placeholders")
    .requiredOption("--dataset-group-arn <arn>", "the dataset group")
    .requiredOption("--name <name>", "the filter's name (it must start with the resource-name prefix)")
    .requiredOption("--expression <expr>", 'the filter expression, e.g. EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")')
    .action((o: { datasetGroupArn: string; name: string; expression: string }) =>
      guarded("personalize filter create", setExitCode, async () => {
        if (o.expression.trim() === "")
          throw usage("--expression is empty: give a filter expression such as EXCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)");
        const made = await service().personalize.createFilter({ name: o.name, datasetGroupArn: o.datasetGroupArn, expression: o.expression });
        console.log(JSON.stringify({ filterArn: made.arn, created: made.created, placeholders: made.placeholders }, null, 2));
      }),
    );
  filter
    .command("delete")
    .description("delete a filter and wait until it is gone")
    .requiredOption("--filter-arn <arn>", "the filter")
    .action((o: { filterArn: string }) =>
      guarded("personalize filter delete", setExitCode, async () => {
        const { deleted } = await service().personalize.deleteFilter(o.filterArn);
        console.log(JSON.stringify({ filterArn: o.filterArn, deleted }, null, 2));
      }),
    );
}

function registerRecommender(personalize: Command, setExitCode: (code: number) => void): void {
  const recommender = personalize.command("recommender").description("domain recommenders: create, start, stop (each bills while ACTIVE)");
  recommender
    .command("create")
    .description("create (or find) a recommender of a domain dataset group and wait until it is ACTIVE (billed per hour while ACTIVE)")
    .requiredOption("--dataset-group-arn <arn>", "the domain dataset group (ECOMMERCE or VIDEO_ON_DEMAND)")
    .requiredOption("--name <name>", "the recommender's name")
    .requiredOption("--recipe-arn <arn>", "the use case, e.g. arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you")
    .requiredOption("--min-rps <n>", "minRecommendationRequestsPerSecond: billed every hour it is ACTIVE, used or not", positiveInt)
    .option("--metadata", "enable item metadata in recommendations (billed extra)")
    .action((o: { datasetGroupArn: string; name: string; recipeArn: string; minRps: number; metadata?: boolean }) =>
      guarded("personalize recommender create", setExitCode, async () => {
        const { DOMAIN_RECIPES, domainOfRecipe } = services();
        if (!domainOfRecipe(o.recipeArn)) {
          throw usage(
            `--recipe-arn ${o.recipeArn} is not a domain use case: give one of ${[...DOMAIN_RECIPES.ECOMMERCE, ...DOMAIN_RECIPES.VIDEO_ON_DEMAND].join(", ")}`,
          );
        }
        const made = await service().personalize.createRecommender({
          name: o.name,
          datasetGroupArn: o.datasetGroupArn,
          recipeArn: o.recipeArn,
          minRecommendationRequestsPerSecond: o.minRps,
          ...(o.metadata ? { enableMetadataWithRecommendations: true } : {}),
        });
        console.log(JSON.stringify({ recommenderArn: made.arn, created: made.created }, null, 2));
      }),
    );
  for (const verb of ["start", "stop"] as const) {
    recommender
      .command(verb)
      .description(
        verb === "start"
          ? "start a stopped recommender and wait until ACTIVE (it bills again)"
          : "stop a recommender and wait until INACTIVE (it stops billing)",
      )
      .requiredOption("--recommender-arn <arn>", "the recommender")
      .action((o: { recommenderArn: string }) =>
        guarded(`personalize recommender ${verb}`, setExitCode, async () => {
          const { personalize: s } = service();
          if (verb === "start") await s.startRecommender(o.recommenderArn);
          else await s.stopRecommender(o.recommenderArn);
          console.log(JSON.stringify({ recommenderArn: o.recommenderArn, status: verb === "start" ? "ACTIVE" : "INACTIVE" }, null, 2));
        }),
      );
  }
}

async function* stdinLines(): AsyncGenerator<string> {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line.trim() !== "") yield line;
}

function registerDeleteUsers(personalize: Command, setExitCode: (code: number) => void): void {
  personalize
    .command("delete-users")
    .description("delete users and their data from a dataset group: the ids go to personalize/deletions/, then a data deletion job (up to a day)")
    .requiredOption("--dataset-group-arn <arn>", "the dataset group")
    .requiredOption("--file <path>", "the user ids, one per line, or - for standard input")
    .option("--job-name <name>", "the job's name (it must start with the resource-name prefix; default <prefix>-deletion-<time>)")
    .option("--wait", "wait until the job is COMPLETED (it can take a day)")
    .option("--wait-timeout <duration>", "with --wait: stop waiting after this long (e.g. 30m, 6h; default 24h); the job goes on", duration)
    .option("--keep-input", "with --wait: keep the ids' CSV once the job is COMPLETED (by default it is removed: it lists the users who asked to be forgotten)")
    .action((o: { datasetGroupArn: string; file: string; jobName?: string; wait?: boolean; waitTimeout?: number; keepInput?: boolean }) =>
      guarded("personalize delete-users", setExitCode, async () => {
        requireFile(o.file, "--file", { stdin: true });
        if (o.waitTimeout !== undefined && !o.wait) throw usage("--wait-timeout only applies with --wait: add --wait, or drop --wait-timeout");
        if (o.keepInput && !o.wait) throw usage("--keep-input only applies with --wait (without it the input stays): add --wait, or drop --keep-input");
        const { personalize: s } = service();
        const started = await s.deleteUserData({
          datasetGroupArn: o.datasetGroupArn,
          userIds: o.file === "-" ? stdinLines() : { path: o.file },
          ...(o.jobName !== undefined ? { jobName: o.jobName } : {}),
        });
        if (!o.wait) {
          console.log(JSON.stringify(started, null, 2));
          stderrLine(
            `started ${started.jobArn} (it can take a day); check it with \`aws personalize describe-data-deletion-job --data-deletion-job-arn ${started.jobArn}\``,
          );
          return;
        }
        // Named before the wait: a wait that ends early leaves the job running, and this says which.
        stderrLine(`started ${started.jobArn}; waiting for it (it can take a day)`);
        const done = await s.waitForDataDeletion(started.jobArn, {
          ...(o.waitTimeout !== undefined ? { timeoutMs: o.waitTimeout } : {}),
          ...(o.keepInput ? { keepInput: true } : {}),
        });
        console.log(JSON.stringify({ ...started, ...done }, null, 2));
      }),
    );
}

export function registerPersonalizeLive(personalize: Command, setExitCode: (code: number) => void): void {
  registerRecommend(personalize, setExitCode);
  registerRank(personalize, setExitCode);
  registerFilter(personalize, setExitCode);
  registerRecommender(personalize, setExitCode);
  registerDeleteUsers(personalize, setExitCode);
}
