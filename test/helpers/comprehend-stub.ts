/**
 * A loopback stand-in for Comprehend's synchronous APIs, for benchmarks and quota tests: moto has
 * no Batch* APIs, and nothing else enforces a request quota. It speaks the real wire protocol
 * (awsJson1_1, `X-Amz-Target: Comprehend_20171127.<Operation>`), checks what AWS checks (at most
 * 25 documents, 5,000 bytes each in a batch, a language code), enforces a calls-per-second quota
 * with a token bucket (answering ThrottlingException like the service), and adds fixed latency.
 * Its answers are placeholders: it measures clients, it does not analyse text. A test double, so it
 * lives with the tests: `roadmapx-ai local` does not use it (it was local/comprehend-stub.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ComprehendStubOptions {
  /** Calls accepted per second (default: no quota). */
  tps?: number;
  /** Burst the token bucket allows, in calls (default: a tenth of a second's quota, at least 1). */
  burst?: number;
  /** Milliseconds before every answer, throttles included (default 0). */
  latencyMs?: number;
  /** The quota's clock in milliseconds (default performance.now): tests freeze it to count exactly. */
  now?: () => number;
}

export interface ComprehendStubStats {
  /** Calls answered with results, by operation. */
  accepted: Record<string, number>;
  throttled: number;
  rejected: number;
  documents: number;
  /** When the first and the last accepted call arrived (ms, performance.now()). */
  firstAt: number;
  lastAt: number;
}

const BATCH_LIMIT_BYTES = 5000;
const SINGLE_LIMIT_BYTES: Record<string, number> = {
  DetectSentiment: 5000,
  DetectEntities: 100_000,
  DetectKeyPhrases: 100_000,
  DetectDominantLanguage: 100_000,
  DetectPiiEntities: 100_000,
};

function placeholder(operation: string): Record<string, unknown> {
  switch (operation) {
    case "DetectSentiment":
      return { Sentiment: "NEUTRAL", SentimentScore: { Positive: 0.1, Negative: 0.05, Neutral: 0.8, Mixed: 0.05 } };
    case "DetectEntities":
      return { Entities: [] };
    case "DetectKeyPhrases":
      return { KeyPhrases: [] };
    case "DetectDominantLanguage":
      return { Languages: [{ LanguageCode: "en", Score: 0.99 }] };
    default:
      return { Entities: [] };
  }
}

export class ComprehendStub {
  readonly stats: ComprehendStubStats = { accepted: {}, throttled: 0, rejected: 0, documents: 0, firstAt: 0, lastAt: 0 };
  private tokens: number;
  private readonly now: () => number;
  private refilledAt: number;

  private constructor(
    private readonly server: Server,
    private readonly options: ComprehendStubOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.refilledAt = this.now();
    this.tokens = this.burst;
  }

  private get burst(): number {
    return this.options.burst ?? Math.max(1, (this.options.tps ?? 0) / 10);
  }

  static async start(options: ComprehendStubOptions = {}): Promise<ComprehendStub> {
    // The handler refers to the stub, which needs the server first: a holder breaks the cycle.
    const holder: { stub?: ComprehendStub } = {};
    const server = createServer((req, res) => holder.stub?.handle(req, res));
    const stub = new ComprehendStub(server, options);
    holder.stub = stub;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return stub;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get acceptedCalls(): number {
    return Object.values(this.stats.accepted).reduce((s, n) => s + n, 0);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** One token per call; the bucket refills at `tps` a second up to `burst`. */
  private admit(now: number): boolean {
    const tps = this.options.tps;
    if (!tps) return true;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * tps) / 1000);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const now = this.now();
      const operation = String(req.headers["x-amz-target"] ?? "").replace(/^Comprehend_20171127\./, "");
      const answer = (status: number, body: Record<string, unknown>) => {
        const send = () => {
          res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": `stub-${now.toFixed(3)}` });
          res.end(JSON.stringify(body));
        };
        if (this.options.latencyMs) setTimeout(send, this.options.latencyMs);
        else send();
      };
      const invalid = (type: string, message: string) => {
        this.stats.rejected++;
        answer(400, { __type: type, Message: message });
      };
      if (!this.admit(now)) {
        this.stats.throttled++;
        answer(400, { __type: "ThrottlingException", Message: "Rate exceeded" });
        return;
      }
      let input: { TextList?: string[]; Text?: string; LanguageCode?: string };
      try {
        input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof input;
      } catch {
        invalid("SerializationException", "the body is not JSON");
        return;
      }
      const needsLanguage = !operation.endsWith("DominantLanguage");
      if (needsLanguage && !input.LanguageCode) {
        invalid("ValidationException", "1 validation error detected: Value null at 'languageCode' failed to satisfy constraint: Member must not be null");
        return;
      }
      if (operation.startsWith("Batch")) {
        const texts = input.TextList ?? [];
        if (texts.length === 0 || texts.length > 25) {
          invalid("BatchSizeLimitExceededException", `The number of documents in the request exceeds the limit of 25 (got ${texts.length})`);
          return;
        }
        const tooBig = texts.findIndex((t) => Buffer.byteLength(t, "utf8") > BATCH_LIMIT_BYTES);
        if (tooBig >= 0) {
          invalid("TextSizeLimitExceededException", `document ${tooBig} is over ${BATCH_LIMIT_BYTES} bytes`);
          return;
        }
        this.count(operation, texts.length, now);
        const single = placeholder(operation.replace(/^Batch/, ""));
        answer(200, { ResultList: texts.map((_, Index) => ({ Index, ...single })), ErrorList: [] });
        return;
      }
      const limit = SINGLE_LIMIT_BYTES[operation];
      if (limit === undefined) {
        invalid("UnknownOperationException", `the stub does not know ${operation}`);
        return;
      }
      if (Buffer.byteLength(input.Text ?? "", "utf8") > limit) {
        invalid("TextSizeLimitExceededException", `the document is over ${limit} bytes`);
        return;
      }
      this.count(operation, 1, now);
      answer(200, placeholder(operation));
    });
  }

  private count(operation: string, documents: number, now: number): void {
    this.stats.accepted[operation] = (this.stats.accepted[operation] ?? 0) + 1;
    this.stats.documents += documents;
    if (this.stats.firstAt === 0) this.stats.firstAt = now;
    this.stats.lastAt = now;
  }
}
