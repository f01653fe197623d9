/**
 * The client defaults every package relies on, read back from the clients the factory makes (the
 * integration tests all set maxAttempts: 1, so nothing else would notice if these changed).
 */
import { expect } from "chai";
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_MODE } from "../../core/clients";
import { AwsClients } from "../../services/aws/clients";
import { AccountClients } from "../../verify/clients";

const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

async function settings(client: { config: unknown }) {
  const config = client.config as Record<string, unknown>;
  const handler = config["requestHandler"] as { configProvider: Promise<Record<string, unknown>> };
  const retry = await (config["retryStrategy"] as () => Promise<{ mode: string }>)();
  return {
    maxAttempts: await (config["maxAttempts"] as () => Promise<number>)(),
    retryMode: retry.mode,
    connectionTimeout: (await handler.configProvider)["connectionTimeout"],
    socketTimeout: (await handler.configProvider)["socketTimeout"],
  };
}

describe("AWS client defaults (the one factory)", () => {
  it("5 attempts, adaptive retries, 5 s to connect and 120 s of socket silence, for every client of every package", async () => {
    expect(DEFAULT_MAX_ATTEMPTS).to.equal(5);
    expect(DEFAULT_RETRY_MODE).to.equal("adaptive");
    const services = new AwsClients({ region: "us-east-1", credentials: CREDENTIALS });
    const account = new AccountClients({ region: "us-east-1", credentials: CREDENTIALS });
    for (const client of [services.s3, services.comprehend, services.personalize, services.sagemaker, account.iam, account.s3]) {
      expect(await settings(client)).to.deep.equal({ maxAttempts: 5, retryMode: "adaptive", connectionTimeout: 5000, socketTimeout: 120_000 });
    }
    services.destroy();
    account.destroy();
  });

  it("options override them, and S3 uses path-style addressing only with an endpoint override", async () => {
    const clients = new AwsClients({ region: "eu-west-1", credentials: CREDENTIALS, maxAttempts: 2, retryMode: "standard", connectionTimeoutMs: 100 });
    expect(await settings(clients.s3)).to.include({ maxAttempts: 2, retryMode: "standard", connectionTimeout: 100 });
    expect(clients.s3.config.forcePathStyle).to.equal(false);
    const local = new AwsClients({ region: "us-east-1", credentials: CREDENTIALS, endpoint: "http://127.0.0.1:9" });
    expect(local.s3.config.forcePathStyle).to.equal(true);
    expect(clients.hasEndpointOverride({})).to.equal(false);
    expect(clients.hasEndpointOverride({ AWS_ENDPOINT_URL: "http://127.0.0.1:9" })).to.equal(true);
    clients.destroy();
    local.destroy();
  });

  it("makes each client once and shares it, and the decorator sees every client it makes", () => {
    const seen: unknown[] = [];
    const clients = new AwsClients({ region: "us-east-1", credentials: CREDENTIALS, decorate: (c) => seen.push(c) });
    expect(clients.s3).to.equal(clients.s3);
    void clients.comprehend;
    expect(seen).to.deep.equal([clients.s3, clients.comprehend]);
    clients.destroy();
  });
});
