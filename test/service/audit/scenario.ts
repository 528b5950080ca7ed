import {
  type Abi,
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  parseEther,
  zeroHash,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  agreementBookAbi,
  consortiumAbi,
  creditLedgerAbi,
  offerBookAbi,
  settlementAbi,
} from "../../../src/abi/contracts";
import { deployFlowPact } from "../../../src/chain/actions/deployFlowPact";
import { createFlowPactClients } from "../../../src/chain/clients";
import type { Deployment } from "../../../src/chain/deployments";
import { signBatch } from "../../../src/receipts/batch-signature";
import { randomClickId } from "../../../src/receipts/receipt";
import { buildReceiptTree, type ReceiptTree } from "../../../src/receipts/receipt-tree";
import { DEV_KEYS, type LocalNode } from "../helpers/hardhatNode";

/** A FlowPact chain driven by the test: real transactions on a real Hardhat node. */
export interface AuditChain {
  node: LocalNode;
  deployment: Deployment;
  publicClient: PublicClient;
  /** Account #0: deployer, GOVERNOR, MATCHER and AUDITOR. */
  governor: PrivateKeyAccount;
  account(index: number): PrivateKeyAccount;
  /** Sends a transaction and waits for it; throws on a revert. */
  send(
    from: PrivateKeyAccount,
    contract: keyof Deployment["contracts"],
    functionName: string,
    args: readonly unknown[],
    value?: bigint,
  ): Promise<Hex>;
  /** Moves the chain's clock forward by `seconds` and mines a block. */
  advance(seconds: number): Promise<void>;
  now(): Promise<bigint>;
  /** Receipt trees of every batch submitted, by `agreement/flow/epoch` (what referrers' nodes hold). */
  trees: Map<string, ReceiptTree>;
}

const ABIS = {
  Consortium: consortiumAbi,
  AgreementBook: agreementBookAbi,
  CreditLedger: creditLedgerAbi,
  OfferBook: offerBookAbi,
  Settlement: settlementAbi,
} as Record<string, Abi>;

export async function createAuditChain(node: LocalNode): Promise<AuditChain> {
  const governor = privateKeyToAccount(DEV_KEYS[0]);
  const clients = await createFlowPactClients(
    { rpcUrl: node.rpcUrl, chainId: undefined },
    { account: governor, pollingInterval: 20 },
  );
  const deployment = await deployFlowPact(clients, { challengeWindow: 600n, submissionWindow: 7n * 86_400n });
  const chain = defineChain({
    id: deployment.chainId,
    name: "Hardhat",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [node.rpcUrl] } },
  });
  const publicClient = createPublicClient({
    chain,
    transport: http(node.rpcUrl),
    pollingInterval: 20,
  }) as PublicClient;
  const accounts = new Map<number, PrivateKeyAccount>();
  const account = (index: number) => {
    let a = accounts.get(index);
    if (!a) {
      a = privateKeyToAccount(DEV_KEYS[index]);
      accounts.set(index, a);
    }
    return a;
  };
  const send: AuditChain["send"] = async (from, contract, functionName, args, value) => {
    const wallet = createWalletClient({ account: from, chain, transport: http(node.rpcUrl) });
    const hash = await wallet.writeContract({
      address: deployment.contracts[contract],
      abi: ABIS[contract],
      functionName,
      args,
      value,
    } as never);
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    if (receipt.status !== "success") throw new Error(`${contract}.${functionName} reverted (${hash})`);
    return hash;
  };
  return {
    node,
    deployment,
    publicClient,
    governor,
    account,
    send,
    async advance(seconds) {
      await node.rpc("evm_increaseTime", [seconds]);
      await node.rpc("evm_mine");
    },
    async now() {
      return (await publicClient.getBlock()).timestamp;
    },
    trees: new Map(),
  };
}

/** Applies, admits and gives a credit limit to each account index. */
export async function admitMembers(
  chain: AuditChain,
  indices: number[],
  limit = 10_000n,
): Promise<Address[]> {
  for (const index of indices) {
    const member = chain.account(index);
    await chain.send(member, "Consortium", "applyForMembership", [
      {
        industry: 1 + index,
        segments: 0xffffn,
        uri: `https://member${index}.example`,
        contentHash: zeroHash,
        signer: member.address,
      },
    ]);
    await chain.send(chain.governor, "Consortium", "admit", [member.address]);
    await chain.send(chain.governor, "CreditLedger", "setCreditLimit", [member.address, limit]);
  }
  return indices.map((i) => chain.account(i).address);
}

export interface FlowTerms {
  from: number;
  to: number;
  segments: bigint;
  cap: bigint;
  rate: bigint;
}

/**
 * Proposes an agreement (as MATCHER) starting 100 s from now with `epochs` epochs of
 * `epochLength` s; every party accepts, by a relayed EIP-712 signature when `relayed`.
 */
export async function makeAgreement(
  chain: AuditChain,
  parties: number[],
  flows: FlowTerms[],
  options: { relayed?: boolean; epochLength?: bigint; epochs?: bigint } = {},
): Promise<{ agreementId: bigint; start: bigint; epochLength: bigint }> {
  const now = await chain.now();
  const epochLength = options.epochLength ?? 1_000n;
  const start = now + 100n;
  const schedule = {
    start,
    end: start + (options.epochs ?? 4n) * epochLength,
    epochLength,
    noticeEpochs: 1n,
  };
  const partyAddresses = parties.map((p) => chain.account(p).address);
  const flowTerms = flows.map((f) => ({
    from: chain.account(f.from).address,
    to: chain.account(f.to).address,
    segments: f.segments,
    capPerEpoch: f.cap,
    rate: f.rate,
  }));
  await chain.send(chain.governor, "AgreementBook", "propose", [
    partyAddresses,
    flowTerms,
    schedule,
    now + 50n,
  ]);
  const agreementId = (await chain.publicClient.readContract({
    address: chain.deployment.contracts.AgreementBook,
    abi: agreementBookAbi,
    functionName: "agreementCount",
  })) as bigint;
  if (options.relayed) {
    // Each party signs the digest that names it (the contract's own view of it).
    const signatures = await Promise.all(
      parties.map(async (p) => {
        const account = chain.account(p);
        const digest = await chain.publicClient.readContract({
          address: chain.deployment.contracts.AgreementBook,
          abi: agreementBookAbi,
          functionName: "acceptanceDigest",
          args: [agreementId, account.address],
        });
        return account.sign({ hash: digest });
      }),
    );
    await chain.send(chain.governor, "AgreementBook", "acceptWithSignatures", [agreementId, signatures]);
  } else {
    for (const p of parties) await chain.send(chain.account(p), "AgreementBook", "accept", [agreementId]);
  }
  return { agreementId, start, epochLength };
}

/** Builds a batch's receipt tree (fresh click ids unless `clickIds` are given) and remembers it. */
export async function batchTree(
  chain: AuditChain,
  agreementId: bigint,
  flow: number,
  epoch: bigint,
  count: number,
  clickIds?: Hex[],
): Promise<ReceiptTree> {
  const receipts = Array.from({ length: count }, (_, i) => ({
    agreementId,
    flow,
    epoch,
    clickId: clickIds?.[i] ?? randomClickId(),
  }));
  const tree = await buildReceiptTree({ receipts });
  chain.trees.set(`${agreementId}/${flow}/${epoch}`, tree);
  return tree;
}

/** The referrer commits a batch co-signed by the recipient. */
export async function commitBatch(
  chain: AuditChain,
  referrer: number,
  recipient: number,
  agreementId: bigint,
  flow: number,
  epoch: bigint,
  count: number,
  clickIds?: Hex[],
): Promise<Hex> {
  const tree = await batchTree(chain, agreementId, flow, epoch, count, clickIds);
  const signature = await signBatch(chain.account(recipient), {
    chainId: chain.deployment.chainId,
    settlement: chain.deployment.contracts.Settlement,
    batch: {
      recipient: chain.account(recipient).address,
      agreementId,
      flow,
      epoch,
      count: tree.count,
      root: tree.root,
    },
  });
  return chain.send(chain.account(referrer), "Settlement", "commit", [
    agreementId,
    BigInt(flow),
    epoch,
    BigInt(tree.count),
    tree.root,
    signature,
  ]);
}

/** The acknowledgement argument of a claim the recipient never acknowledged. */
export const NO_ACKNOWLEDGEMENT = { count: 0n, root: `0x${"00".repeat(32)}` as Hex, signature: "0x" as Hex };

/** Claim → dispute of one batch: the recipient admits the first `admitted` receipts. */
export async function openDispute(
  chain: AuditChain,
  referrer: number,
  recipient: number,
  agreementId: bigint,
  flow: number,
  epoch: bigint,
  claimed: number,
  admitted: number,
): Promise<ReceiptTree> {
  const tree = await batchTree(chain, agreementId, flow, epoch, claimed);
  await chain.send(chain.account(referrer), "Settlement", "claim", [
    agreementId,
    BigInt(flow),
    epoch,
    BigInt(claimed),
    tree.root,
    NO_ACKNOWLEDGEMENT,
  ]);
  const counter = await buildReceiptTree({ receipts: tree.receipts.slice(0, admitted) });
  await chain.send(
    chain.account(recipient),
    "Settlement",
    "dispute",
    [agreementId, BigInt(flow), epoch, BigInt(admitted), counter.root],
    parseEther("1"),
  );
  return tree;
}

/**
 * Claim → dispute → decision of one batch: answered by the referrer with the recipient's
 * acknowledgement of `resolved` (above the admitted count; bond to the referrer), or, `upheld`,
 * closed after the answer window with the recipient's count standing.
 */
export async function disputedBatch(
  chain: AuditChain,
  referrer: number,
  recipient: number,
  agreementId: bigint,
  flow: number,
  epoch: bigint,
  claimed: number,
  admitted: number,
  resolved: number,
  upheld: boolean,
): Promise<void> {
  const tree = await openDispute(chain, referrer, recipient, agreementId, flow, epoch, claimed, admitted);
  if (upheld) {
    const window = (await chain.publicClient.readContract({
      address: chain.deployment.contracts.Settlement,
      abi: settlementAbi,
      functionName: "challengeWindow",
    })) as bigint;
    await chain.publicClient.request({
      method: "evm_increaseTime" as never,
      params: [Number(window)] as never,
    });
    await chain.send(chain.governor, "Settlement", "upholdDispute", [agreementId, BigInt(flow), epoch]);
    return;
  }
  const acknowledged = await buildReceiptTree({ receipts: tree.receipts.slice(0, resolved) });
  const signature = await signBatch(chain.account(recipient), {
    chainId: chain.deployment.chainId,
    settlement: chain.deployment.contracts.Settlement,
    batch: {
      recipient: chain.account(recipient).address,
      agreementId,
      flow,
      epoch,
      count: BigInt(resolved),
      root: acknowledged.root,
    },
  });
  await chain.send(chain.account(referrer), "Settlement", "resolve", [
    agreementId,
    BigInt(flow),
    epoch,
    { count: BigInt(resolved), root: acknowledged.root, signature },
  ]);
}
