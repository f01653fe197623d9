/**
 * The upload engine (services/part-upload.ts, file-parts.ts, chunk-reader.ts) on an in-memory S3;
 * part-upload.test.ts runs it against the emulator. The fake reads a part's body when its request
 * ends (so a buffer reused too early shows in what is stored), checks each part's CRC32 as S3 does
 * (BadDigest), and can hold calls until the test lets them go. Nothing here waits on a clock.
 */
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import { expect } from "chai";
import { crc32Base64 } from "../../services/crc32";
import { FILE_READ_BYTES, fileParts } from "../../services/file-parts";
import {
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  MAX_PARTS,
  MIN_PART_SIZE,
  type PartFiller,
  type PartSource,
  checkPartSize,
  checkQueueSize,
  uploadParts,
  uploadPreparedParts,
} from "../../services/part-upload";
import { SourceChangedError, UploadAbortedError, UploadLeftPartsError } from "../../services/storage-errors";
import { BUCKET, FakeS3, MiB, failure, producer, sha256 } from "../helpers/fake-s3";

const causeOf = (err: unknown) => (err as { cause?: unknown }).cause;

/** Parts from memory, as a test lays them out, each counting its releases. */
function memoryParts(...contents: string[]): { source: PartSource; released: number[] } {
  const released = contents.map(() => 0);
  let i = 0;
  return {
    released,
    source: {
      next: async () => {
        const at = i++;
        const text = contents[at];
        if (text === undefined) return undefined;
        const buffer = Buffer.from(text);
        return { length: buffer.length, crc32: crc32Base64(buffer), last: at === contents.length - 1, buffer, release: () => released[at]!++ };
      },
    },
  };
}

const small = { partSize: MIN_PART_SIZE, queueSize: 2 };

describe("the upload engine (in-memory S3)", () => {
  it("S3's limits and the defaults: 5 MiB parts at least, 8 MiB and 10 in flight unless asked", () => {
    expect([MAX_PARTS, MIN_PART_SIZE, DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE]).to.deep.equal([10_000, 5 * MiB, 8 * MiB, 10]);
    expect(() => checkPartSize(MIN_PART_SIZE)).to.not.throw();
    expect(() => checkPartSize(MIN_PART_SIZE - 1)).to.throw(RangeError, `partSize ${MIN_PART_SIZE - 1} is below S3's minimum of ${MIN_PART_SIZE} bytes`);
    expect(() => checkQueueSize(1)).to.not.throw();
    for (const q of [0, 1.5, Number.NaN])
      expect(() => checkQueueSize(q), String(q)).to.throw(RangeError, `queueSize must be a whole number of at least 1 (got ${q})`);
  });

  describe("from pooled buffers (uploadParts)", () => {
    it("stores exactly the bytes produced across parts, in order, each with its CRC32 and length, and reports progress after each", async () => {
      const s3 = new FakeS3();
      const size = 17 * MiB + 3;
      const body = producer(size);
      const progress: number[] = [];
      const result = await uploadParts(s3 as never, BUCKET, "personalize/a.bin", body.fill, {
        ...small,
        contentType: "text/csv",
        onProgress: (n) => progress.push(n),
      });
      expect(result).to.deep.equal({ etag: '"multipart"' });
      expect(sha256(s3.objects.get("personalize/a.bin"))).to.equal(body.sha256());
      expect(s3.names()).to.deep.equal(["CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload"]);
      expect(s3.commands[0]?.input).to.include({ Bucket: BUCKET, Key: "personalize/a.bin", ContentType: "text/csv" });
      const parts = s3.commands.filter((c) => c.name === "UploadPart").map((c) => c.input);
      expect(parts.map((p) => [p.PartNumber, p.UploadId, p.Bucket, p.Key, p["ContentLength"]])).to.deep.equal([
        [1, "upload-1", BUCKET, "personalize/a.bin", 5 * MiB],
        [2, "upload-1", BUCKET, "personalize/a.bin", 5 * MiB],
        [3, "upload-1", BUCKET, "personalize/a.bin", 5 * MiB],
        [4, "upload-1", BUCKET, "personalize/a.bin", 2 * MiB + 3],
      ]);
      expect(progress.sort((a, b) => a - b)).to.deep.equal([5 * MiB, 10 * MiB, 15 * MiB, size]);
      expect(s3.uploads.size).to.equal(0);
    });

    it("a body that ends within the first part is one PutObject; one of exactly a part is a one-part multipart upload", async () => {
      const s3 = new FakeS3();
      const body = producer(5 * MiB - 1);
      const progress: number[] = [];
      expect(await uploadParts(s3 as never, BUCKET, "personalize/s.bin", body.fill, { ...small, onProgress: (n) => progress.push(n) })).to.deep.equal({
        etag: '"put"',
      });
      expect(s3.names()).to.deep.equal(["PutObject"]);
      expect(s3.commands[0]?.input).to.not.have.property("ContentType");
      expect(progress).to.deep.equal([5 * MiB - 1]);
      expect(sha256(s3.objects.get("personalize/s.bin"))).to.equal(body.sha256());
      const exact = new FakeS3();
      const one = producer(5 * MiB);
      await uploadParts(exact as never, BUCKET, "personalize/one.bin", one.fill, { partSize: 5 * MiB, queueSize: 1 });
      expect(exact.names()).to.deep.equal(["CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]);
      expect(sha256(exact.objects.get("personalize/one.bin"))).to.equal(one.sha256());
    });

    it("an empty body is an empty object, with the content type", async () => {
      const s3 = new FakeS3();
      await uploadParts(s3 as never, BUCKET, "personalize/e.csv", async () => 0, { ...small, contentType: "text/csv" });
      expect(s3.names()).to.deep.equal(["PutObject"]);
      expect(s3.commands[0]?.input).to.include({ ChecksumCRC32: crc32Base64(Buffer.alloc(0)), ContentLength: 0 });
      expect(s3.objects.get("personalize/e.csv")).to.deep.equal(Buffer.alloc(0));
      expect(s3.contentTypes.get("personalize/e.csv")).to.equal("text/csv");
    });

    it("keeps at most queueSize parts on the wire, and refills a buffer only once its part is over", async () => {
      for (const queueSize of [1, 3]) {
        const s3 = new FakeS3();
        const held: (() => void)[] = [];
        s3.before = (name) => (name === "UploadPart" ? new Promise<void>((r) => held.push(r)) : undefined);
        const body = producer(26 * MiB);
        // The part buffers the producer is handed (each its own allocation): queueSize on the wire, one being filled.
        const buffers = new Set<ArrayBufferLike>();
        const fill = (buffer: Buffer) => {
          buffers.add(buffer.buffer);
          return body.fill(buffer);
        };
        const uploading = uploadParts(s3 as never, BUCKET, "personalize/q.bin", fill, { partSize: 5 * MiB, queueSize });
        // Newest first: a buffer refilled while its part is held would change what is stored.
        for (let done = 0; done < 6;) {
          await new Promise((r) => setImmediate(r));
          expect(s3.partsInFlight, `queueSize ${queueSize}`).to.be.at.most(queueSize);
          const release = held.pop();
          if (release) {
            release();
            done++;
          }
        }
        await uploading;
        expect(s3.peakPartsInFlight).to.equal(queueSize);
        expect(buffers.size, `queueSize ${queueSize}: part buffers allocated`).to.equal(queueSize + 1);
        expect(sha256(s3.objects.get("personalize/q.bin"))).to.equal(body.sha256());
      }
    });

    it("refuses a part size below the minimum and a bad queue size before anything is sent", async () => {
      const s3 = new FakeS3();
      expect(await failure(() => uploadParts(s3 as never, BUCKET, "k", async () => 0, { partSize: MIN_PART_SIZE - 1, queueSize: 1 }))).to.be.instanceOf(
        RangeError,
      );
      expect(await failure(() => uploadParts(s3 as never, BUCKET, "k", async () => 0, { partSize: MIN_PART_SIZE, queueSize: 0 }))).to.be.instanceOf(RangeError);
      expect(await failure(() => uploadPreparedParts(s3 as never, BUCKET, "k", memoryParts("x").source, { partSize: 1, queueSize: 1 }))).to.be.instanceOf(
        RangeError,
      );
      expect(
        await failure(() => uploadPreparedParts(s3 as never, BUCKET, "k", memoryParts("x").source, { partSize: MIN_PART_SIZE, queueSize: -1 })),
      ).to.be.instanceOf(RangeError);
      expect(s3.commands).to.deep.equal([]);
    });

    it("a producer that fails before the first part is full sends nothing", async () => {
      const s3 = new FakeS3();
      const err = await failure(() =>
        uploadParts(
          s3 as never,
          BUCKET,
          "personalize/x.bin",
          async () => {
            throw new Error("source broke");
          },
          small,
        ),
      );
      expect(err).to.be.instanceOf(UploadAbortedError);
      expect((err as Error).message).to.equal("upload of personalize/x.bin was aborted; nothing was left in the bucket (source broke)");
      expect(s3.commands).to.deep.equal([]);
    });

    it("a producer that fails after parts went up: the parts on the wire finish, then the upload is aborted", async () => {
      const s3 = new FakeS3();
      let open: () => void = () => undefined;
      const gate = new Promise<void>((r) => (open = r));
      const order: string[] = [];
      s3.before = async (name) => {
        if (name === "UploadPart") {
          await gate;
          order.push("part");
        }
        if (name === "AbortMultipartUpload") order.push("abort");
      };
      const body = producer(40 * MiB);
      // Fails while the fourth part fills, with three on the wire.
      const failing: PartFiller = async (buffer) => {
        if (body.produced() >= 16 * MiB) {
          open();
          throw new Error("source broke");
        }
        return body.fill(buffer);
      };
      const err = await failure(() => uploadParts(s3 as never, BUCKET, "personalize/x.bin", failing, { partSize: 5 * MiB, queueSize: 3 }));
      expect(err).to.be.instanceOf(UploadAbortedError);
      expect((causeOf(err) as Error).message).to.equal("source broke");
      expect(order).to.deep.equal(["part", "part", "part", "abort"]);
      expect(s3.uploads.size + s3.objects.size).to.equal(0);
    });
  });

  describe("failures (uploadPreparedParts)", () => {
    it("a part S3 refuses stops the source and aborts the upload; every part is released once", async () => {
      const s3 = new FakeS3();
      s3.before = (name, input) => {
        if (name === "UploadPart" && input.PartNumber === 2) throw Object.assign(new Error("We encountered an internal error"), { name: "InternalError" });
      };
      const { source, released } = memoryParts("a", "b", "c", "d", "e", "f");
      const err = await failure(() => uploadPreparedParts(s3 as never, BUCKET, "personalize/x.bin", source, { partSize: MIN_PART_SIZE, queueSize: 1 }));
      expect(err).to.be.instanceOf(UploadAbortedError);
      expect((err as Error).message).to.include("(We encountered an internal error)");
      expect(s3.names()).to.deep.equal(["CreateMultipartUpload", "UploadPart", "UploadPart", "AbortMultipartUpload"]);
      expect(s3.commands.at(-1)?.input).to.include({ Bucket: BUCKET, Key: "personalize/x.bin", UploadId: "upload-1" });
      expect(released.slice(0, 3)).to.deep.equal([1, 1, 1]);
      expect(released.slice(3)).to.deep.equal([0, 0, 0]);
    });

    it("a failure that is `undefined` is still a failure", async () => {
      const s3 = new FakeS3();
      s3.before = (name) => {
        if (name === "UploadPart") throw undefined;
      };
      const err = await failure(() =>
        uploadPreparedParts(s3 as never, BUCKET, "personalize/x.bin", memoryParts("a", "b").source, { partSize: MIN_PART_SIZE, queueSize: 2 }),
      );
      expect(err).to.be.instanceOf(UploadAbortedError);
      expect((err as Error).message).to.equal("upload of personalize/x.bin was aborted; nothing was left in the bucket");
      expect(s3.names()).to.not.include("CompleteMultipartUpload");
    });

    it("names the command to run when the abort fails too", async () => {
      const s3 = new FakeS3();
      s3.before = (name) => {
        if (name === "UploadPart") throw new Error("part refused");
        if (name === "AbortMultipartUpload") throw new Error("abort refused");
      };
      const err = await failure(() =>
        uploadPreparedParts(s3 as never, BUCKET, "personalize/x.bin", memoryParts("a", "b").source, { partSize: MIN_PART_SIZE, queueSize: 1 }),
      );
      expect(err).to.be.instanceOf(UploadLeftPartsError);
      expect(err).to.include({ bucket: BUCKET, key: "personalize/x.bin", uploadId: "upload-1" });
      expect((err as Error).message).to.equal(
        "upload of personalize/x.bin failed (part refused), and aborting it failed too (abort refused): parts may remain; " +
          `run aws s3api abort-multipart-upload --bucket ${BUCKET} --key personalize/x.bin --upload-id upload-1`,
      );
    });

    it("S3 refusing the upload's start, or answering without an UploadId, releases the first part and sends no part", async () => {
      const refused = new FakeS3();
      refused.before = (name) => {
        if (name === "CreateMultipartUpload") throw new Error("denied");
      };
      const first = memoryParts("a", "b");
      const err = await failure(() => uploadPreparedParts(refused as never, BUCKET, "k", first.source, small));
      expect((err as Error).message).to.equal("upload of k was aborted; nothing was left in the bucket (denied)");
      expect(first.released).to.deep.equal([1, 0]);
      expect(refused.names()).to.deep.equal(["CreateMultipartUpload"]);
      const noId = new FakeS3();
      noId.send = async () => ({});
      const second = memoryParts("a", "b");
      const err2 = await failure(() => uploadPreparedParts(noId as never, BUCKET, "k", second.source, small));
      expect((err2 as Error).message).to.equal("upload of k was aborted; nothing was left in the bucket (S3 returned no UploadId)");
      expect(second.released).to.deep.equal([1, 0]);
    });

    it("a PutObject S3 refuses is an aborted upload, and its part is released", async () => {
      const s3 = new FakeS3();
      s3.before = () => {
        throw new Error("slow down");
      };
      const one = memoryParts("only");
      const err = await failure(() => uploadPreparedParts(s3 as never, BUCKET, "k", one.source, small));
      expect((err as Error).message).to.equal("upload of k was aborted; nothing was left in the bucket (slow down)");
      expect(one.released).to.deep.equal([1]);
    });

    it("a progress callback that throws stops the upload: a multipart one is aborted, a single PutObject deleted", async () => {
      const throwing = () => {
        throw new Error("display broke");
      };
      const multi = new FakeS3();
      const err = await failure(() =>
        uploadPreparedParts(multi as never, BUCKET, "personalize/p.bin", memoryParts("a", "b", "c").source, { ...small, queueSize: 1, onProgress: throwing }),
      );
      expect((err as Error).message).to.include("(display broke)");
      expect(multi.names()).to.include("AbortMultipartUpload");
      expect(multi.names()).to.not.include("CompleteMultipartUpload");
      const single = new FakeS3();
      const err2 = await failure(() =>
        uploadPreparedParts(single as never, BUCKET, "personalize/p.csv", memoryParts("one").source, { ...small, onProgress: throwing }),
      );
      expect((err2 as Error).message).to.include("(display broke)");
      expect(single.names()).to.deep.equal(["PutObject", "DeleteObject"]);
      expect(single.commands[1]?.input).to.deep.equal({ Bucket: BUCKET, Key: "personalize/p.csv" });
      expect(single.objects.size).to.equal(0);
    });

    it("a source that fails between parts, or hands a part with no bytes, aborts", async () => {
      const s3 = new FakeS3();
      let n = 0;
      const source: PartSource = {
        next: async () => {
          if (++n === 3) throw new Error("cursor lost");
          return { length: 1, crc32: crc32Base64(Buffer.from("x")), last: false, buffer: Buffer.from("x") };
        },
      };
      const err = await failure(() => uploadPreparedParts(s3 as never, BUCKET, "k", source, small));
      expect((causeOf(err) as Error).message).to.equal("cursor lost");
      expect(s3.names()).to.deep.equal(["CreateMultipartUpload", "UploadPart", "UploadPart", "AbortMultipartUpload"]);
      const empty = new FakeS3();
      const bad: PartSource = { next: async () => ({ length: 0, crc32: "", last: false }) };
      const err2 = await failure(() => uploadPreparedParts(empty as never, BUCKET, "k", bad, small));
      expect((causeOf(err2) as Error).message).to.equal("internal error: a part with neither a buffer nor a file region");
    });

    it("uses the part's own CRC32 when S3's answer carries none", async () => {
      const s3 = new FakeS3();
      s3.omitPartChecksum = true;
      await uploadPreparedParts(s3 as never, BUCKET, "k", memoryParts("ab", "cd").source, small);
      expect(s3.objects.get("k")?.toString()).to.equal("abcd");
    });

    it("refuses a body that needs more than 10,000 parts, and aborts", async () => {
      const s3 = new FakeS3();
      s3.keepBytes = false;
      const x = Buffer.from("x");
      let released = 0;
      const endless: PartSource = { next: async () => ({ length: 1, crc32: crc32Base64(x), last: false, buffer: x, release: () => released++ }) };
      const err = await failure(() => uploadPreparedParts(s3 as never, BUCKET, "personalize/huge.bin", endless, { partSize: 5 * MiB, queueSize: 4 }));
      expect(err).to.be.instanceOf(UploadAbortedError);
      expect((err as Error).message).to.include(`(the body needs more than S3's 10000 parts of ${5 * MiB} bytes: use a larger partSize)`);
      expect(s3.commands.filter((c) => c.name === "UploadPart")).to.have.length(10_000);
      expect(released).to.equal(10_001);
      expect(s3.names().at(-1)).to.equal("AbortMultipartUpload");
    });

    it("an abort signal stops the upload: before it starts, or mid-way once the parts on the wire finish", async () => {
      const before = new AbortController();
      before.abort(new Error("user pressed ^C"));
      const s3 = new FakeS3();
      const err = await failure(() => uploadPreparedParts(s3 as never, BUCKET, "k", memoryParts("a", "b").source, { ...small, signal: before.signal }));
      expect((causeOf(err) as Error).message).to.equal("user pressed ^C");
      expect(s3.commands).to.deep.equal([]);

      const during = new AbortController();
      const mid = new FakeS3();
      let held: () => void = () => undefined;
      mid.before = (name, input) => {
        if (name === "UploadPart" && input.PartNumber === 2) {
          during.abort("no reason object");
          return new Promise<void>((r) => (held = r));
        }
      };
      const uploading = failure(() =>
        uploadPreparedParts(mid as never, BUCKET, "k", memoryParts("a", "b", "c", "d").source, { ...small, signal: during.signal }),
      );
      await new Promise((r) => setImmediate(r));
      expect(mid.names()).to.not.include("AbortMultipartUpload");
      held();
      const err2 = await uploading;
      expect((causeOf(err2) as Error).message).to.equal("upload aborted");
      expect(mid.names()).to.deep.equal(["CreateMultipartUpload", "UploadPart", "UploadPart", "AbortMultipartUpload"]);
      // A single PutObject is not sent once aborted either.
      const single = new FakeS3();
      const late = new AbortController();
      const oneShot: PartSource = {
        next: async () => {
          late.abort();
          return { length: 1, crc32: crc32Base64(Buffer.from("x")), last: true, buffer: Buffer.from("x") };
        },
      };
      expect(await failure(() => uploadPreparedParts(single as never, BUCKET, "k", oneShot, { ...small, signal: late.signal }))).to.be.instanceOf(
        UploadAbortedError,
      );
      expect(single.commands).to.deep.equal([]);
    });
  });

  describe("from a file (fileParts)", () => {
    const dir = mkdtempSync(join(tmpdir(), "roadmapx-file-parts-"));

    async function withFile<T>(
      name: string,
      content: Buffer | string,
      run: (file: Awaited<ReturnType<typeof open>>, path: string, size: number) => Promise<T>,
    ): Promise<T> {
      const path = join(dir, name);
      writeFileSync(path, content);
      const file = await open(path, "r");
      try {
        return await run(file, path, (await file.stat()).size);
      } finally {
        await file.close();
      }
    }

    it("sends each region from the file with its CRC32, after the inspector saw every byte in 1 MiB reads", async () => {
      const content = Buffer.alloc(11 * MiB + 5, 1);
      for (let i = 0; i < content.length; i += 4099) content[i] = i % 251;
      const seen: [number, boolean][] = [];
      const s3 = new FakeS3();
      await withFile("f.bin", content, (file, path, size) =>
        uploadPreparedParts(
          s3 as never,
          BUCKET,
          "models/f.bin",
          fileParts({ file, path, size, partSize: 5 * MiB, inspect: (b, last) => seen.push([b.length, last]) }),
          small,
        ),
      );
      expect(s3.objects.get("models/f.bin")?.equals(content)).to.equal(true);
      expect(s3.commands.filter((c) => c.name === "UploadPart").map((c) => c.input["ContentLength"])).to.deep.equal([5 * MiB, 5 * MiB, MiB + 5]);
      expect(FILE_READ_BYTES).to.equal(MiB);
      expect(seen.map(([n]) => n).reduce((a, b) => a + b, 0)).to.equal(content.length);
      expect(Math.max(...seen.map(([n]) => n))).to.equal(MiB);
      expect(seen.filter(([, last]) => last)).to.deep.equal([[5, true]]);
      expect(seen.at(-1)).to.deep.equal([5, true]);
    });

    it("a small file is one PutObject from the file; an empty one an empty object, the inspector told once", async () => {
      const s3 = new FakeS3();
      const seen: [number, boolean][] = [];
      await withFile("s.csv", "a,b\n", (file, path, size) =>
        uploadPreparedParts(
          s3 as never,
          BUCKET,
          "personalize/s.csv",
          fileParts({ file, path, size, partSize: 5 * MiB, inspect: (b, l) => seen.push([b.length, l]) }),
          small,
        ),
      );
      expect(s3.objects.get("personalize/s.csv")?.toString()).to.equal("a,b\n");
      expect(s3.commands[0]?.input.Body).to.be.instanceOf(Readable);
      expect(seen).to.deep.equal([[4, true]]);
      const empty = new FakeS3();
      const told: [number, boolean][] = [];
      await withFile("e.csv", "", (file, path, size) =>
        uploadPreparedParts(
          empty as never,
          BUCKET,
          "personalize/e.csv",
          fileParts({ file, path, size, partSize: 5 * MiB, inspect: (b, l) => told.push([b.length, l]) }),
          small,
        ),
      );
      expect(empty.names()).to.deep.equal(["PutObject"]);
      expect(empty.objects.get("personalize/e.csv")).to.deep.equal(Buffer.alloc(0));
      expect(told).to.deep.equal([[0, true]]);
      await withFile("e2.csv", "", async (file, path) => {
        const parts = fileParts({ file, path, size: 0, partSize: 5 * MiB });
        expect(await parts.next()).to.equal(undefined);
        expect(await parts.next()).to.equal(undefined);
      });
    });

    it("refuses a file that shrinks or grows while its regions are read", async () => {
      const grown = await withFile("grow.csv", Buffer.alloc(6 * MiB, 65), async (file, path, size) => {
        appendFileSync(path, "more");
        return failure(() => uploadPreparedParts(new FakeS3() as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), small));
      });
      expect(causeOf(grown)).to.be.instanceOf(SourceChangedError);
      expect((causeOf(grown) as Error).message).to.equal(
        `${join(dir, "grow.csv")} changed while it was being uploaded (it grew past the ${6 * MiB} bytes it had); nothing was left in the bucket: upload it again once it is complete`,
      );
      const shrunk = await withFile("shrink.csv", Buffer.alloc(6 * MiB, 65), async (file, path, size) => {
        const { truncateSync } = await import("node:fs");
        truncateSync(path, 5 * MiB + 10);
        return failure(() => uploadPreparedParts(new FakeS3() as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), small));
      });
      expect((causeOf(shrunk) as Error).message).to.include(`(it is now shorter than the ${6 * MiB} bytes it had)`);
    });

    it("a region that changed after it was read is refused by its checksum: SourceChangedError, nothing left", async () => {
      const s3 = new FakeS3();
      let changed = false;
      s3.before = (name, input) => {
        if (name === "UploadPart" && input.PartNumber === 1 && !changed) {
          changed = true;
          const fd = require("node:fs").openSync(join(dir, "change.bin"), "r+");
          require("node:fs").writeSync(fd, Buffer.from("CHANGED"), 0, 7, 100);
          require("node:fs").closeSync(fd);
        }
      };
      const err = await withFile("change.bin", Buffer.alloc(6 * MiB, 66), (file, path, size) =>
        failure(() =>
          uploadPreparedParts(s3 as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), { ...small, sleep: async () => undefined }),
        ),
      );
      expect(causeOf(err)).to.be.instanceOf(SourceChangedError);
      expect((causeOf(err) as Error).message).to.include(
        "(S3 refused part 1 (BadDigest): its bytes are no longer the ones read and checked before it was sent)",
      );
      expect(s3.names().at(-1)).to.equal("AbortMultipartUpload");
      // A PutObject from a file, too.
      const put = new FakeS3();
      put.before = () => {
        const fd = require("node:fs").openSync(join(dir, "put.csv"), "r+");
        require("node:fs").writeSync(fd, Buffer.from("Z"), 0, 1, 0);
        require("node:fs").closeSync(fd);
      };
      const err2 = await withFile("put.csv", "abc\n", (file, path, size) =>
        failure(() => uploadPreparedParts(put as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), small)),
      );
      expect((causeOf(err2) as Error).message).to.include("S3 refused part 1 (BadDigest)");
      // A buffered part's BadDigest is S3's error as it is (nothing was read from a file).
      const buffered = new FakeS3();
      buffered.before = () => {
        throw Object.assign(new Error("bad"), { name: "BadDigest" });
      };
      const err3 = await failure(() => uploadPreparedParts(buffered as never, BUCKET, "k", memoryParts("x").source, small));
      expect(causeOf(err3)).to.not.be.instanceOf(SourceChangedError);
      expect((causeOf(err3) as Error).name).to.equal("BadDigest");
      for (const name of ["InvalidDigest", "XAmzContentChecksumMismatch"]) {
        const s = new FakeS3();
        s.before = () => {
          throw Object.assign(new Error("bad"), { name });
        };
        const e = await withFile("digest.csv", "abc\n", (file, path, size) =>
          failure(() =>
            uploadPreparedParts(s as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), { ...small, sleep: async () => undefined }),
          ),
        );
        expect(causeOf(e), name).to.be.instanceOf(SourceChangedError);
      }
    });

    it("retries a file part itself on throttling, 5xx or a reset, with a capped back-off, up to the client's attempts", async () => {
      const s3 = new FakeS3();
      const failures = new Map<number, number>([
        [1, 2],
        [2, 5],
      ]);
      s3.before = (name, input) => {
        const left = failures.get(input.PartNumber ?? 0) ?? 0;
        if (name === "UploadPart" && left > 0) {
          failures.set(input.PartNumber ?? 0, left - 1);
          throw Object.assign(new Error("slow down"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } });
        }
      };
      const sleeps: number[] = [];
      const err = await withFile("retry.bin", Buffer.alloc(6 * MiB, 67), (file, path, size) =>
        failure(() =>
          uploadPreparedParts(s3 as never, BUCKET, "models/r.bin", fileParts({ file, path, size, partSize: 5 * MiB }), {
            ...small,
            queueSize: 1,
            sleep: async (ms) => {
              sleeps.push(ms);
            },
          }),
        ),
      );
      // Part 1: two failures, then it goes up; part 2 fails its three attempts.
      expect(s3.commands.filter((c) => c.name === "UploadPart").map((c) => c.input.PartNumber)).to.deep.equal([1, 1, 1, 2, 2, 2]);
      expect((causeOf(err) as Error).message).to.equal("slow down");
      expect(sleeps).to.have.length(4);
      for (const [i, ms] of sleeps.entries()) {
        const base = [100, 200, 100, 200][i] as number;
        expect(ms, `sleep ${i}`)
          .to.be.at.least(base / 2)
          .and.at.most(base);
      }
      // Not what the request got wrong, and never a buffered part (the SDK retries those itself).
      const s4 = new FakeS3();
      s4.before = () => {
        throw Object.assign(new Error("no"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } });
      };
      await withFile("denied.bin", "abc\n", (file, path, size) =>
        failure(() =>
          uploadPreparedParts(s4 as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), { ...small, sleep: async () => undefined }),
        ),
      );
      expect(s4.names()).to.deep.equal(["PutObject"]);
      const s5 = new FakeS3();
      s5.before = () => {
        throw Object.assign(new Error("slow down"), { name: "SlowDown", $metadata: { httpStatusCode: 503 } });
      };
      await failure(() => uploadPreparedParts(s5 as never, BUCKET, "k", memoryParts("x").source, { ...small, sleep: async () => undefined }));
      expect(s5.names()).to.deep.equal(["PutObject"]);
    });

    it("caps the back-off at 20 s", async () => {
      const s3 = new FakeS3();
      (s3.config as { maxAttempts: () => Promise<number> }).maxAttempts = async () => 12;
      s3.before = () => {
        throw Object.assign(new Error("reset"), { code: "ECONNRESET" });
      };
      const sleeps: number[] = [];
      await withFile("cap.csv", "abc\n", (file, path, size) =>
        failure(() =>
          uploadPreparedParts(s3 as never, BUCKET, "k", fileParts({ file, path, size, partSize: 5 * MiB }), {
            ...small,
            sleep: async (ms) => void sleeps.push(ms),
          }),
        ),
      );
      expect(sleeps).to.have.length(11);
      expect(Math.max(...sleeps))
        .to.be.at.most(20_000)
        .and.at.least(10_000);
      expect(sleeps.slice(-3).every((ms) => ms >= 10_000)).to.equal(true);
    });
  });

  it("a checksum is the big-endian CRC32 in base64", () => {
    const bytes = Buffer.from("hello, world");
    const value = crc32(bytes);
    const expected = Buffer.alloc(4);
    expected.writeUInt32BE(value);
    expect(crc32Base64(bytes)).to.equal(expected.toString("base64"));
    expect(crc32Base64(Buffer.alloc(0))).to.equal("AAAAAA==");
  });
});
