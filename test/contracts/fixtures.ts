/**
 * The shared registry deployment for contract tests: Consortium, OfferBook and AgreementBook,
 * with a governor, a matcher, an auditor and five admitted members (four EOAs and one ERC-1271
 * contract wallet). Use it with `loadFixture(deployRegistry)`; other suites build on it.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { type BaseContract, type BigNumberish, type Contract, id, keccak256, toUtf8Bytes } from "ethers";
import { ethers } from "hardhat";

export const GOVERNOR_ROLE = id("GOVERNOR_ROLE");
export const MATCHER_ROLE = id("MATCHER_ROLE");
export const AUDITOR_ROLE = id("AUDITOR_ROLE");

/** `MemberStatus` of contracts/types/MemberTypes.sol. */
export const MemberStatus = { None: 0, Applied: 1, Admitted: 2, Suspended: 3, Exited: 4 } as const;
/** `AgreementStatus` of contracts/types/AgreementTypes.sol. */
export const AgreementStatus = {
  None: 0,
  Proposed: 1,
  Active: 2,
  Rejected: 3,
  Expired: 4,
  Terminated: 5,
} as const;
/** `OfferSide` of contracts/types/OfferTypes.sol. */
export const OfferSide = { Supply: 0, Demand: 1 } as const;

export const HOUR = 3600n;
export const DAY = 24n * HOUR;

export interface MemberProfile {
  industry: number;
  segments: bigint;
  uri: string;
  contentHash: string;
  signer: string;
}

export interface Flow {
  from: string;
  to: string;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

export interface AgreementSchedule {
  start: bigint;
  end: bigint;
  epochLength: bigint;
  noticeEpochs: bigint;
}

/** A valid profile for `signer`, industry `industry` (catalogue code). */
export function profileFor(signer: string, industry = 1, segments = 0b1011n): MemberProfile {
  const uri = `https://members.flowpact.example/${signer.toLowerCase()}.json`;
  return { industry, segments, uri, contentHash: keccak256(toUtf8Bytes(uri)), signer };
}

/** Untyped ethers contract (tests use the ABI through ethers, the service uses src/abi). */
export type Deployed = Contract & BaseContract;

export interface Registry {
  consortium: Deployed;
  offerBook: Deployed;
  agreementBook: Deployed;
  governor: HardhatEthersSigner;
  matcher: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  /** Admitted EOA members, industries banking(1), insurance(2), ecommerce(3), local-services(4). */
  alice: HardhatEthersSigner;
  bob: HardhatEthersSigner;
  carol: HardhatEthersSigner;
  dave: HardhatEthersSigner;
  /** An admitted member whose account and signer is an ERC-1271 wallet owned by `walletOwner`. */
  wallet: Deployed;
  walletOwner: HardhatEthersSigner;
  /** Accounts with no role and no membership. */
  outsider: HardhatEthersSigner;
  others: HardhatEthersSigner[];
}

/** Makes `wallet` call `target.fn(...args)` through its owner. */
export async function viaWallet(
  wallet: Deployed,
  owner: HardhatEthersSigner,
  target: Deployed,
  fn: string,
  args: unknown[],
) {
  const data = target.interface.encodeFunctionData(fn, args);
  return (wallet.connect(owner) as Deployed).execute(await target.getAddress(), data);
}

/** Applies with `profileFor(account)` and is admitted by `governor`. */
export async function admitMember(
  consortium: Deployed,
  governor: HardhatEthersSigner,
  member: HardhatEthersSigner,
  industry: number,
): Promise<void> {
  await (consortium.connect(member) as Deployed).applyForMembership(profileFor(member.address, industry));
  await (consortium.connect(governor) as Deployed).admit(member.address);
}

export async function deployRegistry(): Promise<Registry> {
  const [governor, matcher, auditor, alice, bob, carol, dave, walletOwner, outsider, ...others] =
    await ethers.getSigners();
  const consortium = (await ethers.deployContract("Consortium", [governor.address])) as Deployed;
  const consortiumAddress = await consortium.getAddress();
  const offerBook = (await ethers.deployContract("OfferBook", [consortiumAddress])) as Deployed;
  const agreementBook = (await ethers.deployContract("AgreementBook", [consortiumAddress])) as Deployed;
  const asGovernor = consortium.connect(governor) as Deployed;
  await asGovernor.grantRole(MATCHER_ROLE, matcher.address);
  await asGovernor.grantRole(AUDITOR_ROLE, auditor.address);

  for (const [member, industry] of [
    [alice, 1],
    [bob, 2],
    [carol, 3],
    [dave, 4],
  ] as const) {
    await admitMember(consortium, governor, member, industry);
  }
  const wallet = (await ethers.deployContract("ERC1271WalletMock", [walletOwner.address])) as Deployed;
  const walletAddress = await wallet.getAddress();
  await viaWallet(wallet, walletOwner, consortium, "applyForMembership", [profileFor(walletAddress, 5)]);
  await asGovernor.admit(walletAddress);

  return {
    consortium,
    offerBook,
    agreementBook,
    governor,
    matcher,
    auditor,
    alice,
    bob,
    carol,
    dave,
    wallet,
    walletOwner,
    outsider,
    others,
  };
}

/** A schedule starting one day from now: `epochs` epochs of one day, `noticeEpochs` of notice. */
export async function scheduleFromNow(epochs = 10n, noticeEpochs = 1n): Promise<AgreementSchedule> {
  const start = BigInt(await time.latest()) + DAY;
  return { start, end: start + epochs * DAY, epochLength: DAY, noticeEpochs };
}

/** A flow `from → to` on segments 0b11, 100 referrals per epoch at 5 credits. */
export function flow(from: string, to: string, overrides: Partial<Flow> = {}): Flow {
  return { from, to, segments: 0b11n, capPerEpoch: 100n, rate: 5n, ...overrides };
}

/** Proposes `parties` with `flows` as `proposer` (proposal expires at the schedule's start). */
export async function propose(
  agreementBook: Deployed,
  proposer: HardhatEthersSigner,
  parties: string[],
  flows: Flow[],
  schedule?: AgreementSchedule,
): Promise<{ agreementId: bigint; schedule: AgreementSchedule }> {
  const s = schedule ?? (await scheduleFromNow());
  const book = agreementBook.connect(proposer) as Deployed;
  const agreementId = (await book.agreementCount()) + 1n;
  await book.propose(parties, flows, s, s.start);
  return { agreementId, schedule: s };
}

/**
 * EIP-712 acceptance of `agreementId` for `party` (default: the signer's own address) by
 * `signer` on `agreementBook`; the domain is overridable to make signatures for elsewhere.
 */
export async function signAcceptance(
  signer: HardhatEthersSigner,
  agreementBook: Deployed,
  agreementId: BigNumberish,
  options: { party?: string; chainId?: bigint; verifyingContract?: string } = {},
): Promise<string> {
  const termsHash: string = await agreementBook.termsHash(agreementId);
  const { chainId } = await ethers.provider.getNetwork();
  const domain = {
    name: "FlowPact Agreements",
    version: "1",
    chainId: options.chainId ?? chainId,
    verifyingContract: options.verifyingContract ?? (await agreementBook.getAddress()),
  };
  const types = {
    Acceptance: [
      { name: "agreementId", type: "uint256" },
      { name: "termsHash", type: "bytes32" },
      { name: "party", type: "address" },
    ],
  };
  return signer.signTypedData(domain, types, {
    agreementId,
    termsHash,
    party: options.party ?? signer.address,
  });
}
