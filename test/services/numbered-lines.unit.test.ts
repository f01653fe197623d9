/** numberedLines: the non-blank lines of an input file with their numbers, and the caller's error for a file it cannot read. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { numberedLines } from "../../services/personalize/numbered-lines";

type Problem = { missing: true } | { missing: false; reason: string };
const collect = async (path: string) => {
  const problems: Problem[] = [];
  const out: { line: string; n: number }[] = [];
  try {
    for await (const l of numberedLines(path, (p) => (problems.push(p), new Error(p.missing ? "missing" : `unreadable: ${p.reason}`)))) out.push(l);
  } catch (err) {
    return { out, problems, error: (err as Error).message };
  }
  return { out, problems, error: undefined };
};

describe("numberedLines (input files given by path)", () => {
  const dir = mkdtempSync(join(tmpdir(), "numbered-lines-"));

  it("yields the non-blank lines with their own line numbers, CRLF or LF, the last line without a newline too", async () => {
    writeFileSync(join(dir, "ids.txt"), "u1\r\n\r\n  \nu2\nu3");
    expect(await collect(join(dir, "ids.txt"))).to.deep.equal({
      out: [
        { line: "u1", n: 1 },
        { line: "u2", n: 4 },
        { line: "u3", n: 5 },
      ],
      problems: [],
      error: undefined,
    });
  });

  it("ends in the caller's error: missing for a file that does not exist, unreadable with the reason for a folder", async () => {
    expect(await collect(join(dir, "nope.txt"))).to.deep.equal({ out: [], problems: [{ missing: true }], error: "missing" });
    const folder = await collect(dir);
    expect(folder.out).to.deep.equal([]);
    expect(folder.problems).to.have.length(1);
    expect(folder.problems[0]).to.deep.include({ missing: false });
    expect(folder.error).to.match(/^unreadable: .*EISDIR/);
  });
});
