import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A hostile "node" on 127.0.0.1 for outbound-client tests: each path is one misbehaviour. The
 * `canary` path stands for an internal service an attacker wants the auditor to read; `hits`
 * counts every request that reached the server at all.
 */
export interface HostileServer {
  url: string;
  /** Requests received, by path (without query). */
  hits: Map<string, number>;
  /** Bytes written on the `/huge` answer before the client hung up. */
  hugeBytesSent: number;
  /** Every request (method, path, host header), in order. */
  log: Array<{ method: string; path: string; host: string | undefined }>;
  close(): Promise<void>;
}

export const CANARY_TEXT = "CANARY-internal-admin-secret";

export async function startHostileServer(
  routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {},
): Promise<HostileServer> {
  const state = { hugeBytesSent: 0 };
  const hits = new Map<string, number>();
  const log: HostileServer["log"] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    log.push({ method: req.method ?? "", path, host: req.headers.host });
    const custom = Object.entries(routes).find(([prefix]) => path.startsWith(prefix));
    if (custom) return custom[1](req, res);
    if (path.startsWith("/canary")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ secret: CANARY_TEXT, root: CANARY_TEXT }));
      return;
    }
    if (path.startsWith("/redirect")) {
      res.writeHead(302, { location: `http://127.0.0.1:${(server.address() as AddressInfo).port}/canary` });
      res.end();
      return;
    }
    if (path.startsWith("/huge")) {
      // ~600 MB of JSON-looking bytes, written as fast as the client reads, never in memory at once.
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      const total = 600 * 1024 * 1024;
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"root":"');
      const pump = () => {
        while (state.hugeBytesSent < total) {
          state.hugeBytesSent += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end('"}');
      };
      res.on("close", () => res.removeAllListeners("drain"));
      pump();
      return;
    }
    if (path.startsWith("/slow-body")) {
      // Headers and the start of a body at once, then nothing: the rest never comes.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"agreementId":"1","proofs":[');
      return;
    }
    if (path.startsWith("/silent")) return; // accepts the connection, never answers
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "NotFound", code: "not_found", message: "no such path" }));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    get hugeBytesSent() {
      return state.hugeBytesSent;
    },
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Requests the server received on paths starting with `prefix`. */
export function hitsOn(server: HostileServer, prefix: string): number {
  let n = 0;
  for (const [path, count] of server.hits) if (path.startsWith(prefix)) n += count;
  return n;
}
