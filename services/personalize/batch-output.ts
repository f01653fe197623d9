/**
 * Reading a finished batch job's output: every `<input file>.out` object under the job's output
 * path, in key order, each streamed line by line (one line in memory at a time), each line turned
 * into a result. The shapes are those of Personalize's output examples (batch-types.ts): lines are
 * `{"input": ..., "output": {"recommendedItems" | "recommendedUsers": [...], "scores"?: [...]}, "error"?: ...}`,
 * except Item-Attribute-Affinity's, which carry `"itemAttributes"` where the others carry `"input"`.
 * A job writes one `.out` per input file, in the order of its lines (the documented examples list
 * them so); the services give each job one input file, so the results come in input order.
 */
import { createInterface } from "node:readline";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import type { ServiceContext } from "../context";
import { BatchOutputError, type BatchKind, type BatchRecommendation, type BatchSegmentResult } from "./batch-types";

type Json = Record<string, unknown>;

/** Keys under `prefix` (all of them, page after page), in S3's order (by key). */
export async function listKeys(ctx: ServiceContext, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await ctx.clients.s3.send(new ListObjectsV2Command({ Bucket: ctx.storage.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string");
const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.every((s) => typeof s === "number");

/** One `.out` line as a result; `where` names the object and line in errors. */
export function parseResultLine(text: string, kind: "inference", line: number, where: string): BatchRecommendation;
export function parseResultLine(text: string, kind: "segment", line: number, where: string): BatchSegmentResult;
export function parseResultLine(text: string, kind: BatchKind, line: number, where: string): BatchRecommendation | BatchSegmentResult;
export function parseResultLine(text: string, kind: BatchKind, line: number, where: string): BatchRecommendation | BatchSegmentResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BatchOutputError(`${where} is not a JSON line, as Personalize writes its output: ${text.slice(0, 80)}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new BatchOutputError(`${where} is not a JSON object`);
  const o = parsed as Json;
  const output = (typeof o["output"] === "object" && o["output"] !== null ? o["output"] : {}) as Json;
  const input = "input" in o ? o["input"] : "itemAttributes" in o ? { itemAttributes: o["itemAttributes"] } : null;
  const scores = numbers(output["scores"]) ? output["scores"] : null;
  const error = typeof o["error"] === "string" ? o["error"] : null;
  const field = kind === "inference" ? "recommendedItems" : "recommendedUsers";
  const list = output[field] ?? [];
  if (!strings(list)) throw new BatchOutputError(`${where}: ${field} is not a list of ids`);
  return kind === "inference" ? { line, input, recommendedItems: list, scores, error } : { line, input, recommendedUsers: list, scores, error };
}

/** The results under the output `prefix` (a key ending in "/"), streamed. */
export async function* readOutput(ctx: ServiceContext, kind: BatchKind, prefix: string): AsyncGenerator<BatchRecommendation | BatchSegmentResult> {
  const objects = (await listKeys(ctx, prefix)).filter((k) => k.endsWith(".out"));
  if (objects.length === 0) throw new BatchOutputError(`the job wrote no .out object under ${ctx.storage.uriOf(prefix)}`);
  let line = 0;
  for (const key of objects) {
    const body = await ctx.storage.download(key);
    const reader = createInterface({ input: body, crlfDelay: Infinity });
    let n = 0;
    try {
      for await (const text of reader) {
        n++;
        if (text.trim() === "") continue;
        yield parseResultLine(text, kind, ++line, `${ctx.storage.uriOf(key)} line ${n}`);
      }
    } finally {
      reader.close();
      body.destroy();
    }
  }
}
