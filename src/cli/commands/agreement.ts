import { type Command, Option } from "commander";
import type { Address, Hex } from "viem";
import { segmentNames } from "../../catalogue/segments";
import type { FlowPactClient } from "../../chain/clients";
import { AGREEMENT_STATUSES } from "../../chain/types";
import { chain, examples, withContext } from "../action";
import { details, emit, isoTime, table } from "../output";
import {
  collect,
  type FlowSpec,
  parseAddress,
  parseAmount,
  parseDuration,
  parseFlow,
  parseId,
  parsePositive,
  parseTime,
  resolveTime,
  type TimeSpec,
} from "../parse";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const C = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

interface ProposeOptions {
  party: Address[];
  flow: FlowSpec[];
  epochLength: bigint;
  epochs: bigint;
  noticeEpochs: bigint;
  acceptWithin: bigint;
  start?: TimeSpec;
}

export function registerAgreementCommands(program: Command): void {
  const agreement = program
    .command("agreement")
    .description("propose traffic agreements between 2–4 members, accept, reject or terminate them");

  examples(
    agreement
      .command("propose")
      .description(
        "propose an agreement (as a matcher, or as one of its parties); active once every party accepts",
      )
      .requiredOption("--party <address>", "a party (repeat 2–4 times)", collect(parseAddress))
      .requiredOption(
        "--flow <from:to:segments:cap:rate>",
        "a flow of referrals per epoch at a rate in credits (repeat; segments comma-separated)",
        collect(parseFlow),
      )
      .addOption(
        new Option("--epoch-length <duration>", "length of one settlement epoch")
          .argParser(parseDuration)
          .default(86_400n, "1d"),
      )
      .addOption(
        new Option("--epochs <n>", "how many epochs the agreement runs")
          .argParser(parsePositive)
          .default(30n, "30"),
      )
      .addOption(
        new Option("--notice-epochs <n>", "whole epochs of notice a terminating party gives")
          .argParser(parseAmount)
          .default(1n, "1"),
      )
      .addOption(
        new Option("--accept-within <duration>", "how long the parties have to accept")
          .argParser(parseDuration)
          .default(3n * 86_400n, "3d"),
      )
      .option(
        "--start <time>",
        "first epoch's start: +<duration>, unix time or ISO date (default: when acceptance closes)",
        parseTime,
      )
      .action(
        withContext(async (ctx, o: ProposeOptions) => {
          const client = await ctx.client({ signer: true });
          const now = (await client.publicClient.getBlock()).timestamp;
          const proposalExpiry = now + o.acceptWithin;
          const start = o.start ? resolveTime(o.start, now) : proposalExpiry;
          const schedule = {
            start,
            end: start + o.epochs * o.epochLength,
            epochLength: o.epochLength,
            noticeEpochs: o.noticeEpochs,
          };
          const tx = await chain().proposeAgreement(client, {
            parties: o.party,
            flows: o.flow,
            schedule,
            proposalExpiry,
          });
          emit(
            ctx.json,
            { ...tx, parties: o.party, flows: o.flow, schedule, proposalExpiry },
            () =>
              `agreement ${tx.agreementId} proposed to ${o.party.length} parties; they can accept until ${isoTime(proposalExpiry)} (tx ${tx.hash})`,
          );
        }),
      ),
    [
      `flowpact agreement propose --party ${A} --party ${B} --party ${C} \\\n      --flow ${A}:${B}:families:500:2 --flow ${B}:${C}:students:300:3 --flow ${C}:${A}:retirees:200:4`,
    ],
  );

  type PartyRun = (
    client: FlowPactClient,
    params: { agreementId: bigint },
  ) => Promise<{ hash: Hex; blockNumber: bigint }>;
  const partyAction = (name: string, description: string, run: PartyRun, done: string) =>
    examples(
      agreement
        .command(name)
        .description(description)
        .argument("<agreementId>", "the agreement", parseId)
        .action(
          withContext(async (ctx, agreementId: bigint) => {
            const client = await ctx.client({ signer: true });
            const tx = await run(client, { agreementId });
            emit(ctx.json, { agreementId, ...tx }, () => `agreement ${agreementId} ${done} (tx ${tx.hash})`);
          }),
        ),
      [`flowpact agreement ${name} 1`],
    );
  partyAction(
    "accept",
    "accept a proposed agreement as one of its parties; the last acceptance activates it",
    (c, p) => chain().acceptAgreement(c, p),
    "accepted",
  );
  partyAction(
    "reject",
    "reject a proposed agreement as one of its parties",
    (c, p) => chain().rejectAgreement(c, p),
    "rejected",
  );
  partyAction(
    "terminate",
    "terminate an active agreement with notice (ends at an epoch boundary)",
    (c, p) => chain().terminateAgreement(c, p),
    "terminated with notice",
  );

  examples(
    agreement
      .command("show")
      .description("an agreement's status, parties, acceptances and flows, read from the chain now")
      .argument("<agreementId>", "the agreement", parseId)
      .action(
        withContext(async (ctx, agreementId: bigint) => {
          const client = await ctx.client();
          const a = await chain().getAgreement(client, { agreementId });
          const flows = a.flows.map((f) => ({ ...f, segments: segmentNames(f.segments) }));
          emit(ctx.json, { ...a, flows }, () =>
            [
              details([
                ["agreement", a.agreementId],
                ["status", a.status],
                ["proposer", a.proposer],
                ["parties", a.parties.join("\n")],
                ["accepted by", a.acceptedBy.join("\n")],
                ["accept until", isoTime(a.proposalExpiry)],
                ["runs", `${isoTime(a.schedule.start)} → ${isoTime(a.schedule.end)}`],
                ["epoch", `${a.schedule.epochLength} s, notice ${a.schedule.noticeEpochs} epochs`],
                ["terms hash", a.termsHash],
              ]),
              table(
                ["flow", "from", "to", "segments", "cap/epoch", "rate"],
                flows.map((f, i) => [i, f.from, f.to, f.segments.join(", "), f.capPerEpoch, f.rate]),
              ),
            ].join("\n"),
          );
        }),
      ),
    ["flowpact agreement show 1", "flowpact agreement show 1 --json"],
  );

  examples(
    agreement
      .command("list")
      .description("agreements as indexed in the store: run `flowpact index --once` first for fresh data")
      .addOption(
        new Option("--status <status>", "only agreements in this status").choices(
          AGREEMENT_STATUSES.slice(1),
        ),
      )
      .option("--party <address>", "only agreements this member is a party to", parseAddress)
      .action(
        withContext(async (ctx, options: { status?: string; party?: Address }) => {
          const rows = await chain().listAgreements(await ctx.indexedStore(), options);
          emit(ctx.json, rows, () =>
            table(
              ["id", "status", "parties", "accepted", "flows", "runs"],
              rows.map((r) => [
                r.agreementId,
                r.status,
                r.parties.join("\n"),
                `${r.acceptedBy.length}/${r.parties.length}`,
                r.flows
                  .map(
                    (f) =>
                      `${f.from.slice(0, 8)}→${f.to.slice(0, 8)} ${f.segments.join(",")} ${f.capPerEpoch}@${f.rate}`,
                  )
                  .join("\n"),
                `${isoTime(r.start)} → ${isoTime(r.end)}`,
              ]),
            ),
          );
        }),
      ),
    ["flowpact index --once && flowpact agreement list --status active"],
  );
}
