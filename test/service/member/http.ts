import { expect } from "chai";
import type { MemberNodes } from "../../../src/member/node";
import { LANDING_TOKEN_PARAM } from "../../../src/member/tracking-server";

/** Follows a member's tracking link and returns the token from the redirect. */
export async function followLink(
  running: MemberNodes,
  referrer: number,
  agreementId: bigint,
  flow: number,
): Promise<{ token: string; location: string }> {
  const response = await running.nodes[referrer].app.inject({
    method: "GET",
    url: `/r/${agreementId}/${flow}`,
  });
  expect(response.statusCode, response.body).to.equal(302);
  const location = String(response.headers.location);
  const token = new URL(location).searchParams.get(LANDING_TOKEN_PARAM);
  if (!token) throw new Error(`no token in ${location}`);
  return { token, location };
}

export async function postArrival(
  running: MemberNodes,
  recipient: number,
  agreementId: bigint,
  flow: number,
  token: string,
) {
  const response = await running.nodes[recipient].app.inject({
    method: "POST",
    url: `/v1/agreements/${agreementId}/flows/${flow}/arrivals`,
    payload: { token },
  });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}
