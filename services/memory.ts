/**
 * Keeping a long lib-storage upload's memory flat.
 *
 * V8 frees a dead Buffer's memory only when the JavaScript object holding it is collected, and it
 * starts a full collection for Buffers only after about 64 MiB of new off-heap memory. lib-storage
 * makes a fresh part-sized Buffer for every part (it concatenates the chunks it reads), and a part
 * lives long enough to reach the old generation, so a scavenge never frees it: without help a
 * process carries up to 64 MiB of finished parts on top of the ones in flight.
 *
 * So a batch upload (`sagemaker upload`) asks for a full collection every couple of parts, and asks
 * for it *async*: V8 then marks concurrently on its helper threads and finishes on the event loop,
 * instead of stopping the upload each time. The cost is real (seconds of CPU per GiB on two cores:
 * the README's benchmark section), which is why the Personalize import, which reads every byte itself, does not use
 * lib-storage at all but reuses its own part buffers (services/part-upload.ts) and needs none of this.
 *
 * Forcing collections in someone else's server can still cost it CPU, so this is opt-in: the CLI
 * (a batch process) turns it on; the library does so only when asked.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** How often a batch upload collects: every 16 MiB sent (two 8 MiB parts). */
export const BATCH_COLLECT_EVERY_MIB = 16;

let collect: (() => void) | undefined;

/** V8's `gc` extension; the options object is V8's (see its `--expose-gc` documentation). */
type V8Gc = (options?: { type?: "major" | "minor"; execution?: "sync" | "async" }) => void;

/**
 * A function that starts a full garbage collection without blocking the caller. The first call
 * exposes V8's `gc` (the same switch as `node --expose-gc`); batch entry points call it at start-up,
 * before the heap has grown.
 */
export function garbageCollector(): () => void {
  if (!collect) {
    const existing = (globalThis as { gc?: V8Gc }).gc;
    let gc: V8Gc;
    if (typeof existing === "function") {
      gc = existing;
    } else {
      setFlagsFromString("--expose-gc");
      gc = runInNewContext("gc") as V8Gc;
    }
    collect = () => gc({ type: "major", execution: "async" });
  }
  return collect;
}
