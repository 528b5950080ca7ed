import { expect } from "chai";
import type { Abi, Address, Hash } from "viem";
import { createFlowPactClients, type FlowPactClient, loadAccount, setCreditLimit } from "../../../src/chain";
import { FLOWPACT_ABIS } from "../../../src/chain/contracts";
import { sendWithFreshNonce } from "../../../src/chain/nonces";
import { deployOnNode } from "../helpers/flowpact";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { admitMembers } from "../helpers/scenario";

/**
 * Two writers with one key in one process (a member node's auto-accept and its epoch close; a
 * CLI command beside a node): each is built as the service builds it (`loadAccount`, then
 * `createFlowPactClients`), and they send at the same time into a chain that mines every 200 ms
 * (automine off), so a nonce read from the node by both before either lands is the same.
 */
describe("one key, several writers in a process: nonces on a real Hardhat node", () => {
  let node: LocalNode;
  let governor: FlowPactClient;
  let members: Address[];

  /** A writer as the CLI, the daemon and the member node make one: the governor's key. */
  async function writer(): Promise<FlowPactClient> {
    const account = await loadAccount({ privateKey: DEV_KEYS[0] });
    const clients = await createFlowPactClients({ rpcUrl: node.rpcUrl, chainId: undefined }, { account });
    return { ...clients, deployment: governor.deployment };
  }

  before(async function () {
    this.timeout(300_000);
    node = await startHardhatNode();
    ({ governor } = await deployOnNode(node));
    const scenario = await admitMembers(node, governor, 2);
    members = scenario.members.map((m) => m.walletClient!.account.address);
  });
  after(async () => {
    await node?.rpc("evm_setIntervalMining", [0]).catch(() => {});
    await node?.rpc("evm_setAutomine", [true]).catch(() => {});
    await node?.stop();
  });

  it("sends concurrent transactions of two writers with one key without a nonce collision", async () => {
    const [a, b] = [await writer(), await writer()];
    await node.rpc("evm_setAutomine", [false]);
    await node.rpc("evm_setIntervalMining", [200]);
    try {
      const start = await governor.publicClient.getTransactionCount({
        address: governor.walletClient!.account.address,
      });
      // Writer a as an action (simulate, send, wait); writer b as a raw writeContract then a
      // receipt wait, the way the member node's auto-accept sends.
      const sends: Array<Promise<Hash>> = [];
      for (let i = 0; i < 4; i++) {
        sends.push(
          setCreditLimit(a, { member: members[0], limit: 2_000_000n + BigInt(i) }).then((r) => r.hash),
        );
        sends.push(
          b
            .walletClient!.writeContract({
              address: b.deployment.contracts.CreditLedger,
              abi: FLOWPACT_ABIS.CreditLedger as Abi,
              functionName: "setCreditLimit",
              args: [members[1], 3_000_000n + BigInt(i)],
              chain: b.chain,
            } as never)
            .then(async (hash) => (await b.publicClient.waitForTransactionReceipt({ hash })).transactionHash),
        );
      }
      const outcomes = await Promise.allSettled(sends);
      const failures = outcomes.flatMap((o) =>
        o.status === "rejected" ? [String((o.reason as Error).message).split("\n")[0]] : [],
      );
      expect(failures, "sends that failed").to.deep.equal([]);
      const receipts = await Promise.all(
        outcomes.map((o) =>
          governor.publicClient.getTransactionReceipt({ hash: (o as PromiseFulfilledResult<Hash>).value }),
        ),
      );
      expect(receipts.every((r) => r.status === "success")).to.equal(true);
      const end = await governor.publicClient.getTransactionCount({
        address: governor.walletClient!.account.address,
      });
      expect(end - start, "one nonce per send, none lost").to.equal(8);
    } finally {
      await node.rpc("evm_setIntervalMining", [0]);
      await node.rpc("evm_setAutomine", [true]);
    }
  });

  it("recovers when a sent transaction is dropped from the pool: the next send fills the gap", async () => {
    const a = await writer();
    await node.rpc("evm_setAutomine", [false]);
    try {
      // Sent as the writers send (the node accepted it), then dropped before it was mined.
      const hash = await sendWithFreshNonce(() =>
        a.walletClient!.writeContract({
          address: a.deployment.contracts.CreditLedger,
          abi: FLOWPACT_ABIS.CreditLedger as Abi,
          functionName: "setCreditLimit",
          args: [members[0], 4_000_000n],
          chain: a.chain,
        } as never),
      );
      // Dropped (a node restart, a pool eviction): its nonce is free again and nothing after it
      // can be mined until someone uses it.
      expect(await node.rpc<boolean>("hardhat_dropTransaction", [hash])).to.equal(true);
      await node.rpc("evm_setIntervalMining", [200]);
      const { hash: next } = await setCreditLimit(a, { member: members[0], limit: 4_000_001n });
      expect((await governor.publicClient.getTransactionReceipt({ hash: next })).status).to.equal("success");
    } finally {
      await node.rpc("evm_setIntervalMining", [0]);
      await node.rpc("evm_setAutomine", [true]);
    }
  });

  it("starts counting again on a new chain with the same id (a restarted node, the next test's node)", async function () {
    this.timeout(300_000);
    // The governor's key has sent many transactions on `node`; a fresh node has seen none.
    const fresh = await startHardhatNode();
    try {
      const account = await loadAccount({ privateKey: DEV_KEYS[0] });
      const before = await writer();
      // Sent straight from a wallet client: counted, never reported sent — the fresh node follows
      // within the drop timeout, so nothing tells the counts are another chain's.
      const to = before.walletClient!.account.address;
      for (let i = 0; i < 3; i++) await before.walletClient!.sendTransaction({ to, value: 0n, chain: null });
      const onFresh = await createFlowPactClients({ rpcUrl: fresh.rpcUrl, chainId: undefined }, { account });
      const hash = await sendWithFreshNonce(() =>
        onFresh.walletClient!.sendTransaction({ to, value: 0n, chain: null }),
      );
      const receipt = await onFresh.publicClient.waitForTransactionReceipt({ hash });
      expect(receipt.status).to.equal("success");
      expect(Number((await onFresh.publicClient.getTransaction({ hash })).nonce)).to.equal(0);
    } finally {
      await fresh.stop();
    }
  });
});
