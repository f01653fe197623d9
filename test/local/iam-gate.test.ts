/**
 * The services demo against the emulator with IAM enforced by the IAM gate (local/iam-gate), as the
 * local backend user, who holds the application policy and nothing else (local/account.ts sets it up
 * as the README says). What the policy allows works end to end; what it does not is refused with the
 * error AWS sends, and nothing reaches the emulator. The gate's record of decisions then shows which
 * actions the demo needed, and each is checked against the application policy alone.
 */
import { ListAttachedUserPoliciesCommand, ListGroupsForUserCommand, ListUserPoliciesCommand, CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateDatasetImportJobCommand, CreateSchemaCommand, ListSchemasCommand, PersonalizeClient } from "@aws-sdk/client-personalize";
import {
  CreateModelCommand,
  CreateTrainingJobCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { DetectSyntaxCommand } from "@aws-sdk/client-comprehend";
import {
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { expect } from "chai";
import { applicationPolicy, resolveRuntimeConfig, tlsOnlyStatement, type PolicyDocument } from "@roadmapx-ai/core";
import { LOCAL_BACKEND_USER, addStatementsByHand } from "../../local/account";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { type GateDecision, type IamGate, startIamGate } from "../../local/iam-gate";
import { ComprehendService } from "../../services/comprehend";
import type { ServiceContext } from "../../services/context";
import { PersonalizeService, builtinSchema, uploadValidated } from "../../services/personalize";
import { SageMakerService } from "../../services/sagemaker";
import { AiStorage } from "../../services/storage";
import { ask } from "../../verify/simulate";
import { type Deployed, deploy } from "../helpers/account";
import { type TestClients, useEmulator } from "../helpers/emulator";

const BUCKET = "roadmapx-files";
const ACCOUNT = "123456789012";
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const DATASET_ARN = `arn:aws:personalize:us-east-1:${ACCOUNT}:dataset/roadmapx-demo/INTERACTIONS`;

async function refusal(call: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected the call to be refused, and it was not");
}

describe("the IAM gate: the services demo as a user holding only the application policy (emulator)", function () {
  this.timeout(120_000);
  const ctx = useEmulator();
  let deployed: Deployed;
  let gate: IamGate;
  /** The backend's clients, through the gate. */
  let backend: TestClients;
  let services: ServiceContext;

  beforeEach(async () => {
    deployed = await deploy(ctx);
    gate = await startIamGate({
      upstreams: { default: ctx.emulator.endpoint },
      adminCredentials: DUMMY_CREDENTIALS,
      region: "us-east-1",
      trusted: [deployed.credentials],
    });
    backend = ctx.makeClients({ endpoint: gate.url, credentials: deployed.credentials });
    const config = resolveRuntimeConfig({}, { ...deployed.env, AWS_ENDPOINT_URL: gate.url });
    services = { config, clients: backend, storage: new AiStorage(backend, config.aiBucket), logger: { info: () => undefined, warn: () => undefined } };
  });

  afterEach(async () => {
    await gate.stop();
  });

  const sagemakerRoleArn = () => deployed.outputs["sagemakerRoleArn"] as string;
  const personalizeRoleArn = () => deployed.outputs["personalizeRoleArn"] as string;
  const objectExists = async (key: string) =>
    ctx.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
      () => true,
      (err: Error) => {
        if (err.name === "NotFound") return false;
        throw err;
      },
    );

  it("the backend user holds the application policy and nothing else", async () => {
    const iam = ctx.clients.iam;
    const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: LOCAL_BACKEND_USER }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).to.deep.equal([deployed.outputs["appPolicyArn"]]);
    expect((await iam.send(new ListUserPoliciesCommand({ UserName: LOCAL_BACKEND_USER }))).PolicyNames).to.deep.equal([]);
    expect((await iam.send(new ListGroupsForUserCommand({ UserName: LOCAL_BACKEND_USER }))).Groups).to.deep.equal([]);
  });

  it("uploads under personalize/ and sagemaker/training/ (single PUT, validated multipart, lib-storage multipart) and lists its prefixes", async () => {
    const small = await services.storage.upload("personalize/demo/interactions.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\n", {
      contentType: "text/csv",
    });
    expect(small.uri).to.equal(`s3://${BUCKET}/personalize/demo/interactions.csv`);

    // The validated import upload (services/part-upload.ts), in several parts.
    const rows = Array.from({ length: 240_000 }, (_, i) => `user-${i % 997},item-${i % 389},${1_700_000_000 + i}`).join("\n");
    const csv = `USER_ID,ITEM_ID,TIMESTAMP\n${rows}\n`;
    expect(Buffer.byteLength(csv)).to.be.greaterThan(5 * 1024 * 1024);
    const validated = await uploadValidated(services, "personalize/demo/big.csv", csv, builtinSchema("interactions"), { partSize: 5 * 1024 * 1024 });
    expect(validated.report.valid).to.equal(true);

    const training = new SageMakerService(services);
    const trainingUri = await training.uploadTrainingData("roadmapx-demo", "train.csv", Buffer.alloc(6 * 1024 * 1024, "1,0.5,0.7\n"), {});
    expect(trainingUri).to.equal(`s3://${BUCKET}/sagemaker/training/roadmapx-demo/train.csv`);

    const stored = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: "personalize/demo/big.csv" }));
    expect((await stored.Body?.transformToString())?.length).to.equal(csv.length);
    expect(await objectExists("sagemaker/training/roadmapx-demo/train.csv")).to.equal(true);

    const listed = await backend.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "personalize/" }));
    expect(listed.Contents?.map((c) => c.Key).sort()).to.deep.equal(["personalize/demo/big.csv", "personalize/demo/interactions.csv"]);

    const operations = new Set(gate.decisions.map((d) => d.operation));
    for (const op of ["S3.PutObject", "S3.CreateMultipartUpload", "S3.UploadPart", "S3.CompleteMultipartUpload", "S3.ListObjectsV2"]) {
      expect(operations, op).to.include(op);
    }
    expect(gate.decisions.filter((d) => !d.allowed)).to.deep.equal([]);
  });

  it("trains, deploys, invokes and cleans up with SageMakerService, as the demo does", async () => {
    const sagemaker = new SageMakerService(services);
    await sagemaker.uploadTrainingData("roadmapx-demo", "train.csv", "1,0.5,0.7\n0,0.1,0.2\n");
    const result = await sagemaker.train(
      {
        image: IMAGE,
        channels: [{ name: "train", dataset: "roadmapx-demo", contentType: "text/csv" }],
        jobNamePrefix: "roadmapx-demo",
        hyperparameters: { num_round: 5 },
      },
      { minDelaySeconds: 1, maxDelaySeconds: 1 },
    );
    expect(result.status).to.equal("Completed");
    expect(result.artifactUri).to.equal(`s3://${BUCKET}/models/${result.jobName}/output/model.tar.gz`);

    const endpoint = "roadmapx-demo-live";
    const deployedEndpoint = await sagemaker.deploy({
      name: endpoint,
      image: IMAGE,
      modelArtifactUri: result.artifactUri ?? "",
      minDelaySeconds: 1,
      maxDelaySeconds: 1,
    });
    expect(deployedEndpoint.created).to.equal(true);
    await ctx.emulator.queueSageMakerEndpointResults([{ Body: JSON.stringify({ predictions: [{ score: 0.82 }] }), ContentType: "application/json" }]);
    const answer = await sagemaker.invoke(endpoint, { instances: [[0.5, 0.7]] });
    expect(answer.body).to.deep.equal({ predictions: [{ score: 0.82 }] });
    expect(await sagemaker.cleanup(endpoint)).to.deep.equal([`endpoint ${endpoint}`, `endpoint config ${endpoint}-config`, `model ${endpoint}-model`]);

    const passed = gate.decisions.filter((d) => d.action === "iam:PassRole");
    expect(passed.map((d) => [d.operation, d.resource, d.context["iam:PassedToService"]])).to.deep.equal([
      ["SageMaker.CreateTrainingJob", sagemakerRoleArn(), "sagemaker.amazonaws.com"],
      ["SageMaker.CreateModel", sagemakerRoleArn(), "sagemaker.amazonaws.com"],
    ]);
    expect(gate.decisions.filter((d) => !d.allowed)).to.deep.equal([]);
  });

  it("analyses documents with ComprehendService (single-document calls) and creates a schema with PersonalizeService", async () => {
    const comprehend = new ComprehendService(services);
    const notes = [
      { id: "note-1", text: "The Q3 roadmap is clear and the team is excited about it." },
      { id: "note-2", text: "Contact Jane Doe at jane@example.com about the delayed milestone." },
    ];
    const analysed = [];
    for await (const doc of comprehend.analyzeMany(notes, { operations: ["sentiment", "key-phrases", "pii"], batch: false })) analysed.push(doc);
    expect(analysed.map((d) => Object.keys(d.errors))).to.deep.equal([[], []]);
    expect(analysed.every((d) => d.results.sentiment !== undefined && d.results["key-phrases"] !== undefined && d.results.pii !== undefined)).to.equal(true);

    const schema = await new PersonalizeService(services).ensureSchema("roadmapx-demo-interactions", builtinSchema("interactions"));
    expect(schema.arn).to.equal(`arn:aws:personalize:us-east-1:${ACCOUNT}:schema/roadmapx-demo-interactions`);
    expect(gate.decisions.filter((d) => !d.allowed)).to.deep.equal([]);
  });

  it("allows the import start (CreateDatasetImportJob with the Personalize role); moto, which has no datasets, then fails it", async () => {
    const personalize = new PersonalizeClient({ region: "us-east-1", endpoint: gate.url, credentials: deployed.credentials, maxAttempts: 1 });
    const err = await refusal(
      personalize.send(
        new CreateDatasetImportJobCommand({
          jobName: "roadmapx-demo-import",
          datasetArn: DATASET_ARN,
          dataSource: { dataLocation: `s3://${BUCKET}/personalize/demo/interactions.csv` },
          roleArn: personalizeRoleArn(),
          importMode: "FULL",
        }),
      ),
    );
    personalize.destroy();
    expect(err.name).to.not.match(/AccessDenied/);
    const decided = gate.decisions.filter((d) => d.operation === "Personalize.CreateDatasetImportJob");
    expect(decided.map((d) => [d.action, d.resource, d.allowed])).to.deep.equal([
      ["personalize:CreateDatasetImportJob", `arn:aws:personalize:us-east-1:${ACCOUNT}:dataset-import-job/roadmapx-demo-import`, true],
      ["personalize:CreateDatasetImportJob", DATASET_ARN, true],
      ["iam:PassRole", personalizeRoleArn(), true],
    ]);
  });

  describe("refuses what the application policy does not grant, and nothing reaches the emulator", () => {
    it("an upload to user-uploads/ (a single PUT and a multipart upload)", async () => {
      const put = await refusal(backend.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "user-uploads/x", Body: "not ours" })));
      expect(put.name).to.equal("AccessDenied");
      expect(put.$metadata?.httpStatusCode).to.equal(403);
      expect(put.message).to.equal(
        `User: arn:aws:iam::${ACCOUNT}:user/${LOCAL_BACKEND_USER} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${BUCKET}/user-uploads/x" because no identity-based policy allows the s3:PutObject action`,
      );
      const multipart = await refusal(
        new Upload({ client: backend.s3, params: { Bucket: BUCKET, Key: "user-uploads/big", Body: Buffer.alloc(6 * 1024 * 1024) } }).done(),
      );
      expect(multipart.name).to.equal("AccessDenied");
      expect(await objectExists("user-uploads/x")).to.equal(false);
      expect(await objectExists("user-uploads/big")).to.equal(false);
      expect(gate.decisions.filter((d) => !d.allowed).map((d) => d.operation)).to.deep.equal(["S3.PutObject", "S3.CreateMultipartUpload"]);
    });

    it("listing a prefix outside the AI prefixes (the s3:prefix condition is evaluated)", async () => {
      const err = await refusal(backend.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: "user-uploads/" })));
      expect(err.name).to.equal("AccessDenied");
      const denied = gate.decisions.find((d) => !d.allowed);
      expect(denied?.context["s3:prefix"]).to.equal("user-uploads/");
    });

    it("SageMaker in another region: outside the policy's region-scoped ARNs", async () => {
      const elsewhere = new SageMakerClient({ region: "eu-west-1", endpoint: gate.url, credentials: deployed.credentials, maxAttempts: 1 });
      try {
        const err = await refusal(
          elsewhere.send(
            new CreateModelCommand({ ModelName: "roadmapx-demo-model", ExecutionRoleArn: sagemakerRoleArn(), PrimaryContainer: { Image: IMAGE } }),
          ),
        );
        expect(err.name).to.equal("AccessDeniedException");
        expect(err.message).to.equal(
          `User: arn:aws:iam::${ACCOUNT}:user/${LOCAL_BACKEND_USER} is not authorized to perform: sagemaker:CreateModel on resource: arn:aws:sagemaker:eu-west-1:${ACCOUNT}:model/roadmapx-demo-model because no identity-based policy allows the sagemaker:CreateModel action`,
        );
      } finally {
        elsewhere.destroy();
      }
      const admin = new SageMakerClient({ region: "eu-west-1", endpoint: ctx.emulator.endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
      const lookup = await refusal(admin.send(new DescribeModelCommand({ ModelName: "roadmapx-demo-model" })));
      admin.destroy();
      expect(lookup.name).to.equal("ValidationException");
    });

    it("SageMaker resources whose names lack the roadmapx- prefix (the policy is scoped by name)", async () => {
      const err = await refusal(backend.sagemaker.send(new DescribeEndpointCommand({ EndpointName: "other-team-live" })));
      expect(err.name).to.equal("AccessDeniedException");
      expect(err.message).to.contain(`sagemaker:DescribeEndpoint on resource: arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/other-team-live`);
    });

    it("a Comprehend call the policy does not grant (DetectSyntax)", async () => {
      const err = await refusal(backend.comprehend.send(new DetectSyntaxCommand({ Text: "Plain text.", LanguageCode: "en" })));
      expect(err.name).to.equal("AccessDeniedException");
      expect(err.message).to.contain("comprehend:DetectSyntax on resource: *");
    });

    it("passing a role the policy does not name, or the SageMaker role to Personalize (iam:PassedToService)", async () => {
      const other = await ctx.clients.iam.send(
        new CreateRoleCommand({
          RoleName: "roadmapx-other",
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "sagemaker.amazonaws.com" }, Action: "sts:AssumeRole" }],
          }),
        }),
      );
      const err = await refusal(
        backend.sagemaker.send(
          new CreateTrainingJobCommand({
            TrainingJobName: "roadmapx-demo-other-role",
            RoleArn: other.Role?.Arn,
            AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: "File" },
            OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models/` },
            ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
            StoppingCondition: { MaxRuntimeInSeconds: 60 },
          }),
        ),
      );
      expect(err.name).to.equal("AccessDeniedException");
      expect(err.message).to.contain(`iam:PassRole on resource: ${other.Role?.Arn}`);
      const lookup = await refusal(ctx.clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: "roadmapx-demo-other-role" })));
      expect(lookup.name).to.not.match(/AccessDenied/);

      const personalize = new PersonalizeClient({ region: "us-east-1", endpoint: gate.url, credentials: deployed.credentials, maxAttempts: 1 });
      const wrongService = await refusal(
        personalize.send(
          new CreateDatasetImportJobCommand({
            jobName: "roadmapx-demo-import",
            datasetArn: DATASET_ARN,
            dataSource: { dataLocation: `s3://${BUCKET}/personalize/demo/interactions.csv` },
            roleArn: sagemakerRoleArn(),
          }),
        ),
      );
      personalize.destroy();
      expect(wrongService.name).to.equal("AccessDeniedException");
      expect(wrongService.message).to.contain(`iam:PassRole on resource: ${sagemakerRoleArn()}`);
      expect(
        gate.decisions.find((d) => d.action === "iam:PassRole" && !d.allowed && d.resource === sagemakerRoleArn())?.context["iam:PassedToService"],
      ).to.equal("personalize.amazonaws.com");
    });

    it("a Personalize schema not named roadmapx-*", async () => {
      const personalize = new PersonalizeClient({ region: "us-east-1", endpoint: gate.url, credentials: deployed.credentials, maxAttempts: 1 });
      const err = await refusal(personalize.send(new CreateSchemaCommand({ name: "other-schema", schema: builtinSchema("interactions").avro })));
      personalize.destroy();
      expect(err.name).to.equal("AccessDeniedException");
      const schemas = await ctx.clients.personalize.send(new ListSchemasCommand({}));
      expect(schemas.schemas?.map((x) => x.name) ?? []).to.not.include("other-schema");
    });

    it("a TLS-only Deny on the bucket: the gate refuses the plain-HTTP hop as AWS would; counted as TLS, the gate allows and moto still refuses", async () => {
      const ownPolicy = (await ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy;
      await addStatementsByHand(ctx.clients, BUCKET, [tlsOnlyStatement("aws", BUCKET)]);
      const err = await refusal(services.storage.upload("personalize/demo/tls.csv", "USER_ID,ITEM_ID,TIMESTAMP\n"));
      expect(err.name).to.equal("UploadAbortedError");
      const denied = gate.decisions.find((d) => !d.allowed);
      expect(denied).to.deep.include({ operation: "S3.PutObject", allowed: false });
      expect(denied?.context["aws:SecureTransport"]).to.equal("false");
      const direct = await refusal(backend.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/demo/tls.csv", Body: "x" })));
      expect(direct.message).to.match(/s3:PutObject on resource: ".*personalize\/demo\/tls.csv" with an explicit deny in a resource-based policy$/);

      // moto applies a bucket policy's Deny to every object request whatever its conditions (with or without its own auth).
      const tlsGate = await startIamGate({
        upstreams: { default: ctx.emulator.endpoint },
        adminCredentials: DUMMY_CREDENTIALS,
        region: "us-east-1",
        trusted: [deployed.credentials],
        assumeSecureTransport: true,
      });
      try {
        const overTls = ctx.makeClients({ endpoint: tlsGate.url, credentials: deployed.credentials });
        const byMoto = await refusal(overTls.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/demo/tls.csv", Body: "x" })));
        expect(tlsGate.decisions.map((d) => d.allowed)).to.deep.equal([true]);
        expect(byMoto.$metadata?.httpStatusCode).to.equal(403);
        expect(byMoto.name).to.not.equal("AccessDenied"); // moto's 403 has no body
      } finally {
        await tlsGate.stop();
      }
      // Even the administrator's HEAD would meet moto's Deny: put the bucket's own policy back first.
      await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: ownPolicy }));
      expect(await objectExists("personalize/demo/tls.csv")).to.equal(false);
    });

    it("a request signed with a key the gate does not know, or with the wrong secret", async () => {
      const stranger = ctx.makeClients({ endpoint: gate.url, credentials: { accessKeyId: "GATEUNKNOWNKEY01", secretAccessKey: "x" } });
      const unknown = await refusal(stranger.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "personalize/x", Body: "x" })));
      expect(unknown.name).to.equal("InvalidAccessKeyId");
      const forged = ctx.makeClients({ endpoint: gate.url, credentials: { accessKeyId: deployed.credentials.accessKeyId, secretAccessKey: "not-the-secret" } });
      const bad = await refusal(forged.comprehend.send(new DetectSyntaxCommand({ Text: "x", LanguageCode: "en" })));
      expect(bad.name).to.equal("InvalidSignatureException");
      expect(await objectExists("personalize/x")).to.equal(false);
    });
  });

  describe("the record of decisions", () => {
    it("derives the actions the demo sent from the gate's decisions; the application policy alone grants each of them", async () => {
      // The demo, as above: uploads, the SageMaker lifecycle, Comprehend, a Personalize schema.
      const sagemaker = new SageMakerService(services);
      await sagemaker.uploadTrainingData("roadmapx-demo", "train.csv", "1,0.5,0.7\n");
      const trained = await sagemaker.train(
        { image: IMAGE, channels: [{ name: "train", dataset: "roadmapx-demo" }], jobNamePrefix: "roadmapx-demo" },
        { minDelaySeconds: 1, maxDelaySeconds: 1 },
      );
      await sagemaker.deploy({ name: "roadmapx-demo-live", image: IMAGE, modelArtifactUri: trained.artifactUri ?? "", minDelaySeconds: 1, maxDelaySeconds: 1 });
      await ctx.emulator.queueSageMakerEndpointResults([{ Body: "{}", ContentType: "application/json" }]);
      await sagemaker.invoke("roadmapx-demo-live", [[1, 2]]);
      await sagemaker.cleanup("roadmapx-demo-live");
      await services.storage.upload("personalize/demo/interactions.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1700000000\n");
      for await (const doc of new ComprehendService(services).analyzeMany([{ text: "Good." }], {
        operations: ["sentiment", "key-phrases", "pii"],
        batch: false,
      })) {
        expect(doc.errors).to.deep.equal({});
      }
      await new PersonalizeService(services).ensureSchema("roadmapx-demo-interactions", builtinSchema("interactions"));

      const decided: GateDecision[] = gate.decisions;
      expect(decided.every((d) => d.allowed && d.basis === "policy")).to.equal(true);
      const actions = [...new Set(decided.map((d) => d.action))].sort();
      expect(actions).to.deep.equal([
        "comprehend:DetectKeyPhrases",
        "comprehend:DetectPiiEntities",
        "comprehend:DetectSentiment",
        "iam:PassRole",
        "personalize:CreateSchema",
        "personalize:ListSchemas",
        "s3:PutObject",
        "sagemaker:AddTags",
        "sagemaker:CreateEndpoint",
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateModel",
        "sagemaker:CreateTrainingJob",
        "sagemaker:DeleteEndpoint",
        "sagemaker:DeleteEndpointConfig",
        "sagemaker:DeleteModel",
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeTrainingJob",
        "sagemaker:InvokeEndpoint",
      ]);

      // Each decision again, against the application policy as core generates it and nothing else.
      const policy: PolicyDocument = applicationPolicy({
        target: { partition: "aws", region: "us-east-1", accountId: ACCOUNT },
        bucket: BUCKET,
        personalizeRoleArn: personalizeRoleArn(),
        sagemakerRoleArn: sagemakerRoleArn(),
      });
      const notGranted: string[] = [];
      for (const d of decided) {
        const answer = await ask(
          { principal: d.principal, action: d.action, resource: d.resource, resourceAccount: ACCOUNT, context: d.context },
          { identity: [{ label: "the application policy", document: policy }] },
        );
        if (!answer.allowed) notGranted.push(`${d.operation}: ${d.action} on ${d.resource}: ${answer.why.join("; ")}`);
      }
      expect(notGranted).to.deep.equal([]);
    });
  });
});
