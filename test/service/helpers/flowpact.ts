import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { deployFlowPact } from "../../../src/chain/actions/deployFlowPact";
import { createFlowPactClients, type FlowPactClient } from "../../../src/chain/clients";
import { writeDeployment } from "../../../src/chain/deployments";
import { DEV_KEYS, type LocalNode } from "./hardhatNode";

/** Deploys FlowPact on `node` into a fresh deployments directory, as account #0 (governor). */
export async function deployOnNode(
  node: LocalNode,
): Promise<{ deploymentsDir: string; governor: FlowPactClient }> {
  const clients = await createFlowPactClients(
    { rpcUrl: node.rpcUrl, chainId: undefined },
    { account: privateKeyToAccount(DEV_KEYS[0]), pollingInterval: 50 },
  );
  const deployment = await deployFlowPact(clients);
  const deploymentsDir = mkdtempSync(path.join(tmpdir(), "flowpact-deployments-"));
  writeDeployment(deploymentsDir, deployment);
  return { deploymentsDir, governor: { ...clients, deployment } };
}

/** A client for dev account `index` on the same node and deployment. */
export async function clientFor(
  node: LocalNode,
  governor: FlowPactClient,
  index: number,
): Promise<FlowPactClient> {
  const clients = await createFlowPactClients(
    { rpcUrl: node.rpcUrl, chainId: governor.chain.id },
    { account: privateKeyToAccount(DEV_KEYS[index]), pollingInterval: 50 },
  );
  return { ...clients, deployment: governor.deployment };
}
