import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type ServiceInputTypes as S3Input,
  type ServiceOutputTypes as S3Output,
} from "@aws-sdk/client-s3";
import type { FinalizeRequestMiddleware } from "@smithy/types";
import { expect } from "chai";
import { byCommand, injectFaults } from "../helpers/faults";
import { AiStorage, KeyError, UploadAbortedError, aiKey, assertAiKey } from "../../services/storage";
import { useEmulator } from "../helpers/emulator";
import { startS3ChecksumCheck } from "../helpers/s3-checksum-check";
import { SourceChangedError } from "../../services/storage-errors";

const BUCKET = "roadmapx-files";
const MiB = 1024 * 1024;

/** A deterministic stream of `bytes` bytes; `failAt` makes it error after that many bytes. */
function generated(bytes: number, failAt?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAt !== undefined && sent >= failAt) {
        this.destroy(new Error("the source broke mid-stream"));
        return;
      }
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const size = Math.min(256 * 1024, bytes - sent);
      const chunk = Buffer.alloc(size, String.fromCharCode(97 + ((sent / (256 * 1024)) % 26)));
      sent += size;
      this.push(chunk);
    },
  });
}

async function sha256(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return hash.digest("hex");
}

describe("AI storage (against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();
  let storage: AiStorage;

  beforeEach(async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    storage = new AiStorage(ctx.clients, BUCKET);
  });

  async function leftovers(): Promise<{ objects: string[]; uploads: number }> {
    const objects = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const uploads = await ctx.clients.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    return { objects: (objects.Contents ?? []).map((o) => o.Key ?? ""), uploads: uploads.Uploads?.length ?? 0 };
  }

  describe("keys", () => {
    it("builds keys under the AI prefixes, with sub-paths", () => {
      expect(aiKey("personalize", "datasets", "interactions.csv")).to.equal("personalize/datasets/interactions.csv");
      expect(aiKey("training", "churn/v1/train.csv")).to.equal("sagemaker/training/churn/v1/train.csv");
      expect(aiKey("models", "job-1")).to.equal("models/job-1");
    });

    const bad: [string, () => unknown, RegExp][] = [
      ["..", () => aiKey("personalize", "../user-uploads/x"), /must not climb out of their prefix/],
      ["an absolute part", () => aiKey("personalize", "/etc/passwd"), /is absolute/],
      ["an empty key", () => aiKey("models"), /needs a name after the prefix/],
      ["an empty segment", () => aiKey("models", "a//b"), /empty segment/],
      ["a control character", () => aiKey("models", "a\nb"), /control character/],
      ["a key too long for S3", () => aiKey("models", "x".repeat(1100)), /longer than S3's 1024 bytes/],
      ["user-uploads/", () => assertAiKey("user-uploads/photo.png"), /belongs to the application: the AI side never writes there/],
      [
        "a key outside every prefix",
        () => assertAiKey("data.csv"),
        /not under an AI prefix \(personalize\/, sagemaker\/training\/, models\/, comprehend\/input\/, comprehend\/output\/, sagemaker\/transform\/input\/, sagemaker\/transform\/output\/\)/,
      ],
    ];
    for (const [what, build, message] of bad) {
      it(`refuses ${what}`, () => {
        expect(build).to.throw(KeyError, message);
      });
    }
  });

  it("streams a large body as a multipart upload, reporting progress, and downloads it as a stream", async () => {
    const size = 23 * MiB;
    const progress: number[] = [];
    const result = await storage.upload("personalize/big.csv", generated(size), {
      partSize: 5 * MiB,
      queueSize: 2,
      onProgress: (p) => progress.push(p.loaded),
    });
    expect(result).to.include({ bucket: BUCKET, key: "personalize/big.csv", uri: "s3://roadmapx-files/personalize/big.csv" });
    expect(result.etag).to.match(/-5"?$/); // five parts: 4 × 5 MiB + 3 MiB
    const head = await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "personalize/big.csv" }));
    expect(head.ContentLength).to.equal(size);
    expect(progress.at(-1)).to.equal(size);
    expect([...progress].sort((a, b) => a - b)).to.deep.equal(progress);
    expect(await sha256(await storage.download("personalize/big.csv"))).to.equal(await sha256(generated(size)));
  });

  it("a source that fails mid-stream leaves nothing: no object, no multipart parts", async () => {
    let caught: unknown;
    try {
      await storage.upload("personalize/broken.csv", generated(30 * MiB, 12 * MiB), { partSize: 5 * MiB });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UploadAbortedError);
    expect(String(caught)).to.match(/upload of personalize\/broken\.csv was aborted; nothing was left in the bucket \(the source broke mid-stream\)/);
    expect(await leftovers()).to.deep.equal({ objects: [], uploads: 0 });
  });

  it("an abort signal mid-upload stops it and removes the parts already sent", async () => {
    const controller = new AbortController();
    let caught: unknown;
    try {
      await storage.upload("models/aborted.bin", generated(40 * MiB), {
        partSize: 5 * MiB,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.loaded >= 10 * MiB) controller.abort(new Error("stopped by the caller"));
        },
      });
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.match(/upload of models\/aborted\.bin was aborted; nothing was left in the bucket \(stopped by the caller\)/);
    expect(await leftovers()).to.deep.equal({ objects: [], uploads: 0 });
  });

  it("rides out throttling and 5xx on parts (fault injection), with retries", async () => {
    const clients = ctx.makeClients({ maxAttempts: 3, retryMode: "standard" });
    const faults = injectFaults(clients.s3, byCommand("UploadPartCommand", { 1: { kind: "throttle" }, 3: { kind: "status", status: 503 } }));
    const result = await new AiStorage(clients, BUCKET).upload("sagemaker/training/retry.csv", generated(12 * MiB), { partSize: 5 * MiB, queueSize: 1 });
    expect(result.key).to.equal("sagemaker/training/retry.csv");
    expect(faults.injected.map((i) => i.fault.kind)).to.deep.equal(["throttle", "status"]);
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "sagemaker/training/retry.csv" }));
    expect(head.ContentLength).to.equal(12 * MiB);
  });

  it("gives up on a part that keeps failing, and leaves nothing behind", async () => {
    const clients = ctx.makeClients({ maxAttempts: 2, retryMode: "standard" });
    injectFaults(clients.s3, (r) => (r.command === "UploadPartCommand" && r.attempt > 2 ? { kind: "status", status: 500 } : undefined));
    let caught: unknown;
    try {
      await new AiStorage(clients, BUCKET).upload("personalize/doomed.csv", generated(16 * MiB), { partSize: 5 * MiB, queueSize: 1 });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(UploadAbortedError);
    expect(await leftovers()).to.deep.equal({ objects: [], uploads: 0 });
  });

  describe("a file ({ path }) is sent from the file, region by region", () => {
    const dir = mkdtempSync(join(tmpdir(), "roadmapx-storage-"));
    /** Deterministic, different bytes in every MiB, so a part sent from the wrong region shows. */
    function writeFile(name: string, bytes: number): { path: string; sha256: string } {
      const data = Buffer.alloc(bytes);
      for (let i = 0; i < bytes; i += 4) data.writeUInt32BE((i * 2_654_435_761) >>> 0, Math.min(i, bytes - 4));
      const path = join(dir, name);
      writeFileSync(path, data);
      return { path, sha256: createHash("sha256").update(data).digest("hex") };
    }
    /** What each UploadPart carried: a stream or a buffer, its length, its checksum. */
    function recordParts(clients: ReturnType<typeof ctx.makeClients>) {
      const parts: { body: "stream" | "buffer"; length: number | undefined; crc32: string | undefined }[] = [];
      clients.s3.middlewareStack.add(
        (next, c) => async (args) => {
          if (c.commandName === "UploadPartCommand") {
            const input = args.input as { Body: unknown; ContentLength?: number; ChecksumCRC32?: string };
            parts.push({ body: input.Body instanceof Readable ? "stream" : "buffer", length: input.ContentLength, crc32: input.ChecksumCRC32 });
          }
          return next(args);
        },
        { step: "initialize", name: "recordParts" },
      );
      return parts;
    }

    it("stores exactly the file, each part a stream of its region with its length and CRC32", async () => {
      const clients = ctx.makeClients();
      const parts = recordParts(clients);
      const file = writeFile("regions.bin", 21 * MiB + 123);
      const progress: number[] = [];
      const result = await new AiStorage(clients, BUCKET).upload(
        "sagemaker/training/regions.bin",
        { path: file.path },
        {
          partSize: 5 * MiB,
          queueSize: 3,
          onProgress: (p) => progress.push(p.loaded),
        },
      );
      expect(result.uri).to.equal(`s3://${BUCKET}/sagemaker/training/regions.bin`);
      expect(await sha256(await storage.download("sagemaker/training/regions.bin"))).to.equal(file.sha256);
      expect(parts.map((p) => p.body)).to.deep.equal(["stream", "stream", "stream", "stream", "stream"]);
      expect(parts.map((p) => p.length).sort()).to.deep.equal([5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB, MiB + 123].sort());
      expect(parts.every((p) => /^[A-Za-z0-9+/]{6}==$/.test(p.crc32 ?? ""))).to.equal(true);
      expect(progress.at(-1)).to.equal(21 * MiB + 123);
      clients.destroy();
    });

    it("a retried part is read again from the file (a stream can be read once)", async () => {
      const clients = ctx.makeClients({ maxAttempts: 3, retryMode: "standard" });
      const faults = injectFaults(clients.s3, byCommand("UploadPartCommand", { 2: { kind: "status", status: 503 } }));
      const file = writeFile("retried.bin", 11 * MiB);
      await new AiStorage(clients, BUCKET).upload("sagemaker/training/retried.bin", { path: file.path }, { partSize: 5 * MiB, queueSize: 1 });
      expect(faults.injected.map((i) => i.request.command)).to.deep.equal(["UploadPartCommand"]);
      expect(await sha256(await storage.download("sagemaker/training/retried.bin"))).to.equal(file.sha256);
      clients.destroy();
    });

    it("an empty file and a file smaller than a part go up in one PutObject", async () => {
      for (const [name, bytes] of [
        ["empty.bin", 0],
        ["small.bin", 1000],
      ] as const) {
        const file = writeFile(name, bytes);
        await storage.upload(`models/${name}`, { path: file.path });
        const head = await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `models/${name}` }));
        expect(head.ContentLength, name).to.equal(bytes);
      }
    });

    it("a region whose bytes change after they were read is refused by S3's checksum check: SourceChangedError, nothing left", async () => {
      // moto accepts any checksum: the checker in front of it refuses a mismatch as S3 does (BadDigest).
      const checker = await startS3ChecksumCheck({ upstream: ctx.emulator.endpoint });
      try {
        const clients = ctx.makeClients({ endpoint: checker.endpoint, maxAttempts: 3, retryMode: "standard" });
        const file = writeFile("changing.bin", 16 * MiB);
        // Part 2's region is read (its CRC32 computed) before part 2 is sent; change one byte in it just then.
        clients.s3.middlewareStack.add(
          (next, c) => async (args) => {
            if (c.commandName === "UploadPartCommand" && (args.input as { PartNumber: number }).PartNumber === 2) {
              const handle = openSync(file.path, "r+");
              writeSync(handle, Buffer.from([0xff]), 0, 1, 6 * MiB);
              closeSync(handle);
            }
            return next(args);
          },
          { step: "initialize", name: "changeRegionTwo" },
        );
        let caught: unknown;
        try {
          await new AiStorage(clients, BUCKET).upload("sagemaker/training/changing.bin", { path: file.path }, { partSize: 5 * MiB, queueSize: 1 });
        } catch (err) {
          caught = err;
        }
        expect(caught).to.be.instanceOf(UploadAbortedError);
        const cause = (caught as Error).cause as Error;
        expect(cause).to.be.instanceOf(SourceChangedError);
        expect(cause.message).to.match(
          /changing\.bin changed while it was being uploaded \(S3 refused part 2 \(BadDigest\): its bytes are no longer the ones read/,
        );
        expect(checker.refused().map((r) => r.partNumber)).to.deep.equal([2], "refused once: a checksum mismatch is not retried");
        expect(await leftovers()).to.deep.equal({ objects: [], uploads: 0 });
        clients.destroy();
      } finally {
        await checker.stop();
      }
    });

    it("a missing file is refused before anything is sent", async () => {
      let caught: unknown;
      try {
        await storage.upload("models/missing.bin", { path: join(dir, "no-such-file") });
      } catch (err) {
        caught = err;
      }
      expect((caught as NodeJS.ErrnoException).code).to.equal("ENOENT");
      expect(await leftovers()).to.deep.equal({ objects: [], uploads: 0 });
    });
  });

  it("accepts the deprecated collectGarbageEveryBytes and stores the same bytes (nothing to collect any more)", async () => {
    const size = 21 * MiB;
    await storage.upload("models/collected.bin", generated(size), { partSize: 5 * MiB, collectGarbageEveryBytes: 5 * MiB });
    expect(await sha256(await storage.download("models/collected.bin"))).to.equal(await sha256(generated(size)));
  });

  it("sends parts with a CRC32 checksum and UNSIGNED-PAYLOAD (no SHA-256 pass), whole objects still hashed", async () => {
    const clients = ctx.makeClients();
    const sent: { command: string; sha256: string; crc32: string | undefined }[] = [];
    const record: FinalizeRequestMiddleware<S3Input, S3Output> = (next, context) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      sent.push({ command: context.commandName ?? "", sha256: headers["x-amz-content-sha256"] ?? "", crc32: headers["x-amz-checksum-crc32"] });
      return next(args);
    };
    clients.s3.middlewareStack.addRelativeTo(record, { relation: "after", toMiddleware: "httpSigningMiddleware", name: "recordSignedHeaders" });
    const parted = new AiStorage(clients, BUCKET);
    await parted.upload("models/unsigned.bin", generated(11 * MiB), { partSize: 5 * MiB });
    expect(await sha256(await parted.download("models/unsigned.bin"))).to.equal(await sha256(generated(11 * MiB)));
    await parted.upload("personalize/small.txt", "hello");
    const parts = sent.filter((s) => s.command === "UploadPartCommand");
    expect(parts).to.have.length(3);
    for (const part of parts) {
      expect(part.sha256).to.equal("UNSIGNED-PAYLOAD");
      expect(part.crc32).to.match(/^[A-Za-z0-9+/]{6}==$/);
    }
    const put = sent.find((s) => s.command === "PutObjectCommand");
    expect(put?.sha256).to.equal(createHash("sha256").update("hello").digest("hex"));

    // The opt-out, for buckets whose policy denies unsigned payloads.
    const signing = ctx.makeClients({ signPartPayloads: true });
    sent.length = 0;
    signing.s3.middlewareStack.addRelativeTo(record, { relation: "after", toMiddleware: "httpSigningMiddleware", name: "recordSignedHeaders" });
    await new AiStorage(signing, BUCKET).upload("models/signed.bin", generated(6 * MiB), { partSize: 5 * MiB });
    const signedParts = sent.filter((s) => s.command === "UploadPartCommand");
    expect(signedParts).to.have.length(2);
    for (const part of signedParts) expect(part.sha256).to.match(/^[0-9a-f]{64}$/);
  });

  it("small bodies (string, Buffer) go up in one request", async () => {
    await storage.upload("personalize/small.csv", "USER_ID,ITEM_ID,TIMESTAMP\n", { contentType: "text/csv" });
    await storage.upload("personalize/small.bin", Buffer.from([1, 2, 3]));
    const head = await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "personalize/small.csv" }));
    expect(head.ContentType).to.equal("text/csv");
    expect(await storage.exists("personalize/small.bin")).to.equal(true);
    await storage.delete("personalize/small.bin");
    expect(await storage.exists("personalize/small.bin")).to.equal(false);
  });

  it("refuses to write under user-uploads/ before sending anything", async () => {
    let caught: unknown;
    try {
      await storage.upload("user-uploads/evil.csv", "x");
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(KeyError);
    expect((await leftovers()).objects).to.deep.equal([]);
  });

  it("checks the key at every entry point: exists, download and delete refuse user-uploads/ and ..", async () => {
    for (const [what, call] of [
      ["exists", (key: string) => storage.exists(key)],
      ["download", (key: string) => storage.download(key)],
      ["delete", (key: string) => storage.delete(key)],
    ] as const) {
      for (const key of ["user-uploads/x", "models/../user-uploads/x"]) {
        let caught: unknown;
        try {
          await call(key);
        } catch (err) {
          caught = err;
        }
        expect(caught, `${what}(${key})`).to.be.instanceOf(KeyError);
      }
    }
  });
});
