import type { RouteOptions } from "fastify";

type Schema = Record<string, unknown>;

// The OpenAPI fields a route schema may carry (what @fastify/swagger would add to the type).
declare module "fastify" {
  interface FastifySchema {
    operationId?: string;
    summary?: string;
    description?: string;
    tags?: readonly string[];
    /** Left out of the OpenAPI document. */
    hide?: boolean;
  }
}

interface CollectedRoute {
  method: string;
  url: string;
  schema: Schema;
}

/**
 * Collects the schema of every API route as fastify registers it (its `onRoute` hook), and turns
 * them into an OpenAPI 3.1 document: the document is generated from the very schemas that
 * validate requests, so it cannot drift from the code.
 */
export function createOpenApiCollector() {
  const routes: CollectedRoute[] = [];
  return {
    onRoute(route: RouteOptions) {
      if (!route.url.startsWith("/api/") || !route.schema || route.schema.hide) return;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        if (method === "HEAD") continue;
        routes.push({ method: method.toLowerCase(), url: route.url, schema: route.schema as Schema });
      }
    },
    document(info: { title: string; version: string; description: string }) {
      return buildDocument(routes, info);
    },
  };
}

function buildDocument(
  routes: readonly CollectedRoute[],
  info: { title: string; version: string; description: string },
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const s = route.schema;
    const parameters = [
      ...parametersOf(s.params as Schema | undefined, "path"),
      ...parametersOf(s.querystring as Schema | undefined, "query"),
      ...parametersOf(s.headers as Schema | undefined, "header"),
    ];
    const responses: Record<string, unknown> = {};
    for (const [code, body] of Object.entries((s.response as Record<string, Schema>) ?? {})) {
      responses[code] = {
        description: (body.description as string) ?? (code.startsWith("2") ? "Success" : "Error"),
        content: { "application/json": { schema: body } },
      };
    }
    const operation: Record<string, unknown> = {
      operationId: (s.operationId as string) ?? `${route.method}${path.replace(/[^A-Za-z0-9]+/g, "_")}`,
      summary: s.summary,
      description: s.description,
      tags: s.tags,
      parameters,
      responses,
    };
    if (s.body)
      operation.requestBody = { required: true, content: { "application/json": { schema: s.body } } };
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return { openapi: "3.1.0", info, paths };
}

function parametersOf(schema: Schema | undefined, where: "path" | "query" | "header") {
  if (!schema || typeof schema.properties !== "object") return [];
  const required = new Set((schema.required as string[]) ?? []);
  return Object.entries(schema.properties as Record<string, Schema>).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    description: property.description,
    schema: property,
  }));
}
