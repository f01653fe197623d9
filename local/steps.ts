/** What `roadmapx-ai local` runs once the stack is applied: the verifier, then the services demo. */
import { EXIT, type ExitCode } from "../cli/exit-codes";
import { resolveRuntimeConfig } from "@roadmapx-ai/core";
import { type ServiceContext, silentLogger } from "@roadmapx-ai/services";
import { ImportValidationError, PersonalizeService, builtinSchema } from "@roadmapx-ai/services";
import { ComprehendService } from "@roadmapx-ai/services";
import { SageMakerService } from "@roadmapx-ai/services";
import { AiStorage } from "@roadmapx-ai/services";
import { interactionsCsv } from "./demo-data";
import { renderTable } from "../verify/render";
import { runVerify } from "../verify/run";
import type { LocalContext, LocalStep } from "./run-local";

export const verifyStep: LocalStep = {
  title: "verify: the setup checklist, as the local backend identity (read-only)",
  async run(context: LocalContext): Promise<ExitCode> {
    const run = await runVerify({
      env: { ...process.env, ...context.environment },
      clientOptions: { credentials: context.backendCredentials },
    });
    const colour = process.stdout.isTTY === true && !process.env["NO_COLOR"];
    for (const line of renderTable(run.report, { colour }).trimEnd().split("\n")) context.print(`  ${line}`);
    if (run.report.checks.some((c) => c.id === "bucket.tls-only" && c.status === "warn")) {
      context.print(
        "  (Locally the app bucket has no TLS-only Deny: moto evaluates no policy conditions and would apply it to every " +
          "object request, blocking the demo. On AWS, add the statement above to the app bucket's policy.)",
      );
    }
    return run.exitCode === EXIT.ok ? EXIT.ok : run.exitCode;
  },
};

/** The backend's view of the emulator: its identity, the stack outputs, the AI bucket. */
function backendContext(context: LocalContext): ServiceContext {
  const config = resolveRuntimeConfig({}, { ...process.env, ...context.environment });
  return { config, clients: context.backendClients, storage: new AiStorage(context.backendClients, config.aiBucket), logger: silentLogger };
}

export const personalizeDemoStep: LocalStep = {
  title: "services demo: Personalize, as the local backend identity",
  async run(context: LocalContext): Promise<ExitCode> {
    const ctx = backendContext(context);
    const personalize = new PersonalizeService(ctx);
    const say = (line: string) => context.print(`  ${line}`);

    const data = interactionsCsv(1200);
    const report = await personalize.validate(data, "interactions");
    say(
      `validate: ${report.rows} generated interactions -> ${report.valid ? "valid" : `${report.errorCount} errors`}${report.warnings.length ? `; ${report.warnings.join("; ")}` : ", ready to train"}`,
    );

    const key = "personalize/demo/interactions.csv";
    try {
      const uploaded = await ctx.storage.upload(key, data, { contentType: "text/csv" });
      say(`upload: ${uploaded.uri} (${(Buffer.byteLength(data) / 1024).toFixed(1)} KiB)`);
    } catch (err) {
      if (!ctx.config.outputs?.artifactsBucketCreated) throw err;
      // The created bucket's policy has the TLS-only Deny, which moto applies to every request.
      say(
        `upload: skipped here: moto applies the created bucket's TLS-only Deny to every object request (it evaluates no conditions); on AWS this upload works over TLS`,
      );
    }

    const badData = `${data}user-1,roadmap-item-1,1700000000123,view\n`;
    try {
      await personalize.importDataset("arn:aws:personalize:us-east-1:123456789012:dataset/roadmapx-demo/INTERACTIONS", badData, "personalize/demo/bad.csv");
      say("bad CSV: accepted (unexpected)");
      return EXIT.failures;
    } catch (err) {
      if (!(err instanceof ImportValidationError)) throw err;
      const first = err.report.errors[0];
      const left = await ctx.storage.exists("personalize/demo/bad.csv").catch(() => false);
      say(
        `bad CSV: importDataset refused it at line ${first?.line} (${first?.kind}); ${left ? "but an object was left!" : "nothing was uploaded, no import job started"}`,
      );
      if (left) return EXIT.failures;
    }

    const schema = await personalize.ensureSchema("roadmapx-demo-interactions", builtinSchema("interactions"));
    say(`schema: ${schema.arn} (${schema.created ? "created" : "already there"})`);
    say("needs real AWS (moto emulates no more of Personalize): dataset group, dataset, import job, training, campaign, recommendations, events");
    return EXIT.ok;
  },
};

/** SageMaker's built-in XGBoost image in us-east-1 (the emulator pulls nothing; AWS would). */
const DEMO_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

export const sagemakerDemoStep: LocalStep = {
  title: "services demo: SageMaker, as the local backend identity",
  async run(context: LocalContext): Promise<ExitCode> {
    const ctx = backendContext(context);
    const sagemaker = new SageMakerService(ctx);
    const say = (line: string) => context.print(`  ${line}`);

    const rows = Array.from({ length: 200 }, (_, i) => `${i % 2},${((i * 7) % 13) / 13},${((i * 5) % 11) / 11}`).join("\n");
    try {
      say(`training data: ${await sagemaker.uploadTrainingData("demo-churn", "train.csv", `${rows}\n`)}`);
    } catch (err) {
      if (!ctx.config.outputs?.artifactsBucketCreated) throw err;
      say("training data: upload skipped here (moto applies the created bucket's TLS-only Deny to every object request); the job below still runs");
    }
    const transitions: string[] = [];
    const result = await sagemaker.train(
      {
        image: DEMO_IMAGE,
        channels: [{ name: "train", dataset: "demo-churn", contentType: "text/csv" }],
        jobNamePrefix: "roadmapx-demo-churn",
        hyperparameters: { objective: "binary:logistic", num_round: 20 },
      },
      { minDelaySeconds: 1, maxDelaySeconds: 2, onStatus: (e) => transitions.push(e.secondaryStatus ?? e.status) },
    );
    say(`training job ${result.jobName}: ${result.status} (secondary statuses seen: ${transitions.join(" -> ") || "none"}; moto completes jobs at once)`);
    const artifactKey = result.artifactUri?.replace(`s3://${ctx.config.aiBucket}/`, "");
    const written = artifactKey ? await ctx.storage.exists(artifactKey).catch(() => false) : false;
    say(`model artifact: ${result.artifactUri ?? "none reported"}${written ? "" : " (moto runs no training and writes no file there; on AWS the job does)"}`);
    if (!result.artifactUri?.startsWith(`s3://${ctx.config.aiBucket}/models/`)) return EXIT.failures;

    const endpoint = "roadmapx-demo-churn-live";
    await sagemaker.deploy({ name: endpoint, image: DEMO_IMAGE, modelArtifactUri: result.artifactUri, minDelaySeconds: 1, maxDelaySeconds: 2 });
    await context.emulator.queueSageMakerEndpointResults([{ Body: JSON.stringify({ predictions: [{ score: 0.82 }] }), ContentType: "application/json" }]);
    const answer = await sagemaker.invoke(endpoint, { instances: [[0.5, 0.7]] });
    say(`endpoint ${endpoint}: InService; invoke -> ${JSON.stringify(answer.body)} (a canned answer queued in moto, which runs no model)`);
    const deleted = await sagemaker.cleanup(endpoint);
    say(`cleanup: deleted ${deleted.join(", ")} (an endpoint bills every hour it exists)`);
    return EXIT.ok;
  },
};

export const comprehendDemoStep: LocalStep = {
  title: "services demo: Comprehend, as the local backend identity",
  async run(context: LocalContext): Promise<ExitCode> {
    const comprehend = new ComprehendService(backendContext(context));
    const say = (line: string) => context.print(`  ${line}`);
    const notes = [
      { id: "note-1", text: "The Q3 roadmap is clear and the team is excited about it." },
      { id: "note-2", text: "Contact Jane Doe at jane@example.com about the delayed milestone." },
      { id: "note-3", text: "" },
    ];
    // moto implements the single-document calls only: batch: false sends one per document.
    for await (const doc of comprehend.analyzeMany(notes, { operations: ["sentiment", "key-phrases", "pii"], batch: false })) {
      const found = Object.entries(doc.errors).map(([op, e]) => `${op}: ${e.code}`);
      say(
        `${doc.input.id}: ${found.length ? `refused (${found.join(", ")})` : `sentiment ${doc.results.sentiment?.sentiment}, ${doc.results["key-phrases"]?.length} key phrases, ${doc.results.pii?.length} PII entities`}`,
      );
    }
    say("(moto answers canned values whatever the text; the Batch* APIs, entities and language detection need real AWS)");
    return EXIT.ok;
  },
};

export const LOCAL_STEPS: LocalStep[] = [verifyStep, personalizeDemoStep, sagemakerDemoStep, comprehendDemoStep];
