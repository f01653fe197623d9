/**
 * The loopback HTTP front of the stand-in. SageMaker's control plane is awsJson1_1: `POST /` with
 * `X-Amz-Target: SageMaker.<Operation>` (@aws-sdk/client-sagemaker's protocol settings); the stand-in
 * answers the transform-job operations itself (operations.ts) and forwards every other request,
 * whatever its service, unchanged — method, path, headers (so its signature still holds) and body,
 * streamed — to the upstream (the emulator): CreateModel, training, endpoints, the runtime's
 * `POST /endpoints/<name>/invocations` (signed as `sagemaker` too), S3, IAM. Clients can therefore
 * use the stand-in as their one endpoint, or only for SageMaker.
 * Requests it answers are handled one at a time, each after settling what the clock says is due.
 * Signatures are not checked (the IAM gate, in front, does that).
 */
import { randomUUID } from "node:crypto";
import { Agent as HttpAgent, createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { StandInError } from "./errors";
import type { Faults } from "./faults";
import type { TransformJobs } from "./jobs";
import { type Handler, OPERATIONS, type OperationContext, listTags, ownsTagRequest } from "./operations";
import { closeServer, listenOnLoopback, loopbackEndpoint } from "../loopback-server";

const TARGET_PREFIX = "SageMaker.";
const CONTENT_TYPE = "application/x-amz-json-1.1";
/** The stand-in's own requests are small JSON documents. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDependencies {
  jobs: TransformJobs;
  faults: Faults;
  context: OperationContext;
  upstream: string;
}

/** The operation a request is, for counting and failCalls: the X-Amz-Target's, InvokeEndpoint, or "METHOD /path". */
function operationOf(req: IncomingMessage, path: string): { operation: string; target: string | undefined } {
  const header = req.headers["x-amz-target"];
  const target = typeof header === "string" && header.startsWith(TARGET_PREFIX) ? header.slice(TARGET_PREFIX.length) : undefined;
  if (target) return { operation: target, target };
  if (req.method === "POST" && /^\/endpoints\/[^/]+\/invocations$/.test(path)) return { operation: "InvokeEndpoint", target: undefined };
  return { operation: `${req.method ?? "GET"} ${path}`, target: undefined };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new StandInError("ValidationException", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export class TransformServer {
  /** Calls received per operation (forwarded ones and injected failures included). */
  readonly calls = new Map<string, number>();
  private readonly server: Server;
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ServerDependencies) {
    this.server = createServer((req, res) => {
      this.receive(req, res).catch((err: unknown) => {
        if (res.headersSent) res.destroy(err as Error);
        else this.error(res, new StandInError("InternalFailure", `The stand-in failed: ${(err as Error).message}`));
      });
    });
  }

  listen(port: number): Promise<void> {
    return listenOnLoopback(this.server, port);
  }

  get endpoint(): string {
    return loopbackEndpoint(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private error(res: ServerResponse, error: StandInError): void {
    res.writeHead(error.status, { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID(), "x-amzn-errortype": error.errorName });
    res.end(JSON.stringify({ __type: error.errorName, message: error.message }));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] as string;
    const { operation, target } = operationOf(req, path);
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const injected = this.deps.faults.takeCallFailure(operation);
    if (injected) {
      req.resume();
      this.error(res, injected);
      return;
    }
    const own = req.method === "POST" && path === "/" && target !== undefined && (Object.hasOwn(OPERATIONS, target) || target === "ListTags");
    if (!own) {
      this.forward(req, res, undefined);
      return;
    }
    let raw: Buffer;
    let body: unknown;
    try {
      raw = await readBody(req);
      const text = raw.toString("utf8");
      try {
        body = text.trim() === "" ? {} : JSON.parse(text);
      } catch {
        throw new StandInError("SerializationException", "The request body is not valid JSON.");
      }
    } catch (err) {
      this.error(res, err instanceof StandInError ? err : new StandInError("InternalFailure", (err as Error).message));
      return;
    }
    if (target === "ListTags" && !ownsTagRequest(body, this.deps.jobs)) {
      this.forward(req, res, raw);
      return;
    }
    const handler: Handler = target === "ListTags" ? listTags : (OPERATIONS[target] as Handler);
    try {
      const output = await this.exclusive(async () => {
        await this.deps.jobs.settle();
        return handler(body, this.deps.context);
      });
      res.writeHead(200, { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID() });
      res.end(JSON.stringify(output));
    } catch (err) {
      this.error(res, err instanceof StandInError ? err : new StandInError("InternalFailure", `The stand-in failed: ${(err as Error).message}`));
    }
  }

  /** To the upstream as it came: headers unchanged (but Expect: the body is streamed or already read), body streamed. */
  private forward(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined): void {
    const upstream = new URL(this.deps.upstream);
    const secure = upstream.protocol === "https:";
    const headers = { ...req.headers };
    delete headers["expect"];
    const out = (secure ? httpsRequest : httpRequest)(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: secure ? this.agents.https : this.agents.http,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on("error", (err) => {
      if (!res.headersSent)
        this.error(res, new StandInError("InternalFailure", `The stand-in could not reach its upstream ${upstream.origin}: ${err.message}`));
      else res.destroy(err);
    });
    if (body) out.end(body);
    else req.pipe(out);
  }

  /** One request at a time, so a settle and the handler after it see one consistent state. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
