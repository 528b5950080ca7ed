import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
  webSocket,
} from "viem";
import type { FlowPactConfig } from "../config";
import { type Deployment, readDeployment } from "./deployments";
import { accountNonces } from "./nonces";

export type FlowPactPublicClient = PublicClient<Transport, Chain>;
export type FlowPactWalletClient = WalletClient<Transport, Chain, Account>;

export interface FlowPactClients {
  chain: Chain;
  publicClient: FlowPactPublicClient;
  /** Present when an account was given. */
  walletClient?: FlowPactWalletClient;
}

/** What every contract action takes first: clients plus where the contracts are. */
export interface FlowPactClient extends FlowPactClients {
  deployment: Deployment;
}

/** The RPC answers for another chain than the configured one. */
export class ChainMismatchError extends Error {
  override name = "ChainMismatchError";
  constructor(
    readonly expected: number,
    readonly actual: number,
    readonly rpcUrl: string,
  ) {
    super(
      `the RPC at ${rpcUrl} serves chain ${actual}, but FLOWPACT_CHAIN_ID is ${expected}: fix one of them`,
    );
  }
}

/** The RPC does not answer. */
export class RpcUnreachableError extends Error {
  override name = "RpcUnreachableError";
  constructor(
    readonly rpcUrl: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the chain at ${rpcUrl}: start a node (npm start) or set FLOWPACT_RPC_URL`, options);
  }
}

function flowPactChain(id: number, rpcUrl: string): Chain {
  return defineChain({
    id,
    name: id === 31337 ? "Hardhat" : `FlowPact chain ${id}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

const transportFor = (rpcUrl: string): Transport =>
  rpcUrl.startsWith("ws") ? webSocket(rpcUrl) : http(rpcUrl, { batch: false, retryCount: 2 });

/**
 * viem clients for the configured chain. The chain id comes from the config, or is asked of the
 * RPC (and checked against the config when both are known). A local account's transactions
 * take their nonces from `accountNonces`, shared by every client of the process.
 *
 * @example
 * const { publicClient, walletClient } = await createFlowPactClients(config, { account });
 */
export async function createFlowPactClients(
  config: Pick<FlowPactConfig, "rpcUrl" | "chainId">,
  options: { account?: Account; pollingInterval?: number } = {},
): Promise<FlowPactClients> {
  const transport = transportFor(config.rpcUrl);
  let chainId: number;
  try {
    chainId = await createPublicClient({ transport }).getChainId();
  } catch (cause) {
    throw new RpcUnreachableError(config.rpcUrl, { cause });
  }
  if (config.chainId !== undefined && config.chainId !== chainId)
    throw new ChainMismatchError(config.chainId, chainId, config.rpcUrl);
  const chain = flowPactChain(chainId, config.rpcUrl);
  const publicClient = createPublicClient({
    chain,
    transport,
    pollingInterval: options.pollingInterval ?? 1_000,
  });
  // A local key signs with the process's shared nonces: every writer with it, one sequence.
  const account = options.account?.type === "local" ? accountNonces.attach(options.account) : options.account;
  const walletClient = account ? createWalletClient({ chain, transport, account }) : undefined;
  return { chain, publicClient, walletClient };
}

/** Clients plus the chain's deployment: what contract actions need. */
export async function connectFlowPact(
  config: Pick<FlowPactConfig, "rpcUrl" | "chainId" | "deploymentsDir">,
  options: { account?: Account; pollingInterval?: number } = {},
): Promise<FlowPactClient> {
  const clients = await createFlowPactClients(config, options);
  return { ...clients, deployment: readDeployment(config.deploymentsDir, clients.chain.id) };
}
