/** cli/progress.ts: the live line on a TTY, plain lines when piped, nothing when quiet; the clock is driven. */
import { expect } from "chai";
import { createTransferProgress, formatBytes, loggerAround, type TransferProgressOptions } from "../../cli/progress";

const MIB = 1024 * 1024;

/** A fake stderr that keeps every write, and a clock the test moves. */
function harness(options: Partial<TransferProgressOptions> & { isTTY: boolean; columns?: number }) {
  const writes: string[] = [];
  let t = 1000;
  const stream = { isTTY: options.isTTY, write: (s: string) => writes.push(s), ...(options.columns ? { columns: options.columns } : {}) };
  const progress = createTransferProgress({ label: "data.csv", now: () => t, stream, ...options });
  return {
    progress,
    writes,
    output: () => writes.join(""),
    /** Moves the clock to `ms` after the start, then reports `bytes` sent. */
    at(ms: number, bytes: number) {
      t = 1000 + ms;
      progress.update(bytes);
    },
    tick(ms: number) {
      t = 1000 + ms;
    },
  };
}

/** What a terminal would show: each `\r` returns to the start of the line, `\x1b[K` clears the rest. */
function screen(output: string): string[] {
  return output
    .replaceAll("\x1b[K", "")
    .split("\n")
    .map((line) => line.slice(line.lastIndexOf("\r") + 1));
}

describe("formatBytes (cli/progress.ts)", () => {
  it("binary units with one decimal", () => {
    expect(formatBytes(0)).to.equal("0 B");
    expect(formatBytes(1023)).to.equal("1023 B");
    expect(formatBytes(1536)).to.equal("1.5 KiB");
    expect(formatBytes(512 * MIB)).to.equal("512.0 MiB");
    expect(formatBytes(1024 * MIB)).to.equal("1.0 GiB");
    expect(formatBytes(1024 * MIB - 1)).to.equal("1.0 GiB");
    expect(formatBytes(3 * 1024 * 1024 * MIB)).to.equal("3.0 TiB");
  });
});

describe("createTransferProgress (cli/progress.ts)", () => {
  describe("on a TTY", () => {
    it("rewrites one line in place, at most every 100 ms, with percentage, rate and time left", () => {
      const h = harness({ isTTY: true, total: 100 * MIB });
      h.at(0, 0); // drawn at once: nothing known yet
      h.at(1000, 10 * MIB); // 10 MiB/s
      h.at(1050, 11 * MIB); // 50 ms after the last draw: skipped
      h.at(1099, 12 * MIB); // still skipped
      h.at(2000, 20 * MIB);
      expect(h.writes).to.deep.equal([
        "\rdata.csv: 0 B of 100.0 MiB (0%)\x1b[K",
        "\rdata.csv: 10.0 MiB of 100.0 MiB (10%), 10.0 MiB/s, 9s left\x1b[K",
        "\rdata.csv: 20.0 MiB of 100.0 MiB (20%), 10.0 MiB/s, 8s left\x1b[K",
      ]);
      expect(h.output()).to.not.include("\n");
    });

    it("measures the rate over the last few seconds, so a slowdown shows at once, and the time left follows it", () => {
      const h = harness({ isTTY: true, total: 1000 * MIB, windowMs: 3000 });
      for (let s = 1; s <= 10; s++) h.at(s * 1000, s * 50 * MIB); // 50 MiB/s for 10 s: 500 MiB
      expect(h.writes.at(-1)).to.equal("\rdata.csv: 500.0 MiB of 1000.0 MiB (50%), 50.0 MiB/s, 10s left\x1b[K");
      for (let s = 11; s <= 14; s++) h.at(s * 1000, 500 * MIB + (s - 10) * 5 * MIB); // then 5 MiB/s
      // Since the start it would be 520/14 = 37.1 MiB/s; over the last 3 s it is 5 MiB/s.
      expect(h.writes.at(-1)).to.equal("\rdata.csv: 520.0 MiB of 1000.0 MiB (52%), 5.0 MiB/s, 1m36s left\x1b[K");
    });

    it("without a total: bytes and rate only", () => {
      const h = harness({ isTTY: true });
      h.at(0, 0);
      h.at(2000, 3 * MIB);
      expect(h.writes).to.deep.equal(["\rdata.csv: 0 B\x1b[K", "\rdata.csv: 3.0 MiB, 1.5 MiB/s\x1b[K"]);
    });

    it("done() rewrites the live line as the summary and ends it", () => {
      const h = harness({ isTTY: true, total: 1024 * MIB });
      h.at(6000, 512 * MIB);
      h.at(12_300, 1024 * MIB);
      h.progress.done();
      expect(h.writes.at(-1)).to.equal("\rdata.csv: uploaded 1.0 GiB in 12.3s (83.3 MiB/s)\x1b[K\n");
      expect(screen(h.output())).to.deep.equal(["data.csv: uploaded 1.0 GiB in 12.3s (83.3 MiB/s)", ""]);
      h.at(13_000, 2048 * MIB);
      h.progress.done();
      h.progress.fail();
      expect(h.writes).to.have.length(3);
    });

    it("fail() ends the live line with how far it got, so the error starts on its own line", () => {
      const h = harness({ isTTY: true, total: 100 * MIB });
      h.at(1000, 30 * MIB);
      h.progress.fail();
      expect(h.writes.at(-1)).to.equal("\rdata.csv: stopped after 30.0 MiB of 100.0 MiB (30%)\x1b[K\n");
      expect(h.output().endsWith("\n")).to.equal(true);
      h.at(2000, 40 * MIB);
      expect(h.writes).to.have.length(2);
    });

    it("fail() before anything was sent writes nothing", () => {
      const h = harness({ isTTY: true, total: 100 * MIB });
      h.progress.fail();
      expect(h.writes).to.deep.equal([]);
    });

    it("lines written around it clear the live line, go out whole, and the live line comes back", () => {
      const h = harness({ isTTY: true, total: 100 * MIB });
      h.at(1000, 10 * MIB);
      const logger = loggerAround({ info: (m) => h.writes.push(`${m}\n`), warn: (m) => h.writes.push(`! ${m}\n`) }, h.progress);
      h.tick(1010);
      logger.warn("cost: something");
      logger.info("note");
      expect(h.writes.slice(1)).to.deep.equal([
        "\r\x1b[K",
        "! cost: something\n",
        "\rdata.csv: 10.0 MiB of 100.0 MiB (10%), 9.9 MiB/s, 9s left\x1b[K",
        "\r\x1b[K",
        "note\n",
        "\rdata.csv: 10.0 MiB of 100.0 MiB (10%), 9.9 MiB/s, 9s left\x1b[K",
      ]);
      h.progress.done();
      logger.info("after");
      expect(h.writes.at(-1)).to.equal("after\n");
    });

    it("a line wider than the terminal is cut, so it never wraps", () => {
      const h = harness({ isTTY: true, total: 100 * MIB, columns: 20 });
      h.at(1000, 10 * MIB);
      expect(h.writes).to.deep.equal(["\rdata.csv: 10.0 MiB \x1b[K"]);
    });
  });

  describe("piped", () => {
    it("a plain line every interval (5 s by default), never a carriage return or escape, then the summary", () => {
      const h = harness({ isTTY: false, total: 100 * MIB });
      for (let ms = 0; ms <= 12_000; ms += 500) h.at(ms, (ms / 1000) * 5 * MIB);
      h.progress.done();
      expect(h.writes).to.deep.equal([
        "data.csv: 25.0 MiB of 100.0 MiB (25%), 5.0 MiB/s, 15s left\n",
        "data.csv: 50.0 MiB of 100.0 MiB (50%), 5.0 MiB/s, 10s left\n",
        "data.csv: uploaded 60.0 MiB in 12.0s (5.0 MiB/s)\n",
      ]);
      expect(h.output()).to.not.include("\r").and.not.include("\x1b");
    });

    it("a short transfer prints only the summary; intervalMs sets the spacing", () => {
      const short = harness({ isTTY: false, total: 4 * MIB });
      short.at(100, 2 * MIB);
      short.at(200, 4 * MIB);
      short.progress.done();
      expect(short.writes).to.deep.equal(["data.csv: uploaded 4.0 MiB in 0.2s (20.0 MiB/s)\n"]);

      const fast = harness({ isTTY: false, intervalMs: 1000 });
      fast.at(999, MIB);
      fast.at(1000, 2 * MIB);
      fast.at(1500, 3 * MIB);
      fast.at(2000, 4 * MIB);
      expect(fast.writes).to.deep.equal(["data.csv: 2.0 MiB, 2.0 MiB/s\n", "data.csv: 4.0 MiB, 2.0 MiB/s\n"]);
    });

    it("fail() says how far it got on a line of its own; lines around it pass straight through", () => {
      const h = harness({ isTTY: false, total: 100 * MIB });
      h.at(1000, 30 * MIB);
      h.progress.around(() => h.writes.push("warning\n"));
      h.progress.fail();
      expect(h.writes).to.deep.equal(["warning\n", "data.csv: stopped after 30.0 MiB of 100.0 MiB (30%)\n"]);
    });

    it("takes the stream's isTTY when not told", () => {
      const writes: string[] = [];
      let t = 0;
      const p = createTransferProgress({ label: "x", total: 100, now: () => t, stream: { write: (s: string) => writes.push(s) } });
      t = 10_000;
      p.update(50);
      expect(writes).to.deep.equal(["x: 50 B of 100 B (50%), 5 B/s, 10s left\n"]);
    });
  });

  describe("quiet", () => {
    for (const isTTY of [true, false]) {
      it(`writes nothing at all (${isTTY ? "TTY" : "piped"}), but lines written around it still go out`, () => {
        const h = harness({ isTTY, total: 100 * MIB, quiet: true });
        for (let ms = 0; ms <= 20_000; ms += 250) h.at(ms, ms * 1024);
        h.progress.around(() => h.writes.push("! cost\n"));
        h.progress.done();
        h.progress.fail();
        expect(h.writes).to.deep.equal(["! cost\n"]);
      });
    }
  });
});
