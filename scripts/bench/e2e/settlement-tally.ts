import type { Hex } from "viem";
import type { EpochCloseOutcome } from "../../../src/member/epoch-close";
import type { SettlementLoop, SettlementPass } from "../../../src/member/settlement-loop";

export interface SettlementTally {
  /** Batches committed co-signed, per epoch. */
  committedByEpoch: Map<bigint, number>;
  committed: number;
  claimed: number;
  refused: number;
  failed: number;
  /** Settlement passes the nodes ran. */
  passes: number;
  /** Commit and claim transactions sent by the nodes. */
  txHashes: Hex[];
  /** Distinct reasons of refusals, failures and failed steps (the first few). */
  reasons: string[];
}

/**
 * Counts what the member nodes' own settlement loop did (`onSettlePass` of startMemberNodes):
 * the benchmark does not close epochs itself, it watches the nodes do it.
 */
export function createSettlementTally() {
  const tally: SettlementTally = {
    committedByEpoch: new Map(),
    committed: 0,
    claimed: 0,
    refused: 0,
    failed: 0,
    passes: 0,
    txHashes: [],
    reasons: [],
  };
  const note = (reason: string) => {
    if (tally.reasons.length < 20 && !tally.reasons.includes(reason)) tally.reasons.push(reason);
  };
  const key = (b: { agreementId: bigint; flow: number; epoch: bigint }) =>
    `${b.agreementId}/${b.flow}/${b.epoch}`;

  function onPass(passes: SettlementPass[]): void {
    tally.passes++;
    for (const pass of passes) {
      for (const error of pass.errors) {
        tally.failed++;
        note(`${pass.member} ${error.step}: ${error.message}`);
      }
      for (const o of pass.closed) {
        if (o.type === "committed") {
          tally.committed++;
          tally.committedByEpoch.set(o.batch.epoch, (tally.committedByEpoch.get(o.batch.epoch) ?? 0) + 1);
          tally.txHashes.push(o.txHash);
        } else if (o.type === "claimed") {
          tally.claimed++;
          tally.txHashes.push(o.txHash);
          note(`claimed ${key(o.batch)}: ${o.reason}`);
        } else if (o.type === "refused") {
          tally.refused++;
          note(`refused ${key(o.batch)}: ${o.reason}`);
        } else if (o.type === "failed") {
          tally.failed++;
          note(`failed ${key(o.batch)}: ${o.reason}`);
        }
      }
    }
  }

  /**
   * Runs the nodes' passes until no member has an epoch left to close, or `patience` passes in
   * a row commit nothing (then what is still open is returned, not waited for forever).
   */
  async function drain(loop: SettlementLoop, patience = 5): Promise<EpochCloseOutcome[]> {
    let idle = 0;
    for (;;) {
      const before = tally.committed + tally.claimed;
      const open = (await loop.runOnce()).flatMap((p) => p.closed);
      if (open.length === 0) return [];
      idle = tally.committed + tally.claimed > before ? 0 : idle + 1;
      if (idle >= patience) return open;
      if (open.some((o) => o.type === "waiting" || o.type === "refused"))
        await new Promise((r) => setTimeout(r, 1_000));
    }
  }

  return { tally, onPass, drain };
}
