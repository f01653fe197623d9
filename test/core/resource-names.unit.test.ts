import { expect } from "chai";
import { ownedArnProblem, ownedNameProblem, ownedResourcePattern, resolveRuntimeConfig, resourceNamePrefixProblem } from "../../core/index";

describe("this project's resource names (core/resource-names.ts)", () => {
  it("a name is ours when it starts with the prefix and a hyphen, and has more after it", () => {
    expect(ownedNameProblem("roadmapx-recs", "roadmapx")).to.equal(undefined);
    expect(ownedNameProblem("roadmapx-a", "roadmapx")).to.equal(undefined);
    for (const foreign of ["roadmapx", "roadmapx-", "roadmapxrecs", "recs-roadmapx", "Roadmapx-recs", "rx-prod-recs"]) {
      expect(ownedNameProblem(foreign, "roadmapx"), foreign).to.include('must start with "roadmapx-"');
    }
  });

  it("the problem names the rule, the reason and a fixed name", () => {
    expect(ownedNameProblem("recs", "rx")).to.equal(
      'must start with "rx-" (the stack\'s resourceNamePrefix): the application policy lets the backend create, read and delete only resources named so; for example "rx-recs"',
    );
  });

  it("SageMaker names compare case-insensitively, as SageMaker lowercases them in ARNs", () => {
    expect(ownedNameProblem("RoadmapX-Churn", "roadmapx", { caseInsensitive: true })).to.equal(undefined);
    expect(ownedNameProblem("RoadmapX-Churn", "roadmapx")).to.be.a("string");
    expect(ownedNameProblem("churn", "roadmapx", { caseInsensitive: true })).to.be.a("string");
  });

  it("an ARN is ours when the first name in its resource path is (a dataset's is its group's)", () => {
    const arn = (path: string) => `arn:aws:personalize:us-east-1:123456789012:${path}`;
    expect(ownedArnProblem(arn("dataset-group/roadmapx-recs"), "roadmapx")).to.equal(undefined);
    expect(ownedArnProblem(arn("dataset/roadmapx-recs/INTERACTIONS"), "roadmapx")).to.equal(undefined);
    expect(ownedArnProblem(arn("solution/roadmapx-recs/1a2b3c4d"), "roadmapx")).to.equal(undefined);
    expect(ownedArnProblem(arn("dataset/movies/INTERACTIONS"), "roadmapx")).to.match(/^names dataset "movies", whose name must start with "roadmapx-"/);
    expect(ownedArnProblem("roadmapx-recs", "roadmapx")).to.include("is not a resource ARN");
    expect(ownedArnProblem(`x${arn("dataset-group/roadmapx-recs")}`, "roadmapx"), "text before arn:").to.include("is not a resource ARN");
    expect(ownedNameProblem("", "rx"), "an empty name gets a usable example").to.include('for example "rx-demo"');
    expect(ownedArnProblem("arn:aws:personalize:us-east-1:12345:dataset-group/roadmapx-recs", "roadmapx")).to.include("is not a resource ARN");
  });

  it("an ARN must start the text, and an empty name still gets an example", () => {
    expect(ownedArnProblem("see arn:aws:personalize:us-east-1:123456789012:dataset-group/roadmapx-recs", "roadmapx")).to.include("is not a resource ARN");
    expect(ownedNameProblem("", "rx")).to.match(/; for example "rx-demo"$/);
  });

  it("the policy pattern is the type, the prefix and a hyphen", () => {
    expect(ownedResourcePattern("endpoint", "rx-prod")).to.equal("endpoint/rx-prod-*");
  });

  it("a prefix is lowercase letters, digits and hyphens, starting with a letter, at most 20, no trailing hyphen", () => {
    for (const ok of ["roadmapx", "rx-prod", "a", "a1-b2", "r".repeat(20)]) expect(resourceNamePrefixProblem(ok), ok).to.equal(undefined);
    expect(resourceNamePrefixProblem("RX")).to.include("lowercase");
    expect(resourceNamePrefixProblem("")).to.include("lowercase");
    expect(resourceNamePrefixProblem("rx_prod")).to.include("hyphens");
    expect(resourceNamePrefixProblem("-rx")).to.include("start with a lowercase letter");
    expect(resourceNamePrefixProblem("rx-")).to.include('must not end with "-"');
    expect(resourceNamePrefixProblem("r".repeat(21))).to.equal("must be at most 20 characters long (it has 21)");
  });

  it("the runtime configuration takes AI_RESOURCE_NAME_PREFIX, else the default, and names the variable when it is bad", () => {
    expect(resolveRuntimeConfig({}, {}).resourceNamePrefix).to.equal("roadmapx");
    const set = resolveRuntimeConfig({}, { AI_RESOURCE_NAME_PREFIX: "rx-prod" });
    expect(set.resourceNamePrefix).to.equal("rx-prod");
    expect(set.sources.resourceNamePrefix).to.equal("environment");
    expect(() => resolveRuntimeConfig({}, { AI_RESOURCE_NAME_PREFIX: "RX" })).to.throw(
      /AI_RESOURCE_NAME_PREFIX: resource-name prefix "RX" must start with a lowercase letter/,
    );
  });
});
