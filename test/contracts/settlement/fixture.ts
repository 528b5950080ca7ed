import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { BaseContract, ContractTransactionResponse, Signature, TypedDataDomain } from "ethers";
import { ethers } from "hardhat";

/** Settlement parameters used by every settlement test unless a test changes them. */
export const CHALLENGE_WINDOW = 86_400n;
export const SUBMISSION_WINDOW = 7n * 86_400n;
export const DISPUTE_BOND = ethers.parseEther("1");
export const CREDIT_LIMIT = 1_000_000n;
export const EPOCH_LENGTH = 3_600n;
export const EPOCHS = 10n;

/** The EIP-712 batch type (must match `Settlement._BATCH_TYPEHASH` and the receipts library). */
export const BATCH_TYPES = {
  Batch: [
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
}

export interface FlowTerms {
  from: string;
  to: string;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

// Contracts are driven untyped (ethers v6 `BaseContract` with dynamic methods); the ABI is the spec.
// biome-ignore lint/suspicious/noExplicitAny: untyped ethers contracts, by project convention.
export type Contract = BaseContract & Record<string, any>;

export const settlementDomain = (settlement: string, chainId: bigint): TypedDataDomain => ({
  name: "FlowPact Settlement",
  version: "1",
  chainId,
  verifyingContract: settlement,
});

/** The recipient's co-signature of a batch, as its node would produce it. */
export async function signBatch(
  signer: HardhatEthersSigner,
  settlement: string,
  batch: BatchFields,
  chainId = 31337n,
): Promise<string> {
  return signer.signTypedData(settlementDomain(settlement, chainId), BATCH_TYPES, batch);
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

/** Deploys a consortium with `members` admitted (each signing with its own key unless given). */
export async function deployConsortium(
  governor: HardhatEthersSigner,
  members: HardhatEthersSigner[],
  signerOverrides: Map<string, string> = new Map(),
): Promise<Contract> {
  const consortium = (await ethers.deployContract("Consortium", [governor.address])) as Contract;
  let industry = 1;
  for (const member of members) {
    await consortium.connect(member).applyForMembership({
      industry: industry++,
      segments: 0b1111n,
      uri: `https://members.example/${member.address}`,
      contentHash: ethers.id(member.address),
      signer: signerOverrides.get(member.address) ?? member.address,
    });
    await consortium.connect(governor).admit(member.address);
  }
  return consortium;
}

export interface SettlementFixture {
  governor: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  consortium: Contract;
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

/** Deploys Consortium, AgreementBook, CreditLedger and Settlement, wired, with one active agreement. */
export async function deploySettlementFixture(): Promise<SettlementFixture> {
  const [governor, auditor, alice, bob, carol, outsider] = await ethers.getSigners();
  const consortium = await deployConsortium(governor, [alice, bob, carol]);
  await consortium.connect(governor).grantRole(await consortium.AUDITOR_ROLE(), auditor.address);
  const agreements = (await ethers.deployContract("AgreementBook", [
    await consortium.getAddress(),
  ])) as Contract;
  const ledger = (await ethers.deployContract("CreditLedger", [await consortium.getAddress()])) as Contract;
  const settlement = (await ethers.deployContract("Settlement", [
    await consortium.getAddress(),
    await agreements.getAddress(),
    await ledger.getAddress(),
    CHALLENGE_WINDOW,
    SUBMISSION_WINDOW,
    DISPUTE_BOND,
  ])) as Contract;
  const settlementAddress = await settlement.getAddress();
  await ledger.connect(governor).setSettlement(settlementAddress);
  for (const member of [alice, bob, carol]) {
    await ledger.connect(governor).setCreditLimit(member.address, CREDIT_LIMIT);
  }
  const { agreementId, start } = await createActiveAgreement(
    agreements,
    [alice, bob],
    [
      { from: alice.address, to: bob.address, segments: 1n, capPerEpoch: 100n, rate: 10n },
      { from: bob.address, to: alice.address, segments: 2n, capPerEpoch: 50n, rate: 20n },
    ],
  );
  return {
    governor,
    auditor,
    alice,
    bob,
    carol,
    outsider,
    consortium,
    agreements,
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
