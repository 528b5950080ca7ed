import { type Command, Option } from "commander";
import type { Address, PublicClient } from "viem";
import { examples, withContext } from "../action";
import { emit } from "../output";
import { parseAddress, parseAmount, parseDuration, parseIndustryList, parsePort, parseUrl } from "../parse";
import { untilStopSignal } from "../signals";

interface NodeOptions {
  landing: string;
  member?: Address;
  host: string;
  port: number;
  settle: boolean;
  settleEvery: bigint;
  claimAfter: bigint;
  tokenTtl: bigint;
  autoAcceptMinRate?: bigint;
  autoAcceptMaxRate?: bigint;
  autoAcceptMaxCap?: bigint;
  autoAcceptMaxPartners: bigint;
  autoAcceptRefuse?: bigint;
}

/** Industry codes of an on-chain industry bitmap (bit = code). */
function industryCodes(bitmap: bigint): number[] {
  const codes: number[] = [];
  for (let code = 0; bitmap >> BigInt(code) > 0n; code++) if ((bitmap >> BigInt(code)) & 1n) codes.push(code);
  return codes;
}

export function registerNodeCommand(program: Command): void {
  examples(
    program
      .command("node")
      .description(
        [
          "run your member node until Ctrl-C: tracking links for your flows, arrivals from your partners, receipts in the store,",
          "and, every --settle-every, settlement by itself: closes finished epochs (co-signature from the recipient's node, then",
          "commit; a claim after --claim-after), disputes claims above your arrivals, finalises your undisputed claims, accepts",
          "proposals allowed by --auto-accept-*. Other members' nodes are found at the `uri` of their on-chain profile, so",
          "publish this node's public base URL as yours (`flowpact member apply --uri https://node.you.example`).",
        ].join(" "),
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
          .argParser(parsePort)
          .default(0, "0"),
      )
      .option("--no-settle", "serve tracking only; settle with another node or by hand")
      .addOption(
        new Option("--settle-every <duration>", "time between settlement passes")
          .argParser(parseDuration)
          .default(5n, "5s"),
      )
      .addOption(
        new Option(
          "--claim-after <duration>",
          "after an epoch's end, claim a batch the recipient has not co-signed by then",
        )
          .argParser(parseDuration)
          .default(3_600n, "1h"),
      )
      .addOption(
        new Option("--token-ttl <duration>", "how long a visitor has to land after a click")
          .argParser(parseDuration)
          .default(600n, "10m"),
      )
      .addOption(
        new Option(
          "--auto-accept-min-rate <credits>",
          "accept proposals by yourself when every flow you refer pays at least this (turns auto-accept on)",
        ).argParser(parseAmount),
      )
      .addOption(
        new Option(
          "--auto-accept-max-rate <credits>",
          "… and every flow you receive costs at most this",
        ).argParser(parseAmount),
      )
      .addOption(
        new Option(
          "--auto-accept-max-cap <referrals>",
          "… and no flow of yours asks more per epoch",
        ).argParser(parseAmount),
      )
      .addOption(
        new Option("--auto-accept-max-partners <n>", "… and you keep at most this many partners")
          .argParser(parseAmount)
          .default(10n, "10"),
      )
      .addOption(
        new Option(
          "--auto-accept-refuse <industries>",
          "… and no party is of these industries (names or codes, comma-separated)",
        ).argParser(parseIndustryList),
      )
      .action(
        withContext(async (ctx, o: NodeOptions) => {
          const account = await ctx.account();
          const client = await ctx.client({ signer: true });
          const { startMemberNode }: typeof import("../../member/node") = require("../../member/node");
          const { createOutboundClient }: typeof import("../../net") = require("../../net");
          const node = await startMemberNode({
            chainId: client.chain.id,
            contracts: client.deployment.contracts,
            publicClient: client.publicClient as PublicClient,
            walletClient: client.walletClient as never,
            fromBlock: BigInt(client.deployment.startBlock ?? 0),
            dataDir: ctx.config().dataDir,
            trustProxy: ctx.config().trustProxy,
            // Other members' nodes: public addresses only unless the config allows more.
            outbound: createOutboundClient(ctx.config().outbound),
            member: o.member ?? account.address,
            account,
            landingUrl: o.landing,
            host: o.host,
            port: Number(o.port),
            claimAfter: o.claimAfter,
            tokenTtl: o.tokenTtl,
            settleEveryMs: o.settle ? Number(o.settleEvery) * 1000 : undefined,
            autoAccept:
              o.autoAcceptMinRate === undefined
                ? undefined
                : {
                    minRate: o.autoAcceptMinRate,
                    maxRate: o.autoAcceptMaxRate,
                    maxCapPerEpoch: o.autoAcceptMaxCap ?? (1n << 64n) - 1n,
                    maxPartners: Number(o.autoAcceptMaxPartners),
                    refusedIndustries: industryCodes(o.autoAcceptRefuse ?? 0n),
                  },
          });
          emit(
            ctx.json,
            { member: node.member, url: node.url, settling: o.settle },
            () =>
              `member node for ${node.member} listening on ${node.url}${o.settle ? `, settling every ${o.settleEvery}s` : ""} (Ctrl-C stops it)`,
          );
          await untilStopSignal();
          await node.close();
        }),
      ),
    [
      "FLOWPACT_PRIVATE_KEY=0x… flowpact node --landing https://bank.example/welcome --port 8600",
      "flowpact node --landing https://bank.example/welcome --auto-accept-min-rate 5 --auto-accept-refuse banking",
    ],
  );
}
