/** Client-side pacing (services/rate-limit.ts), on a clock that moves only when the limiter sleeps. */
import { expect } from "chai";
import { RateLimiter, Semaphore } from "../../services/rate-limit";

function clock(start = 1000) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => (t += ms),
    sleeps,
  };
}

describe("RateLimiter", () => {
  it("lets the first call start at once and spaces the next ones evenly", async () => {
    const c = clock();
    const limiter = new RateLimiter(4, c.now, c.sleep);
    for (let i = 0; i < 4; i++) await limiter.acquire();
    expect(c.sleeps).to.deep.equal([250, 250, 250]);
    expect(limiter.perSecond).to.equal(4);
  });

  it("does not bank unused time: after a quiet spell the next call starts at once, then the spacing resumes", async () => {
    const c = clock();
    const limiter = new RateLimiter(10, c.now, c.sleep);
    await limiter.acquire();
    c.advance(5000);
    await limiter.acquire();
    await limiter.acquire();
    expect(c.sleeps).to.deep.equal([100]);
  });

  it("waits only for what is left of the interval", async () => {
    const c = clock();
    const limiter = new RateLimiter(2, c.now, c.sleep);
    await limiter.acquire();
    c.advance(200);
    await limiter.acquire();
    c.advance(400);
    await limiter.acquire();
    expect(c.sleeps).to.deep.equal([300, 100]);
  });

  it("queues callers that ask at the same moment one interval apart", async () => {
    const c = clock();
    const waits: number[] = [];
    const sleepy = new RateLimiter(5, c.now, async (ms) => {
      waits.push(ms);
    });
    await Promise.all([sleepy.acquire(), sleepy.acquire(), sleepy.acquire()]);
    expect(waits).to.deep.equal([200, 400]);
  });

  it("refuses a rate that is not a positive finite number", () => {
    for (const rate of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new RateLimiter(rate), String(rate)).to.throw(RangeError, `calls per second must be a positive number (got ${rate})`);
    }
    expect(() => new RateLimiter(0.01)).to.not.throw();
  });
});

describe("Semaphore", () => {
  it("runs at most `limit` tasks at once, starts a waiting one as each ends, and passes results and errors through", async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const started: number[] = [];
    const task = (i: number) => () =>
      new Promise<number>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        started.push(i);
        releases.push(() => {
          running--;
          resolve(i * 10);
        });
      });
    const results = [0, 1, 2, 3].map((i) => semaphore.run(task(i)));
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([0, 1]);
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
    expect(started).to.deep.equal([0, 1, 2]);
    while (releases.length) {
      releases.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(results)).to.deep.equal([0, 10, 20, 30]);
    expect(peak).to.equal(2);
    // A task that throws frees its slot too.
    const one = new Semaphore(1);
    const failed = one.run(async () => {
      throw new Error("task failed");
    });
    let error: unknown;
    try {
      await failed;
    } catch (err) {
      error = err;
    }
    expect(error).to.have.property("message", "task failed");
    expect(await one.run(async () => "next")).to.equal("next");
  });
});
