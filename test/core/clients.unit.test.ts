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

  it("the services' S3 client sends no Expect: 100-continue, and skips the part hash only over HTTPS or loopback", async () => {
    const { UploadPartCommand } = await import("@aws-sdk/client-s3");
    async function partHash(endpoint: string): Promise<string> {
      const clients = new AwsClients({ region: "us-east-1", credentials: CREDENTIALS, endpoint, maxAttempts: 1 });
      expect(clients.s3.config.expectContinueHeader).to.equal(false);
      let hash = "";
      // Read the signed headers and stop before anything goes on the wire.
      clients.s3.middlewareStack.addRelativeTo(
        () => async (args: { request: unknown }) => {
          hash = (args.request as { headers: Record<string, string> }).headers["x-amz-content-sha256"] ?? "";
          throw new Error("stop before sending");
        },
        { relation: "after", toMiddleware: "httpSigningMiddleware", name: "readSignedHeaders" },
      );
      await clients.s3
        .send(new UploadPartCommand({ Bucket: "b", Key: "k", UploadId: "u", PartNumber: 1, Body: Buffer.alloc(16), ChecksumAlgorithm: "CRC32" }))
        .catch(() => undefined);
      clients.destroy();
      return hash;
    }
    expect(await partHash("http://127.0.0.1:9")).to.equal("UNSIGNED-PAYLOAD");
    expect(await partHash("https://s3.example.test")).to.equal("UNSIGNED-PAYLOAD");
    expect(await partHash("http://s3.example.test")).to.match(/^[0-9a-f]{64}$/);
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
