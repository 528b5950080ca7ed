/**
 * `npm run deploy -- --network <localhost|custom>`: deploys FlowPact, wires the roles and writes
 * `deployments/<chainId>.json`. The `custom` network reads FLOWPACT_RPC_URL and
 * FLOWPACT_PRIVATE_KEY. Role holders default to the deployer; set FLOWPACT_GOVERNOR,
 * FLOWPACT_MATCHER or FLOWPACT_AUDITOR (addresses) to hand them to other accounts — when a
 * governor is given, the deployer grants it GOVERNOR and then renounces its own.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { BaseContract, ContractTransactionResponse } from "ethers";
import { ethers, network } from "hardhat";

export interface DeploymentFile {
  chainId: number;
  startBlock: number;
  contracts: {
    Consortium: string;
    OfferBook: string;
    AgreementBook: string;
    CreditLedger?: string;
    Settlement?: string;
  };
}

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
  /** Dispute bond in wei of the chain's native coin (default: 0.01). */
  disputeBond?: bigint;
}

/** Settlement parameters used when DeployOptions leaves them out. */
export const SETTLEMENT_DEFAULTS = {
  challengeWindow: 86_400n,
  submissionWindow: 7n * 86_400n,
  disputeBond: 10n ** 16n,
} as const;

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

const ROLE = {
  GOVERNOR: ethers.id("GOVERNOR_ROLE"),
  MATCHER: ethers.id("MATCHER_ROLE"),
  AUDITOR: ethers.id("AUDITOR_ROLE"),
};

function addressFromEnv(name: string): string | undefined {
  const value = process.env[name];
  if (value === undefined || value === "") return undefined;
  if (!ethers.isAddress(value))
    throw new DeploymentError(
      `${name}="${value}" is not an address: set it to 0x… (40 hex digits) or unset it`,
    );
  return ethers.getAddress(value);
}

async function sent(tx: Promise<ContractTransactionResponse>): Promise<void> {
  await (await tx).wait();
}

/** Deploys every FlowPact contract, wires the roles and writes the deployment file. */
export async function deployFlowPact(options: DeployOptions = {}): Promise<DeploymentFile> {
  const [deployer] = await ethers.getSigners();
  if (!deployer) {
    throw new DeploymentError(
      `network "${network.name}" has no account: set FLOWPACT_PRIVATE_KEY for the custom network`,
    );
  }
  const governor = options.governor ?? deployer.address;
  const matcher = options.matcher ?? deployer.address;
  const auditor = options.auditor ?? deployer.address;
  const { chainId } = await ethers.provider.getNetwork();

  const deploy = async (
    name: string,
    args: unknown[],
  ): Promise<BaseContract & { getAddress(): Promise<string> }> => {
    const contract = await ethers.deployContract(name, args, deployer);
    await contract.waitForDeployment();
    return contract;
  };

  const consortium = await deploy("Consortium", [deployer.address]);
  const receipt = await consortium.deploymentTransaction()?.wait();
  const startBlock = receipt?.blockNumber ?? (await ethers.provider.getBlockNumber());
  const consortiumAddress = await consortium.getAddress();
  const offerBook = await deploy("OfferBook", [consortiumAddress]);
  const agreementBook = await deploy("AgreementBook", [consortiumAddress]);

  const contracts: DeploymentFile["contracts"] = {
    Consortium: consortiumAddress,
    OfferBook: await offerBook.getAddress(),
    AgreementBook: await agreementBook.getAddress(),
  };

  // CreditLedger and Settlement; the ledger accepts settlement postings only from this
  // Settlement, wired by the deployer while it still holds GOVERNOR (once, for good).
  const creditLedger = await deploy("CreditLedger", [consortiumAddress]);
  const settlement = await deploy("Settlement", [
    consortiumAddress,
    contracts.AgreementBook,
    await creditLedger.getAddress(),
    options.challengeWindow ?? SETTLEMENT_DEFAULTS.challengeWindow,
    options.submissionWindow ?? SETTLEMENT_DEFAULTS.submissionWindow,
    options.disputeBond ?? SETTLEMENT_DEFAULTS.disputeBond,
  ]);
  contracts.CreditLedger = await creditLedger.getAddress();
  contracts.Settlement = await settlement.getAddress();
  const ledger = creditLedger.connect(deployer) as BaseContract & {
    setSettlement(settlement: string): Promise<ContractTransactionResponse>;
  };
  await sent(ledger.setSettlement(contracts.Settlement));

  const roles = consortium.connect(deployer) as BaseContract & {
    grantRole(role: string, account: string): Promise<ContractTransactionResponse>;
    renounceRole(role: string, account: string): Promise<ContractTransactionResponse>;
  };
  await sent(roles.grantRole(ROLE.MATCHER, matcher));
  await sent(roles.grantRole(ROLE.AUDITOR, auditor));
  if (governor !== deployer.address) {
    await sent(roles.grantRole(ROLE.GOVERNOR, governor));
    await sent(roles.renounceRole(ROLE.GOVERNOR, deployer.address));
  }

  const deployment: DeploymentFile = { chainId: Number(chainId), startBlock, contracts };
  const outDir = options.outDir ?? path.join(__dirname, "..", "deployments");
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, `${chainId}.json`), `${JSON.stringify(deployment, null, 2)}\n`);
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
  main().catch((error: Error) => {
    console.error(`deploy: ${error.message}`);
    process.exitCode = 1;
  });
}
