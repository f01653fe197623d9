/**
 * Which Personalize and SageMaker resources belong to this project: those whose names start with the
 * stack's resource-name prefix (`roadmapx-` by default). The application policy grants Create,
 * Describe and Delete only on ARNs with that prefix, so the backend cannot touch another team's
 * dataset groups or endpoints; the services check names against the same rule before they call, so a
 * wrong name fails with a sentence instead of an AccessDenied.
 */

export const DEFAULT_RESOURCE_NAME_PREFIX = "roadmapx";

/** The tag every billed resource carries; event trackers (whose ARNs hold no name) are scoped by it. */
export const PROJECT_TAG = { key: "project", value: "roadmapx-ai" } as const;

/**
 * Why `prefix` cannot be a resource-name prefix, or undefined. Lowercase because SageMaker writes
 * names lowercased into its ARNs and IAM compares ARNs case-sensitively; short because Personalize
 * names have at most 63 characters and SageMaker endpoint names 63, and the prefix shares them.
 */
export function resourceNamePrefixProblem(prefix: string): string | undefined {
  if (!/^[a-z][a-z0-9-]*$/.test(prefix)) return "must start with a lowercase letter and hold only lowercase letters, digits and hyphens";
  if (prefix.length > 20) return `must be at most 20 characters long (it has ${prefix.length})`;
  if (prefix.endsWith("-")) return 'must not end with "-" (the services add it: prefix "roadmapx" names resources "roadmapx-...")';
  return undefined;
}

/** The ARN pattern of this project's resources of one type: `dataset-group/roadmapx-*`. */
export function ownedResourcePattern(resourceType: string, prefix: string): string {
  return `${resourceType}/${prefix}-*`;
}

/**
 * Why `name` is not one of this project's resource names, or undefined. `caseInsensitive` for
 * SageMaker, which lowercases names in ARNs (so "Roadmapx-job" is still `training-job/roadmapx-job`).
 */
export function ownedNameProblem(name: string, prefix: string, options: { caseInsensitive?: boolean } = {}): string | undefined {
  const start = `${prefix}-`;
  const candidate = options.caseInsensitive ? name.toLowerCase() : name;
  if (candidate.startsWith(start) && candidate.length > start.length) return undefined;
  return (
    `must start with "${start}" (the stack's resourceNamePrefix): the application policy lets the backend create, read and ` +
    `delete only resources named so; for example "${start}${name.length ? name : "demo"}"`
  );
}

/**
 * Why a Personalize ARN (`arn:aws:personalize:REGION:ACCOUNT:dataset-group/NAME`, `dataset/GROUP/TYPE`,
 * `solution/NAME/VERSION`) does not name one of this project's resources, or undefined.
 */
export function ownedArnProblem(arn: string, prefix: string): string | undefined {
  const resource = /^arn:[a-z-]+:[a-z-]+:[^:]*:\d{12}:([a-z-]+)\/([^/]+)/.exec(arn);
  if (!resource) return "is not a resource ARN such as arn:aws:personalize:us-east-1:123456789012:dataset-group/roadmapx-recs";
  const problem = ownedNameProblem(resource[2] as string, prefix);
  return problem ? `names ${resource[1]} "${resource[2]}", whose name ${problem}` : undefined;
}
