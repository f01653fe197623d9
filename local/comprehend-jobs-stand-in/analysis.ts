/**
 * The stand-in's "analysis": deterministic, fake, and documented as such. It answers in the shape
 * of the real-time APIs' results (DetectSentiment, DetectEntities, DetectKeyPhrases,
 * DetectDominantLanguage, DetectPiiEntities: the fields an analysis job writes per document), so a
 * client parses it exactly as it parses Comprehend's, but the values come from word lists and
 * regular expressions, not a model:
 * - sentiment: counts of words from a small positive and a small negative list;
 * - entities: runs of capitalised words (LOCATION after in/at/from/to, ORGANIZATION ending in
 *   Inc/Corp/Ltd/LLC, DATE for month names, QUANTITY for numbers, else PERSON);
 * - key phrases: the same capitalised runs, plus numbers with the word after them;
 * - dominant language: the language of a tiny stop-word list with the most hits (en if none);
 * - PII: e-mail addresses, phone numbers and ISO dates, by regular expression.
 * Offsets count code points, as Comprehend's do.
 */

export interface SentimentResult {
  Sentiment: "POSITIVE" | "NEGATIVE" | "NEUTRAL" | "MIXED";
  SentimentScore: { Positive: number; Negative: number; Neutral: number; Mixed: number };
}

export interface Entity {
  BeginOffset: number;
  EndOffset: number;
  Score: number;
  Text: string;
  Type: "PERSON" | "LOCATION" | "ORGANIZATION" | "DATE" | "QUANTITY";
}

export interface KeyPhrase {
  BeginOffset: number;
  EndOffset: number;
  Score: number;
  Text: string;
}

export interface PiiEntity {
  BeginOffset: number;
  EndOffset: number;
  Score: number;
  Type: "EMAIL" | "PHONE" | "DATE_TIME";
}

const POSITIVE = new Set(["good", "great", "excellent", "love", "loved", "happy", "wonderful", "best", "nice", "amazing", "fantastic", "recommend"]);
const NEGATIVE = new Set(["bad", "terrible", "awful", "hate", "hated", "sad", "worst", "poor", "horrible", "broken", "disappointing", "angry"]);

/** Words with their code-point offsets. */
function words(text: string): { word: string; begin: number; end: number }[] {
  const out: { word: string; begin: number; end: number }[] = [];
  const chars = [...text];
  let i = 0;
  while (i < chars.length) {
    if (!/[\p{L}\p{N}'’-]/u.test(chars[i] as string)) {
      i++;
      continue;
    }
    const begin = i;
    while (i < chars.length && /[\p{L}\p{N}'’-]/u.test(chars[i] as string)) i++;
    out.push({ word: chars.slice(begin, i).join(""), begin, end: i });
  }
  return out;
}

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

export function detectSentiment(text: string): SentimentResult {
  let positive = 0;
  let negative = 0;
  for (const { word } of words(text)) {
    const w = word.toLowerCase();
    if (POSITIVE.has(w)) positive++;
    else if (NEGATIVE.has(w)) negative++;
  }
  const sentiment: SentimentResult["Sentiment"] = positive > negative ? "POSITIVE" : negative > positive ? "NEGATIVE" : positive > 0 ? "MIXED" : "NEUTRAL";
  // The winner gets 0.9; the rest share 0.1 (scores sum to 1, as Comprehend's do).
  const score = { Positive: 0.025, Negative: 0.025, Neutral: 0.025, Mixed: 0.025 };
  const key = ({ POSITIVE: "Positive", NEGATIVE: "Negative", NEUTRAL: "Neutral", MIXED: "Mixed" } as const)[sentiment];
  score[key] = 0.925;
  return {
    Sentiment: sentiment,
    SentimentScore: { Positive: round(score.Positive), Negative: round(score.Negative), Neutral: round(score.Neutral), Mixed: round(score.Mixed) },
  };
}

const MONTHS = new Set(["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]);
const ORG_SUFFIX = /^(Inc|Corp|Ltd|LLC|GmbH|Company)\.?$/;
const PLACE_WORDS = new Set(["in", "at", "from", "to"]);
const isCapitalised = (word: string): boolean => /^\p{Lu}/u.test(word);

/** Runs of capitalised words, with the word before each run. */
function capitalisedRuns(text: string): { text: string; begin: number; end: number; before: string | undefined; words: string[] }[] {
  const list = words(text);
  const runs: { text: string; begin: number; end: number; before: string | undefined; words: string[] }[] = [];
  const chars = [...text];
  for (let i = 0; i < list.length;) {
    if (!isCapitalised(list[i]?.word ?? "")) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < list.length && isCapitalised(list[j + 1]?.word ?? "") && (list[j + 1]?.begin ?? 0) - (list[j]?.end ?? 0) === 1) j++;
    const begin = list[i]?.begin ?? 0;
    const end = list[j]?.end ?? 0;
    runs.push({ text: chars.slice(begin, end).join(""), begin, end, before: list[i - 1]?.word.toLowerCase(), words: list.slice(i, j + 1).map((w) => w.word) });
    i = j + 1;
  }
  return runs;
}

export function detectEntities(text: string): Entity[] {
  const entities: Entity[] = capitalisedRuns(text).map((run) => {
    const last = run.words[run.words.length - 1] ?? "";
    const type: Entity["Type"] = MONTHS.has(run.words[0] ?? "")
      ? "DATE"
      : ORG_SUFFIX.test(last)
        ? "ORGANIZATION"
        : run.before && PLACE_WORDS.has(run.before)
          ? "LOCATION"
          : "PERSON";
    return { BeginOffset: run.begin, EndOffset: run.end, Score: 0.9, Text: run.text, Type: type };
  });
  for (const w of words(text)) {
    if (/^\d+([.,]\d+)?$/.test(w.word)) entities.push({ BeginOffset: w.begin, EndOffset: w.end, Score: 0.8, Text: w.word, Type: "QUANTITY" });
  }
  return entities.sort((a, b) => a.BeginOffset - b.BeginOffset);
}

export function detectKeyPhrases(text: string): KeyPhrase[] {
  const phrases: KeyPhrase[] = capitalisedRuns(text).map((run) => ({ BeginOffset: run.begin, EndOffset: run.end, Score: 0.9, Text: run.text }));
  const list = words(text);
  const chars = [...text];
  list.forEach((w, i) => {
    const next = list[i + 1];
    if (/^\d+$/.test(w.word) && next && !isCapitalised(next.word)) {
      phrases.push({ BeginOffset: w.begin, EndOffset: next.end, Score: 0.8, Text: chars.slice(w.begin, next.end).join("") });
    }
  });
  return phrases.sort((a, b) => a.BeginOffset - b.BeginOffset);
}

const STOP_WORDS: Readonly<Record<string, readonly string[]>> = {
  en: ["the", "and", "is", "of", "to", "it", "this", "was", "with", "for"],
  es: ["el", "la", "los", "las", "es", "y", "que", "de", "con", "para"],
  fr: ["le", "les", "est", "et", "des", "une", "avec", "pour", "dans", "pas"],
  de: ["der", "die", "das", "und", "ist", "nicht", "mit", "ein", "eine", "für"],
  it: ["il", "gli", "della", "sono", "che", "non", "per", "con", "una", "questo"],
  pt: ["o", "os", "não", "que", "uma", "com", "para", "muito", "isso", "é"],
};

export function detectDominantLanguage(text: string): { Languages: { LanguageCode: string; Score: number }[] } {
  const lower = words(text).map((w) => w.word.toLowerCase());
  const counts = Object.entries(STOP_WORDS).map(([code, list]) => {
    const set = new Set(list);
    return { code, hits: lower.filter((w) => set.has(w)).length };
  });
  const best = counts.reduce((a, b) => (b.hits > a.hits ? b : a), { code: "en", hits: 0 });
  return { Languages: [{ LanguageCode: best.code, Score: best.hits > 0 ? 0.95 : 0.5 }] };
}

const PII_PATTERNS: readonly { type: PiiEntity["Type"]; pattern: RegExp }[] = [
  { type: "EMAIL", pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g },
  { type: "PHONE", pattern: /(?<![\w-])(?:\+\d{1,3}[ -]?)?(?:\(\d{2,4}\)[ -]?)?\d{3}[ -]\d{3,4}(?:[ -]\d{3,4})?(?![\w-])/g },
  { type: "DATE_TIME", pattern: /\b\d{4}-\d{2}-\d{2}\b/g },
];

/** A UTF-16 index as a code-point offset. */
function codePointOffset(text: string, index: number): number {
  return [...text.slice(0, index)].length;
}

export function detectPiiEntities(text: string): PiiEntity[] {
  const found: PiiEntity[] = [];
  for (const { type, pattern } of PII_PATTERNS) {
    for (const match of text.matchAll(pattern)) {
      const begin = codePointOffset(text, match.index);
      const end = begin + [...match[0]].length;
      if (found.some((f) => begin < f.EndOffset && f.BeginOffset < end)) continue;
      found.push({ BeginOffset: begin, EndOffset: end, Score: 0.99, Type: type });
    }
  }
  return found.sort((a, b) => a.BeginOffset - b.BeginOffset);
}

/** ONLY_REDACTION: the text with each PII entity of `types` (or ALL) masked or replaced by `[TYPE]`. */
export function redact(
  text: string,
  entities: readonly PiiEntity[],
  config: { types: readonly string[]; maskMode: "MASK" | "REPLACE_WITH_PII_ENTITY_TYPE"; maskCharacter: string },
): string {
  const chars = [...text];
  const chosen = entities.filter((e) => config.types.includes("ALL") || config.types.includes(e.Type));
  let out = "";
  let at = 0;
  for (const e of chosen) {
    out += chars.slice(at, e.BeginOffset).join("");
    out += config.maskMode === "MASK" ? config.maskCharacter.repeat(e.EndOffset - e.BeginOffset) : `[${e.Type}]`;
    at = e.EndOffset;
  }
  return out + chars.slice(at).join("");
}
