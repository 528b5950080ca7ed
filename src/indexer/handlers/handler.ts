import type { ChangeSet } from "../../store/changeSet";
import type { FlowPactEvent } from "../events";

/** Applies one event to the store through the block's change set. */
export type EventHandler = (event: FlowPactEvent, changes: ChangeSet) => Promise<void> | void;

/** Handlers of one contract by event name; events without a handler are only archived. */
export type ContractHandlers = Partial<Record<string, EventHandler>>;

export const lower = (address: unknown): string => String(address).toLowerCase();

const ZERO_BYTES32 = `0x${"0".repeat(64)}`;
export const optionalBytes32 = (value: unknown): string | null =>
  value === ZERO_BYTES32 ? null : String(value);
