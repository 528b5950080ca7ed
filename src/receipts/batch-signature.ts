import {
  type Account,
  type Address,
  type Chain,
  type Client,
  type Hex,
  hashTypedData,
  isAddressEqual,
  type LocalAccount,
  recoverAddress,
  type Transport,
  type TypedDataDefinition,
} from "viem";
import { getCode, signTypedData, verifyTypedData } from "viem/actions";
import { ReceiptsError } from "./errors";

/** EIP-712 domain name of the Settlement contract (fixed protocol constant). */
export const settlementDomainName = "FlowPact Settlement";
/** EIP-712 domain version of the Settlement contract (2: acknowledgements name the recipient). */
export const settlementDomainVersion = "2";

/**
 * `Acknowledgement(address recipient,uint256 agreementId,uint256 flow,uint64 epoch,uint64 count,bytes32 root)`:
 * the recipient's signed running count and root of one flow's epoch (its last one is the batch's
 * co-signature). The type names the signer's role, and the domain binds chain and contract.
 */
export const batchTypes = {
  Acknowledgement: [
    { name: "recipient", type: "address" },
    { name: "agreementId", type: "uint256" },
    { name: "flow", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "count", type: "uint64" },
    { name: "root", type: "bytes32" },
  ],
} as const;

/**
 * What the recipient acknowledges: `count` receipts of flow `flow` of agreement `agreementId`
 * during `epoch`, whose Merkle root is `root`, received by member `recipient`. (agreementId, flow,
 * epoch) settles once on chain, and the domain binds chain and contract, so the signature cannot
 * be replayed anywhere else; naming the recipient keeps one key behind two members' wallets from
 * acknowledging for both.
 */
export type Batch = {
  recipient: Address;
  agreementId: bigint;
  flow: number | bigint;
  epoch: bigint;
  count: number | bigint;
  root: Hex;
};

/** Where a batch signature is valid: one chain, one Settlement deployment. */
export type BatchDomainParameters = {
  chainId: number;
  /** Address of the Settlement contract (the EIP-712 verifyingContract). */
  settlement: Address;
};

export type BatchTypedDataParameters = BatchDomainParameters & { batch: Batch };
export type BatchTypedData = TypedDataDefinition<typeof batchTypes, "Acknowledgement"> & {
  domain: { name: string; version: string; chainId: number; verifyingContract: Address };
};

/**
 * The EIP-712 typed data of a batch, ready for any signer (viem, ethers, a hardware wallet).
 *
 * @example
 * const typedData = batchTypedData({
 *   chainId: 31337,
 *   settlement: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
 *   batch: { recipient, agreementId: 1n, flow: 0, epoch: 4n, count: tree.count, root: tree.root },
 * });
 */
export function batchTypedData({ chainId, settlement, batch }: BatchTypedDataParameters): BatchTypedData {
  return {
    domain: {
      name: settlementDomainName,
      version: settlementDomainVersion,
      chainId,
      verifyingContract: settlement,
    },
    types: batchTypes,
    primaryType: "Acknowledgement",
    message: {
      recipient: batch.recipient,
      agreementId: batch.agreementId,
      flow: BigInt(batch.flow),
      epoch: batch.epoch,
      count: BigInt(batch.count),
      root: batch.root,
    },
  };
}

/**
 * The EIP-712 digest the Settlement contract checks the co-signature against.
 *
 * @example
 * const digest = hashBatch({ chainId, settlement, batch });
 */
export function hashBatch(parameters: BatchTypedDataParameters): Hex {
  return hashTypedData(batchTypedData(parameters));
}

export type SignBatchParameters = BatchTypedDataParameters & {
  /** The signing account when `signer` is a wallet client without one of its own. */
  account?: Account | Address;
};

/**
 * Co-signs a batch (the recipient does this after checking the batch against its own arrivals).
 * `signer` is a viem wallet client (any account kind it supports) or a local account.
 *
 * @example
 * const signature = await signBatch(walletClient, {
 *   chainId: 31337,
 *   settlement,
 *   batch: { recipient, agreementId, flow, epoch, count: tree.count, root: tree.root },
 * });
 */
export async function signBatch(
  signer: Client<Transport, Chain | undefined, Account | undefined> | LocalAccount,
  { account, ...parameters }: SignBatchParameters,
): Promise<Hex> {
  const typedData = batchTypedData(parameters);
  if (isLocalAccount(signer)) return signer.signTypedData(typedData);
  const signingAccount = account ?? signer.account;
  if (!signingAccount) throw new MissingBatchSignerError();
  return signTypedData(signer, { ...typedData, account: signingAccount });
}

function isLocalAccount(signer: Client | LocalAccount): signer is LocalAccount {
  return signer.type === "local";
}

/** Order of secp256k1 halved: OpenZeppelin's ECDSA refuses any `s` above it (malleability). */
const SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export type RecoverBatchSignerParameters = BatchTypedDataParameters & { signature: Hex };

/**
 * The EOA that signed a batch, under the rules of OpenZeppelin's ECDSA (which the Settlement
 * contract applies): a 65-byte signature r‖s‖v with v 27 or 28 and a low `s`. Throws
 * MalleableBatchSignatureError for a high-`s` twin of a valid signature, InvalidBatchSignatureError
 * for anything else that cannot be an EOA signature.
 *
 * @example
 * const signer = await recoverBatchSigner({ chainId, settlement, batch, signature });
 */
export async function recoverBatchSigner(parameters: RecoverBatchSignerParameters): Promise<Address> {
  const { signature } = parameters;
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature))
    throw new InvalidBatchSignatureError(signature, "not 65 bytes");
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  if (s > SECP256K1_HALF_ORDER) throw new MalleableBatchSignatureError(signature);
  if (v !== 27 && v !== 28) throw new InvalidBatchSignatureError(signature, `v is ${v}, not 27 or 28`);
  try {
    return await recoverAddress({ hash: hashBatch(parameters), signature });
  } catch (cause) {
    throw new InvalidBatchSignatureError(signature, "no public key recovers from it", cause);
  }
}

export type VerifyBatchSignatureParameters = RecoverBatchSignerParameters & {
  /** The key whose signature counts for the recipient (`consortium.signerOf(member)`). */
  signer: Address;
};

/**
 * Whether `signature` is `signer`'s co-signature of the batch, decided as the Settlement contract
 * decides it (OpenZeppelin SignatureChecker): a valid low-`s` ECDSA signature by `signer`, or else,
 * when `signer` is a contract wallet, its ERC-1271 `isValidSignature` (asked through viem's
 * verifyTypedData on `client`).
 *
 * @example
 * const valid = await verifyBatchSignature(publicClient, {
 *   signer: recipientKey,
 *   chainId: 31337,
 *   settlement,
 *   batch,
 *   signature,
 * });
 */
export async function verifyBatchSignature(
  client: Client,
  { signer, ...parameters }: VerifyBatchSignatureParameters,
): Promise<boolean> {
  try {
    if (isAddressEqual(await recoverBatchSigner(parameters), signer)) return true;
  } catch (error) {
    if (!(error instanceof ReceiptsError)) throw error;
  }
  const code = await getCode(client, { address: signer });
  if (!code || code === "0x") return false;
  return verifyTypedData(client, {
    ...batchTypedData(parameters),
    address: signer,
    signature: parameters.signature,
  });
}

/** The signature is the high-`s` twin of a valid one; on chain it would be refused. */
export class MalleableBatchSignatureError extends ReceiptsError {
  override name = "MalleableBatchSignatureError";
  constructor(readonly signature: Hex) {
    super(
      "batch signature has a high s value (malleable) and is refused, as OpenZeppelin's ECDSA refuses it",
      {
        advice: "Sign with a standard signer (viem, ethers): they always produce low-s signatures.",
      },
    );
  }
}

/** The bytes cannot be an EOA's EIP-712 signature. */
export class InvalidBatchSignatureError extends ReceiptsError {
  override name = "InvalidBatchSignatureError";
  constructor(
    readonly signature: Hex,
    reason: string,
    cause?: unknown,
  ) {
    super(`batch signature is invalid: ${reason}`, {
      advice: "Expect a 65-byte r‖s‖v EIP-712 signature of the Acknowledgement type.",
      cause,
    });
  }
}

/** A wallet client without an account was asked to sign. */
export class MissingBatchSignerError extends ReceiptsError {
  override name = "MissingBatchSignerError";
  constructor() {
    super("no account to sign the batch with", {
      advice: "Pass `account` to signBatch or create the wallet client with an account.",
    });
  }
}
