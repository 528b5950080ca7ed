import { type Abi, type Address, decodeEventLog, type Hex, type Log, toEventSelector } from "viem";
import { FLOWPACT_ABIS, type FlowPactContractName } from "../chain/contracts";
import type { Deployment } from "../chain/deployments";

/** A decoded FlowPact event with its position on the chain. */
export interface FlowPactEvent {
  contract: FlowPactContractName;
  name: string;
  args: Record<string, unknown>;
  blockNumber: bigint;
  blockHash: Hex;
  logIndex: number;
  txHash: Hex;
}

type EventAbiItem = Extract<Abi[number], { type: "event" }>;

/**
 * Decodes raw logs of a deployment's contracts. The lookup (address, topic0) → event ABI item
 * is built once, so decoding a log is one map lookup plus the ABI decode.
 */
export function createEventDecoder(deployment: Deployment) {
  const byAddress = new Map<string, { contract: FlowPactContractName; events: Map<string, EventAbiItem> }>();
  for (const [contract, address] of Object.entries(deployment.contracts) as [
    FlowPactContractName,
    Address,
  ][]) {
    const events = new Map<string, EventAbiItem>();
    for (const item of FLOWPACT_ABIS[contract] as Abi) {
      if (item.type === "event") events.set(toEventSelector(item), item);
    }
    byAddress.set(address.toLowerCase(), { contract, events });
  }
  return {
    addresses: Object.values(deployment.contracts) as Address[],
    /** `undefined` for a log that is not a known FlowPact event (e.g. an OpenZeppelin one we ignore). */
    decode(log: Log): FlowPactEvent | undefined {
      const source = byAddress.get(log.address.toLowerCase());
      const topic0 = log.topics[0];
      const item = source && topic0 ? source.events.get(topic0) : undefined;
      if (!source || !item) return undefined;
      const decoded = decodeEventLog({ abi: [item], data: log.data, topics: log.topics as [Hex, ...Hex[]] });
      return {
        contract: source.contract,
        name: decoded.eventName as string,
        args: decoded.args as unknown as Record<string, unknown>,
        blockNumber: log.blockNumber!,
        blockHash: log.blockHash!,
        logIndex: log.logIndex!,
        txHash: log.transactionHash!,
      };
    },
  };
}

export type EventDecoder = ReturnType<typeof createEventDecoder>;
