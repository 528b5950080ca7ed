import { type Command, InvalidArgumentError, Option } from "commander";
import type { Address } from "viem";
import { examples, withContext } from "../action";
import { emit } from "../output";
import { parseAddress, parseAmount, parsePositive, parseUrl } from "../parse";

interface AuditOptions {
  from?: bigint;
  to?: bigint;
  node?: [Address, string][];
  spotChecks: boolean;
  samples: bigint;
  out?: string;
  attest?: boolean;
  resolveDisputes?: boolean;
}

/** `<member>=<url>`: where a member's node answers proof requests. */
function parseNodeUrl(value: string, previous: [Address, string][] | undefined): [Address, string][] {
  const at = value.indexOf("=");
  if (at < 0)
    throw new InvalidArgumentError("give <member address>=<node url>, e.g. 0xA…=https://node.bank.example");
  return [...(previous ?? []), [parseAddress(value.slice(0, at)), parseUrl(value.slice(at + 1))]];
}

export function registerAuditCommand(program: Command): void {
  examples(
    program
      .command("audit")
      .description(
        "verify every batch and settlement from the chain alone, spot-check receipt proofs with members' nodes, look for anomalies, write JSON and HTML reports; --attest records the report's hash on chain (auditor role)",
      )
      .option("--from <block>", "first block (default: the deployment's start block)", parseAmount)
      .option("--to <block>", "last block (default: the latest)", parseAmount)
      .option(
        "--node <member=url>",
        "a member's node for proof spot-checks, instead of the `uri` of its on-chain profile (repeat)",
        parseNodeUrl,
      )
      .option(
        "--no-spot-checks",
        "skip the receipt proof spot-checks (they run when the auditor key is set: FLOWPACT_PRIVATE_KEY or --keystore)",
      )
      .addOption(
        new Option("--samples <k>", "receipt proofs requested per batch")
          .argParser(parsePositive)
          .default(3n, "3"),
      )
      .option("--out <dir>", "write audit-<chain>-<from>-<to>.json and .html here")
      .option("--attest", "post the report's hash and verdict on chain (needs the auditor key)")
      .option(
        "--resolve-disputes",
        "close every dispute whose answer window has passed: no acknowledgement above the recipient's count was shown, so its count stands and the bond returns to it (needs a key)",
      )
      .action(
        withContext(async (ctx, o: AuditOptions) => {
          const config = ctx.config();
          const hasKey = config.privateKey !== undefined || config.keystore !== undefined;
          // The key signs proof requests and the attestation; without --attest it is optional.
          const auditor = o.attest || o.resolveDisputes || hasKey ? await ctx.account() : undefined;
          const client = await ctx.client();
          const { runAudit }: typeof import("../../audit/run-audit") = require("../../audit/run-audit");
          const { createOutboundClient }: typeof import("../../net") = require("../../net");
          const result = await runAudit({
            rpcUrl: config.rpcUrl,
            deployment: client.deployment,
            fromBlock: o.from,
            toBlock: o.to,
            auditor,
            nodeUrls: o.spotChecks && o.node ? Object.fromEntries(o.node) : undefined,
            // Members publish their node's base URL as their profile `uri`: found from the chain.
            nodesFromProfiles: o.spotChecks,
            // Member-published URLs: public addresses only unless the config allows more.
            outbound: createOutboundClient(config.outbound),
            samplesPerBatch: Number(o.samples),
            outDir: o.out,
            attest: o.attest === true,
            resolveDisputes: o.resolveDisputes === true,
          });
          emit(
            ctx.json,
            {
              report: result.report,
              reportHash: result.reportHash,
              files: result.files,
              attestation: result.attestation,
              resolutions: result.resolutions,
            },
            () => result.summary,
          );
        }),
      ),
    [
      "flowpact audit --no-spot-checks --out reports",
      "FLOWPACT_PRIVATE_KEY=0x… flowpact audit --out reports --attest",
      "FLOWPACT_PRIVATE_KEY=0x… flowpact audit --resolve-disputes",
      "FLOWPACT_PRIVATE_KEY=0x… FLOWPACT_ALLOWED_NETWORKS=10.0.0.7 flowpact audit --node 0xA…=http://10.0.0.7:8600 --samples 10",
    ],
  );
}
