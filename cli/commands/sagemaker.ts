/**
 * `roadmapx-ai sagemaker ...`: upload training data, train, stop, deploy, invoke, clean up; batch
 * transform in sagemaker-transform.ts.
 * Progress and costs go to stderr; results (job names, artifact URIs, answers) to stdout as JSON.
 */
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { commandContext, elapsed, guarded, positiveInt, requireFile, stderrLine } from "../action";
import { CliError, EXIT } from "../exit-codes";
import { createTransferProgress, loggerAround } from "../progress";
import { registerSageMakerTransform } from "./sagemaker-transform";

type SageMakerModule = typeof import("@roadmapx-ai/services");
const sagemakerModule = () => require("@roadmapx-ai/services") as SageMakerModule;

function service() {
  const { SageMakerService } = sagemakerModule();
  return new SageMakerService(commandContext());
}

/** `--channel train=churn-2026[:text/csv]`: channel name, dataset folder under sagemaker/training/, content type. */
function channel(value: string, previous: { name: string; dataset: string; contentType?: string }[] = []) {
  const match = /^([^=]+)=([^:]+)(?::(.+))?$/.exec(value);
  if (!match?.[1] || !match[2]) throw new InvalidArgumentError(`"${value}" is not NAME=DATASET[:CONTENT_TYPE], e.g. train=churn-2026:text/csv`);
  return [...previous, { name: match[1], dataset: match[2], ...(match[3] ? { contentType: match[3] } : {}) }];
}

/** `--hyperparameter num_round=50` (repeatable). */
function hyperparameter(value: string, previous: Record<string, string> = {}) {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError(`"${value}" is not KEY=VALUE`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

function seconds(value: string): number {
  return positiveInt(value);
}

export function registerSageMaker(program: Command, setExitCode: (code: number) => void): void {
  const sagemaker = program.command("sagemaker").description("Amazon SageMaker: training data, training jobs, endpoints (billed by the hour), cleanup");

  sagemaker
    .command("upload")
    .description("stream a training file to sagemaker/training/<dataset>/")
    .requiredOption("--dataset <name>", "dataset folder, e.g. churn-2026")
    .requiredOption("--file <path>", "the file to upload")
    .option("--name <file>", "object name in the folder (default: the file's name)")
    .option("--quiet", "no upload progress (bytes sent, rate, time left) on stderr; errors still go there")
    .action((o: { dataset: string; file: string; name?: string; quiet?: boolean }) =>
      guarded("sagemaker upload", setExitCode, async () => {
        requireFile(o.file);
        const progress = createTransferProgress({ label: o.file, total: statSync(o.file).size, quiet: o.quiet });
        const ctx = commandContext();
        ctx.logger = loggerAround(ctx.logger, progress);
        const { SageMakerService } = sagemakerModule();
        try {
          // `{ path }`: sent from the file region by region (services/file-parts.ts), not through memory.
          const uri = await new SageMakerService(ctx).uploadTrainingData(
            o.dataset,
            o.name ?? basename(o.file),
            { path: o.file },
            {
              onProgress: (p) => progress.update(p.loaded),
            },
          );
          progress.done();
          console.log(JSON.stringify({ uri }, null, 2));
        } catch (err) {
          progress.fail();
          throw err;
        }
      }),
    );

  sagemaker
    .command("train")
    .description("start a training job on uploaded data, writing the model to models/, and wait for it (billed per instance-second)")
    .requiredOption("--image <uri>", "training image in ECR, e.g. 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1")
    .requiredOption("--channel <name=dataset[:type]>", "an input channel from sagemaker/training/<dataset>/ (repeatable)", channel)
    .option("--job-name <name>", "job name (default: <prefix>-<time>-<random>)")
    .option("--job-name-prefix <prefix>", "prefix of the generated job name (default: the stack's resourceNamePrefix, roadmapx)")
    .option("--instance-type <type>", "instance type", "ml.m5.large")
    .option("--instance-count <n>", "instances", positiveInt, 1)
    .option("--volume-size <gb>", "storage per instance in GB", positiveInt, 30)
    .option("--max-runtime <seconds>", "stop the job after this long (it also caps the bill)", seconds, 3600)
    .option("--hyperparameter <key=value>", "a hyperparameter (repeatable)", hyperparameter)
    .option("--no-wait", "return once the job has started")
    .option("--max-wait <seconds>", "stop waiting after this long (the job goes on)", seconds, 6 * 3600)
    .action(
      (o: {
        image: string;
        channel: { name: string; dataset: string; contentType?: string }[];
        jobName?: string;
        jobNamePrefix?: string;
        instanceType: string;
        instanceCount: number;
        volumeSize: number;
        maxRuntime: number;
        hyperparameter?: Record<string, string>;
        wait: boolean;
        maxWait: number;
      }) =>
        guarded("sagemaker train", setExitCode, async () => {
          const sm = service();
          const started = await sm.startTrainingJob({
            image: o.image,
            channels: o.channel,
            ...(o.jobName ? { jobName: o.jobName } : o.jobNamePrefix ? { jobNamePrefix: o.jobNamePrefix } : {}),
            instanceType: o.instanceType,
            instanceCount: o.instanceCount,
            volumeSizeGB: o.volumeSize,
            maxRuntimeSeconds: o.maxRuntime,
            ...(o.hyperparameter ? { hyperparameters: o.hyperparameter } : {}),
          });
          stderrLine(`training job ${started.jobName} started; the model will be at ${started.outputUri}`);
          if (!o.wait) {
            console.log(JSON.stringify({ jobName: started.jobName, status: "InProgress", artifactUri: started.outputUri }, null, 2));
            return;
          }
          const result = await sm.waitForTrainingJob(started.jobName, {
            maxWaitSeconds: o.maxWait,
            onStatus: (e) =>
              stderrLine(
                `[${elapsed(e.elapsedMs).padStart(6)}] ${e.status}${e.secondaryStatus ? ` / ${e.secondaryStatus}` : ""}${e.message ? `: ${e.message}` : ""}`,
              ),
          });
          console.log(JSON.stringify(result, null, 2));
          return result.status === "Completed" ? EXIT.ok : EXIT.failures;
        }),
    );

  sagemaker
    .command("stop")
    .description("stop a running training or transform job (its billing stops with it)")
    .option("--job <name>", "the training job")
    .option("--transform-job <name>", "the transform job")
    .action((o: { job?: string; transformJob?: string }) =>
      guarded("sagemaker stop", setExitCode, async () => {
        if ((o.job === undefined) === (o.transformJob === undefined))
          throw new CliError("name the job with exactly one of --job (training) or --transform-job", EXIT.usage);
        if (o.transformJob) await service().stopTransform(o.transformJob);
        else await service().stopTrainingJob(o.job as string);
        console.log(JSON.stringify({ jobName: o.transformJob ?? o.job, stopping: true }, null, 2));
      }),
    );

  registerSageMakerTransform(sagemaker, setExitCode);

  sagemaker
    .command("deploy")
    .description("create a model, endpoint config and endpoint for a trained model, and wait until it is InService (billed every hour it exists)")
    .requiredOption("--name <name>", "endpoint name; the model and config are named after it")
    .requiredOption("--image <uri>", "inference image in ECR")
    .requiredOption("--model-data <s3-uri>", "the model.tar.gz a training job wrote under models/")
    .option("--instance-type <type>", "instance type", "ml.t2.medium")
    .option("--instance-count <n>", "instances", positiveInt, 1)
    .action((o: { name: string; image: string; modelData: string; instanceType: string; instanceCount: number }) =>
      guarded("sagemaker deploy", setExitCode, async () => {
        const result = await service().deploy({
          name: o.name,
          image: o.image,
          modelArtifactUri: o.modelData,
          instanceType: o.instanceType,
          instanceCount: o.instanceCount,
        });
        if (!result.created) stderrLine(`endpoint ${o.name} already exists; left as it is`);
        console.log(JSON.stringify(result, null, 2));
      }),
    );

  sagemaker
    .command("invoke")
    .description("send one request to an endpoint and print the answer")
    .requiredOption("--endpoint <name>", "the endpoint")
    .option("--body <text>", "the request body")
    .option("--body-file <path>", "read the request body from a file")
    .addOption(new Option("--content-type <type>", "body type").choices(["application/json", "text/csv"]).default("application/json"))
    .option("--accept <type>", "answer type wanted", "application/json")
    .action((o: { endpoint: string; body?: string; bodyFile?: string; contentType: "application/json" | "text/csv"; accept: string }) =>
      guarded("sagemaker invoke", setExitCode, async () => {
        if ((o.body === undefined) === (o.bodyFile === undefined)) throw new CliError("give the request with exactly one of --body or --body-file", EXIT.usage);
        if (o.bodyFile) requireFile(o.bodyFile, "--body-file");
        const body = o.body ?? readFileSync(o.bodyFile as string, "utf8");
        if (o.contentType === "application/json") {
          try {
            JSON.parse(body);
          } catch (err) {
            throw new CliError(`the body is not JSON (${(err as Error).message}); pass --content-type text/csv for CSV`, EXIT.usage);
          }
        }
        const answer = await service().invoke(o.endpoint, body, { contentType: o.contentType, accept: o.accept });
        console.log(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body, null, 2));
      }),
    );

  sagemaker
    .command("cleanup")
    .description("delete an endpoint, its config and its model (what is already gone is skipped)")
    .requiredOption("--endpoint <name>", "the endpoint")
    .option("--yes", "confirm: the endpoint stops serving at once")
    .action((o: { endpoint: string; yes?: boolean }) =>
      guarded("sagemaker cleanup", setExitCode, async () => {
        if (!o.yes) throw new CliError(`cleanup deletes endpoint ${o.endpoint}, its config and its model; run again with --yes to confirm`, EXIT.usage);
        console.log(JSON.stringify({ deleted: await service().cleanup(o.endpoint) }, null, 2));
      }),
    );
}
