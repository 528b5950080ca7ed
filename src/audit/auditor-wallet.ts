import {
  type Chain,
  createWalletClient,
  type HttpTransport,
  http,
  type LocalAccount,
  type PublicClient,
  type WalletClient,
} from "viem";

export type AuditorWallet = WalletClient<HttpTransport, Chain, LocalAccount>;

/**
 * The auditor's wallet on the audited chain: what signs its attestations and dispute
 * resolutions (the chain id is read from the node, so the transactions are bound to it).
 */
export async function createAuditorWallet(
  publicClient: PublicClient,
  rpcUrl: string,
  auditor: LocalAccount,
): Promise<AuditorWallet> {
  const chain = {
    id: await publicClient.getChainId(),
    name: "FlowPact",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  } as Chain;
  return createWalletClient({ account: auditor, chain, transport: http(rpcUrl) });
}
