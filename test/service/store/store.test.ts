import { expect } from "chai";
import { createChangeSet } from "../../../src/store/changeSet";
import { migrate } from "../../../src/store/migrate";
import { MIGRATIONS } from "../../../src/store/migrations";
import {
  countEvents,
  getIndexerProgress,
  getRecentBlocks,
  saveBlock,
  saveIndexerProgress,
} from "../../../src/store/queries/progress";
import { pruneFinalized, rollbackToBlock } from "../../../src/store/rollback";
import type { Store } from "../../../src/store/store";
import { loadTableKeys } from "../../../src/store/tables";
import {
  dumpDomain,
  POSTGRES_SKIPPED_LINE,
  pgliteTarget,
  postgresTarget,
  type StoreTarget,
} from "../helpers/stores";

const ALICE = "0x00000000000000000000000000000000000000a1";
const BOB = "0x00000000000000000000000000000000000000b0";
const HUGE = 2n ** 255n + 12345n;

function event(blockNumber: bigint, logIndex: number) {
  return {
    blockNumber,
    logIndex,
    blockHash: `0x${blockNumber.toString(16).padStart(64, "0")}`,
    txHash: `0x${"ab".repeat(32)}`,
    contract: "CreditLedger",
    name: "CreditsMoved",
    args: { from: ALICE, to: BOB, amount: HUGE },
  };
}

/** Writes one block of changes in one transaction, as the indexer does. */
async function writeBlock(
  store: Store,
  block: bigint,
  changes: (cs: ReturnType<typeof createChangeSet>) => Promise<void>,
  undo = true,
) {
  const keys = await loadTableKeys(store.driver);
  await store.driver.transaction(async (tx) => {
    const cs = createChangeSet(tx, keys);
    await changes(cs);
    await cs.flush(tx, { undoBlock: undo ? block : undefined });
    await saveBlock(tx, {
      number: block,
      hash: `0x${block.toString(16)}`,
      parentHash: `0x${(block - 1n).toString(16)}`,
    });
  });
}

async function transfer(
  cs: ReturnType<typeof createChangeSet>,
  block: bigint,
  logIndex: number,
  amount: bigint,
) {
  for (const [member, delta] of [
    [ALICE, -amount],
    [BOB, amount],
  ] as const) {
    const current = await cs.get<{ balance: bigint; arrears: bigint }>("balances", { member });
    cs.put("balances", {
      member,
      balance: (current?.balance ?? 0n) + delta,
      arrears: current?.arrears ?? 0n,
      credit_limit: 0n,
      updated_block: block,
    });
  }
  cs.put("credit_postings", {
    block_number: block,
    log_index: logIndex,
    tx_hash: `0x${"cd".repeat(32)}`,
    kind: "moved",
    payer: ALICE,
    payee: BOB,
    amount,
  });
  cs.archive(event(block, logIndex));
}

function storeSuite(target: StoreTarget) {
  describe(`store on ${target.name}`, () => {
    let store: Store;
    // One database per suite (opening PGlite takes seconds); every test starts from empty tables.
    before(async () => {
      store = await target.open();
    });
    beforeEach(async () => {
      await store.driver.exec(
        "TRUNCATE indexer_progress, blocks, events, undo_log, members, offers, agreements, flows, batches, disputes, credit_postings, balances, arrears, bonds, attestations",
      );
    });
    after(async () => {
      await store?.close();
      await target.cleanUp();
    });

    it("applies every migration once and is idempotent", async () => {
      const rows = await store.driver.query<{ id: number }>("SELECT id FROM schema_migrations ORDER BY id");
      expect(rows.map((r) => Number(r.id))).to.deep.equal(MIGRATIONS.map((m) => m.id));
      expect(await migrate(store.driver)).to.deep.equal([]);
    });

    it("round-trips uint256 and negative amounts exactly as bigint", async () => {
      await writeBlock(store, 5n, (cs) => transfer(cs, 5n, 0, HUGE));
      const rows = await store.driver.query<{ member: string; balance: bigint }>(
        "SELECT member, balance FROM balances ORDER BY member",
      );
      expect(rows).to.deep.equal([
        { member: ALICE, balance: -HUGE },
        { member: BOB, balance: HUGE },
      ]);
      const [archived] = await store.driver.query<{ args: { amount: string } }>("SELECT args FROM events");
      expect(BigInt(archived.args.amount)).to.equal(HUGE);
    });

    it("reads its own writes within a change set before they are flushed", async () => {
      await writeBlock(store, 7n, async (cs) => {
        await transfer(cs, 7n, 0, 10n);
        await transfer(cs, 7n, 1, 5n);
      });
      const [bob] = await store.driver.query<{ balance: bigint }>(
        "SELECT balance FROM balances WHERE member = $1",
        [BOB],
      );
      expect(bob.balance).to.equal(15n);
      expect(await countEvents(store.driver)).to.equal(2n);
    });

    it("rolls back to a fork point exactly, block by block", async () => {
      await writeBlock(store, 10n, (cs) => transfer(cs, 10n, 0, 100n), false);
      const afterFinal = await dumpDomain(store);
      await writeBlock(store, 11n, (cs) => transfer(cs, 11n, 0, 7n));
      const after11 = await dumpDomain(store);
      await writeBlock(store, 12n, async (cs) => {
        await transfer(cs, 12n, 0, 3n);
        await transfer(cs, 12n, 3, 1n);
      });

      await store.driver.transaction((tx) => rollbackToBlock(tx, 11n));
      expect(await dumpDomain(store)).to.deep.equal(after11);
      await store.driver.transaction((tx) => rollbackToBlock(tx, 10n));
      expect(await dumpDomain(store)).to.deep.equal(afterFinal);
      expect((await getRecentBlocks(store.driver, 10)).map((b) => b.number)).to.deep.equal([10n]);
      const [undo] = await store.driver.query<{ n: bigint }>("SELECT count(*) AS n FROM undo_log");
      expect(undo.n).to.equal(0n);
    });

    it("prunes undo images of finalized blocks but keeps the newest finalized hash", async () => {
      await writeBlock(store, 20n, (cs) => transfer(cs, 20n, 0, 1n));
      await writeBlock(store, 21n, (cs) => transfer(cs, 21n, 0, 1n));
      await store.driver.transaction((tx) => pruneFinalized(tx, 20n));
      const blocks = await getRecentBlocks(store.driver, 10);
      expect(blocks.map((b) => b.number)).to.deep.equal([21n, 20n]);
      const undo = await store.driver.query<{ block_number: bigint }>(
        "SELECT DISTINCT block_number FROM undo_log",
      );
      expect(undo.map((u) => u.block_number)).to.deep.equal([21n]);
    });

    it("refuses to store the same event twice and keeps the block's other writes out", async () => {
      await writeBlock(store, 30n, (cs) => transfer(cs, 30n, 0, 1n));
      const before = await dumpDomain(store);
      let failed = false;
      try {
        await writeBlock(store, 30n, (cs) => transfer(cs, 30n, 0, 1n));
      } catch {
        failed = true;
      }
      expect(failed, "a duplicate event must fail the block's transaction").to.equal(true);
      expect(await dumpDomain(store)).to.deep.equal(before);
    });

    it("saves and reads the indexer progress", async () => {
      expect(await getIndexerProgress(store.driver)).to.equal(undefined);
      const progress = {
        chainId: 31337n,
        startBlock: 3n,
        indexedBlock: 99n,
        indexedHash: "0xabc",
        eventCount: 42n,
      };
      await saveIndexerProgress(store.driver, progress);
      await saveIndexerProgress(store.driver, { ...progress, indexedBlock: 100n });
      expect(await getIndexerProgress(store.driver)).to.deep.equal({ ...progress, indexedBlock: 100n });
    });
  });
}

storeSuite(pgliteTarget);
const postgres = postgresTarget();
if (postgres) storeSuite(postgres);
else console.log(POSTGRES_SKIPPED_LINE);
