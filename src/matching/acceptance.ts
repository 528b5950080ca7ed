/**
 * What makes a proposal acceptable to one of its parties, the one definition that the matching
 * engine builds agreements by (proposals.ts: a cycle that breaks it is not proposed) and that a
 * member node's auto-accept decides by (src/member/auto-accept.ts):
 * - the member is a party;
 * - it may share the agreement with every other party (`conflict`: for the engine, industries
 *   that compete or that one side's offers exclude, either way; for a node, its refused
 *   industries and, where known, the other party's);
 * - its co-parties stay within its partner limit, counted as a member experiences them: every
 *   other party of its agreements and of this proposal, with a flow between them or not (a
 *   4-cycle a → b → c → d → a gives a the co-parties b, c and d).
 *
 * Generic over how a party is named (an address for a node, an index for the engine).
 */
export interface CoPartyRule<P> {
  /** Why `member` may not be a party of one agreement with `other`, or undefined when it may. */
  conflict(member: P, other: P): string | undefined;
}

/** Reasons `member` cannot accept an agreement of `parties`; empty when it can. */
export function acceptanceProblems<P>(
  member: P,
  parties: readonly P[],
  coParties: ReadonlySet<P>,
  maxPartners: number,
  rule: CoPartyRule<P>,
): string[] {
  const reasons: string[] = [];
  if (!parties.includes(member)) reasons.push("not a party");
  const after = new Set(coParties);
  for (const other of parties) {
    if (other === member) continue;
    const conflict = rule.conflict(member, other);
    if (conflict !== undefined) reasons.push(conflict);
    after.add(other);
  }
  if (after.size > maxPartners) reasons.push(`${after.size} partners > maxPartners ${maxPartners}`);
  return reasons;
}
