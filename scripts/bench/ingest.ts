/**
 * `npm run bench:ingest`: how fast a member node acknowledges tracking-link clicks with durable
 * receipts, compared with a bare fastify hello-world on the same machine in the same run.
 *
 * Each server runs in its own child process (so the load generator does not share its event
 * loop); autocannon drives it over loopback. The redirect server is a real member node: signed
 * token per click, rate limiter, group-commit journal on PGlite in a temporary directory; a 302
 * is sent only after the click's transaction committed. After the run every click id answered
 * (decoded from the token of each 302's Location) must be in the database: the bench exits
 * non-zero when one is missing, so "every answered redirect was committed first" is checked.
 *
 * Agreements, the registry and the recipient's session key certificate come from fixed in-memory
 * directories here (no chain and no peer in the hot path: a node caches all three, so its tokens
 * are MACed for the recipient, version 3); the tests run the same node against a real Hardhat
 * network and real peers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import fastify from "fastify";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createStaticAgreementDirectory } from "../../src/member/agreements";
import { createStaticMemberRegistry } from "../../src/member/members";
import { startMemberNode } from "../../src/member/node";
import { createPeerSessionKeys } from "../../src/member/peer-session-keys";
import { createSessionKey } from "../../src/member/session-key";
import { LANDING_TOKEN_PARAM } from "../../src/member/tracking-server";
import { decodeTrackingToken } from "../../src/member/tracking-token";
import { createStore } from "../../src/store/store";
import { writeBenchmarkSection } from "./report";

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 128);
const AGREEMENT = 1n;
const REFERRER = "0x00000000000000000000000000000000000a11ce" as Address;
const RECIPIENT = "0x0000000000000000000000000000000000000b0b" as Address;

async function serve(kind: string, dataDir: string): Promise<void> {
  let url: string;
  let close: () => Promise<void>;
  if (kind === "hello") {
    const app = fastify({ logger: false });
    app.get("/", async () => ({ hello: "world" }));
    url = `${await app.listen({ host: "127.0.0.1", port: 0 })}/`;
    close = () => app.close();
  } else {
    const account = privateKeyToAccount(generatePrivateKey());
    const recipient = privateKeyToAccount(generatePrivateKey());
    const now = BigInt(Math.floor(Date.now() / 1000));
    const domain = { chainId: 31337, agreementBook: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
    const members = createStaticMemberRegistry({
      signers: { [REFERRER]: account.address, [RECIPIENT]: recipient.address },
    });
    const recipientKey = await createSessionKey({
      account: recipient,
      member: RECIPIENT,
      domain,
      notAfter: now + 86_400n,
    });
    const node = await startMemberNode({
      chainId: 31337,
      contracts: {
        AgreementBook: domain.agreementBook,
        Consortium: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
      },
      agreements: createStaticAgreementDirectory([
        {
          agreementId: AGREEMENT,
          status: "Active",
          parties: [REFERRER, RECIPIENT],
          flows: [{ from: REFERRER, to: RECIPIENT, segments: 3n, capPerEpoch: 10n ** 9n, rate: 5n }],
          start: now - 60n,
          end: now + 86_400n,
          epochLength: 3_600n,
          settleableEpochs: 24n,
        },
      ]),
      members,
      peerKeys: createPeerSessionKeys({
        domain,
        members,
        now: () => BigInt(Math.floor(Date.now() / 1000)),
        fetchCertificate: async () => recipientKey.certificate,
      }),
      dataDir,
      member: REFERRER,
      account,
      landingUrl: "https://insurer.example/welcome",
      logStream: false,
      // One load generator is one source: keep the limiter in the path but never tripping.
      rateLimit: Number.MAX_SAFE_INTEGER,
    });
    url = `${node.url}/r/${AGREEMENT}/0`;
    close = async () => {
      await node.close();
      const { commits, records, largestCommit } = node.journal.stats;
      process.stdout.write(`${JSON.stringify({ commits, records, largestCommit })}\n`);
    };
  }
  process.stdout.write(`READY ${url}\n`);
  process.once("SIGTERM", () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

function startServer(
  kind: string,
  dataDir: string,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ["--require", "tsx/cjs", __filename, "--serve", kind, dataDir], {
    cwd: path.join(__dirname, "..", ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      const match = /READY (\S+)\n/.exec(output);
      if (match) resolve({ child, url: match[1], output: () => output });
    });
    child.once("exit", (code) => reject(new Error(`${kind} server exited with ${code} before it was ready`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** `Location` headers of the redirects answered, kept raw (decoded after the run, off the clock). */
type Answered = string[];

async function load(url: string, answered?: Answered): Promise<autocannon.Result> {
  const requests: autocannon.Request[] | undefined = answered
    ? [
        {
          method: "GET",
          onResponse: (status, _body, _context, headers) => {
            const location = headers?.location;
            if (status === 302) answered.push(typeof location === "string" ? location : "");
          },
        },
      ]
    : undefined;
  // A short warm-up (JIT, first commits) is not measured.
  await autocannon({ url, connections: CONNECTIONS, duration: 2, requests });
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests });
}

/** Click ids of answered redirects that are not in the store (should be none). */
function missingClicks(answered: Answered, stored: ReadonlySet<string>): string[] {
  const missing: string[] = [];
  for (const location of answered) {
    let clickId: string;
    try {
      clickId = decodeTrackingToken(new URL(location).searchParams.get(LANDING_TOKEN_PARAM)).clickId;
    } catch {
      clickId = `(no token in ${JSON.stringify(location)})`;
    }
    if (!stored.has(clickId)) missing.push(clickId);
  }
  return missing;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-bench-ingest-"));
  try {
    const hello = await startServer("hello", dataDir);
    const helloResult = await load(hello.url);
    await stopServer(hello.child);

    const redirect = await startServer("redirect", dataDir);
    const answered: Answered = [];
    const redirectResult = await load(redirect.url, answered);
    await stopServer(redirect.child);
    const stats = JSON.parse(redirect.output().trim().split("\n").at(-1) as string);

    const store = await createStore({ dataDir });
    const stored = await store.driver.query<{ click_id: string }>("SELECT click_id FROM member_clicks");
    await store.close();
    const clicks = stored.length;
    const missing = missingClicks(answered, new Set(stored.map((row) => row.click_id)));
    if (answered.length === 0 || missing.length > 0) {
      console.error(
        `ingest: ${missing.length} of ${answered.length} answered redirects have no click in the store (first: ${missing[0] ?? "none answered"})`,
      );
      process.exitCode = 1;
      return;
    }
    const redirected = redirectResult["3xx"];
    const helloRate = helloResult.requests.average;
    const redirectRate = redirectResult.requests.average;
    const ratio = redirectRate / helloRate;

    const rows = [
      [
        "hello-world (bare fastify)",
        helloRate,
        helloResult.latency.p50,
        helloResult.latency.p99,
        helloResult.errors,
      ],
      [
        "tracking redirect (durable)",
        redirectRate,
        redirectResult.latency.p50,
        redirectResult.latency.p99,
        redirectResult.errors,
      ],
    ];
    const markdown = [
      `Command: \`npm run bench:ingest\` — autocannon, ${CONNECTIONS} connections, ${DURATION_S} s each after a 2 s warm-up, loopback, each server in its own process.`,
      "",
      "| server | req/s (mean) | p50 ms | p99 ms | errors |",
      "|---|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${r.join(" | ")} |`),
      "",
      `Redirect/hello-world ratio: **${ratio.toFixed(2)}** (target ≥ 0.5).`,
      `Durability: ${redirected} redirects answered in the measured run; all ${answered.length} answered with warm-up found in the database by click id (${clicks} clicks stored).`,
      `Group commit: ${stats.records} receipts in ${stats.commits} transactions (largest ${stats.largestCommit}, mean ${(stats.records / stats.commits).toFixed(1)}).`,
    ].join("\n");
    console.log(markdown);
    writeBenchmarkSection("ingest", markdown);
    console.log(
      `ingest: ${Math.round(redirectRate)} redirects, hello-world ${Math.round(helloRate)}, ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--serve") {
  serve(process.argv[3], process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
