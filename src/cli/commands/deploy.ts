import type { Command } from "commander";
import type { Address } from "viem";
import { chain, examples, withContext } from "../action";
import { emit, table } from "../output";
import { parseAddress, parseAmount, parseDuration } from "../parse";

interface DeployOptions {
  governor?: Address;
  matcher?: Address;
  auditor?: Address;
  challengeWindow?: bigint;
  submissionWindow?: bigint;
  disputeBond?: bigint;
}

export function registerDeployCommand(program: Command): void {
  examples(
    program
      .command("deploy")
      .description(
        "deploy the five FlowPact contracts, wire them, grant the roles and write <deployments>/<chainId>.json; the signing key deploys and governs unless --governor is given",
      )
      .option(
        "--governor <address>",
        "hand the GOVERNOR role to this account; the deployer then renounces it",
        parseAddress,
      )
      .option("--matcher <address>", "MATCHER role holder (default: the deployer)", parseAddress)
      .option("--auditor <address>", "AUDITOR role holder (default: the deployer)", parseAddress)
      .option(
        "--challenge-window <duration>",
        "how long a claimed batch can be disputed (default 1d)",
        parseDuration,
      )
      .option(
        "--submission-window <duration>",
        "how long after an epoch its batches may be submitted (default 7d)",
        parseDuration,
      )
      .option("--dispute-bond <wei>", "bond a dispute locks, in wei (default 1 ether)", parseAmount)
      .action(
        withContext(async (ctx, o: DeployOptions) => {
          const clients = await ctx.clients({ signer: true });
          const deployment = await chain().deployFlowPact(clients, {
            matcher: o.matcher,
            auditor: o.auditor,
            challengeWindow: o.challengeWindow,
            submissionWindow: o.submissionWindow,
            disputeBond: o.disputeBond,
          });
          const deployer = clients.walletClient!.account.address;
          if (o.governor && o.governor !== deployer) {
            const client = { ...clients, deployment };
            await chain().grantRole(client, { role: "GOVERNOR_ROLE", account: o.governor });
            await chain().renounceRole(client, { role: "GOVERNOR_ROLE" });
          }
          const file = chain().writeDeployment(ctx.config().deploymentsDir, deployment);
          emit(ctx.json, { ...deployment, file, governor: o.governor ?? deployer }, () =>
            [
              `FlowPact deployed on chain ${deployment.chainId} from block ${deployment.startBlock}, written to ${file}`,
              table(["contract", "address"], Object.entries(deployment.contracts)),
            ].join("\n"),
          );
        }),
      ),
    [
      "FLOWPACT_PRIVATE_KEY=0x… flowpact deploy",
      "flowpact deploy --rpc https://rpc.consortium.example --governor 0x… --matcher 0x… --auditor 0x…",
    ],
  );
}
