/**
 * A real FlowPact registry on the in-process Hardhat network (test/contracts/fixtures.ts), an
 * Active agreement between members, and viem clients and keys for the member nodes.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import hre, { ethers } from "hardhat";
import { type Address, createPublicClient, custom, type LocalAccount, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { type Deployed, deployRegistry, type Flow, type Registry } from "../../contracts/fixtures";

const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The viem account of Hardhat's dev account `index` (same order as ethers.getSigners()). */
export function devAccount(index: number): LocalAccount {
  return mnemonicToAccount(DEV_MNEMONIC, { addressIndex: index });
}

export interface MemberChain {
  registry: Registry;
  publicClient: PublicClient;
  chainId: number;
  contracts: { AgreementBook: Address; Consortium: Address };
  /** viem keys of alice, bob, carol, dave (dev accounts 3..6). */
  keys: { alice: LocalAccount; bob: LocalAccount; carol: LocalAccount; dave: LocalAccount };
}

export async function memberChain(): Promise<MemberChain> {
  const registry = await deployRegistry();
  const keys = { alice: devAccount(3), bob: devAccount(4), carol: devAccount(5), dave: devAccount(6) };
  for (const [name, key] of Object.entries(keys)) {
    const signer = registry[name as keyof typeof keys];
    if (signer.address !== key.address) throw new Error(`dev account order changed: ${name}`);
  }
  return {
    registry,
    publicClient: createPublicClient({
      chain: hardhat,
      transport: custom(hre.network.provider),
    }) as PublicClient,
    chainId: Number((await ethers.provider.getNetwork()).chainId),
    contracts: {
      AgreementBook: (await registry.agreementBook.getAddress()) as Address,
      Consortium: (await registry.consortium.getAddress()) as Address,
    },
    keys,
  };
}

/**
 * Proposes `flows` between `parties` (as the matcher), has every party accept, and moves the
 * chain to the agreement's start. Returns the id and schedule (epochs of `epochLength` seconds).
 */
export async function activeAgreement(
  chain: MemberChain,
  parties: Array<keyof MemberChain["keys"]>,
  flows: Array<[keyof MemberChain["keys"], keyof MemberChain["keys"], Partial<Flow>?]>,
  { epochLength = 3_600n, epochs = 10n, noticeEpochs = 1n } = {},
): Promise<{ agreementId: bigint; start: bigint; epochLength: bigint }> {
  const { registry } = chain;
  const start = BigInt(await time.latest()) + 600n;
  const schedule = { start, end: start + epochs * epochLength, epochLength, noticeEpochs };
  const book = registry.agreementBook.connect(registry.matcher) as Deployed;
  const agreementId = (await book.agreementCount()) + 1n;
  await book.propose(
    parties.map((p) => registry[p].address),
    flows.map(([from, to, overrides]) => ({
      from: registry[from].address,
      to: registry[to].address,
      segments: 0b11n,
      capPerEpoch: 1_000n,
      rate: 5n,
      ...overrides,
    })),
    schedule,
    start,
  );
  for (const p of parties)
    await (registry.agreementBook.connect(registry[p]) as Deployed).accept(agreementId);
  return { agreementId, start, epochLength };
}

/** Moves the chain's clock to `timestamp` (unix seconds) and mines a block. */
export async function chainTimeTo(timestamp: bigint): Promise<void> {
  const latest = BigInt(await time.latest());
  if (timestamp > latest) await time.increaseTo(timestamp);
}
