/** pollUntil, on a controllable clock: no test here waits in real time. */
import { expect } from "chai";
import { WaitFailedError, WaitTimeoutError, formatDuration, pollUntil } from "../../services/poll";

/** A clock that only moves when the code under test sleeps. */
function fakeClock(start = 0) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

const error = (name: string, status?: number) => Object.assign(new Error(name), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}) });

/** describe() answers from a script: a status string, or an error to throw. */
function scripted(steps: (string | Error)[]) {
  let i = 0;
  return async () => {
    const step = steps[Math.min(i++, steps.length - 1)];
    if (step instanceof Error) throw step;
    return step as string;
  };
}

const base = { what: "job j1", statusOf: (s: string) => s, done: ["ACTIVE"], failed: ["CREATE FAILED"], intervalMs: 1000, maxIntervalMs: 4000 };

describe("pollUntil (fake clock)", () => {
  it("tolerates more than five transient errors in all, as long as good polls come between them", async () => {
    const clock = fakeClock();
    const throttled = error("ThrottlingException", 400);
    const steps: (string | Error)[] = [];
    for (let round = 0; round < 4; round++) steps.push(throttled, throttled, throttled, "CREATE IN_PROGRESS");
    steps.push("ACTIVE");
    expect(await pollUntil({ ...base, describe: scripted(steps), ...clock })).to.equal("ACTIVE");
  });

  it("gives up after six transient errors in a row, with the service's error", async () => {
    const clock = fakeClock();
    const unavailable = error("ServiceUnavailable", 503);
    let caught: unknown;
    try {
      await pollUntil({ ...base, describe: scripted([unavailable]), ...clock });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.equal(unavailable);
    // The same 1.5x backoff as between good polls, up to the cap.
    expect(clock.sleeps).to.deep.equal([1000, 1500, 2250, 3375, 4000]);
  });

  it("retries a 5xx whatever it is named, and not a 4xx that is the request's fault", async () => {
    const clock = fakeClock();
    expect(await pollUntil({ ...base, describe: scripted([error("SomethingNew", 502), "ACTIVE"]), ...clock })).to.equal("ACTIVE");
    const invalid = error("InvalidInputException", 400);
    let caught: unknown;
    try {
      await pollUntil({ ...base, describe: scripted([invalid]), ...fakeClock() });
    } catch (err) {
      caught = err;
    }
    expect(caught).to.equal(invalid);
  });

  it("backs off by 1.5x up to the cap, reports each status once, fails with the reason, times out with the last status", async () => {
    const clock = fakeClock();
    const seen: string[] = [];
    let failure: unknown;
    try {
      await pollUntil({
        ...base,
        describe: scripted(["CREATE PENDING", "CREATE PENDING", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "CREATE IN_PROGRESS", "CREATE FAILED"]),
        reasonOf: () => "Input CSV is missing TIMESTAMP",
        onStatus: (s) => seen.push(`${s.status}@${s.elapsedMs}`),
        ...clock,
      });
    } catch (err) {
      failure = err;
    }
    expect(clock.sleeps).to.deep.equal([1000, 1500, 2250, 3375, 4000]);
    expect(seen).to.deep.equal(["CREATE PENDING@0", "CREATE IN_PROGRESS@2500", "CREATE FAILED@12125"]);
    expect(failure).to.be.instanceOf(WaitFailedError);
    expect(String(failure)).to.include("Input CSV is missing TIMESTAMP");

    let timeout: unknown;
    try {
      await pollUntil({ ...base, describe: scripted(["CREATE IN_PROGRESS"]), timeoutMs: 5000, ...fakeClock() });
    } catch (err) {
      timeout = err;
    }
    expect(timeout).to.be.instanceOf(WaitTimeoutError);
    expect(String(timeout)).to.include("CREATE IN_PROGRESS");
  });
});

describe("pollUntil: defaults, callbacks and limits (fake clock)", () => {
  const catching = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err;
    }
    throw new Error("expected a rejection");
  };

  it("waits 5 s, then 1.5x more each time up to 60 s, when no interval is given", async () => {
    const clock = fakeClock();
    const steps = Array.from({ length: 12 }, () => "CREATE IN_PROGRESS");
    const { what, statusOf, done, failed } = base;
    await pollUntil({ what, statusOf, done, failed, describe: scripted([...steps, "ACTIVE"]), ...clock });
    expect(clock.sleeps).to.deep.equal([5000, 7500, 11250, 16875, 25313, 37970, 56955, 60000, 60000, 60000, 60000, 60000]);
  });

  it("gives up after 6 hours by default, saying how long it waited and that nothing was cancelled", async () => {
    const clock = fakeClock();
    const { what, statusOf, done, failed } = base;
    const err = await catching(pollUntil({ what, statusOf, done, failed, describe: scripted(["CREATE IN_PROGRESS"]), ...clock }));
    expect(err).to.be.instanceOf(WaitTimeoutError);
    const timeout = err as WaitTimeoutError;
    // The next 60 s pause would pass 6 h: it stops before it.
    expect(timeout.elapsedMs)
      .to.be.above(6 * 3600_000 - 60_000)
      .and.at.most(6 * 3600_000);
    expect(timeout).to.include({ name: "WaitTimeoutError", what: "job j1", status: "CREATE IN_PROGRESS" });
    expect(timeout.message).to.match(/^job j1 is still CREATE IN_PROGRESS after 5h\d\dm; it goes on in AWS \(nothing was cancelled\): check it again later$/);
  });

  it("polls once more when the next pause ends exactly at the time-out, not when it would pass it", async () => {
    const exact = fakeClock();
    const done = await pollUntil({ ...base, describe: scripted(["CREATE IN_PROGRESS", "ACTIVE"]), timeoutMs: 1000, ...exact });
    expect(done).to.equal("ACTIVE");
    expect(exact.sleeps).to.deep.equal([1000]);
    const over = fakeClock();
    const err = await catching(pollUntil({ ...base, describe: scripted(["CREATE IN_PROGRESS", "ACTIVE"]), timeoutMs: 999, ...over }));
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect(over.sleeps).to.deep.equal([]);
  });

  it("measures the time-out from the first poll, not from the clock's zero (a clock far from 0), transient errors included", async () => {
    // A clock that reads like Date.now(): elapsed time is now() - started, whatever now() is.
    const late = fakeClock(1_764_000_000_000);
    const done = await pollUntil({
      ...base,
      describe: scripted([error("ServiceUnavailable", 503), "CREATE IN_PROGRESS", "ACTIVE"]),
      timeoutMs: 10_000,
      ...late,
    });
    expect(done).to.equal("ACTIVE");
    expect(late.sleeps).to.deep.equal([1000, 1500]);
    // At the exact time-out a transient error still gets its poll; past it, not.
    const edge = fakeClock(1_764_000_000_000);
    expect(await pollUntil({ ...base, describe: scripted([error("ServiceUnavailable", 503), "ACTIVE"]), timeoutMs: 1000, ...edge })).to.equal("ACTIVE");
    const past = fakeClock(1_764_000_000_000);
    const err = await catching(pollUntil({ ...base, describe: scripted([error("ServiceUnavailable", 503), "ACTIVE"]), timeoutMs: 999, ...past }));
    expect(err).to.be.instanceOf(WaitTimeoutError);
  });

  it("calls onPoll on every poll and onStatus only on changes, with the elapsed time", async () => {
    const clock = fakeClock();
    const polls: string[] = [];
    const statuses: string[] = [];
    await pollUntil({
      ...base,
      describe: scripted(["CREATE PENDING", "CREATE PENDING", "ACTIVE"]),
      onPoll: (s) => polls.push(`${s.status}@${s.elapsedMs}`),
      onStatus: (s) => statuses.push(`${s.status}@${s.elapsedMs}`),
      ...clock,
    });
    expect(polls).to.deep.equal(["CREATE PENDING@0", "CREATE PENDING@1000", "ACTIVE@2500"]);
    expect(statuses).to.deep.equal(["CREATE PENDING@0", "ACTIVE@2500"]);
  });

  it("returns the final state itself, not its status", async () => {
    const state = { status: "ACTIVE", arn: "arn:j1" };
    const result = await pollUntil({ ...base, describe: async () => state, statusOf: (s: typeof state) => s.status, ...fakeClock() });
    expect(result).to.equal(state);
  });

  it("a failed status without a reason says only the status", async () => {
    const err = await catching(pollUntil({ ...base, describe: scripted(["CREATE FAILED"]), ...fakeClock() }));
    expect(err).to.be.instanceOf(WaitFailedError);
    expect(err).to.include({ name: "WaitFailedError", what: "job j1", status: "CREATE FAILED", reason: undefined, message: "job j1 ended in CREATE FAILED" });
    const withReason = await catching(pollUntil({ ...base, describe: scripted(["CREATE FAILED"]), reasonOf: () => "bad CSV", ...fakeClock() }));
    expect((withReason as Error).message).to.equal("job j1 ended in CREATE FAILED: bad CSV");
  });

  it("maxTransientErrors sets how many errors in a row it tolerates", async () => {
    const throttled = error("ThrottlingException", 400);
    const twice = fakeClock();
    expect(await pollUntil({ ...base, describe: scripted([throttled, throttled, "ACTIVE"]), maxTransientErrors: 2, ...twice })).to.equal("ACTIVE");
    expect(twice.sleeps).to.deep.equal([1000, 1500]);
    const thrice = fakeClock();
    expect(await catching(pollUntil({ ...base, describe: scripted([throttled, throttled, throttled, "ACTIVE"]), maxTransientErrors: 2, ...thrice }))).to.equal(
      throttled,
    );
    expect(thrice.sleeps).to.deep.equal([1000, 1500]);
    const none = fakeClock();
    expect(await catching(pollUntil({ ...base, describe: scripted([throttled, "ACTIVE"]), maxTransientErrors: 0, ...none }))).to.equal(throttled);
  });

  it("transient errors until the time-out end in WaitTimeoutError with the last status seen (UNKNOWN before any)", async () => {
    const unavailable = error("ServiceUnavailable", 503);
    const never = await catching(pollUntil({ ...base, describe: scripted([unavailable]), timeoutMs: 2000, maxTransientErrors: 100, ...fakeClock() }));
    expect(never).to.be.instanceOf(WaitTimeoutError);
    expect(never).to.include({ status: "UNKNOWN", elapsedMs: 1000 });
    const seen = await catching(
      pollUntil({ ...base, describe: scripted(["CREATE PENDING", unavailable]), timeoutMs: 5000, maxTransientErrors: 100, ...fakeClock() }),
    );
    expect(seen).to.include({ status: "CREATE PENDING", elapsedMs: 4750 });
  });

  it("measures the time-out from the first reading of the clock, through transient errors too", async () => {
    const unavailable = error("ServiceUnavailable", 503);
    let t = 1_000_000;
    const sleeps: number[] = [];
    const clock = {
      now: () => t,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        t += ms;
      },
    };
    // Errors only, on a clock that does not start at 0: 1000 + 1500 fit in 2500 exactly, 2250 more do not.
    const err = await catching(pollUntil({ ...base, describe: scripted([unavailable]), timeoutMs: 2500, maxTransientErrors: 100, ...clock }));
    expect(err).to.be.instanceOf(WaitTimeoutError);
    expect(err).to.include({ status: "UNKNOWN", elapsedMs: 2500 });
    expect(sleeps).to.deep.equal([1000, 1500]);
  });

  it("reads the clock through `now`: the elapsed time is measured from the first reading", async () => {
    let t = 1_000_000;
    const sleeps: number[] = [];
    const statuses: number[] = [];
    await pollUntil({
      ...base,
      describe: scripted(["CREATE PENDING", "ACTIVE"]),
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms + 7;
      },
      onPoll: (s) => statuses.push(s.elapsedMs),
    });
    expect(statuses).to.deep.equal([0, 1007]);
  });
});

describe("formatDuration", () => {
  it("seconds under a minute, minutes and seconds under an hour, then hours and minutes", () => {
    expect(formatDuration(0)).to.equal("0s");
    expect(formatDuration(1499)).to.equal("1s");
    expect(formatDuration(1500)).to.equal("2s");
    expect(formatDuration(59_499)).to.equal("59s");
    expect(formatDuration(59_500)).to.equal("1m00s");
    expect(formatDuration(61_000)).to.equal("1m01s");
    expect(formatDuration(3599_000)).to.equal("59m59s");
    expect(formatDuration(3600_000)).to.equal("1h00m");
    expect(formatDuration(3600_000 + 65_000)).to.equal("1h01m");
    expect(formatDuration(26 * 3600_000 + 30 * 60_000)).to.equal("26h30m");
  });
});
