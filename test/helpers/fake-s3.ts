/**
 * S3 in memory for the upload engine's unit tests (part-upload.unit.test.ts, personalize-import.unit.test.ts):
 * objects, multipart uploads and every command sent. It reads a part's body when its request ends
 * (so a buffer reused too early shows in what is stored), checks each body's length and CRC32 as S3
 * does (BadDigest), and can hold or fail any command (`before`).
 */
import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { expect } from "chai";
import { crc32Base64 } from "../../services/crc32";
import type { PartFiller } from "../../services/part-upload";

export const MiB = 1024 * 1024;
export const BUCKET = "roadmapx-files";

type Input = Record<string, unknown> & { Key?: string; UploadId?: string; PartNumber?: number; Body?: Uint8Array | Readable; ChecksumCRC32?: string };

async function bytesOf(body: Uint8Array | Readable | undefined): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** S3 in memory: objects, multipart uploads, every command sent, and S3's CRC32 check. */
export class FakeS3 {
  readonly objects = new Map<string, Buffer>();
  readonly contentTypes = new Map<string, string | undefined>();
  readonly uploads = new Map<string, Map<number, Buffer>>();
  readonly commands: { name: string; input: Input }[] = [];
  /** Runs before each command is answered: throw to fail it, or return a promise to hold it. */
  before: (name: string, input: Input) => void | Promise<void> = () => undefined;
  /** False: parts are counted, not kept (for uploads too large to copy). */
  keepBytes = true;
  /** Answer UploadPart without ChecksumCRC32 (as some S3-compatible stores do). */
  omitPartChecksum = false;
  partsInFlight = 0;
  peakPartsInFlight = 0;
  readonly config = { maxAttempts: async () => 3 };
  private nextId = 0;

  names(): string[] {
    return this.commands.map((c) => c.name);
  }

  private async body(input: Input): Promise<Buffer> {
    const bytes = await bytesOf(input.Body);
    expect(input["ContentLength"], "ContentLength").to.equal(bytes.length);
    if (input.ChecksumCRC32 !== undefined && crc32Base64(bytes) !== input.ChecksumCRC32)
      throw Object.assign(new Error("The CRC32 you specified did not match"), { name: "BadDigest" });
    return bytes;
  }

  async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
    const name = command.constructor.name.replace(/Command$/, "");
    const input = command.input as Input;
    this.commands.push({ name, input });
    if (name === "UploadPart") this.peakPartsInFlight = Math.max(this.peakPartsInFlight, ++this.partsInFlight);
    try {
      await this.before(name, input);
    } finally {
      if (name === "UploadPart") this.partsInFlight--;
    }
    const key = input.Key ?? "";
    switch (name) {
      case "PutObject":
        this.objects.set(key, await this.body(input));
        this.contentTypes.set(key, input["ContentType"] as string | undefined);
        return { ETag: '"put"' };
      case "CreateMultipartUpload": {
        expect(input["ChecksumAlgorithm"]).to.equal("CRC32");
        const id = `upload-${++this.nextId}`;
        this.uploads.set(id, new Map());
        this.contentTypes.set(key, input["ContentType"] as string | undefined);
        return { UploadId: id };
      }
      case "UploadPart": {
        const bytes = this.keepBytes ? await this.body(input) : Buffer.alloc(0);
        this.uploads.get(input.UploadId ?? "")?.set(input.PartNumber ?? 0, bytes);
        return { ETag: `"part-${input.PartNumber}"`, ...(this.omitPartChecksum ? {} : { ChecksumCRC32: input.ChecksumCRC32 }) };
      }
      case "CompleteMultipartUpload": {
        const parts = this.uploads.get(input.UploadId ?? "");
        const listed = (input["MultipartUpload"] as { Parts: { PartNumber: number; ETag: string; ChecksumCRC32: string }[] }).Parts;
        expect(listed.map((p) => p.PartNumber)).to.deep.equal(
          [...Array(parts?.size ?? 0).keys()].map((i) => i + 1),
          "every part, in order",
        );
        for (const p of listed) {
          expect(p.ETag).to.equal(`"part-${p.PartNumber}"`);
          if (this.keepBytes) expect(p.ChecksumCRC32).to.equal(crc32Base64(parts?.get(p.PartNumber) ?? Buffer.alloc(0)));
        }
        this.objects.set(key, Buffer.concat(listed.map((p) => parts?.get(p.PartNumber) ?? Buffer.alloc(0))));
        this.uploads.delete(input.UploadId ?? "");
        return { ETag: '"multipart"' };
      }
      case "AbortMultipartUpload":
        this.uploads.delete(input.UploadId ?? "");
        return {};
      case "DeleteObject":
        this.objects.delete(key);
        return {};
    }
    throw new Error(`the fake has no ${name}`);
  }
}

/**
 * A deterministic body of `size` bytes, produced in uneven slices the way a source would; each
 * slice is one byte value of its own, so a buffer reused too early changes what is stored.
 */
export function producer(size: number) {
  const hash = createHash("sha256");
  let produced = 0;
  let calls = 0;
  const fill: PartFiller = async (buffer) => {
    calls++;
    const length = Math.min(buffer.length, size - produced, 300_000 + (calls % 7) * 123_457);
    buffer.fill((calls * 37) % 256, 0, length);
    hash.update(buffer.subarray(0, length));
    produced += length;
    return length;
  };
  return { fill, sha256: () => hash.digest("hex"), produced: () => produced };
}

export const sha256 = (b: Buffer | undefined) =>
  createHash("sha256")
    .update(b ?? Buffer.alloc(0))
    .digest("hex");

export async function failure(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}
