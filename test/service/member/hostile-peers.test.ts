import { expect } from "chai";
import type { Address, Hex } from "viem";
import { requestCoSignature } from "../../../src/member/epoch-close";
import { fetchSessionKeyCertificate } from "../../../src/member/peer-session-keys";
import { createOutboundClient } from "../../../src/net";
import { CANARY_TEXT, type HostileServer, hitsOn, startHostileServer } from "../net/hostile-server";
import { devAccount } from "./chain";

const recipient = "0x00000000000000000000000000000000000000c1" as Address;
const batch = { agreementId: 1n, flow: 0, epoch: 0n, count: 3, root: `0x${"5a".repeat(32)}` as Hex };

describe("member node → other members' nodes: hostile peers", function () {
  this.timeout(60_000);
  let server: HostileServer;
  const account = devAccount(3);
  const cosign = (url: string, outbound?: ReturnType<typeof createOutboundClient>) =>
    requestCoSignature(
      {
        member: account.address,
        account,
        peerDomain: { chainId: 31337, consortium: "0x00000000000000000000000000000000000000aa" },
        peerUrl: () => url,
        now: () => BigInt(Math.floor(Date.now() / 1000)),
        outbound,
      },
      recipient,
      batch as never,
    );

  before(async () => {
    server = await startHostileServer({
      "/bad-cosign": (_req, res) => {
        res.writeHead(409, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            message: `${CANARY_TEXT}\u001b[31m${"x".repeat(100_000)}`,
            expected: { root: 5 },
          }),
        );
      },
    });
  });
  after(async () => server?.close());

  it("session keys: a profile URI on loopback or a redirect to it is never fetched", async () => {
    expect(await fetchSessionKeyCertificate(`${server.url}/canary`)).to.equal(undefined);
    expect(
      await fetchSessionKeyCertificate(`${server.url}/redirect`, {
        outbound: createOutboundClient({ allowPrivateNetworks: true }),
      }),
    ).to.equal(undefined);
    expect(hitsOn(server, "/canary")).to.equal(0);
    expect(hitsOn(server, "/redirect")).to.equal(1);
  });

  it("co-signature: a recipient URI on loopback is refused before connecting; a node's junk never becomes the reason", async () => {
    const refused = await cosign(`${server.url}/canary`);
    expect(refused.type).to.equal("refused");
    expect(hitsOn(server, "/canary")).to.equal(0);
    if (refused.type === "refused") expect(refused.reason).to.match(/address: refused$/);

    const junk = await cosign(
      `${server.url}/bad-cosign`,
      createOutboundClient({ allowPrivateNetworks: true }),
    );
    expect(junk.type).to.equal("refused");
    if (junk.type !== "refused") return;
    expect(junk.reason.length).to.be.below(300);
    expect(junk.reason).to.not.include("\u001b");
  });
});
