/** `roadmapx-ai personalize validate|import|...` as operators run them. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { interactionsCsv } from "../../local/demo-data";
import { deploy } from "../helpers/account";
import { useEmulator } from "../helpers/emulator";
import { runCli } from "../helpers/process";

const ROOT = join(__dirname, "..", "..");
const CORPUS = join(ROOT, "test", "fixtures", "csv");

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(["personalize", ...args], env);
}

describe("roadmapx-ai personalize (CLI)", function () {
  this.timeout(120_000);

  it("validate: exit 0 for a valid file, 1 with line numbers for an invalid one, JSON on request", async () => {
    const ok = await cli(["validate", "--type", "interactions", "--file", join(CORPUS, "good-interactions.csv")]);
    expect(ok.code).to.equal(0);
    expect(ok.stdout).to.match(/good-interactions\.csv: valid interactions CSV, 1200 rows/);
    const bad = await cli(["validate", "--type", "interactions", "--file", join(CORPUS, "timestamp-milliseconds.csv")]);
    expect(bad.code).to.equal(1);
    expect(bad.stdout).to.include("line 2, TIMESTAMP: TIMESTAMP 1700000000000 looks like milliseconds");
    const json = await cli(["validate", "--type", "interactions", "--file", join(CORPUS, "field-count.csv"), "--json"]);
    expect(JSON.parse(json.stdout)).to.deep.include({ valid: false, errorCount: 1, rows: 1 });
  });

  it("validate: a custom schema file, and usage errors that exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "schema-"));
    writeFileSync(
      join(dir, "items.json"),
      JSON.stringify({
        type: "record",
        name: "Items",
        fields: [
          { name: "ITEM_ID", type: "string" },
          { name: "PRICE", type: "double" },
        ],
      }),
    );
    writeFileSync(join(dir, "items.csv"), "ITEM_ID,PRICE\ni1,9.5\ni2,free\n");
    const custom = await cli(["validate", "--type", "items", "--file", join(dir, "items.csv"), "--schema", join(dir, "items.json")]);
    expect(custom.code).to.equal(1);
    expect(custom.stdout).to.include('line 3, PRICE: PRICE "free" is not a number');
    writeFileSync(join(dir, "broken.json"), "{");
    for (const [args, message] of [
      [["validate", "--type", "ratings", "--file", "x.csv"], /"ratings" is not a dataset type \(interactions, items, users\)/],
      [["validate", "--type", "items", "--file", join(dir, "missing.csv")], /--file: .*missing\.csv does not exist/],
      [["validate", "--type", "items", "--file", join(dir, "items.csv"), "--schema", join(dir, "broken.json")], /broken\.json is not JSON/],
      [["import", "--type", "interactions", "--file", join(CORPUS, "good-interactions.csv")], /required option '--dataset-arn <arn>' not specified/],
      [
        [
          "import",
          "--dataset-arn",
          "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-g/INTERACTIONS",
          "--type",
          "interactions",
          "--file",
          join(CORPUS, "good-interactions.csv"),
          "--mode",
          "PARTIAL",
        ],
        /Allowed choices are FULL, INCREMENTAL/,
      ],
      [
        [
          "import",
          "--dataset-arn",
          "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-g/INTERACTIONS",
          "--type",
          "interactions",
          "--file",
          join(CORPUS, "good-interactions.csv"),
          "--upload-concurrency",
          "0",
        ],
        /"0" is not a whole number of 1 or more/,
      ],
      [["deploy", "--solution-arn", "s", "--solution-version-arn", "v", "--campaign-name", "c", "--min-tps", "0"], /"0" is not a whole number of 1 or more/],
      [["cleanup", "--dataset-group-arn", "arn:g"], /run again with --yes to confirm/],
    ] as const) {
      const r = await cli([...args]);
      expect(r.code, args.join(" ")).to.equal(2);
      expect(r.stderr, args.join(" ")).to.match(message);
    }
  });

  describe("import (against the emulator)", () => {
    const ctx = useEmulator();

    it("an invalid file exits 1 with the report and leaves nothing in the bucket", async () => {
      const d = await deploy(ctx);
      const dir = mkdtempSync(join(tmpdir(), "import-"));
      writeFileSync(join(dir, "bad.csv"), `${interactionsCsv(50)}user-1,item-1,1700000000123,view\n`);
      const env = { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
      const r = await cli(
        [
          "import",
          "--dataset-arn",
          "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-g/INTERACTIONS",
          "--type",
          "interactions",
          "--file",
          join(dir, "bad.csv"),
          "--key",
          "personalize/bad.csv",
        ],
        env,
      );
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include("the CSV has 1 error(s), first at line 52: TIMESTAMP 1700000000123 looks like milliseconds");
      expect(r.stderr).to.include("nothing was uploaded and no import job was started");
      const listed = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: "roadmapx-files", Prefix: "personalize/" }));
      expect(listed.Contents ?? []).to.deep.equal([]);
    });

    it("a valid file is uploaded; the emulator has no import API, which is exit 3 (AWS could not do it)", async () => {
      const d = await deploy(ctx);
      const dir = mkdtempSync(join(tmpdir(), "import-"));
      writeFileSync(join(dir, "good.csv"), interactionsCsv(1200));
      const env = { ...d.env, AWS_ACCESS_KEY_ID: d.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: d.credentials.secretAccessKey };
      const r = await cli(
        [
          "import",
          "--dataset-arn",
          "arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-g/INTERACTIONS",
          "--type",
          "interactions",
          "--file",
          join(dir, "good.csv"),
          "--key",
          "personalize/good.csv",
        ],
        env,
      );
      expect(r.code, r.stderr).to.equal(3);
      expect(r.stderr).to.include(
        "the data is at s3://roadmapx-files/personalize/good.csv, but starting the import job failed: the endpoint does not implement this call",
      );
      const listed = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: "roadmapx-files", Prefix: "personalize/" }));
      expect((listed.Contents ?? []).map((o) => o.Key)).to.deep.equal(["personalize/good.csv"]);
    });
  });
});
