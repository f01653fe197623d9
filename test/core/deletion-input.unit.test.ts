/**
 * The input of a Personalize data deletion job (issue 17): the services upload a CSV of USER_IDs to
 * `personalize/deletions/<job>.csv` and CreateDataDeletionJob reads it with the Personalize role,
 * which AWS says needs GetObject and ListBucket "the same as importing data" (API reference,
 * CreateDataDeletionJob). Asked of the policies the requirements model generates, by key, so that a
 * narrowing of `personalize/` that leaves the deletions out fails here.
 */
import { expect } from "chai";
import { type PolicyDocument, policyDocument, s3BucketArn } from "../../core/iam";
import { applicationPolicy, artifactsBucketPolicy, personalizeBucketPolicyStatements, serviceRolePolicy } from "../../core/policies";
import { PREFIXES, SERVICES } from "../../core/requirements";
import { ask } from "../../verify/simulate";

const ACCOUNT = "123456789012";
const OTHER_ACCOUNT = "999988887777";
const TARGET = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const BUCKET = "roadmapx-files";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-personalize`;
const BACKEND = `arn:aws:iam::${ACCOUNT}:user/backend`;
/** Where the services write a deletion's input (spec: `personalize/deletions/<jobName>.csv`). */
const DELETIONS = `${PREFIXES.personalize}deletions/`;
const KEY = `${DELETIONS}roadmapx-delete-u42.csv`;
const OBJECT = `arn:aws:s3:::${BUCKET}/${KEY}`;
const JOB = `arn:aws:personalize:eu-west-1:${ACCOUNT}:data-deletion-job/roadmapx-delete-u42`;

function allowed(
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string>,
  identity: PolicyDocument[],
  bucketPolicy?: PolicyDocument,
) {
  return ask(
    { principal, action, resource, resourceAccount: ACCOUNT, context: { "aws:SecureTransport": "true", ...context } },
    {
      identity: identity.map((document, i) => ({ label: `identity ${i}`, document })),
      ...(bucketPolicy ? { resourcePolicy: { label: "bucket policy", document: bucketPolicy } } : {}),
    },
  ).then((a) => a.allowed);
}

describe("the data deletion job's input under personalize/deletions/ (role, bucket policy, application)", () => {
  const rolePolicy = serviceRolePolicy(SERVICES.personalize, { target: TARGET, bucket: BUCKET });
  const roleContext = { "aws:PrincipalArn": ROLE, "aws:PrincipalAccount": ACCOUNT };

  it("the key lies under the Personalize prefix and nowhere the user uploads go", () => {
    expect(KEY.startsWith(PREFIXES.personalize)).to.equal(true);
    expect(KEY.startsWith(PREFIXES.userUploads)).to.equal(false);
  });

  it("the Personalize role may read the CSV and list its folder, with the created bucket's policy in force", async () => {
    const bucketPolicy = artifactsBucketPolicy("aws", BUCKET, ACCOUNT);
    expect(await allowed(ROLE, "s3:GetObject", OBJECT, roleContext, [rolePolicy], bucketPolicy)).to.equal(true);
    expect(await allowed(ROLE, "s3:ListBucket", s3BucketArn("aws", BUCKET), { ...roleContext, "s3:prefix": DELETIONS }, [rolePolicy], bucketPolicy)).to.equal(
      true,
    );
    // The grant is the role's own (PersonalizeReadDatasets), not something else of the policy.
    const read = rolePolicy.Statement.filter((s) => s.Sid === "PersonalizeReadDatasets");
    expect(await allowed(ROLE, "s3:GetObject", OBJECT, roleContext, [policyDocument(read)])).to.equal(true);
    // Not another bucket's object of the same key.
    expect(await allowed(ROLE, "s3:GetObject", `arn:aws:s3:::other-bucket/${KEY}`, roleContext, [rolePolicy])).to.equal(false);
  });

  it("the bucket policy lets personalize.amazonaws.com read the CSV and list the folder for this account's job only", async () => {
    const bucketPolicy = policyDocument(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT));
    const service = SERVICES.personalize.principal;
    const forUs = { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": JOB };
    expect(await allowed(service, "s3:GetObject", OBJECT, forUs, [], bucketPolicy)).to.equal(true);
    expect(await allowed(service, "s3:ListBucket", s3BucketArn("aws", BUCKET), { ...forUs, "s3:prefix": DELETIONS }, [], bucketPolicy)).to.equal(true);
    const forThem = { "aws:SourceAccount": OTHER_ACCOUNT, "aws:SourceArn": JOB.replace(ACCOUNT, OTHER_ACCOUNT) };
    expect(await allowed(service, "s3:GetObject", OBJECT, forThem, [], bucketPolicy)).to.equal(false);
  });

  it("the application may upload (and abort, and remove) the CSV and pass the Personalize role to Personalize alone", async () => {
    const app = applicationPolicy({
      target: TARGET,
      bucket: BUCKET,
      personalizeRoleArn: ROLE,
      sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-sagemaker`,
    });
    const backend = { "aws:PrincipalArn": BACKEND, "aws:PrincipalAccount": ACCOUNT };
    for (const action of ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"]) {
      expect(await allowed(BACKEND, action, OBJECT, backend, [app]), action).to.equal(true);
    }
    expect(await allowed(BACKEND, "iam:PassRole", ROLE, { ...backend, "iam:PassedToService": "personalize.amazonaws.com" }, [app])).to.equal(true);
    expect(await allowed(BACKEND, "iam:PassRole", ROLE, { ...backend, "iam:PassedToService": "sagemaker.amazonaws.com" }, [app])).to.equal(false);
    expect(await allowed(BACKEND, "personalize:CreateDataDeletionJob", JOB, backend, [app])).to.equal(true);
    expect(await allowed(BACKEND, "personalize:CreateDataDeletionJob", JOB.replace("roadmapx-delete", "other-delete"), backend, [app])).to.equal(false);
  });
});
