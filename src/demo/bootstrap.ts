import {
  type Address,
  createWalletClient,
  encodeFunctionData,
  type Hash,
  type Hex,
  http,
  parseEther,
} from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { consortiumAbi, creditLedgerAbi } from "../abi/contracts";
import {
  applyForMembership,
  createFlowPactClients,
  deployFlowPact,
  type FlowPactClient,
  postOffer,
} from "../chain";
import type { Deployment } from "../chain/deployments";
import { type DemoConsortium, demoConsortium } from "./consortium";

export interface BootstrapResult {
  deployment: Deployment;
  consortium: DemoConsortium;
}

/**
 * Deploys FlowPact on the local chain and builds the demo consortium as real institutions would:
 * the governor (dev key #0) deploys and makes `matcher` the MATCHER and `auditor` the AUDITOR, funds each member's account
 * with gas money (plain transfers, so the chain journal replays them), the 30 institutions apply,
 * the governor admits them and sets their credit limits, and each publishes its offers. No
 * agreement is made here: the matching daemon proposes them and the members' nodes accept.
 */
export async function bootstrapConsortium(options: {
  rpcUrl: string;
  governorKey: PrivateKeyAccount;
  matcher: Address;
  auditor: Address;
  accounts: readonly PrivateKeyAccount[];
  challengeWindow: bigint;
  submissionWindow: bigint;
  /** Unix seconds after which the members' offers expire. */
  offerExpiry: bigint;
  log: (line: string) => void;
  /** Called once the contracts are deployed (the demo starts its matching daemon there). */
  onDeployed?: (deployment: Deployment) => void;
}): Promise<BootstrapResult> {
  const { rpcUrl, accounts, log } = options;
  const clients = await createFlowPactClients(
    { rpcUrl, chainId: undefined },
    { account: options.governorKey, pollingInterval: 50 },
  );
  const deployment = await deployFlowPact(clients, {
    matcher: options.matcher,
    auditor: options.auditor,
    challengeWindow: options.challengeWindow,
    submissionWindow: options.submissionWindow,
    disputeBond: parseEther("0.01"),
  });
  log(
    `deployed FlowPact (Consortium ${deployment.contracts.Consortium}); matcher ${options.matcher}, auditor ${options.auditor}`,
  );
  options.onDeployed?.(deployment);

  const consortium = demoConsortium(accounts, { offerExpiry: options.offerExpiry });
  const wallet = clients.walletClient;
  if (!wallet) throw new Error("the governor's wallet client is missing");
  // The governor's own transactions (gas money, admissions, credit limits) go out back to back
  // with its nonces counted here and fixed gas and fees: one RPC each instead of a simulation, an
  // estimate, a nonce read and a receipt wait. The node mines each as it arrives; every receipt
  // is checked at the end of its phase.
  let nonce = await clients.publicClient.getTransactionCount({
    address: wallet.account.address,
    blockTag: "pending",
  });
  const { baseFeePerGas } = await clients.publicClient.getBlock();
  const maxPriorityFeePerGas = 1_000_000_000n;
  const maxFeePerGas = (baseFeePerGas ?? 1_000_000_000n) * 4n + maxPriorityFeePerGas;
  const sent: Hash[] = [];
  const send = async (to: Address, gas: bigint, call: { data?: Hex; value?: bigint }) => {
    sent.push(
      await wallet.sendTransaction({
        to,
        gas,
        nonce: nonce++,
        maxFeePerGas,
        maxPriorityFeePerGas,
        ...call,
      } as never),
    );
  };
  const confirm = async (phase: string) => {
    const receipts = await Promise.all(
      sent
        .splice(0)
        .map((hash) => clients.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })),
    );
    const failed = receipts.filter((r) => r.status !== "success");
    if (failed.length > 0)
      throw new Error(
        `${phase}: ${failed.length} transactions reverted (first: ${failed[0].transactionHash})`,
      );
  };
  for (const account of accounts) await send(account.address, 21_000n, { value: parseEther("100") });
  await confirm("funding the members");
  const members: FlowPactClient[] = accounts.map((account) => ({
    chain: clients.chain,
    publicClient: clients.publicClient,
    walletClient: createWalletClient({ chain: clients.chain, transport: http(rpcUrl), account }),
    deployment,
  }));
  // Each member's own transactions run in parallel (separate accounts, separate nonces).
  await Promise.all(
    consortium.institutions.map((institution, i) =>
      applyForMembership(members[i], { profile: institution.profile }),
    ),
  );
  for (const institution of consortium.institutions) {
    await send(deployment.contracts.Consortium, 200_000n, {
      data: encodeFunctionData({ abi: consortiumAbi, functionName: "admit", args: [institution.address] }),
    });
    await send(deployment.contracts.CreditLedger, 200_000n, {
      data: encodeFunctionData({
        abi: creditLedgerAbi,
        functionName: "setCreditLimit",
        args: [institution.address, institution.creditLimit],
      }),
    });
  }
  await confirm("admitting the members");
  log(`admitted ${accounts.length} institutions and set their credit limits`);
  await Promise.all(
    consortium.institutions.map(async (institution, i) => {
      for (const terms of institution.offers) await postOffer(members[i], { terms });
    }),
  );
  const offers = consortium.institutions.reduce((n, i) => n + i.offers.length, 0);
  log(`the institutions published ${offers} offers`);
  return { deployment, consortium };
}
