/**
 * Personalize filters: `createFilter` (idempotent by name within its dataset group, waiting for
 * ACTIVE), `deleteFilter`, and the cache of filter expressions the recommendation calls check their
 * filterValues against (one DescribeFilter per filter ARN for the service's life: a filter cannot
 * change, only be deleted).
 *
 * API reference, CreateFilter: name 1 to 63 characters of ^[a-zA-Z0-9][a-zA-Z0-9\-_]*, filterExpression
 * 1 to 2,500 characters; status CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED.
 * Filters (like recommenders and data deletion jobs) are not tagged: their ARNs hold their names,
 * which the application policy scopes, and tags on a Create* call also need personalize:TagResource
 * (Service Authorization Reference, the operations table).
 */
import { classify } from "@roadmapx-ai/core";
import type { ServiceContext } from "../context";
import { WorkflowError } from "./errors";
import { filterPlaceholders } from "./filter-values";
import { ownedArn, ownedName } from "./owned";
import { notFound, type PersonalizeWaits } from "./waits";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

export const FILTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,62}$/;
export const MAX_FILTER_EXPRESSION_LENGTH = 2500;
export const FILTER_ARN = /^arn:[\w-]+:personalize:[\w-]+:\d{12}:filter\/[^/]+$/;

/** Whitespace does not change an expression's meaning: compared without it (outside quotes it only separates words). */
const normalised = (expression: string) => expression.trim().replace(/\s+/g, " ");

/** Refuses what is not a filter ARN of this project (before any call). */
export function checkFilterArn(ctx: ServiceContext, field: string, filterArn: string): string {
  if (!FILTER_ARN.test(filterArn))
    throw new WorkflowError(`${field} "${filterArn}" is not a filter ARN: expected arn:aws:personalize:REGION:ACCOUNT:filter/NAME`);
  return ownedArn(ctx, field, filterArn);
}

/** Every filter of a dataset group (ListFilters answers `Filters`, capital F). */
async function listFilters(ctx: ServiceContext, datasetGroupArn: string) {
  const all: import("@aws-sdk/client-personalize").FilterSummary[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.clients.personalize.send(new (sdkPersonalize().ListFiltersCommand)({ datasetGroupArn, maxResults: 100, nextToken }));
    all.push(...(page?.Filters ?? []));
    nextToken = page?.nextToken;
  } while (nextToken);
  return all;
}

export async function createFilter(
  ctx: ServiceContext,
  waits: PersonalizeWaits,
  args: { name: string; datasetGroupArn: string; expression: string },
): Promise<{ arn: string; created: boolean; placeholders: string[] }> {
  ownedName(ctx, "filter name", args.name);
  if (!FILTER_NAME.test(args.name))
    throw new WorkflowError(`filter name "${args.name}" must be 1 to 63 letters, digits, "-" or "_", starting with a letter or digit`);
  ownedArn(ctx, "datasetGroupArn", args.datasetGroupArn);
  const expression = args.expression.trim();
  if (expression.length === 0 || expression.length > MAX_FILTER_EXPRESSION_LENGTH) {
    throw new WorkflowError(`the filter expression must be 1 to ${MAX_FILTER_EXPRESSION_LENGTH} characters (got ${expression.length})`);
  }
  const badPart = expression.split(/\|(?=(?:[^"]*"[^"]*")*[^"]*$)/).find((p) => !/^\s*(INCLUDE|EXCLUDE)\s/i.test(p));
  if (badPart !== undefined) {
    throw new WorkflowError(
      `the filter expression part "${badPart.trim()}" must start with INCLUDE or EXCLUDE, e.g. EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")`,
    );
  }
  const placeholders = filterPlaceholders(expression);
  const sdk = sdkPersonalize();
  const existing = (await listFilters(ctx, args.datasetGroupArn)).find((f) => f.name === args.name);
  let arn = existing?.filterArn;
  if (arn) {
    const current = (await ctx.clients.personalize.send(new sdk.DescribeFilterCommand({ filterArn: arn }))).filter?.filterExpression ?? "";
    if (normalised(current) !== normalised(expression)) {
      throw new WorkflowError(
        `filter ${args.name} already exists with another expression (${current}), and filters cannot change: delete it first (roadmapx-ai personalize filter delete --filter-arn ${arn}) or choose another name`,
      );
    }
  } else {
    const created = await ctx.clients.personalize.send(
      new sdk.CreateFilterCommand({
        name: args.name,
        datasetGroupArn: args.datasetGroupArn,
        filterExpression: expression,
      }),
    );
    arn = created.filterArn;
    if (!arn) throw new WorkflowError("CreateFilter returned no ARN");
  }
  const filterArn = arn;
  await waits.waitFor(
    `filter ${args.name}`,
    async () => (await ctx.clients.personalize.send(new sdk.DescribeFilterCommand({ filterArn }))).filter,
    (f) => f?.status,
    (f) => f?.failureReason,
    3600_000,
  );
  return { arn: filterArn, created: !existing, placeholders };
}

/** Deletes a filter and waits until it is gone; one already gone answers `{ deleted: false }`. */
export async function deleteFilter(ctx: ServiceContext, waits: PersonalizeWaits, filterArn: string): Promise<{ deleted: boolean }> {
  checkFilterArn(ctx, "filterArn", filterArn);
  const sdk = sdkPersonalize();
  try {
    await ctx.clients.personalize.send(new sdk.DeleteFilterCommand({ filterArn }));
  } catch (err) {
    if (notFound(err)) return { deleted: false };
    throw err;
  }
  await waits.waitGone(`filter ${filterArn}`, () => ctx.clients.personalize.send(new sdk.DescribeFilterCommand({ filterArn })));
  return { deleted: true };
}

/**
 * Filter expressions by ARN, each described once (DescribeFilter) and kept: what the recommendation
 * calls check filterValues against before they are sent. An endpoint without DescribeFilter (a
 * partial emulator) answers undefined, said once: the values then go unchecked.
 */
export class FilterExpressions {
  private readonly known = new Map<string, Promise<string | undefined>>();
  private toldUnavailable = false;

  constructor(private readonly ctx: ServiceContext) {}

  expressionOf(filterArn: string): Promise<string | undefined> {
    let expression = this.known.get(filterArn);
    if (!expression) {
      expression = this.describe(filterArn);
      this.known.set(filterArn, expression);
      // A failed look-up is not kept: the next call asks again.
      expression.catch(() => this.known.delete(filterArn));
    }
    return expression;
  }

  forget(filterArn: string): void {
    this.known.delete(filterArn);
  }

  private async describe(filterArn: string): Promise<string | undefined> {
    try {
      const filter = (await this.ctx.clients.personalize.send(new (sdkPersonalize().DescribeFilterCommand)({ filterArn }))).filter;
      if (!filter?.filterExpression) throw new WorkflowError(`filter ${filterArn} has no expression (DescribeFilter)`);
      return filter.filterExpression;
    } catch (err) {
      if (notFound(err))
        throw new WorkflowError(`filter ${filterArn} does not exist (DescribeFilter): create it first (roadmapx-ai personalize filter create)`);
      if (err instanceof WorkflowError || classify(err, "personalize:DescribeFilter", filterArn).kind !== "unavailable") throw err;
      if (!this.toldUnavailable) {
        this.toldUnavailable = true;
        this.ctx.logger.warn("this endpoint does not implement DescribeFilter: filter values are sent without being checked against the filter");
      }
      return undefined;
    }
  }
}
