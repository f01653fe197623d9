/**
 * `roadmapx-ai personalize recommend|rank|filter|recommender|delete-users` refusing bad input: exit 2
 * and one sentence naming the flag (or field) and the fix, before anything reaches AWS. The CLI runs
 * from its TypeScript source through tsx (cli/main.ts, as the built bin/roadmapx-ai.js runs
 * dist/cli/main.js), so these tests need no build; the endpoint is a closed loopback port, so a call
 * that did go out would end in exit 3, not 2.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { CAMPAIGN, CATEGORY_FILTER, CLOSED_PORT_ENV, GROUP, P, RECOMMENDER } from "../helpers/personalize-live";
import { runCliFromSource } from "../helpers/process";

const FILTER = CATEGORY_FILTER;
const ENV = CLOSED_PORT_ENV;

/** `roadmapx-ai personalize …` from source, against the closed port. */
const cli = (args: string[], input?: string) => runCliFromSource(["personalize", ...args], ENV, input);

describe("roadmapx-ai personalize live commands: bad input exits 2 with a sentence (CLI from source)", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "roadmapx-live-cli-"));

  const cases: [string, string[], RegExp, string?][] = [
    [
      "recommend: both ARNs",
      ["recommend", "--campaign-arn", CAMPAIGN, "--recommender-arn", RECOMMENDER, "--user-id", "u1"],
      /give exactly one of --campaign-arn \(a campaign\) and --recommender-arn/,
    ],
    ["recommend: no ARN", ["recommend", "--user-id", "u1"], /give exactly one of --campaign-arn/],
    ["recommend: no user", ["recommend", "--campaign-arn", CAMPAIGN], /give --user-id \(or --item-id, for related items\)/],
    [
      "recommend: value without filter",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--filter-value", "CATEGORY=lamps"],
      /--filter-value needs --filter-arn: give the filter/,
    ],
    [
      "recommend: value not NAME=VALUE",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--filter-arn", FILTER, "--filter-value", "lamps"],
      /--filter-value "lamps" is not NAME=VALUE: write it as --filter-value CATEGORY=electronics/,
    ],
    [
      "recommend: $ in the name",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--filter-arn", FILTER, "--filter-value", "$CATEGORY=lamps"],
      /without "\$" \(--filter-value CATEGORY=\.\.\.\)/,
    ],
    [
      "recommend: empty --metadata",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--metadata", ","],
      /--metadata needs the Items columns to return, comma-separated/,
    ],
    [
      "recommend: metadata and 100 results",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--metadata", "TITLE", "--num-results", "100"],
      /numResults must be between 1 and 50 when metadataColumns are asked for \(got 100\)/,
    ],
    [
      "recommend: a foreign campaign",
      ["recommend", "--campaign-arn", `${P}:campaign/movies`, "--user-id", "u1"],
      /campaignArn .*"movies".*must start with "roadmapx-"/,
    ],
    [
      "recommend: --context not K=V",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--context", "mobile"],
      /--context "mobile" is not NAME=VALUE: write it as --context DEVICE=mobile/,
    ],
    [
      "rank: no items",
      ["rank", "--campaign-arn", CAMPAIGN, "--user-id", "u1"],
      /give the items to rank with exactly one of --items ID,ID,\.\.\. and --items-file PATH/,
    ],
    ["rank: empty --items", ["rank", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--items", ",,"], /--items holds no item ids: give at least one/],
    ["rank: empty stdin", ["rank", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--items-file", "-"], /--items-file holds no item ids/, "\n\n"],
    [
      "filter create: foreign name",
      ["filter", "create", "--dataset-group-arn", GROUP, "--name", "category", "--expression", "EXCLUDE ItemID WHERE Items.CATEGORY IN ($C)"],
      /filter name "category" must start with "roadmapx-"/,
    ],
    [
      "filter create: no INCLUDE/EXCLUDE",
      ["filter", "create", "--dataset-group-arn", GROUP, "--name", "roadmapx-c", "--expression", "ItemID WHERE Items.CATEGORY IN ($C)"],
      /must start with INCLUDE or EXCLUDE, e\.g\. EXCLUDE ItemID WHERE/,
    ],
    [
      "filter delete: not a filter ARN",
      ["filter", "delete", "--filter-arn", CAMPAIGN],
      /filterArn ".*" is not a filter ARN: expected arn:aws:personalize:REGION:ACCOUNT:filter\/NAME/,
    ],
    [
      "recommender create: not a use case",
      [
        "recommender",
        "create",
        "--dataset-group-arn",
        GROUP,
        "--name",
        "roadmapx-r",
        "--recipe-arn",
        "arn:aws:personalize:::recipe/aws-user-personalization-v2",
        "--min-rps",
        "1",
      ],
      /--recipe-arn .* is not a domain use case: give one of arn:aws:personalize:::recipe\/aws-ecomm-/,
    ],
    [
      "recommender create: --min-rps 0",
      [
        "recommender",
        "create",
        "--dataset-group-arn",
        GROUP,
        "--name",
        "roadmapx-r",
        "--recipe-arn",
        "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
        "--min-rps",
        "0",
      ],
      /"0" is not a whole number of 1 or more/,
    ],
    [
      "recommender stop: not a recommender ARN",
      ["recommender", "stop", "--recommender-arn", CAMPAIGN],
      /is not a recommender ARN: expected arn:aws:personalize:REGION:ACCOUNT:recommender\/NAME/,
    ],
    [
      "delete-users: missing file",
      ["delete-users", "--dataset-group-arn", GROUP, "--file", "/nonexistent/ids.txt"],
      /--file: \/nonexistent\/ids\.txt does not exist/,
    ],
    [
      "delete-users: --wait-timeout without --wait",
      ["delete-users", "--dataset-group-arn", GROUP, "--file", "-", "--wait-timeout", "1h"],
      /--wait-timeout only applies with --wait: add --wait, or drop --wait-timeout/,
    ],
    [
      "delete-users: id too long on stdin",
      ["delete-users", "--dataset-group-arn", GROUP, "--file", "-", "--job-name", "roadmapx-forget"],
      /user id 2 \(CSV line 3\): the user id is 300 characters long; Personalize allows 256/,
      `u1\n${"x".repeat(300)}\n`,
    ],
    [
      "delete-users: foreign job name",
      ["delete-users", "--dataset-group-arn", GROUP, "--file", "-", "--job-name", "forget"],
      /jobName "forget" must start with "roadmapx-"/,
      "u1\n",
    ],
  ];

  for (const [what, args, message, input] of cases) {
    it(`${what}: exit 2`, async () => {
      const r = await cli(args, input);
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stdout).to.equal("");
    });
  }

  it("delete-users: an id longer than 256 characters in a file names the file's line; nothing is uploaded", async () => {
    const file = join(dir, "ids.txt");
    writeFileSync(file, `u1\n\nu2\n${"y".repeat(257)}\n`);
    const r = await cli(["delete-users", "--dataset-group-arn", GROUP, "--file", file, "--job-name", "roadmapx-forget"]);
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr).to.include(
      `roadmapx-ai personalize delete-users: ${file} line 4 (CSV line 4): the user id is 257 characters long; Personalize allows 256`,
    );
  });

  it("--help lists the new commands and flags", async () => {
    const help = await cli(["--help"]);
    for (const command of ["recommend", "rank", "filter", "recommender", "delete-users"]) expect(help.stdout).to.match(new RegExp(`\\n  ${command}\\b`));
    const recommend = await cli(["recommend", "--help"]);
    for (const flag of ["--recommender-arn", "--item-id", "--filter-arn", "--filter-value", "--metadata", "--context"])
      expect(recommend.stdout).to.include(flag);
  });
});
