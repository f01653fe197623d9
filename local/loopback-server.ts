/** The loopback HTTP plumbing every local stand-in shares: listen on 127.0.0.1, its endpoint, close. */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listens on 127.0.0.1:`port` (0: a free one); rejects when the port cannot be bound. */
export async function listenOnLoopback(server: Server, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** `http://127.0.0.1:<port>` of a listening server. */
export function loopbackEndpoint(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes it, keep-alive connections included, so that a test or `npm start` ends at once. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
