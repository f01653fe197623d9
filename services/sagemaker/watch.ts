/**
 * An SDK waiter polls with its own Describe calls; to report progress from those same polls (one
 * loop decides and reports, no second poller), the waiter gets this client: the same object with
 * `send` watched. It is made with Object.create, so it stays an instance of the client's class and
 * the waiter's checks on it hold.
 */
import type { SageMakerClient } from "@aws-sdk/client-sagemaker";

export function watchedClient(client: SageMakerClient, onOutput: (output: unknown) => void): SageMakerClient {
  const watched = Object.create(client) as SageMakerClient;
  watched.send = (async (command: Parameters<SageMakerClient["send"]>[0]) => {
    const output = await client.send(command);
    onOutput(output);
    return output;
  }) as SageMakerClient["send"];
  return watched;
}
