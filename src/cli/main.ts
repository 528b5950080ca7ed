import { describeFailure } from "./errors";
import { createProgram } from "./program";

/** Runs `flowpact` with the process arguments; sets the exit code, never prints a stack for an expected failure. */
async function main(): Promise<void> {
  try {
    await createProgram().parseAsync(process.argv);
  } catch (error) {
    const { exitCode, line } = describeFailure(error);
    if (line) process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  }
}

/**
 * A reader that goes away (`flowpact offer list | head`) is not a failure: stop quietly, as
 * `cat` does, instead of dying of an unhandled EPIPE with a stack trace.
 */
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

void main();
