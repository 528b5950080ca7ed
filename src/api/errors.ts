import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

/** An expected failure of an API request, answered as `{ error, message }` with `statusCode`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ApiError";
  }
}

export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, "NotFound", message);
  }
}

/** The request is well formed but the resource is not in a state that allows it. */
export class ConflictError extends ApiError {
  constructor(message: string) {
    super(409, "Conflict", message);
  }
}

/** The server was started without the capability the route needs (e.g. no member keys). */
export class NotConfiguredError extends ApiError {
  constructor(message: string) {
    super(501, "NotConfigured", message);
  }
}

/** The chain or member node refused or failed an action the API forwarded. */
export class UpstreamError extends ApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(502, "UpstreamFailed", message, options);
  }
}

const REASONS: Record<number, string> = {
  400: "BadRequest",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  413: "PayloadTooLarge",
  414: "UriTooLong",
  415: "UnsupportedMediaType",
  431: "HeadersTooLarge",
};

/**
 * Every error becomes `{ error, message }` JSON. Validation and parsing failures (fastify's own
 * errors carry a 4xx `statusCode`) stay 4xx, so a malformed request can never look like a server
 * fault; anything unexpected is logged and answered 500 without internals.
 */
export function handleApiError(error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof ApiError) {
    return reply.status(error.statusCode).send({ error: error.error, message: error.message });
  }
  if ((error as FastifyError).validation) {
    const context = (error as FastifyError).validationContext ?? "request";
    return reply.status(400).send({ error: "BadRequest", message: `invalid ${context}: ${error.message}` });
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return reply.status(status).send({ error: REASONS[status] ?? "BadRequest", message: error.message });
  }
  request.log.error({ err: error }, "unexpected error answering %s %s", request.method, request.url);
  return reply
    .status(500)
    .send({ error: "InternalError", message: "unexpected server error; see the server log" });
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send({
    error: "NotFound",
    message: `no route ${request.method} ${request.url.split("?")[0].slice(0, 200)}; see GET /api/openapi.json`,
  });
}
