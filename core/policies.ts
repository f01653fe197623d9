/**
 * Policy documents generated from the requirements model. Pure functions of plain strings, so infra/
 * can call them inside `pulumi.all(...).apply(...)`, verify/ can print the exact statement a user must
 * add, and tests can assert on them without Pulumi.
 */
import { type AwsTarget, type PolicyDocument, type PolicyStatement, asList, policyDocument, s3BucketArn, s3ObjectsArn } from "./iam";
import { APPLICATION, type BucketGrant, type ObjectGrant, PREFIXES, SERVICES, type ServiceRequirement } from "./requirements";
import { DEFAULT_RESOURCE_NAME_PREFIX, PROJECT_TAG, ownedResourcePattern } from "./resource-names";

/** Statements this project writes into bucket policies start with this Sid, so a merge can find them. */
export const OWN_SID_PREFIX = "RoadmapxAi";

function capitalised(id: string): string {
  return id === "sagemaker" ? "SageMaker" : id.charAt(0).toUpperCase() + id.slice(1);
}

/** Trust policy: only the service may assume the role, and only on behalf of this account and region. */
export function trustPolicy(req: ServiceRequirement, target: AwsTarget): PolicyDocument {
  return policyDocument([
    {
      Sid: `${capitalised(req.id)}AssumeRole`,
      Effect: "Allow",
      Principal: { Service: req.principal },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": target.accountId },
        ArnLike: { "aws:SourceArn": req.sourceArnPattern(target) },
      },
    },
  ]);
}

function bucketStatement(grant: BucketGrant, partition: string, bucket: string): PolicyStatement {
  return { Sid: grant.sid, Effect: "Allow", Action: [...grant.actions], Resource: [s3BucketArn(partition, bucket)] };
}

function objectStatement(grant: ObjectGrant, partition: string, bucket: string): PolicyStatement {
  return {
    Sid: grant.sid,
    Effect: "Allow",
    Action: [...grant.actions],
    Resource: grant.prefixes.map((p) => s3ObjectsArn(partition, bucket, PREFIXES[p])),
  };
}

export interface ServiceRolePolicyArgs {
  target: AwsTarget;
  bucket: string;
  /** SSE-KMS key of the bucket, when it has one. */
  kmsKeyArn?: string | undefined;
}

/** The inline policy of a service role: S3 on its prefixes, its runtime needs, and the KMS key. */
export function serviceRolePolicy(req: ServiceRequirement, args: ServiceRolePolicyArgs): PolicyDocument {
  const { partition } = args.target;
  const statements: PolicyStatement[] = [
    bucketStatement(req.bucket, partition, args.bucket),
    ...req.objects.map((g) => objectStatement(g, partition, args.bucket)),
    ...req.runtimeStatements(args.target),
  ];
  if (args.kmsKeyArn) {
    statements.push({
      Sid: `${capitalised(req.id)}UseBucketKey`,
      Effect: "Allow",
      Action: [...req.kmsActions],
      Resource: [args.kmsKeyArn],
    });
  }
  return policyDocument(statements);
}

/**
 * The bucket-policy statements a service needs (Personalize: list the bucket, read and write its prefix).
 * Empty for services that need the role alone. Each admits the service only when it acts for this
 * account (`aws:SourceAccount`), as AWS recommends for service principals in resource policies, so
 * that another account's Personalize cannot be made to read the data (confused deputy).
 */
export function serviceBucketPolicyStatements(req: ServiceRequirement, partition: string, bucket: string, accountId: string): PolicyStatement[] {
  if (!req.bucketPolicy) return [];
  const grants = [bucketStatement(req.bucketPolicy.bucket, partition, bucket), ...req.bucketPolicy.objects.map((g) => objectStatement(g, partition, bucket))];
  // Written key by key so the JSON reads in the order people expect (Sid, Effect, Principal, ...).
  return grants.map(({ Sid, Effect, Action, Resource }) => ({
    Sid,
    Effect,
    Principal: { Service: req.principal },
    Action,
    Resource,
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  }));
}

export function personalizeBucketPolicyStatements(partition: string, bucket: string, accountId: string): PolicyStatement[] {
  return serviceBucketPolicyStatements(SERVICES.personalize, partition, bucket, accountId);
}

/** Deny every request that does not use TLS. Personalize and SageMaker always use TLS. */
export function tlsOnlyStatement(partition: string, bucket: string): PolicyStatement {
  return {
    Sid: `${OWN_SID_PREFIX}DenyInsecureTransport`,
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [s3BucketArn(partition, bucket), s3ObjectsArn(partition, bucket)],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}

/**
 * The policy of the bucket this stack creates: TLS only, plus Personalize's access to its prefix.
 * No VPC-endpoint-only Deny: Personalize cannot reach buckets restricted to a VPC.
 */
export function artifactsBucketPolicy(partition: string, bucket: string, accountId: string): PolicyDocument {
  return policyDocument([tlsOnlyStatement(partition, bucket), ...personalizeBucketPolicyStatements(partition, bucket, accountId)]);
}

export class BucketPolicyMergeError extends Error {}

/**
 * Merges our statements into a bucket's existing policy without dropping anything of the owner's:
 * every existing statement is kept, except earlier copies of ours (same Sid), which are replaced.
 * `existing` is the policy JSON as S3 returns it, or undefined when the bucket has none.
 */
export function mergeBucketPolicy(existing: string | undefined, ours: PolicyStatement[]): PolicyDocument {
  if (existing === undefined || existing.trim() === "") return policyDocument(ours);
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch (err) {
    throw new BucketPolicyMergeError(`the existing bucket policy is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || !("Statement" in parsed)) {
    throw new BucketPolicyMergeError("the existing bucket policy has no Statement list");
  }
  const existingStatements = asList((parsed as { Statement: PolicyStatement | PolicyStatement[] }).Statement);
  const ourSids = new Set(ours.map((s) => s.Sid));
  const kept = existingStatements.filter((s) => s.Sid === undefined || !ourSids.has(s.Sid));
  const { Id, Version } = parsed as { Id?: unknown; Version?: unknown };
  // Keep the owner's Version: under "2008-10-17" a literal "${...}" in their statements means itself.
  return {
    Version: Version === "2008-10-17" ? Version : "2012-10-17",
    ...(typeof Id === "string" ? { Id } : {}),
    Statement: [...kept, ...ours],
  };
}

export interface ApplicationPolicyArgs {
  target: AwsTarget;
  bucket: string;
  personalizeRoleArn: string;
  sagemakerRoleArn: string;
  /**
   * The Comprehend data-access role (stacks from 0.3 on). Without it the policy has no
   * PassComprehendRole statement, as the policies of older stacks had none.
   */
  comprehendRoleArn?: string | undefined;
  kmsKeyArn?: string | undefined;
  /** This project's resource names start with `<prefix>-` (default "roadmapx"): see core/resource-names.ts. */
  resourceNamePrefix?: string | undefined;
}

/**
 * The managed policy for the application's own role: pass exactly our roles to exactly their
 * services, call the AI APIs the services/ code calls on this project's resources only (by name
 * prefix, and by tag where ARNs hold no name), and use the AI prefixes of the bucket.
 */
export function applicationPolicy(args: ApplicationPolicyArgs): PolicyDocument {
  const { partition, region, accountId } = args.target;
  const bucketArn = s3BucketArn(partition, args.bucket);
  const objects = (prefixes: readonly (keyof typeof PREFIXES)[]) => prefixes.map((p) => s3ObjectsArn(partition, args.bucket, PREFIXES[p]));
  const prefix = args.resourceNamePrefix ?? DEFAULT_RESOURCE_NAME_PREFIX;
  const arn = (service: string, path: string) => `arn:${partition}:${service}:${region}:${accountId}:${path}`;
  const owned = (service: string, types: readonly string[]) => types.map((t) => arn(service, ownedResourcePattern(t, prefix)));
  const tagged = { [`aws:ResourceTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value };

  const statements: PolicyStatement[] = [
    {
      Sid: "PassPersonalizeRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: [args.personalizeRoleArn],
      Condition: { StringEquals: { "iam:PassedToService": SERVICES.personalize.principal } },
    },
    {
      Sid: "PassSageMakerRole",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: [args.sagemakerRoleArn],
      Condition: { StringEquals: { "iam:PassedToService": SERVICES.sagemaker.principal } },
    },
    ...(args.comprehendRoleArn
      ? [
          {
            Sid: "PassComprehendRole",
            Effect: "Allow" as const,
            Action: "iam:PassRole",
            Resource: [args.comprehendRoleArn],
            Condition: { StringEquals: { "iam:PassedToService": SERVICES.comprehend.principal } },
          },
        ]
      : []),
    {
      Sid: "PersonalizeWorkflow",
      Effect: "Allow",
      Action: [...APPLICATION.personalize.resourceActions],
      Resource: owned("personalize", APPLICATION.personalize.ownedResourceTypes),
    },
    {
      // The new tracker's ARN is generated; the dataset group it joins must be ours, and it must carry our tag.
      Sid: "PersonalizeCreateTaggedEventTracker",
      Effect: "Allow",
      Action: APPLICATION.personalize.eventTrackers.create,
      Resource: [...owned("personalize", ["dataset-group"]), arn("personalize", "event-tracker/*")],
      Condition: { StringEquals: { [`aws:RequestTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value } },
    },
    {
      Sid: "PersonalizeTaggedEventTrackers",
      Effect: "Allow",
      Action: [...APPLICATION.personalize.eventTrackers.onTagged],
      Resource: [arn("personalize", "event-tracker/*")],
      Condition: { StringEquals: tagged },
    },
    {
      // Tags on a Create call are authorised as TagResource on the new resource: the jobs by this
      // project's names, trackers (ARNs hold an id) on any; only the project tag, and nothing else.
      Sid: "PersonalizeTagOnCreate",
      Effect: "Allow",
      Action: APPLICATION.personalize.tagOnCreate.action,
      Resource: APPLICATION.personalize.tagOnCreate.createCalls.map((call) => {
        const type = APPLICATION.personalize.tagOnCreate.created[call];
        return (APPLICATION.personalize.ownedResourceTypes as readonly string[]).includes(type)
          ? arn("personalize", ownedResourcePattern(type, prefix))
          : arn("personalize", `${type}/*`);
      }),
      Condition: {
        StringEquals: { [`aws:RequestTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value },
        "ForAllValues:StringEquals": { "aws:TagKeys": [PROJECT_TAG.key] },
      },
    },
    {
      Sid: "SageMakerWorkflow",
      Effect: "Allow",
      Action: [...APPLICATION.sagemaker.resourceActions],
      Resource: owned("sagemaker", APPLICATION.sagemaker.ownedResourceTypes),
    },
    {
      Sid: "SageMakerTagOnCreate",
      Effect: "Allow",
      Action: APPLICATION.sagemaker.tagOnCreate.action,
      Resource: owned("sagemaker", APPLICATION.sagemaker.ownedResourceTypes),
      Condition: {
        StringEquals: { "sagemaker:TaggingAction": [...APPLICATION.sagemaker.tagOnCreate.createCalls] },
      },
    },
    {
      // Job ARNs hold a generated id, not a name: this account's and region's jobs of each type.
      Sid: "ComprehendAnalysisJobs",
      Effect: "Allow",
      Action: [...APPLICATION.comprehend.jobs.resourceActions],
      Resource: APPLICATION.comprehend.jobs.resourceTypes.map((t) => arn("comprehend", `${t}/*`)),
    },
    {
      // These actions have no resource-level permissions in AWS: "*" is the only resource they accept.
      Sid: "AiCallsWithoutResourceScope",
      Effect: "Allow",
      Action: [
        ...APPLICATION.personalize.anyResource,
        ...APPLICATION.sagemaker.anyResource,
        ...APPLICATION.comprehend.anyResource,
        ...APPLICATION.comprehend.jobs.list,
      ],
      Resource: ["*"],
    },
    {
      Sid: "AiPrefixesWrite",
      Effect: "Allow",
      Action: [...APPLICATION.s3.write.actions],
      Resource: objects(APPLICATION.s3.write.prefixes),
    },
    {
      Sid: "ModelArtifactsRead",
      Effect: "Allow",
      Action: [...APPLICATION.s3.read.actions],
      Resource: objects(APPLICATION.s3.read.prefixes),
    },
    {
      Sid: "JobOutputReadAndRemove",
      Effect: "Allow",
      Action: [...APPLICATION.s3.jobOutput.actions],
      Resource: objects(APPLICATION.s3.jobOutput.prefixes),
    },
    {
      Sid: "AiPrefixesList",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: [bucketArn],
      Condition: { StringLike: { "s3:prefix": APPLICATION.s3.listPrefixes.map((p) => `${PREFIXES[p]}*`) } },
    },
  ];
  if (args.kmsKeyArn) {
    statements.push({
      Sid: "UseBucketKey",
      Effect: "Allow",
      Action: [...APPLICATION.kmsActions],
      Resource: [args.kmsKeyArn],
      Condition: { StringEquals: { "kms:ViaService": `s3.${args.target.region}.amazonaws.com` } },
    });
  }
  return policyDocument(statements);
}
