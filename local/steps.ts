/** What `roadmapx-ai local` runs once the stack is applied: the verifier, the services demo, the IAM gate's record. */
import { EXIT, type ExitCode } from "../cli/exit-codes";
import { applicationRequests, probeCovering, resolveRuntimeConfig } from "@roadmapx-ai/core";
import { type ServiceContext, silentLogger } from "@roadmapx-ai/services";
import { FilterValuesError, type ImportResult, ImportValidationError, PersonalizeService, builtinSchema } from "@roadmapx-ai/services";
import { ComprehendService } from "@roadmapx-ai/services";
import { SageMakerService } from "@roadmapx-ai/services";
import { AiStorage } from "@roadmapx-ai/services";
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { dirname, join } from "node:path";
import { LOCAL_BACKEND_USER } from "./account";
import { interactionsCsv } from "./demo-data";
import type { GateDecision } from "./iam-gate";
import { renderTable } from "../verify/render";
import { writeReportFile } from "../verify/formats";
import { renderHtml } from "../verify/render-html";
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
    const html = writeReportFile(join(dirname(context.outputsFile), "verify-report.html"), renderHtml(run.report));
    context.print(`  HTML report (the checklist, and a picture of who may do what): ${html}`);
    if (run.report.checks.some((c) => c.id === "bucket.tls-only" && c.status === "warn")) {
      context.print(
        "  (Locally the app bucket has no TLS-only Deny: moto evaluates no policy conditions and would apply it to every " +
          "object request, blocking the demo. On AWS, add the statement above to the app bucket's policy.)",
      );
    }
    return run.exitCode === EXIT.ok ? EXIT.ok : run.exitCode;
  },
};

/** The backend's view of the emulator, through the IAM gate: its identity, the stack outputs, the AI bucket. */
function backendContext(context: LocalContext): ServiceContext {
  const config = resolveRuntimeConfig({}, { ...process.env, ...context.backendEnvironment });
  return { config, clients: context.backendClients, storage: new AiStorage(context.backendClients, config.aiBucket), logger: silentLogger };
}

/** The resource part of an ARN (`dataset-group/roadmapx-demo`), for short lines. */
const resourceOf = (arn: string) => arn.split(":").slice(5).join(":");

/** The statuses a wait went through, in order, joined for a line. */
class StatusTrail {
  private seen: string[] = [];
  record(status: string): void {
    if (this.seen[this.seen.length - 1] !== status) this.seen.push(status);
  }
  /** The statuses since the last take, and the time they took. */
  take(startedAt: number): string {
    const trail = this.seen.join(" -> ") || "no wait";
    this.seen = [];
    return `${trail} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`;
  }
}

/** Polls every 100 ms, growing to 250 ms: the stand-in's short durations show every status. */
const DEMO_POLL = { intervalMs: 100, maxIntervalMs: 250 } as const;

/** The demo's catalogue: the items interactionsCsv draws from, each in one category. */
const DEMO_ITEMS = 97;
const DEMO_CATEGORIES = ["frontend", "backend", "devops"];

export const personalizeDemoStep: LocalStep = {
  title: "services demo: Personalize (the local stand-in), as the local backend identity",
  async run(context: LocalContext): Promise<ExitCode> {
    const ctx = backendContext(context);
    const trail = new StatusTrail();
    const personalize = new PersonalizeService(ctx, { ...DEMO_POLL, onStatus: (_what, s) => trail.record(s.status) });
    const say = (line: string) => context.print(`  ${line}`);
    let since = Date.now();
    const step = () => {
      const line = trail.take(since);
      since = Date.now();
      return line;
    };

    const data = interactionsCsv(1200);
    const report = await personalize.validate(data, "interactions");
    say(
      `validate: ${report.rows} generated interactions -> ${report.valid ? "valid" : `${report.errorCount} errors`}${report.warnings.length ? `; ${report.warnings.join("; ")}` : ", ready to train"}`,
    );

    since = Date.now();
    const schema = await personalize.ensureSchema("roadmapx-demo-interactions", builtinSchema("interactions"));
    say(`schema: ${schema.arn} (${schema.created ? "created" : "already there"})`);
    let group: string | undefined;
    let shown = false;
    // The lifecycle, then the cleanup, also after a failure: on AWS a campaign left behind bills every hour.
    const lifecycle = async (): Promise<ExitCode> => {
      since = Date.now();
      group = (await personalize.ensureDatasetGroup("roadmapx-demo")).arn;
      say(`dataset group ${resourceOf(group)}: ${step()}`);
      const dataset = await personalize.ensureDataset(group, "interactions", schema.arn, "roadmapx-demo-interactions");
      say(`dataset ${resourceOf(dataset.arn)}: ${step()}`);

      const badData = `${data}user-1,roadmap-item-1,1700000000123,view\n`;
      try {
        await personalize.importDataset(dataset.arn, badData, "personalize/demo/bad.csv");
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

      const importStatuses = new StatusTrail();
      since = Date.now();
      let imported: ImportResult;
      try {
        imported = await personalize.importDataset(dataset.arn, data, "personalize/demo/interactions.csv", {
          pollIntervalMs: DEMO_POLL.intervalMs,
          maxPollIntervalMs: DEMO_POLL.maxIntervalMs,
          onProgress: (p) => {
            if (p.phase === "import" && p.status) importStatuses.record(p.status);
          },
        });
      } catch (err) {
        if (!ctx.config.outputs?.artifactsBucketCreated) throw err;
        // The created bucket's policy has the TLS-only Deny, which moto applies to every request.
        say(
          "upload + import: skipped here: moto applies the created bucket's TLS-only Deny to every object request (it evaluates no conditions); " +
            "on AWS this upload works over TLS. Without data there is nothing to train: cleaning up.",
        );
        return EXIT.ok;
      }
      say(`upload: ${imported.uri} (${(Buffer.byteLength(data) / 1024).toFixed(1)} KiB, validated while it streamed)`);
      const records = context.personalizeStandIn.datasetRecords(dataset.arn);
      say(`import job ${resourceOf(imported.jobArn)}: ${importStatuses.take(since)}; ${records?.imported ?? "?"} interactions in the dataset`);

      since = Date.now();
      const solution = await personalize.ensureSolution({ name: "roadmapx-demo-recs", datasetGroupArn: group });
      say(`solution ${resourceOf(solution.arn)} (user personalization): ${step()}`);
      const trained = await personalize.train(solution.arn);
      const metrics = ["precision_at_25", "normalized_discounted_cumulative_gain_at_25", "coverage"]
        .filter((m) => trained.metrics[m] !== undefined)
        .map((m) => `${m} ${trained.metrics[m]?.toFixed(3)}`);
      say(`training: solution version ${resourceOf(trained.arn)}: ${step()}; ${metrics.join(", ") || "no metrics"}`);
      // Nightly recommendations for many users at once: a batch inference job on the same version.
      since = Date.now();
      const users = Array.from({ length: 50 }, (_, i) => ({ userId: `user-${i + 1}` }));
      const batch = await personalize.batchRecommend({
        solutionVersionArn: trained.arn,
        input: users,
        numResults: 5,
        name: "roadmapx-demo-nightly",
        cleanup: true,
        pollIntervalMs: DEMO_POLL.intervalMs,
        onStatus: (s) => trail.record(s.status),
      });
      let answered = 0;
      let firstLine = "";
      for await (const r of batch.results()) {
        if (answered++ === 0) firstLine = `${JSON.stringify(r.input)} -> ${r.recommendedItems.join(", ")}`;
        if (r.error) return EXIT.failures;
      }
      say(
        `batch inference job ${resourceOf(batch.jobArn)}: ${step()}; ${batch.records} users in, ${answered} answered (first: ${firstLine}); input and output removed`,
      );
      if (answered !== users.length) return EXIT.failures;

      const campaign = await personalize.ensureCampaign({
        name: "roadmapx-demo-live",
        solutionArn: solution.arn,
        solutionVersionArn: trained.arn,
        minProvisionedTPS: 1,
        enableMetadataWithRecommendations: true,
      });
      say(`campaign ${resourceOf(campaign.arn)} (minProvisionedTPS 1, item metadata on): ${step()}`);

      const user = "user-3";
      const recommended = (await personalize.getRecommendations({ campaignArn: campaign.arn, userId: user, numResults: 5 })).map((r) => r.itemId);
      say(`recommendations for ${user}: ${recommended.join(", ")}`);
      if (recommended.length === 0) return EXIT.failures;
      shown = true;

      const tracker = await personalize.ensureEventTracker(group, "roadmapx-demo-tracker");
      const viewed = recommended.slice(0, 2);
      const sent = await personalize.putEvents({
        trackingId: tracker.trackingId,
        userId: user,
        sessionId: "roadmapx-demo-session",
        events: viewed.map((itemId) => ({ eventType: "view", itemId, sentAt: new Date() })),
      });
      const after = (await personalize.getRecommendations({ campaignArn: campaign.arn, userId: user, numResults: 5 })).map((r) => r.itemId);
      say(
        `events: tracker ${resourceOf(tracker.arn)}: ${step()}; putEvents sent ${sent.sent} views (${viewed.join(", ")}) in ${sent.calls} call; ` +
          `${user} is now recommended ${after.join(", ")}`,
      );
      return liveApplication(group, campaign.arn, user);
    };
    // What a live application adds: the catalogue in real time, a filter, metadata in the response,
    // and forgetting a user who deletes their account.
    const liveApplication = async (groupArn: string, campaignArn: string, user: string): Promise<ExitCode> => {
      since = Date.now();
      const itemsSchema = await personalize.ensureSchema("roadmapx-demo-items", builtinSchema("items"));
      const items = await personalize.ensureDataset(groupArn, "items", itemsSchema.arn, "roadmapx-demo-items");
      const catalogue = Array.from({ length: DEMO_ITEMS }, (_, n) => ({
        itemId: `roadmap-item-${n}`,
        properties: { CATEGORY: DEMO_CATEGORIES[n % DEMO_CATEGORIES.length] as string },
      }));
      const put = await personalize.putItems({ datasetArn: items.arn, items: catalogue });
      say(
        `items: dataset ${resourceOf(items.arn)}: ${step()}; putItems sent ${put.sent} roadmap items with their CATEGORY in ${put.calls} calls (10 at most each)`,
      );
      since = Date.now();
      const filter = await personalize.createFilter({
        name: "roadmapx-demo-category",
        datasetGroupArn: groupArn,
        expression: "INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)",
      });
      say(`filter ${resourceOf(filter.arn)} (INCLUDE ItemID WHERE Items.CATEGORY IN ($CATEGORY)): ${step()}`);
      try {
        await personalize.getRecommendations({ campaignArn, userId: user, filterArn: filter.arn });
        say("a filter without its value: accepted (unexpected)");
        return EXIT.failures;
      } catch (err) {
        if (!(err instanceof FilterValuesError)) throw err;
        say(`a filter without its value: refused before the call (${err.message})`);
      }
      const devops = await personalize.getRecommendations({
        campaignArn,
        userId: user,
        numResults: 5,
        filterArn: filter.arn,
        filterValues: { CATEGORY: "devops" },
        metadataColumns: ["CATEGORY"],
      });
      say(`devops recommendations for ${user}, with metadata: ${devops.map((r) => `${r.itemId} (${r.metadata?.["CATEGORY"] ?? "?"})`).join(", ")}`);
      if (devops.length === 0 || devops.some((r) => r.metadata?.["CATEGORY"] !== "devops")) return EXIT.failures;

      // The account-deletion path: the backend calls deleteUserData when a user deletes their account.
      const before = (await personalize.getRecommendations({ campaignArn, userId: user, numResults: 5 })).map((r) => r.itemId);
      since = Date.now();
      const deletion = await personalize.deleteUserData({ datasetGroupArn: groupArn, userIds: [user], jobName: "roadmapx-demo-forget" });
      const done = await personalize.waitForDataDeletion(deletion.jobArn);
      const forgotten = (await personalize.getRecommendations({ campaignArn, userId: user, numResults: 5 })).map((r) => r.itemId);
      const removed = !(await ctx.storage.exists(deletion.key));
      say(
        `account deletion: ${deletion.users} user id streamed to ${deletion.key}; data deletion job ${resourceOf(deletion.jobArn)}: ${step()}; ` +
          `${done.numDeleted ?? "?"} user deleted, the input ${removed ? "removed" : "left behind!"}; ${user} is now recommended ${forgotten.join(", ")} (was ${before.join(", ")})`,
      );
      if (!removed || done.numDeleted !== 1) return EXIT.failures;
      return EXIT.ok;
    };
    const cleanup = async () => {
      if (!group) return;
      since = Date.now();
      const deleted = await personalize.cleanup(group, { deleteSchemas: true });
      say(`cleanup: deleted ${deleted.map(resourceOf).join(", ")} (${((Date.now() - since) / 1000).toFixed(1)} s; a campaign bills every hour it exists)`);
    };
    let code: ExitCode;
    try {
      code = await lifecycle();
    } catch (err) {
      await cleanup().catch((e: unknown) => say(`cleanup failed too: ${(e as Error).message}`));
      throw err;
    }
    await cleanup();
    if (shown) {
      say(
        "(the stand-in trains no model: recommendations are the most-interacted items the user has not interacted with, and the metrics are " +
          "computed from those counts; on AWS each step takes minutes to hours and is billed)",
      );
    }
    return code;
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

    // Batch transform: the model scores a table on its own instances (the stand-in; moto writes nothing).
    const scored = rows
      .split("\n")
      .slice(0, 100)
      .map((row) => row.slice(row.indexOf(",") + 1));
    const statuses: string[] = [];
    let job: Awaited<ReturnType<SageMakerService["transform"]>>;
    try {
      job = await sagemaker.transform({
        modelName: `${endpoint}-model`,
        input: { records: scored, name: "churn.csv" },
        contentType: "text/csv",
        wait: { minDelaySeconds: 1, maxDelaySeconds: 1, onStatus: (e) => statuses.push(e.status) },
      });
    } catch (err) {
      if (!ctx.config.outputs?.artifactsBucketCreated) throw err;
      say("transform: skipped here (its input upload meets the created bucket's TLS-only Deny, which moto applies to every object request)");
      await sagemaker.cleanup(endpoint);
      return EXIT.ok;
    }
    let answers = 0;
    let first = "";
    for await (const r of sagemaker.readTransformResults(job.jobName)) {
      if (answers++ === 0) first = r.output;
    }
    say(
      `transform job ${job.jobName}: ${[...new Set(statuses)].join(" -> ")}; ${job.records} records from ${job.inputUri} -> ${answers} answers in ${job.outputUri} (first: ${first})`,
    );
    if (answers !== scored.length) return EXIT.failures;
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

/**
 * A Comprehend analysis job end to end through the stand-in: documents uploaded as ONE_DOC_PER_LINE
 * input, one job per operation started with the stack's data-access role, waited for, output.tar.gz
 * (and PII's .out) read back in input order, the run's objects removed.
 */
export const comprehendJobDemoStep: LocalStep = {
  title: "services demo: a Comprehend analysis job (the local stand-in), as the local backend identity",
  async run(context: LocalContext): Promise<ExitCode> {
    const ctx = backendContext(context);
    const comprehend = new ComprehendService(ctx);
    const say = (line: string) => context.print(`  ${line}`);
    if (!ctx.config.comprehendRoleArn) {
      say("no comprehendRoleArn in the stack outputs: the analysis-job demo needs the Comprehend role");
      return EXIT.failures;
    }
    const count = 2000;
    const notes = function* () {
      for (let i = 1; i <= count; i++) {
        const mood = i % 3 === 0 ? "The delayed milestone is a bad surprise." : "The roadmap is clear and the team is happy.";
        yield { id: `note-${i}`, text: `${mood} Contact ${i % 10 === 0 ? `owner${i}@example.com` : "the team"} about item ${i}.` };
      }
    };
    const trail = new StatusTrail();
    const started = Date.now();
    const run = await comprehend.startAnalysisJob(notes, { operations: ["sentiment", "pii"], language: "en" });
    say(`input: ${run.manifest.documents} documents, ${run.manifest.lines} lines under ${run.manifest.inputPrefix}; ${run.jobs.length} jobs started:`);
    for (const job of run.jobs) say(`  ${job.operation}: ${resourceOf(job.jobArn)}`);
    const completed = await comprehend.waitForJob(run, {
      pollIntervalMs: DEMO_POLL.intervalMs,
      maxPollIntervalMs: DEMO_POLL.maxIntervalMs,
      onJobStatus: (c) => trail.record(c.status),
    });
    say(`jobs: ${trail.take(started)}`);
    let read = 0;
    let inOrder = true;
    let negative = 0;
    let withPii = 0;
    for await (const doc of comprehend.readJobResults(run, completed, notes, { cleanup: true })) {
      if (doc.input.id !== `note-${++read}`) inOrder = false;
      if (doc.results.sentiment?.sentiment === "NEGATIVE") negative++;
      if ((doc.results.pii?.length ?? 0) > 0) withPii++;
    }
    // Asked of moto directly, as its administrator: what is left under the run's two folders.
    let left = 0;
    for (const prefix of [run.manifest.inputPrefix, run.manifest.outputPrefix]) {
      const listed = await context.admin.s3.send(new ListObjectsV2Command({ Bucket: ctx.config.aiBucket, Prefix: prefix }));
      left += listed.KeyCount ?? 0;
    }
    say(
      `results: ${read} of ${count} documents, ${inOrder ? "in input order with their ids" : "OUT OF ORDER"}; ${negative} negative, ${withPii} with PII; ` +
        `cleanup: ${left === 0 ? "the run's input and output objects deleted" : `${left} objects left`}`,
    );
    say("(the stand-in analyses with word lists and regular expressions; on AWS a job takes minutes however small: see the README's break-even)");
    return read === count && inOrder && left === 0 ? EXIT.ok : EXIT.failures;
  },
};

/** Where the live refusal tries to write: the application's own prefix, which the application policy does not grant. */
export const GATE_CHECK_KEY = "user-uploads/roadmapx-gate-check.txt";

/**
 * The gate's record of decisions holds one entry per authorisation, and one request can need several
 * (CreateDatasetImportJob: the job, the dataset, iam:PassRole), pushed together: a request starts
 * where the operation changes or an (action, resource) pair repeats within the current run. (Two
 * requests in a row of one operation on different resources would count as one; the demo makes none:
 * its repeated calls are polls of one resource and the parts of one upload.)
 */
export function requestsOf(decisions: readonly GateDecision[]): GateDecision[][] {
  const requests: GateDecision[][] = [];
  let current: GateDecision[] | undefined;
  for (const d of decisions) {
    const repeats = current?.some((c) => c.action === d.action && c.resource === d.resource) ?? true;
    if (!current || current[0]?.operation !== d.operation || repeats) requests.push((current = []));
    current.push(d);
  }
  return requests;
}

export const iamGateStep: LocalStep = {
  title: "IAM gate: what the services demo was allowed, and one call outside the application policy",
  async run(context: LocalContext): Promise<ExitCode> {
    const say = (line: string) => context.print(`  ${line}`);
    const backend = LOCAL_BACKEND_USER;
    const requests = requestsOf(context.gate.decisions.filter((d) => d.principal === context.backendArn));
    const refused = requests.filter((r) => r.some((d) => !d.allowed));
    const actions = new Set(requests.flatMap((r) => r.map((d) => d.action)));
    say(`IAM gate: ${requests.length - refused.length} requests authorised as ${backend} (${actions.size} actions), ${refused.length} refused`);
    if (!requests.length) say("  (no request of the services demo reached the gate)");
    for (const r of refused) {
      const denied = r.find((d) => !d.allowed);
      say(`  refused: ${denied?.operation}: ${denied?.action} on ${denied?.resource} (the demo needed a permission the application policy lacks)`);
    }
    let code: ExitCode = refused.length || !requests.length ? EXIT.failures : EXIT.ok;

    // Each authorisation the demo needed must be one verify's app.* checks evaluate (PassRole is caller.pass-role.*).
    const outputs = context.applied.outputs;
    const probes = applicationRequests({
      target: { partition: "aws", region: outputs.region, accountId: context.backendArn.split(":")[4] ?? "" },
      bucket: outputs.artifactsBucketName,
      resourceNamePrefix: outputs.resourceNamePrefix,
      kmsKeyArn: outputs.kmsKeyArn ?? undefined,
    });
    const authorised = requests.flat().filter((d) => d.allowed && d.action !== "iam:PassRole");
    const uncovered = [...new Set(authorised.filter((d) => !probeCovering(probes, d.action, d.resource)).map((d) => `${d.action} on ${d.resource}`))];
    say(
      `verify's app.* checks evaluate every kind of request the demo was authorised for: ${uncovered.length ? "NO" : "yes"} (${authorised.length} authorisations)`,
    );
    for (const u of uncovered) say(`  not evaluated by verify: ${u}`);
    if (uncovered.length) code = EXIT.failures;

    // Live: the backend writes to the application's own prefix, which the application policy does not grant.
    const bucket = context.applied.outputs.appBucketName;
    const before = context.gate.decisions.length;
    let outcome: string;
    try {
      await context.backendClients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: GATE_CHECK_KEY, Body: "must not be written\n" }));
      outcome = "accepted";
    } catch (err) {
      outcome = (err as Error).name;
    }
    const denied = context.gate.decisions.slice(before).find((d) => !d.allowed);
    // Asked of moto directly, as its administrator: whether the write got past the gate.
    const written = await context.admin.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: GATE_CHECK_KEY })).then(
      () => true,
      (err: Error) => {
        if (err.name === "NotFound") return false;
        throw err;
      },
    );
    if (outcome === "AccessDenied" && denied && !written) {
      say(`refused as expected: ${denied.action} on ${GATE_CHECK_KEY} (${outcome}); nothing reached the emulator`);
    } else {
      say(
        `NOT refused as it must be: s3:PutObject on ${GATE_CHECK_KEY} as ${backend} ended ${outcome}` +
          `${written ? ", and the object was written" : ""}: the gate did not hold the backend to the application policy`,
      );
      code = EXIT.failures;
    }
    return code;
  },
};

export const LOCAL_STEPS: LocalStep[] = [verifyStep, personalizeDemoStep, sagemakerDemoStep, comprehendDemoStep, comprehendJobDemoStep, iamGateStep];
