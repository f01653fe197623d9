/**
 * Every request that is not a job operation (the real-time Detect* and BatchDetect* calls, the
 * other job types, anything else) goes to the upstream (the emulator) unchanged: same method, path,
 * headers and body, streamed both ways; only Host names the upstream. The signature is the
 * client's, made for the stand-in's host: the emulator does not check it.
 */
import { type IncomingMessage, type ServerResponse, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export function forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
  const send = upstream.protocol === "https:" ? httpsRequest : httpRequest;
  const headers = { ...req.headers, host: upstream.host };
  const out = send({ protocol: upstream.protocol, hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  out.on("error", (err) => {
    if (!res.headersSent) {
      res.writeHead(502, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({ __type: "InternalServerException", Message: `The stand-in could not reach the emulator at ${upstream.origin}: ${err.message}` }),
      );
    } else {
      res.destroy(err);
    }
  });
  req.pipe(out);
}
