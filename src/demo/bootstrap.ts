import { type Address, parseEther } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import {
  admitMember,
  applyForMembership,
  createFlowPactClients,
  deployFlowPact,
  type FlowPactClient,
  postOffer,
  setCreditLimit,
} from "../chain";
import type { Deployment } from "../chain/deployments";
import { type DemoConsortium, demoConsortium } from "./consortium";

export interface BootstrapResult {
  deployment: Deployment;
  consortium: DemoConsortium;
}

/**
 * Deploys FlowPact on the local chain and builds the demo consortium as real institutions would:
 * the governor (dev key #0) deploys and makes `matcher` the MATCHER, funds each member's account
 * with gas money (plain transfers, so the chain journal replays them), the 30 institutions apply,
 * the governor admits them and sets their credit limits, and each publishes its offers. No
 * agreement is made here: the matching daemon proposes them and the members' nodes accept.
 */
export async function bootstrapConsortium(options: {
  rpcUrl: string;
  governorKey: PrivateKeyAccount;
  matcher: Address;
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
    challengeWindow: options.challengeWindow,
    submissionWindow: options.submissionWindow,
    disputeBond: parseEther("0.01"),
  });
  const governor: FlowPactClient = { ...clients, deployment };
  log(`deployed FlowPact (Consortium ${deployment.contracts.Consortium}); matcher ${options.matcher}`);
  options.onDeployed?.(deployment);

  const consortium = demoConsortium(accounts, { offerExpiry: options.offerExpiry });
  const members: FlowPactClient[] = [];
  const wallet = clients.walletClient;
  if (!wallet) throw new Error("the governor's wallet client is missing");
  for (const account of accounts) {
    const hash = await wallet.sendTransaction({ to: account.address, value: parseEther("100") });
    await clients.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    const c = await createFlowPactClients(
      { rpcUrl, chainId: clients.chain.id },
      { account, pollingInterval: 50 },
    );
    members.push({ ...c, deployment });
  }
  // Each member's own transactions run in parallel (separate accounts, separate nonces).
  await Promise.all(
    consortium.institutions.map((institution, i) =>
      applyForMembership(members[i], { profile: institution.profile }),
    ),
  );
  for (const institution of consortium.institutions) {
    await admitMember(governor, { member: institution.address });
    await setCreditLimit(governor, { member: institution.address, limit: institution.creditLimit });
  }
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
