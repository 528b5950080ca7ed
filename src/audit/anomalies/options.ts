/** Thresholds of the anomaly detectors (defaults suit a consortium of tens of members). */
export interface AnomalyOptions {
  /** Batches of a flow that must all sit at the cap before it is suspicious (default 3). */
  capEpochs?: number;
  /** A batch is a spike when above `spikeFactor` × the median of the flow's earlier batches (default 3). */
  spikeFactor?: number;
  /** Earlier batches needed before spikes are judged (default 3). */
  spikeHistory?: number;
  /** Disputes a recipient lost before its disputes look like under-reporting (default 2). */
  lostDisputes?: number;
}

export const DEFAULT_ANOMALY_OPTIONS: Required<AnomalyOptions> = {
  capEpochs: 3,
  spikeFactor: 3,
  spikeHistory: 3,
  lostDisputes: 2,
};
