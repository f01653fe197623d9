/**
 * The CSV validator's fast path: a small WebAssembly scanner (wasm/line-scanner.wat, 16 bytes at a
 * time with SIMD) vouches for whole simple lines and stops at the first line it cannot, which the
 * TypeScript validator then checks and reports as usual. Why: V8 reads bytes one at a time, so
 * validating in TypeScript took a large share of a validate-and-upload's CPU on two cores; the
 * scanner does the same work several times faster (figures: the README's benchmark section). Where
 * WebAssembly is unavailable (node --jitless), the validator simply does all the work itself.
 */
import { LINE_SCANNER_WASM_HEX } from "./wasm/line-scanner.wasm";

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly:
// the little of it used here, declared locally.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface ScannerExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scan(start: number, end: number, lastColumn: number): number;
}

/** Where things are in the scanner's memory (see the .wat file). */
const CODES = 0;
const MAXIMA = 64;
const GOOD_LINES = 1024;
const MAX_ID = 1028;
const DATA = 4096;
const PAGE = 65536;
const PADDING = 16;
/** The most columns the scanner knows codes for; wider files take the general path. */
export const FAST_LINES_MAX_COLUMNS = 64;
/** Bytes copied into the scanner at a time: its memory stays this small however big the chunks. */
const WINDOW = 1024 * 1024;

let scanner: ScannerExports | null | undefined;

function loadScanner(): ScannerExports | null {
  if (scanner === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(LINE_SCANNER_WASM_HEX, "hex"));
      scanner = new WebAssembly.Instance(module).exports as ScannerExports;
    } catch {
      scanner = null; // no WebAssembly here: the general path does everything
    }
  }
  return scanner;
}

/** What the validator hands over: its column codes and maxima, and where to send other lines. */
export interface FastLineTarget {
  readonly codes: Uint8Array;
  readonly maxima: Float64Array;
  readonly maxIdBytes: number;
  /** Counts lines the scanner vouched for. */
  simpleLines(count: number): void;
  /** buf[start..last] (buf[last] is "\n"), checked by the general path. */
  otherLines(buf: Buffer, start: number, last: number): void;
  /** Whether the next lines may go to the scanner again (false inside a multi-line record, say). */
  fastPathOpen(): boolean;
}

/** True when the scanner can run here and knows this many columns. */
export function fastLinesAvailable(columns: number): boolean {
  return columns >= 1 && columns <= FAST_LINES_MAX_COLUMNS && loadScanner() !== null;
}

/** True while a scan is using the shared scanner memory. */
let scanning = false;

/**
 * Lines from `from` go to the general path one at a time while the fast path is closed (inside a
 * multi-line record, after a blank line); returns where the first line after them starts.
 */
function generalWhileClosed(target: FastLineTarget, buf: Buffer, from: number, last: number): number {
  while (from <= last && !target.fastPathOpen()) {
    const newline = buf.indexOf(10, from);
    target.otherLines(buf, from, newline);
    from = newline + 1;
  }
  return from;
}

/** Checks buf[start..last] (whole lines, buf[last] is "\n") with the scanner and `target`. */
export function checkLines(target: FastLineTarget, buf: Buffer, start: number, last: number): void {
  const s = loadScanner();
  // One scanner memory for every validator: a validator fed from inside another's callback
  // (onFirstError, say) while a scan is under way takes the general path instead.
  if (!s || scanning) {
    target.otherLines(buf, start, last);
    return;
  }
  scanning = true;
  try {
    scanWindows(s, target, buf, start, last);
  } finally {
    scanning = false;
  }
}

function scanWindows(s: ScannerExports, target: FastLineTarget, buf: Buffer, start: number, last: number): void {
  const lastColumn = target.codes.length - 1;
  let from = start;
  while (from <= last) {
    from = generalWhileClosed(target, buf, from, last);
    if (from > last) return;
    // A window of whole lines; a single line longer than the window goes to the general path.
    let to = last;
    if (to + 1 - from > WINDOW) {
      to = buf.lastIndexOf(10, from + WINDOW - 1);
      if (to < from) {
        const newline = buf.indexOf(10, from);
        target.otherLines(buf, from, newline);
        from = newline + 1;
        continue;
      }
    }
    const length = to + 1 - from;
    if (DATA + length + PADDING > s.memory.buffer.byteLength) s.memory.grow(Math.ceil((DATA + length + PADDING - s.memory.buffer.byteLength) / PAGE));
    const memory = s.memory.buffer;
    new Uint8Array(memory).set(buf.subarray(from, to + 1), DATA);
    // The scanner reads 16 bytes at a time: what follows the data must never look like a separator.
    new Uint8Array(memory, DATA + length, PADDING).fill(0x61);
    // Set every time: validators with other schemas may have used the scanner since.
    new Uint8Array(memory, CODES, FAST_LINES_MAX_COLUMNS).set(target.codes);
    new Float64Array(memory, MAXIMA, FAST_LINES_MAX_COLUMNS).set(target.maxima);
    new Int32Array(memory, MAX_ID, 1)[0] = target.maxIdBytes;
    const end = DATA + length;
    let at = DATA;
    let simple = 0;
    let other = 0;
    for (;;) {
      const stop = s.scan(at, end, lastColumn);
      const good = new Int32Array(s.memory.buffer, GOOD_LINES, 1)[0] as number;
      target.simpleLines(good);
      simple += good;
      if (stop >= end) break;
      // Mostly lines the scanner cannot take (a file of quoted values, say): stopping and restarting
      // it for each costs more than it saves, so the rest of this window takes the general path.
      if (++other > 64 && other * 8 > simple) {
        target.otherLines(buf, from + (stop - DATA), to);
        break;
      }
      // The first line the scanner would not vouch for: the general path checks (and reports) it,
      // and the lines after it too while the fast path stays closed.
      const oddStart = from + (stop - DATA);
      const newline = buf.indexOf(10, oddStart);
      target.otherLines(buf, oddStart, newline);
      const next = generalWhileClosed(target, buf, newline + 1, to);
      at = DATA + (next - from);
      if (at >= end) break;
    }
    from = to + 1;
  }
}
