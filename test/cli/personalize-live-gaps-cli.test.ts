/**
 * More of `roadmapx-ai personalize recommend|rank|delete-users` refusing bad input with exit 2 and a
 * sentence, before anything reaches AWS: the flag checks test/cli/personalize-live-cli.test.ts leaves
 * open (found by planting bugs in cli/commands/personalize-live.ts). Same approach: the CLI from its
 * TypeScript source through tsx, the endpoint a closed loopback port (a call that went out would end
 * in exit 3, not 2).
 */
import { expect } from "chai";
import { CAMPAIGN, CATEGORY_FILTER, CLOSED_PORT_ENV, GROUP } from "../helpers/personalize-live";
import { runCliFromSource } from "../helpers/process";

const FILTER = CATEGORY_FILTER;
const ENV = CLOSED_PORT_ENV;

/** `roadmapx-ai personalize …` from source, against the closed port. */
const cli = (args: string[], input?: string) => runCliFromSource(["personalize", ...args], ENV, input);

describe("roadmapx-ai personalize live commands, more bad input: exit 2 with a sentence (CLI from source)", function () {
  this.timeout(120_000);

  const cases: [string, string[], RegExp, string?][] = [
    [
      "delete-users: --keep-input without --wait",
      ["delete-users", "--dataset-group-arn", GROUP, "--file", "-", "--job-name", "roadmapx-forget", "--keep-input"],
      /--keep-input only applies with --wait \(without it the input stays\): add --wait, or drop --keep-input/,
      "u1\n",
    ],
    [
      "recommend: --context name given twice",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--context", "DEVICE=mobile", "--context", "DEVICE=tv"],
      /--context DEVICE is given 2 times: a context name takes one value/,
    ],
    [
      "recommend: --filter-value with an empty name",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--filter-arn", FILTER, "--filter-value", "=lamps"],
      /--filter-value "=lamps" is not NAME=VALUE: write it as --filter-value CATEGORY=electronics/,
    ],
    [
      "recommend: --context with an empty name",
      ["recommend", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--context", "=mobile"],
      /--context "=mobile" is not NAME=VALUE: write it as --context DEVICE=mobile/,
    ],
    [
      "rank: a missing --items-file",
      ["rank", "--campaign-arn", CAMPAIGN, "--user-id", "u1", "--items-file", "/nonexistent/items.txt"],
      /--items-file: \/nonexistent\/items\.txt does not exist/,
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
});
