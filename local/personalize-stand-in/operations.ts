/**
 * Every Personalize control-plane operation the stand-in answers (awsJson1_1,
 * `AmazonPersonalize.<Operation>`), one handler each: the data side in data-operations.ts, the
 * model side in model-operations.ts, batch inference and segment jobs in batch-operations.ts, filters,
 * recommenders and data deletion jobs in filter-, recommender- and data-deletion-operations.ts.
 */
import { BATCH_OPERATIONS } from "./batch-operations";
import { DATA_DELETION_OPERATIONS } from "./data-deletion-operations";
import { DATA_OPERATIONS } from "./data-operations";
import { FILTER_OPERATIONS } from "./filter-operations";
import { MODEL_OPERATIONS } from "./model-operations";
import type { Handler } from "./operation-context";
import { RECOMMENDER_OPERATIONS } from "./recommender-operations";

export type { Handler, OperationContext } from "./operation-context";

export const CONTROL_PLANE: Readonly<Record<string, Handler>> = {
  ...DATA_OPERATIONS,
  ...MODEL_OPERATIONS,
  ...BATCH_OPERATIONS,
  ...FILTER_OPERATIONS,
  ...RECOMMENDER_OPERATIONS,
  ...DATA_DELETION_OPERATIONS,
};
