/**
 * Deleting a dataset group and everything in it, in the order Personalize requires, each deletion
 * waited for. What bills by the hour (recommenders, campaigns) goes first.
 */
import type { PersonalizeClient } from "@aws-sdk/client-personalize";
import { classify } from "@roadmapx-ai/core";
import { collect, notFound, type PersonalizeWaits } from "./waits";

/** @aws-sdk/client-personalize, loaded on the first call: importing the services must not load every SDK client. */
const sdkPersonalize = (): typeof import("@aws-sdk/client-personalize") =>
  require("@aws-sdk/client-personalize") as typeof import("@aws-sdk/client-personalize");

/**
 * The ARNs of a List* call read page by page, all of them before the first is yielded (deleting while
 * paging would move the pages). An endpoint that does not implement the call (a partial emulator)
 * has nothing of the kind to delete.
 */
async function* pagedArns<Page extends { nextToken?: string | undefined }>(
  page: (nextToken: string | undefined) => Promise<Page | undefined>,
  arns: (page: Page | undefined) => (string | undefined)[] | undefined,
): AsyncGenerator<string> {
  const all: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const p = await page(nextToken);
      for (const arn of arns(p) ?? []) if (arn) all.push(arn);
      nextToken = p?.nextToken;
    } while (nextToken);
  } catch (err) {
    if (classify(err, "personalize:List", "").kind !== "unavailable") throw err;
  }
  yield* all;
}

/**
 * Deletes everything in a dataset group, in the order Personalize requires: recommenders, filters, campaigns, then
 * solutions, event trackers, datasets, the group itself, and (when asked) the schemas its datasets
 * used. Each deletion is waited for; what is already gone is skipped.
 */
export async function cleanupDatasetGroup(
  client: PersonalizeClient,
  waits: PersonalizeWaits,
  datasetGroupArn: string,
  options: { deleteSchemas?: boolean } = {},
): Promise<string[]> {
  const deleted: string[] = [];
  const c = client;
  try {
    await c.send(new (sdkPersonalize().DescribeDatasetGroupCommand)({ datasetGroupArn }));
  } catch (err) {
    if (notFound(err)) return deleted;
    throw err;
  }
  // Recommenders first: they bill every hour they are ACTIVE (and a group with one cannot go).
  for await (const recommenderArn of pagedArns(
    (nextToken) => c.send(new (sdkPersonalize().ListRecommendersCommand)({ datasetGroupArn, maxResults: 100, nextToken })),
    (p) => p?.recommenders?.map((r) => r.recommenderArn),
  )) {
    deleted.push(
      await waits.remove(
        "recommender",
        recommenderArn,
        () => c.send(new (sdkPersonalize().DeleteRecommenderCommand)({ recommenderArn })),
        () => c.send(new (sdkPersonalize().DescribeRecommenderCommand)({ recommenderArn })),
      ),
    );
  }
  // Then filters (a group with filters cannot be deleted either).
  for await (const filterArn of pagedArns(
    (nextToken) => c.send(new (sdkPersonalize().ListFiltersCommand)({ datasetGroupArn, maxResults: 100, nextToken })),
    (p) => p?.Filters?.map((f) => f.filterArn),
  )) {
    deleted.push(
      await waits.remove(
        "filter",
        filterArn,
        () => c.send(new (sdkPersonalize().DeleteFilterCommand)({ filterArn })),
        () => c.send(new (sdkPersonalize().DescribeFilterCommand)({ filterArn })),
      ),
    );
  }
  const solutions = await collect(sdkPersonalize().paginateListSolutions({ client: c, pageSize: 100 }, { datasetGroupArn }), (p) => p.solutions);
  for (const s of solutions) {
    const campaigns = await collect(sdkPersonalize().paginateListCampaigns({ client: c, pageSize: 100 }, { solutionArn: s.solutionArn }), (p) => p.campaigns);
    for (const campaign of campaigns) {
      if (!campaign.campaignArn) continue;
      const campaignArn = campaign.campaignArn;
      deleted.push(
        await waits.remove(
          "campaign",
          campaignArn,
          () => c.send(new (sdkPersonalize().DeleteCampaignCommand)({ campaignArn })),
          () => c.send(new (sdkPersonalize().DescribeCampaignCommand)({ campaignArn })),
        ),
      );
    }
  }
  for (const s of solutions) {
    if (!s.solutionArn) continue;
    const solutionArn = s.solutionArn;
    deleted.push(
      await waits.remove(
        "solution",
        solutionArn,
        () => c.send(new (sdkPersonalize().DeleteSolutionCommand)({ solutionArn })),
        () => c.send(new (sdkPersonalize().DescribeSolutionCommand)({ solutionArn })),
      ),
    );
  }
  const listTrackers = () => collect(sdkPersonalize().paginateListEventTrackers({ client: c, pageSize: 100 }, { datasetGroupArn }), (p) => p.eventTrackers);
  for (const t of await listTrackers()) {
    if (!t.eventTrackerArn) continue;
    const eventTrackerArn = t.eventTrackerArn;
    deleted.push(
      await waits.remove(
        "event tracker",
        eventTrackerArn,
        () => c.send(new (sdkPersonalize().DeleteEventTrackerCommand)({ eventTrackerArn })),
        // Waited for by listing, not DescribeEventTracker: the application policy lets the backend
        // describe only trackers tagged as this project's, and a deleted tracker has no tags, so
        // describing it ends in AccessDenied, not ResourceNotFoundException.
        async () => {
          const left = (await listTrackers()).find((x) => x.eventTrackerArn === eventTrackerArn);
          if (!left) throw Object.assign(new Error(`event tracker ${eventTrackerArn} is gone`), { name: "ResourceNotFoundException" });
          return left;
        },
      ),
    );
  }
  const datasets = await collect(sdkPersonalize().paginateListDatasets({ client: c, pageSize: 100 }, { datasetGroupArn }), (p) => p.datasets);
  const schemaArns = new Set<string>();
  for (const d of datasets) {
    if (!d.datasetArn) continue;
    const datasetArn = d.datasetArn;
    if (options.deleteSchemas) {
      const described = await c.send(new (sdkPersonalize().DescribeDatasetCommand)({ datasetArn }));
      if (described.dataset?.schemaArn) schemaArns.add(described.dataset.schemaArn);
    }
    deleted.push(
      await waits.remove(
        "dataset",
        datasetArn,
        () => c.send(new (sdkPersonalize().DeleteDatasetCommand)({ datasetArn })),
        () => c.send(new (sdkPersonalize().DescribeDatasetCommand)({ datasetArn })),
      ),
    );
  }
  deleted.push(
    await waits.remove(
      "dataset group",
      datasetGroupArn,
      () => c.send(new (sdkPersonalize().DeleteDatasetGroupCommand)({ datasetGroupArn })),
      () => c.send(new (sdkPersonalize().DescribeDatasetGroupCommand)({ datasetGroupArn })),
    ),
  );
  for (const schemaArn of schemaArns) {
    try {
      await c.send(new (sdkPersonalize().DeleteSchemaCommand)({ schemaArn }));
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    deleted.push(schemaArn);
  }
  return deleted;
}
