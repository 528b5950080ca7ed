/**
 * Errors of the receipts library. Each says what was wrong and what to do about it; the values
 * that explain the failure are kept as fields so callers (member nodes, auditors) can report them.
 */
export class ReceiptsError extends Error {
  override name = "ReceiptsError";
  /** The message without the advice, for logs and tables. */
  readonly shortMessage: string;

  constructor(shortMessage: string, options: { advice?: string; cause?: unknown } = {}) {
    super(options.advice ? `${shortMessage}\n${options.advice}` : shortMessage, { cause: options.cause });
    this.shortMessage = shortMessage;
  }
}

/** A receipt field is not the ABI type the leaf encoding requires. */
export class InvalidReceiptError extends ReceiptsError {
  override name = "InvalidReceiptError";
  constructor(
    readonly index: number,
    readonly field: "agreementId" | "flow" | "epoch" | "clickId",
    readonly value: unknown,
    expected: string,
  ) {
    super(`receipt ${index}: ${field} ${String(value)} is not ${expected}`, {
      advice: "Receipts come from the member node's durable arrival records; fix or drop that record.",
    });
  }
}

/** A Merkle tree needs at least one leaf (OpenZeppelin refuses empty trees as well). */
export class EmptyReceiptTreeError extends ReceiptsError {
  override name = "EmptyReceiptTreeError";
  constructor() {
    super("cannot build a receipt tree without receipts", {
      advice: "An epoch without referrals has no batch: do not commit one.",
    });
  }
}

/**
 * Two receipts have the same leaf (same agreement, flow, epoch and click id). Refused on purpose:
 * the batch count is the number of leaves, so a duplicate would make the recipient pay one click twice.
 */
export class DuplicateReceiptError extends ReceiptsError {
  override name = "DuplicateReceiptError";
  constructor(
    readonly firstIndex: number,
    readonly secondIndex: number,
    readonly clickId: string,
  ) {
    super(`receipts ${firstIndex} and ${secondIndex} are the same click ${clickId}`, {
      advice: "Deduplicate receipts by click id before building the batch: one click is paid once.",
    });
  }
}

/** A proof was asked for a receipt index the tree does not have. */
export class ReceiptIndexOutOfRangeError extends ReceiptsError {
  override name = "ReceiptIndexOutOfRangeError";
  constructor(
    readonly index: number,
    readonly length: number,
  ) {
    super(`receipt index ${index} is outside the tree (0..${length - 1})`, {
      advice: "Proof indices are positions in the receipts array the tree was built from.",
    });
  }
}

/** The same receipt was asked twice in one multiproof (OpenZeppelin refuses this too). */
export class DuplicateProofIndexError extends ReceiptsError {
  override name = "DuplicateProofIndexError";
  constructor(readonly index: number) {
    super(`receipt index ${index} appears twice in the multiproof request`, {
      advice: "Ask each receipt once.",
    });
  }
}

/** A multiproof whose sizes cannot belong together (leaves + proof must equal flags + 1). */
export class MalformedMultiProofError extends ReceiptsError {
  override name = "MalformedMultiProofError";
  constructor(
    readonly leaves: number,
    readonly proof: number,
    readonly proofFlags: number,
  ) {
    super(`multiproof with ${leaves} leaves, ${proof} proof nodes and ${proofFlags} flags is malformed`, {
      advice: "Use the proof exactly as getMultiProof returned it.",
    });
  }
}
