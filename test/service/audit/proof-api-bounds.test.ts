import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { signProofRequest } from "../../../src/audit/proof-request";
import { type MemberNodes, startMemberNodes } from "../../../src/member/node";
import { createStore, type Store } from "../../../src/store/store";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { type AuditChain, admitMembers, createAuditChain } from "./scenario";

/**
 * A member node's proof API takes any flow and epoch a ProofRequest can sign (uint256, uint64):
 * values past the columns that hold them (flow is an integer column, < 2^31) name no batch it
 * has, so they are a 404 JSON error like any unknown batch, never a 500.
 */
describe("member node proof API: numeric fields bounded to their columns", function () {
  this.timeout(120_000);
  let node: LocalNode;
  let chain: AuditChain;
  let store: Store;
  let nodes: MemberNodes;

  before(async () => {
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    await admitMembers(chain, [1]);
    store = await createStore({ memory: true });
    nodes = await startMemberNodes(
      {
        chainId: chain.deployment.chainId,
        contracts: chain.deployment.contracts,
        publicClient: chain.publicClient,
        store,
        logStream: false,
      },
      [{ member: chain.account(1).address, account: chain.account(1), landingUrl: "https://m1.example/" }],
    );
  });

  after(async () => {
    await nodes?.close();
    await store?.close();
    await node?.stop();
  });

  for (const [flow, epoch] of [
    [2n ** 31n - 1n, 0n],
    [2n ** 31n, 0n],
    [2n ** 32n - 1n, 0n],
    [2n ** 32n, 0n],
    [2n ** 256n - 1n, 0n],
    [0n, 2n ** 63n],
    [0n, 2n ** 64n - 1n],
  ])
    it(`answers flow ${flow}, epoch ${epoch} with a 404 JSON error`, async () => {
      const now = BigInt(Math.floor(Date.now() / 1000));
      const body = await signProofRequest(
        chain.governor,
        { chainId: chain.deployment.chainId, settlement: chain.deployment.contracts.Settlement },
        {
          agreementId: 1n,
          flow,
          epoch,
          indices: [0],
          auditor: chain.governor.address,
          nonce: `0x${randomBytes(32).toString("hex")}`,
          expiresAt: now + 300n,
        },
      );
      const res = await fetch(`${nodes.nodes[0].url}/audit/proofs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await res.json();
      expect(res.status, JSON.stringify(answer)).to.equal(404);
      expect(answer.error).to.be.a("string");
    });
});
