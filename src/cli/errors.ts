import path from "node:path";
import { CommanderError } from "commander";
import { redactSecrets } from "../config/redact";

/** Exit codes: 0 success, 1 the chain or the environment refused, 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** The command line is wrong in a way commander cannot see (e.g. two options that conflict). */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * Errors caused by what the user typed or configured (exit 2): fixing the input fixes them.
 * Matched by name so this file does not load the modules that define them.
 */
const USAGE_ERRORS = new Set([
  "UsageError",
  "ConfigError",
  "MissingKeyError",
  "KeystoreNotFoundError",
  "KeystorePasswordRequiredError",
  "KeystoreFormatError",
  "KeystorePasswordError",
  "UnknownSegmentError",
  "UnknownIndustryError",
  "ReasonTooLongError",
  "InvalidDeploymentError",
]);

/**
 * Expected failures of the environment or the chain (exit 1): a revert (decoded into its custom
 * error), an unreachable RPC. One line, no stack.
 */
const EXPECTED_FAILURES = new Set([
  "FlowPactContractError",
  "RpcUnreachableError",
  "ChainMismatchError",
  "IndexerChainMismatchError",
  "ReorgTooDeepError",
  "StoreConnectionError",
  "StoreSchemaTooNewError",
  "MemberNodeConfigError",
  "NotFoundError",
]);

/** A record the user asked for does not exist (exit 1). */
export class NotFoundError extends Error {
  override name = "NotFoundError";
}

export interface Failure {
  exitCode: number;
  /** What to print on stderr (one line), or undefined when commander already printed it. */
  line?: string;
}

/** Maps whatever a command threw to an exit code and one readable line. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return { exitCode: error.exitCode === 0 ? EXIT_OK : EXIT_USAGE };
  }
  const e = error as Error & { shortMessage?: string; issues?: { source: string; message: string }[] };
  if (e?.name === "ConfigError" && Array.isArray(e.issues))
    return {
      exitCode: EXIT_USAGE,
      line: `error: ${redactSecrets(e.issues.map((i) => `${i.source} ${i.message}`).join("; "))}`,
    };
  if (e?.name === "DeploymentNotFoundError") return { exitCode: EXIT_USAGE, line: missingDeployment(e) };
  if (USAGE_ERRORS.has(e?.name)) return { exitCode: EXIT_USAGE, line: `error: ${firstLine(e)}` };
  if (EXPECTED_FAILURES.has(e?.name))
    return {
      exitCode: EXIT_FAILED,
      line: `error: ${e.shortMessage === undefined ? firstLine(e) : redactSecrets(e.shortMessage)}`,
    };
  const debug = process.env.FLOWPACT_DEBUG
    ? `\n${redactSecrets(e?.stack ?? String(error))}`
    : " (FLOWPACT_DEBUG=1 shows the stack)";
  return { exitCode: EXIT_FAILED, line: `error: unexpected failure: ${firstLine(e)}${debug}` };
}

/**
 * No deployment for the chain (a configuration error): how to point at the one that exists comes
 * first, since deploying again would put a second FlowPact on the chain.
 */
function missingDeployment(e: Error & { chainId?: number; file?: string }): string {
  if (e.file === undefined || e.chainId === undefined) return `error: ${firstLine(e)}`;
  return `error: no FlowPact deployment for chain ${e.chainId} in ${path.dirname(e.file)}: point FLOWPACT_DEPLOYMENTS_DIR or --deployments at the directory that holds ${e.chainId}.json (for an \`npm start\` demo: set FLOWPACT_DEMO_DIR to its data directory), or deploy a new copy with \`flowpact deploy\``;
}

/** The first line of an error's message, with every secret redacted (URL credentials, keys). */
const firstLine = (e: Error | undefined): string => redactSecrets((e?.message ?? String(e)).split("\n")[0]);
