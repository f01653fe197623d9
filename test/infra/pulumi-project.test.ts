/**
 * The Pulumi project files, and the program loaded the way `pulumi up` loads it: Pulumi's Node.js
 * language host runs from the `main:` directory, compiles with ts-node (type-checking) using the
 * tsconfig.json it finds there, and requires the directory. The engine is mocked; the compile is real.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { parse } from "yaml";
import { parseInfraConfig } from "../../infra/config";

const ROOT = join(__dirname, "..", "..");
const run = promisify(execFile);

function yamlFile(name: string): Record<string, unknown> {
  return parse(readFileSync(join(ROOT, name), "utf8")) as Record<string, unknown>;
}

describe("Pulumi project (as `pulumi up` loads it)", () => {
  const project = yamlFile("Pulumi.yaml");

  it("Pulumi.yaml names the project and a Node.js TypeScript program in infra/program/", () => {
    expect(project["name"]).to.equal("roadmapx-ai");
    expect(project["runtime"]).to.deep.equal({ name: "nodejs", options: { typescript: true } });
    expect(project["main"]).to.equal("infra/program/");
  });

  it("Pulumi.dev.yaml holds the dev defaults, and they are valid config", () => {
    const config = (yamlFile("Pulumi.dev.yaml")["config"] ?? {}) as Record<string, unknown>;
    expect(config).to.deep.equal({
      "aws:region": "us-east-1",
      "roadmapx-ai:appBucketName": "roadmapx-files",
      "roadmapx-ai:createArtifactsBucket": false,
    });
    const asStrings = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, String(v)]));
    expect(parseInfraConfig(asStrings, "dev")).to.deep.include({ appBucketName: "roadmapx-files", artifactsBucket: { create: false } });
  });

  it("the program directory has no package.json and the root none with main or exports: Pulumi would run that file instead", () => {
    expect(existsSync(join(ROOT, String(project["main"]), "package.json"))).to.equal(false);
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as Record<string, unknown>;
    expect(pkg).not.to.have.property("main");
    expect(pkg).not.to.have.property("exports");
  });

  it("the program is a thin user of the @roadmapx-ai/infra package, imported by its name", () => {
    const source = readFileSync(join(ROOT, String(project["main"]), "index.ts"), "utf8");
    expect(source).to.match(/from "@roadmapx-ai\/infra"/);
    expect(source).not.to.match(/from "\.\.?\//);
  });

  it("the program directory has the tsconfig.json ts-node will look for", () => {
    expect(existsSync(join(ROOT, String(project["main"]), "tsconfig.json"))).to.equal(true);
  });

  it("compiles with type-checking from the main: directory and exports the docs/DESIGN.md outputs", async function () {
    this.timeout(120_000);
    const { stdout } = await run(process.execPath, [join(ROOT, "test", "fixtures", "pulumi-language-host.js")], {
      cwd: join(ROOT, String(project["main"])),
      env: { ...process.env, TEST_PULUMI_CONFIG: JSON.stringify({ "aws:region": "us-east-1" }) },
    });
    const result = JSON.parse(stdout) as { outputs: Record<string, unknown>; typescript: string };
    expect(result.typescript).to.match(/^5\./);
    expect(result.outputs).to.include.keys([
      "artifactsBucketName",
      "artifactsBucketCreated",
      "personalizeRoleArn",
      "sagemakerRoleArn",
      "region",
      "prefixes",
      "appPolicyArn",
    ]);
    expect(result.outputs["artifactsBucketName"]).to.equal("roadmapx-files");
  });
});
