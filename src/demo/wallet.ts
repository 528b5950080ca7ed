import { type Chain, createWalletClient, http, type LocalAccount, type Transport, toHex } from "viem";
import { accountNonces } from "../chain/nonces";

/**
 * A member's wallet on the demo chain, with the headroom real wallets add to gas estimates. The
 * 30 member nodes accept proposals at the same time, each with its own key: two parties of a
 * 3-party agreement can both estimate `accept` before either lands, and the one mined second is
 * then the acceptance that activates the agreement, which costs more gas than it was estimated
 * for. Half again the estimate covers activation (BENCHMARKS.md: accept costs 54-60 k gas).
 */
export function demoWalletClient(options: { chain: Chain; rpcUrl: string; account: LocalAccount }) {
  const rpc = http(options.rpcUrl, { retryCount: 0 });
  const transport: Transport = (params) => {
    const inner = rpc(params);
    return {
      ...inner,
      async request(args) {
        const result = await inner.request(args);
        return args.method === "eth_estimateGas" ? toHex((BigInt(result as string) * 3n) / 2n) : result;
      },
    } as ReturnType<Transport>;
  };
  // The node's auto-accept and its epoch close send at the same time with this key: one nonce
  // sequence for both (and for the dashboard's accept button).
  return createWalletClient({
    chain: options.chain,
    transport,
    account: accountNonces.attach(options.account),
  });
}
