import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Address, getAddress, isAddress } from "viem";
import { z } from "zod";
import { FLOWPACT_CONTRACT_NAMES, type FlowPactContractName } from "./contracts";

const address = z.string().refine((value) => isAddress(value, { strict: false }), "must be a 0x address");

const deploymentSchema = z.object({
  chainId: z.number().int().positive(),
  startBlock: z.number().int().min(0),
  contracts: z.object(
    Object.fromEntries(FLOWPACT_CONTRACT_NAMES.map((name) => [name, address])) as Record<
      FlowPactContractName,
      typeof address
    >,
  ),
});

/** Where the FlowPact contracts of one chain live (`deployments/<chainId>.json`). */
export interface Deployment {
  chainId: number;
  /** Block of the first deployment transaction: the indexer starts here. */
  startBlock: number;
  contracts: Record<FlowPactContractName, Address>;
}

/** No deployment file for the chain: deploy first, or point at the right directory. */
export class DeploymentNotFoundError extends Error {
  override name = "DeploymentNotFoundError";
  constructor(
    readonly chainId: number,
    readonly file: string,
  ) {
    super(
      `no FlowPact deployment for chain ${chainId}: run \`flowpact deploy\` or \`npm run deploy\` (looked for ${file})`,
    );
  }
}

/** The deployment file exists but is not a valid FlowPact deployment. */
export class InvalidDeploymentError extends Error {
  override name = "InvalidDeploymentError";
  constructor(
    readonly file: string,
    problems: string,
  ) {
    super(`invalid deployment file ${file}: ${problems}; redeploy or fix the file`);
  }
}

export const deploymentFile = (deploymentsDir: string, chainId: number): string =>
  path.join(deploymentsDir, `${chainId}.json`);

/**
 * Reads `<deploymentsDir>/<chainId>.json`.
 *
 * @example
 * const deployment = readDeployment(config.deploymentsDir, 31337);
 * deployment.contracts.OfferBook; // "0x…"
 */
export function readDeployment(deploymentsDir: string, chainId: number): Deployment {
  const file = deploymentFile(deploymentsDir, chainId);
  if (!existsSync(file)) throw new DeploymentNotFoundError(chainId, file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new InvalidDeploymentError(file, `not JSON (${(e as Error).message})`);
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidDeploymentError(
      file,
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`).join("; "),
    );
  }
  if (parsed.data.chainId !== chainId)
    throw new InvalidDeploymentError(file, `it names chain ${parsed.data.chainId}, not ${chainId}`);
  const contracts = Object.fromEntries(
    FLOWPACT_CONTRACT_NAMES.map((name) => [name, getAddress(parsed.data.contracts[name])]),
  ) as Record<FlowPactContractName, Address>;
  return { chainId: parsed.data.chainId, startBlock: parsed.data.startBlock, contracts };
}

/** Writes the deployment file atomically (a reader never sees half a file). */
export function writeDeployment(deploymentsDir: string, deployment: Deployment): string {
  const file = deploymentFile(deploymentsDir, deployment.chainId);
  mkdirSync(deploymentsDir, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(deployment, null, 2)}\n`);
  renameSync(temporary, file);
  return file;
}
