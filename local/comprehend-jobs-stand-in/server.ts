/**
 * The loopback HTTP front of the stand-in, speaking what @aws-sdk/client-comprehend sends: awsJson1_1,
 * `POST /` with `X-Amz-Target: Comprehend_20171127.<Operation>`. The twenty job operations (five job
 * types × Start, Describe, List, Stop) are answered here; every other request is forwarded to the
 * emulator unchanged (forward.ts). Errors are `{"__type": "<Name>", "Message": "…"}` with the status
 * of the SDK's model (errors.ts). Job requests are handled one at a time: each first settles what
 * the clock says is due. Signatures are not checked.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { JobsError } from "./errors";
import type { Faults } from "./faults";
import { forward } from "./forward";
import { jobOperationOf } from "./job-types";
import { HANDLERS, type OperationContext } from "./operations";
import type { JobStore } from "./state";
import type { Body } from "./validation";
import { closeServer, listenOnLoopback, loopbackEndpoint } from "../loopback-server";

const TARGET_PREFIX = "Comprehend_20171127.";
const CONTENT_TYPE = "application/x-amz-json-1.1";

export interface ServerDependencies {
  store: JobStore;
  faults: Faults;
  upstream: URL;
  now: () => number;
  context: () => Omit<OperationContext, "now" | "store" | "faults">;
}

export class JobsServer {
  /** Calls received per operation (forwarded ones and injected failures included). */
  readonly calls = new Map<string, number>();
  private readonly server: Server;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: ServerDependencies) {
    this.server = createServer((req, res) => this.receive(req, res));
  }

  listen(port: number): Promise<void> {
    return listenOnLoopback(this.server, port);
  }

  get endpoint(): string {
    return loopbackEndpoint(this.server);
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
    if (operation) this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const job = req.method === "POST" && operation ? jobOperationOf(operation) : undefined;
    const injected = operation ? this.deps.faults.takeCallFailure(operation) : undefined;
    if (injected) {
      // Drain the body first: answering before it is read resets some clients' connections.
      req.resume();
      req.on("end", () => this.fail(res, injected));
      return;
    }
    if (!job) {
      forward(this.deps.upstream, req, res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void this.answer(job, Buffer.concat(chunks).toString("utf8"), res);
    });
  }

  private async answer(job: NonNullable<ReturnType<typeof jobOperationOf>>, text: string, res: ServerResponse): Promise<void> {
    try {
      let body: unknown;
      try {
        body = text.trim() === "" ? {} : JSON.parse(text);
      } catch {
        throw new JobsError("SerializationException", "The request body is not valid JSON.");
      }
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new JobsError("SerializationException", "The request body is not a JSON object.");
      const output = await this.exclusive(async () => {
        const now = this.deps.now();
        await this.deps.store.settle(now);
        return HANDLERS[job.verb](job.type, body as Body, { ...this.deps.context(), store: this.deps.store, faults: this.deps.faults, now });
      });
      res.writeHead(200, { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID() });
      res.end(JSON.stringify(output));
    } catch (err) {
      this.fail(res, err instanceof JobsError ? err : new JobsError("InternalServerException", `The stand-in failed: ${(err as Error).message}`));
    }
  }

  private fail(res: ServerResponse, error: JobsError): void {
    res.writeHead(error.status, { "content-type": CONTENT_TYPE, "x-amzn-requestid": randomUUID(), "x-amzn-errortype": error.errorName });
    res.end(JSON.stringify(error.body()));
  }

  /** One job request at a time, so a settle and the handler after it see one consistent state. */
  private exclusive<T>(task: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
