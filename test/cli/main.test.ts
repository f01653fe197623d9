/** The roadmapx-ai command as installed: compiled JavaScript, its version, and a cheap start. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../helpers/process";

const ROOT = join(__dirname, "..", "..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("roadmapx-ai (the compiled CLI)", () => {
  it("--version and -V print the package's version and exit 0", async () => {
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      expect(result).to.deep.include({ code: 0, stdout: `${VERSION}\n` });
    }
  });

  it("--help lists every command and marks the version flag", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).to.equal(0);
    for (const command of ["verify", "personalize", "sagemaker", "comprehend", "local"]) expect(result.stdout).to.match(new RegExp(`^  ${command}\\b`, "m"));
    expect(result.stdout).to.include("-V, --version");
  });

  it("the bin runs the build in dist/, not the TypeScript sources", () => {
    const bin = readFileSync(join(ROOT, "bin", "roadmapx-ai.js"), "utf8");
    expect(bin).to.include('require("../dist/cli/main.js")');
    expect(bin).not.to.match(/tsx/);
  });
});
