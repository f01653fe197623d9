import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { expect } from "chai";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { DUMMY_CREDENTIALS } from "../../local/emulator";
import { useEmulator } from "../helpers/emulator";
import { type S3ChecksumCheck, checksumOf, startS3ChecksumCheck } from "../helpers/s3-checksum-check";

const BUCKET = "checked-bucket";
const MiB = 1024 * 1024;

type SdkError = Error & { $metadata?: { httpStatusCode?: number } };

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error("expected the call to fail");
}

function bytes(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function keysIn(s3: S3Client): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listing.Contents ?? []).map((o) => o.Key ?? "");
}

async function read(s3: S3Client, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}

/** Flips one byte of the request body at `offset` on its way to the wire (after the SDK hashed it). */
function corruptBodyAt(s3: S3Client, offset: number): void {
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
    const request = args.request as { body?: unknown };
    const body = request.body as NodeJS.ReadableStream | undefined;
    if (body && typeof body.pipe === "function") {
      let seen = 0;
      request.body = body.pipe(
        new Transform({
          transform(chunk: Buffer | string, _encoding, done) {
            const data = Buffer.from(chunk);
            if (offset >= seen && offset < seen + data.length) data[offset - seen] ^= 0xff;
            seen += data.length;
            done(null, data);
          },
        }),
      );
    }
    return next(args);
  };
  s3.middlewareStack.add(middleware, { step: "finalizeRequest", name: "corruptBodyForTest" });
}

describe("S3 checksum check (a proxy that refuses a wrong checksum as S3 does)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let proxy: S3ChecksumCheck;
  /** Through the proxy. */
  let s3: S3Client;
  /** Straight to the emulator, to see what was stored. */
  let direct: S3Client;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "s3-checksum-check-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    proxy = await startS3ChecksumCheck({ upstream: ctx.emulator.endpoint });
    s3 = ctx.makeClients({ endpoint: proxy.endpoint }).s3;
    direct = ctx.clients.s3;
    await direct.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterEach(async () => {
    await proxy.stop();
  });

  describe("PutObject", () => {
    it("passes a Buffer whose CRC32 the SDK computed (sent as a header), and counts it as checked", async () => {
      const body = bytes(100_000, 1);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "a.bin", Body: body, ChecksumAlgorithm: "CRC32" }));
      expect(proxy.checked()).to.equal(1);
      expect(proxy.refused()).to.deep.equal([]);
      const [check] = proxy.checks();
      expect(check).to.include({ operation: "PutObject", key: "a.bin", encoding: "plain", bytes: body.length, outcome: "forwarded" });
      expect(check?.verified).to.deep.equal([{ algorithm: "CRC32", form: "header" }]);
      expect((await read(direct, "a.bin")).equals(body)).to.equal(true);
    });

    it("refuses a wrong ChecksumCRC32 with S3's BadDigest (HTTP 400), and stores nothing", async () => {
      const body = bytes(50_000, 2);
      const wrong = checksumOf("CRC32", bytes(50_000, 3));
      const err = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "wrong.bin", Body: body, ChecksumCRC32: wrong })));
      expect(err.name).to.equal("BadDigest");
      expect(err.message).to.equal("The CRC32 you specified did not match the calculated checksum.");
      expect(err.$metadata?.httpStatusCode).to.equal(400);
      expect(proxy.refused()).to.deep.equal([
        {
          operation: "PutObject",
          bucket: BUCKET,
          key: "wrong.bin",
          algorithm: "CRC32",
          form: "header",
          expected: wrong,
          actual: checksumOf("CRC32", body),
          code: "BadDigest",
          message: "The CRC32 you specified did not match the calculated checksum.",
        },
      ]);
      expect(proxy.checked()).to.equal(1);
      expect(await keysIn(direct)).to.deep.equal([]);
    });

    it("checks CRC32C, SHA1 and SHA256 the SDK computed, and refuses a wrong one of each", async () => {
      const body = bytes(70_001, 4);
      for (const algorithm of ["CRC32C", "SHA1", "SHA256"] as const) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `ok-${algorithm}`, Body: body, ChecksumAlgorithm: algorithm }));
      }
      expect(proxy.refused()).to.deep.equal([]);
      expect(proxy.checks().map((c) => c.verified)).to.deep.equal([
        [{ algorithm: "CRC32C", form: "header" }],
        [{ algorithm: "SHA1", form: "header" }],
        [{ algorithm: "SHA256", form: "header" }],
      ]);

      const other = bytes(70_001, 5);
      const wrong = { ChecksumCRC32C: checksumOf("CRC32C", other), ChecksumSHA1: checksumOf("SHA1", other), ChecksumSHA256: checksumOf("SHA256", other) };
      for (const [field, value] of Object.entries(wrong)) {
        const err = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `bad-${field}`, Body: body, [field]: value })));
        expect(err.name, field).to.equal("BadDigest");
      }
      expect(proxy.refused().map((r) => r.message)).to.deep.equal([
        "The CRC32C you specified did not match the calculated checksum.",
        "The SHA1 you specified did not match the calculated checksum.",
        "The SHA256 you specified did not match the calculated checksum.",
      ]);
      expect((await keysIn(direct)).sort()).to.deep.equal(["ok-CRC32C", "ok-SHA1", "ok-SHA256"]);
      expect(proxy.checked()).to.equal(6);
    });

    it("checks Content-MD5 (BadDigest when wrong) and refuses a checksum that is not one (InvalidRequest)", async () => {
      const body = bytes(10_000, 6);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "md5-ok", Body: body, ContentMD5: checksumOf("MD5", body) }));
      const badMd5 = await failure(
        s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "md5-bad", Body: body, ContentMD5: checksumOf("MD5", Buffer.from("x")) })),
      );
      expect([badMd5.name, badMd5.message]).to.deep.equal(["BadDigest", "The Content-MD5 you specified did not match what we received."]);
      const notAnMd5 = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "md5-garbage", Body: body, ContentMD5: "abc" })));
      expect([notAnMd5.name, notAnMd5.message]).to.deep.equal(["InvalidDigest", "The Content-MD5 you specified was invalid."]);
      const notACrc = await failure(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "crc-garbage", Body: body, ChecksumCRC32: "not-a-crc" })));
      expect([notACrc.name, notACrc.message]).to.deep.equal(["InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid."]);
      expect(await keysIn(direct)).to.deep.equal(["md5-ok"]);
      expect(proxy.refused().map((r) => [r.algorithm, r.code])).to.deep.equal([
        ["MD5", "BadDigest"],
        ["MD5", "InvalidDigest"],
        ["CRC32", "InvalidRequest"],
      ]);
      expect(proxy.checked()).to.equal(4);
    });

    it("works with a default S3Client too (it sends Expect: 100-continue for bodies of 2 MiB or more)", async () => {
      const sdkDefaults = new S3Client({ region: "us-east-1", endpoint: proxy.endpoint, forcePathStyle: true, credentials: DUMMY_CREDENTIALS, maxAttempts: 1 });
      try {
        const body = bytes(3 * MiB, 13);
        await sdkDefaults.send(new PutObjectCommand({ Bucket: BUCKET, Key: "expect.bin", Body: body }));
        const err = await failure(sdkDefaults.send(new PutObjectCommand({ Bucket: BUCKET, Key: "expect-bad.bin", Body: body, ChecksumCRC32: "AAAAAA==" })));
        expect(err.name).to.equal("BadDigest");
        expect(proxy.checks().map((c) => [c.key, c.verified, c.outcome])).to.deep.equal([
          ["expect.bin", [{ algorithm: "CRC32", form: "header" }], "forwarded"],
          ["expect-bad.bin", [{ algorithm: "CRC32", form: "header" }], "refused"],
        ]);
        expect((await read(direct, "expect.bin")).equals(body)).to.equal(true);
        expect(await keysIn(direct)).to.deep.equal(["expect.bin"]);
      } finally {
        sdkDefaults.destroy();
      }
    });

    it("forwards CRC64NVME without checking it (listed as unchecked, not counted)", async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: "nvme", Body: bytes(1000, 7), ChecksumAlgorithm: "CRC64NVME" }));
      expect(proxy.checked()).to.equal(0);
      expect(proxy.checks().map((c) => [c.verified, c.unchecked])).to.deep.equal([[[], [{ algorithm: "CRC64NVME", form: "header" }]]]);
      expect(await keysIn(direct)).to.deep.equal(["nvme"]);
    });
  });

  describe("multipart upload", () => {
    it("passes correct parts in both forms, refuses a part whose bytes changed after its CRC32 was computed", async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "big.bin", ChecksumAlgorithm: "CRC32" }));
      const part1 = bytes(5 * MiB, 8);
      const one = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: "big.bin", UploadId, PartNumber: 1, Body: part1, ChecksumCRC32: checksumOf("CRC32", part1) }),
      );

      // What the upload engine does: CRC32 of the file's part, then the part sent from the file with
      // that CRC32. Here the file changes in between.
      const file = join(dir, "part2.bin");
      const part2 = bytes(3 * MiB + 17, 9);
      await writeFile(file, part2);
      const precomputed = checksumOf("CRC32", part2);
      const handle = await open(file, "r+");
      await handle.write(Buffer.from([part2[MiB]! ^ 0x01]), 0, 1, MiB);
      await handle.close();
      const err = await failure(
        s3.send(
          new UploadPartCommand({
            Bucket: BUCKET,
            Key: "big.bin",
            UploadId,
            PartNumber: 2,
            Body: createReadStream(file),
            ContentLength: part2.length,
            ChecksumCRC32: precomputed,
          }),
        ),
      );
      expect(err.name).to.equal("BadDigest");
      expect(err.$metadata?.httpStatusCode).to.equal(400);
      const changed = Buffer.from(part2);
      changed[MiB] ^= 0x01;
      expect(proxy.refused()).to.deep.equal([
        {
          operation: "UploadPart",
          bucket: BUCKET,
          key: "big.bin",
          partNumber: 2,
          algorithm: "CRC32",
          form: "header",
          expected: precomputed,
          actual: checksumOf("CRC32", changed),
          code: "BadDigest",
          message: "The CRC32 you specified did not match the calculated checksum.",
        },
      ]);
      const afterRefusal = await direct.send(new ListPartsCommand({ Bucket: BUCKET, Key: "big.bin", UploadId }));
      expect((afterRefusal.Parts ?? []).map((p) => p.PartNumber)).to.deep.equal([1]);

      // The part again from the (changed) file, the SDK computing the checksum while it streams.
      const two = await s3.send(
        new UploadPartCommand({ Bucket: BUCKET, Key: "big.bin", UploadId, PartNumber: 2, Body: createReadStream(file), ContentLength: part2.length }),
      );

      const checks = proxy.checks();
      expect(checks.map((c) => [c.partNumber, c.encoding, c.verified, c.outcome, c.bytes])).to.deep.equal([
        [1, "plain", [{ algorithm: "CRC32", form: "header" }], "forwarded", part1.length],
        [2, "plain", [{ algorithm: "CRC32", form: "header" }], "refused", part2.length],
        [2, "aws-chunked", [{ algorithm: "CRC32", form: "trailer" }], "forwarded", part2.length],
      ]);
      expect(proxy.checked()).to.equal(3);

      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: "big.bin",
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: one.ETag, ChecksumCRC32: checksumOf("CRC32", part1) },
              { PartNumber: 2, ETag: two.ETag, ChecksumCRC32: checksumOf("CRC32", changed) },
            ],
          },
        }),
      );
      expect((await read(direct, "big.bin")).equals(Buffer.concat([part1, changed]))).to.equal(true);
    });

    it("refuses a streamed part whose bytes change on the wire after the SDK computed its trailer CRC32", async () => {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: "t.bin", ChecksumAlgorithm: "CRC32" }));
      const file = join(dir, "trailer.bin");
      const data = bytes(200_000, 10);
      await writeFile(file, data);
      const corrupting = ctx.makeClients({ endpoint: proxy.endpoint }).s3;
      corruptBodyAt(corrupting, 1000); // inside the first chunk's data, past its "<hex size>\r\n" line
      const err = await failure(
        corrupting.send(
          new UploadPartCommand({ Bucket: BUCKET, Key: "t.bin", UploadId, PartNumber: 1, Body: createReadStream(file), ContentLength: data.length }),
        ),
      );
      expect(err.name).to.equal("BadDigest");
      const [refusal] = proxy.refused();
      expect(refusal).to.include({ partNumber: 1, algorithm: "CRC32", form: "trailer", expected: checksumOf("CRC32", data), code: "BadDigest" });
      expect(refusal?.actual).to.not.equal(refusal?.expected);
      const parts = await direct.send(new ListPartsCommand({ Bucket: BUCKET, Key: "t.bin", UploadId }));
      expect(parts.Parts ?? []).to.deep.equal([]);
    });
  });

  describe("requests without a checksum", () => {
    it("forwards an upload without any checksum to the emulator and does not count it", async () => {
      // WHEN_REQUIRED: the SDK adds no checksum to PutObject (the default, WHEN_SUPPORTED, adds CRC32).
      const plain = new S3Client({
        region: "us-east-1",
        endpoint: proxy.endpoint,
        forcePathStyle: true,
        credentials: DUMMY_CREDENTIALS,
        maxAttempts: 1,
        requestChecksumCalculation: "WHEN_REQUIRED",
      });
      try {
        const body = bytes(300_000, 11);
        await plain.send(new PutObjectCommand({ Bucket: BUCKET, Key: "plain.bin", Body: body }));
        expect((await read(plain, "plain.bin")).equals(body)).to.equal(true);
        expect(proxy.checked()).to.equal(0);
        expect(proxy.checks()).to.deep.equal([]);
        expect(proxy.passedThrough()).to.be.greaterThan(0);
        expect((await read(direct, "plain.bin")).equals(body)).to.equal(true);
      } finally {
        plain.destroy();
      }
    });

    it("passes the request's method, path, headers and body, and the answer, through unchanged", async () => {
      const seen: { method?: string; url?: string; rawHeaders: string[]; body: Buffer }[] = [];
      const recorder = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
          seen.push({ method: req.method, url: req.url, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
          res.writeHead(207, "Multi-Whatever", { "X-Recorder": "yes", "Content-Type": "text/odd" });
          res.end("answer body");
        });
      });
      await new Promise<void>((r) => recorder.listen(0, "127.0.0.1", () => r()));
      const through = await startS3ChecksumCheck({ upstream: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}` });
      try {
        const body = bytes(200_000, 12);
        const headers = ["Host", "example", "X-Amz-Meta-Thing", "a b", "content-length", String(body.length), "X-Odd-Case", "1"];
        const answer = await new Promise<{ status?: number; message?: string; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
          const req = httpRequest(`${through.endpoint}/${BUCKET}/some%20key?x-id=PutObject`, { method: "PUT", headers }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode, message: res.statusMessage, headers: res.headers, body: text }));
          });
          req.on("error", reject);
          req.end(body);
        });
        expect(answer).to.deep.include({ status: 207, message: "Multi-Whatever", body: "answer body" });
        expect(answer.headers).to.include({ "x-recorder": "yes", "content-type": "text/odd" });
        expect(seen).to.have.length(1);
        expect(seen[0]).to.include({ method: "PUT", url: `/${BUCKET}/some%20key?x-id=PutObject` });
        // Connection is hop-by-hop: each side's Node agent sets its own (keep-alive).
        expect(seen[0]!.rawHeaders).to.deep.equal([...headers, "Connection", "keep-alive"]);
        expect(seen[0]!.body.equals(body)).to.equal(true);
        expect(through.checked()).to.equal(0);
        expect(through.passedThrough()).to.equal(1);
      } finally {
        await through.stop();
        recorder.closeAllConnections();
        await new Promise<void>((r) => recorder.close(() => r()));
      }
    });
  });
});
