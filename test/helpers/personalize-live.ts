/**
 * The names the live-application tests share (test/services/personalize-live*.unit.test.ts and
 * test/cli/personalize-live*-cli.test.ts): this project's Personalize ARNs, the filters' expressions,
 * and the CLI's environment pointing at a closed loopback port (a call that went out ends in exit 3).
 */
export const P = "arn:aws:personalize:us-east-1:123456789012";
export const GROUP = `${P}:dataset-group/roadmapx-shop`;
export const CAMPAIGN = `${P}:campaign/roadmapx-live`;
export const RECOMMENDER = `${P}:recommender/roadmapx-for-you`;
export const CATEGORY_FILTER = `${P}:filter/roadmapx-category`;
export const PROMO_FILTER = `${P}:filter/roadmapx-in-house`;
export const ITEMS = `${P}:dataset/roadmapx-shop/ITEMS`;
export const USERS = `${P}:dataset/roadmapx-shop/USERS`;
export const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
export const FOR_YOU = "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you";

export const CATEGORY_EXPRESSION = "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY) | EXCLUDE ItemID WHERE Items.BRAND IN ($BRAND)";
export const PROMO_EXPRESSION = 'INCLUDE ItemID WHERE Items.OWNER IN ("in-house") AND Items.PRICE < $MAX_PRICE';

export const CLOSED_PORT_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "secret",
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  AWS_MAX_ATTEMPTS: "1",
  S3_BUCKET_NAME: "roadmapx-files",
  PERSONALIZE_ROLE_ARN: ROLE,
};
