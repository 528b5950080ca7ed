import { generateDemoConsortium } from "../../../src/matching/generator";
import { SeededRandom } from "../../../src/matching/random";
import { solveMatchingGreedy } from "../../../src/matching/solve";
import type { Queryable } from "../../../src/store/driver";

/**
 * Fills a store with a realistic consortium as the indexer would leave it, row for row in the
 * shape of migrations/0002_domain.ts: the 30 demo institutions of the matching generator, their
 * offers, the greedy matcher's agreements (pairs, 3- and 4-party cycles, one-way flows) with most
 * active and a few still proposed, `settledEpochs` epochs of batches (co-signed commits, claims,
 * a dispute and its resolution, a missing epoch), the ledger postings those batches caused, the
 * zero-sum balances, and auditors' attestations.
 *
 * Used by the API route tests and the dashboard browser test until the indexer fills stores
 * from a real chain.
 */
export interface ConsortiumState {
  members: Array<{ address: string; name: string; industry: number }>;
  activeAgreements: string[];
  /** Proposed agreements and the parties that have not accepted them yet. */
  proposals: Array<{ id: string; waitingFor: string[] }>;
  /** An agreement with an epoch nobody submitted a batch for. */
  agreementWithMissingEpoch: string;
  lastBlock: number;
}

export const MATCHER = "0x00000000000000000000000000000000000a11ce";
export const AUDITOR = "0x00000000000000000000000000000000000a0d17";

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

export async function fillConsortiumState(
  db: Pick<Queryable, "query"> & { transaction?: <T>(fn: (tx: Queryable) => Promise<T>) => Promise<T> },
  options: { seed?: number; now: number; epochLength?: number; settledEpochs?: number },
): Promise<ConsortiumState> {
  const run = async (tx: Queryable) => fill(tx, options);
  return db.transaction ? db.transaction(run) : run(db);
}

async function fill(
  db: Queryable,
  {
    seed = 1,
    now,
    epochLength = 60,
    settledEpochs = 10,
  }: { seed?: number; now: number; epochLength?: number; settledEpochs?: number },
): Promise<ConsortiumState> {
  const rng = new SeededRandom(seed + 7);
  const { instance, names } = generateDemoConsortium(seed);
  const hex32 = () => `0x${Array.from({ length: 4 }, () => rng.address().slice(2, 18)).join("")}`;
  // Rows per table, inserted with one statement each at the end (PGlite is slow per statement).
  const rows: Record<string, Array<Record<string, unknown>>> = {};
  const add = (table: string, row: Record<string, unknown>) => {
    const list = rows[table] ?? [];
    list.push(row);
    rows[table] = list;
  };
  let block = 10;
  let logIndex = 0;
  let events = 0;
  const nextBlock = () => {
    block += 1;
    logIndex = 0;
    return block;
  };

  // Members, admitted at the start.
  const members = instance.members.map((m) => ({
    address: m.id,
    name: names.get(m.id)!,
    industry: m.industry,
  }));
  for (const m of instance.members) {
    const segments = instance.supply
      .filter((s) => s.member === m.id)
      .reduce((acc, s) => acc | s.segments, 0n);
    const b = nextBlock();
    add("members", {
      address: m.id,
      status: "admitted",
      industry: m.industry,
      segments,
      uri: `https://${slug(names.get(m.id)!)}.example/flowpact.json`,
      content_hash: hex32(),
      signer: m.id,
      status_reason: null,
      applied_block: b,
      updated_block: b + 1,
    });
    events += 2;
  }

  // One offer per supply offer, with the member's first demand.
  let offerId = 0;
  for (const s of instance.supply) {
    const d = instance.demand.find((x) => x.member === s.member);
    const b = nextBlock();
    add("offers", {
      offer_id: ++offerId,
      owner: s.member,
      supply_segments: s.segments,
      capacity_per_epoch: s.capacity,
      min_rate: s.minRate,
      demand_segments: d?.segments ?? 0n,
      volume_per_epoch: d?.volume ?? 0,
      max_rate: d?.maxRate ?? 0,
      excluded_industries: s.excludedIndustries,
      expiry: now + 30 * 86400,
      withdrawn: false,
      posted_block: b,
      updated_block: b,
    });
    events++;
  }

  // Agreements from the greedy matcher: all but the last four become active.
  const proposals = solveMatchingGreedy(instance).proposals;
  const startTime = now - (settledEpochs + 1) * epochLength - Math.floor(epochLength / 2);
  const balances = new Map(instance.members.map((m) => [m.id, 0n]));
  const activeAgreements: string[] = [];
  const pending: Array<{ id: string; waitingFor: string[] }> = [];
  const proposedCount = Math.min(4, Math.max(1, proposals.length - 1));
  const agreementBlock = nextBlock();
  const running: Array<{ id: number; flows: (typeof proposals)[number]["flows"] }> = [];
  for (const [k, p] of proposals.entries()) {
    const id = k + 1;
    const proposed = k >= proposals.length - proposedCount;
    const parties = [...p.parties];
    const acceptedBy = proposed ? parties.slice(0, parties.length - 1) : parties;
    const start = proposed ? now + epochLength : startTime;
    add("agreements", {
      agreement_id: id,
      proposer: MATCHER,
      terms_hash: hex32(),
      parties,
      accepted_by: acceptedBy,
      start_time: start,
      end_time: start + 1000 * epochLength,
      epoch_length: epochLength,
      notice_epochs: 2,
      proposal_expiry: proposed ? now + 86400 : startTime,
      status: proposed ? "proposed" : "active",
      rejected_by: null,
      terminated_by: null,
      termination_epoch: null,
      termination_effective_at: null,
      proposed_block: agreementBlock,
      updated_block: proposed ? agreementBlock : agreementBlock + 1,
    });
    events += 1 + acceptedBy.length + (proposed ? 0 : 1);
    for (const [f, flow] of p.flows.entries()) {
      add("flows", {
        agreement_id: id,
        flow_index: f,
        from_member: flow.from,
        to_member: flow.to,
        segments: flow.segments,
        cap_per_epoch: flow.capPerEpoch,
        rate: flow.rate,
      });
    }
    if (proposed) pending.push({ id: String(id), waitingFor: parties.slice(parties.length - 1) });
    else {
      activeAgreements.push(String(id));
      running.push({ id, flows: p.flows });
    }
  }
  nextBlock();

  // Settlement, epoch by epoch: batches, the ledger postings they cause, disputes.
  const missingAgreement = running[running.length - 1].id;
  const post = (payer: string, payee: string, amount: bigint, b: number) => {
    const tx = hex32();
    const base = { block_number: b, tx_hash: tx, payer, payee, amount };
    add("credit_postings", { ...base, log_index: logIndex++, kind: "moved" });
    add("credit_postings", { ...base, log_index: logIndex++, kind: "settlement", paid: amount, deferred: 0 });
    balances.set(payer, balances.get(payer)! - amount);
    balances.set(payee, balances.get(payee)! + amount);
    events += 3;
  };
  for (let epoch = 0; epoch < settledEpochs; epoch++) {
    const b = nextBlock();
    // The latest epoch is still being submitted: only some of its batches are in.
    const latest = epoch === settledEpochs - 1;
    for (const a of running) {
      for (const [f, flow] of a.flows.entries()) {
        if (a.id === missingAgreement && epoch === 2) continue;
        if (latest && rng.chance(0.4)) continue;
        const cap = Number(flow.capPerEpoch);
        const count = Math.max(1, Math.round(cap * rng.uniform(0.55, 1.08)));
        const paid = Math.min(count, cap);
        const roll = rng.uniform(0, 1);
        let status = "committed";
        let cosigned = true;
        let settled: number | null = paid;
        let challengeEnds: number | null = null;
        let dispute:
          | { counter: number; status: string; resolved: number | null; upheld: boolean | null }
          | undefined;
        // The two dispute batches first, whatever the roll: the routes' tests look for them.
        if (epoch === settledEpochs - 3 && a.id === running[0].id && f === 0) {
          // The dishonest referrer inflated its count; the recipient disputed with its own.
          status = "disputed";
          cosigned = false;
          settled = Math.round(paid * 0.6);
          challengeEnds = startTime + (epoch + 2) * epochLength;
          dispute = { counter: settled, status: "open", resolved: null, upheld: null };
        } else if (epoch === 3 && a.id === running[1].id && f === 0) {
          status = "resolved";
          cosigned = false;
          settled = Math.round(paid * 0.8);
          challengeEnds = startTime + (epoch + 2) * epochLength;
          dispute = { counter: Math.round(paid * 0.7), status: "resolved", resolved: settled, upheld: false };
        } else if (latest && roll < 0.35) {
          status = "claimed";
          cosigned = false;
          settled = null;
          challengeEnds = now + epochLength;
        } else if (roll < 0.12) {
          status = "finalised";
          cosigned = false;
          challengeEnds = startTime + (epoch + 2) * epochLength;
        }
        const amount = settled === null ? null : BigInt(settled) * flow.rate;
        add("batches", {
          agreement_id: a.id,
          flow_index: f,
          epoch,
          status,
          count,
          root: hex32(),
          cosigned,
          challenge_ends: challengeEnds,
          settled_count: settled,
          amount,
          payer: flow.to,
          payee: flow.from,
          submitted_block: b,
          updated_block: b,
        });
        events++;
        if (dispute) {
          add("disputes", {
            agreement_id: a.id,
            flow_index: f,
            epoch,
            counter_count: dispute.counter,
            counter_root: hex32(),
            bond: 10n ** 16n,
            status: dispute.status,
            resolved_count: dispute.resolved,
            dispute_upheld: dispute.upheld,
            auditor: dispute.status === "resolved" ? AUDITOR : null,
            opened_block: b,
            updated_block: b,
          });
          events++;
        }
        if (amount !== null && amount > 0n) post(flow.to, flow.from, amount, b);
      }
    }
  }

  const lastBlock = nextBlock();
  for (const m of instance.members) {
    add("balances", {
      member: m.id,
      balance: balances.get(m.id)!,
      arrears: 0,
      credit_limit: m.creditLimit,
      updated_block: lastBlock,
    });
  }
  for (const [k, verdict] of ["clean", "clean", "anomalies"].entries()) {
    add("attestations", {
      attestation_id: k + 1,
      auditor: AUDITOR,
      report_hash: hex32(),
      verdict,
      from_block: k * 20,
      to_block: k * 20 + 19,
      block_number: lastBlock - 3 + k,
      tx_hash: hex32(),
    });
    events++;
  }
  add("indexer_progress", {
    id: "flowpact",
    chain_id: 31337,
    start_block: 1,
    indexed_block: lastBlock,
    indexed_hash: hex32(),
    event_count: events,
  });
  for (const [table, list] of Object.entries(rows)) {
    await db.query(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`, [
      JSON.stringify(list, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
    ]);
  }
  return {
    members,
    activeAgreements,
    proposals: pending,
    agreementWithMissingEpoch: String(missingAgreement),
    lastBlock,
  };
}
