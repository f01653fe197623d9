/**
 * The loopback HTTP front of the stand-in, speaking what the AWS SDK v3 clients send:
 * - control plane (PersonalizeClient): awsJson1_1, `POST /` with `X-Amz-Target:
 *   AmazonPersonalize.<Operation>`; errors `{"__type": "<Name>", "message": "..."}`, HTTP 400 for
 *   client errors as Personalize's API reference lists them;
 * - runtime (PersonalizeRuntimeClient): REST-JSON `POST /recommendations`, `POST /personalize-ranking`;
 * - events (PersonalizeEventsClient): REST-JSON `POST /events`, `POST /items`, `POST /users`;
 *   REST-JSON errors carry the name in `x-amzn-ErrorType` and the status of the SDK's model
 *   (ResourceNotFoundException 404, ResourceInUseException 409, InvalidInputException 400).
 * Requests are handled one at a time: each first settles what the clock says is due.
 * Signatures are not checked.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { StandInError, type ErrorName } from "./errors";
import type { Faults } from "./faults";
import { CONTROL_PLANE, type Handler, type OperationContext } from "./operations";
import { putItems, putUsers } from "./item-user-operations";
import { getPersonalizedRanking } from "./ranking-operations";
import { getRecommendations, putEvents } from "./runtime-operations";
import type { StandInState } from "./state";
import { Input } from "./validation";
import { closeServer, listenOnLoopback, loopbackEndpoint } from "../loopback-server";

type Protocol = "awsJson1_1" | "restJson";

interface Route {
  protocol: Protocol;
  operation: string;
  handler: Handler | undefined;
}

const TARGET_PREFIX = "AmazonPersonalize.";

const REST_ROUTES: Readonly<Record<string, { operation: string; handler: Handler }>> = {
  "/recommendations": { operation: "GetRecommendations", handler: getRecommendations },
  "/personalize-ranking": { operation: "GetPersonalizedRanking", handler: getPersonalizedRanking },
  "/events": { operation: "PutEvents", handler: putEvents },
  "/items": { operation: "PutItems", handler: putItems },
  "/users": { operation: "PutUsers", handler: putUsers },
};

/** REST-JSON statuses from the runtime and events models; the control plane answers 400 to every client error. */
const REST_STATUS: Partial<Record<ErrorName, number>> = { ResourceNotFoundException: 404, ResourceInUseException: 409 };

function statusOf(error: StandInError, protocol: Protocol): number {
  if (error.errorName === "InternalServerError") return 500;
  return protocol === "restJson" ? (REST_STATUS[error.errorName] ?? 400) : 400;
}

function route(req: IncomingMessage): Route {
  const path = (req.url ?? "/").split("?")[0] as string;
  if (req.method === "POST" && path === "/") {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
    return { protocol: "awsJson1_1", operation, handler: Object.hasOwn(CONTROL_PLANE, operation) ? CONTROL_PLANE[operation] : undefined };
  }
  const rest = req.method === "POST" ? REST_ROUTES[path] : undefined;
  return { protocol: "restJson", operation: rest?.operation ?? `${req.method} ${path}`, handler: rest?.handler };
}

export interface ServerDependencies {
  state: StandInState;
  faults: Faults;
  context: () => Omit<OperationContext, "now">;
}

export class StandInServer {
  /** Calls received per operation, injected failures included. */
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
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      void this.answer(req, Buffer.concat(chunks).toString("utf8"), res);
    });
  }

  private async answer(req: IncomingMessage, text: string, res: ServerResponse): Promise<void> {
    const { protocol, operation, handler } = route(req);
    const requestId = randomUUID();
    const contentType = protocol === "awsJson1_1" ? "application/x-amz-json-1.1" : "application/json";
    try {
      this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
      if (!handler)
        throw new StandInError("UnknownOperationException", `This local stand-in for Amazon Personalize does not implement ${operation || "this request"}.`);
      const injected = this.deps.faults.takeCallFailure(operation);
      if (injected) throw injected;
      let body: unknown;
      try {
        body = text.trim() === "" ? {} : JSON.parse(text);
      } catch {
        throw new StandInError("SerializationException", "The request body is not valid JSON.");
      }
      const output = await this.exclusive(async () => {
        await this.deps.state.settle();
        return handler(Input.of(body), { ...this.deps.context(), now: this.deps.state.now() });
      });
      res.writeHead(200, { "content-type": contentType, "x-amzn-requestid": requestId });
      res.end(JSON.stringify(output));
    } catch (err) {
      const error = err instanceof StandInError ? err : new StandInError("InternalServerError", `The stand-in failed: ${(err as Error).message}`);
      const status = error.errorName === "UnknownOperationException" && protocol === "restJson" ? 404 : statusOf(error, protocol);
      res.writeHead(status, { "content-type": contentType, "x-amzn-requestid": requestId, "x-amzn-errortype": error.errorName });
      res.end(JSON.stringify({ __type: error.errorName, message: error.message }));
    }
  }

  /** One request at a time, so a settle and the handler after it see one consistent state. */
  private exclusive<T>(task: () => T | Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
