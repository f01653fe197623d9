/**
 * The pure parts of the Comprehend jobs stand-in: the tar writer (read back by the services' own
 * reader, and checked byte by byte against the ustar layout), the line splitter, the fake analysis,
 * the lifecycle, the output layout and the request checks.
 */
import { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { TarReader } from "../../services/comprehend/job-archive";
import {
  detectDominantLanguage,
  detectEntities,
  detectKeyPhrases,
  detectPiiEntities,
  detectSentiment,
  redact,
} from "../../local/comprehend-jobs-stand-in/analysis";
import { JOB_OPERATION_NAMES, JOB_TYPES, jobOperationOf } from "../../local/comprehend-jobs-stand-in/job-types";
import { JobLifecycle } from "../../local/comprehend-jobs-stand-in/lifecycle";
import { type Line, decodeUtf8, linesOf } from "../../local/comprehend-jobs-stand-in/lines";
import { describedOutputUri, fileNameOf, outputFolder, piiOutputKey } from "../../local/comprehend-jobs-stand-in/locations";
import { BLOCK, END_OF_ARCHIVE, padding, tarGzOfFile, tarHeader } from "../../local/comprehend-jobs-stand-in/tar";
import { parseList, parseStart } from "../../local/comprehend-jobs-stand-in/validation";

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function linesFrom(chunks: string[], maxBytes = 100): Promise<(string | { oversize: number })[]> {
  const out: (string | { oversize: number })[] = [];
  const lines: AsyncIterable<Line> = linesOf(Readable.from(chunks.map((c) => Buffer.from(c, "utf8"))), maxBytes);
  for await (const line of lines) out.push(line.oversize ? { oversize: line.length } : line.bytes.toString("utf8"));
  return out;
}

describe("Comprehend jobs stand-in: tar writer", () => {
  it("writes a ustar header with the name, octal size, regular-file type, magic and a checksum over the header", () => {
    const header = tarHeader("output", 1234, 1_767_225_600);
    expect(header.length).to.equal(512);
    expect(header.subarray(0, 7).toString()).to.equal("output\0");
    expect(header.subarray(124, 136).toString()).to.equal("00000002322\0"); // 1234 in octal
    expect(header.subarray(136, 148).toString()).to.equal("15125334400\0"); // 1767225600 in octal
    expect(String.fromCharCode(header[156] as number)).to.equal("0");
    expect(header.subarray(257, 265).toString()).to.equal("ustar\u000000");
    const sum = [...header].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0);
    expect(header.subarray(148, 156).toString()).to.equal(`${sum.toString(8).padStart(6, "0")}\0 `);
  });

  it("writes sizes over 8 GiB in base-256 and refuses names over 100 bytes", () => {
    const header = tarHeader("output", 2 ** 34, 0);
    expect(header[124]).to.equal(0x80);
    expect([...header.subarray(125, 136)]).to.deep.equal([0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0]);
    expect(() => tarHeader("x".repeat(101), 1, 0)).to.throw(RangeError);
  });

  it("pads content to whole blocks and ends with two zero blocks", () => {
    expect(padding(512).length).to.equal(0);
    expect(padding(513).length).to.equal(511);
    expect(padding(0).length).to.equal(0);
    expect(END_OF_ARCHIVE.length).to.equal(2 * BLOCK);
    expect(END_OF_ARCHIVE.every((b) => b === 0)).to.equal(true);
  });

  it("streams a gzip'd one-file archive that a tar reader (the services' own) reads back byte for byte", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tar-test-"));
    try {
      const content = Array.from({ length: 3000 }, (_, i) => `{"File":"in.txt","Line":${i},"Sentiment":"NEUTRAL"}\n`).join("");
      await writeFile(join(dir, "output"), content);
      const archive = await collect(tarGzOfFile("output", join(dir, "output"), 1_767_225_600));
      expect(archive.subarray(0, 2).toString("hex")).to.equal("1f8b"); // gzip magic
      const tar = await collect(Readable.from([archive]).pipe(createGunzip()));
      expect(tar.length % BLOCK).to.equal(0);
      expect(tar.subarray(tar.length - 1024).every((b) => b === 0)).to.equal(true);
      const files = new Map<string, Buffer[]>();
      const reader = new TarReader("test", (name, bytes) => files.set(name, [...(files.get(name) ?? []), Buffer.from(bytes)]));
      reader.push(tar);
      reader.end();
      expect([...files.keys()]).to.deep.equal(["output"]);
      expect(Buffer.concat(files.get("output") ?? []).toString()).to.equal(content);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Comprehend jobs stand-in: ONE_DOC_PER_LINE lines", () => {
  it("ends lines at LF, CR and CRLF, also when a CRLF straddles two chunks", async () => {
    expect(await linesFrom(["a\nb\rc\r\nd"])).to.deep.equal(["a", "b", "c", "d"]);
    expect(await linesFrom(["one\r", "\ntwo\r", "three"])).to.deep.equal(["one", "two", "three"]);
    expect(await linesFrom(["par", "tial\n", "line"])).to.deep.equal(["partial", "line"]);
  });

  it("does not make a document of the terminator at the end, but keeps empty lines inside", async () => {
    expect(await linesFrom(["a\n\nb\n"])).to.deep.equal(["a", "", "b"]);
    expect(await linesFrom(["\n"])).to.deep.equal([""]);
    expect(await linesFrom([""])).to.deep.equal([]);
  });

  it("does not end a line at U+2028 (the guide: it cannot end a line)", async () => {
    expect(await linesFrom(["a\u2028b\nc"])).to.deep.equal(["a\u2028b", "c"]);
  });

  it("reports a line over the limit by its length only, and the next line normally", async () => {
    expect(await linesFrom(["x".repeat(60), "x".repeat(60), "\nshort\n"], 100)).to.deep.equal([{ oversize: 120 }, "short"]);
    expect(await linesFrom(["x".repeat(100), "\n"], 100)).to.deep.equal(["x".repeat(100)]);
  });

  it("decodes UTF-8 and refuses invalid bytes", () => {
    expect(decodeUtf8(Buffer.from("héllo ✓", "utf8"))).to.equal("héllo ✓");
    expect(decodeUtf8(Buffer.from([0x68, 0xff, 0x69]))).to.equal(undefined);
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))).to.equal("a");
  });
});

describe("Comprehend jobs stand-in: the fake analysis", () => {
  it("sentiment from word lists, with scores that sum to 1", () => {
    expect(detectSentiment("I love it, great work").Sentiment).to.equal("POSITIVE");
    expect(detectSentiment("terrible and bad").Sentiment).to.equal("NEGATIVE");
    expect(detectSentiment("good but bad").Sentiment).to.equal("MIXED");
    expect(detectSentiment("the sky is blue").Sentiment).to.equal("NEUTRAL");
    const s = detectSentiment("I love it").SentimentScore;
    expect(s.Positive).to.equal(0.925);
    expect(s.Positive + s.Negative + s.Neutral + s.Mixed).to.be.closeTo(1, 1e-9);
  });

  it("entities from capitalised runs, numbers and month names, with code-point offsets", () => {
    expect(detectEntities("Jane Doe met staff of Acme Corp in Paris on 3 May")).to.deep.equal([
      { BeginOffset: 0, EndOffset: 8, Score: 0.9, Text: "Jane Doe", Type: "PERSON" },
      { BeginOffset: 22, EndOffset: 31, Score: 0.9, Text: "Acme Corp", Type: "ORGANIZATION" },
      { BeginOffset: 35, EndOffset: 40, Score: 0.9, Text: "Paris", Type: "LOCATION" },
      { BeginOffset: 44, EndOffset: 45, Score: 0.8, Text: "3", Type: "QUANTITY" },
      { BeginOffset: 46, EndOffset: 49, Score: 0.9, Text: "May", Type: "DATE" },
    ]);
    // "😀" is one code point (two UTF-16 units): Bob starts at 2.
    expect(detectEntities("😀 Bob")[0]).to.include({ BeginOffset: 2, EndOffset: 5, Text: "Bob" });
  });

  it("key phrases from capitalised runs and counted nouns", () => {
    expect(detectKeyPhrases("Order 3 boxes from Big Shop").map((k) => k.Text)).to.deep.equal(["Order", "3 boxes", "Big Shop"]);
  });

  it("dominant language from stop words, en when none match", () => {
    expect(detectDominantLanguage("el perro y la casa").Languages[0]?.LanguageCode).to.equal("es");
    expect(detectDominantLanguage("the dog and the house").Languages[0]).to.deep.equal({ LanguageCode: "en", Score: 0.95 });
    expect(detectDominantLanguage("xyz").Languages[0]).to.deep.equal({ LanguageCode: "en", Score: 0.5 });
  });

  it("PII: e-mail, phone and ISO date with offsets, and redaction by type or mask", () => {
    const text = "Mail jo@example.com or call 555-123-4567 before 2026-01-31.";
    const found = detectPiiEntities(text);
    expect(found.map((e) => [e.Type, text.slice(e.BeginOffset, e.EndOffset)])).to.deep.equal([
      ["EMAIL", "jo@example.com"],
      ["PHONE", "555-123-4567"],
      ["DATE_TIME", "2026-01-31"],
    ]);
    expect(redact(text, found, { types: ["ALL"], maskMode: "REPLACE_WITH_PII_ENTITY_TYPE", maskCharacter: "*" })).to.equal(
      "Mail [EMAIL] or call [PHONE] before [DATE_TIME].",
    );
    expect(redact(text, found, { types: ["EMAIL"], maskMode: "MASK", maskCharacter: "#" })).to.equal(
      "Mail ############## or call 555-123-4567 before 2026-01-31.",
    );
  });
});

describe("Comprehend jobs stand-in: lifecycle", () => {
  const durations = { submittedMs: 1000, inProgressMs: 3000, stopMs: 500 };

  it("SUBMITTED, IN_PROGRESS, then the decided outcome, with EndTime", () => {
    const lc = new JobLifecycle(10_000, durations);
    expect(lc.statusAt(10_999)).to.equal("SUBMITTED");
    expect(lc.statusAt(11_000)).to.equal("IN_PROGRESS");
    expect(lc.statusAt(14_000)).to.equal("IN_PROGRESS"); // undecided: still analysing
    lc.decide({ status: "COMPLETED" });
    expect(lc.statusAt(13_999)).to.equal("IN_PROGRESS");
    expect(lc.statusAt(14_000)).to.equal("COMPLETED");
    expect(lc.endedAt(14_000)).to.equal(14_000);
    expect(lc.endedAt(13_000)).to.equal(undefined);
  });

  it("a failure found when the job leaves SUBMITTED ends it then, with its message", () => {
    const lc = new JobLifecycle(0, durations);
    lc.decide({ status: "FAILED", message: "NO_READ_ACCESS_TO_INPUT: x", at: 1000 });
    expect(lc.statusAt(999)).to.equal("SUBMITTED");
    expect(lc.statusAt(1000)).to.equal("FAILED");
    expect(lc.failureMessage(1000)).to.equal("NO_READ_ACCESS_TO_INPUT: x");
    expect(lc.failureMessage(999)).to.equal(undefined);
    expect(lc.activeAt(1000)).to.equal(false);
  });

  it("STOP_REQUESTED then STOPPED, with the share processed; COMPLETED when the job ends before the stop takes effect", () => {
    const stopped = new JobLifecycle(0, durations);
    stopped.requestStop(2500);
    expect(stopped.statusAt(2499)).to.equal("IN_PROGRESS");
    expect(stopped.statusAt(2500)).to.equal("STOP_REQUESTED");
    expect(stopped.statusAt(3000)).to.equal("STOPPED");
    expect(stopped.endedAt(3000)).to.equal(3000);
    expect(stopped.processedShareAtStop()).to.equal(0.5);
    expect(stopped.activeAt(2700)).to.equal(true);

    const late = new JobLifecycle(0, durations);
    late.requestStop(3800);
    late.decide({ status: "COMPLETED" });
    expect(late.stoppedAt).to.equal(undefined);
    expect(late.statusAt(3900)).to.equal("STOP_REQUESTED");
    expect(late.statusAt(4000)).to.equal("COMPLETED");

    const early = new JobLifecycle(0, durations);
    early.requestStop(200);
    expect(early.processedShareAtStop()).to.equal(0);
    expect(early.statusAt(700)).to.equal("STOPPED");
  });
});

describe("Comprehend jobs stand-in: job types and output layout", () => {
  it("names the twenty job operations and recognises them (and nothing else)", () => {
    expect(JOB_OPERATION_NAMES).to.have.length(20);
    expect(jobOperationOf("ListKeyPhrasesDetectionJobs")).to.deep.include({ verb: "List", type: JOB_TYPES["key-phrases"] });
    expect(jobOperationOf("StopDominantLanguageDetectionJob")?.type.resourceType).to.equal("dominant-language-detection-job");
    expect(jobOperationOf("ListSentimentDetectionJob")).to.equal(undefined);
    expect(jobOperationOf("StartSentimentDetectionJobs")).to.equal(undefined);
    expect(jobOperationOf("StartTopicsDetectionJob")).to.equal(undefined);
    expect(jobOperationOf("DetectSentiment")).to.equal(undefined);
  });

  it("puts output in <S3Uri>/<account>-<CODE>-<jobId>/output/ and answers the archive, or the folder for PII", () => {
    const id = "0b5001e25f62ebb40631a9a1a7fde7b3";
    expect(describedOutputUri("s3://b/out/", JOB_TYPES.sentiment, "111122223333", id)).to.equal(`s3://b/out/111122223333-SENTIMENT-${id}/output/output.tar.gz`);
    expect(describedOutputUri("s3://b/out", JOB_TYPES.entities, "111122223333", id)).to.equal(`s3://b/out/111122223333-NER-${id}/output/output.tar.gz`);
    expect(describedOutputUri("s3://b", JOB_TYPES["key-phrases"], "111122223333", id)).to.equal(`s3://b/111122223333-KP-${id}/output/output.tar.gz`);
    expect(describedOutputUri("s3://b/x/", JOB_TYPES.language, "111122223333", id)).to.equal(`s3://b/x/111122223333-LANGUAGE-${id}/output/output.tar.gz`);
    expect(describedOutputUri("s3://b/x/", JOB_TYPES.pii, "111122223333", id)).to.equal(`s3://b/x/111122223333-PII-${id}/output/`);
  });

  it("names records' File by the object's base name and PII outputs by the key below the prefix plus .out", () => {
    expect(fileNameOf("comprehend/input/job-1/part-0001.txt")).to.equal("part-0001.txt");
    const folder = outputFolder("s3://b/out/", JOB_TYPES.pii, "123456789012", "abc");
    expect(piiOutputKey(folder, "in/", "in/a.txt").key).to.equal("out/123456789012-PII-abc/output/a.txt.out");
    expect(piiOutputKey(folder, "in/", "in/sub/a.txt").key).to.equal("out/123456789012-PII-abc/output/sub/a.txt.out");
    expect(piiOutputKey(folder, "in/a.txt", "in/a.txt").key).to.equal("out/123456789012-PII-abc/output/a.txt.out");
    expect(piiOutputKey(folder, "in/da", "in/data-1.txt").key).to.equal("out/123456789012-PII-abc/output/data-1.txt.out");
  });
});

describe("Comprehend jobs stand-in: request checks", () => {
  const valid = {
    InputDataConfig: { S3Uri: "s3://roadmapx-files/comprehend/input/x/", InputFormat: "ONE_DOC_PER_LINE" },
    OutputDataConfig: { S3Uri: "s3://roadmapx-files/comprehend/output/" },
    DataAccessRoleArn: "arn:aws:iam::123456789012:role/roadmapx-ai-dev-comprehend",
    LanguageCode: "en",
  };
  const errorOf = (call: () => unknown) => {
    try {
      call();
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected a refusal");
  };

  it("accepts a valid request and defaults InputFormat to ONE_DOC_PER_FILE", () => {
    expect(parseStart(JOB_TYPES.sentiment, valid)).to.include({ inputFormat: "ONE_DOC_PER_LINE", languageCode: "en" });
    const { InputDataConfig: _i, ...rest } = valid;
    expect(parseStart(JOB_TYPES.sentiment, { ...rest, InputDataConfig: { S3Uri: "s3://roadmapx-files/in" } }).inputFormat).to.equal("ONE_DOC_PER_FILE");
  });

  it("lists every constraint violation in one ValidationException, in AWS's wording", () => {
    const err = errorOf(() => parseStart(JOB_TYPES.sentiment, { InputDataConfig: { S3Uri: "http://x" }, JobName: "bad name!", LanguageCode: "xx" }));
    expect(err.name).to.equal("ValidationException");
    expect(err.message).to.match(/^5 validation errors detected: /);
    expect(err.message).to.include("Value 'http://x' at 'inputDataConfig.s3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern");
    expect(err.message).to.include("Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null");
    expect(err.message).to.include("Value null at 'dataAccessRoleArn' failed to satisfy constraint: Member must not be null");
    expect(err.message).to.include(
      "Value 'xx' at 'languageCode' failed to satisfy constraint: Member must satisfy enum value set: [en, es, fr, de, it, pt, ar, hi, ja, ko, zh, zh-TW]",
    );
    expect(err.message).to.include("Value 'bad name!' at 'jobName'");
  });

  it("needs no LanguageCode for dominant language; PII needs Mode and supports en and es only", () => {
    const { LanguageCode: _l, ...noLanguage } = valid;
    expect(parseStart(JOB_TYPES.language, noLanguage).languageCode).to.equal(undefined);
    expect(errorOf(() => parseStart(JOB_TYPES.sentiment, noLanguage)).message).to.include(
      "at 'languageCode' failed to satisfy constraint: Member must not be null",
    );
    expect(errorOf(() => parseStart(JOB_TYPES.pii, valid)).message).to.include("Value null at 'mode'");
    expect(errorOf(() => parseStart(JOB_TYPES.pii, { ...valid, Mode: "ALL" })).message).to.include("[ONLY_REDACTION, ONLY_OFFSETS]");
    const fr = errorOf(() => parseStart(JOB_TYPES.pii, { ...valid, LanguageCode: "fr", Mode: "ONLY_OFFSETS" }));
    expect([fr.name, fr.message]).to.deep.equal([
      "InvalidRequestException",
      "The language code fr is not supported for PII entities detection jobs. Supported language codes: en, es.",
    ]);
    expect(parseStart(JOB_TYPES.pii, { ...valid, LanguageCode: "es", Mode: "ONLY_OFFSETS" }).mode).to.equal("ONLY_OFFSETS");
    expect(errorOf(() => parseStart(JOB_TYPES.pii, { ...valid, Mode: "ONLY_REDACTION" })).name).to.equal("InvalidRequestException");
  });

  it("checks the role ARN's pattern, the token's and the job name's", () => {
    expect(errorOf(() => parseStart(JOB_TYPES.entities, { ...valid, DataAccessRoleArn: "arn:aws:iam::123:user/x" })).message).to.include(
      "at 'dataAccessRoleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+",
    );
    expect(errorOf(() => parseStart(JOB_TYPES.entities, { ...valid, ClientRequestToken: "a b" })).message).to.include("at 'clientRequestToken'");
    expect(parseStart(JOB_TYPES.entities, { ...valid, JobName: "roadmapx-ai-dev-sentiment_2026.01:x" }).jobName).to.equal(
      "roadmapx-ai-dev-sentiment_2026.01:x",
    );
    expect(errorOf(() => parseStart(JOB_TYPES.entities, { ...valid, JobName: "x".repeat(257) })).message).to.include("length less than or equal to 256");
  });

  it("List: MaxResults 1-500 (default 100) and a known JobStatus", () => {
    expect(parseList({}).maxResults).to.equal(100);
    expect(errorOf(() => parseList({ MaxResults: 501 })).message).to.include("Member must have value less than or equal to 500");
    expect(errorOf(() => parseList({ MaxResults: 0 })).message).to.include("greater than or equal to 1");
    expect(errorOf(() => parseList({ Filter: { JobStatus: "DONE" } })).message).to.include("at 'filter.jobStatus'");
  });
});
