import type { Finding } from "../findings";
import type { AuditModel } from "../model";
import { detectCapEveryEpoch } from "./cap-every-epoch";
import { detectCollusiveCycles } from "./collusive-cycle";
import { type AnomalyOptions, DEFAULT_ANOMALY_OPTIONS } from "./options";
import { detectTrafficSpikes } from "./traffic-spike";
import { detectTwoWaySameSegment } from "./two-way-same-segment";
import { detectUnderReportingDisputes } from "./under-reporting-disputes";

export type { AnomalyOptions } from "./options";

/**
 * Every anomaly detector over the verified model; each finding carries its evidence.
 *
 * @example
 * const anomalies = detectAnomalies(model, { capEpochs: 4 });
 */
export function detectAnomalies(model: AuditModel, options: AnomalyOptions = {}): Finding[] {
  const o = { ...DEFAULT_ANOMALY_OPTIONS, ...options };
  return [
    ...detectCapEveryEpoch(model, o.capEpochs),
    ...detectTrafficSpikes(model, o.spikeFactor, o.spikeHistory),
    ...detectCollusiveCycles(model),
    ...detectTwoWaySameSegment(model),
    ...detectUnderReportingDisputes(model, o.lostDisputes),
  ];
}

export {
  detectCapEveryEpoch,
  detectCollusiveCycles,
  detectTrafficSpikes,
  detectTwoWaySameSegment,
  detectUnderReportingDisputes,
};
