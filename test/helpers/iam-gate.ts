/**
 * Helpers for the IAM gate's tests: what the real SDK clients put on the wire (captured by a loopback
 * server, so mappings are tested on real request shapes without the emulator), a fixed directory of
 * users and policies, and a recording upstream that stands for the emulator.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { PolicyDocument } from "@roadmapx-ai/core";
import type { AccessKey, Caller, GateDirectory } from "../../local/iam-gate";
import type { NamedPolicy, PrincipalPolicies } from "../../local/iam-gate/identity";
import { type RequestHead, parseAuthorization } from "../../local/iam-gate/sigv4";

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

/** Keys for the tests' clients: fake, and shaped so that no secret scanner takes them for AWS keys. */
export const TEST_KEY: AccessKey = { accessKeyId: "GATETESTKEY0001", secretAccessKey: "gate-test-secret-0001" };

export interface WireRequest {
  head: RequestHead;
  body: Buffer;
  /** The signing name of the credential scope. */
  service: string;
  region: string;
}

function headOf(req: IncomingMessage): RequestHead {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
  return { method: req.method ?? "GET", rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1), headers };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * Runs `send` against a loopback server that records each request and refuses it (HTTP 400), and
 * returns what arrived. `send` gets the endpoint; its SDK call fails, which is expected.
 */
export async function captureWire(send: (endpoint: string) => Promise<unknown>): Promise<WireRequest[]> {
  const captured: WireRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const head = headOf(req);
      const auth = parseAuthorization(head.headers["authorization"]);
      captured.push({ head, body: Buffer.concat(chunks), service: auth?.service ?? "", region: auth?.region ?? "" });
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ __type: "CapturedByTest", message: "captured" }));
    });
  });
  const endpoint = await listen(server);
  try {
    await send(endpoint).catch(() => undefined);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return captured;
}

/** The one request `send` makes. */
export async function captureOne(send: (endpoint: string) => Promise<unknown>): Promise<WireRequest> {
  const [first, ...more] = await captureWire(send);
  if (!first || more.length) throw new Error(`expected one request on the wire, got ${more.length + (first ? 1 : 0)}`);
  return first;
}

export interface FixedUser {
  key: AccessKey;
  name: string;
  policies: PolicyDocument[];
  boundary?: PolicyDocument;
}

/** A directory of fixed users and bucket policies: the gate without IAM. */
export class FixedDirectory implements GateDirectory {
  private readonly trusted = new Set<string>();
  constructor(
    private readonly users: FixedUser[],
    private readonly bucketPolicies: Record<string, PolicyDocument> = {},
  ) {
    for (const u of users) this.trusted.add(u.key.accessKeyId);
  }
  accountId(): Promise<string> {
    return Promise.resolve(ACCOUNT);
  }
  identify(accessKeyId: string) {
    const user = this.users.find((u) => u.key.accessKeyId === accessKeyId);
    if (!user || !this.trusted.has(accessKeyId)) return Promise.resolve(undefined);
    const caller: Caller = {
      kind: "user",
      arn: `arn:aws:iam::${ACCOUNT}:user/${user.name}`,
      accountId: ACCOUNT,
      userName: user.name,
      userId: `AIDA${user.name.toUpperCase()}`,
    };
    return Promise.resolve({ caller, secretAccessKey: user.key.secretAccessKey });
  }
  policiesOf(caller: Caller): Promise<PrincipalPolicies> {
    const user = this.users.find((u) => u.name === caller.userName);
    const identity: NamedPolicy[] = (user?.policies ?? []).map((document, i) => ({ label: `policy ${i} of ${user?.name}`, document }));
    return Promise.resolve({ identity, ...(user?.boundary ? { boundary: { label: "boundary", document: user.boundary } } : {}) });
  }
  bucketPolicy(bucket: string): Promise<NamedPolicy | undefined> {
    const document = this.bucketPolicies[bucket];
    return Promise.resolve(document ? { label: `the bucket policy of ${bucket}`, document } : undefined);
  }
  trust(key: AccessKey): void {
    this.trusted.add(key.accessKeyId);
  }
  close(): void {}
}

export interface Forwarded {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A loopback upstream that records what the gate forwards and answers `answer` (default 200 `{}`). */
export async function recordingUpstream(
  answer: (req: Forwarded) => { status: number; headers?: Record<string, string>; body: string } = () => ({ status: 200, body: "{}" }),
): Promise<{ url: string; received: Forwarded[]; close(): Promise<void> }> {
  const received: Forwarded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const forwarded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks) };
      received.push(forwarded);
      const reply = answer(forwarded);
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body);
    });
  });
  const url = await listen(server);
  return {
    url,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
