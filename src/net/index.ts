export {
  type AddressCategory,
  classifyAddress,
  inNetworkRange,
  type NetworkRange,
  PRIVATE_NETWORK_CATEGORIES,
  parseNetworkRange,
} from "./address-policy";
export { OutboundError, type OutboundErrorKind } from "./errors";
export {
  createOutboundClient,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type OutboundAnswer,
  type OutboundClient,
  type OutboundClientOptions,
  type OutboundRequest,
  parseAnswer,
} from "./outbound-client";
