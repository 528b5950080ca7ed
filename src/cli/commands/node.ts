import { type Command, Option } from "commander";
import type { Address, PublicClient } from "viem";
import { examples, withContext } from "../action";
import { emit } from "../output";
import { parseAddress, parseAmount, parseUrl } from "../parse";

interface NodeOptions {
  landing: string;
  member?: Address;
  host: string;
  port: bigint;
}

export function registerNodeCommand(program: Command): void {
  examples(
    program
      .command("node")
      .description(
        "run your member node: tracking links for your flows, arrivals from your partners, receipts in the store; until Ctrl-C",
      )
      .requiredOption("--landing <url>", "your landing page, where referred visitors arrive", parseUrl)
      .option(
        "--member <address>",
        "the member this node serves (default: the signing key's account)",
        parseAddress,
      )
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .addOption(
        new Option("--port <port>", "port to listen on (0 picks a free one)")
          .argParser(parseAmount)
          .default(0n, "0"),
      )
      .action(
        withContext(async (ctx, o: NodeOptions) => {
          const account = await ctx.account();
          const client = await ctx.client();
          const { startMemberNode }: typeof import("../../member/node") = require("../../member/node");
          const node = await startMemberNode({
            chainId: client.chain.id,
            contracts: client.deployment.contracts,
            publicClient: client.publicClient as PublicClient,
            dataDir: ctx.config().dataDir,
            member: o.member ?? account.address,
            account,
            landingUrl: o.landing,
            host: o.host,
            port: Number(o.port),
          });
          emit(
            ctx.json,
            { member: node.member, url: node.url },
            () => `member node for ${node.member} listening on ${node.url} (Ctrl-C stops it)`,
          );
          await new Promise<void>((resolve) => {
            process.once("SIGINT", resolve);
            process.once("SIGTERM", resolve);
          });
          await node.close();
        }),
      ),
    ["FLOWPACT_PRIVATE_KEY=0x… flowpact node --landing https://bank.example/welcome --port 8600"],
  );
}
