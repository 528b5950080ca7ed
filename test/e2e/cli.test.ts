import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { getAgreement } from "../../src/chain/actions/getAgreement";
import { getCreditAccount } from "../../src/chain/actions/getCreditAccount";
import { getMember } from "../../src/chain/actions/getMember";
import { getOffer } from "../../src/chain/actions/getOffer";
import { connectFlowPact, type FlowPactClient } from "../../src/chain/clients";
import { readDeployment } from "../../src/chain/deployments";
import { createStore } from "../../src/store/store";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";
import { type CliResult, createCliRunner, jsonOf, runCliWithClosedStdout } from "./cli/runCli";

/**
 * The `flowpact` CLI end to end: a real `hardhat node`, the CLI run as a separate process for
 * every command (deploy, a member's whole lifecycle, an offer, a 3-party cycle agreement accepted
 * by every party, credit limit and transfer, indexing), chain state checked with viem and the
 * store checked after `flowpact index --once`; then every error path with its message and exit
 * code.
 */
describe("flowpact CLI (separate process, real Hardhat node)", function () {
  this.timeout(240_000);

  let node: LocalNode;
  let work: string;
  let cli: ReturnType<typeof createCliRunner>;
  let chain: FlowPactClient;
  const [governorKey, aKey, bKey, cKey, dKey] = DEV_KEYS;
  const [A, B, C, D] = [aKey, bKey, cKey, dKey].map((k) => privateKeyToAccount(k).address);
  const as = (key: Hex) => ({ FLOWPACT_PRIVATE_KEY: key });
  const deploymentsDir = () => path.join(work, "deployments");
  const dataDir = () => path.join(work, "data");

  before(async () => {
    node = await startHardhatNode();
    work = mkdtempSync(path.join(tmpdir(), "flowpact-cli-"));
    cli = createCliRunner({
      cwd: work,
      env: {
        FLOWPACT_RPC_URL: node.rpcUrl,
        FLOWPACT_DEPLOYMENTS_DIR: deploymentsDir(),
        FLOWPACT_DATA_DIR: dataDir(),
      },
    });
  });
  after(async () => {
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("deploys with `flowpact deploy` and writes deployments/<chainId>.json", async () => {
    const out = jsonOf<{ chainId: number; file: string; contracts: Record<string, string> }>(
      await cli(["deploy", "--json"], as(governorKey)),
      "deploy",
    );
    expect(out.chainId).to.equal(31337);
    expect(out.file).to.equal(path.join(deploymentsDir(), "31337.json"));
    const deployment = readDeployment(deploymentsDir(), 31337);
    chain = await connectFlowPact({ rpcUrl: node.rpcUrl, chainId: 31337, deploymentsDir: deploymentsDir() });
    for (const address of Object.values(deployment.contracts))
      expect(await chain.publicClient.getCode({ address })).to.match(/^0x[0-9a-f]{10,}/);
  });

  it("takes a member through apply, admit, suspend, reinstate and exit", async () => {
    const profiles: [Hex, string, string][] = [
      [aKey, "banking", "families,students"],
      [bKey, "ecommerce", "online-shoppers,bargain-hunters"],
      [cKey, "travel", "frequent-travelers"],
      [dKey, "7", "0,3"], // codes and bit numbers work too
    ];
    for (const [key, industry, segments] of profiles) {
      const apply = await cli(
        [
          "member",
          "apply",
          "--industry",
          industry,
          "--segments",
          segments,
          "--uri",
          "https://m.example/p.json",
        ],
        as(key),
      );
      expect(apply.code, apply.stderr).to.equal(0);
      expect(apply.stdout).to.match(/^applied as 0x[0-9a-fA-F]{40}; a governor must now admit you/);
      const member = privateKeyToAccount(key).address;
      expect((await getMember(chain, { member })).status).to.equal("applied");
      const admit = await cli(["member", "admit", member], as(governorKey));
      expect(admit.stdout, admit.stderr).to.contain(`${member} admitted`);
    }
    const a = await getMember(chain, { member: A });
    expect(a.status).to.equal("admitted");
    expect(a.profile?.industry).to.equal(1);
    expect(a.profile?.segments).to.equal((1n << 1n) | (1n << 2n)); // families, students
    expect((await getMember(chain, { member: D })).profile?.segments).to.equal(0b1001n);

    expect(
      (await cli(["member", "suspend", D, "--reason", "late settlement"], as(governorKey))).code,
    ).to.equal(0);
    expect((await getMember(chain, { member: D })).status).to.equal("suspended");
    expect((await cli(["member", "reinstate", D], as(governorKey))).code).to.equal(0);
    expect((await getMember(chain, { member: D })).status).to.equal("admitted");
    expect((await cli(["member", "exit"], as(dKey))).code).to.equal(0);

    const shown = jsonOf<{ status: string; industry: string; segments: string[] }>(
      await cli(["member", "show", D, "--json"]),
      "member show",
    );
    expect(shown).to.include({ status: "exited", industry: "travel" });
    expect(shown.segments).to.deep.equal(["young-adults", "retirees"]);
  });

  it("posts, updates and withdraws an offer", async () => {
    const posted = jsonOf<{ offerId: string }>(
      await cli(
        [
          "offer",
          "post",
          "--json",
          "--supply",
          "families,students",
          "--capacity",
          "500",
          "--min-rate",
          "2",
          "--demand",
          "online-shoppers",
          "--volume",
          "100",
          "--max-rate",
          "4",
          "--exclude",
          "insurance,gaming",
          "--expires",
          "+30d",
        ],
        as(aKey),
      ),
      "offer post",
    );
    const offerId = BigInt(posted.offerId);
    let offer = await getOffer(chain, { offerId });
    expect(offer.owner).to.equal(A);
    expect(offer.terms).to.include({
      capacityPerEpoch: 500n,
      minRate: 2n,
      volumePerEpoch: 100n,
      maxRate: 4n,
    });
    expect(offer.terms.excludedIndustries).to.equal((1n << 2n) | (1n << 9n));

    const updated = await cli(["offer", "update", String(offerId), "--capacity", "800"], as(aKey));
    expect(updated.stdout, updated.stderr).to.contain(`offer ${offerId} updated`);
    offer = await getOffer(chain, { offerId });
    expect(offer.terms).to.include({ capacityPerEpoch: 800n, minRate: 2n }); // the rest kept
    expect(offer.live).to.equal(true);

    expect((await cli(["offer", "withdraw", String(offerId)], as(aKey))).code).to.equal(0);
    // A withdrawn offer is deleted on chain (the store keeps it, flagged: checked below).
    const gone = await getOffer(chain, { offerId }).catch((error: { errorName?: string }) => error);
    expect(gone).to.have.property("errorName", "OfferBookUnknownOffer");
  });

  let agreementId: bigint;
  it("proposes a 3-party cycle A→B→C→A that every party accepts", async () => {
    const proposed = jsonOf<{ agreementId: string }>(
      await cli(
        [
          "agreement",
          "propose",
          "--json",
          "--party",
          A,
          "--party",
          B,
          "--party",
          C,
          "--flow",
          `${A}:${B}:families:500:2`,
          "--flow",
          `${B}:${C}:online-shoppers,bargain-hunters:300:3`,
          "--flow",
          `${C}:${A}:frequent-travelers:200:4`,
          "--epoch-length",
          "1d",
          "--epochs",
          "30",
          "--accept-within",
          "2d",
        ],
        as(aKey),
      ),
      "agreement propose",
    );
    agreementId = BigInt(proposed.agreementId);
    expect((await getAgreement(chain, { agreementId })).status).to.equal("proposed");
    for (const key of [aKey, bKey, cKey]) {
      const accepted = await cli(["agreement", "accept", String(agreementId)], as(key));
      expect(accepted.stdout, accepted.stderr).to.contain(`agreement ${agreementId} accepted`);
    }
    const agreement = await getAgreement(chain, { agreementId });
    expect(agreement.status).to.equal("active");
    expect(agreement.acceptedBy).to.deep.equal([A, B, C]);
    expect(agreement.flows.map((f) => [f.from, f.to, f.capPerEpoch, f.rate])).to.deep.equal([
      [A, B, 500n, 2n],
      [B, C, 300n, 3n],
      [C, A, 200n, 4n],
    ]);
    expect(agreement.schedule.end - agreement.schedule.start).to.equal(30n * 86_400n);

    const shown = await cli(["agreement", "show", String(agreementId)]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.contain("active").and.to.contain("frequent-travelers");
  });

  it("sets a credit limit and transfers credits", async () => {
    expect((await cli(["credit", "limit", A, "1000"], as(governorKey))).code).to.equal(0);
    const paid = await cli(["credit", "transfer", B, "250"], as(aKey));
    expect(paid.stdout, paid.stderr).to.contain(`250 credits paid to ${B}`);
    const a = await getCreditAccount(chain, { member: A });
    expect(a).to.include({ balance: -250n, creditLimit: 1000n, available: 750n });
    const b = jsonOf<{ balance: string; creditLimit: string }>(
      await cli(["credit", "balance", B, "--json"]),
      "credit balance",
    );
    expect(b).to.include({ balance: "250", creditLimit: "0" });
  });

  it("indexes with `flowpact index --once`; the store and the list commands show the same state", async () => {
    const indexed = jsonOf<{ indexedBlock: string; head: string }>(
      await cli(["index", "--once", "--json"]),
      "index",
    );
    expect(indexed.indexedBlock).to.equal(indexed.head);
    expect(existsSync(path.join(dataDir(), "db"))).to.equal(true);

    const store = await createStore({ dataDir: dataDir() });
    try {
      const q = <T>(sql: string) => store.driver.query<T>(sql);
      const members = await q<{ address: string; status: string }>(
        "SELECT address, status FROM members ORDER BY address",
      );
      expect(Object.fromEntries(members.map((m) => [m.address, m.status]))).to.deep.equal({
        [A.toLowerCase()]: "admitted",
        [B.toLowerCase()]: "admitted",
        [C.toLowerCase()]: "admitted",
        [D.toLowerCase()]: "exited",
      });
      const [offer] = await q<{ capacity_per_epoch: bigint; withdrawn: boolean }>("SELECT * FROM offers");
      expect(offer).to.include({ capacity_per_epoch: 800n, withdrawn: true });
      const [agreement] = await q<{ status: string; accepted_by: string[] }>("SELECT * FROM agreements");
      expect(agreement.status).to.equal("active");
      expect(agreement.accepted_by).to.have.length(3);
      expect(await q("SELECT * FROM flows")).to.have.length(3);
      const balances = await q<{ member: string; balance: bigint }>(
        "SELECT member, balance FROM balances WHERE balance <> 0",
      );
      expect(Object.fromEntries(balances.map((r) => [r.member, r.balance]))).to.deep.equal({
        [A.toLowerCase()]: -250n,
        [B.toLowerCase()]: 250n,
      });
    } finally {
      await store.close();
    }

    const members = jsonOf<{ address: string }[]>(
      await cli(["member", "list", "--status", "admitted", "--json"]),
      "member list",
    );
    expect(members.map((m) => m.address)).to.have.members([A, B, C]);
    const agreements = jsonOf<{ agreementId: string; status: string; acceptedBy: string[] }[]>(
      await cli(["agreement", "list", "--party", C, "--json"]),
      "agreement list",
    );
    expect(agreements).to.have.length(1);
    expect(agreements[0]).to.include({ agreementId: String(agreementId), status: "active" });
    const offers = await cli(["offer", "list", "--all"]);
    expect(offers.stdout, offers.stderr).to.contain("withdrawn").and.to.contain("families, students");
  });

  it("audits the chain with `flowpact audit` (verdict from the chain alone)", async () => {
    const audit = jsonOf<{ report: { verdict: string; chainId: number } }>(
      await cli(["audit", "--json"]),
      "audit",
    );
    expect(audit.report).to.include({ verdict: "ok", chainId: 31337 });
  });

  describe("error paths: one line on stderr, exit 2 for bad input, 1 for a revert", () => {
    /** One non-empty stderr line, no stack trace, the expected exit code and message. */
    const expectFailure = (result: CliResult, code: number, message: RegExp) => {
      const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(message);
      expect(result.stderr).to.not.match(/\n\s+at /);
      expect(result.code, result.stderr).to.equal(code);
      expect(result.stdout).to.equal("");
    };

    it("refuses bad input before touching the chain (exit 2)", async () => {
      const cases: [string[], Record<string, string>, RegExp][] = [
        [
          ["credit", "transfer", "0x1234", "5"],
          as(aKey),
          /argument 'to'\. not an address: expected 0x followed by 40 hex digits$/,
        ],
        [
          ["member", "admit", "0x70997970c51812dc3a010c7d01b50e0d17dc79C8"],
          as(governorKey),
          /address checksum is wrong/,
        ],
        [["credit", "transfer", B, "-5"], as(aKey), /argument 'amount'\. must not be negative/],
        [["credit", "limit", A, "1.5"], as(governorKey), /argument 'limit'\. must be a whole number/],
        [
          ["offer", "post", "--supply", "martians", "--capacity", "1", "--min-rate", "1"],
          as(aKey),
          /unknown segment "martians"/,
        ],
        [
          ["member", "apply", "--industry", "piracy", "--segments", "families", "--uri", "https://x.example"],
          as(aKey),
          /unknown industry "piracy": use one of banking/,
        ],
        [["credit", "transfer", B, "5"], {}, /^error: no signing key: set FLOWPACT_PRIVATE_KEY/],
        // Disputes are decided by the contract's answer window now: no deadline of the auditor's own.
        [["audit", "--answer-deadline", "7d"], as(aKey), /^error: unknown option '--answer-deadline'/],
        [
          ["credit", "transfer", B, "5"],
          as("0x1234" as Hex),
          /^error: FLOWPACT_PRIVATE_KEY must be 0x followed by 64 hex digits$/,
        ],
      ];
      const results = await Promise.all(cases.map(([args, env]) => cli(args, env)));
      for (const [i, result] of results.entries()) expectFailure(result, 2, cases[i][2]);
    });

    it("prints a revert as the decoded custom error (exit 1)", async () => {
      const [again, broke] = await Promise.all([
        cli(["member", "admit", A], as(governorKey)),
        cli(["credit", "transfer", C, "5000"], as(bKey)),
      ]);
      expectFailure(
        again,
        1,
        new RegExp(
          `^error: Consortium: invalid member transition \\(member ${A}, current Admitted, next Admitted\\) \\[Consortium\\.admit\\]$`,
        ),
      );
      expectFailure(broke, 1, /^error: CreditLedger: insufficient credit \(.*\) \[CreditLedger\.transfer\]$/);
      expect((await getCreditAccount(chain, { member: B })).balance).to.equal(250n);
    });

    it("says how to point at an existing deployment when none is found (exit 2: configuration)", async () => {
      const elsewhere = mkdtempSync(path.join(tmpdir(), "flowpact-no-deployment-"));
      try {
        const result = await cli(["credit", "balance", A], { FLOWPACT_DEPLOYMENTS_DIR: elsewhere });
        expectFailure(
          result,
          2,
          new RegExp(
            `^error: no FlowPact deployment for chain 31337 in ${elsewhere}: point FLOWPACT_DEPLOYMENTS_DIR or --deployments at the directory that holds 31337\\.json \\(for an \`npm start\` demo: set FLOWPACT_DEMO_DIR to its data directory\\), or deploy a new copy with \`flowpact deploy\`$`,
          ),
        );
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    });

    it("exits quietly when its reader goes away (`flowpact offer list | head`)", async () => {
      const base = {
        cwd: work,
        env: {
          FLOWPACT_RPC_URL: node.rpcUrl,
          FLOWPACT_DEPLOYMENTS_DIR: deploymentsDir(),
          FLOWPACT_DATA_DIR: dataDir(),
        },
      };
      for (const args of [
        ["offer", "list", "--all"],
        ["offer", "list", "--help"],
      ]) {
        const result = await runCliWithClosedStdout(base, args);
        expect(result.stderr, args.join(" ")).to.not.match(/EPIPE|\n\s+at /);
        expect(result.code, `${args.join(" ")}: ${result.stderr}`).to.equal(0);
      }
    });

    it("says how far behind the chain the store is when a list reads it", async () => {
      await node.rpc("evm_mine");
      const result = await cli(["agreement", "list", "--status", "proposed"]);
      expect(result.code, result.stderr).to.equal(0);
      const behind = result.stderr.match(
        /^note: the store is indexed to block (\d+), the chain is at block (\d+): run `flowpact index --once` to bring it up to date$/m,
      );
      expect(behind, result.stderr).to.not.equal(null);
      expect(Number(behind?.[2])).to.equal(Number(behind?.[1]) + 1);
    });

    it("shows help with examples on every command", async () => {
      const help = await cli(["agreement", "propose", "--help"]);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.contain("Usage: flowpact agreement propose").and.to.contain("Examples:");
    });
  });
});
