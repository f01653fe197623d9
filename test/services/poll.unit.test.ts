/** pollUntil, on a controllable clock: no test here waits in real time. */
import { expect } from "chai";
import { WaitFailedError, WaitTimeoutError, pollUntil } from "../../services/poll";

/** A clock that only moves when the code under test sleeps. */
function fakeClock() {
  let t = 0;
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
