/**
 * The non-blank lines of a text file, each with its line number, for inputs given as files (batch
 * job records, user ids to delete): a missing or unreadable file ends in the caller's own error,
 * naming the file, and the file is closed however the reading ends.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export async function* numberedLines(
  path: string,
  /** Builds the error to throw: `missing` when the file does not exist, `unreadable` with the reason otherwise. */
  fail: (problem: { missing: true } | { missing: false; reason: string }) => Error,
): AsyncGenerator<{ line: string; n: number }> {
  const stream = createReadStream(path, { encoding: "utf8" });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
  } catch (err) {
    throw fail((err as NodeJS.ErrnoException).code === "ENOENT" ? { missing: true } : { missing: false, reason: (err as Error).message });
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() !== "") yield { line, n };
    }
  } catch (err) {
    throw fail({ missing: false, reason: (err as Error).message });
  } finally {
    lines.close();
    stream.destroy();
  }
}
