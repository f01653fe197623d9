/**
 * Domain dataset groups and their recommenders: AWS's managed path, with no solution or campaign to
 * run. A recommender bills for its minimum recommendation requests per second every hour it is
 * ACTIVE, so creating and starting one says so first, and cleanup deletes recommenders before
 * anything else.
 *
 * API reference, CreateRecommender / RecommenderConfig: minRecommendationRequestsPerSecond is a
 * whole number of at least 1 ("A high minRecommendationRequestsPerSecond will increase your bill");
 * enableMetadataWithRecommendations "will incur additional costs". Statuses: CREATE PENDING >
 * CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED; STOP PENDING > STOP IN_PROGRESS > INACTIVE >
 * START PENDING > START IN_PROGRESS > ACTIVE; DELETE PENDING > DELETE IN_PROGRESS.
 */
import type { ServiceContext } from "../context";
import { WorkflowError } from "./errors";
import { ownedArn, ownedName } from "./owned";
import { collect, type PersonalizeWaits } from "./waits";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

export type Domain = "ECOMMERCE" | "VIDEO_ON_DEMAND";
export const DOMAINS: readonly Domain[] = ["ECOMMERCE", "VIDEO_ON_DEMAND"];

/**
 * Each domain's use cases, by recipe ARN ("ECOMMERCE use cases", "VIDEO_ON_DEMAND use cases": "If you
 * use the CreateRecommender API, provide the ARN listed here for the recipe ARN").
 */
export const DOMAIN_RECIPES: Readonly<Record<Domain, readonly string[]>> = {
  ECOMMERCE: [
    "arn:aws:personalize:::recipe/aws-ecomm-customers-who-viewed-x-also-viewed",
    "arn:aws:personalize:::recipe/aws-ecomm-frequently-bought-together",
    "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-purchases",
    "arn:aws:personalize:::recipe/aws-ecomm-popular-items-by-views",
    "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
  ],
  VIDEO_ON_DEMAND: [
    "arn:aws:personalize:::recipe/aws-vod-because-you-watched-x",
    "arn:aws:personalize:::recipe/aws-vod-more-like-x",
    "arn:aws:personalize:::recipe/aws-vod-most-popular",
    "arn:aws:personalize:::recipe/aws-vod-top-picks",
    "arn:aws:personalize:::recipe/aws-vod-trending-now",
  ],
};

export const RECOMMENDER_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:recommender\/[^/]+$/;
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/;

export function isDomain(value: string): value is Domain {
  return (DOMAINS as readonly string[]).includes(value);
}

/** The domain whose use case a recipe ARN is, or undefined. */
export function domainOfRecipe(recipeArn: string): Domain | undefined {
  return DOMAINS.find((d) => DOMAIN_RECIPES[d].includes(recipeArn));
}

function checkRecommenderArn(ctx: ServiceContext, recommenderArn: string): void {
  if (!RECOMMENDER_ARN.test(recommenderArn)) {
    throw new WorkflowError(`recommenderArn "${recommenderArn}" is not a recommender ARN: expected arn:aws:personalize:REGION:ACCOUNT:recommender/NAME`);
  }
  ownedArn(ctx, "recommenderArn", recommenderArn);
}

function costLine(name: string, rps: number, metadata: boolean): string {
  return (
    `cost: recommender ${name} bills for at least ${rps} recommendation request(s) per second every hour it is ACTIVE, whether or not it serves requests` +
    `${metadata ? ", and metadata in recommendations is billed on top" : ""}; stop it (roadmapx-ai personalize recommender stop) or delete it (roadmapx-ai personalize cleanup) when you are done.`
  );
}

async function describeRecommender(ctx: ServiceContext, recommenderArn: string) {
  return (await ctx.clients.personalize.send(new (sdkPersonalize().DescribeRecommenderCommand)({ recommenderArn }))).recommender;
}

/** A dataset group of a domain (ECOMMERCE or VIDEO_ON_DEMAND), found by name or created, waited for until ACTIVE. */
export async function ensureDomainDatasetGroup(
  ctx: ServiceContext,
  waits: PersonalizeWaits,
  name: string,
  domain: Domain,
): Promise<{ arn: string; created: boolean }> {
  ownedName(ctx, "dataset group name", name);
  if (!isDomain(domain)) throw new WorkflowError(`domain must be ${DOMAINS.join(" or ")} (got ${String(domain)})`);
  const sdk = sdkPersonalize();
  const client = ctx.clients.personalize;
  let arn = (await collect(sdk.paginateListDatasetGroups({ client, pageSize: 100 }, {}), (p) => p.datasetGroups)).find((g) => g.name === name)?.datasetGroupArn;
  const created = !arn;
  if (!arn) {
    arn = (await client.send(new sdk.CreateDatasetGroupCommand({ name, domain }))).datasetGroupArn;
    if (!arn) throw new WorkflowError("CreateDatasetGroup returned no ARN");
  }
  const datasetGroupArn = arn;
  const group = await waits.waitFor(
    `dataset group ${name}`,
    async () => (await client.send(new sdk.DescribeDatasetGroupCommand({ datasetGroupArn }))).datasetGroup,
    (g) => g?.status,
    (g) => g?.failureReason,
    3600_000,
  );
  if (!created && group?.domain !== domain) {
    throw new WorkflowError(
      `dataset group ${name} exists ${group?.domain ? `for the ${group.domain} domain` : "as a custom (non-domain) group"}, not ${domain}: a group's domain cannot change; choose another name`,
    );
  }
  return { arn: datasetGroupArn, created };
}

/**
 * A recommender of a domain dataset group, found by name or created (its cost said first), waited for
 * until ACTIVE. The recipe is checked against the group's domain before anything is created.
 */
export async function createRecommender(
  ctx: ServiceContext,
  waits: PersonalizeWaits,
  args: { name: string; datasetGroupArn: string; recipeArn: string; minRecommendationRequestsPerSecond: number; enableMetadataWithRecommendations?: boolean },
): Promise<{ arn: string; created: boolean }> {
  ownedName(ctx, "recommender name", args.name);
  if (!NAME.test(args.name))
    throw new WorkflowError(`recommender name "${args.name}" must be 1 to 63 letters, digits, "-" or "_", starting with a letter or digit`);
  ownedArn(ctx, "datasetGroupArn", args.datasetGroupArn);
  const rps = args.minRecommendationRequestsPerSecond;
  if (!Number.isInteger(rps) || rps < 1) throw new WorkflowError(`minRecommendationRequestsPerSecond must be a whole number of 1 or more (got ${rps})`);
  const recipeDomain = domainOfRecipe(args.recipeArn);
  if (!recipeDomain) {
    throw new WorkflowError(
      `recipeArn ${args.recipeArn} is not a domain use case; recommenders take one of: ${DOMAINS.map((d) => `${d}: ${DOMAIN_RECIPES[d].map((r) => r.slice(r.indexOf("/") + 1)).join(", ")}`).join("; ")}`,
    );
  }
  const sdk = sdkPersonalize();
  const client = ctx.clients.personalize;
  const group = (await client.send(new sdk.DescribeDatasetGroupCommand({ datasetGroupArn: args.datasetGroupArn }))).datasetGroup;
  if (group?.domain !== recipeDomain) {
    throw new WorkflowError(
      `${args.recipeArn} is a ${recipeDomain} use case, but dataset group ${args.datasetGroupArn} is ${group?.domain ? `a ${group.domain} group` : "not a domain group"}: ` +
        `recommenders need a domain dataset group of their recipe's domain (ensureDomainDatasetGroup)`,
    );
  }
  const existing = (await listRecommenders(ctx, args.datasetGroupArn)).find((r) => r.name === args.name);
  let arn = existing?.recommenderArn;
  if (!arn) {
    ctx.logger.warn(costLine(args.name, rps, args.enableMetadataWithRecommendations === true));
    arn = (
      await client.send(
        new sdk.CreateRecommenderCommand({
          name: args.name,
          datasetGroupArn: args.datasetGroupArn,
          recipeArn: args.recipeArn,
          recommenderConfig: {
            minRecommendationRequestsPerSecond: rps,
            ...(args.enableMetadataWithRecommendations !== undefined ? { enableMetadataWithRecommendations: args.enableMetadataWithRecommendations } : {}),
          },
        }),
      )
    ).recommenderArn;
    if (!arn) throw new WorkflowError("CreateRecommender returned no ARN");
  } else if (existing?.recipeArn && existing.recipeArn !== args.recipeArn) {
    ctx.logger.warn(`recommender ${args.name} exists and serves ${existing.recipeArn}, not ${args.recipeArn}: left as it is.`);
  }
  const recommenderArn = arn;
  await waits.waitFor(
    `recommender ${args.name}`,
    () => describeRecommender(ctx, recommenderArn),
    (r) => r?.status,
    (r) => r?.failureReason,
    3600_000,
  );
  return { arn: recommenderArn, created: !existing };
}

/** Waits for a recommender to reach `done` (ACTIVE after a start, INACTIVE after a stop). */
function waitUntil(ctx: ServiceContext, waits: PersonalizeWaits, recommenderArn: string, done: "ACTIVE" | "INACTIVE") {
  return waits.waitFor(
    `recommender ${recommenderArn}`,
    () => describeRecommender(ctx, recommenderArn),
    (r) => r?.status,
    (r) => r?.failureReason,
    3600_000,
    { done: [done], failed: ["CREATE FAILED"] },
  );
}

/**
 * Starts a stopped (INACTIVE) recommender, its cost said first, and waits until it is ACTIVE. One
 * ACTIVE already is left as it is, one already starting is waited for; any other status is refused.
 */
export async function startRecommender(ctx: ServiceContext, waits: PersonalizeWaits, recommenderArn: string): Promise<void> {
  checkRecommenderArn(ctx, recommenderArn);
  const current = await describeRecommender(ctx, recommenderArn);
  const status = current?.status ?? "UNKNOWN";
  if (status === "ACTIVE") return;
  if (status !== "INACTIVE" && !status.startsWith("START ")) {
    throw new WorkflowError(
      `recommender ${recommenderArn} is ${status}: only a stopped (INACTIVE) recommender can be started${status.startsWith("STOP ") ? "; wait until it is INACTIVE" : ""}`,
    );
  }
  if (status === "INACTIVE") {
    const rps = current?.recommenderConfig?.minRecommendationRequestsPerSecond ?? 1;
    ctx.logger.warn(costLine(current?.name ?? recommenderArn, rps, current?.recommenderConfig?.enableMetadataWithRecommendations === true));
    await ctx.clients.personalize.send(new (sdkPersonalize().StartRecommenderCommand)({ recommenderArn }));
  }
  await waitUntil(ctx, waits, recommenderArn, "ACTIVE");
}

/**
 * Stops an ACTIVE recommender (it stops billing once INACTIVE) and waits until it is INACTIVE. One
 * INACTIVE already is left as it is, one already stopping is waited for; any other status is refused.
 */
export async function stopRecommender(ctx: ServiceContext, waits: PersonalizeWaits, recommenderArn: string): Promise<void> {
  checkRecommenderArn(ctx, recommenderArn);
  const status = (await describeRecommender(ctx, recommenderArn))?.status ?? "UNKNOWN";
  if (status === "INACTIVE") return;
  if (status !== "ACTIVE" && !status.startsWith("STOP ")) {
    throw new WorkflowError(
      `recommender ${recommenderArn} is ${status}: only an ACTIVE recommender can be stopped${/^(CREATE|START) (PENDING|IN_PROGRESS)$/.test(status) ? "; wait until it is ACTIVE" : ""}`,
    );
  }
  if (status === "ACTIVE") await ctx.clients.personalize.send(new (sdkPersonalize().StopRecommenderCommand)({ recommenderArn }));
  await waitUntil(ctx, waits, recommenderArn, "INACTIVE");
  ctx.logger.info(
    `recommender ${recommenderArn} is INACTIVE: it no longer bills its requests per second (start it again with roadmapx-ai personalize recommender start)`,
  );
}

/** Every recommender of a dataset group (read page by page; a page that is not there ends the list). */
export async function listRecommenders(ctx: ServiceContext, datasetGroupArn: string) {
  const all: import("@aws-sdk/client-personalize").RecommenderSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients.personalize.send(new (sdkPersonalize().ListRecommendersCommand)({ datasetGroupArn, maxResults: 100, nextToken }));
    all.push(...(page?.recommenders ?? []));
    nextToken = page?.nextToken;
  } while (nextToken);
  return all;
}
