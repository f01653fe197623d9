/**
 * How a batch transform job can end badly, kept apart from the service so that the CLI can map
 * them to exit codes without loading the SageMaker SDK. Each message names the job.
 */
import { formatDuration } from "../poll";

export class TransformFailedError extends Error {
  constructor(
    readonly jobName: string,
    readonly failureReason: string | undefined,
  ) {
    super(`transform job ${jobName} failed: ${failureReason ?? "no reason given"}`);
    this.name = "TransformFailedError";
  }
}

export class TransformStoppedError extends Error {
  constructor(readonly jobName: string) {
    super(
      `transform job ${jobName} was stopped before it completed: its output is incomplete (an input object gets its .out only once all of it is transformed); run the transform again for complete results`,
    );
    this.name = "TransformStoppedError";
  }
}

export class TransformWaitTimeoutError extends Error {
  constructor(
    readonly jobName: string,
    readonly status: string,
    elapsedMs: number,
  ) {
    super(
      `transform job ${jobName} is still ${status} after ${formatDuration(elapsedMs)}; it goes on (and bills) in AWS: read its results later with ` +
        `\`roadmapx-ai sagemaker transform-results --job-name ${jobName}\`, or stop it with \`roadmapx-ai sagemaker stop --transform-job ${jobName}\``,
    );
    this.name = "TransformWaitTimeoutError";
  }
}

/** Results asked for before the job has completed. */
export class TransformNotCompleteError extends Error {
  constructor(
    readonly jobName: string,
    readonly status: string,
  ) {
    super(`transform job ${jobName} is ${status}: its results can be read once it is Completed`);
    this.name = "TransformNotCompleteError";
  }
}
