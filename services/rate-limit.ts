/**
 * Client-side pacing: at most `perSecond` calls start per second, spaced evenly, so a steady stream
 * of requests stays under a service's quota instead of bursting into throttles. (The SDK's adaptive
 * retry mode still backs off when the service throttles anyway.)
 */
export class RateLimiter {
  private next = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`calls per second must be a positive number (got ${perSecond})`);
  }

  /** Resolves when the caller may start its next call. */
  async acquire(): Promise<void> {
    const interval = 1000 / this.perSecond;
    const now = this.now();
    const slot = Math.max(now, this.next);
    this.next = slot + interval;
    if (slot > now) await this.sleep(slot - now);
  }
}

/** Runs at most `limit` async tasks at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    while (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
