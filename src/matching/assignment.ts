/**
 * Referrals per epoch put on one candidate edge by a solver: members and offers are indices of
 * the prepared instance. Solvers produce these; `proposals.ts` turns them into agreements.
 */
export interface FlowAssignment {
  readonly from: number;
  readonly to: number;
  readonly supply: number;
  readonly demand: number;
  readonly segment: number;
  /** Expected surplus per referral. */
  readonly value: number;
  readonly rate: number;
  /** Referrals per epoch (a positive integer). */
  readonly amount: number;
}

export function assignmentObjective(assignments: readonly FlowAssignment[]): number {
  let total = 0;
  for (const f of assignments) total += f.value * f.amount;
  return total;
}
