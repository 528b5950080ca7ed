import {
  type Address,
  getAddress,
  type Hash,
  type Hex,
  hashTypedData,
  hexToBytes,
  isAddressEqual,
  keccak256,
  recoverAddress,
} from "viem";
import { hashBatch } from "../receipts/batch-signature";
import type { AuditEvent, AuditHistory } from "./history";
import { contractSignatureKey } from "./history";

/** A signature relayed in a transaction's calldata, with the key that had to have made it. */
export interface RelayedSignature {
  kind: "batch-cosignature" | "acceptance";
  transactionHash: Hash;
  blockNumber: bigint;
  /** The member the signature speaks for (the flow's recipient, or the accepting party). */
  member: Address;
  /** `signerOf(member)` at that block, rebuilt from the member's profile events. */
  signer: Address | undefined;
  digest: Hex;
  signature: Hex;
  agreementId: bigint;
  flow?: bigint;
  epoch?: bigint;
}

/**
 * The EIP-712 digest that `party`'s signer signs to accept an agreement (AgreementBook's
 * `acceptanceDigest(agreementId, party)`): the acceptance names the party, so one key signing
 * for several members cannot make one signature accept for all of them.
 */
export function acceptanceDigest(params: {
  chainId: number;
  agreementBook: Address;
  agreementId: bigint;
  termsHash: Hex;
  party: Address;
}): Hex {
  return hashTypedData({
    domain: {
      name: "FlowPact Agreements",
      version: "1",
      chainId: params.chainId,
      verifyingContract: params.agreementBook,
    },
    types: {
      Acceptance: [
        { name: "agreementId", type: "uint256" },
        { name: "termsHash", type: "bytes32" },
        { name: "party", type: "address" },
      ],
    },
    primaryType: "Acceptance",
    message: { agreementId: params.agreementId, termsHash: params.termsHash, party: params.party },
  });
}

/** Order of secp256k1 halved: OpenZeppelin's ECDSA refuses any `s` above it. */
const SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * libsecp256k1's native recovery when the `secp256k1` package is installed (it comes with
 * Hardhat's toolchain): about a hundred times faster than pure JavaScript, which is what lets an
 * auditor re-verify tens of thousands of co-signatures. Falls back to viem when it is missing.
 */
type NativeSecp256k1 = {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
};
const nativeSecp256k1: NativeSecp256k1 | undefined = (() => {
  try {
    return require("secp256k1") as NativeSecp256k1;
  } catch {
    return undefined;
  }
})();

/** Recovered signers by `digest:signature`: the loader and the verifier ask about the same ones. */
const recovered = new Map<string, Address | undefined>();
const RECOVERED_CACHE_SIZE = 100_000;

/**
 * The EOA that signed `digest`, under OpenZeppelin ECDSA's rules (65 bytes, v 27/28, low s),
 * or undefined when the bytes are no such signature.
 */
export async function recoverEcdsaSigner(digest: Hex, signature: Hex): Promise<Address | undefined> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined;
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  if (s > SECP256K1_HALF_ORDER || (v !== 27 && v !== 28)) return undefined;
  const key = `${digest}:${signature}`.toLowerCase();
  if (recovered.has(key)) return recovered.get(key);
  let signer: Address | undefined;
  try {
    if (nativeSecp256k1) {
      const publicKey = nativeSecp256k1.ecdsaRecover(
        hexToBytes(`0x${signature.slice(2, 130)}`),
        v - 27,
        hexToBytes(digest),
        false,
      );
      signer = getAddress(`0x${keccak256(publicKey.subarray(1)).slice(26)}`);
    } else {
      signer = await recoverAddress({ hash: digest, signature });
    }
  } catch {
    signer = undefined;
  }
  if (recovered.size >= RECOVERED_CACHE_SIZE) recovered.clear();
  recovered.set(key, signer);
  return signer;
}

/**
 * Every relayed signature of the history (batch co-signatures of `commit`, acceptances of
 * `acceptWithSignatures`) with the digest and the signer it had to match. The signer is replayed
 * from `MemberProfileUpdated` events, because `signerOf` is read at the time of the call.
 */
export function relayedSignatures(history: AuditHistory): RelayedSignature[] {
  const signers = new Map<string, Address>();
  const agreements = new Map<bigint, { parties: Address[]; termsHash: Hex }>();
  const seenAcceptTx = new Set<string>();
  const out: RelayedSignature[] = [];
  for (const event of history.events) {
    const a = event.args;
    if (event.eventName === "MemberProfileUpdated") {
      const profile = a.profile as { signer: Address };
      signers.set((a.member as Address).toLowerCase(), profile.signer);
    } else if (event.eventName === "AgreementProposed") {
      agreements.set(a.agreementId as bigint, {
        parties: a.parties as Address[],
        termsHash: a.termsHash as Hex,
      });
    } else if (event.eventName === "BatchCommitted") {
      const signature = commitSignature(history, event);
      if (!signature) continue;
      const recipient = a.recipient as Address;
      out.push({
        kind: "batch-cosignature",
        transactionHash: event.transactionHash,
        blockNumber: event.blockNumber,
        member: recipient,
        signer: signers.get(recipient.toLowerCase()),
        digest: hashBatch({
          chainId: history.chainId,
          settlement: history.contracts.Settlement,
          batch: {
            recipient,
            agreementId: a.agreementId as bigint,
            flow: a.flow as bigint,
            epoch: a.epoch as bigint,
            count: a.count as bigint,
            root: a.root as Hex,
          },
        }),
        signature,
        agreementId: a.agreementId as bigint,
        flow: a.flow as bigint,
        epoch: a.epoch as bigint,
      });
    } else if (event.eventName === "AgreementAccepted" && a.bySignature === true) {
      const agreement = agreements.get(a.agreementId as bigint);
      const call = history.calls[event.transactionHash];
      const key = `${event.transactionHash}:${String(a.party)}`;
      if (!agreement || call?.functionName !== "acceptWithSignatures" || seenAcceptTx.has(key)) continue;
      seenAcceptTx.add(key);
      const party = a.party as Address;
      const index = agreement.parties.findIndex((p) => isAddressEqual(p, party));
      const signatures = call.args?.[1] as readonly Hex[] | undefined;
      const signature = signatures?.[index];
      if (!signature) continue;
      out.push({
        kind: "acceptance",
        transactionHash: event.transactionHash,
        blockNumber: event.blockNumber,
        member: party,
        signer: signers.get(party.toLowerCase()),
        digest: acceptanceDigest({
          chainId: history.chainId,
          agreementBook: history.contracts.AgreementBook,
          agreementId: a.agreementId as bigint,
          termsHash: agreement.termsHash,
          party,
        }),
        signature,
        agreementId: a.agreementId as bigint,
      });
    }
  }
  return out;
}

/** The co-signature in the calldata of the `commit` that emitted `event`, when it was a direct call. */
export function commitSignature(history: AuditHistory, event: AuditEvent): Hex | undefined {
  const call = history.calls[event.transactionHash];
  if (!call?.args) return undefined;
  const matches = (agreementId: bigint, flow: bigint, epoch: bigint) =>
    agreementId === event.args.agreementId && flow === event.args.flow && epoch === event.args.epoch;
  if (call.functionName === "commit") {
    const [agreementId, flow, epoch] = call.args as [bigint, bigint, bigint];
    return matches(agreementId, flow, epoch) ? (call.args[5] as Hex) : undefined;
  }
  if (call.functionName === "commitMany") {
    const [batches] = call.args as [
      ReadonlyArray<{
        agreementId: bigint;
        flow: bigint;
        epoch: bigint;
        acknowledgement: { signature: Hex };
      }>,
    ];
    return batches.find((b) => matches(b.agreementId, b.flow, b.epoch))?.acknowledgement.signature;
  }
  return undefined;
}

/** The key of a relayed signature's check: one per transaction, member and (for batches) batch. */
export function relayedSignatureKey(
  transactionHash: Hash,
  member: Address,
  batch?: { agreementId: bigint; flow: bigint; epoch: bigint },
): string {
  const base = `${transactionHash}:${member.toLowerCase()}`;
  return batch ? `${base}:${batch.agreementId}:${batch.flow}:${batch.epoch}` : base;
}

export type SignatureCheck = "valid" | "invalid" | "unverifiable";

/**
 * Decides a relayed signature as OpenZeppelin's SignatureChecker did on chain: an ECDSA signature
 * by the signer, else the contract wallet's recorded ERC-1271 answer.
 */
export async function checkRelayedSignature(
  history: AuditHistory,
  relayed: RelayedSignature,
): Promise<SignatureCheck> {
  if (!relayed.signer) return "invalid";
  const recovered = await recoverEcdsaSigner(relayed.digest, relayed.signature);
  if (recovered && isAddressEqual(recovered, relayed.signer)) return "valid";
  const answer =
    history.contractSignatures[contractSignatureKey(relayed.signer, relayed.digest, relayed.signature)];
  if (answer === undefined) return "unverifiable";
  return answer ? "valid" : "invalid";
}
