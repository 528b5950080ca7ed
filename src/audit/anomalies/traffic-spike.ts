import { type Finding, finding } from "../findings";
import type { AuditModel } from "../model";

/**
 * Batches far above the referrer's own history on the same flow: `count > factor × median` of
 * the flow's earlier batches (with at least `history` of them to judge against).
 */
export function detectTrafficSpikes(model: AuditModel, factor: number, history: number): Finding[] {
  const byFlow = new Map<string, typeof model.batches>();
  for (const batch of model.batches) {
    const key = `${batch.agreementId}/${batch.flow}`;
    byFlow.set(key, [...(byFlow.get(key) ?? []), batch]);
  }
  const findings: Finding[] = [];
  for (const batches of byFlow.values()) {
    const sorted = [...batches].sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
    for (let i = history; i < sorted.length; i++) {
      const earlier = sorted.slice(0, i).map((b) => Number(b.count));
      const median = medianOf(earlier);
      const batch = sorted[i];
      if (median <= 0 || Number(batch.count) <= factor * median) continue;
      findings.push(
        finding(
          "traffic-spike",
          `${batch.referrer} counted ${batch.count} referrals on flow ${batch.flow} of agreement ${batch.agreementId} in epoch ${batch.epoch}, ${(Number(batch.count) / median).toFixed(1)}× the median ${median} of its ${earlier.length} earlier epochs`,
          {
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            referrer: batch.referrer,
            count: batch.count,
            median,
            history: earlier,
          },
          batch.transactions,
        ),
      );
    }
  }
  return findings;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
