/**
 * The stand-in's notion of time. Every status is computed from it, so a test that owns the clock
 * decides when a resource moves on: it advances time instead of sleeping.
 */

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number;

/** A clock that moves only when told to: pass `clock.now` to the stand-in and to the pollers. */
export class ManualClock {
  private current: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  /** Bound, so it can be handed over as a plain function. */
  readonly now: Clock = () => this.current;

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`a clock only moves forward (got ${ms} ms)`);
    this.current += ms;
  }

  /** A `sleep` for pollers that advances this clock instead of waiting. */
  readonly sleep = (ms: number): Promise<void> => {
    this.advance(ms);
    return Promise.resolve();
  };
}
