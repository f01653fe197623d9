/**
 * LOCAL HARNESS, IAM gate: the loopback HTTP server in front of the emulator. For every request it
 * identifies the caller by the SigV4 access key and checks the signature, maps the request to the
 * authorisation requests AWS makes, decides them against IAM as the emulator holds it, and then either
 * refuses as AWS would or forwards the request unchanged (bodies streamed) to the upstream of its
 * signing name. Every decision is recorded.
 *
 * It is a stand-in for AWS's authorisation layer in front of moto, whose own enforcement cannot hold
 * the application policy (README of this folder: index.ts).
 */
import { type IncomingMessage, type ServerResponse, Agent as HttpAgent, createServer, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import type { MapResult, Protocol, RequestContext } from "./authorisation";
import { accessDeniedMessage, errorResponse, type GateRefusal } from "./errors";
import { evaluate, type TagReader } from "./evaluate";
import { type AccessKey, type Caller, DirectoryError, type GateDirectory, IamDirectory } from "./identity";
import { kmsKeyNotFound } from "./kms-requests";
import { mapPassThrough, mapRequest, needsBody, protocolOf } from "./requests";
import { readResourceTags } from "./resource-tags";
import { parseAuthorization, type RequestHead, sha256Hex, signatureProblem } from "./sigv4";

/** Where requests go after the gate, by the signing name of their credential scope. */
export interface GateUpstreams {
  /** Every signing name without its own entry (moto). */
  default: string;
  [signingName: string]: string | undefined;
}

export interface GateDecision {
  /** `S3.PutObject`, `SageMaker.CreateTrainingJob`, ... */
  operation: string;
  /** The caller's ARN ("" when the request was not authenticated). */
  principal: string;
  action: string;
  resource: string;
  /** The whole context the decision was made with. */
  context: RequestContext;
  allowed: boolean;
  /**
   * How it was decided: `policy` (evaluated), `root` (the account's root user: everything), `pass-through`
   * (a service the gate does not authorise), `always-allowed` (an action that needs no permission: STS
   * GetCallerIdentity), `not-found` (refused: the KMS key named does not exist), `not-mapped` (refused:
   * no mapping), `not-authenticated`.
   */
  basis: "policy" | "root" | "pass-through" | "always-allowed" | "not-found" | "not-mapped" | "not-authenticated";
  /** Why it was refused, as the policy engine explains it (for `always-allowed`: why no permission is needed). */
  why?: string[];
}

export interface IamGateOptions {
  upstreams: GateUpstreams;
  /** Reads IAM (and bucket policies, resource tags) upstream; requests signed with it act as the account root. */
  adminCredentials: AccessKey;
  region: string;
  /** Keys whose requests the gate accepts (their secrets check the signatures); more with `trust`. */
  trusted?: readonly AccessKey[];
  /**
   * Count the client-to-gate hop as TLS (`aws:SecureTransport` true). Off by default, which is what the
   * hop is: plain HTTP, so a bucket policy's TLS-only Deny refuses it, as AWS would. A deliberate
   * modelling choice for runs that stand for TLS to AWS.
   */
  assumeSecureTransport?: boolean;
  /**
   * Signing names the gate authenticates and records but does not authorise (default IAM and STS).
   * `[]` authorises IAM and STS too: the verifier's reads are mapped (iam-requests.ts), anything else
   * of theirs is refused as not mapped.
   */
  passThrough?: readonly string[];
  /** Where identities and policies come from (default: IAM upstream, read with adminCredentials). */
  directory?: GateDirectory;
  /** Largest body the gate reads to decide (JSON and query requests, S3 DeleteObjects); default 32 MiB. */
  maxBufferedBodyBytes?: number;
  port?: number;
}

export interface IamGate {
  /** `http://127.0.0.1:PORT`: the endpoint to give clients instead of the emulator's. */
  url: string;
  decisions: GateDecision[];
  trust(key: AccessKey): void;
  stop(): Promise<void>;
}

class BodyTooLargeError extends Error {}

function headOf(req: IncomingMessage): RequestHead {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  return { method: req.method ?? "GET", rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? "" : url.slice(q + 1), headers };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`the body is larger than the ${limit} bytes the gate reads to decide`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function startIamGate(options: IamGateOptions): Promise<IamGate> {
  const { upstreams, region } = options;
  const upstreamOf = (service: string): string => upstreams[service] ?? upstreams.default;
  const directory =
    options.directory ??
    new IamDirectory({
      endpoints: { iam: upstreamOf("iam"), sts: upstreamOf("sts"), s3: upstreamOf("s3"), kms: upstreamOf("kms") },
      adminCredentials: options.adminCredentials,
      region,
      trusted: options.trusted,
    });
  if (options.directory) for (const key of options.trusted ?? []) directory.trust(key);
  const passThrough = new Set(options.passThrough ?? ["iam", "sts"]);
  const maxBody = options.maxBufferedBodyBytes ?? 32 * 1024 * 1024;
  const decisions: GateDecision[] = [];
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const readTags: TagReader = (service, arn) => readResourceTags(upstreamOf(service), service, arn, options.adminCredentials, region);

  const refuse = (res: ServerResponse, protocol: Protocol, refusal: GateRefusal, message: string, head: RequestHead, accessKeyId?: string) => {
    const error = errorResponse(protocol, refusal, message, { method: head.method, ...(accessKeyId ? { accessKeyId } : {}) });
    res.writeHead(error.status, error.headers);
    res.end(error.body);
  };

  const forward = (req: IncomingMessage, res: ServerResponse, service: string, protocol: Protocol, head: RequestHead, body: Buffer | undefined) => {
    const upstream = new URL(upstreamOf(service));
    const secure = upstream.protocol === "https:";
    const headers = { ...req.headers };
    delete headers["expect"]; // the gate already holds or streams the body; no 100-continue round trip upstream
    const send = secure ? httpsRequest : httpRequest;
    const out = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        agent: secure ? agents.https : agents.http,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    out.on("error", (err) => {
      if (!res.headersSent)
        refuse(res, protocol, "upstream-unreachable", `the IAM gate could not reach ${upstream.origin} for ${service}: ${err.message}`, head);
      else res.destroy(err);
    });
    if (body) out.end(body);
    else req.pipe(out);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const head = headOf(req);
    const auth = parseAuthorization(head.headers["authorization"]);
    let protocol = protocolOf(head, auth?.service);
    const unauthenticated = (operation: string) =>
      decisions.push({ operation, principal: "", action: "", resource: "", context: {}, allowed: false, basis: "not-authenticated" });
    if (!auth) {
      unauthenticated(`${head.method} ${head.rawPath}`);
      refuse(res, protocol, "no-signature", "Request is missing a SigV4 Authorization header: the IAM gate models no anonymous or presigned access", head);
      return;
    }
    const known = await directory.identify(auth.accessKeyId);
    if (!known) {
      unauthenticated(`${auth.service} ${head.method} ${head.rawPath}`);
      const message =
        protocol === "rest-xml"
          ? "The AWS Access Key Id you provided does not exist in our records."
          : "The security token included in the request is invalid.";
      refuse(res, protocol, "unknown-access-key", message, head, auth.accessKeyId);
      return;
    }
    const caller: Caller = known.caller;
    const isPassThrough = passThrough.has(auth.service);
    const body = needsBody(head, auth.service) || isPassThrough ? await readBody(req, maxBody) : undefined;

    const declaredHash = head.headers["x-amz-content-sha256"];
    if (declaredHash === undefined && body === undefined) {
      unauthenticated(`${auth.service} ${head.method} ${head.rawPath}`);
      refuse(res, protocol, "signature-mismatch", "An S3 request must carry x-amz-content-sha256 (the gate does not read the body to hash it)", head);
      return;
    }
    const payloadHash = declaredHash ?? sha256Hex(body ?? Buffer.alloc(0));
    // S3 checks a declared hash against the body it stores; the gate can where it holds the body.
    if (body && /^[0-9a-f]{64}$/.test(payloadHash) && sha256Hex(body) !== payloadHash) {
      unauthenticated(`${auth.service} ${head.method} ${head.rawPath}`);
      refuse(res, protocol, "payload-hash-mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.", head);
      return;
    }
    const badSignature = signatureProblem(head, auth, known.secretAccessKey, payloadHash);
    if (badSignature) {
      unauthenticated(`${auth.service} ${head.method} ${head.rawPath}`);
      refuse(
        res,
        protocol,
        "signature-mismatch",
        `The request signature we calculated does not match the signature you provided. Check your key and signing method. (IAM gate: ${badSignature})`,
        head,
      );
      return;
    }

    const input = { head, body, service: auth.service, region: auth.region, accountId: caller.accountId, callerArn: caller.arn };
    const mapped: MapResult = isPassThrough ? mapPassThrough(input) : mapRequest(input);
    if (!mapped.ok) {
      decisions.push({
        operation: mapped.operation,
        principal: caller.arn,
        action: "",
        resource: "",
        context: {},
        allowed: false,
        basis: "not-mapped",
        why: [mapped.reason],
      });
      refuse(
        res,
        mapped.protocol,
        "not-mapped",
        `roadmapx-ai IAM gate: ${mapped.operation} is not mapped to the authorisation AWS makes (${mapped.reason}); it is refused so that nothing reaches the emulator unchecked`,
        head,
      );
      return;
    }
    const request = mapped.request;
    protocol = request.protocol;
    if (request.passThrough) {
      for (const a of request.authorisations) {
        decisions.push({
          operation: request.operation,
          principal: caller.arn,
          action: a.action,
          resource: a.resource,
          context: a.context,
          allowed: true,
          basis: "pass-through",
        });
      }
      forward(req, res, auth.service, protocol, head, body);
      return;
    }
    if (request.alwaysAllowed !== undefined && request.authorisations.length === 0) {
      decisions.push({
        operation: request.operation,
        principal: caller.arn,
        action: `${auth.service}:${request.operation.split(".").pop() ?? ""}`,
        resource: "*",
        context: {},
        allowed: true,
        basis: "always-allowed",
        why: [request.alwaysAllowed],
      });
      forward(req, res, auth.service, protocol, head, body);
      return;
    }

    const circumstances = {
      region: auth.region,
      secureTransport: options.assumeSecureTransport === true,
      sourceIp: (req.socket.remoteAddress ?? "127.0.0.1").replace(/^::ffff:/, ""),
      now: new Date(),
    };
    const verdicts = await evaluate(directory, caller, request.authorisations, circumstances, readTags);
    request.authorisations.forEach((a, i) => {
      const verdict = verdicts[i];
      if (!verdict) return;
      decisions.push({
        operation: request.operation,
        principal: caller.arn,
        action: a.action,
        resource: verdict.resource ?? a.resource,
        context: verdict.context,
        allowed: verdict.allowed,
        basis: verdict.result === "Root" ? "root" : verdict.result === "NotFound" ? "not-found" : "policy",
        ...(verdict.allowed ? {} : { why: verdict.why }),
      });
    });
    const missing = verdicts.findIndex((v) => v.result === "NotFound");
    if (missing >= 0) {
      // KMS says so before any permission: the key named does not exist.
      const answer = kmsKeyNotFound(request.authorisations[missing]?.resource ?? "");
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
    // Forward only when every authorisation was allowed (and one was made): a refusal names the first denied.
    const complete = verdicts.length > 0 && verdicts.length === request.authorisations.length;
    const deniedAt = complete ? verdicts.findIndex((v) => !v.allowed) : 0;
    if (deniedAt >= 0) {
      const { action = "", resource: asked = "" } = request.authorisations[deniedAt] ?? {};
      const resource = verdicts[deniedAt]?.resource ?? asked;
      const reason = verdicts[deniedAt]?.reason ?? { explicit: false, policyType: "identity-based" };
      refuse(res, protocol, "access-denied", accessDeniedMessage(caller.arn, action, resource, reason, protocol), head);
      return;
    }
    forward(req, res, auth.service, protocol, head, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const head = headOf(req);
      const protocol = protocolOf(head, parseAuthorization(head.headers["authorization"])?.service);
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      if (err instanceof BodyTooLargeError) refuse(res, protocol, "body-too-large", err.message, head);
      else {
        const why = err instanceof DirectoryError ? err.message : `unexpected failure: ${(err as Error).stack ?? String(err)}`;
        refuse(res, protocol, "gate-failure", `roadmapx-ai IAM gate could not decide, so it refused: ${why}`, head);
      }
    });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    decisions,
    trust: (key) => directory.trust(key),
    stop: async () => {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      agents.http.destroy();
      agents.https.destroy();
      directory.close();
    },
  };
}
