import type { Address } from "viem";
import type { Flow } from "../chain/types";
import { LANDING_TOKEN_PARAM } from "../member/tracking-server";

/** One agreement as the simulator needs it: its flows and schedule. */
export interface SimulatedAgreement {
  id: bigint;
  flows: readonly Flow[];
  start: bigint;
  epochLength: bigint;
}

export interface TrafficCounters {
  clicks: number;
  arrivals: number;
  /** Arrivals the dishonest member's node never recorded. */
  dropped: number;
  conversions: number;
  errors: number;
  /** Visits not made: the agreement had not started, or the flow reached half its cap this epoch. */
  skipped: number;
}

export interface TrafficSimulatorOptions {
  /** The agreements to send visitors on, asked each tick (the matching daemon adds agreements over time). */
  agreements: () => readonly SimulatedAgreement[];
  /** Base URL of each member's node (lower-case address → URL). */
  nodeUrl: (member: Address) => string | undefined;
  /** This member's node under-reports: it drops `dropShare` of the arrivals it receives (asked each visit). */
  dishonest?: () => Address | undefined;
  dropShare?: number;
  /** Chance that a visitor clicks a flow's link in a tick. */
  clickChance?: number;
  conversionChance?: number;
  tickMs?: number;
  onError?: (error: Error) => void;
  /** The chain's clock in unix seconds (default: the wall clock). */
  now?: () => bigint;
  /** Seeded randomness in tests; Math.random by default. */
  random?: () => number;
}

/**
 * Simulated visitors: each tick, some follow a referrer's tracking link (`GET /r/:agreement/:flow`
 * on the referrer's node, which records the click and redirects with a signed token), land on the
 * recipient, whose node records the arrival from the token, and a few convert. Clicks per flow
 * and epoch stay below the flow's cap. The dishonest recipient's node drops a share of its
 * arrivals, so its counts fall short of the referrer's: it refuses to co-sign, the referrer
 * claims, and the dishonest member's node disputes the claim with its lower count.
 */
export function startTrafficSimulator(options: TrafficSimulatorOptions) {
  const random = options.random ?? Math.random;
  const counters: TrafficCounters = {
    clicks: 0,
    arrivals: 0,
    dropped: 0,
    conversions: 0,
    errors: 0,
    skipped: 0,
  };
  const perEpoch = new Map<string, number>();
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  async function visit(agreement: SimulatedAgreement, index: number): Promise<void> {
    const flow = agreement.flows[index];
    const referrer = options.nodeUrl(flow.from);
    const recipient = options.nodeUrl(flow.to);
    if (!referrer || !recipient) throw new Error(`no node serves ${flow.from} or ${flow.to}`);
    const now = options.now ? options.now() : BigInt(Math.floor(Date.now() / 1000));
    if (now < agreement.start) {
      counters.skipped++;
      return;
    }
    const epoch = (now - agreement.start) / agreement.epochLength;
    const key = `${agreement.id}:${index}:${epoch}`;
    const sent = perEpoch.get(key) ?? 0;
    // Leave headroom under the cap: a click near an epoch's end may count in the next one.
    if (BigInt(sent) >= flow.capPerEpoch / 2n) {
      counters.skipped++;
      return;
    }
    perEpoch.set(key, sent + 1);
    const link = await fetch(`${referrer}/r/${agreement.id}/${index}`, { redirect: "manual" });
    if (link.status !== 302) {
      counters.errors++;
      return;
    }
    counters.clicks++;
    const token = new URL(link.headers.get("location") ?? "").searchParams.get(LANDING_TOKEN_PARAM);
    if (!token) {
      counters.errors++;
      return;
    }
    if (
      flow.to.toLowerCase() === options.dishonest?.()?.toLowerCase() &&
      random() < (options.dropShare ?? 0.4)
    ) {
      counters.dropped++;
      return;
    }
    const arrival = await fetch(`${recipient}/v1/agreements/${agreement.id}/flows/${index}/arrivals`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    if (arrival.status !== 201) {
      counters.errors++;
      return;
    }
    counters.arrivals++;
    const { clickId } = (await arrival.json()) as { clickId: string };
    if (random() < (options.conversionChance ?? 0.15)) {
      const conversion = await fetch(`${recipient}/v1/conversions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ clickId }),
      });
      if (conversion.status === 201) counters.conversions++;
    }
  }

  async function tick(): Promise<void> {
    const visits: Promise<void>[] = [];
    for (const agreement of options.agreements())
      for (let i = 0; i < agreement.flows.length; i++)
        if (random() < (options.clickChance ?? 0.6))
          visits.push(
            visit(agreement, i).catch((error: Error) => {
              counters.errors++;
              options.onError?.(error);
            }),
          );
    await Promise.all(visits);
  }

  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(tick);
  }, options.tickMs ?? 1_000);

  return {
    counters,
    /** Stops issuing visits and waits for those under way. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
