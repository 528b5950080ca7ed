import { type Command, Option } from "commander";
import { type Address, type Hex, keccak256, toHex } from "viem";
import { industryByCode } from "../../catalogue/industries";
import { segmentNames } from "../../catalogue/segments";
import type { FlowPactClient } from "../../chain/clients";
import { MEMBER_STATUSES } from "../../chain/types";
import { chain, examples, withContext } from "../action";
import { details, emit, table } from "../output";
import {
  parseAddress,
  parseBytes32,
  parseIndustryCode,
  parseReason,
  parseSegmentList,
  parseUrl,
} from "../parse";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

export const industryName = (code: number): string => industryByCode(code)?.name ?? `#${code}`;

const txLine = (what: string, tx: { hash: Hex; blockNumber: bigint }) =>
  `${what} (tx ${tx.hash}, block ${tx.blockNumber})`;

export function registerMemberCommands(program: Command): void {
  const member = program
    .command("member")
    .description(
      "apply to the consortium, govern members (admit, suspend, reinstate), leave, look members up",
    );

  examples(
    member
      .command("apply")
      .description("apply for membership with your profile (signed by --key / --keystore)")
      .requiredOption(
        "--industry <name>",
        "your industry, by name (banking, insurance, …) or code",
        parseIndustryCode,
      )
      .requiredOption(
        "--segments <list>",
        "audience segments you reach, comma-separated names or bit numbers",
        parseSegmentList,
      )
      .requiredOption(
        "--uri <url>",
        "your node's public base URL (https://…): other members' nodes, the matching daemon and auditors reach your node there",
        parseUrl,
      )
      .option(
        "--content-hash <bytes32>",
        "keccak-256 of your published profile details (default: hash of the URI)",
        parseBytes32,
      )
      .option(
        "--signer <address>",
        "key whose signatures count for you (EOA or ERC-1271 wallet; default: your account)",
        parseAddress,
      )
      .action(
        withContext(
          async (
            ctx,
            options: { industry: number; segments: bigint; uri: string; contentHash?: Hex; signer?: Address },
          ) => {
            const client = await ctx.client({ signer: true });
            const self = client.walletClient!.account.address;
            const profile = {
              industry: options.industry,
              segments: options.segments,
              uri: options.uri,
              contentHash: options.contentHash ?? keccak256(toHex(options.uri)),
              signer: options.signer ?? self,
            };
            const tx = await chain().applyForMembership(client, { profile });
            emit(ctx.json, { member: self, ...profile, ...tx }, () =>
              txLine(`applied as ${self}; a governor must now admit you`, tx),
            );
          },
        ),
      ),
    [
      "flowpact member apply --industry banking --segments families,high-income --uri https://node.bank.example",
    ],
  );

  type GovernorRun = (
    client: FlowPactClient,
    params: { member: Address; reason?: string },
  ) => Promise<{ hash: Hex; blockNumber: bigint }>;
  const governorAction = (
    name: string,
    description: string,
    run: GovernorRun,
    done: string,
    withReason: boolean,
  ) => {
    const command = member
      .command(name)
      .description(`${description} (governor role)`)
      .argument("<address>", "the member's account address", parseAddress);
    if (withReason)
      command.option("--reason <text>", "short reason recorded on chain (≤ 32 bytes)", parseReason);
    command.action(
      withContext(async (ctx, address: Address, options: { reason?: string }) => {
        const client = await ctx.client({ signer: true });
        const tx = await run(client, { member: address, reason: options.reason });
        emit(ctx.json, { member: address, ...tx }, () => txLine(`${address} ${done}`, tx));
      }),
    );
    examples(command, [`flowpact member ${name} ${A}${withReason ? ' --reason "late settlement"' : ""}`]);
  };
  governorAction("admit", "admit an applicant", (c, p) => chain().admitMember(c, p), "admitted", false);
  governorAction(
    "suspend",
    "suspend an admitted member",
    (c, p) => chain().suspendMember(c, p),
    "suspended",
    true,
  );
  governorAction(
    "reinstate",
    "reinstate a suspended member",
    (c, p) => chain().reinstateMember(c, p),
    "reinstated",
    false,
  );

  examples(
    member
      .command("exit")
      .description("leave the consortium for good (your own membership)")
      .action(
        withContext(async (ctx) => {
          const client = await ctx.client({ signer: true });
          const tx = await chain().exitMembership(client);
          emit(ctx.json, { member: client.walletClient!.account.address, ...tx }, () =>
            txLine("membership ended", tx),
          );
        }),
      ),
    ["FLOWPACT_PRIVATE_KEY=0x… flowpact member exit"],
  );

  examples(
    member
      .command("show")
      .description("a member's status and profile, read from the chain now")
      .argument("[address]", "the member (default: your own account)", parseAddress)
      .action(
        withContext(async (ctx, address: Address | undefined) => {
          const who = address ?? (await ctx.account()).address;
          const client = await ctx.client();
          const m = await chain().getMember(client, { member: who });
          const view = {
            address: m.address,
            status: m.status,
            industry: m.profile ? industryName(m.profile.industry) : undefined,
            segments: m.profile ? segmentNames(m.profile.segments) : undefined,
            uri: m.profile?.uri,
            contentHash: m.profile?.contentHash,
            signer: m.profile?.signer,
          };
          emit(ctx.json, view, () =>
            details([
              ["address", view.address],
              ["status", view.status],
              ["industry", view.industry],
              ["segments", view.segments?.join(", ")],
              ["profile", view.uri],
              ["content hash", view.contentHash],
              ["signer", view.signer],
            ]),
          );
        }),
      ),
    [`flowpact member show ${A}`, "flowpact member show --json    # your own account"],
  );

  examples(
    member
      .command("list")
      .description("members as indexed in the store: run `flowpact index --once` first for fresh data")
      .addOption(
        new Option("--status <status>", "only members in this status").choices(MEMBER_STATUSES.slice(1)),
      )
      .action(
        withContext(async (ctx, options: { status?: string }) => {
          const rows = await chain().listMembers(await ctx.indexedStore(), options);
          emit(ctx.json, rows, () =>
            table(
              ["address", "status", "industry", "segments", "since block"],
              rows.map((r) => [r.address, r.status, r.industry, r.segments.join(", "), r.updatedBlock]),
            ),
          );
        }),
      ),
    ["flowpact index --once && flowpact member list --status admitted"],
  );
}
