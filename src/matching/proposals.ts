import { acceptanceProblems, type CoPartyRule } from "./acceptance";
import type { FlowAssignment } from "./assignment";
import { membersMayShare } from "./pairing";
import type { PreparedInstance } from "./prepare";
import type { AgreementFlow, ProposedAgreement } from "./types";

interface Link {
  readonly from: number;
  readonly to: number;
  readonly flows: AgreementFlow[];
  surplus: number;
  used: boolean;
}

/**
 * Turns a flow solution into agreements of 2–4 parties by decomposing its member graph:
 * 1. flows of one supply offer to one demand offer merge into one `Flow` (segments OR-ed, caps
 *    summed; the rate is the same by construction);
 * 2. two members with flows both ways form a reciprocal pair agreement;
 * 3. the remaining one-way links are searched for 3-cycles, then 4-cycles (a → b → c (→ d) → a),
 *    each becoming one agreement when it is acceptable to every party (acceptance.ts): a 4-cycle
 *    makes a and c (and b and d) co-parties without a flow between them, so it is proposed only
 *    when they may share an agreement (`membersMayShare`), are not co-parties already, and stay
 *    within their partner limits, counting every co-party of every proposal they receive;
 * 4. what is left becomes one-way 2-party agreements, which the credit rule allows because the
 *    ledger is mutual credit: credits earned from anyone pay for traffic from anyone.
 * Every flow lands in exactly one agreement; the order is deterministic (member index order).
 * Pairs and one-way agreements need no check: their co-parties are flow partners, which the
 * pairing rule and the solvers' partner limits already allow.
 */
export function buildProposals(
  p: PreparedInstance,
  assignments: readonly FlowAssignment[],
): ProposedAgreement[] {
  const merged = new Map<
    string,
    { from: number; to: number; segments: bigint; cap: number; rate: number; surplus: number }
  >();
  for (const f of assignments) {
    const key = `${f.supply}:${f.demand}`;
    const cur = merged.get(key);
    if (cur) {
      cur.segments |= 1n << BigInt(f.segment);
      cur.cap += f.amount;
      cur.surplus += f.value * f.amount;
    } else {
      merged.set(key, {
        from: f.from,
        to: f.to,
        segments: 1n << BigInt(f.segment),
        cap: f.amount,
        rate: f.rate,
        surplus: f.value * f.amount,
      });
    }
  }
  const links = new Map<number, Link>();
  const linkKey = (i: number, j: number) => i * p.n + j;
  const sortedFlows = [...merged.values()].sort((x, y) => x.from - y.from || x.to - y.to || x.rate - y.rate);
  for (const f of sortedFlows) {
    const key = linkKey(f.from, f.to);
    let link = links.get(key);
    if (!link) {
      link = { from: f.from, to: f.to, flows: [], surplus: 0, used: false };
      links.set(key, link);
    }
    link.flows.push({
      from: p.memberIds[f.from],
      to: p.memberIds[f.to],
      segments: f.segments,
      capPerEpoch: BigInt(f.cap),
      rate: BigInt(f.rate),
    });
    link.surplus += f.surplus;
  }
  const ordered = [...links.values()].sort((x, y) => x.from - y.from || x.to - y.to);
  const proposals: ProposedAgreement[] = [];
  // Co-parties each member will have: its existing ones and its flow partners in this solution
  // (every link lands in an agreement of both its ends), plus the diagonals of accepted 4-cycles.
  const coParties = p.existingPartners.map((list) => new Set(list));
  for (const l of ordered) {
    coParties[l.from].add(l.to);
    coParties[l.to].add(l.from);
  }
  const rule: CoPartyRule<number> = {
    conflict: (i, j) =>
      !membersMayShare(p, i, j)
        ? `${p.memberIds[i]} and ${p.memberIds[j]} may not share an agreement`
        : p.existingPartners[i].includes(j)
          ? `${p.memberIds[i]} and ${p.memberIds[j]} are already co-parties`
          : undefined,
  };
  const acceptable = (parties: readonly number[]) =>
    parties.every((m) => acceptanceProblems(m, parties, coParties[m], p.partnerLimit[m], rule).length === 0);
  const emit = (kind: ProposedAgreement["kind"], parties: number[], group: Link[]) => {
    for (const l of group) l.used = true;
    for (const x of parties) for (const y of parties) if (x !== y) coParties[x].add(y);
    proposals.push({
      kind,
      parties: parties.map((m) => p.memberIds[m]),
      flows: group.flatMap((l) => l.flows),
      surplus: group.reduce((s, l) => s + l.surplus, 0),
    });
  };

  for (const l of ordered) {
    if (l.used || l.from > l.to) continue;
    const back = links.get(linkKey(l.to, l.from));
    if (back) emit("pair", [l.from, l.to], [l, back]);
  }
  const out: Link[][] = Array.from({ length: p.n }, () => []);
  for (const l of ordered) if (!l.used) out[l.from].push(l);
  const open = (i: number, j: number) => {
    const l = links.get(linkKey(i, j));
    return l && !l.used ? l : undefined;
  };
  for (let i = 0; i < p.n; i++) {
    for (const ij of out[i]) {
      if (ij.used) continue;
      for (const jk of out[ij.to]) {
        if (jk.used || jk.to === i) continue;
        const ki = open(jk.to, i);
        if (ki && acceptable([i, ij.to, jk.to])) {
          emit("cycle3", [i, ij.to, jk.to], [ij, jk, ki]);
          break;
        }
      }
    }
  }
  for (let i = 0; i < p.n; i++) {
    for (const ij of out[i]) {
      if (ij.used) continue;
      search: for (const jk of out[ij.to]) {
        if (jk.used || jk.to === i) continue;
        for (const kl of out[jk.to]) {
          if (kl.used || kl.to === i || kl.to === ij.to) continue;
          const li = open(kl.to, i);
          if (li && acceptable([i, ij.to, jk.to, kl.to])) {
            emit("cycle4", [i, ij.to, jk.to, kl.to], [ij, jk, kl, li]);
            break search;
          }
        }
      }
    }
  }
  for (const l of ordered) if (!l.used) emit("one-way", [l.from, l.to], [l]);
  return proposals;
}
