/**
 * The use cases (recipes) of Domain dataset groups, as "ECOMMERCE use cases" and "VIDEO_ON_DEMAND
 * use cases" list them, with their recipe ARNs (`arn:aws:personalize:::recipe/<name>`) and what
 * GetRecommendations needs: `itemId` for the "X" use cases (related items), `userId` for the others.
 * `eventType`: the event type the use case trains on ("Required event types: At minimum 1000 View
 * events" and the like); the stand-in trains on those events only.
 */
export type Domain = "ECOMMERCE" | "VIDEO_ON_DEMAND";

export interface UseCase {
  domain: Domain;
  /** `related`: items like the request's `itemId`; `user`: items for the request's `userId`. */
  kind: "related" | "user";
  eventType: string | undefined;
  /** Personalized for a user: the only ones itemExplorationConfig applies to (RecommenderConfig). */
  personalized: boolean;
}

export const USE_CASES: Readonly<Record<string, UseCase>> = {
  "aws-ecomm-popular-items-by-views": { domain: "ECOMMERCE", kind: "user", eventType: "View", personalized: false },
  "aws-ecomm-popular-items-by-purchases": { domain: "ECOMMERCE", kind: "user", eventType: "Purchase", personalized: false },
  "aws-ecomm-frequently-bought-together": { domain: "ECOMMERCE", kind: "related", eventType: "Purchase", personalized: false },
  "aws-ecomm-customers-who-viewed-x-also-viewed": { domain: "ECOMMERCE", kind: "related", eventType: "View", personalized: false },
  "aws-ecomm-recommended-for-you": { domain: "ECOMMERCE", kind: "user", eventType: undefined, personalized: true },
  "aws-vod-because-you-watched-x": { domain: "VIDEO_ON_DEMAND", kind: "related", eventType: "Watch", personalized: false },
  "aws-vod-more-like-x": { domain: "VIDEO_ON_DEMAND", kind: "related", eventType: undefined, personalized: false },
  "aws-vod-most-popular": { domain: "VIDEO_ON_DEMAND", kind: "user", eventType: "Watch", personalized: false },
  "aws-vod-trending-now": { domain: "VIDEO_ON_DEMAND", kind: "user", eventType: undefined, personalized: false },
  "aws-vod-top-picks": { domain: "VIDEO_ON_DEMAND", kind: "user", eventType: undefined, personalized: true },
};

export const recipeName = (recipeArn: string): string | undefined => /^arn:aws:personalize:::recipe\/(.+)$/.exec(recipeArn)?.[1];
