/**
 * Personalize's bucket-policy statements carry aws:SourceAccount (AWS's confused-deputy advice for
 * service principals in resource policies). verify still accepts an unpinned statement, and warns
 * with the pinned statements as the fix (against the emulator).
 */
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { PolicyStatement } from "../../core/iam";
import { personalizeBucketPolicyStatements } from "../../core/policies";
import { deploy, expectStatus, verifyAs } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const ACCOUNT = "123456789012";
const CHECK = "bucket.personalize-policy.confused-deputy";

describe("verify: Personalize's bucket statements pinned to this account (against the emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();

  it("the declared setup is pinned: the check passes, and so does bucket.personalize-policy", async () => {
    const d = await deploy(ctx);
    const run = await verifyAs(d);
    expectStatus(run, CHECK, "pass");
    expectStatus(run, "bucket.personalize-policy", "pass");
  });

  it("an unpinned statement still lets Personalize in, with a warning whose fix is the pinned statements", async () => {
    const d = await deploy(ctx);
    const current = JSON.parse((await ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy ?? "{}") as { Statement: PolicyStatement[] };
    const unpinned = current.Statement.map((s) => (s.Sid?.startsWith("RoadmapxAiPersonalize") ? { ...s, Condition: undefined } : s));
    await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: JSON.stringify({ ...current, Statement: unpinned }) }));
    const run = await verifyAs(d);
    expectStatus(run, "bucket.personalize-policy", "pass");
    const c = expectStatus(run, CHECK, "warn");
    expect(c.message).to.include("lets personalize.amazonaws.com act for any account").and.include("not pinned with aws:SourceAccount");
    expect(c.remediation).to.include(JSON.stringify(personalizeBucketPolicyStatements("aws", BUCKET, ACCOUNT), null, 2));
    expect(run.report.ok).to.equal(true);
  });
});
