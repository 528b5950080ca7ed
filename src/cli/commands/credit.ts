import type { Command } from "commander";
import type { Address } from "viem";
import { chain, examples, withContext } from "../action";
import { details, emit } from "../output";
import { parseAddress, parseCredits, parsePositiveCredits } from "../parse";

const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

export function registerCreditCommands(program: Command): void {
  const credit = program
    .command("credit")
    .description("mutual-credit balances: see a balance, pay any member, set credit limits");

  examples(
    credit
      .command("balance")
      .description("a member's balance, credit limit, available credit and arrears, read from the chain now")
      .argument("[address]", "the member (default: your own account)", parseAddress)
      .action(
        withContext(async (ctx, address: Address | undefined) => {
          const member = address ?? (await ctx.account()).address;
          const account = await chain().getCreditAccount(await ctx.client(), { member });
          emit(ctx.json, account, () =>
            details([
              ["member", account.member],
              ["balance", account.balance],
              ["credit limit", account.creditLimit],
              ["available", account.available],
              ["arrears", account.arrears],
            ]),
          );
        }),
      ),
    [`flowpact credit balance ${A}`, "flowpact credit balance --json    # your own account"],
  );

  examples(
    credit
      .command("transfer")
      .description("pay credits to any member, within your balance plus your credit limit")
      .argument("<to>", "the member to pay", parseAddress)
      .argument("<amount>", "whole credits, from 1 to 2^127 - 1", parsePositiveCredits)
      .action(
        withContext(async (ctx, to: Address, amount: bigint) => {
          const tx = await chain().transferCredits(await ctx.client({ signer: true }), { to, amount });
          emit(ctx.json, { to, amount, ...tx }, () => `${amount} credits paid to ${to} (tx ${tx.hash})`);
        }),
      ),
    [`flowpact credit transfer ${A} 250`],
  );

  examples(
    credit
      .command("limit")
      .description("set how far below zero a member's balance may go (governor role)")
      .argument("<member>", "the member", parseAddress)
      .argument("<limit>", "whole credits, from 0 to 2^127 - 1", parseCredits)
      .action(
        withContext(async (ctx, member: Address, limit: bigint) => {
          const tx = await chain().setCreditLimit(await ctx.client({ signer: true }), { member, limit });
          emit(
            ctx.json,
            { member, limit, ...tx },
            () => `credit limit of ${member} set to ${limit} (tx ${tx.hash})`,
          );
        }),
      ),
    [`flowpact credit limit ${A} 10000`],
  );
}
