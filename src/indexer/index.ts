export { createEventDecoder, type EventDecoder, type FlowPactEvent } from "./events";
export { HANDLERS } from "./handlers";
export {
  createIndexer,
  type Indexer,
  IndexerChainMismatchError,
  type IndexerOptions,
  type IndexerStatus,
} from "./indexer";
export { createProgressReporter, type ProgressReporter, silentProgress } from "./progress";
export { type RunIndexerOptions, runIndexer } from "./run";
export { type BlockHeader, type RealtimeEvent, ReorgTooDeepError } from "./sync/types";
