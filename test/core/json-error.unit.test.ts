/** Errors about files that are not JSON say where and what, never the file's content. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { describeJsonError } from "../../core/json-error";
import { ConfigError, readStackOutputsFile } from "../../core/runtime-config";
import { SchemaError, parseSchema } from "../../services/personalize/schemas";

function errorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return describeJsonError(err, text);
  }
  return "parsed";
}

describe("describeJsonError", () => {
  it("gives the line and column, and no content", () => {
    expect(errorOf("xoxb-a-token secret")).to.equal("unexpected character at line 1, column 1");
    expect(errorOf('{\n  "a": 1,\n  "b": }')).to.equal("unexpected character at line 3, column 8");
    expect(errorOf('{"a":1} trailing')).to.equal("Unexpected non-whitespace character after JSON at line 1, column 9");
    expect(errorOf('{"a"')).to.equal("it ends before the JSON does");
    expect(errorOf('{"a" 1}')).to.equal("Expected ':' after property name at line 1, column 6");
    expect(errorOf('{"a": [1, 2')).to.equal("it ends before the JSON does");
    expect(errorOf('{"to": to}')).to.equal("unexpected character at line 1, column 9");
    expect(errorOf("")).to.equal("it ends before the JSON does");
  });

  it("a stack outputs file or a schema file that is not JSON is named, with where, and its content is not echoed", () => {
    const file = join(mkdtempSync(join(tmpdir(), "roadmapx-json-")), "outputs.json");
    writeFileSync(file, "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n");
    let message = "";
    try {
      readStackOutputsFile(file);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).to.include(file).and.include("is not JSON (unexpected character at line 1, column 1)").and.not.include("wJalr");
    expect(() => parseSchema("interactions", "token=ghp_abcdef", "schema.json"))
      .to.throw(SchemaError, /schema\.json is not JSON \(unexpected character at line 1, column 2\)/)
      .with.property("message")
      .that.does.not.include("ghp_");
  });
});
