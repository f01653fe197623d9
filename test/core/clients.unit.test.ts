/**
 * The client defaults every package relies on, read back from the clients the factory makes (the
 * integration tests all set maxAttempts: 1, so nothing else would notice if these changed).
 */
import { expect } from "chai";
import {
  type AwsClientOptions,
  type AwsCredentialsProvider,
  ClientFactory,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_MODE,
  lazyCredentials,
} from "../../core/clients";
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

/** A package's factory as the packages write one: getters over `shared`, settings from `common`. */
class FakeClient {
  destroyed = 0;
  constructor(readonly config: unknown) {}
  destroy(): void {
    this.destroyed++;
  }
}
class Factory extends ClientFactory {
  defaults: AwsCredentialsProvider | undefined;
  defaultsAsked = 0;
  protected override defaultCredentials(): AwsCredentialsProvider | undefined {
    this.defaultsAsked++;
    return this.defaults;
  }
  get a(): FakeClient {
    return this.shared("a", () => new FakeClient(this.common()));
  }
  get b(): FakeClient {
    return this.shared("b", () => new FakeClient(this.s3Common()));
  }
  settings(region?: string) {
    return this.common(region);
  }
  s3Settings() {
    return this.s3Common();
  }
}
const factory = (options: Partial<AwsClientOptions> = {}) => new Factory({ region: "eu-west-1", ...options });

describe("ClientFactory (core: what every package's clients share)", () => {
  it("the common settings: region, defaults for attempts, retry mode and time-outs, and no endpoint or credentials unless given", () => {
    expect(factory().settings()).to.deep.equal({
      region: "eu-west-1",
      maxAttempts: 5,
      retryMode: "adaptive",
      requestHandler: { connectionTimeout: 5000, socketTimeout: 120_000 },
    });
    const given = factory({
      credentials: CREDENTIALS,
      endpoint: "http://127.0.0.1:5000",
      maxAttempts: 1,
      retryMode: "standard",
      connectionTimeoutMs: 10,
      socketTimeoutMs: 20,
    });
    expect(given.settings("us-west-2")).to.deep.equal({
      region: "us-west-2",
      credentials: CREDENTIALS,
      maxAttempts: 1,
      retryMode: "standard",
      endpoint: "http://127.0.0.1:5000",
      requestHandler: { connectionTimeout: 10, socketTimeout: 20 },
    });
    expect(factory({ endpoint: "" }).settings()).to.not.have.property("endpoint");
  });

  it("S3 uses the bucket's region when it differs, and path-style addressing only with an endpoint", () => {
    expect(factory({ s3Region: "ap-south-1" }).s3Settings()).to.include({ region: "ap-south-1" });
    const plain = factory().s3Settings();
    expect(plain).to.include({ region: "eu-west-1" });
    // (AWS_ENDPOINT_URL in the environment also counts: see hasEndpointOverride.)
    expect(plain.forcePathStyle).to.equal(factory().hasEndpointOverride());
    expect(factory({ endpoint: "http://127.0.0.1:5000" }).s3Settings()).to.include({ forcePathStyle: true });
  });

  it("an endpoint override is the option, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL", () => {
    expect(factory().hasEndpointOverride({})).to.equal(false);
    expect(factory().hasEndpointOverride({ AWS_ENDPOINT_URL_S3: "http://127.0.0.1:1" })).to.equal(true);
    expect(factory().hasEndpointOverride({ AWS_ENDPOINT_URL: "http://127.0.0.1:1" })).to.equal(true);
    expect(factory({ endpoint: "http://127.0.0.1:1" }).hasEndpointOverride({})).to.equal(true);
  });

  it("without credentials, every client shares the subclass's default chain, asked for once", () => {
    const f = factory();
    const chain: AwsCredentialsProvider = async () => CREDENTIALS;
    f.defaults = chain;
    expect(f.settings()).to.have.property("credentials", chain);
    expect(f.settings("us-east-1")).to.have.property("credentials", chain);
    expect(f.defaultsAsked).to.equal(1);
    const given = factory({ credentials: CREDENTIALS });
    given.settings();
    expect(given.defaultsAsked).to.equal(0);
  });

  it("makes each client once, decorates it once, and destroy() closes each and starts afresh", () => {
    const decorated: unknown[] = [];
    const f = factory({ decorate: (c) => decorated.push(c) });
    const a = f.a;
    expect(f.a).to.equal(a);
    const b = f.b;
    expect(b).to.not.equal(a);
    expect(decorated).to.deep.equal([a, b]);
    f.destroy();
    expect([a.destroyed, b.destroyed]).to.deep.equal([1, 1]);
    f.destroy();
    expect([a.destroyed, b.destroyed]).to.deep.equal([1, 1]);
    const again = f.a;
    expect(again).to.not.equal(a);
  });
});

describe("lazyCredentials", () => {
  it("makes the provider on its first call only, and passes every call's properties through", async () => {
    let made = 0;
    const seen: unknown[] = [];
    const provider = lazyCredentials(() => {
      made++;
      return async (props) => {
        seen.push(props);
        return CREDENTIALS;
      };
    });
    expect(made).to.equal(0);
    expect(await provider({ a: 1 })).to.equal(CREDENTIALS);
    expect(await provider({ b: 2 })).to.equal(CREDENTIALS);
    expect(made).to.equal(1);
    expect(seen).to.deep.equal([{ a: 1 }, { b: 2 }]);
  });
});
