import { type Finding, finding } from "../findings";
import type { AuditModel } from "../model";

/**
 * Flows whose every batch counts exactly the cap (or more, settled at the cap): real traffic
 * varies, so a count pinned to the maximum paid epoch after epoch suggests invented receipts.
 */
export function detectCapEveryEpoch(model: AuditModel, minEpochs: number): Finding[] {
  const byFlow = new Map<string, typeof model.batches>();
  for (const batch of model.batches) {
    const key = `${batch.agreementId}/${batch.flow}`;
    byFlow.set(key, [...(byFlow.get(key) ?? []), batch]);
  }
  const findings: Finding[] = [];
  for (const batches of byFlow.values()) {
    if (batches.length < minEpochs || !batches.every((b) => b.count >= b.cap)) continue;
    const sorted = [...batches].sort((a, b) => (a.epoch < b.epoch ? -1 : 1));
    const first = sorted[0];
    findings.push(
      finding(
        "cap-every-epoch",
        `flow ${first.flow} of agreement ${first.agreementId} (${first.referrer} → ${first.recipient}) counted at least its cap of ${first.cap} in each of its ${sorted.length} epochs`,
        {
          agreementId: first.agreementId,
          flow: first.flow,
          referrer: first.referrer,
          recipient: first.recipient,
          cap: first.cap,
          epochs: sorted.map((b) => b.epoch.toString()),
          counts: sorted.map((b) => b.count.toString()),
        },
        sorted.flatMap((b) => b.transactions),
      ),
    );
  }
  return findings;
}
