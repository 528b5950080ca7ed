import type { Queryable, StoreDriver } from "../store/driver";
import { JournalUnavailableError } from "./errors";

/** A click this member referred (written before the redirect is answered). */
export interface ClickRecord {
  tenant: string;
  clickId: string;
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  expiresAt: bigint;
}

/** An arrival this member received (written before the arrival is acknowledged). */
export interface ArrivalRecord {
  tenant: string;
  clickId: string;
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  arrivedAt: bigint;
}

export interface ConversionRecord {
  tenant: string;
  clickId: string;
  convertedAt: bigint;
}

export type ConversionOutcome = "recorded" | "duplicate" | "unknown_arrival";

/**
 * The durable journal of receipts. Every `record*` promise resolves only after the transaction
 * holding the record has committed, so whatever the node acknowledges survives a crash.
 * Group commit: records arriving within `maxDelayMs` (or until `maxItems`) share one transaction,
 * which is what lets a node with an embedded database acknowledge thousands of receipts a second.
 */
export interface ReceiptJournal {
  recordClick(click: ClickRecord): Promise<void>;
  /** False when the click already arrived (the token was used before). */
  recordArrival(arrival: ArrivalRecord): Promise<boolean>;
  recordConversion(conversion: ConversionRecord): Promise<ConversionOutcome>;
  /** Commits everything pending now. */
  flush(): Promise<void>;
  /** Flushes and stops accepting records. */
  close(): Promise<void>;
  readonly stats: { commits: number; records: number; largestCommit: number };
}

export interface CreateReceiptJournalParameters {
  driver: StoreDriver;
  /** Commit as soon as this many records wait (default 2,048). */
  maxItems?: number;
  /** Commit at most this long after the first waiting record (default 2 ms). */
  maxDelayMs?: number;
}

interface Waiting<T, R> {
  record: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

interface Group {
  clicks: Waiting<ClickRecord, void>[];
  arrivals: Waiting<ArrivalRecord, boolean>[];
  conversions: Waiting<ConversionRecord, ConversionOutcome>[];
}

const emptyGroup = (): Group => ({ clicks: [], arrivals: [], conversions: [] });
const size = (g: Group) => g.clicks.length + g.arrivals.length + g.conversions.length;

/**
 * @example
 * const journal = createReceiptJournal({ driver: store.driver });
 * await journal.recordClick({ tenant, clickId, agreementId, flow: 0, epoch, expiresAt });
 * // durable now: answer the redirect
 */
export function createReceiptJournal({
  driver,
  maxItems = 2_048,
  maxDelayMs = 2,
}: CreateReceiptJournalParameters): ReceiptJournal {
  let group = emptyGroup();
  // Keys of arrivals waiting in `group`: a second arrival of the same click is a replay at once.
  let waitingArrivals = new Set<string>();
  let waitingConversions = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let committing: Promise<void> | undefined;
  let closed = false;
  const stats = { commits: 0, records: 0, largestCommit: 0 };

  function schedule(): void {
    if (committing) return; // the running commit picks the group up when it ends
    if (size(group) >= maxItems) {
      commitNow();
      return;
    }
    timer ??= setTimeout(commitNow, maxDelayMs);
  }

  function commitNow(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (committing || size(group) === 0) return;
    const batch = group;
    group = emptyGroup();
    waitingArrivals = new Set();
    waitingConversions = new Set();
    committing = commitGroup(driver, batch)
      .then(
        () => {
          stats.commits++;
          stats.records += size(batch);
          stats.largestCommit = Math.max(stats.largestCommit, size(batch));
        },
        (cause) => {
          const error = new JournalUnavailableError(cause);
          for (const w of [...batch.clicks, ...batch.arrivals, ...batch.conversions]) w.reject(error);
        },
      )
      .finally(() => {
        committing = undefined;
        if (size(group) > 0) schedule();
      });
  }

  function enqueue<T, R>(list: (g: Group) => Waiting<T, R>[], record: T): Promise<R> {
    if (closed) return Promise.reject(new JournalUnavailableError(new Error("journal closed")));
    return new Promise<R>((resolve, reject) => {
      list(group).push({ record, resolve, reject });
      schedule();
    });
  }

  async function flush(): Promise<void> {
    while (committing || size(group) > 0) {
      if (!committing) commitNow();
      await committing;
    }
  }

  return {
    stats,
    recordClick: (click) => enqueue((g) => g.clicks, click),
    recordArrival(arrival) {
      const key = `${arrival.tenant}|${arrival.clickId}`;
      if (waitingArrivals.has(key)) return Promise.resolve(false);
      waitingArrivals.add(key);
      return enqueue((g) => g.arrivals, arrival);
    },
    recordConversion(conversion) {
      const key = `${conversion.tenant}|${conversion.clickId}`;
      if (waitingConversions.has(key)) return Promise.resolve("duplicate");
      waitingConversions.add(key);
      return enqueue((g) => g.conversions, conversion);
    },
    flush,
    async close() {
      closed = true;
      await flush();
    },
  };
}

/**
 * Writes one group atomically, then settles each waiting promise. Clicks and arrivals (the hot
 * path) go in one statement (two data-modifying CTEs): a single statement is its own transaction,
 * so the group costs one round trip into the database instead of BEGIN, two INSERTs and COMMIT.
 * Conversions (rare) need a read of the arrivals, so a group holding any uses a transaction.
 */
async function commitGroup(driver: StoreDriver, group: Group): Promise<void> {
  const results =
    group.conversions.length === 0
      ? {
          arrivals: await insertClicksAndArrivals(driver, group.clicks, group.arrivals),
          conversions: undefined,
        }
      : await driver.transaction(async (tx) => ({
          arrivals: await insertArrivals(tx, group.arrivals),
          clicks: await insertClicks(tx, group.clicks),
          conversions: await insertConversions(tx, group.conversions),
        }));
  // Only after COMMIT: acknowledge.
  for (const w of group.clicks) w.resolve();
  for (const w of group.arrivals) w.resolve(results.arrivals.has(`${w.record.tenant}|${w.record.clickId}`));
  for (const w of group.conversions)
    w.resolve(results.conversions?.get(`${w.record.tenant}|${w.record.clickId}`) ?? "unknown_arrival");
}

const clickColumns = (r: ClickRecord[]) => [
  r.map((c) => c.tenant),
  r.map((c) => c.clickId),
  r.map((c) => c.agreementId.toString()),
  r.map((c) => c.flow),
  r.map((c) => c.epoch.toString()),
  r.map((c) => c.expiresAt.toString()),
];

const arrivalColumns = (r: ArrivalRecord[]) => [
  r.map((a) => a.tenant),
  r.map((a) => a.clickId),
  r.map((a) => a.agreementId.toString()),
  r.map((a) => a.flow),
  r.map((a) => a.epoch.toString()),
  r.map((a) => a.arrivedAt.toString()),
];

/** Clicks and arrivals in one atomic statement; returns the keys of the arrivals inserted. */
async function insertClicksAndArrivals(
  db: Queryable,
  clicks: Waiting<ClickRecord, void>[],
  arrivals: Waiting<ArrivalRecord, boolean>[],
): Promise<Set<string>> {
  const rows = await db.query<{ tenant: string; click_id: string }>(
    `WITH clicks AS (
       INSERT INTO member_clicks (tenant, click_id, agreement_id, flow, epoch, expires_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[], $5::bigint[], $6::bigint[])
       ON CONFLICT DO NOTHING
     ), arrivals AS (
       INSERT INTO member_arrivals (tenant, click_id, agreement_id, flow, epoch, arrived_at)
       SELECT * FROM unnest($7::text[], $8::text[], $9::numeric[], $10::int[], $11::bigint[], $12::bigint[])
       ON CONFLICT DO NOTHING
       RETURNING tenant, click_id
     )
     SELECT tenant, click_id FROM arrivals`,
    [...clickColumns(clicks.map((w) => w.record)), ...arrivalColumns(arrivals.map((w) => w.record))],
  );
  return new Set(rows.map((row) => `${row.tenant}|${row.click_id}`));
}

async function insertClicks(tx: Queryable, clicks: Waiting<ClickRecord, void>[]): Promise<void> {
  if (clicks.length === 0) return;
  const r = clicks.map((w) => w.record);
  await tx.query(
    `INSERT INTO member_clicks (tenant, click_id, agreement_id, flow, epoch, expires_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[], $5::bigint[], $6::bigint[])
     ON CONFLICT DO NOTHING`,
    clickColumns(r),
  );
}

async function insertArrivals(
  tx: Queryable,
  arrivals: Waiting<ArrivalRecord, boolean>[],
): Promise<Set<string>> {
  if (arrivals.length === 0) return new Set();
  const r = arrivals.map((w) => w.record);
  const rows = await tx.query<{ tenant: string; click_id: string }>(
    `INSERT INTO member_arrivals (tenant, click_id, agreement_id, flow, epoch, arrived_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::int[], $5::bigint[], $6::bigint[])
     ON CONFLICT DO NOTHING
     RETURNING tenant, click_id`,
    arrivalColumns(r),
  );
  return new Set(rows.map((row) => `${row.tenant}|${row.click_id}`));
}

async function insertConversions(
  tx: Queryable,
  conversions: Waiting<ConversionRecord, ConversionOutcome>[],
): Promise<Map<string, ConversionOutcome>> {
  const outcomes = new Map<string, ConversionOutcome>();
  if (conversions.length === 0) return outcomes;
  const r = conversions.map((w) => w.record);
  const tenants = r.map((c) => c.tenant);
  const clickIds = r.map((c) => c.clickId);
  const inserted = await tx.query<{ tenant: string; click_id: string }>(
    `INSERT INTO member_conversions (tenant, click_id, converted_at)
     SELECT c.tenant, c.click_id, c.at FROM unnest($1::text[], $2::text[], $3::bigint[]) AS c(tenant, click_id, at)
     WHERE EXISTS (SELECT 1 FROM member_arrivals a WHERE a.tenant = c.tenant AND a.click_id = c.click_id)
     ON CONFLICT DO NOTHING
     RETURNING tenant, click_id`,
    [tenants, clickIds, r.map((c) => c.convertedAt.toString())],
  );
  for (const row of inserted) outcomes.set(`${row.tenant}|${row.click_id}`, "recorded");
  const arrived = await tx.query<{ tenant: string; click_id: string }>(
    `SELECT a.tenant, a.click_id FROM member_arrivals a
     JOIN unnest($1::text[], $2::text[]) AS c(tenant, click_id) ON a.tenant = c.tenant AND a.click_id = c.click_id`,
    [tenants, clickIds],
  );
  const arrivedKeys = new Set(arrived.map((row) => `${row.tenant}|${row.click_id}`));
  for (const c of r) {
    const key = `${c.tenant}|${c.clickId}`;
    if (!outcomes.has(key)) outcomes.set(key, arrivedKeys.has(key) ? "duplicate" : "unknown_arrival");
  }
  return outcomes;
}
