/**
 * The live-application commands as operators run them (bin/roadmapx-ai.js, after `npm run build`):
 * `personalize setup --domain`, `filter create|delete`, `recommend` with a filter's values and item
 * metadata, and `delete-users --wait`. S3 on the emulator, Personalize the local stand-in
 * (AWS_ENDPOINT_URL_PERSONALIZE, _RUNTIME and _EVENTS); the stand-in's resources are ready at once (zero durations).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeDatasetCommand, DescribeDatasetGroupCommand, DescribeSchemaCommand, ListDatasetGroupsCommand } from "@aws-sdk/client-personalize";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { ManualClock, type PersonalizeStandIn, startPersonalizeStandIn } from "../../local/personalize-stand-in";
import { PersonalizeService, builtinSchema } from "../../services/personalize";
import { AiStorage } from "../../services/storage";
import { interactionsCsv } from "../helpers/csv-rows";
import { useEmulator } from "../helpers/emulator";
import { StandInClients } from "../helpers/personalize-stand-in";
import { runCli } from "../helpers/process";

const BUCKET = "roadmapx-files";
const ROLE = "arn:aws:iam::123456789012:role/roadmapx-ai-dev-personalize";
const P = "arn:aws:personalize:us-east-1:123456789012";
const ZERO = { pendingMs: 0, inProgressMs: 0, deletePendingMs: 0, deleteInProgressMs: 0 };
/** interactionsCsv's items (item-0 … item-299), each in category c0, c1 or c2 by its number. */
const categoryOf = (n: number) => `c${n % 3}`;

describe("roadmapx-ai personalize setup --domain, filter, recommend --filter-value --metadata, delete-users (CLI, on the Personalize stand-in)", function () {
  this.timeout(180_000);
  const ctx = useEmulator();
  let standIn: PersonalizeStandIn;
  let clients: StandInClients;
  let env: NodeJS.ProcessEnv;
  let service: PersonalizeService;
  let dir: string;

  beforeEach(async () => {
    const clock = new ManualClock();
    standIn = await startPersonalizeStandIn({ now: clock.now, durations: ZERO, s3: { endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS } });
    clients = new StandInClients(standIn.endpoint, { region: "us-east-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
    await clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    env = {
      // The SDK's per-service variables: each of Personalize's three clients has its own.
      AWS_ENDPOINT_URL_PERSONALIZE: standIn.endpoint,
      AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME: standIn.endpoint,
      AWS_ENDPOINT_URL_PERSONALIZE_EVENTS: standIn.endpoint,
      AWS_ENDPOINT_URL_S3: ctx.emulator.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
      S3_BUCKET_NAME: BUCKET,
      PERSONALIZE_ROLE_ARN: ROLE,
    };
    service = new PersonalizeService(
      {
        config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET, PERSONALIZE_ROLE_ARN: ROLE }),
        clients,
        storage: new AiStorage(clients, BUCKET),
        logger: { info: () => undefined, warn: () => undefined },
      },
      { sleep: clock.sleep, now: clock.now },
    );
    dir = mkdtempSync(join(tmpdir(), "live-cli-"));
  });
  afterEach(async () => {
    clients.destroy();
    await standIn.stop();
  });

  const cli = (args: string[]) => runCli(["personalize", ...args], env);
  const keysUnder = async (prefix: string) =>
    ((await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);

  it("setup --domain ECOMMERCE makes a domain group whose Interactions schema requires EVENT_TYPE; a bad domain, or other types with it, exit 2 having made nothing", async () => {
    const made = await cli(["setup", "--name", "roadmapx-shop", "--domain", "ECOMMERCE"]);
    expect(made.code, made.stderr).to.equal(0);
    expect(JSON.parse(made.stdout)).to.deep.equal({
      datasetGroupArn: `${P}:dataset-group/roadmapx-shop`,
      domain: "ECOMMERCE",
      datasets: { interactions: `${P}:dataset/roadmapx-shop/INTERACTIONS` },
    });
    const p = clients.personalize;
    expect((await p.send(new DescribeDatasetGroupCommand({ datasetGroupArn: `${P}:dataset-group/roadmapx-shop` }))).datasetGroup?.domain).to.equal("ECOMMERCE");
    const schemaArn = (await p.send(new DescribeDatasetCommand({ datasetArn: `${P}:dataset/roadmapx-shop/INTERACTIONS` }))).dataset?.schemaArn;
    const schema = (await p.send(new DescribeSchemaCommand({ schemaArn }))).schema;
    expect(schema?.domain).to.equal("ECOMMERCE");
    const fields = (JSON.parse(schema?.schema ?? "{}") as { fields: { name: string; type: unknown }[] }).fields;
    expect(fields.find((f) => f.name === "EVENT_TYPE")?.type).to.equal("string");
    // Run again: found, not created twice.
    expect((await cli(["setup", "--name", "roadmapx-shop", "--domain", "ECOMMERCE"])).code).to.equal(0);

    const unknown = await cli(["setup", "--name", "roadmapx-other", "--domain", "RETAIL"]);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.include('--domain "RETAIL" is not a domain: use one of ECOMMERCE, VIDEO_ON_DEMAND');
    const items = await cli(["setup", "--name", "roadmapx-other", "--domain", "VIDEO_ON_DEMAND", "--types", "interactions,items"]);
    expect(items.code).to.equal(2);
    expect(items.stderr).to.include("--domain VIDEO_ON_DEMAND creates the Interactions dataset only");
    const groups = (await p.send(new ListDatasetGroupsCommand({}))).datasetGroups ?? [];
    expect(groups.map((g) => g.name)).to.deep.equal(["roadmapx-shop"]);
  });

  it("filter create, recommend with --filter-value and --metadata, a filter without its value refused (exit 2), delete-users --wait removing its input, filter delete", async () => {
    const schema = await service.ensureSchema("roadmapx-interactions", builtinSchema("interactions"));
    const group = (await service.ensureDatasetGroup("roadmapx-demo")).arn;
    const interactions = await service.ensureDataset(group, "interactions", schema.arn, "roadmapx-interactions");
    await service.importDataset(interactions.arn, interactionsCsv(1200), "personalize/interactions.csv");
    const itemsSchema = await service.ensureSchema("roadmapx-items", builtinSchema("items"));
    const items = await service.ensureDataset(group, "items", itemsSchema.arn, "roadmapx-items");
    await service.putItems({
      datasetArn: items.arn,
      items: Array.from({ length: 300 }, (_, n) => ({ itemId: `item-${n}`, properties: { CATEGORY: categoryOf(n) } })),
    });
    const solution = await service.ensureSolution({ name: "roadmapx-recs", datasetGroupArn: group });
    const version = await service.train(solution.arn);
    const deployed = await cli([
      "deploy",
      "--solution-arn",
      solution.arn,
      "--solution-version-arn",
      version.arn,
      "--campaign-name",
      "roadmapx-live",
      "--min-tps",
      "1",
      "--metadata",
    ]);
    expect(deployed.code, deployed.stderr).to.equal(0);
    expect(deployed.stderr).to.include("cost: campaign roadmapx-live returns item metadata with recommendations, which Personalize bills in addition.");
    const campaign = (JSON.parse(deployed.stdout) as { campaignArn: string }).campaignArn;

    const created = await cli([
      "filter",
      "create",
      "--dataset-group-arn",
      group,
      "--name",
      "roadmapx-by-category",
      "--expression",
      "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
    ]);
    expect(created.code, created.stderr).to.equal(0);
    expect(JSON.parse(created.stdout)).to.deep.include({ filterArn: `${P}:filter/roadmapx-by-category`, created: true, placeholders: ["CATEGORY"] });
    const filter = `${P}:filter/roadmapx-by-category`;

    const recommended = await cli([
      "recommend",
      "--campaign-arn",
      campaign,
      "--user-id",
      "user-3",
      "--num-results",
      "5",
      "--filter-arn",
      filter,
      "--filter-value",
      "CATEGORY=c2",
      "--metadata",
      "CATEGORY",
    ]);
    expect(recommended.code, recommended.stderr).to.equal(0);
    const answer = JSON.parse(recommended.stdout) as { itemId: string; metadata?: Record<string, string> }[];
    expect(answer).to.have.length(5);
    for (const item of answer) {
      expect(categoryOf(Number(item.itemId.replace("item-", ""))), item.itemId).to.equal("c2");
      expect(item.metadata, item.itemId).to.deep.equal({ CATEGORY: "c2" });
    }
    const calls = standIn.callCount("GetRecommendations");
    const missing = await cli(["recommend", "--campaign-arn", campaign, "--user-id", "user-3", "--filter-arn", filter]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/needs a value for \$CATEGORY/);
    expect(standIn.callCount("GetRecommendations"), "sent anyway").to.equal(calls);

    writeFileSync(join(dir, "ids.txt"), "user-3\n");
    const deleted = await cli(["delete-users", "--dataset-group-arn", group, "--file", join(dir, "ids.txt"), "--job-name", "roadmapx-forget", "--wait"]);
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(deleted.stderr).to.include(`started ${P}:data-deletion-job/roadmapx-forget; waiting for it`);
    expect(JSON.parse(deleted.stdout)).to.deep.equal({
      jobArn: `${P}:data-deletion-job/roadmapx-forget`,
      key: "personalize/deletions/roadmapx-forget.csv",
      users: 1,
      status: "COMPLETED",
      numDeleted: 1,
      inputRemoved: `s3://${BUCKET}/personalize/deletions/roadmapx-forget.csv`,
    });
    expect(await keysUnder("personalize/deletions/")).to.deep.equal([]);
    const keep = await cli(["delete-users", "--dataset-group-arn", group, "--file", join(dir, "ids.txt"), "--keep-input"]);
    expect(keep.code).to.equal(2);
    expect(keep.stderr).to.include("--keep-input only applies with --wait");

    const gone = await cli(["filter", "delete", "--filter-arn", filter]);
    expect(gone.code, gone.stderr).to.equal(0);
    expect(JSON.parse(gone.stdout)).to.deep.include({ deleted: true });
  });
});
