import type { Command } from "commander";
import { type CliContext, createCliContext } from "./context";

/**
 * Wraps a command's body: builds the context from the global flags, runs it, and closes what it
 * opened (the store) whatever happens. Errors propagate to main.ts, which prints one line.
 */
export function withContext<A extends unknown[]>(
  body: (context: CliContext, ...args: A) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const context = createCliContext(command);
    try {
      await body(context, ...(args.slice(0, -1) as A));
    } finally {
      await context.close();
    }
  };
}

/** Adds an "Examples:" section to a command's help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/**
 * Loads the chain services on first use. A plain `require` (not `import()`): the CLI runs as
 * CommonJS under tsx, whose CommonJS hook does not serve dynamic ESM imports of .ts files.
 */
export const chain = (): typeof import("./services") => require("./services");
