/**
 * `flowpact index --once` as a separate process, for tests that must kill it: configured from
 * the environment only, prints a progress line per committed range on stderr.
 */
import { loadConfig } from "../../../src/config";
import { createProgressReporter } from "../../../src/indexer/progress";
import { runIndexer } from "../../../src/indexer/run";

runIndexer({
  config: loadConfig(),
  once: true,
  progress: createProgressReporter(process.stderr, { lineIntervalMs: 0 }),
}).then(
  (status) =>
    console.log(
      JSON.stringify({ indexedBlock: status.indexedBlock.toString(), events: status.eventCount.toString() }),
    ),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
