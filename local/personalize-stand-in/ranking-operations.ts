/**
 * GetPersonalizedRanking (personalize-runtime, REST-JSON `POST /personalize-ranking`): `campaignArn`,
 * `inputList` and `userId` required (the runtime model); "The solution backing the campaign must have
 * been created using a recipe of type PERSONALIZED_RANKING" (aws-personalized-ranking,
 * aws-personalized-ranking-v2), else InvalidInputException; at most 500 items, 50 with metadata
 * (`inputList`'s documentation); "If an item was not included in the training dataset, the item is
 * appended to the end of the reranked list" (here without a score). No recommenderArn: the API takes
 * none. The ranking is model.ts's: known items by interaction count, scores sharing 1; a filter removes
 * the items it does not keep; `metadataColumns` as for GetRecommendations.
 */
import { recommendationId } from "./arns";
import { invalidInput } from "./errors";
import type { OperationContext } from "./operation-context";
import { filterPredicate } from "./runtime-filters";
import { contextOf, filterValuesOf, metadataColumnsOf } from "./runtime-request";
import { type AnsweredItem, withMetadata } from "./runtime-results";
import { servedByCampaign } from "./runtime-target";
import { ID_RULE, type Input } from "./validation";

export const MAX_RANKING_INPUT = 500;
export const MAX_RANKING_INPUT_WITH_METADATA = 50;

export function getPersonalizedRanking(input: Input, ctx: OperationContext): object {
  const campaignArn = input.arn("campaignArn");
  const userId = input.string("userId", ID_RULE);
  const metadataColumns = metadataColumnsOf(input);
  const max = metadataColumns ? MAX_RANKING_INPUT_WITH_METADATA : MAX_RANKING_INPUT;
  const inputList = input.stringList("inputList", { min: 1, max }, ID_RULE);
  if (!inputList) throw invalidInput("1 validation error detected: Value null at 'inputList' failed to satisfy constraint: Member must not be null");
  contextOf(input);
  const filterArn = input.optionalArn("filterArn");
  const filterValues = filterValuesOf(input);
  const served = servedByCampaign(ctx, campaignArn);
  if (served.kind !== "ranking") {
    throw invalidInput(
      `The campaign ${campaignArn} uses ${served.recipe}: GetPersonalizedRanking needs a campaign of a PERSONALIZED_RANKING recipe (aws-personalized-ranking, aws-personalized-ranking-v2).`,
    );
  }
  const keep =
    filterArn === undefined
      ? () => true
      : filterPredicate(ctx, { filterArn, filterValues, datasetGroupArn: served.datasetGroupArn, userId, itemId: undefined });
  const unique = [...new Set(inputList)].filter(keep);
  const known = unique.filter((id) => served.model.knows(id));
  const ranked: AnsweredItem[] = [...served.model.rank(known), ...unique.filter((id) => !served.model.knows(id)).map((itemId) => ({ itemId }))];
  return { personalizedRanking: withMetadata(ctx, served, metadataColumns, ranked), recommendationId: recommendationId() };
}
