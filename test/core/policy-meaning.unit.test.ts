/**
 * What the requirements model and the policies built from it mean, asked of the IAM evaluator
 * verify uses (verify/simulate.ts) rather than read as text: the SageMaker role's runtime probes are
 * each allowed by the statement they name and by nothing else; the application policy's conditions
 * refuse what they exist to refuse; every grant says why (verify prints it); and a bucket policy
 * merge keeps what is not ours. (Mutation testing found these unpinned in the policies group.)
 */
import { expect } from "chai";
import { applicationPolicy, mergeBucketPolicy, serviceRolePolicy } from "../../core/policies";
import { PREFIXES, SERVICES } from "../../core/requirements";
import { PROJECT_TAG } from "../../core/resource-names";
import type { PolicyStatement } from "../../core/iam";
import { ask } from "../../verify/simulate";

const ACCOUNT = "123456789012";
const TARGET = { partition: "aws", region: "eu-west-1", accountId: ACCOUNT };
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BUCKET = "roadmapx-files";
const ROLE = (svc: string) => `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-${svc}`;
const PRINCIPAL = `arn:aws:iam::${ACCOUNT}:user/backend`;
const DEFAULT_KEY_POLICY = {
  Version: "2012-10-17" as const,
  Statement: [
    { Sid: "Enable IAM User Permissions", Effect: "Allow" as const, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
  ],
};

async function allowed(statements: readonly PolicyStatement[], action: string, resource: string, context: Record<string, string | string[]> = {}) {
  const answer = await ask(
    {
      principal: PRINCIPAL,
      action,
      resource,
      resourceAccount: ACCOUNT,
      context: { "aws:PrincipalArn": PRINCIPAL, "aws:PrincipalAccount": ACCOUNT, ...context },
    },
    {
      identity: [{ label: "p", document: { Version: "2012-10-17", Statement: [...statements] } }],
      // KMS honours identity policies only where the key policy delegates to the account (its default statement).
      ...(action.startsWith("kms:") ? { resourcePolicy: { label: "key policy", document: DEFAULT_KEY_POLICY } } : {}),
    },
  );
  return answer.allowed;
}

describe("the requirements model and the policies, as the IAM evaluator reads them", () => {
  const application = applicationPolicy({
    target: TARGET,
    bucket: BUCKET,
    personalizeRoleArn: ROLE("personalize"),
    sagemakerRoleArn: ROLE("sagemaker"),
    comprehendRoleArn: ROLE("comprehend"),
    kmsKeyArn: KEY,
    resourceNamePrefix: "roadmapx",
  }).Statement;
  const without = (sid: string) => application.filter((s) => s.Sid !== sid);

  it("the SageMaker role's runtime probes: each allowed by the statement it names, and refused without that statement", async () => {
    const role = serviceRolePolicy(SERVICES.sagemaker, { target: TARGET, bucket: BUCKET }).Statement;
    const probes = SERVICES.sagemaker.runtimeProbes(TARGET);
    expect(probes.map((p) => p.action)).to.include.members(["logs:CreateLogGroup", "logs:PutLogEvents", "cloudwatch:PutMetricData", "ecr:BatchGetImage"]);
    for (const probe of probes) {
      const what = `${probe.action} on ${probe.resource}`;
      expect(
        role.map((s) => s.Sid),
        `${what}: no statement ${probe.grantedBy}`,
      ).to.include(probe.grantedBy);
      expect(await allowed(role, probe.action, probe.resource, probe.context ?? {}), what).to.equal(true);
      expect(
        await allowed(
          role.filter((s) => s.Sid !== probe.grantedBy),
          probe.action,
          probe.resource,
          probe.context ?? {},
        ),
        `${what} without ${probe.grantedBy}`,
      ).to.equal(false);
    }
    // The metrics probe's namespace is what its statement's condition reads.
    const metrics = probes.find((p) => p.action === "cloudwatch:PutMetricData");
    expect(metrics?.context).to.deep.equal({ "cloudwatch:namespace": "/aws/sagemaker/TrainingJobs" });
    expect(await allowed(role, "cloudwatch:PutMetricData", "*", { "cloudwatch:namespace": "Custom/Other" })).to.equal(false);
  });

  it("PassRole: each role only to its own service", async () => {
    for (const [svc, principal] of [
      ["personalize", "personalize.amazonaws.com"],
      ["sagemaker", "sagemaker.amazonaws.com"],
      ["comprehend", "comprehend.amazonaws.com"],
    ] as const) {
      expect(await allowed(application, "iam:PassRole", ROLE(svc), { "iam:PassedToService": principal }), `${svc} to ${principal}`).to.equal(true);
      expect(await allowed(application, "iam:PassRole", ROLE(svc), { "iam:PassedToService": "lambda.amazonaws.com" }), `${svc} to lambda`).to.equal(false);
    }
  });

  it("tag conditions: an event tracker is created, described and deleted only with the project's tag", async () => {
    const tracker = `arn:aws:personalize:eu-west-1:${ACCOUNT}:event-tracker/0a1b2c3d`;
    const group = `arn:aws:personalize:eu-west-1:${ACCOUNT}:dataset-group/roadmapx-demo`;
    const ours = { [`aws:ResourceTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value };
    expect(await allowed(application, "personalize:DescribeEventTracker", tracker, ours)).to.equal(true);
    expect(await allowed(application, "personalize:DescribeEventTracker", tracker, { [`aws:ResourceTag/${PROJECT_TAG.key}`]: "someone-else" })).to.equal(false);
    expect(await allowed(application, "personalize:DeleteEventTracker", tracker)).to.equal(false);
    const tags = { [`aws:RequestTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value, "aws:TagKeys": [PROJECT_TAG.key] };
    expect(await allowed(application, "personalize:CreateEventTracker", group, tags)).to.equal(true);
    expect(
      await allowed(application, "personalize:CreateEventTracker", group, { [`aws:RequestTag/${PROJECT_TAG.key}`]: "x", "aws:TagKeys": [PROJECT_TAG.key] }),
    ).to.equal(false);
  });

  it("SageMaker's tag-on-create: AddTags only as part of the create calls the services make", async () => {
    const job = `arn:aws:sagemaker:eu-west-1:${ACCOUNT}:training-job/roadmapx-demo`;
    const tags = { [`aws:RequestTag/${PROJECT_TAG.key}`]: PROJECT_TAG.value, "aws:TagKeys": [PROJECT_TAG.key] };
    expect(await allowed(application, "sagemaker:AddTags", job, { ...tags, "sagemaker:TaggingAction": "CreateTrainingJob" })).to.equal(true);
    expect(await allowed(application, "sagemaker:AddTags", job, tags), "AddTags on its own").to.equal(false);
  });

  it("listing the bucket: only under the AI prefixes; the KMS key only through S3 in this region", async () => {
    const bucket = `arn:aws:s3:::${BUCKET}`;
    expect(await allowed(application, "s3:ListBucket", bucket, { "s3:prefix": `${PREFIXES.personalize}x/` })).to.equal(true);
    expect(await allowed(application, "s3:ListBucket", bucket, { "s3:prefix": "user-uploads/" })).to.equal(false);
    expect(await allowed(application, "kms:Decrypt", KEY, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" })).to.equal(true);
    expect(await allowed(application, "kms:Decrypt", KEY, { "kms:ViaService": "s3.us-east-1.amazonaws.com" })).to.equal(false);
    expect(await allowed(application, "kms:Decrypt", KEY)).to.equal(false);
    // And each of those is the statement's doing, not another's.
    expect(await allowed(without("AiPrefixesList"), "s3:ListBucket", bucket, { "s3:prefix": `${PREFIXES.personalize}x/` })).to.equal(false);
    expect(await allowed(without("UseBucketKey"), "kms:Decrypt", KEY, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" })).to.equal(false);
  });

  it("every grant says why (verify prints it), each reason its own, and each service lists what it reads", () => {
    expect(Object.fromEntries(Object.values(SERVICES).map((s) => [s.id, s.title]))).to.deep.equal({
      personalize: "Amazon Personalize",
      sagemaker: "Amazon SageMaker",
      comprehend: "Amazon Comprehend",
    });
    for (const svc of Object.values(SERVICES)) {
      const grants = [svc.bucket, ...svc.objects, ...(svc.bucketPolicy ? [svc.bucketPolicy.bucket, ...svc.bucketPolicy.objects] : [])];
      const whys = grants.map((g) => g.why);
      for (const why of whys) expect(why, `${svc.id}: a grant without its reason`).to.match(/^\S.{20,}$/);
      expect(new Set(whys).size, `${svc.id}: two grants give the same reason`).to.equal(whys.length);
      expect(svc.bucket.listPrefixes.length, `${svc.id} lists nothing`).to.be.greaterThan(0);
      const read = new Set(svc.objects.filter((g) => g.actions.includes("s3:GetObject")).flatMap((g) => g.prefixes));
      for (const p of svc.bucket.listPrefixes) expect(read.has(p), `${svc.id} lists ${p} but reads nothing there`).to.equal(true);
      if (svc.bucketPolicy) expect(svc.bucketPolicy.bucket.listPrefixes).to.deep.equal(svc.bucket.listPrefixes);
    }
  });

  it("a bucket policy merge: a blank existing policy is none, and statements without a Sid are kept as they are", () => {
    const ours: PolicyStatement[] = [
      { Sid: "RoadmapxAiRead", Effect: "Allow", Principal: { Service: "personalize.amazonaws.com" }, Action: "s3:GetObject", Resource: "x" },
    ];
    expect(mergeBucketPolicy("  \n", ours)).to.deep.equal({ Version: "2012-10-17", Statement: ours });
    const theirs = { Effect: "Deny", Principal: "*", Action: "s3:DeleteBucket", Resource: `arn:aws:s3:::${BUCKET}` };
    const merged = mergeBucketPolicy(JSON.stringify({ Version: "2012-10-17", Statement: [theirs] }), ours);
    expect(merged.Statement).to.deep.equal([theirs, ...ours]);
  });
});
