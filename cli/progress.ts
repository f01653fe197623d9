/**
 * Progress of a long transfer on stderr: bytes sent, rate and time left. On a terminal, one live
 * line rewritten in place (at most ~10 times a second); piped, a plain line every few seconds and
 * no control characters; with `--quiet`, nothing. `done()` ends with a summary, `fail()` ends the
 * line so the error that follows starts on its own. Time comes from `now`, so tests drive the clock.
 */
import type { Logger } from "@roadmapx-ai/services";
import { elapsed } from "./action";

/** What the progress writes to: process.stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width: a live line longer than it would wrap and could not be rewritten. */
  columns?: number;
}

export interface TransferProgressOptions {
  /** Names the transfer at the start of every line, e.g. the file. */
  label: string;
  /** Bytes to send, when known: adds the percentage and the time left. */
  total?: number | undefined;
  /** Write nothing (`--quiet`); lines passed through `around` still go out. */
  quiet?: boolean | undefined;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** Live line or plain lines; default: the stream is a TTY and TERM is not `dumb`. */
  isTTY?: boolean;
  /** Milliseconds, monotonic; default performance.now. */
  now?: () => number;
  /** Piped: a line every this many ms (default 5000). */
  intervalMs?: number;
  /** TTY: redraw at most every this many ms (default 100). */
  redrawMs?: number;
  /** The rate is measured over about this many recent ms (default 3000), so it follows changes. */
  windowMs?: number;
}

export interface TransferProgress {
  /** `bytes` sent so far (cumulative). */
  update(bytes: number): void;
  /** The transfer finished: end with a summary line. Later calls do nothing. */
  done(): void;
  /** The transfer stopped: end the live line (saying how far it got) so an error can follow. */
  fail(): void;
  /** Writes other lines (`write` prints them) without breaking the live line: cleared, printed, redrawn. */
  around(write: () => void): void;
}

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/** Binary units with one decimal, as the CLI prints sizes elsewhere: `512 B`, `1.5 KiB`, `1.0 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // 1023.95 MiB would print as "1024.0 MiB": say "1.0 GiB" instead.
  if (value.toFixed(1) === "1024.0" && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** A duration for the summary: tenths of a second under a minute, else the CLI's `1m05s`. */
function took(ms: number): string {
  return ms < 59_950 ? `${(ms / 1000).toFixed(1)}s` : elapsed(ms);
}

export function createTransferProgress(options: TransferProgressOptions): TransferProgress {
  const stream = options.stream ?? process.stderr;
  const tty = options.isTTY ?? (stream.isTTY === true && process.env["TERM"] !== "dumb");
  const now = options.now ?? (() => performance.now());
  const intervalMs = options.intervalMs ?? 5000;
  const redrawMs = options.redrawMs ?? 100;
  const windowMs = options.windowMs ?? 3000;
  const { label, total } = options;
  const quiet = options.quiet === true;

  const started = now();
  let bytes = 0;
  let finished = false;
  /** TTY: whether a live line is on screen (and must be ended or cleared). */
  let drawn = false;
  let lastDraw = -Infinity;
  let lastLine = started;
  /** (time, bytes) points of the last `windowMs` or so, oldest first; the first is the window's start. */
  const samples: { t: number; bytes: number }[] = [{ t: started, bytes: 0 }];

  function rateAt(t: number): number | undefined {
    const oldest = samples[0] as { t: number; bytes: number };
    const dt = t - oldest.t;
    return dt > 0 ? ((bytes - oldest.bytes) * 1000) / dt : undefined;
  }

  function describe(t: number): string {
    const parts = [
      total !== undefined && total > 0 ? `${formatBytes(bytes)} of ${formatBytes(total)} (${Math.floor((bytes / total) * 100)}%)` : formatBytes(bytes),
    ];
    const rate = rateAt(t);
    if (rate !== undefined) {
      parts.push(`${formatBytes(rate)}/s`);
      if (total !== undefined && rate > 0 && bytes < total) parts.push(`${elapsed(((total - bytes) / rate) * 1000)} left`);
    }
    return `${label}: ${parts.join(", ")}`;
  }

  function fit(line: string): string {
    const columns = stream.columns;
    return columns && columns > 1 && line.length > columns - 1 ? line.slice(0, columns - 1) : line;
  }

  function draw(t: number): void {
    stream.write(`\r${fit(describe(t))}\x1b[K`);
    drawn = true;
    lastDraw = t;
  }

  /** The last line: the live one rewritten and ended, or a plain one. */
  function finalLine(line: string): void {
    stream.write(tty ? `\r${line}\x1b[K\n` : `${line}\n`);
    drawn = false;
  }

  return {
    update(sent) {
      if (finished) return;
      const t = now();
      bytes = Math.max(bytes, sent);
      const last = samples[samples.length - 1] as { t: number; bytes: number };
      // One point per 50 ms is plenty for the rate; the window's first point is never overwritten.
      if (samples.length > 1 && t - last.t < 50) {
        last.t = t;
        last.bytes = bytes;
      } else samples.push({ t, bytes });
      while (samples.length > 1 && (samples[1] as { t: number }).t <= t - windowMs) samples.shift();
      if (quiet) return;
      if (tty) {
        if (t - lastDraw >= redrawMs) draw(t);
      } else if (t - lastLine >= intervalMs) {
        lastLine = t;
        stream.write(`${describe(t)}\n`);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (quiet) return;
      const ms = now() - started;
      const average = ms > 0 ? ` (${formatBytes((bytes * 1000) / ms)}/s)` : "";
      finalLine(`${label}: uploaded ${formatBytes(bytes)} in ${took(ms)}${average}`);
    },
    fail() {
      if (finished) return;
      finished = true;
      if (quiet || (!drawn && bytes === 0)) return;
      const of = total !== undefined && total > 0 ? ` of ${formatBytes(total)} (${Math.floor((bytes / total) * 100)}%)` : "";
      finalLine(`${label}: stopped after ${formatBytes(bytes)}${of}`);
    },
    around(write) {
      if (!drawn) return write();
      stream.write("\r\x1b[K");
      drawn = false;
      write();
      if (!finished) draw(now());
    },
  };
}

/** A service logger whose lines go around the live progress line instead of through it. */
export function loggerAround(logger: Logger, progress: TransferProgress): Logger {
  return {
    info: (message) => progress.around(() => logger.info(message)),
    warn: (message) => progress.around(() => logger.warn(message)),
  };
}
