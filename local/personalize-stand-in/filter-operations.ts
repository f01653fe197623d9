/**
 * Control-plane handlers for filters: CreateFilter, DescribeFilter, ListFilters, DeleteFilter, with
 * the API reference's constraints (`filterExpression` 1 to 2,500 characters, names and tags as every
 * resource's) and statuses `CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED`, then
 * `DELETE PENDING > DELETE IN_PROGRESS` (the Filter shape's `status`). An expression that does not
 * parse is an InvalidInputException. One the docs leave open, decided here: the datasets it reads must
 * be in the group and its Items/Users fields in their schemas (InvalidInputException otherwise).
 */
import { alreadyExists, invalidInput } from "./errors";
import { parseFilterExpression } from "./filter-expression";
import { find, type Handler, lifecycleFields, type OperationContext, requireActive, requireDeletable, startLifecycle } from "./operation-context";
import { page } from "./paging";
import type { FilterRecord } from "./state";
import { tagsOf } from "./tags";
import type { ParsedFilter } from "./filter-expression";

function checkFields(ctx: OperationContext, datasetGroupArn: string, parsed: ParsedFilter): void {
  const datasets = ctx.state.datasetsOf(datasetGroupArn);
  for (const name of parsed.datasets) {
    const type = name.toUpperCase();
    const dataset = datasets.find((d) => d.datasetType === type);
    if (!dataset) throw invalidInput(`The filter expression uses the ${name} dataset, but the dataset group ${datasetGroupArn} has no ${name} dataset.`);
    if (name === "Interactions") continue;
    const fields = ctx.state.schemas.get(dataset.schemaArn)?.fields ?? [];
    const used = parsed.parts
      .flatMap((p) => [...p.where.flat(), ...p.when])
      .filter((c) => c.dataset === name || (name === "Users" && c.dataset === "CurrentUser"));
    for (const c of used) {
      if (!fields.some((f) => f.name.toUpperCase() === c.field.toUpperCase())) {
        throw invalidInput(`The filter expression uses ${c.dataset}.${c.field}, which is not a field of the ${name} dataset's schema.`);
      }
    }
  }
}

const CreateFilter: Handler = (input, ctx) => {
  const name = input.name();
  const datasetGroupArn = input.arn("datasetGroupArn");
  const filterExpression = input.string("filterExpression", { min: 1, max: 2500 });
  const tags = tagsOf(input);
  const group = find(ctx.state.datasetGroups, datasetGroupArn);
  requireActive(group, "dataset group", ctx.now);
  const parsed = parseFilterExpression(filterExpression);
  checkFields(ctx, datasetGroupArn, parsed);
  const arn = ctx.arns.of("filter", name);
  if (ctx.state.filters.has(arn)) throw alreadyExists(arn);
  ctx.state.filters.set(arn, { arn, name, datasetGroupArn, filterExpression, parsed, tags, lifecycle: startLifecycle(ctx, "filter") });
  return { filterArn: arn };
};

function summary(f: FilterRecord, now: number) {
  return { name: f.name, filterArn: f.arn, datasetGroupArn: f.datasetGroupArn, ...lifecycleFields(f.lifecycle, now) };
}

const DescribeFilter: Handler = (input, ctx) => {
  const f = find(ctx.state.filters, input.arn("filterArn"));
  return { filter: { ...summary(f, ctx.now), filterExpression: f.filterExpression } };
};

/** The SDK's ListFiltersResponse names the list `Filters` (capital F), unlike every other List*. */
const ListFilters: Handler = (input, ctx) => {
  const datasetGroupArn = input.optionalArn("datasetGroupArn");
  const all = [...ctx.state.filters.values()]
    .filter((f) => datasetGroupArn === undefined || f.datasetGroupArn === datasetGroupArn)
    .map((f) => summary(f, ctx.now));
  const { items, nextToken } = page(all, `ListFilters:${datasetGroupArn ?? ""}`, input.maxResults(), input.nextToken());
  return { Filters: items, nextToken };
};

const DeleteFilter: Handler = (input, ctx) => {
  const f = find(ctx.state.filters, input.arn("filterArn"));
  requireDeletable(f, "filter", ctx.now);
  f.lifecycle.requestDelete(ctx.now);
  return {};
};

export const FILTER_OPERATIONS: Readonly<Record<string, Handler>> = { CreateFilter, DescribeFilter, ListFilters, DeleteFilter };
