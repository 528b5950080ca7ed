import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type CliResult, createCliRunner } from "./cli/runCli";

/**
 * `flowpact credit limit` and `credit transfer` refuse amounts the ledger would refuse
 * (`CreditLedgerAmountTooLarge` above type(int128).max) before touching the chain: exit 2 and
 * one line. No node is needed: the CLI runs as its own process against an address where nothing
 * listens, and an amount it accepts is shown by the next check failing instead (no signing key).
 */
describe("flowpact credit: amounts the ledger accepts (separate process, no chain)", function () {
  this.timeout(60_000);

  const MAX = 2n ** 127n - 1n;
  const A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
  let work: string;
  let cli: ReturnType<typeof createCliRunner>;

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), "flowpact-cli-credit-"));
    cli = createCliRunner({
      cwd: work,
      env: {
        FLOWPACT_RPC_URL: "http://127.0.0.1:9",
        FLOWPACT_DEPLOYMENTS_DIR: path.join(work, "deployments"),
      },
    });
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const expectOneLine = (result: CliResult, message: RegExp) => {
    const lines = result.stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines, result.stderr).to.have.length(1);
    expect(lines[0]).to.match(message);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stdout).to.equal("");
  };

  it("refuses a limit or transfer above 2^127 - 1 with exit 2 and one line", async () => {
    const tooLarge =
      /is more than the ledger allows: at most 170141183460469231731687303715884105727 \(2\^127 - 1\) credits$/;
    const cases: [string[], RegExp][] = [
      [["credit", "limit", A, String(MAX + 1n)], /argument 'limit'\. /],
      [["credit", "limit", A, String(2n ** 256n - 1n)], /argument 'limit'\. /],
      [["credit", "transfer", A, String(MAX + 1n)], /argument 'amount'\. /],
      [["credit", "transfer", A, String(2n ** 255n - 1n)], /argument 'amount'\. /],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, result] of results.entries()) {
      expectOneLine(result, cases[i][1]);
      expectOneLine(result, tooLarge);
    }
  });

  it("accepts 2^127 - 1, 1 and a 0 limit (the next check, the signing key, is what fails)", async () => {
    const cases = [
      ["credit", "limit", A, String(MAX)],
      ["credit", "limit", A, "0"],
      ["credit", "transfer", A, String(MAX)],
      ["credit", "transfer", A, "1"],
    ];
    const results = await Promise.all(cases.map((args) => cli(args)));
    for (const result of results) expectOneLine(result, /^error: no signing key: set FLOWPACT_PRIVATE_KEY/);
  });
});
