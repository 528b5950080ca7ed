/**
 * A member node process for tests and benchmarks that need a real separate process (SIGKILL,
 * several processes): two tenants, a referrer and a recipient of agreement 1 flow 0, with fixed
 * in-memory agreement and registry directories and a PGlite store in the directory given as
 * argv[2]. Prints `READY <referrerUrl> <recipientUrl>` when both serve.
 *
 *   node --require tsx/cjs test/service/member/processes/static-node.ts <dataDir>
 */
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createStaticAgreementDirectory } from "../../../../src/member/agreements";
import { createStaticMemberRegistry } from "../../../../src/member/members";
import { startMemberNodes } from "../../../../src/member/node";

export const STATIC_REFERRER = "0x00000000000000000000000000000000000a11ce" as Address;
export const STATIC_RECIPIENT = "0x0000000000000000000000000000000000000b0b" as Address;
export const STATIC_AGREEMENT = 1n;
const REFERRER_KEY = `0x${"11".repeat(32)}` as Hex;
const RECIPIENT_KEY = `0x${"22".repeat(32)}` as Hex;
/** Fixed so that every process (and a restart) agrees on the schedule. */
export const STATIC_START = 1_700_000_000n;

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const referrer = privateKeyToAccount(REFERRER_KEY);
  const recipient = privateKeyToAccount(RECIPIENT_KEY);
  const running = await startMemberNodes(
    {
      chainId: 31337,
      contracts: {
        AgreementBook: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        Consortium: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      },
      agreements: createStaticAgreementDirectory([
        {
          agreementId: STATIC_AGREEMENT,
          status: "Active",
          parties: [STATIC_REFERRER, STATIC_RECIPIENT],
          flows: [
            { from: STATIC_REFERRER, to: STATIC_RECIPIENT, segments: 3n, capPerEpoch: 10n ** 9n, rate: 5n },
          ],
          start: STATIC_START,
          end: STATIC_START + 10n ** 9n,
          epochLength: 10n ** 9n,
          settleableEpochs: 1n,
        },
      ]),
      members: createStaticMemberRegistry({
        signers: { [STATIC_REFERRER]: referrer.address, [STATIC_RECIPIENT]: recipient.address },
      }),
      dataDir,
      logStream: false,
      rateLimit: Number.MAX_SAFE_INTEGER,
    },
    [
      { member: STATIC_REFERRER, account: referrer, landingUrl: "https://recipient.example/" },
      { member: STATIC_RECIPIENT, account: recipient, landingUrl: "https://referrer.example/" },
    ],
  );
  process.stdout.write(`READY ${running.nodes[0].url} ${running.nodes[1].url}\n`);
  process.once("SIGTERM", () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
