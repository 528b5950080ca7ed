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

void main();
