import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import { CONVERSION_REPORT_PATH, type ConversionReport } from "../protocol/conversion-report";
import type { StoreDriver } from "../store/driver";
import { ForbiddenPeerError, InvalidRequestError } from "./errors";
import type { PeerAuthenticator } from "./peer-auth";

export {
  CONVERSION_REPORT_PATH,
  type ConversionReport,
  type ConversionReportRow,
} from "../protocol/conversion-report";

/**
 * `GET /v1/reports/conversions?recipient=<this member>[&agreementId=N]`: counts only — arrivals
 * and conversions per (agreement, flow, epoch) this member received —, never a click id, time or
 * anything about a visitor. Only for requests signed by an account holding MATCHER_ROLE (the
 * node-request scheme of peer-auth.ts: chain id, Consortium, method, path with query, time and
 * body hash, unreplayable); `recipient` is part of the signed path, so a request made for one
 * member's node is refused by every other. The matching daemon weighs its proposals with these
 * conversion rates. The answer is a `ConversionReport` of src/protocol/conversion-report.ts, the
 * schema the daemon's feed parses it with.
 */
export function registerConversionReportRoute(
  app: FastifyInstance,
  options: { member: Address; driver: StoreDriver; auth: PeerAuthenticator },
): void {
  const member = options.member.toLowerCase() as Address;
  app.get(CONVERSION_REPORT_PATH, async (request): Promise<ConversionReport> => {
    await options.auth.authenticate(
      { method: request.method, url: request.url, headers: request.headers, rawBody: "" },
      "matcher",
    );
    const { agreementId, recipient } = request.query as { agreementId?: unknown; recipient?: unknown };
    if (typeof recipient !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(recipient))
      throw new InvalidRequestError("recipient must be the address of the member whose report is asked");
    if (recipient.toLowerCase() !== member)
      throw new ForbiddenPeerError(`this node reports for ${member}, not ${recipient.toLowerCase()}`);
    if (
      agreementId !== undefined &&
      (typeof agreementId !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(agreementId))
    )
      throw new InvalidRequestError("agreementId must be a decimal uint256");
    const rows = await options.driver.query<{
      agreement_id: bigint;
      flow: number;
      epoch: bigint;
      arrivals: bigint;
      conversions: bigint;
    }>(
      `SELECT a.agreement_id, a.flow, a.epoch, count(*) AS arrivals, count(c.click_id) AS conversions
       FROM member_arrivals a LEFT JOIN member_conversions c ON c.tenant = a.tenant AND c.click_id = a.click_id
       WHERE a.tenant = $1 ${agreementId === undefined ? "" : "AND a.agreement_id = $2"}
       GROUP BY a.agreement_id, a.flow, a.epoch ORDER BY a.agreement_id, a.flow, a.epoch`,
      agreementId === undefined ? [member] : [member, agreementId],
    );
    return {
      member,
      rows: rows.map((r) => ({
        agreementId: BigInt(r.agreement_id).toString(),
        flow: Number(r.flow),
        epoch: BigInt(r.epoch).toString(),
        arrivals: Number(r.arrivals),
        conversions: Number(r.conversions),
      })),
    };
  });
}
