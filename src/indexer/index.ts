export { createEventDecoder, type EventDecoder, type FlowPactEvent } from "./events";
export { HANDLERS } from "./handlers";
export {
  createIndexer,
  type Indexer,
  IndexerChainMismatchError,
  type IndexerOptions,
  type IndexerStatus,
} from "./indexer";
export { createIndexerMetrics, type IndexerMetrics } from "./metrics";
export { createProgressReporter, type ProgressReporter, silentProgress } from "./progress";
export { type RunIndexerOptions, runIndexer } from "./run";
export { createRpcRetry, isRpcFailure, type RpcRetry, type RpcRetryOptions } from "./sync/rpc";
export { type BlockHeader, ChainRpcFailingError, type RealtimeEvent, ReorgTooDeepError } from "./sync/types";
