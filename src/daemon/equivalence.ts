/**
 * When two agreements are "the same deal": same parties and same flows (from, to, segments),
 * whatever their order. Caps, rates and the schedule are left out on purpose: a proposal that
 * differs only in those still asks the same members to route the same audience to each other, so
 * proposing it beside a pending or active one would be a duplicate in every sense that matters to
 * them (and the schedule changes with every tick, so including it would never match).
 */
export interface EquivalenceTerms {
  readonly parties: readonly string[];
  readonly flows: ReadonlyArray<{ readonly from: string; readonly to: string; readonly segments: bigint }>;
}

/** Canonical key of an agreement's parties and flows; equal keys = equivalent agreements. */
export function equivalenceKey(terms: EquivalenceTerms): string {
  const parties = [...new Set(terms.parties.map((p) => p.toLowerCase()))].sort();
  const flows = [
    ...new Set(
      terms.flows.map((f) => `${f.from.toLowerCase()}>${f.to.toLowerCase()}:${f.segments.toString(16)}`),
    ),
  ].sort();
  return `${parties.join(",")}|${flows.join(",")}`;
}

/** Whether two agreements are equivalent (see `equivalenceKey`). */
export function areEquivalent(a: EquivalenceTerms, b: EquivalenceTerms): boolean {
  return equivalenceKey(a) === equivalenceKey(b);
}
