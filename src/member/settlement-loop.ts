import type { Address } from "viem";
import type { AcknowledgeOutcome } from "./acknowledgements";
import type { AutoDisputeOutcome } from "./auto-dispute";
import type { ClaimFollowOutcome } from "./claim-finalise";
import type { EpochCloseOutcome } from "./epoch-close";
import type { ProposalOutcome } from "./proposal-watch";

/** What one member's node did in one settlement pass. */
export interface SettlementPass {
  member: Address;
  /** Recipient: acknowledgements of its running counts sent to the referrers' nodes. */
  acknowledged: AcknowledgeOutcome[];
  /** Referrer: batches co-signed and committed, claimed, refused, waiting. */
  closed: EpochCloseOutcome[];
  /** Recipient: claims above its own arrivals disputed. */
  disputes: AutoDisputeOutcome[];
  /** Referrer: undisputed claims finalised after their window, disputes followed. */
  claims: ClaimFollowOutcome[];
  /** Proposals accepted by the auto-accept policy, or left for the CLI. */
  proposals: ProposalOutcome[];
  /** Steps that threw (RPC down, store error): retried on the next pass. */
  errors: Array<{ step: "acknowledge" | "close" | "dispute" | "claims" | "proposals"; message: string }>;
}

/** Something that can run one settlement pass (a member node). */
export interface SettlingNode {
  member: Address;
  settleOnce(): Promise<SettlementPass>;
}

export interface SettlementLoopOptions {
  /** Milliseconds between the end of one pass and the start of the next. */
  everyMs: number;
  /** Runs before each pass (the demo mines a block so calls simulate at the chain's now). */
  beforePass?: () => Promise<void>;
  /** Every node's report after each pass. */
  onPass?: (passes: SettlementPass[]) => void;
  /** A pass that threw as a whole (beforePass, or a bug): logged, and the loop goes on. */
  onError?: (error: Error) => void;
}

export interface SettlementLoop {
  /** Runs one pass now (waits for a pass already running first; passes never overlap). */
  runOnce(): Promise<SettlementPass[]>;
  /** Stops the timer and waits for the pass in flight. */
  stop(): Promise<void>;
  readonly passes: number;
}

/**
 * The member node's own settlement clock: every `everyMs` it runs one pass over its members
 * (close finished epochs — co-sign request then commit, or claim after the deadline —, dispute
 * claims above its arrivals, finalise its undisputed claims, auto-accept proposals). A failing
 * step never stops the loop: it is reported and retried on the next pass.
 *
 * @example
 * const loop = startSettlementLoop(running.nodes, { everyMs: 5_000, onPass: (p) => console.log(p) });
 * await loop.stop();
 */
export function startSettlementLoop(
  nodes: readonly SettlingNode[],
  options: SettlementLoopOptions,
): SettlementLoop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<SettlementPass[]> | undefined;
  let passes = 0;

  const pass = async (): Promise<SettlementPass[]> => {
    await options.beforePass?.();
    const reports: SettlementPass[] = [];
    for (const node of nodes) {
      if (stopped) break;
      reports.push(await node.settleOnce());
    }
    passes++;
    options.onPass?.(reports);
    return reports;
  };

  const runOnce = async (): Promise<SettlementPass[]> => {
    while (inflight) await inflight.catch(() => undefined);
    const running = pass();
    inflight = running;
    try {
      return await running;
    } finally {
      inflight = undefined;
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        await runOnce();
      } catch (error) {
        options.onError?.(error as Error);
      }
      schedule();
    }, options.everyMs);
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      while (inflight) await inflight.catch(() => undefined);
    },
    get passes() {
      return passes;
    },
  };
}
