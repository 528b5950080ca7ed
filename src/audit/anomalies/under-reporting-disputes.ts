import type { Address } from "viem";
import { type Finding, finding } from "../findings";
import type { AuditModel } from "../model";

/**
 * A recipient that keeps disputing claims with lower counts and keeps losing (the auditors
 * resolve above its count and keep its bond): it under-reports arrivals to pay less.
 */
export function detectUnderReportingDisputes(model: AuditModel, minLost: number): Finding[] {
  const byRecipient = new Map<string, typeof model.batches>();
  for (const batch of model.batches) {
    if (batch.counterCount === undefined) continue;
    const key = batch.recipient.toLowerCase();
    byRecipient.set(key, [...(byRecipient.get(key) ?? []), batch]);
  }
  const findings: Finding[] = [];
  for (const disputes of byRecipient.values()) {
    const lost = disputes.filter(
      (b) =>
        b.status === "resolved" &&
        b.disputeUpheld === false &&
        (b.resolvedCount ?? 0n) > (b.counterCount ?? 0n),
    );
    if (lost.length < minLost) continue;
    const recipient: Address = disputes[0].recipient;
    const underReported = lost.reduce(
      (sum, b) => sum + ((b.resolvedCount ?? 0n) - (b.counterCount ?? 0n)),
      0n,
    );
    findings.push(
      finding(
        "under-reporting-disputes",
        `${recipient} disputed ${disputes.length} claims and lost ${lost.length}: the auditors found ${underReported} more referrals than it admitted`,
        {
          recipient,
          disputes: disputes.length,
          lost: lost.length,
          underReported,
          batches: lost.map(
            (b) =>
              `agreement ${b.agreementId} flow ${b.flow} epoch ${b.epoch}: claimed ${b.count}, admitted ${b.counterCount}, resolved ${b.resolvedCount}`,
          ),
        },
        lost.flatMap((b) => b.transactions),
      ),
    );
  }
  return findings;
}
