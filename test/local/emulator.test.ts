import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListBucketsCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { alive, until } from "../helpers/process";
import { DUMMY_CREDENTIALS, Emulator, EmulatorError, findOrInstallMoto, freePort } from "../../local/emulator";
import { AwsClients } from "../../services/aws/clients";
import { sharedEmulator } from "../helpers/emulator";

const ROOT = join(__dirname, "..", "..");

/** Runs test/fixtures/start-emulator.ts in a child Node process and returns it with the emulator's pid. */
async function childWithEmulator(mode: "stay" | "keep-and-exit") {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "test", "fixtures", "start-emulator.ts"), mode], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes("\n")) resolve(buffered.split("\n")[0] ?? "");
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before reporting`)));
  });
  return { child, ...(JSON.parse(line) as { pid: number; port: number }) };
}

/** A fake `python` for the discovery tests: a shell script with scripted answers. */
function fakePython(dir: string, name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe("local emulator lifecycle", function () {
  this.timeout(60_000);

  it("starts on a free loopback port, answers S3, and reset() empties it", async () => {
    const emulator = await sharedEmulator();
    expect(emulator.endpoint).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const clients = new AwsClients({ region: "us-east-1", endpoint: emulator.endpoint, credentials: DUMMY_CREDENTIALS });
    // The emulator is shared by the whole run: start from empty, whatever ran before.
    await emulator.reset();
    await clients.s3.send(new CreateBucketCommand({ Bucket: "reset-me" }));
    expect((await clients.s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).to.deep.equal(["reset-me"]);
    await emulator.reset();
    expect((await clients.s3.send(new ListBucketsCommand({}))).Buckets ?? []).to.have.length(0);
    clients.destroy();
  });

  it("refuses a fixed port that is already in use, naming the port and the fix", async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, "127.0.0.1", () => r()));
    try {
      let caught: unknown;
      try {
        await Emulator.start({ port });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(EmulatorError);
      expect(String(caught)).to.match(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use; choose another with --port`));
    } finally {
      blocker.close();
    }
  });

  it("stop() ends the server by PID", async () => {
    const emulator = await Emulator.start();
    expect(alive(emulator.pid)).to.equal(true);
    await emulator.stop();
    expect(alive(emulator.pid)).to.equal(false);
    expect(emulator.isRunning()).to.equal(false);
  });

  it("an emulator killed mid-suite gives a clear error, not a hang", async () => {
    const emulator = await Emulator.start();
    process.kill(emulator.pid, "SIGKILL");
    await until(() => !emulator.isRunning(), 5000);
    let caught: unknown;
    try {
      await emulator.reset();
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(EmulatorError);
    expect(String(caught)).to.match(new RegExp(`the local AWS emulator \\(moto, pid ${emulator.pid}, .*\\) was killed \\(SIGKILL\\); restart the run`));
  });

  it("leaves no process behind when the Node process that started it is killed (SIGKILL)", async () => {
    const { child, pid } = await childWithEmulator("stay");
    expect(alive(pid)).to.equal(true);
    child.kill("SIGKILL");
    expect(await until(() => !alive(pid), 10_000), `moto pid ${pid} still running`).to.equal(true);
  });

  it("keep: true leaves the server running after its starter exits (for `local --keep`)", async () => {
    const { pid, port } = await childWithEmulator("keep-and-exit");
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(alive(pid)).to.equal(true);
      const res = await fetch(`http://127.0.0.1:${port}/moto-api/data.json`);
      expect(res.status).to.equal(200);
    } finally {
      process.kill(pid, "SIGTERM");
      expect(await until(() => !alive(pid), 5000)).to.equal(true);
    }
  });

  describe("finding moto", () => {
    const dir = mkdtempSync(join(tmpdir(), "roadmapx-python-"));

    it("uses the first interpreter that has moto 5.1+ and says which version", async () => {
      const found = await findOrInstallMoto({ candidates: [join(dir, "missing"), "python3"], install: false });
      expect(found.python).to.equal("python3");
      expect(found.motoVersion).to.match(/^5\.\d+/);
    });

    it("names an interpreter whose moto is too old, and the pip command", async () => {
      const old = fakePython(dir, "python-old", 'echo "4.2.14"');
      let caught: unknown;
      try {
        await findOrInstallMoto({ candidates: [old], install: false });
      } catch (err) {
        caught = err;
      }
      expect(String(caught)).to.match(/python-old has moto 4\.2\.14/);
      expect(String(caught)).to.match(/pip install "moto\[server\]>=5\.1,<6"/);
    });

    it("says Python is needed when there is none", async () => {
      let caught: unknown;
      try {
        await findOrInstallMoto({ candidates: [join(dir, "no-python-here")], venvDir: join(dir, "venv-none") });
      } catch (err) {
        caught = err;
      }
      expect(caught).to.be.instanceOf(EmulatorError);
      expect(String(caught)).to.match(/Python 3\.9\+ is needed to run the local AWS emulator \(moto\)/);
    });

    it("installs into a project-local virtual environment when moto is missing, and reports a failed install", async () => {
      // A Python without moto whose venv/pip steps fail the way an offline machine does.
      const bare = fakePython(
        dir,
        "python-bare",
        [
          'case "$*" in',
          '  *"import sys"*) exit 0 ;;',
          '  *"-m venv"*) mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0 ;;',
          '  *"-m pip"*) echo "ERROR: Could not find a version that satisfies the requirement moto" >&2; exit 1 ;;',
          "  *) exit 1 ;;",
          "esac",
        ].join("\n"),
      );
      const lines: string[] = [];
      let caught: unknown;
      try {
        await findOrInstallMoto({ candidates: [bare], venvDir: join(dir, "venv"), progress: (l) => lines.push(l) });
      } catch (err) {
        caught = err;
      }
      expect(lines[0]).to.match(/moto 5\.1\+ not found; installing moto\[server\]>=5\.1,<6 into .*venv \(one time\)/);
      expect(String(caught)).to.match(/could not install moto\[server\]>=5\.1,<6 into .*venv: ERROR: Could not find a version/);
      expect(String(caught)).to.match(/Install it yourself with `pip install "moto\[server\]>=5\.1,<6"`/);
    });
  });
});
