/**
 * The Comprehend API calls: one function per operation, single-document and Batch*, each answering
 * in our shapes (types.ts) rather than the SDK's. `single` and `batch` pick the call by operation for
 * the pipeline, typed by `OperationResult<Op>` so no caller casts what comes back.
 */
import type {
  BatchItemError,
  ComprehendClient,
  DominantLanguage,
  Entity as SdkEntity,
  KeyPhrase as SdkKeyPhrase,
  LanguageCode,
  PiiEntity as SdkPiiEntity,
  SentimentScore,
} from "@aws-sdk/client-comprehend";
import { type Operation, SENTIMENTS, type SentimentLabel, type SentimentResult } from "./text";
import type { Entity, KeyPhrase, LanguageResult, OperationResult, PiiEntity } from "./types";

/** @aws-sdk/client-comprehend, loaded on the first call: importing the services must not load every SDK client. */
const sdkComprehend = (): typeof import("@aws-sdk/client-comprehend") => require("@aws-sdk/client-comprehend") as typeof import("@aws-sdk/client-comprehend");

// --- From SDK shapes to ours (also the records of analysis jobs, which use the same fields) -----

export function sentimentOf(label: string | undefined, s: SentimentScore | undefined): SentimentResult {
  const sentiment = (SENTIMENTS as readonly string[]).includes(label ?? "") ? (label as SentimentLabel) : "NEUTRAL";
  return { sentiment, scores: { positive: s?.Positive ?? 0, negative: s?.Negative ?? 0, neutral: s?.Neutral ?? 0, mixed: s?.Mixed ?? 0 } };
}
export const entitiesOf = (list: SdkEntity[] | undefined): Entity[] =>
  (list ?? []).map((e) => ({ text: e.Text ?? "", type: e.Type ?? "OTHER", score: e.Score ?? 0, begin: e.BeginOffset ?? 0, end: e.EndOffset ?? 0 }));
export const keyPhrasesOf = (list: SdkKeyPhrase[] | undefined): KeyPhrase[] =>
  (list ?? []).map((k) => ({ text: k.Text ?? "", score: k.Score ?? 0, begin: k.BeginOffset ?? 0, end: k.EndOffset ?? 0 }));
export const piiOf = (list: SdkPiiEntity[] | undefined): PiiEntity[] =>
  (list ?? []).map((p) => ({ type: p.Type ?? "OTHER", score: p.Score ?? 0, begin: p.BeginOffset ?? 0, end: p.EndOffset ?? 0 }));
export function languageOf(list: DominantLanguage[] | undefined): LanguageResult {
  const candidates = (list ?? []).map((l) => ({ languageCode: l.LanguageCode ?? "", score: l.Score ?? 0 })).sort((a, b) => b.score - a.score);
  return { languageCode: candidates[0]?.languageCode ?? "", score: candidates[0]?.score ?? 0, candidates };
}

// --- One document, one call -------------------------------------------------------------------

export async function detectSentiment(client: ComprehendClient, text: string, language: string | undefined): Promise<SentimentResult> {
  const r = await client.send(new (sdkComprehend().DetectSentimentCommand)({ Text: text, LanguageCode: language as LanguageCode }));
  return sentimentOf(r.Sentiment, r.SentimentScore);
}
export async function detectEntities(client: ComprehendClient, text: string, language: string | undefined): Promise<Entity[]> {
  return entitiesOf((await client.send(new (sdkComprehend().DetectEntitiesCommand)({ Text: text, LanguageCode: language as LanguageCode }))).Entities);
}
export async function detectKeyPhrases(client: ComprehendClient, text: string, language: string | undefined): Promise<KeyPhrase[]> {
  return keyPhrasesOf((await client.send(new (sdkComprehend().DetectKeyPhrasesCommand)({ Text: text, LanguageCode: language as LanguageCode }))).KeyPhrases);
}
export async function detectDominantLanguage(client: ComprehendClient, text: string): Promise<LanguageResult> {
  return languageOf((await client.send(new (sdkComprehend().DetectDominantLanguageCommand)({ Text: text }))).Languages);
}
export async function detectPiiEntities(client: ComprehendClient, text: string, language: string | undefined): Promise<PiiEntity[]> {
  return piiOf((await client.send(new (sdkComprehend().DetectPiiEntitiesCommand)({ Text: text, LanguageCode: language as LanguageCode }))).Entities);
}

// --- Up to 25 documents, one call -------------------------------------------------------------

/** A Batch* answer: results by the index of their text in the call, and the per-item errors. */
export interface BatchAnswer<R> {
  results: [number, R][];
  errors: BatchItemError[];
}

export async function batchDetectSentiment(client: ComprehendClient, texts: string[], language: string | undefined): Promise<BatchAnswer<SentimentResult>> {
  const r = await client.send(new (sdkComprehend().BatchDetectSentimentCommand)({ TextList: texts, LanguageCode: language as LanguageCode }));
  return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, sentimentOf(i.Sentiment, i.SentimentScore)]), errors: r.ErrorList ?? [] };
}
export async function batchDetectEntities(client: ComprehendClient, texts: string[], language: string | undefined): Promise<BatchAnswer<Entity[]>> {
  const r = await client.send(new (sdkComprehend().BatchDetectEntitiesCommand)({ TextList: texts, LanguageCode: language as LanguageCode }));
  return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, entitiesOf(i.Entities)]), errors: r.ErrorList ?? [] };
}
export async function batchDetectKeyPhrases(client: ComprehendClient, texts: string[], language: string | undefined): Promise<BatchAnswer<KeyPhrase[]>> {
  const r = await client.send(new (sdkComprehend().BatchDetectKeyPhrasesCommand)({ TextList: texts, LanguageCode: language as LanguageCode }));
  return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, keyPhrasesOf(i.KeyPhrases)]), errors: r.ErrorList ?? [] };
}
export async function batchDetectDominantLanguage(client: ComprehendClient, texts: string[]): Promise<BatchAnswer<LanguageResult>> {
  const r = await client.send(new (sdkComprehend().BatchDetectDominantLanguageCommand)({ TextList: texts }));
  return { results: (r.ResultList ?? []).map((i) => [i.Index ?? -1, languageOf(i.Languages)]), errors: r.ErrorList ?? [] };
}

// --- By operation, for the pipeline -----------------------------------------------------------

type SingleCall<Op extends Operation> = (client: ComprehendClient, text: string, language: string | undefined) => Promise<OperationResult<Op>>;
type BatchCall<Op extends Operation> = (client: ComprehendClient, texts: string[], language: string | undefined) => Promise<BatchAnswer<OperationResult<Op>>>;

// Mapped over the operations, so indexing with an `Op` keeps the result type tied to it.
const SINGLE: { [Op in Operation]: SingleCall<Op> } = {
  sentiment: detectSentiment,
  entities: detectEntities,
  "key-phrases": detectKeyPhrases,
  language: (client, text) => detectDominantLanguage(client, text),
  pii: detectPiiEntities,
};
const BATCH: { [Op in Operation]: BatchCall<Op> } = {
  sentiment: batchDetectSentiment,
  entities: batchDetectEntities,
  "key-phrases": batchDetectKeyPhrases,
  language: (client, texts) => batchDetectDominantLanguage(client, texts),
  pii: async () => {
    throw new Error("DetectPiiEntities has no batch form");
  },
};

/** One document through one operation's single-document API. */
export async function single<Op extends Operation>(client: ComprehendClient, op: Op, text: string, language: string | undefined): Promise<OperationResult<Op>> {
  return SINGLE[op](client, text, language);
}

/** Up to 25 documents through one operation's Batch* API: results by index, and the per-item errors. */
export async function batch<Op extends Operation>(
  client: ComprehendClient,
  op: Op,
  texts: string[],
  language: string | undefined,
): Promise<BatchAnswer<OperationResult<Op>>> {
  return BATCH[op](client, texts, language);
}
