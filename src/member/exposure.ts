/**
 * Bounded exposure of a referrer to a recipient that stops acknowledging.
 *
 * The referrer's node counts the billable tokens it issued on each flow's epoch and compares them
 * with the recipient's latest signed acknowledgement. When the unacknowledged part exceeds the bound
 * — `maxUnacknowledged` clicks, or any unacknowledged click older than `maxAgeSeconds` since the
 * last acknowledgement — it stops issuing billable tokens on that flow (visitors still reach the
 * partner, unbilled) until acknowledgements catch up. A recipient that stops acknowledging can so
 * take at most the bound: everything above the acknowledged count is only claimable, and disputable.
 */
export interface ExposureBound {
  /** Unacknowledged clicks on a flow's epoch at which billable tokens stop (default 10,000). */
  maxUnacknowledged: number;
  /** Seconds an unacknowledged click may wait for an acknowledgement (default 120). */
  maxAgeSeconds: bigint;
}

/** Sized for a busy flow acknowledged every 2 s (about 300 referrals/s per flow in bench:e2e). */
export const DEFAULT_EXPOSURE_BOUND: ExposureBound = { maxUnacknowledged: 10_000, maxAgeSeconds: 120n };

export interface FlowExposure {
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  sent: number;
  acknowledged: bigint;
  /** Why billable tokens are stopped on this flow; undefined while they flow. */
  paused?: string;
}

interface State {
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  sent: number;
  acknowledged: bigint;
  /** Since when some sent click waits for an acknowledgement. */
  waitingSince?: bigint;
  paused?: string;
}

export interface ExposureGuard {
  /** Whether a billable token may be issued on this flow's epoch now; records a state change. */
  allows(key: { agreementId: bigint; flow: number; epoch: bigint }, t: bigint): boolean;
  /** A billable click was made durable. */
  sent(key: { agreementId: bigint; flow: number; epoch: bigint }, t: bigint): void;
  /** The recipient acknowledged `count` arrivals of the flow's epoch. */
  acknowledged(key: { agreementId: bigint; flow: number; epoch: bigint }, count: bigint, t: bigint): void;
  /** Every flow whose billable tokens are stopped now. */
  paused(): FlowExposure[];
}

/**
 * One guard per referrer tenant; state is per (agreement, flow) for its latest epoch (an older
 * epoch's exposure ends when it is settled). `onChange` hears every pause and resume (log, metric).
 *
 * @example
 * const guard = createExposureGuard({ maxUnacknowledged: 100, maxAgeSeconds: 30n });
 * if (guard.allows(key, now)) issueToken(); else redirectUnbilled();
 */
export function createExposureGuard(
  bound: ExposureBound = DEFAULT_EXPOSURE_BOUND,
  onChange?: (flow: FlowExposure) => void,
): ExposureGuard {
  const flows = new Map<string, State>();
  const stateOf = (key: { agreementId: bigint; flow: number; epoch: bigint }): State => {
    const id = `${key.agreementId}:${key.flow}`;
    let state = flows.get(id);
    if (!state || state.epoch < key.epoch) {
      state = { agreementId: key.agreementId, flow: key.flow, epoch: key.epoch, sent: 0, acknowledged: 0n };
      flows.set(id, state);
    }
    return state;
  };
  const view = (s: State): FlowExposure => ({
    agreementId: s.agreementId,
    flow: s.flow,
    epoch: s.epoch,
    sent: s.sent,
    acknowledged: s.acknowledged,
    paused: s.paused,
  });
  const decide = (s: State, t: bigint) => {
    const unacknowledged = BigInt(s.sent) - s.acknowledged;
    let reason: string | undefined;
    if (unacknowledged >= BigInt(bound.maxUnacknowledged))
      reason = `${unacknowledged} clicks unacknowledged (bound ${bound.maxUnacknowledged})`;
    else if (unacknowledged > 0n && s.waitingSince !== undefined && t - s.waitingSince > bound.maxAgeSeconds)
      reason = `no acknowledgement for ${t - s.waitingSince} s with ${unacknowledged} clicks sent (bound ${bound.maxAgeSeconds} s)`;
    if ((reason === undefined) !== (s.paused === undefined)) {
      s.paused = reason;
      onChange?.(view(s));
    }
  };
  return {
    allows(key, t) {
      const s = stateOf(key);
      if (s.epoch > key.epoch) return true;
      decide(s, t);
      return s.paused === undefined;
    },
    sent(key, t) {
      const s = stateOf(key);
      if (s.epoch !== key.epoch) return;
      s.sent++;
      s.waitingSince ??= t;
    },
    acknowledged(key, count, t) {
      const s = stateOf(key);
      if (s.epoch !== key.epoch || count <= s.acknowledged) return;
      s.acknowledged = count;
      s.waitingSince = BigInt(s.sent) > count ? t : undefined;
      decide(s, t);
    },
    paused: () => [...flows.values()].filter((s) => s.paused !== undefined).map(view),
  };
}
