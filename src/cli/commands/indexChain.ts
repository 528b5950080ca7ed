import type { Command } from "commander";
import { examples, withContext } from "../action";
import { emit } from "../output";
import { onStopSignal } from "../signals";

export function registerIndexCommand(program: Command): void {
  examples(
    program
      .command("index")
      .description(
        "index FlowPact events into the store (PGlite under --data-dir, or DATABASE_URL); follows the chain until Ctrl-C unless --once",
      )
      .option("--once", "index up to the head (less confirmations) and exit")
      .action(
        withContext(async (ctx, options: { once?: boolean }) => {
          const abort = new AbortController();
          const release = onStopSignal(() => abort.abort());
          try {
            const { runIndexer }: typeof import("../../indexer/run") = require("../../indexer/run");
            const status = await runIndexer({
              config: ctx.config(),
              once: options.once === true,
              signal: abort.signal,
              progress: ctx.json ? "silent" : "auto",
            });
            emit(
              ctx.json,
              status,
              () =>
                `indexed up to block ${status.indexedBlock} (head ${status.head}), ${status.eventCount} events in the store`,
            );
          } finally {
            release();
          }
        }),
      ),
    [
      "flowpact index --once",
      "DATABASE_URL=postgres://… flowpact index    # follow the chain into PostgreSQL",
    ],
  );
}
