import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";
import { type CliResult, createCliRunner, jsonOf } from "./cli/runCli";

const usage = (result: CliResult, pattern: RegExp) => {
  expect(result.code, result.stderr).to.equal(2);
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).to.have.length(1);
  expect(lines[0]).to.match(pattern);
  expect(result.stderr).not.to.match(/unexpected failure/);
};

/**
 * Values past their ABI field, malformed keystores and ports are usage errors (exit 2, one line);
 * an offer that expires at 2^64−1 is mined and reported, never "unexpected failure"; credentials
 * in URLs and private keys never appear in a message.
 */
describe("flowpact CLI: values at and past their field's range", function () {
  this.timeout(240_000);
  let node: LocalNode;
  let work: string;
  let cli: ReturnType<typeof createCliRunner>;
  const [governorKey, memberKey] = DEV_KEYS;
  const as = (key: Hex) => ({ FLOWPACT_PRIVATE_KEY: key });
  const offer = (extra: string[]) => ["offer", "post", "--supply", "1", "--capacity", "5", ...extra];

  before(async () => {
    node = await startHardhatNode();
    work = mkdtempSync(path.join(tmpdir(), "flowpact-cli-bounds-"));
    cli = createCliRunner({
      cwd: work,
      env: {
        FLOWPACT_RPC_URL: node.rpcUrl,
        FLOWPACT_DEPLOYMENTS_DIR: path.join(work, "deployments"),
        FLOWPACT_DATA_DIR: path.join(work, "data"),
      },
    });
    jsonOf(await cli(["deploy", "--json"], as(governorKey)), "deploy");
    const member = jsonOf<{ address?: string }>(
      await cli(
        [
          "member",
          "apply",
          "--industry",
          "banking",
          "--segments",
          "1",
          "--uri",
          "https://m.example",
          "--json",
        ],
        as(memberKey),
      ),
      "apply",
    );
    void member;
    const { privateKeyToAccount } = await import("viem/accounts");
    jsonOf(
      await cli(["member", "admit", privateKeyToAccount(memberKey).address, "--json"], as(governorKey)),
      "admit",
    );
  });
  after(async () => {
    await node?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("refuses a capacity of 2^64 (uint64) with exit 2 and one line", async () => {
    usage(
      await cli(["offer", "post", "--supply", "1", "--capacity", (2n ** 64n).toString()], as(memberKey)),
      /capacity.*uint64/,
    );
  });

  it("refuses a min rate of 2^128 (uint128) with exit 2 and one line", async () => {
    usage(await cli(offer(["--min-rate", (2n ** 128n).toString()]), as(memberKey)), /min-rate.*uint128/);
  });

  it("refuses an expiry of 2^64 with exit 2 and one line", async () => {
    usage(await cli(offer(["--expires", (2n ** 64n).toString()]), as(memberKey)), /expires.*uint64/);
  });

  it("refuses `node --port 70000` with exit 2 and one line", async () => {
    usage(await cli(["node", "--landing", "https://m.example/", "--port", "70000"], as(memberKey)), /port/);
  });

  it("refuses a malformed keystore with exit 2 and one line", async () => {
    const file = path.join(work, "broken-keystore.json");
    writeFileSync(file, "{ this is not json");
    usage(
      await cli(["credit", "balance", "--keystore", file], { FLOWPACT_KEYSTORE_PASSWORD: "x" }),
      /keystore/i,
    );
  });

  it("posts an offer expiring at 2^64−1 and reports the transaction, the expiry as never", async () => {
    const result = await cli(offer(["--expires", (2n ** 64n - 1n).toString()]), as(memberKey));
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.match(/offer \d+ posted, expires never \(tx 0x[0-9a-f]{64}\)/);
  });

  it("never prints an RPC URL's password or a private key in an error", async () => {
    const result = await cli(["credit", "balance"], {
      ...as(memberKey),
      FLOWPACT_RPC_URL: "http://flowpact:hunter2secret@127.0.0.1:9/",
    });
    expect(result.code).to.equal(1);
    expect(result.stderr + result.stdout).not.to.include("hunter2secret");
    expect(result.stderr + result.stdout).not.to.include(memberKey.slice(2));
  });
});
