/**
 * `npm run deploy -- --network <localhost|custom>`: deploys FlowPact, wires the roles and writes
 * `deployments/<chainId>.json`. The `custom` network reads FLOWPACT_RPC_URL and
 * FLOWPACT_PRIVATE_KEY. Role holders default to the deployer; set FLOWPACT_GOVERNOR,
 * FLOWPACT_MATCHER or FLOWPACT_AUDITOR (addresses) to hand them to other accounts — when a
 * governor is given, the deployer grants it GOVERNOR and then renounces its own.
 *
 * A thin wrapper: the deployment itself is `deployFlowPact` of src/chain (the one implementation,
 * also behind `flowpact deploy`), driven here through Hardhat's provider and its accounts.
 */
import path from "node:path";
import { network } from "hardhat";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  getAddress,
  isAddress,
} from "viem";
import { deployFlowPact as deployContracts } from "../src/chain/actions/deployFlowPact";
import { grantRole } from "../src/chain/actions/grantRole";
import { renounceRole } from "../src/chain/actions/renounceRole";
import type { FlowPactClients } from "../src/chain/clients";
import { type Deployment, writeDeployment } from "../src/chain/deployments";

export type DeploymentFile = Deployment;

export interface DeployOptions {
  /** Final GOVERNOR (default: the deployer). */
  governor?: string;
  /** MATCHER role holder (default: the deployer). */
  matcher?: string;
  /** AUDITOR role holder (default: the deployer). */
  auditor?: string;
  /** Where to write `<chainId>.json` (default: `deployments/` at the project root). */
  outDir?: string;
  /** Settlement challenge window in seconds (default: 1 day; the GOVERNOR can change it). */
  challengeWindow?: bigint;
  /** Settlement submission window after an epoch's end in seconds (default: 7 days). */
  submissionWindow?: bigint;
  /** Dispute bond in wei of the chain's native coin (default: deployFlowPact's, 1 ether). */
  disputeBond?: bigint;
}

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

function addressFromEnv(name: string): Address | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  if (!isAddress(value, { strict: false }))
    throw new DeploymentError(
      `${name}="${value}" is not an address: set it to 0x… (40 hex digits) or unset it`,
    );
  return getAddress(value);
}

/** viem clients over the Hardhat network's provider, signing as its first account. */
async function hardhatClients(): Promise<FlowPactClients> {
  const transport = custom(network.provider);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = defineChain({
    id: chainId,
    name: network.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [] } },
  });
  const [deployer] = (await network.provider.request({ method: "eth_accounts" })) as Address[];
  if (!deployer)
    throw new DeploymentError(
      `network "${network.name}" has no account: set FLOWPACT_PRIVATE_KEY for the custom network`,
    );
  return {
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
    walletClient: createWalletClient({ chain, transport, account: getAddress(deployer) }),
  };
}

/** Deploys every FlowPact contract, wires the roles and writes the deployment file. */
export async function deployFlowPact(options: DeployOptions = {}): Promise<DeploymentFile> {
  const clients = await hardhatClients();
  const deployer = clients.walletClient!.account.address;
  const deployment = await deployContracts(clients, {
    matcher: options.matcher ? getAddress(options.matcher) : undefined,
    auditor: options.auditor ? getAddress(options.auditor) : undefined,
    challengeWindow: options.challengeWindow,
    submissionWindow: options.submissionWindow,
    disputeBond: options.disputeBond,
  });
  const governor = options.governor ? getAddress(options.governor) : deployer;
  if (governor !== deployer) {
    const client = { ...clients, deployment };
    await grantRole(client, { role: "GOVERNOR_ROLE", account: governor });
    await renounceRole(client, { role: "GOVERNOR_ROLE" });
  }
  writeDeployment(options.outDir ?? path.join(__dirname, "..", "deployments"), deployment);
  return deployment;
}

async function main(): Promise<void> {
  const deployment = await deployFlowPact({
    governor: addressFromEnv("FLOWPACT_GOVERNOR"),
    matcher: addressFromEnv("FLOWPACT_MATCHER"),
    auditor: addressFromEnv("FLOWPACT_AUDITOR"),
  });
  console.log(
    `FlowPact deployed on chain ${deployment.chainId} (network "${network.name}") from block ${deployment.startBlock}:`,
  );
  for (const [name, address] of Object.entries(deployment.contracts))
    console.log(`  ${name.padEnd(14)} ${address}`);
  console.log(`Written to deployments/${deployment.chainId}.json`);
}

if (require.main === module) {
  main().catch((error: Error & { shortMessage?: string }) => {
    console.error(`deploy: ${error.shortMessage ?? error.message}`);
    process.exitCode = 1;
  });
}
