/**
 * The pooled-buffer multipart upload behind the validated import (services/part-upload.ts), against
 * the emulator's S3: what goes up is exactly what was produced, buffers are reused only after their
 * part is over, and every failure leaves nothing behind.
 * (Over 350 lines: every failure mode of the upload engine, each self-contained against the emulator.)
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  createReadStream,
  createWriteStream,
  mkdtempSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { byCommand, injectFaults } from "../helpers/faults";
import type { AwsClients } from "../../services/aws/clients";
import { resolveRuntimeConfig } from "../../core/runtime-config";
import { silentLogger, type ServiceContext } from "../../services/context";
import { MAX_PARTS, type PartFiller, uploadParts } from "../../services/part-upload";
import { ImportValidationError, builtinSchema, uploadValidated } from "../../services/personalize";
import { SourceChangedError } from "../../services/personalize/errors";
import { partSizeFor } from "../../services/personalize/upload";
import { AiStorage, UploadAbortedError } from "../../services/storage";
import { UploadLeftPartsError } from "../../services/storage-errors";
import { interactionsCsv as csv } from "../helpers/csv-rows";
import { useEmulator } from "../helpers/emulator";
import { startS3ChecksumCheck } from "../helpers/s3-checksum-check";

const BUCKET = "roadmapx-files";
const MiB = 1024 * 1024;

/** A deterministic body of `size` bytes, produced in uneven slices the way a source would. */
function producer(size: number, seed = 7): { fill: PartFiller; sha256: () => string; calls: () => number; produced: () => number } {
  const hash = createHash("sha256");
  let produced = 0;
  let calls = 0;
  let state = seed;
  return {
    fill: async (buffer) => {
      calls++;
      const length = Math.min(buffer.length, size - produced, 300_000 + (calls % 7) * 123_457);
      for (let i = 0; i < length; i++) {
        state = (state * 1_103_515_245 + 12_345) >>> 0;
        buffer[i] = state >>> 24;
      }
      hash.update(buffer.subarray(0, length));
      produced += length;
      return length;
    },
    sha256: () => hash.digest("hex"),
    calls: () => calls,
    produced: () => produced,
  };
}

/** The error `run` fails with (a test fails if it does not). */
async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

describe("pooled-buffer multipart upload (services/part-upload.ts, against the emulator)", function () {
  this.timeout(60_000);
  const ctx = useEmulator();

  beforeEach(async () => {
    await ctx.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  /** Records the S3 commands a client sends. */
  function recording(clients: AwsClients): string[] {
    const commands: string[] = [];
    clients.s3.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(context.commandName ?? "unknown");
        return next(args);
      },
      { step: "initialize", name: "recordCommands" },
    );
    return commands;
  }

  async function bucketContents(clients = ctx.clients) {
    const objects = await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const uploads = await clients.s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    return { keys: (objects.Contents ?? []).map((o) => o.Key), uploads: uploads.Uploads?.length ?? 0 };
  }

  async function storedSha256(key: string): Promise<string> {
    const object = await ctx.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return createHash("sha256")
      .update(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())
      .digest("hex");
  }

  it("stores exactly the bytes produced, across many parts with buffers reused, reporting progress", async () => {
    const size = 23 * MiB + 12_345; // 5 parts of 5 MiB: more parts than buffers (queueSize 2 + 1)
    const body = producer(size);
    const progress: number[] = [];
    const commands = recording(ctx.clients);
    // Each part waits 150 ms before its bytes go on the wire: a buffer refilled while its part
    // waits would change what is stored (reusing the buffer just sent does exactly that).
    ctx.clients.s3.middlewareStack.add(
      (next, c) => async (args) => {
        if (c.commandName === "UploadPartCommand") await new Promise((r) => setTimeout(r, 150));
        return next(args);
      },
      { step: "finalizeRequest", name: "slowParts" },
    );
    await uploadParts(ctx.clients.s3, BUCKET, "personalize/many.bin", body.fill, { partSize: 5 * MiB, queueSize: 2, onProgress: (n) => progress.push(n) });
    expect(await storedSha256("personalize/many.bin")).to.equal(body.sha256());
    expect(commands.filter((c) => c === "UploadPartCommand")).to.have.length(5);
    expect(commands).to.include.members(["CreateMultipartUploadCommand", "CompleteMultipartUploadCommand"]);
    expect(progress).to.have.length(5);
    expect(progress.at(-1)).to.equal(size);
  });

  it("sends a body that fits in one part as a single PutObject", async () => {
    const body = producer(1 * MiB + 7);
    const commands = recording(ctx.clients);
    await uploadParts(ctx.clients.s3, BUCKET, "personalize/small.bin", body.fill, { partSize: 5 * MiB, queueSize: 2 });
    expect(commands).to.deep.equal(["PutObjectCommand"]);
    expect(await storedSha256("personalize/small.bin")).to.equal(body.sha256());
  });

  it("a producer failing after parts went up aborts the upload: no parts, no object, no more reads", async () => {
    const body = producer(40 * MiB);
    let reads = 0;
    const fill: PartFiller = async (buffer) => {
      if (++reads === 60) throw new Error("the source broke");
      return body.fill(buffer);
    };
    const commands = recording(ctx.clients);
    const caught = await failure(() => uploadParts(ctx.clients.s3, BUCKET, "personalize/broken.bin", fill, { partSize: 5 * MiB, queueSize: 2 }));
    expect(caught).to.be.instanceOf(UploadAbortedError);
    expect(String((caught as Error).cause)).to.include("the source broke");
    expect(commands.filter((c) => c === "UploadPartCommand").length).to.be.greaterThan(0);
    expect(commands[commands.length - 1]).to.equal("AbortMultipartUploadCommand");
    expect(reads).to.equal(60);
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  it("the abort waits for a part still on the wire: AbortMultipartUpload is sent only after that UploadPart returns", async () => {
    const body = producer(20 * MiB);
    const events: string[] = [];
    let releasePart: () => void = () => undefined;
    const partHeld = new Promise<void>((resolve) => (releasePart = resolve));
    const clients = ctx.makeClients({
      decorate: (client) =>
        (client as unknown as { middlewareStack: { add(m: unknown, o: object): void } }).middlewareStack.add(
          (next: (a: unknown) => Promise<unknown>, context: { commandName: string }) => async (args: unknown) => {
            if (context.commandName === "UploadPartCommand") {
              events.push("UploadPart sent");
              // The part is held on the wire until the producer has failed.
              await partHeld;
              const result = await next(args);
              events.push("UploadPart returned");
              return result;
            }
            if (context.commandName === "AbortMultipartUploadCommand") events.push("Abort sent");
            return next(args);
          },
          { step: "initialize" },
        ),
    });
    const fill: PartFiller = async (buffer) => {
      // The first part's bytes, then a failure while that part is still in flight.
      if (events.includes("UploadPart sent")) {
        setImmediate(releasePart);
        throw new Error("the source broke");
      }
      return body.fill(buffer);
    };
    const caught = await failure(() => uploadParts(clients.s3, BUCKET, "personalize/held.bin", fill, { partSize: 5 * MiB, queueSize: 2 }));
    expect(caught).to.be.instanceOf(UploadAbortedError);
    expect(events).to.deep.equal(["UploadPart sent", "UploadPart returned", "Abort sent"]);
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  it("a part S3 refuses (after the SDK's retries) aborts the upload and stops the producer", async () => {
    const clients = ctx.makeClients({ maxAttempts: 2, retryMode: "standard" });
    // Part 3's both attempts fail: a 500, then a 403 (not retryable).
    const faults = injectFaults(
      clients.s3,
      byCommand("UploadPartCommand", { 3: { kind: "status", status: 500 }, 4: { kind: "status", status: 403, code: "AccessDenied" } }),
    );
    const body = producer(60 * MiB);
    const caught = await failure(() => uploadParts(clients.s3, BUCKET, "personalize/refused.bin", body.fill, { partSize: 5 * MiB, queueSize: 1 }));
    expect(caught).to.be.instanceOf(UploadAbortedError);
    expect(faults.injected).to.have.length(2);
    // queueSize 1: parts 1-3 went up one at a time, and part 4 was filled while part 3 was refused;
    // nothing after that was read.
    expect(body.produced()).to.equal(20 * MiB);
    expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
  });

  it("says so, naming the command to run, when the abort itself fails", async () => {
    const clients = ctx.makeClients({ maxAttempts: 1 });
    const partRefused = byCommand("UploadPartCommand", { 2: { kind: "status", status: 403, code: "AccessDenied" } });
    const abortFails = byCommand("AbortMultipartUploadCommand", { 1: { kind: "status", status: 500 } });
    injectFaults(clients.s3, (request) => partRefused(request) ?? abortFails(request));
    const caught = await failure(() => uploadParts(clients.s3, BUCKET, "personalize/stuck.bin", producer(20 * MiB).fill, { partSize: 5 * MiB, queueSize: 1 }));
    expect(caught).to.be.instanceOf(UploadLeftPartsError);
    expect((caught as Error).message).to.match(
      /aborting it failed too.*: parts may remain; run aws s3api abort-multipart-upload --bucket roadmapx-files --key personalize\/stuck.bin --upload-id \S+$/,
    );
    expect((await bucketContents()).uploads).to.equal(1);
  });

  it("a progress callback that throws stops the upload like any other failure, and takes a single PutObject back", async () => {
    for (const size of [16 * MiB, MiB]) {
      const caught = await failure(() =>
        uploadParts(ctx.clients.s3, BUCKET, `personalize/progress-${size}.bin`, producer(size).fill, {
          partSize: 5 * MiB,
          queueSize: 2,
          onProgress: () => {
            throw new Error("the progress bar broke");
          },
        }),
      );
      expect(caught, `${size} bytes`).to.be.instanceOf(UploadAbortedError);
      expect(String((caught as Error).cause)).to.include("the progress bar broke");
      expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    }
  });

  it("refuses part sizes below S3's minimum and concurrency below one", async () => {
    const body = producer(1);
    for (const [options, message] of [
      [{ partSize: 4 * MiB, queueSize: 2 }, /below S3's minimum/],
      [{ partSize: 5 * MiB, queueSize: 0 }, /queueSize must be a whole number of at least 1/],
    ] as const) {
      expect(String(await failure(() => uploadParts(ctx.clients.s3, BUCKET, "personalize/x.bin", body.fill, options)))).to.match(message);
    }
    expect(body.calls()).to.equal(0);
  });

  it("grows parts for files that 10,000 parts of 8 MiB would not hold", () => {
    expect(partSizeFor(undefined)).to.equal(8 * MiB);
    expect(partSizeFor(1024 ** 3)).to.equal(8 * MiB);
    expect(partSizeFor(100 * 1024 ** 3)).to.equal(11 * MiB);
    expect(partSizeFor(100 * 1024 ** 3) * MAX_PARTS).to.be.at.least(100 * 1024 ** 3);
    expect(partSizeFor(10 * MiB, 5 * MiB)).to.equal(5 * MiB);
  });

  describe("validated import of a file (uploadValidated with { path })", () => {
    function context(clients: AwsClients = ctx.clients): ServiceContext {
      return { config: resolveRuntimeConfig({}, { S3_BUCKET_NAME: BUCKET }), clients, storage: new AiStorage(clients, BUCKET), logger: silentLogger };
    }
    const dir = mkdtempSync(join(tmpdir(), "part-upload-"));

    /** Counts the S3 commands, and the part bytes sent, of a fresh client. */
    function watched() {
      const clients = ctx.makeClients();
      const commands = recording(clients);
      let partBytes = 0;
      clients.s3.middlewareStack.add(
        (next, c) => async (args) => {
          if (c.commandName === "UploadPartCommand") partBytes += (args.input as { ContentLength: number }).ContentLength;
          return next(args);
        },
        { step: "initialize", name: "countPartBytes" },
      );
      return { clients, commands, partBytes: () => partBytes };
    }

    /** A client that runs `change` on the source file as the first part goes up. */
    function changingOnFirstPart(change: () => void): AwsClients {
      const clients = ctx.makeClients();
      clients.s3.middlewareStack.add(
        (next, c) => async (args) => {
          if (c.commandName === "UploadPartCommand" && (args.input as { PartNumber: number }).PartNumber === 1) change();
          return next(args);
        },
        { step: "initialize", name: "changeSource" },
      );
      return clients;
    }

    it("uploads a multi-part file byte for byte", async () => {
      const path = join(dir, "good.csv");
      const data = csv(700_000); // ~23 MiB: five 5 MiB parts
      writeFileSync(path, data);
      const { uri, report } = await uploadValidated(context(), "personalize/good.csv", { path }, builtinSchema("interactions"), {
        partSize: 5 * MiB,
        queueSize: 3,
      });
      expect(uri).to.equal(`s3://${BUCKET}/personalize/good.csv`);
      expect(report).to.include({ valid: true, rows: 700_000 });
      expect(await storedSha256("personalize/good.csv")).to.equal(createHash("sha256").update(data).digest("hex"));
    });

    it("never sends a byte the validator has not passed: an error 18 MiB in stops the upload before it", async () => {
      const path = join(dir, "bad.csv");
      const data = csv(700_000, { at: 550_000, row: "user-1,item-1,1700000000123,view" });
      writeFileSync(path, data);
      const errorOffset = data.indexOf("1700000000123");
      const w = watched();
      const caught = await failure(() =>
        uploadValidated(context(w.clients), "personalize/bad.csv", { path }, builtinSchema("interactions"), { partSize: 5 * MiB }),
      );
      expect(caught).to.be.instanceOf(ImportValidationError);
      expect((caught as ImportValidationError).report.errors.map((e) => `${e.line}:${e.kind}`)).to.deep.equal(["550002:timestamp-milliseconds"]);
      expect((caught as ImportValidationError).report.rows).to.equal(700_000);
      expect(w.partBytes()).to.be.greaterThan(0).and.at.most(errorOffset);
      expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    });

    it("a bad last line in a body of exactly one or two parts stops the upload before that part goes up", async () => {
      const schema = builtinSchema("interactions");
      // Exactly 5 MiB, the last line (no newline) has a millisecond timestamp.
      const line = "user-1,item-1,1700000000,view\n";
      const bad = "user-2,item-2,1700000000999,view";
      const header = "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n";
      const exactly = (bytes: number) => {
        const fill = bytes - header.length - bad.length;
        return header + line.repeat(Math.floor(fill / line.length)) + bad.padStart(bad.length + (fill % line.length), "u");
      };
      const onePart = exactly(5 * MiB);
      const twoParts = exactly(10 * MiB);
      expect(Buffer.byteLength(onePart)).to.equal(5 * MiB);
      expect(Buffer.byteLength(twoParts)).to.equal(10 * MiB);
      const path = join(dir, "exact.csv");
      writeFileSync(path, onePart);
      const file = watched();
      const fromFile = await failure(() => uploadValidated(context(file.clients), "personalize/exact.csv", { path }, schema, { partSize: 5 * MiB }));
      expect(fromFile).to.be.instanceOf(ImportValidationError);
      expect(file.commands).to.deep.equal([]);

      const buffer = watched();
      const fromBuffer = await failure(() =>
        uploadValidated(context(buffer.clients), "personalize/exact2.csv", Buffer.from(twoParts), schema, { partSize: 5 * MiB }),
      );
      expect((fromBuffer as ImportValidationError).report.errors.map((e) => e.kind)).to.deep.equal(["timestamp-milliseconds"]);
      expect(buffer.partBytes()).to.equal(5 * MiB);
      expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    });

    it("refuses a file over the size limit before sending anything", async () => {
      const path = join(dir, "big.csv");
      writeFileSync(path, csv(300_000));
      const w = watched();
      const err = await failure(() =>
        uploadValidated(context(w.clients), "personalize/big.csv", { path }, builtinSchema("interactions"), { maxBytes: 5 * MiB }),
      );
      expect(String(err)).to.include("larger than the import limit");
      expect(w.commands).to.deep.equal([]);
    });

    it("reads pipes to their end and streams from where they are, not from the file's start", async () => {
      const data = csv(200_000); // ~6.5 MiB: two parts
      const fifo = join(dir, "pipe.csv");
      execFileSync("mkfifo", [fifo]);
      const writer = createWriteStream(fifo);
      writer.end(data);
      const piped = await uploadValidated(context(), "personalize/piped.csv", { path: fifo }, builtinSchema("interactions"), { partSize: 5 * MiB });
      expect(piped.report.rows).to.equal(200_000);
      expect(await storedSha256("personalize/piped.csv")).to.equal(createHash("sha256").update(data).digest("hex"));

      const path = join(dir, "offset.csv");
      const skipped = "junk that is not CSV\n";
      writeFileSync(path, skipped + data);
      const stream = createReadStream(path, { start: skipped.length });
      const fromStream = await uploadValidated(context(), "personalize/offset.csv", stream, builtinSchema("interactions"), { partSize: 5 * MiB });
      expect(fromStream.report.rows).to.equal(200_000);
      expect(await storedSha256("personalize/offset.csv")).to.equal(createHash("sha256").update(data).digest("hex"));
    });

    it("names the command to run when the abort after a bad row fails too", async () => {
      const clients = ctx.makeClients();
      injectFaults(clients.s3, byCommand("AbortMultipartUploadCommand", { 1: { kind: "status", status: 500 } }));
      const data = csv(700_000, { at: 550_000, row: "user-1,item-1,1700000000123,view" });
      const err = await failure(() =>
        uploadValidated(context(clients), "personalize/left.csv", Buffer.from(data), builtinSchema("interactions"), { partSize: 5 * MiB }),
      );
      expect(err).to.be.instanceOf(UploadLeftPartsError);
      expect(String(err)).to.include("the CSV is not valid").and.include("aws s3api abort-multipart-upload --bucket roadmapx-files --key personalize/left.csv");
    });

    it("refuses a file that grows while it is read, leaving nothing", async () => {
      const path = join(dir, "growing.csv");
      writeFileSync(path, csv(300_000));
      const clients = changingOnFirstPart(() => appendFileSync(path, "user-9,item-9,1700000000,view\n"));
      const err = await failure(() =>
        uploadValidated(context(clients), "personalize/growing.csv", { path }, builtinSchema("interactions"), { partSize: 5 * MiB }),
      );
      expect((err as Error).cause).to.be.instanceOf(SourceChangedError);
      expect(String((err as Error).cause)).to.include("it grew past");
      expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    });

    it("a region changed after it was validated (same size) is refused by S3's checksum check, and nothing is left", async () => {
      const checker = await startS3ChecksumCheck({ upstream: ctx.emulator.endpoint });
      try {
        const path = join(dir, "edited.csv");
        writeFileSync(path, csv(500_000));
        // Part 2 was validated and its CRC32 computed; now a digit changes in it (the CSV stays valid).
        const clients = ctx.makeClients({ endpoint: checker.endpoint });
        clients.s3.middlewareStack.add(
          (next, c) => async (args) => {
            if (c.commandName === "UploadPartCommand" && (args.input as { PartNumber: number }).PartNumber === 2) {
              const handle = openSync(path, "r+");
              const at =
                6 * MiB +
                readFileSync(path)
                  .subarray(6 * MiB)
                  .indexOf("user-") +
                "user-".length;
              writeSync(handle, Buffer.from("9"), 0, 1, at);
              closeSync(handle);
            }
            return next(args);
          },
          { step: "initialize", name: "editRegionTwo" },
        );
        const caught = await failure(() =>
          uploadValidated(context(clients), "personalize/edited.csv", { path }, builtinSchema("interactions"), { partSize: 5 * MiB, queueSize: 1 }),
        );
        expect(caught).to.be.instanceOf(UploadAbortedError);
        expect((caught as Error).cause).to.be.instanceOf(SourceChangedError);
        expect(String((caught as Error).cause)).to.include("S3 refused part 2 (BadDigest)");
        expect(checker.refused()).to.have.length(1);
        expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
      } finally {
        await checker.stop();
      }
    });

    it("refuses a file that gets shorter while it is read, leaving nothing", async () => {
      const path = join(dir, "shrinking.csv");
      writeFileSync(path, csv(700_000));
      const clients = changingOnFirstPart(() => truncateSync(path, 7 * MiB));
      const caught = await failure(() =>
        uploadValidated(context(clients), "personalize/shrinking.csv", { path }, builtinSchema("interactions"), { partSize: 5 * MiB }),
      );
      expect(caught).to.be.instanceOf(UploadAbortedError);
      expect((caught as Error).cause).to.be.instanceOf(SourceChangedError);
      expect(String((caught as Error).cause)).to.include("is now shorter than the");
      expect(await bucketContents()).to.deep.equal({ keys: [], uploads: 0 });
    });
  });
});
