import { type Finding, finding } from "../findings";
import type { AuditModel } from "../model";

/**
 * Two members that refer the same audience segment to each other: each pays the other for users
 * it could have kept, so the traffic goes round and only credits are created.
 */
export function detectTwoWaySameSegment(model: AuditModel): Finding[] {
  type Edge = { agreementId: bigint; flow: number; segments: bigint };
  const edges = new Map<string, Edge[]>();
  for (const agreement of model.agreements) {
    if (agreement.status === "proposed" || agreement.status === "rejected" || agreement.status === "expired")
      continue;
    agreement.flows.forEach((f, flow) => {
      const key = `${f.from.toLowerCase()}>${f.to.toLowerCase()}`;
      edges.set(key, [
        ...(edges.get(key) ?? []),
        { agreementId: agreement.agreementId, flow, segments: f.segments },
      ]);
    });
  }
  const findings: Finding[] = [];
  for (const [key, forward] of edges) {
    const [from, to] = key.split(">");
    if (from > to) continue; // each pair once
    const backward = edges.get(`${to}>${from}`) ?? [];
    for (const a of forward) {
      for (const b of backward) {
        const shared = a.segments & b.segments;
        if (shared === 0n) continue;
        const agreement = model.agreements.find((x) => x.agreementId === a.agreementId);
        const other = model.agreements.find((x) => x.agreementId === b.agreementId);
        findings.push(
          finding(
            "two-way-same-segment",
            `${agreement?.flows[a.flow].from} and ${agreement?.flows[a.flow].to} refer the same segments (bitmap 0x${shared.toString(16)}) to each other`,
            {
              memberA: agreement?.flows[a.flow].from ?? from,
              memberB: agreement?.flows[a.flow].to ?? to,
              sharedSegments: `0x${shared.toString(16)}`,
              forward: `agreement ${a.agreementId} flow ${a.flow}`,
              backward: `agreement ${b.agreementId} flow ${b.flow}`,
            },
            [agreement?.proposedIn, other?.proposedIn],
          ),
        );
      }
    }
  }
  return findings;
}
