/**
 * Deterministic fault injection for AWS SDK v3 clients, for tests and benchmarks: the emulator has
 * none. It wraps a client's request handler (below the SDK's retry logic, so retries see the faults)
 * and answers chosen calls with 5xx responses, throttling in each protocol's own shape, connection
 * resets or added latency. A script names the calls by their order, so a test can say "the third
 * call fails with a throttle". A test double, so it lives with the tests: `roadmapx-ai local` does
 * not use it (it was local/faults.ts).
 */
import { Readable } from "node:stream";
import type { HttpHandlerOptions } from "@smithy/types";

export type Fault =
  /** An HTTP error status with an empty-ish body (500 InternalError, 503 ServiceUnavailable, ...). */
  | { kind: "status"; status: number; code?: string }
  /**
   * Throttling as the service would send it: JSON protocols `ThrottlingException` (HTTP 400),
   * query protocols (IAM, STS) `Throttling`, S3 `SlowDown` (HTTP 503); `http429` forces HTTP 429
   * `TooManyRequestsException`.
   */
  | { kind: "throttle"; http429?: boolean }
  /** The connection is reset before any response (ECONNRESET). */
  | { kind: "reset" }
  /** The request goes through after a delay. */
  | { kind: "latency"; ms: number };

export interface SentRequest {
  /** 1-based number of this HTTP attempt on the client (retries count). */
  attempt: number;
  /** The SDK command name, e.g. `PutObjectCommand`. */
  command: string;
  method: string;
  path: string;
}

/** Decides the fault (if any) for each attempt. */
export type FaultScript = (request: SentRequest) => Fault | undefined;

/** `{ 3: throttle }`: fault the 3rd attempt, and so on; attempts not listed pass. */
export function byAttempt(faults: Record<number, Fault>): FaultScript {
  return (r) => faults[r.attempt];
}

/** Faults the n-th attempt of one command (counting only that command's attempts). */
export function byCommand(command: string, faults: Record<number, Fault>): FaultScript {
  let seen = 0;
  return (r) => {
    if (r.command !== command) return undefined;
    seen++;
    return faults[seen];
  };
}

interface HttpRequestLike {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface HttpResponseLike {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body: Readable;
}

interface HandlerLike {
  handle(request: HttpRequestLike, options?: HttpHandlerOptions): Promise<{ response: HttpResponseLike }>;
  destroy?(): void;
  updateHttpClientConfig?(key: never, value: never): void;
  httpHandlerConfigs?(): unknown;
}

/** The part of an SDK v3 client this module touches (every generated client has it). */
interface ClientLike {
  config: { requestHandler: unknown };
  middlewareStack: {
    add(middleware: never, options: { step: "build"; name: string; override?: boolean }): void;
    remove(name: string): boolean;
  };
}

const COMMAND_HEADER = "x-roadmapx-fault-command";

type Protocol = "json" | "query" | "s3" | "restJson";

function protocolOf(request: HttpRequestLike): Protocol {
  const contentType = (request.headers["content-type"] ?? "").toLowerCase();
  if (contentType.startsWith("application/x-amz-json")) return "json";
  if (contentType.startsWith("application/x-www-form-urlencoded")) return "query";
  if (request.headers["x-amz-content-sha256"] !== undefined || request.headers["x-amz-checksum-crc32"] !== undefined) {
    return "s3";
  }
  return "restJson";
}

function response(statusCode: number, headers: Record<string, string>, body: string): { response: HttpResponseLike } {
  return {
    response: {
      statusCode,
      headers: { "x-amzn-requestid": "fault-injected", "content-length": String(Buffer.byteLength(body)), ...headers },
      body: Readable.from([Buffer.from(body)]),
    },
  };
}

function errorResponse(protocol: Protocol, statusCode: number, code: string, message: string) {
  switch (protocol) {
    case "json":
    case "restJson":
      return response(statusCode, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code }, JSON.stringify({ __type: code, message }));
    case "query":
      return response(
        statusCode,
        { "content-type": "text/xml" },
        `<ErrorResponse><Error><Type>${statusCode >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code>` +
          `<Message>${message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>`,
      );
    case "s3":
      return response(
        statusCode,
        { "content-type": "application/xml" },
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message>` + `<RequestId>fault-injected</RequestId></Error>`,
      );
  }
}

const STATUS_CODES: Record<number, string> = {
  500: "InternalError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

export interface FaultInjector {
  /** Every attempt the client sent (faulted or not), in order. */
  readonly sent: SentRequest[];
  /** The attempts that were faulted, with the fault. */
  readonly injected: { request: SentRequest; fault: Fault }[];
  /** Puts the original handler back. */
  restore(): void;
}

/** Waits `ms` before a "latency" fault lets the call through; tests pass their own clock's sleep. */
export type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Wraps `client` so that `script` decides a fault for each HTTP attempt. */
export function injectFaults(client: ClientLike, script: FaultScript, options: { sleep?: Sleep } = {}): FaultInjector {
  const sleep = options.sleep ?? realSleep;
  const original = client.config.requestHandler as HandlerLike;
  const sent: SentRequest[] = [];
  const injected: { request: SentRequest; fault: Fault }[] = [];

  // Middleware stamps each request with its command name; the handler reads and removes it.
  const stamp = (next: (args: { request: unknown }) => Promise<unknown>, context: { commandName?: string }) => async (args: { request: unknown }) => {
    const request = args.request as HttpRequestLike | undefined;
    if (request?.headers) request.headers[COMMAND_HEADER] = context.commandName ?? "unknown";
    return next(args);
  };
  client.middlewareStack.add(stamp as never, { step: "build", name: "roadmapxFaultCommandStamp", override: true });

  const wrapped: HandlerLike = {
    async handle(request, options) {
      const command = request.headers[COMMAND_HEADER] ?? "unknown";
      delete request.headers[COMMAND_HEADER];
      const info: SentRequest = { attempt: sent.length + 1, command, method: request.method, path: request.path };
      sent.push(info);
      const fault = script(info);
      if (!fault) return original.handle(request, options);
      injected.push({ request: info, fault });
      const protocol = protocolOf(request);
      switch (fault.kind) {
        case "latency":
          await sleep(fault.ms);
          return original.handle(request, options);
        case "reset":
          throw Object.assign(new Error("socket hang up (fault injected)"), { code: "ECONNRESET", name: "Error" });
        case "throttle":
          if (fault.http429) return errorResponse(protocol, 429, "TooManyRequestsException", "Too many requests");
          if (protocol === "s3") return errorResponse(protocol, 503, "SlowDown", "Please reduce your request rate.");
          if (protocol === "query") return errorResponse(protocol, 400, "Throttling", "Rate exceeded");
          return errorResponse(protocol, 400, "ThrottlingException", "Rate exceeded");
        case "status":
          return errorResponse(protocol, fault.status, fault.code ?? STATUS_CODES[fault.status] ?? "InternalError", "Fault injected by the test");
      }
    },
    destroy: () => original.destroy?.(),
    updateHttpClientConfig: (key, value) => original.updateHttpClientConfig?.(key, value),
    httpHandlerConfigs: () => original.httpHandlerConfigs?.(),
  };
  client.config.requestHandler = wrapped;

  return {
    sent,
    injected,
    restore() {
      client.config.requestHandler = original;
      client.middlewareStack.remove("roadmapxFaultCommandStamp");
    },
  };
}
