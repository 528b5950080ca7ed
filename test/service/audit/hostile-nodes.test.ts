import { expect } from "chai";
import type { Address, Hash, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { AuditedBatch, AuditModel } from "../../../src/audit/model";
import { spotCheckProofs } from "../../../src/audit/proof-checks";
import { createOutboundClient } from "../../../src/net";
import { CANARY_TEXT, type HostileServer, hitsOn, startHostileServer } from "../net/hostile-server";

const auditor = privateKeyToAccount(`0x${"11".repeat(32)}`);
const domain = { chainId: 31337, settlement: "0x00000000000000000000000000000000000000aa" as Address };
const referrer = "0x00000000000000000000000000000000000000b1" as Address;
const recipient = "0x00000000000000000000000000000000000000c1" as Address;

function batch(epoch: bigint, who: Address = referrer): AuditedBatch {
  return {
    agreementId: 1n,
    flow: 0n,
    epoch,
    referrer: who,
    recipient,
    cap: 100n,
    rate: 1n,
    segments: 1n,
    status: "committed",
    count: 10n,
    root: `0x${"5a".repeat(32)}` as Hex,
    settledCount: 10n,
    settledCredits: 10n,
    submittedAt: 0n,
    submittedBlock: 1n,
    transactions: [`0x${"01".repeat(32)}` as Hash],
  };
}

/** Only the batches matter to the spot-checks; the rest of the model is the verifier's. */
const modelOf = (batches: AuditedBatch[]) => ({ batches }) as unknown as AuditModel;

const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));

describe("proof spot-checks against hostile member nodes", function () {
  this.timeout(60_000);
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer({
      "/huge-root": (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            agreementId: "1",
            flow: "0",
            epoch: "0",
            count: 10,
            root: `0x${CANARY_TEXT}${"f".repeat(900_000)}`,
            proofs: [],
          }),
        );
      },
      "/refusing": (_req, res) => {
        res.writeHead(403, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            code: "not_auditor",
            message: `<script>${CANARY_TEXT}</script>${"x".repeat(5_000)}`,
          }),
        );
      },
    });
  });
  after(async () => server?.close());

  it("never fetches a profile URI on loopback, metadata or private addresses (refused before connecting)", async () => {
    const b2 = "0x00000000000000000000000000000000000000b2" as Address;
    const b3 = "0x00000000000000000000000000000000000000b3" as Address;
    const { findings, checks } = await spotCheckProofs(modelOf([batch(0n), batch(0n, b2), batch(0n, b3)]), {
      auditor,
      domain,
      nodeUrls: {
        [referrer]: `${server.url}/canary`,
        [b2]: "http://169.254.169.254/latest",
        [b3]: "http://10.0.0.1",
      },
      timeoutMs: 1_000,
    });
    expect(hitsOn(server, "/canary")).to.equal(0);
    expect(checks.map((c) => c.outcome)).to.deep.equal(["unreachable", "unreachable", "unreachable"]);
    const unreachable = findings.filter((f) => f.code === "proof-node-unreachable");
    expect(unreachable).to.have.length(3);
    for (const f of unreachable) expect(f.message).to.match(/address: refused$/);
    expect(json(findings)).to.not.include(CANARY_TEXT);
  });

  it("does not follow a node's redirect to an internal service", async () => {
    const { findings, checks } = await spotCheckProofs(modelOf([batch(0n)]), {
      auditor,
      domain,
      nodeUrls: { [referrer]: `${server.url}/redirect` },
      outbound: createOutboundClient({ allowPrivateNetworks: true }),
      timeoutMs: 2_000,
    });
    expect(hitsOn(server, "/canary")).to.equal(0);
    expect(checks[0].outcome).to.equal("unreachable");
    expect(json(findings)).to.not.include(CANARY_TEXT);
    expect(findings.map((f) => f.code)).to.deep.equal(["proof-node-unreachable"]);
  });

  it("counts a slow body as unreachable, never as an invalid proof (no FRAUD from a timeout)", async () => {
    const { findings, checks } = await spotCheckProofs(modelOf([batch(0n)]), {
      auditor,
      domain,
      nodeUrls: { [referrer]: `${server.url}/slow-body` },
      outbound: createOutboundClient({ allowPrivateNetworks: true, idleTimeoutMs: 300 }),
      timeoutMs: 600,
    });
    expect(checks[0].outcome).to.equal("unreachable");
    expect(findings.map((f) => f.code)).to.deep.equal(["proof-node-unreachable"]);
  });

  it("asks a silent node once per pass, and skips its other batches", async () => {
    const batches = [0n, 1n, 2n, 3n, 4n, 5n].map((e) => batch(e));
    const before = hitsOn(server, "/silent");
    const { findings, checks } = await spotCheckProofs(modelOf(batches), {
      auditor,
      domain,
      nodeUrls: { [referrer]: `${server.url}/silent` },
      outbound: createOutboundClient({ allowPrivateNetworks: true, idleTimeoutMs: 300 }),
      timeoutMs: 500,
    });
    expect(hitsOn(server, "/silent") - before).to.equal(1);
    expect(checks.map((c) => c.outcome)).to.deep.equal(Array(6).fill("unreachable"));
    expect(findings.map((f) => f.code)).to.deep.equal(["proof-node-unreachable"]);
    expect(findings[0].evidence.batches).to.have.length(6);
  });

  it("keeps a node's oversized or malformed strings out of the report", async () => {
    const local = createOutboundClient({ allowPrivateNetworks: true });
    const huge = await spotCheckProofs(modelOf([batch(0n)]), {
      auditor,
      domain,
      nodeUrls: { [referrer]: `${server.url}/huge-root` },
      outbound: local,
    });
    expect(huge.checks[0].outcome).to.equal("unreachable");
    expect(huge.findings.map((f) => f.code)).to.deep.equal(["proof-node-unreachable"]);
    expect(json(huge.findings)).to.not.include(CANARY_TEXT);
    expect(json(huge.findings).length).to.be.below(2_000);

    const refusing = await spotCheckProofs(modelOf([batch(0n)]), {
      auditor,
      domain,
      nodeUrls: { [referrer]: `${server.url}/refusing` },
      outbound: local,
    });
    expect(refusing.checks[0].outcome).to.equal("refused");
    expect(refusing.findings[0].evidence.answer).to.equal("not_auditor");
    expect(json(refusing.findings)).to.not.include("<script>");
  });
});
