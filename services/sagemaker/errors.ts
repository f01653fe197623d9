/**
 * How a training job can end badly. Kept apart from the service so that the CLI can map them to
 * exit codes without loading the SageMaker SDK.
 */
import { formatDuration } from "../poll";

export { SageMakerInputError } from "./validate";

export class TrainingFailedError extends Error {
  constructor(
    readonly jobName: string,
    readonly failureReason: string | undefined,
  ) {
    super(`training job ${jobName} failed: ${failureReason ?? "no reason given"}`);
    this.name = "TrainingFailedError";
  }
}

export class TrainingWaitTimeoutError extends Error {
  constructor(
    readonly jobName: string,
    seconds: number,
  ) {
    super(
      `training job ${jobName} is still running after ${formatDuration(seconds * 1000)}; it goes on (and bills) in AWS: ` +
        `stop it with \`roadmapx-ai sagemaker stop --job ${jobName}\` or check it later`,
    );
    this.name = "TrainingWaitTimeoutError";
  }
}
