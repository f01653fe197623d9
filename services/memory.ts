/**
 * Keeping a long streaming upload's memory flat.
 *
 * V8 frees a dead Buffer's memory only when the JavaScript object holding it is collected, and it
 * starts a full collection for Buffers only after about 64 MiB of new off-heap memory. A multipart
 * upload makes a fresh part-sized Buffer for every part, so without help a process carries up to
 * 64 MiB of finished parts on top of the ones in flight. Collecting every couple of parts keeps the
 * footprint near the parts in flight, for about 15 ms per collection (measured: peak RSS of a 1 GiB
 * validate-and-upload drops by ~20 MiB; see bench/personalize-upload.bench.ts).
 *
 * Forcing collections in someone else's server can stall its requests, so this is opt-in: the CLI
 * (a batch process) turns it on; the library does so only when asked.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** How often a batch upload collects: every 16 MiB sent (two 8 MiB parts). */
export const BATCH_COLLECT_EVERY_MIB = 16;

let collect: (() => void) | undefined;

/**
 * A function that runs a full garbage collection. The first call exposes V8's `gc` (the same switch
 * as `node --expose-gc`); batch entry points call it at start-up, before the heap has grown.
 */
export function garbageCollector(): () => void {
  if (!collect) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (typeof existing === "function") {
      collect = existing;
    } else {
      setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    }
  }
  return collect;
}
