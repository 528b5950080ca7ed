/** The daemon's key lacks the MATCHER role: it cannot propose agreements for others. */
export class DaemonNotMatcherError extends Error {
  override name = "DaemonNotMatcherError";
  constructor(readonly account: string) {
    super(
      `account ${account} does not hold MATCHER_ROLE: ask the governor to grant it (flowpact role grant MATCHER_ROLE ${account}) or run the daemon with the matcher's key`,
    );
  }
}

/** A journaled proposal could not be brought to a final state on chain within the wait. */
export class ProposalStuckError extends Error {
  override name = "ProposalStuckError";
  constructor(
    readonly txHash: string,
    options?: { cause?: unknown },
  ) {
    super(
      `proposal transaction ${txHash} is neither mined nor replaced yet: the daemon will reconcile it on its next tick; check the node's mempool and gas price if this persists`,
      options,
    );
  }
}
