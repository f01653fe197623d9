/**
 * A loopback HTTP proxy, placed between an S3 client and the emulator, that checks the checksum a
 * PutObject or UploadPart carries against the bytes that arrive and refuses a mismatch the way S3
 * does. moto 5.2 accepts a part whose x-amz-checksum-crc32 (or Content-MD5) is wrong; S3 does not,
 * and the upload engine relies on that to catch a file whose bytes changed after their CRC32 was
 * computed. Every other request is forwarded unchanged.
 *
 * What is checked, on PUT /bucket/key (PutObject) and PUT /bucket/key?partNumber=N&uploadId=U
 * (UploadPart), path-style addressing only (the tests' clients use `forcePathStyle`):
 * - header form: `x-amz-checksum-crc32`, `-crc32c`, `-sha1`, `-sha256` (base64 of the digest,
 *   big-endian for the CRCs) and `Content-MD5`, over the body as it arrives;
 * - trailer form: `content-encoding: aws-chunked` with `x-amz-trailer: x-amz-checksum-…`, as the SDK
 *   v3 sends a stream body it computes the checksum of (@smithy/core's getAwsChunkedEncodingStream:
 *   `<hex size>\r\n<data>\r\n` … `0\r\n` `x-amz-checksum-crc32:<base64>\r\n` `\r\n`; a
 *   `;chunk-signature=…` extension and an `x-amz-trailer-signature` line are accepted too). The
 *   checksum is computed over the decoded data;
 * - `x-amz-checksum-crc64nvme` is NOT checked (no implementation here): such a request is forwarded
 *   as is and listed in `checks()` with the algorithm under `unchecked`.
 *
 * What S3 answers (HTTP 400, an XML <Error>, so the SDK v3 throws an error named after <Code>):
 * - a well-formed checksum that does not match: `BadDigest`, "The CRC32 you specified did not match
 *   the calculated checksum." (CRC32C, SHA1, SHA256 the same with their name). Sources: the S3 API
 *   reference's error list (docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), where
 *   BadDigest (400) is the answer to a Content-MD5 or checksum that does not match the body; real
 *   S3's answers recorded in ministackorg/ministack#1497 (header form, CRC32,
 *   this exact message), versity/versitygw#1653 (trailer form, same code and message shape) and
 *   aws/aws-sdk-js-v3#6888 ("BadDigest: The SHA256 you specified did not match the calculated
 *   checksum."). `XAmzContentChecksumMismatch` is MinIO's code, not S3's: S3 uses it for nothing
 *   documented; `XAmzContentSHA256Mismatch` is S3's answer to a wrong x-amz-content-sha256 (the
 *   signature's payload hash), which is not a flexible checksum and is not checked here;
 * - a value that is not base64 of a digest of the right length: `InvalidRequest`, "Value for
 *   x-amz-checksum-crc32 header is invalid." ("… trailing header is invalid." for a trailer), as
 *   recorded in versity/versitygw#1652 and #1692;
 * - Content-MD5: `BadDigest`, "The Content-MD5 you specified did not match what we received.", with
 *   <ExpectedDigest> and <CalculatedDigest> (real S3's answer quoted in basho/riak_cs#624); not a
 *   valid MD5: `InvalidDigest`, "The Content-MD5 you specified was invalid.", with <Content-MD5>
 *   (versity/versitygw#1526);
 * - a trailer announced in x-amz-trailer but missing from the body: `MalformedTrailerError`
 *   (versity/versitygw#1600); a body whose aws-chunked framing is broken: `IncompleteBody`.
 * A refused request is never completed at the emulator, so no object or part is stored.
 *
 * Memory: a request with nothing to check is piped through. A checked request is streamed to the
 * emulator as it arrives, with the most recent chunk (at most one socket read, ≤ 64 KiB) held
 * back: the emulator cannot finish the request without it. When the body is complete the checksum
 * is compared; on a match the held chunk is sent, on a mismatch the upstream request is aborted
 * (moto then fails that request; it stores nothing from a truncated body, seen with moto 5.2.1 for
 * Content-Length and chunked bodies) and the client gets S3's answer. No body is ever buffered
 * whole.
 */
import { createHash, randomBytes } from "node:crypto";
import { type Agent, type ClientRequest, type IncomingMessage, type ServerResponse, Agent as HttpAgent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32 } from "node:zlib";

/** The checksums S3 accepts on an upload; MD5 is the Content-MD5 header. */
export type ChecksumAlgorithm = "CRC32" | "CRC32C" | "CRC64NVME" | "SHA1" | "SHA256" | "MD5";

/** Where the checksum value travelled: a request header, or a trailer after an aws-chunked body. */
export type ChecksumForm = "header" | "trailer";

export type RefusalCode = "BadDigest" | "InvalidRequest" | "InvalidDigest" | "MalformedTrailerError" | "IncompleteBody";

export interface Refusal {
  operation: "PutObject" | "UploadPart";
  bucket: string;
  key: string;
  partNumber?: number;
  algorithm: ChecksumAlgorithm | undefined;
  form: ChecksumForm | undefined;
  /** The value the request specified (base64), "" when it was missing. */
  expected: string;
  /** The value computed from the bytes that arrived (base64), "" when none could be computed. */
  actual: string;
  code: RefusalCode;
  message: string;
}

/** One PutObject or UploadPart that carried a checksum, whatever the outcome. */
export interface CheckedRequest {
  operation: "PutObject" | "UploadPart";
  bucket: string;
  key: string;
  partNumber?: number;
  /** `aws-chunked` when the body was framed so (the SDK's form for a stream it checksums). */
  encoding: "aws-chunked" | "plain";
  /** The checksums compared, with the form each arrived in. */
  verified: { algorithm: ChecksumAlgorithm; form: ChecksumForm }[];
  /** Checksums present but not compared (CRC64NVME). */
  unchecked: { algorithm: ChecksumAlgorithm; form: ChecksumForm }[];
  /** Bytes of payload (decoded, for aws-chunked). */
  bytes: number;
  outcome: "forwarded" | "refused";
}

export interface S3ChecksumCheck {
  /** http://127.0.0.1:PORT, to give S3 clients as their endpoint. */
  endpoint: string;
  stop(): Promise<void>;
  /** The requests refused, in order. */
  refused(): Refusal[];
  /**
   * How many requests had their checksum examined: compared with the body (forwarded or refused),
   * or refused for a malformed value or trailer. Requests with only unchecked algorithms are not
   * counted.
   */
  checked(): number;
  /** Every PutObject/UploadPart that carried a checksum, in the order they completed. */
  checks(): CheckedRequest[];
  /** Requests forwarded without any check (not an upload, or an upload with no checksum). */
  passedThrough(): number;
}

export interface S3ChecksumCheckOptions {
  /** The emulator's endpoint, e.g. http://127.0.0.1:PORT. */
  upstream: string;
}

// --- digests ---------------------------------------------------------------------------------------

interface Digest {
  update(data: Buffer): void;
  digest(): Buffer;
}

function be32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

class Crc32Digest implements Digest {
  private value = 0;
  update(data: Buffer): void {
    this.value = crc32(data, this.value);
  }
  digest(): Buffer {
    return be32(this.value);
  }
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as S3's x-amz-checksum-crc32c. Node has
// none built in; a table-driven loop is a few hundred MB/s, plenty for tests.
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

class Crc32cDigest implements Digest {
  private crc = 0xffffffff;
  update(data: Buffer): void {
    let crc = this.crc;
    for (let i = 0; i < data.length; i++) crc = (crc >>> 8) ^ CRC32C_TABLE[(crc ^ data[i]!) & 0xff]!;
    this.crc = crc;
  }
  digest(): Buffer {
    return be32(this.crc ^ 0xffffffff);
  }
}

class HashDigest implements Digest {
  private readonly hash;
  constructor(algorithm: "sha1" | "sha256" | "md5") {
    this.hash = createHash(algorithm);
  }
  update(data: Buffer): void {
    this.hash.update(data);
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

const ALGORITHMS: Record<ChecksumAlgorithm, { bytes: number; make: (() => Digest) | undefined }> = {
  CRC32: { bytes: 4, make: () => new Crc32Digest() },
  CRC32C: { bytes: 4, make: () => new Crc32cDigest() },
  CRC64NVME: { bytes: 8, make: undefined },
  SHA1: { bytes: 20, make: () => new HashDigest("sha1") },
  SHA256: { bytes: 32, make: () => new HashDigest("sha256") },
  MD5: { bytes: 16, make: () => new HashDigest("md5") },
};

/** The checksum of `data`, base64, as S3 expects it in x-amz-checksum-* (for tests' own values). */
export function checksumOf(algorithm: Exclude<ChecksumAlgorithm, "CRC64NVME">, data: Buffer): string {
  const digest = ALGORITHMS[algorithm].make!();
  digest.update(data);
  return digest.digest().toString("base64");
}

const CHECKSUM_HEADER_PREFIX = "x-amz-checksum-";

/** x-amz-checksum-crc32 → CRC32; undefined for other x-amz-checksum-* headers (type, mode, …). */
function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const lower = name.toLowerCase();
  if (!lower.startsWith(CHECKSUM_HEADER_PREFIX)) return undefined;
  const upper = lower.slice(CHECKSUM_HEADER_PREFIX.length).toUpperCase();
  return upper in ALGORITHMS && upper !== "MD5" ? (upper as ChecksumAlgorithm) : undefined;
}

/** True when `value` is canonical base64 of exactly `bytes` bytes. */
function wellFormed(value: string, bytes: number): boolean {
  const decoded = Buffer.from(value, "base64");
  return decoded.length === bytes && decoded.toString("base64") === value;
}

// --- aws-chunked decoding --------------------------------------------------------------------------

const MAX_LINE = 8192;

/**
 * Incremental decoder of an aws-chunked body: `<hex size>[;ext]\r\n<data>\r\n` repeated, then a
 * `0[;ext]\r\n` chunk, trailer lines `name:value\r\n`, and an empty line.
 */
class AwsChunkedDecoder {
  readonly trailers = new Map<string, string>();
  error: string | undefined;
  private state: "size" | "data" | "data-crlf" | "trailer" | "done" = "size";
  private line = Buffer.alloc(0);
  private remaining = 0;

  constructor(private readonly onData: (data: Buffer) => void) {}

  get complete(): boolean {
    return this.state === "done";
  }

  write(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.error) {
      if (this.state === "data") {
        const n = Math.min(this.remaining, chunk.length - at);
        this.onData(chunk.subarray(at, at + n));
        at += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = "data-crlf";
        continue;
      }
      if (this.state === "done") {
        this.error = "bytes after the end of the aws-chunked body";
        return;
      }
      // size, data-crlf and trailer states read lines.
      const newline = chunk.indexOf(0x0a, at);
      const end = newline < 0 ? chunk.length : newline + 1;
      this.line = Buffer.concat([this.line, chunk.subarray(at, end)]);
      at = end;
      if (this.line.length > MAX_LINE) {
        this.error = "an aws-chunked line is too long";
        return;
      }
      if (newline < 0) continue;
      const text = this.line.toString("latin1");
      this.line = Buffer.alloc(0);
      if (!text.endsWith("\r\n")) {
        this.error = "an aws-chunked line does not end in CRLF";
        return;
      }
      this.takeLine(text.slice(0, -2));
    }
  }

  /** Call when the body has ended; the trailer's last empty line may be missing. */
  finish(): void {
    if (this.error) return;
    if (this.state === "trailer" && this.line.length > 0) {
      this.takeLine(this.line.toString("latin1").replace(/\r?\n?$/, ""));
      this.line = Buffer.alloc(0);
    }
    if (this.state === "trailer") this.state = "done";
    if (this.state !== "done") this.error = "the aws-chunked body ended before its last chunk";
  }

  private takeLine(line: string): void {
    switch (this.state) {
      case "size": {
        const sizeText = (line.split(";", 1)[0] ?? "").trim();
        if (!/^[0-9a-fA-F]+$/.test(sizeText)) {
          this.error = `bad aws-chunked chunk size ${JSON.stringify(sizeText.slice(0, 40))}`;
          return;
        }
        this.remaining = parseInt(sizeText, 16);
        this.state = this.remaining === 0 ? "trailer" : "data";
        return;
      }
      case "data-crlf":
        if (line !== "") this.error = "an aws-chunked chunk is longer than its size";
        else this.state = "size";
        return;
      case "trailer": {
        if (line === "") {
          this.state = "done";
          return;
        }
        const colon = line.indexOf(":");
        if (colon <= 0) {
          this.error = "a malformed trailer line";
          return;
        }
        this.trailers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        return;
      }
      default:
        return;
    }
  }
}

// --- request classification --------------------------------------------------------------------------

interface Upload {
  operation: "PutObject" | "UploadPart";
  bucket: string;
  key: string;
  partNumber?: number;
}

const UPLOAD_QUERY_KEYS = new Set(["x-id", "partNumber", "uploadId"]);

/** The PutObject or UploadPart a request is, path-style; undefined for anything else. */
function uploadOf(req: IncomingMessage): Upload | undefined {
  if (req.method !== "PUT" || req.headers["x-amz-copy-source"] !== undefined) return undefined;
  const url = new URL(req.url ?? "/", "http://proxy.invalid");
  const slash = url.pathname.indexOf("/", 1);
  if (slash < 0 || slash === url.pathname.length - 1) return undefined; // a bucket, not an object
  for (const name of url.searchParams.keys()) if (!UPLOAD_QUERY_KEYS.has(name)) return undefined; // ?tagging, ?acl, …
  const bucket = decodeURIComponent(url.pathname.slice(1, slash));
  const key = decodeURIComponent(url.pathname.slice(slash + 1));
  const part = url.searchParams.get("partNumber");
  const uploadId = url.searchParams.get("uploadId");
  if (part !== null && uploadId !== null) return { operation: "UploadPart", bucket, key, partNumber: Number(part) };
  if (part === null && uploadId === null) return { operation: "PutObject", bucket, key };
  return undefined;
}

interface Expected {
  algorithm: ChecksumAlgorithm;
  form: ChecksumForm;
  /** Header value now; trailer values are filled in when the body has ended. */
  value: string | undefined;
}

function expectedChecksums(req: IncomingMessage): Expected[] {
  const expected: Expected[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    const algorithm = algorithmOfHeader(name);
    if (algorithm && typeof value === "string") expected.push({ algorithm, form: "header", value: value.trim() });
  }
  const md5 = req.headers["content-md5"];
  if (typeof md5 === "string") expected.push({ algorithm: "MD5", form: "header", value: md5.trim() });
  if (isAwsChunked(req)) {
    for (const name of String(req.headers["x-amz-trailer"] ?? "").split(",")) {
      const algorithm = algorithmOfHeader(name.trim());
      if (algorithm) expected.push({ algorithm, form: "trailer", value: undefined });
    }
  }
  return expected;
}

function isAwsChunked(req: IncomingMessage): boolean {
  return String(req.headers["content-encoding"] ?? "")
    .split(",")
    .some((coding) => coding.trim().toLowerCase() === "aws-chunked");
}

function headerName(expected: Expected): string {
  return expected.algorithm === "MD5" ? "Content-MD5" : `${CHECKSUM_HEADER_PREFIX}${expected.algorithm.toLowerCase()}`;
}

// --- the proxy ---------------------------------------------------------------------------------------------

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "expect", "upgrade"]);

/** rawHeaders ([name, value, name, value, …]) without the hop-by-hop ones, case and order kept. */
function forwardable(rawHeaders: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(rawHeaders[i]!.toLowerCase())) out.push(rawHeaders[i]!, rawHeaders[i + 1]!);
  }
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendS3Error(res: ServerResponse, code: RefusalCode, message: string, details: [string, string][] = []): void {
  const requestId = randomBytes(8).toString("hex").toUpperCase();
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    details.map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`).join("") +
    `<RequestId>${requestId}</RequestId><HostId>${randomBytes(24).toString("base64")}</HostId></Error>`;
  res.writeHead(400, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
    "x-amz-request-id": requestId,
  });
  res.end(body);
}

function mismatchMessage(algorithm: ChecksumAlgorithm): string {
  return algorithm === "MD5"
    ? "The Content-MD5 you specified did not match what we received."
    : `The ${algorithm} you specified did not match the calculated checksum.`;
}

export async function startS3ChecksumCheck(options: S3ChecksumCheckOptions): Promise<S3ChecksumCheck> {
  const upstream = new URL(options.upstream);
  if (upstream.protocol !== "http:") throw new Error(`the checksum check forwards to http:// only, not ${options.upstream}`);
  const agent: Agent = new HttpAgent({ keepAlive: true });
  const refusals: Refusal[] = [];
  const checks: CheckedRequest[] = [];
  let passed = 0;

  const openUpstream = (req: IncomingMessage): ClientRequest =>
    httpRequest({
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: forwardable(req.rawHeaders),
      agent,
    });

  /** Relays the emulator's answer to the client, status, headers and body unchanged. */
  const relay = (outgoing: ClientRequest, res: ServerResponse, unlessRefused: () => boolean): void => {
    outgoing.on("response", (answer) => {
      if (unlessRefused()) {
        answer.resume();
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardable(answer.rawHeaders));
      answer.pipe(res);
    });
    outgoing.on("error", (err) => {
      if (unlessRefused()) return;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`s3-checksum-check: the emulator did not answer: ${err.message}`);
      } else {
        res.destroy(err);
      }
    });
  };

  const passThrough = (req: IncomingMessage, res: ServerResponse): void => {
    passed++;
    const outgoing = openUpstream(req);
    relay(outgoing, res, () => false);
    req.pipe(outgoing);
    req.on("close", () => {
      if (!req.complete) outgoing.destroy();
    });
  };

  const check = (req: IncomingMessage, res: ServerResponse, upload: Upload, expected: Expected[]): void => {
    const chunked = isAwsChunked(req);
    const record: CheckedRequest = {
      ...upload,
      encoding: chunked ? "aws-chunked" : "plain",
      verified: [],
      unchecked: [],
      bytes: 0,
      outcome: "forwarded",
    };
    const refuse = (code: RefusalCode, message: string, about?: Expected, actual = ""): void => {
      record.outcome = "refused";
      refusals.push({
        ...upload,
        algorithm: about?.algorithm,
        form: about?.form,
        expected: about?.value ?? "",
        actual,
        code,
        message,
      });
      checks.push(record);
      const details: [string, string][] =
        about?.algorithm !== "MD5"
          ? []
          : code === "BadDigest"
            ? [
                ["ExpectedDigest", about.value ?? ""],
                ["CalculatedDigest", actual],
              ]
            : [["Content-MD5", about.value ?? ""]];
      sendS3Error(res, code, message, details);
    };

    // A header value that is not a digest at all is refused before the body is looked at.
    for (const e of expected) {
      if (e.form === "header" && !wellFormed(e.value ?? "", ALGORITHMS[e.algorithm].bytes)) {
        req.resume();
        req.on("end", () =>
          e.algorithm === "MD5"
            ? refuse("InvalidDigest", "The Content-MD5 you specified was invalid.", e)
            : refuse("InvalidRequest", `Value for ${headerName(e)} header is invalid.`, e),
        );
        return;
      }
    }

    const digests = new Map<Expected, Digest>();
    for (const e of expected) {
      const make = ALGORITHMS[e.algorithm].make;
      if (make) digests.set(e, make());
      else record.unchecked.push({ algorithm: e.algorithm, form: e.form });
    }
    const consume = (data: Buffer): void => {
      record.bytes += data.length;
      for (const digest of digests.values()) digest.update(data);
    };
    const decoder = chunked ? new AwsChunkedDecoder(consume) : undefined;

    let refused = false;
    let upstreamFailed = false;
    const outgoing = openUpstream(req);
    relay(outgoing, res, () => refused);
    outgoing.on("error", () => {
      upstreamFailed = true;
    });

    // Stream to the emulator, holding the latest chunk back until the checksum has been compared.
    let held: Buffer | undefined;
    req.on("data", (chunk: Buffer) => {
      if (decoder) decoder.write(chunk);
      else consume(chunk);
      const previous = held;
      held = chunk;
      if (previous && !upstreamFailed && !outgoing.write(previous)) {
        req.pause();
        outgoing.once("drain", () => req.resume());
      }
    });
    req.on("close", () => {
      if (!req.complete) outgoing.destroy();
    });
    req.on("end", () => {
      const verdict = (): [RefusalCode, string, Expected?, string?] | undefined => {
        if (decoder) {
          decoder.finish();
          if (decoder.error) return ["IncompleteBody", "The request body terminated unexpectedly"];
          for (const e of expected) {
            if (e.form !== "trailer") continue;
            e.value = decoder.trailers.get(headerName(e));
            if (e.value === undefined) {
              return ["MalformedTrailerError", "The request contained trailing data that was not well-formed or did not conform to our published schema.", e];
            }
            if (!wellFormed(e.value, ALGORITHMS[e.algorithm].bytes)) return ["InvalidRequest", `Value for ${headerName(e)} trailing header is invalid.`, e];
          }
        }
        for (const [e, digest] of digests) {
          record.verified.push({ algorithm: e.algorithm, form: e.form });
          const actual = digest.digest().toString("base64");
          if (actual !== e.value) return ["BadDigest", mismatchMessage(e.algorithm), e, actual];
        }
        return undefined;
      };
      const wrong = verdict();
      if (wrong) {
        refused = true;
        outgoing.destroy();
        if (res.headersSent) {
          checks.push(record); // the emulator answered before the body was complete
          return;
        }
        refuse(...wrong);
        return;
      }
      checks.push(record);
      if (upstreamFailed) return;
      if (held) outgoing.write(held);
      outgoing.end();
    });
  };

  const server = createServer((req, res) => {
    const upload = uploadOf(req);
    const expected = upload ? expectedChecksums(req) : [];
    if (!upload || expected.length === 0) passThrough(req, res);
    else check(req, res, upload, expected);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
    refused: () => refusals.map((r) => ({ ...r })),
    checked: () => checks.filter((c) => c.verified.length > 0 || c.outcome === "refused").length,
    checks: () => checks.map((c) => ({ ...c, verified: [...c.verified], unchecked: [...c.unchecked] })),
    passedThrough: () => passed,
  };
}
