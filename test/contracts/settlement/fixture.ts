import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type {
  ContractRunner,
  ContractTransactionResponse,
  Contract as EthersContract,
  Signature,
  TypedDataDomain,
} from "ethers";
import { ethers } from "hardhat";
import { deployRegistry, type Registry } from "../fixtures";

/** Settlement parameters used by every settlement test unless a test changes them. */
export const CHALLENGE_WINDOW = 86_400n;
export const SUBMISSION_WINDOW = 7n * 86_400n;
export const DISPUTE_BOND = ethers.parseEther("1");
export const CREDIT_LIMIT = 1_000_000n;
export const EPOCH_LENGTH = 3_600n;
export const EPOCHS = 10n;

/**
 * The EIP-712 acknowledgement type (must match `Settlement._ACKNOWLEDGEMENT_TYPEHASH` and the
 * receipts library): the recipient's signed running count and root of a flow's epoch.
 */
export const ACKNOWLEDGEMENT_TYPES = {
  Acknowledgement: [
    { name: "recipient", type: "address" },
    { name: "agreementId", type: "uint256" },
    { name: "flow", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "count", type: "uint64" },
    { name: "root", type: "bytes32" },
  ],
};

export interface BatchFields {
  agreementId: bigint;
  flow: bigint;
  epoch: bigint;
  count: bigint;
  root: string;
  /** The recipient member the acknowledgement names (default: the signer's own address). */
  recipient?: string;
}

export interface FlowTerms {
  from: string;
  to: string;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

/**
 * An untyped ethers contract (the ABI is the spec; the service uses src/abi) whose `connect`
 * keeps the dynamic methods, so `contract.connect(signer).commit(...)` type-checks.
 */
export type Contract = { connect(runner: ContractRunner | null): Contract } & EthersContract;

export const settlementDomain = (settlement: string, chainId: bigint): TypedDataDomain => ({
  name: "FlowPact Settlement",
  version: "2",
  chainId,
  verifyingContract: settlement,
});

/** The recipient's acknowledgement of a flow's epoch, as its node would sign it. */
export async function signBatch(
  signer: HardhatEthersSigner,
  settlement: string,
  batch: BatchFields,
  chainId = 31337n,
): Promise<string> {
  const { recipient, ...fields } = batch;
  return signer.signTypedData(settlementDomain(settlement, chainId), ACKNOWLEDGEMENT_TYPES, {
    recipient: recipient ?? signer.address,
    ...fields,
  });
}

/** No acknowledgement: a claim of a flow's epoch the recipient never signed. */
export const NO_ACK = { count: 0n, root: ethers.ZeroHash, signature: "0x" };

/** The acknowledgement argument of `claim`/`resolve`, signed by `signer` for `batch`. */
export async function acknowledgement(
  signer: HardhatEthersSigner,
  settlement: string,
  batch: BatchFields,
): Promise<{ count: bigint; root: string; signature: string }> {
  return { count: batch.count, root: batch.root, signature: await signBatch(signer, settlement, batch) };
}

/** The same signature with `s` replaced by `n - s` and `v` flipped: valid for naive ecrecover. */
export function malleate(signature: string): string {
  const sig: Signature = ethers.Signature.from(signature);
  const n = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  const s = n - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return ethers.concat([sig.r, ethers.toBeHex(s, 32), ethers.toBeHex(v, 1)]);
}

export const root = (label: string) => ethers.id(`receipts:${label}`);

export interface SettlementFixture
  extends Omit<Registry, "consortium" | "agreementBook" | "offerBook" | "wallet"> {
  consortium: Contract;
  agreementBook: Contract;
  offerBook: Contract;
  wallet: Contract;
  /** The registry's AgreementBook (alias of `agreementBook`). */
  agreements: Contract;
  ledger: Contract;
  settlement: Contract;
  settlementAddress: string;
  /** Agreement between alice and bob: flow 0 alice→bob (cap 100, rate 10), flow 1 bob→alice (cap 50, rate 20). */
  agreementId: bigint;
  start: bigint;
}

/** Proposes `flows` between `parties` (proposed by the first), has every party accept it. */
export async function createActiveAgreement(
  agreements: Contract,
  parties: HardhatEthersSigner[],
  flows: FlowTerms[],
  options: { epochLength?: bigint; epochs?: bigint; noticeEpochs?: bigint } = {},
): Promise<{ agreementId: bigint; start: bigint }> {
  const epochLength = options.epochLength ?? EPOCH_LENGTH;
  // Mine first: an earlier test file may have left a pending time increase on the shared
  // in-process network, which would otherwise land on the proposal's block.
  await mine();
  const now = BigInt(await time.latest());
  const proposalExpiry = now + 100n;
  const start = proposalExpiry;
  const schedule = {
    start,
    end: start + (options.epochs ?? EPOCHS) * epochLength,
    epochLength,
    noticeEpochs: options.noticeEpochs ?? 1n,
  };
  const addresses = parties.map((p) => p.address);
  await agreements.connect(parties[0]).propose(addresses, flows, schedule, proposalExpiry);
  const agreementId: bigint = await agreements.agreementCount();
  for (const party of parties) await agreements.connect(party).accept(agreementId);
  return { agreementId, start };
}

/** Moves the chain's clock to the end of `epoch` of the agreement. */
export async function endOfEpoch(agreements: Contract, agreementId: bigint, epoch: bigint): Promise<bigint> {
  const end: bigint = await agreements.epochEnd(agreementId, epoch);
  if (BigInt(await time.latest()) < end) await time.increaseTo(end);
  return end;
}

/**
 * The shared registry (test/contracts/fixtures.ts: Consortium, OfferBook, AgreementBook, members
 * alice…dave and an ERC-1271 wallet member) plus CreditLedger and Settlement, wired, every member
 * with a credit limit, and one active agreement between alice and bob.
 */
export async function deploySettlementFixture(): Promise<SettlementFixture> {
  const registry = await deployRegistry();
  const { consortium, agreementBook, governor, alice, bob } = registry;
  const ledger = (await ethers.deployContract("CreditLedger", [await consortium.getAddress()])) as Contract;
  const settlement = (await ethers.deployContract("Settlement", [
    await consortium.getAddress(),
    await agreementBook.getAddress(),
    await ledger.getAddress(),
    CHALLENGE_WINDOW,
    SUBMISSION_WINDOW,
    DISPUTE_BOND,
  ])) as Contract;
  const settlementAddress = await settlement.getAddress();
  await ledger.connect(governor).setSettlement(settlementAddress);
  const walletAddress = await registry.wallet.getAddress();
  for (const member of [
    alice.address,
    bob.address,
    registry.carol.address,
    registry.dave.address,
    walletAddress,
  ]) {
    await ledger.connect(governor).setCreditLimit(member, CREDIT_LIMIT);
  }
  const { agreementId, start } = await createActiveAgreement(
    agreementBook as unknown as Contract,
    [alice, bob],
    [
      { from: alice.address, to: bob.address, segments: 1n, capPerEpoch: 100n, rate: 10n },
      { from: bob.address, to: alice.address, segments: 2n, capPerEpoch: 50n, rate: 20n },
    ],
  );
  const untyped = (contract: unknown) => contract as Contract;
  return {
    ...registry,
    consortium: untyped(consortium),
    agreementBook: untyped(agreementBook),
    offerBook: untyped(registry.offerBook),
    wallet: untyped(registry.wallet),
    agreements: untyped(agreementBook),
    ledger,
    settlement,
    settlementAddress,
    agreementId,
    start,
  };
}

/** Gas used by a sent transaction. */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (!receipt) throw new Error("transaction was dropped: no receipt");
  return receipt.gasUsed;
}
