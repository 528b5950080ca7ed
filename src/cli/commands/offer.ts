import type { Command } from "commander";
import type { Address } from "viem";
import { offerBookAbi } from "../../abi/contracts";
import type { FlowPactClient } from "../../chain/clients";
import type { OfferTerms } from "../../chain/types";
import { chain, examples, withContext } from "../action";
import { emit, isoTime, table } from "../output";
import {
  parseAddress,
  parseId,
  parseIndustryList,
  parseSegmentList,
  parseTime,
  parseUintOf,
  resolveTime,
  type TimeSpec,
} from "../parse";

interface TermsOptions {
  supply?: bigint;
  capacity?: bigint;
  minRate?: bigint;
  demand?: bigint;
  volume?: bigint;
  maxRate?: bigint;
  exclude?: bigint;
  expires?: TimeSpec;
}

/** The ABI components of an offer's terms (`OfferBook.postOffer`'s one argument). */
const TERMS_COMPONENTS = (() => {
  const post = offerBookAbi.find((item) => item.type === "function" && item.name === "postOffer");
  const terms = post && "inputs" in post ? post.inputs[0] : undefined;
  if (!terms || !("components" in terms)) throw new Error("OfferBook.postOffer has no terms tuple");
  return terms.components;
})();

/** A parser sized to an offer term's ABI type (capacities uint64, rates uint128). */
const termParser = (name: string) => {
  const component = TERMS_COMPONENTS.find((c) => c.name === name);
  if (!component) throw new Error(`OfferBook terms have no ${name}`);
  return parseUintOf(component.type);
};

function termsOptions(command: Command, forUpdate: boolean): Command {
  const keep = forUpdate ? " (default: unchanged)" : "";
  return command
    .option("--supply <segments>", `segments you can send, names or bit numbers${keep}`, parseSegmentList)
    .option(
      "--capacity <referrals>",
      `referrals you can send per epoch${keep}`,
      termParser("capacityPerEpoch"),
    )
    .option("--min-rate <credits>", `least credits per referral you accept${keep}`, termParser("minRate"))
    .option("--demand <segments>", `segments you want to receive${keep}`, parseSegmentList)
    .option("--volume <referrals>", `referrals you want per epoch${keep}`, termParser("volumePerEpoch"))
    .option("--max-rate <credits>", `most credits per referral you pay${keep}`, termParser("maxRate"))
    .option(
      "--exclude <industries>",
      `industries you refuse to work with (competitors), by name${keep}`,
      parseIndustryList,
    )
    .option(
      "--expires <time>",
      `when the offer lapses: +<duration> from the chain's latest block, a unix time or an ISO date${forUpdate ? keep : " (default +30d)"}`,
      parseTime,
    );
}

const chainNow = async (client: FlowPactClient) => (await client.publicClient.getBlock()).timestamp;

function mergeTerms(base: OfferTerms, o: TermsOptions, now: bigint): OfferTerms {
  return {
    supplySegments: o.supply ?? base.supplySegments,
    capacityPerEpoch: o.capacity ?? base.capacityPerEpoch,
    minRate: o.minRate ?? base.minRate,
    demandSegments: o.demand ?? base.demandSegments,
    volumePerEpoch: o.volume ?? base.volumePerEpoch,
    maxRate: o.maxRate ?? base.maxRate,
    excludedIndustries: o.exclude ?? base.excludedIndustries,
    expiry: o.expires ? resolveTime(o.expires, now) : base.expiry,
  };
}

const EMPTY_TERMS: OfferTerms = {
  supplySegments: 0n,
  capacityPerEpoch: 0n,
  minRate: 0n,
  demandSegments: 0n,
  volumePerEpoch: 0n,
  maxRate: 0n,
  excludedIndustries: 0n,
  expiry: 0n,
};

export function registerOfferCommands(program: Command): void {
  const offer = program
    .command("offer")
    .description("publish what audience you can send (supply) and what you want (demand)");

  examples(
    termsOptions(
      offer.command("post").description("publish a new offer (supply, demand or both)"),
      false,
    ).action(
      withContext(async (ctx, options: TermsOptions) => {
        const client = await ctx.client({ signer: true });
        const now = await chainNow(client);
        const terms = mergeTerms({ ...EMPTY_TERMS, expiry: now + 30n * 86_400n }, options, now);
        const tx = await chain().postOffer(client, { terms });
        emit(
          ctx.json,
          { ...tx, terms },
          () => `offer ${tx.offerId} posted, expires ${isoTime(terms.expiry)} (tx ${tx.hash})`,
        );
      }),
    ),
    [
      "flowpact offer post --supply families,students --capacity 500 --min-rate 2 --exclude banking --expires +30d",
      "flowpact offer post --demand high-income --volume 200 --max-rate 5",
    ],
  );

  examples(
    termsOptions(
      offer
        .command("update")
        .description("change terms of one of your offers (options not given keep their value)")
        .argument("<offerId>", "the offer", parseId),
      true,
    ).action(
      withContext(async (ctx, offerId: bigint, options: TermsOptions) => {
        const client = await ctx.client({ signer: true });
        const [current, now] = await Promise.all([chain().getOffer(client, { offerId }), chainNow(client)]);
        const terms = mergeTerms(current.terms, options, now);
        const tx = await chain().updateOffer(client, { offerId, terms });
        emit(ctx.json, { offerId, ...tx, terms }, () => `offer ${offerId} updated (tx ${tx.hash})`);
      }),
    ),
    ["flowpact offer update 3 --capacity 800 --expires +60d"],
  );

  examples(
    offer
      .command("withdraw")
      .description("withdraw one of your offers")
      .argument("<offerId>", "the offer", parseId)
      .action(
        withContext(async (ctx, offerId: bigint) => {
          const client = await ctx.client({ signer: true });
          const tx = await chain().withdrawOffer(client, { offerId });
          emit(ctx.json, { offerId, ...tx }, () => `offer ${offerId} withdrawn (tx ${tx.hash})`);
        }),
      ),
    ["flowpact offer withdraw 3"],
  );

  examples(
    offer
      .command("list")
      .description("offers as indexed in the store: run `flowpact index --once` first for fresh data")
      .option("--owner <address>", "only this member's offers", parseAddress)
      .option("--all", "include withdrawn offers")
      .action(
        withContext(async (ctx, options: { owner?: Address; all?: boolean }) => {
          const rows = await chain().listOffers(await ctx.indexedStore(), {
            owner: options.owner,
            includeWithdrawn: options.all,
          });
          emit(ctx.json, rows, () =>
            table(
              [
                "id",
                "owner",
                "supply",
                "capacity",
                "min rate",
                "demand",
                "volume",
                "max rate",
                "excludes",
                "expires",
                "state",
              ],
              rows.map((r) => [
                r.offerId,
                r.owner,
                r.supplySegments.join(", "),
                r.capacityPerEpoch,
                r.minRate,
                r.demandSegments.join(", "),
                r.volumePerEpoch,
                r.maxRate,
                r.excludedIndustries.join(", "),
                isoTime(r.expiry),
                r.withdrawn ? "withdrawn" : "open",
              ]),
            ),
          );
        }),
      ),
    ["flowpact index --once && flowpact offer list --owner 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"],
  );
}
