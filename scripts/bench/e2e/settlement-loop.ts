import type { Hex } from "viem";
import type { EpochCloseOutcome } from "../../../src/member/epoch-close";
import type { MemberNode } from "../../../src/member/node";
import type { ChainClock } from "./chain-clock";

export interface SettlementTally {
  /** Batches committed co-signed, per epoch. */
  committedByEpoch: Map<bigint, number>;
  committed: number;
  claimed: number;
  refused: number;
  failed: number;
  /** Commit and claim transactions sent by the nodes. */
  txHashes: Hex[];
  /** Distinct reasons of refusals and failures (the first few). */
  reasons: string[];
}

export interface SettlementLoop {
  tally: SettlementTally;
  /** Stops the timer and waits for the round under way. */
  stop(): Promise<void>;
  /**
   * Rounds until no node has an epoch left to close, or `patience` rounds in a row commit
   * nothing (then the unsettled batches are reported, not waited for forever).
   */
  drain(patience?: number): Promise<{ open: EpochCloseOutcome[] }>;
}

/**
 * What runs the member nodes' epoch close in the benchmark (as `npm start`'s supervisor does):
 * every `intervalMs`, mine a block so simulations see the chain's now, then every member closes
 * its finished epochs (co-sign request to the recipient's node, then commit on chain).
 */
export function startSettlementLoop(
  nodes: readonly MemberNode[],
  clock: ChainClock,
  intervalMs: number,
): SettlementLoop {
  const tally: SettlementTally = {
    committedByEpoch: new Map(),
    committed: 0,
    claimed: 0,
    refused: 0,
    failed: 0,
    txHashes: [],
    reasons: [],
  };
  const note = (reason: string) => {
    if (tally.reasons.length < 20 && !tally.reasons.includes(reason)) tally.reasons.push(reason);
  };

  async function round(): Promise<EpochCloseOutcome[]> {
    await clock.mine();
    const outcomes = (
      await Promise.all(
        nodes.map((node) =>
          node.closeEpochs().catch((error: Error): EpochCloseOutcome[] => {
            note(`closeEpochs of ${node.member}: ${error.message.split("\n")[0]}`);
            tally.failed++;
            return [];
          }),
        ),
      )
    ).flat();
    for (const o of outcomes) {
      if (o.type === "committed") {
        tally.committed++;
        tally.committedByEpoch.set(o.batch.epoch, (tally.committedByEpoch.get(o.batch.epoch) ?? 0) + 1);
        tally.txHashes.push(o.txHash);
      } else if (o.type === "claimed") {
        tally.claimed++;
        tally.txHashes.push(o.txHash);
        note(`claimed ${o.batch.agreementId}/${o.batch.flow}/${o.batch.epoch}: ${o.reason}`);
      } else if (o.type === "refused") {
        tally.refused++;
        note(`refused ${o.batch.agreementId}/${o.batch.flow}/${o.batch.epoch}: ${o.reason}`);
      } else if (o.type === "failed") {
        tally.failed++;
        note(`failed ${o.batch.agreementId}/${o.batch.flow}/${o.batch.epoch}: ${o.reason}`);
      }
    }
    return outcomes;
  }

  let running = true;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    current = round()
      .catch((error: Error) => note(`round: ${error.message}`))
      .finally(() => {
        if (running) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    tally,
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await current;
    },
    async drain(patience = 5) {
      let idle = 0;
      for (;;) {
        const before = tally.committed + tally.claimed;
        const outcomes = await round();
        if (outcomes.length === 0) return { open: [] };
        idle = tally.committed + tally.claimed > before ? 0 : idle + 1;
        if (idle >= patience) return { open: outcomes };
        if (outcomes.some((o) => o.type === "waiting" || o.type === "refused"))
          await new Promise((r) => setTimeout(r, 1_000));
      }
    },
  };
}
