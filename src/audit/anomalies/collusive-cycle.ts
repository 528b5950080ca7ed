import type { Address } from "viem";
import type { Flow } from "../../chain/types";
import { type Finding, finding } from "../findings";
import type { AuditModel } from "../model";

type Edge = { agreementId: bigint; flow: number; terms: Flow };

/**
 * Closed cycles of agreements: a group of members whose flows form a cycle (a strongly connected
 * component of the traffic graph), who trade with nobody outside the group, at maximal rates —
 * every rate at least the recipient's highest published offer rate, or, where it published none,
 * at least the highest rate paid anywhere outside the group. Such a ring mints credits for each
 * other that the rest of the network then honours.
 */
export function detectCollusiveCycles(model: AuditModel): Finding[] {
  const edges: Edge[] = [];
  for (const agreement of model.agreements) {
    if (agreement.status !== "active" && agreement.status !== "terminated") continue;
    for (const [flow, terms] of agreement.flows.entries())
      edges.push({ agreementId: agreement.agreementId, flow, terms });
  }
  const key = (a: Address) => a.toLowerCase();
  const nodes = [...new Set(edges.flatMap((e) => [key(e.terms.from), key(e.terms.to)]))];
  const outgoing = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) outgoing.get(key(e.terms.from))?.push(key(e.terms.to));
  const findings: Finding[] = [];
  for (const component of stronglyConnected(nodes, outgoing)) {
    if (component.size < 2) continue;
    const inside = edges.filter((e) => component.has(key(e.terms.from)) && component.has(key(e.terms.to)));
    const crossing = edges.filter((e) => component.has(key(e.terms.from)) !== component.has(key(e.terms.to)));
    if (crossing.length > 0) continue; // it trades with the rest of the network
    const outside = edges.filter((e) => !component.has(key(e.terms.from)) && !component.has(key(e.terms.to)));
    let outsideMax = 0n;
    for (const e of outside) if (e.terms.rate > outsideMax) outsideMax = e.terms.rate;
    const maximal = inside.every((e) => {
      const offered = model.offeredMaxRates[e.terms.to];
      if (offered !== undefined && offered > 0n) return e.terms.rate >= offered;
      return outside.length > 0 && e.terms.rate >= outsideMax;
    });
    if (!maximal) continue;
    const settled = model.batches
      .filter((b) => component.has(key(b.referrer)) && component.has(key(b.recipient)))
      .reduce((s, b) => s + b.settledCredits, 0n);
    const members = [...component].map((m) => inside.find((e) => key(e.terms.from) === m)?.terms.from ?? m);
    const agreementIds = [...new Set(inside.map((e) => e.agreementId.toString()))];
    findings.push(
      finding(
        "collusive-cycle",
        `${members.length} members (${members.join(", ")}) trade only with each other, in a closed cycle at maximal rates, and settled ${settled} credits among themselves`,
        {
          members,
          agreements: agreementIds,
          rates: inside.map((e) => `${e.terms.from} → ${e.terms.to}: ${e.terms.rate}`),
          highestRateOutside: outsideMax,
          settledCredits: settled,
        },
        model.agreements
          .filter((a) => agreementIds.includes(a.agreementId.toString()))
          .map((a) => a.proposedIn),
      ),
    );
  }
  return findings;
}

/** Tarjan's strongly connected components (iterative, so a large graph cannot overflow the stack). */
function stronglyConnected(nodes: string[], outgoing: Map<string, string[]>): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: Set<string>[] = [];
  let counter = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const targets = outgoing.get(frame.node) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++];
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = new Set<string>();
        let member: string | undefined;
        do {
          member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.add(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}
