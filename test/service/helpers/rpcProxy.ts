import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** How the proxy fails a request: as a load balancer with no backend, or as a sick node. */
export type RpcFailure = "http-503" | "rpc-internal-error";

export interface RpcProxy {
  /** The proxy's URL: give it to the client under test instead of the node's. */
  url: string;
  /** Fails the JSON-RPC methods `methods` (all when omitted) with `failure` until `heal()`. */
  fail(failure: RpcFailure, methods?: string[]): void;
  heal(): void;
  /** Stops listening and drops open connections: clients get "connection refused". */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Requests failed (by `fail`) so far, per method. */
  failed: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A tiny JSON-RPC proxy in front of a real node, to cut the client under test off the chain
 * (an RPC outage) without touching the chain itself.
 */
export async function startRpcProxy(targetUrl: string): Promise<RpcProxy> {
  let failure: { kind: RpcFailure; methods?: string[] } | undefined;
  const failed = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let request: { id?: unknown; method?: string } = {};
    try {
      request = JSON.parse(body);
    } catch {
      // forwarded as it is
    }
    const method = request.method ?? "";
    if (failure && (!failure.methods || failure.methods.includes(method))) {
      failed.set(method, (failed.get(method) ?? 0) + 1);
      if (failure.kind === "http-503") {
        res.writeHead(503, { "content-type": "text/plain" }).end("no backend available");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: request.id,
          error: { code: -32603, message: "internal error" },
        }),
      );
      return;
    }
    try {
      const answer = await fetch(targetUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
    } catch {
      res.writeHead(502).end();
    }
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);
  const down = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return {
    url: `http://127.0.0.1:${port}`,
    fail(kind, methods) {
      failure = { kind, methods };
    },
    heal() {
      failure = undefined;
    },
    down,
    up: async () => {
      await listen(port);
    },
    failed,
    close: async () => {
      if (server.listening) await down();
    },
  };
}
