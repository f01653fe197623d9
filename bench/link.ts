/**
 * A modelled network link for benchmarks: a loopback TCP proxy between a client and the emulator that
 * gives every connection its own bandwidth cap and adds a round-trip delay, as S3 over the internet
 * does (AWS's guidance: about one connection's worth of throughput per request, 85-90 MB/s each; and
 * every request waits at least a round trip). Loopback hides both, so a client tuned on loopback
 * (few connections, serial round trips) looks faster than it is. Scaled down here to what the
 * emulator on this machine can serve: 8 MB/s per connection and 20 ms by default.
 *
 * Each direction of a connection is a queue: a chunk leaves when the previous one has left plus its
 * own transmission time (size / bandwidth), and arrives half a round trip later. At most `windowBytes`
 * may be queued per direction (TCP's window), after which the sender is paused.
 */
import { type AddressInfo, type Server, type Socket, connect, createServer } from "node:net";

export interface LinkModel {
  /** Bytes per second, per connection and direction. */
  bytesPerSecond: number;
  /** Round trip, in milliseconds (each direction adds half). */
  rttMs: number;
  /** Bytes in flight per direction before the sender is paused (default 1 MiB). */
  windowBytes?: number;
}

export interface Link {
  /** `http://127.0.0.1:PORT`: use it as the client's endpoint. */
  endpoint: string;
  /** Connections opened through the link so far. */
  connections(): number;
  close(): Promise<void>;
}

export const DEFAULT_LINK: LinkModel = { bytesPerSecond: 8_000_000, rttMs: 20 };

/**
 * One direction of one connection: from `source` to `sink`, through the modelled queue. One timer at
 * a time, for the chunk at the head: timers of different durations due in the same millisecond may
 * fire in any order, and reordered chunks would garble the stream.
 */
function direction(source: Socket, sink: Socket, model: LinkModel): void {
  const window = model.windowBytes ?? 1024 * 1024;
  const queue: { chunk: Buffer; arrivesAt: number }[] = [];
  let leavesAt = 0;
  let queued = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;
  const deliver = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0] as { arrivesAt: number }).arrivesAt <= now + 0.5) {
      const { chunk } = queue.shift() as { chunk: Buffer };
      queued -= chunk.length;
      if (!sink.destroyed) sink.write(chunk);
    }
    if (queued <= window && source.isPaused()) source.resume();
    if (queue.length > 0) timer = setTimeout(deliver, (queue[0] as { arrivesAt: number }).arrivesAt - now);
    else if (ended) sink.end();
  };
  source.on("data", (chunk: Buffer) => {
    const now = performance.now();
    leavesAt = Math.max(leavesAt, now) + (chunk.length / model.bytesPerSecond) * 1000;
    queue.push({ chunk, arrivesAt: leavesAt + model.rttMs / 2 });
    queued += chunk.length;
    if (queued > window) source.pause();
    timer ??= setTimeout(deliver, (queue[0] as { arrivesAt: number }).arrivesAt - now);
  });
  source.on("end", () => {
    ended = true;
    if (queue.length === 0 && timer === undefined) sink.end();
  });
}

/** Starts a link in front of `upstream` (`http://127.0.0.1:PORT`). */
export async function startLink(upstream: string, model: LinkModel = DEFAULT_LINK): Promise<Link> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let opened = 0;
  const server: Server = createServer((client) => {
    opened++;
    const server = connect(Number(target.port), target.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        server.destroy();
      });
    }
    client.setNoDelay(true);
    server.setNoDelay(true);
    direction(client, server, model);
    direction(server, client, model);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => opened,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
