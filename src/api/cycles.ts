/** Shapes of agreements, for the network graph (cycles are highlighted) and the tables. */

export type AgreementKind = "one-way" | "pair" | "cycle" | "other";

export interface FlowEnds {
  from: string;
  to: string;
}

/**
 * `cycle` when the flows form one directed cycle through three or more parties (A→B→C→A: each
 * party sends to exactly one other and the walk from any party visits all), `pair` for two
 * parties sending to each other, `one-way` for a single direction.
 */
export function agreementKind(flows: readonly FlowEnds[]): AgreementKind {
  const parties = new Set(flows.flatMap((f) => [f.from, f.to]));
  const edges = new Set(flows.map((f) => `${f.from}>${f.to}`));
  if (parties.size === 2) {
    const [a, b] = [...parties];
    const both = edges.has(`${a}>${b}`) && edges.has(`${b}>${a}`);
    return both ? "pair" : "one-way";
  }
  if (parties.size < 3) return "other";
  const next = new Map<string, string>();
  for (const f of flows) {
    if (next.has(f.from) && next.get(f.from) !== f.to) return "other";
    next.set(f.from, f.to);
  }
  if (next.size !== parties.size) return "other";
  const first = flows[0].from;
  let at = first;
  for (let step = 0; step < parties.size; step++) at = next.get(at)!;
  if (at !== first) return "other";
  const seen = new Set<string>();
  at = first;
  do {
    seen.add(at);
    at = next.get(at)!;
  } while (at !== first);
  return seen.size === parties.size ? "cycle" : "other";
}
