import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { FastifyInstance } from "fastify";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
  ".woff2": "font/woff2",
};

/**
 * Serves the built dashboard from `dir`: `/` is index.html, `/assets/*` are Vite's hashed files
 * (cached for a year, since their names change with their content). Paths that leave `dir` or do
 * not exist get a JSON 404 like every other miss.
 */
export function registerDashboardRoutes(app: FastifyInstance, dir: string) {
  const root = path.resolve(dir);
  const send = async (relative: string, reply: import("fastify").FastifyReply) => {
    const file = path.resolve(root, relative);
    if (file !== root && !file.startsWith(root + path.sep)) return notFound(reply, relative);
    try {
      const info = await stat(file);
      if (!info.isFile()) return notFound(reply, relative);
    } catch {
      return notFound(reply, relative);
    }
    const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
    const immutable = relative.startsWith("assets/");
    return reply
      .header("content-type", type)
      .header("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache")
      .header("x-content-type-options", "nosniff")
      .send(await readFile(file));
  };
  app.get("/", (_request, reply) => send("index.html", reply));
  app.get("/assets/*", (request, reply) => send(`assets/${(request.params as { "*": string })["*"]}`, reply));
  app.get("/favicon.svg", (_request, reply) => send("favicon.svg", reply));
}

function notFound(reply: import("fastify").FastifyReply, relative: string) {
  const missingBuild = relative === "index.html";
  return reply.status(404).send({
    error: "NotFound",
    message: missingBuild
      ? "the dashboard is not built: call buildDashboard() from src/web/build.ts (the server does on start)"
      : `no dashboard file ${relative.slice(0, 200)}`,
  });
}
