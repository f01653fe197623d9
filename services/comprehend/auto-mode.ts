/**
 * analyzeMany's mode "auto": whether the job path may be taken at all, and reading a stream just
 * far enough to know whether it holds more than the threshold (analyzeMany takes a stream, whose
 * length is known only at its end).
 */
import type { ServiceContext } from "../context";
import type { AnalyzeOptions } from "./types";

/** Why "auto" must stay synchronous whatever the size, or undefined. */
export function syncOnlyReason<T>(ctx: ServiceContext, options: AnalyzeOptions<T>): string | undefined {
  // A context assembled by hand (a backend's, a test's) may have no configuration at all.
  if (!(ctx.config as ServiceContext["config"] | undefined)?.comprehendRoleArn) {
    return "no Comprehend role is configured (COMPREHEND_ROLE_ARN, or the stack outputs' comprehendRoleArn), and analysis jobs need one";
  }
  if ((options.language ?? "en") === "auto") return 'language "auto" detects each document\'s language first, which analysis jobs cannot do';
  return undefined;
}

export type Held<T> = { ended: true; held: T[] } | { ended: false; rest: AsyncGenerator<T, void, undefined> };

/**
 * Reads up to `threshold` + 1 documents. If the source ends first, answers them (`ended`); else a
 * stream of every document, the held ones first, then the rest of the source.
 */
export async function holdUpTo<T>(source: AsyncIterable<T> | Iterable<T>, threshold: number): Promise<Held<T>> {
  const input: AsyncIterator<T> | Iterator<T> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  const held: (T | undefined)[] = [];
  while (held.length <= threshold) {
    const next = await input.next();
    if (next.done) return { ended: true, held: held as T[] };
    held.push(next.value);
  }
  async function* rest(): AsyncGenerator<T, void, undefined> {
    let finished = false;
    try {
      for (let i = 0; i < held.length; i++) {
        const item = held[i] as T;
        held[i] = undefined; // let each go once it is handed on
        yield item;
      }
      for (;;) {
        const next = await input.next();
        if (next.done) {
          finished = true;
          return;
        }
        yield next.value;
      }
    } finally {
      if (!finished) await input.return?.();
    }
  }
  return { ended: false, rest: rest() };
}
