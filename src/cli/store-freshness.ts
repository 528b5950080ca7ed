import type { FlowPactClient, FlowPactClients } from "../chain/clients";
import type { FlowPactConfig } from "../config";
import { getIndexerProgress } from "../store/queries/progress";
import type { Store } from "../store/store";

/**
 * How a `list` command treats the store it reads. `"catch-up"`: the CLI's own index of a local
 * `npm start` demo, which nobody else fills, is brought up to the chain's head first. `"report"`:
 * a store some `flowpact index` fills (or should): a note on stderr says how far behind the
 * chain it is, so an empty or stale table does not pass for the truth.
 */
export type StoreFreshness =
  | { type: "catch-up"; client: () => Promise<FlowPactClient> }
  | { type: "report"; clients: () => Promise<FlowPactClients> };

const note = (line: string) => process.stderr.write(`note: ${line}\n`);

/**
 * Makes `store` fit for a list as `freshness` says. A chain that cannot be reached while only
 * reporting leaves the store as it is (lists work offline); catching up needs the chain.
 */
export async function freshenStore(
  store: Store,
  config: FlowPactConfig,
  freshness: StoreFreshness,
): Promise<void> {
  if (freshness.type === "catch-up") {
    const client = await freshness.client();
    const { createIndexer }: typeof import("../indexer/indexer") = require("../indexer/indexer");
    const { silentProgress }: typeof import("../indexer/progress") = require("../indexer/progress");
    await createIndexer({
      store,
      publicClient: client.publicClient,
      deployment: client.deployment,
      settings: config.indexer,
      progress: silentProgress,
    }).run({ once: true });
    return;
  }
  const progress = await getIndexerProgress(store.driver);
  let head: bigint;
  try {
    head = await (await freshness.clients()).publicClient.getBlockNumber();
  } catch {
    if (!progress) note("the store is empty: run `flowpact index --once` first");
    return;
  }
  if (!progress) {
    note(`the store is empty, the chain is at block ${head}: run \`flowpact index --once\` first`);
    return;
  }
  const target = head - BigInt(config.indexer.confirmations);
  if (progress.indexedBlock < target)
    note(
      `the store is indexed to block ${progress.indexedBlock}, the chain is at block ${head}: run \`flowpact index --once\` to bring it up to date`,
    );
}
