import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { ApiError } from "./errors";

/** The request carries no operator token, or a wrong one. */
export class UnauthorizedError extends ApiError {
  constructor(message: string) {
    super(401, "Unauthorized", message);
  }
}

/** A fresh operator token: 32 random bytes, base64url (what `npm start` prints in the dashboard URL). */
export function generateOperatorToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Checks `Authorization: Bearer <token>` on a member action. The dashboard reads the token from
 * its URL fragment (`#token=…`, never sent to a server or written to a log) and keeps it in
 * sessionStorage; nobody else holds it. Compared in constant time (digests of equal length).
 *
 * @example
 * const check = createOperatorCheck(token);
 * app.post("/api/…", async (request) => { check(request); … });
 */
export function createOperatorCheck(token: string): (request: FastifyRequest) => void {
  const expected = createHash("sha256").update(token).digest();
  return (request) => {
    const header = request.headers.authorization;
    const match = typeof header === "string" ? /^Bearer ([\x21-\x7e]{1,512})$/.exec(header) : null;
    if (!match)
      throw new UnauthorizedError(
        "member actions need the operator token (Authorization: Bearer …): open the dashboard URL printed at start, with its #token=",
      );
    const given = createHash("sha256").update(match[1]).digest();
    if (!timingSafeEqual(given, expected)) throw new UnauthorizedError("the operator token is wrong");
  };
}
