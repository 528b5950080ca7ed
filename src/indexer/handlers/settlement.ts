import { AUDIT_VERDICTS } from "../../chain/types";
import type { ChangeSet } from "../../store/changeSet";
import type { FlowPactEvent } from "../events";
import { type ContractHandlers, lower } from "./handler";

const batchKey = (event: FlowPactEvent) => ({
  agreement_id: event.args.agreementId as bigint,
  flow_index: Number(event.args.flow),
  epoch: event.args.epoch as bigint,
});

async function updateBatch(
  event: FlowPactEvent,
  changes: ChangeSet,
  patch: (row: Record<string, unknown>) => Record<string, unknown>,
) {
  const current = await changes.get("batches", batchKey(event));
  if (!current) throw new Error(`${event.name} for a batch never submitted (block ${event.blockNumber})`);
  changes.put("batches", { ...current, ...patch(current), updated_block: event.blockNumber });
}

async function submit(event: FlowPactEvent, changes: ChangeSet, cosigned: boolean) {
  changes.put("batches", {
    ...batchKey(event),
    status: cosigned ? "committed" : "claimed",
    count: event.args.count,
    root: event.args.root,
    cosigned,
    challenge_ends: cosigned ? null : event.args.challengeEnds,
    settled_count: 0n,
    amount: 0n,
    payer: null,
    payee: null,
    submitted_block: event.blockNumber,
    updated_block: event.blockNumber,
  });
}

async function addBond(event: FlowPactEvent, changes: ChangeSet, sign: 1n | -1n) {
  const account = lower(event.args.account);
  const current = await changes.get<{ balance: bigint }>("bonds", { account });
  changes.put("bonds", {
    account,
    balance: (current?.balance ?? 0n) + sign * (event.args.amount as bigint),
    updated_block: event.blockNumber,
  });
}

/**
 * Batches, disputes, bonds and attestations. A batch may settle in two parts (the undisputed
 * count at once, the rest after resolution), so settled count and amount accumulate.
 */
export const settlementHandlers: ContractHandlers = {
  BatchCommitted: (event, changes) => submit(event, changes, true),
  BatchClaimed: (event, changes) => submit(event, changes, false),
  async BatchDisputed(event, changes) {
    await updateBatch(event, changes, () => ({ status: "disputed" }));
    changes.put("disputes", {
      ...batchKey(event),
      counter_count: event.args.counterCount,
      counter_root: event.args.counterRoot,
      bond: event.args.bond,
      status: "open",
      resolved_count: null,
      dispute_upheld: null,
      auditor: null,
      opened_block: event.blockNumber,
      updated_block: event.blockNumber,
    });
  },
  BatchFinalised: (event, changes) => updateBatch(event, changes, () => ({ status: "finalised" })),
  async DisputeResolved(event, changes) {
    await updateBatch(event, changes, () => ({ status: "resolved" }));
    const dispute = await changes.get("disputes", batchKey(event));
    if (dispute)
      changes.put("disputes", {
        ...dispute,
        status: "resolved",
        resolved_count: event.args.resolvedCount,
        dispute_upheld: event.args.disputeUpheld,
        auditor: lower(event.args.auditor),
        updated_block: event.blockNumber,
      });
  },
  BatchSettled: (event, changes) =>
    updateBatch(event, changes, (row) => ({
      settled_count: (row.settled_count as bigint) + (event.args.count as bigint),
      amount: (row.amount as bigint) + (event.args.amount as bigint),
      payer: lower(event.args.payer),
      payee: lower(event.args.payee),
    })),
  BondCredited: (event, changes) => addBond(event, changes, 1n),
  BondWithdrawn: (event, changes) => addBond(event, changes, -1n),
  AttestationRecorded(event, changes) {
    changes.put("attestations", {
      attestation_id: event.args.attestationId,
      auditor: lower(event.args.auditor),
      report_hash: event.args.reportHash,
      verdict: AUDIT_VERDICTS[Number(event.args.verdict)],
      from_block: event.args.fromBlock,
      to_block: event.args.toBlock,
      block_number: event.blockNumber,
      tx_hash: event.txHash,
    });
  },
};
