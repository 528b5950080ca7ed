import { expect } from "chai";
import hre from "hardhat";
import { type Address, createPublicClient, custom, type Hex, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { createChainMemberRegistry } from "../../../src/member/members";
import type { MemberNodes } from "../../../src/member/node";
import { signPeerRequest } from "../../../src/member/peer-auth";
import { createRateLimiter, type RateLimiter } from "../../../src/member/rate-limit";
import { devAccount } from "./chain";
import { type CycleNodes, startCycleNodes } from "./cycle-nodes";

/** secp256k1's group order: `n - s` is the other, high-s, signature of the same message. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The high-s twin of a 65-byte signature: same signer, same message, other bytes. */
function highS(signature: Hex): Hex {
  const r = signature.slice(2, 66);
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130), 16);
  return `0x${r}${(N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}`;
}

/** The same signature with v as a raw recovery bit (0/1) instead of 27/28. */
function rawV(signature: Hex): Hex {
  const v = Number.parseInt(signature.slice(130), 16);
  return `${signature.slice(0, 130)}0${v - 27}` as Hex;
}

/**
 * The member node's inbound defences against a hostile member or stranger: a rate limit on every
 * route (peer, audit-proof and report routes included), X-Forwarded-For believed only from a
 * configured proxy, IPv6 clients counted by /64, node-request replay keyed by signer and digest
 * with canonical signatures only, and a non-member's "unknown" answer cached so that repeating
 * requests cost no chain reads.
 */
describe("member node: inbound limits, canonical peer signatures, unknown signers (real Hardhat chain)", function () {
  this.timeout(180_000);
  let fx: CycleNodes;
  let running: MemberNodes;
  /** The limiter every route of every node goes through; a test swaps in a small one. */
  let limiter: RateLimiter = createRateLimiter({ max: 1e9 });
  /** eth_call requests the member registry sent. */
  let reads = 0;
  /** The member registry's clock in ms (its cache follows it). */
  let registryClock = 1_000_000;
  const BOB = 1;

  before(async () => {
    const counting = createPublicClient({
      chain: hardhat,
      transport: custom({
        request: (args: { method: string; params?: unknown[] }) => {
          if (args.method === "eth_call") reads++;
          return hre.network.provider.request(args);
        },
      }),
    }) as PublicClient;
    fx = await startCycleNodes({
      rates: [7n, 5n, 3n],
      epochLength: 3_600n,
      node: {
        rateLimit: { allow: (source, scope) => limiter.allow(source, scope) },
        trustProxy: ["10.0.0.0/8"],
      } as Parameters<typeof startCycleNodes>[0]["node"],
      registry: (consortium) =>
        createChainMemberRegistry({ publicClient: counting, consortium, now: () => registryClock }),
    });
    ({ running } = fx);
  });

  after(async () => {
    await fx?.close();
  });

  afterEach(() => {
    limiter = createRateLimiter({ max: 1e9 });
  });

  const bob = () => running.nodes[BOB].app;
  const cosignBody = (count = "0") =>
    JSON.stringify({
      agreementId: fx.agreementId.toString(),
      flow: "0",
      epoch: "0",
      count,
      root: `0x${"11".repeat(32)}`,
    });
  const cosign = (headers: Record<string, string>, body = cosignBody(), remoteAddress = "127.0.0.1") =>
    bob().inject({
      method: "POST",
      url: "/v1/peer/cosign",
      headers: { ...headers, "content-type": "application/json" },
      payload: body,
      remoteAddress,
    });
  const sign = (index: number, member: Address, body = cosignBody()) =>
    signPeerRequest({
      account: devAccount(index),
      member,
      domain: { chainId: hardhat.id, consortium: fx.contracts.Consortium },
      method: "POST",
      path: "/v1/peer/cosign",
      body,
      time: fx.clock,
    });

  it("refuses the high-s and the v = 0/1 twins of a peer request it has seen, and non-canonical signatures outright", async () => {
    const alice = fx.f.alice.address as Address;
    const headers = await sign(3, alice);
    // alice, as referrer, authenticated: the epoch is still open (425), which is past authentication.
    const first = await cosign(headers);
    expect(first.statusCode, first.body).to.equal(425);
    for (const twin of [
      highS(headers["x-flowpact-signature"] as Hex),
      rawV(headers["x-flowpact-signature"] as Hex),
    ]) {
      const replay = await cosign({ ...headers, "x-flowpact-signature": twin });
      expect(replay.statusCode, replay.body).to.equal(401);
    }
    // A fresh request whose signature is in non-canonical form is refused even on first use.
    const fresh = await sign(3, alice, cosignBody("1"));
    for (const variant of [
      highS(fresh["x-flowpact-signature"] as Hex),
      rawV(fresh["x-flowpact-signature"] as Hex),
    ]) {
      const refused = await cosign({ ...fresh, "x-flowpact-signature": variant }, cosignBody("1"));
      expect(refused.statusCode, refused.body).to.equal(401);
      expect(refused.json().message).to.contain("canonical");
    }
    // …and its canonical form still passes.
    expect((await cosign(fresh, cosignBody("1"))).statusCode).to.equal(425);
  });

  it("an unknown signer costs one chain read for many requests, however long they go on", async () => {
    const stranger = devAccount(9);
    reads = 0;
    for (let i = 0; i < 10; i++) {
      const body = cosignBody(String(100 + i));
      const res = await cosign(await sign(9, stranger.address, body), body);
      expect(res.statusCode, res.body).to.equal(401);
      // 15 s apart on the registry's clock: past the cache time of a member's answer.
      registryClock += 15_000;
    }
    expect(reads).to.equal(1);
  });

  it("rate-limits every route: tracking, arrivals, conversions, session key, peer, audit proofs, conversion report, health", async () => {
    limiter = createRateLimiter({ max: 2 });
    const routes: Array<{ method: "GET" | "POST"; url: string; payload?: string }> = [
      { method: "GET", url: "/healthz" },
      { method: "GET", url: "/v1/session-key" },
      { method: "GET", url: `/r/${fx.agreementId}/1` },
      { method: "POST", url: `/v1/agreements/${fx.agreementId}/flows/0/arrivals`, payload: "{}" },
      { method: "POST", url: "/v1/conversions", payload: "{}" },
      { method: "POST", url: "/v1/peer/cosign", payload: "{}" },
      { method: "POST", url: "/audit/proofs", payload: "{}" },
      { method: "GET", url: `/v1/reports/conversions?recipient=${fx.f.bob.address}` },
      { method: "GET", url: "/no-such-route" },
    ];
    for (const [i, route] of routes.entries()) {
      const statuses: number[] = [];
      for (let k = 0; k < 3; k++)
        statuses.push(
          (
            await bob().inject({
              ...route,
              headers: route.payload ? { "content-type": "application/json" } : {},
              remoteAddress: `198.51.100.${i + 1}`,
            })
          ).statusCode,
        );
      expect(statuses[2], `${route.method} ${route.url}: ${statuses}`).to.equal(429);
      expect(statuses.slice(0, 2), route.url).to.not.include(429);
    }
  });

  it("ignores X-Forwarded-For from an untrusted peer and honours it from the configured proxy", async () => {
    limiter = createRateLimiter({ max: 2 });
    const health = (remoteAddress: string, forwardedFor: string) =>
      bob()
        .inject({ url: "/healthz", remoteAddress, headers: { "x-forwarded-for": forwardedFor } })
        .then((r) => r.statusCode);
    const untrusted = [];
    for (let i = 0; i < 3; i++) untrusted.push(await health("203.0.113.50", `192.0.2.${i}`));
    expect(untrusted).to.deep.equal([200, 200, 429]);
    const proxied = [];
    for (let i = 0; i < 4; i++) proxied.push(await health("10.1.2.3", `192.0.2.${i}`));
    expect(proxied).to.deep.equal([200, 200, 200, 200]);
  });

  it("counts IPv6 clients by /64", async () => {
    limiter = createRateLimiter({ max: 2 });
    const health = (remoteAddress: string) =>
      bob()
        .inject({ url: "/healthz", remoteAddress })
        .then((r) => r.statusCode);
    expect([
      await health("2001:db8:5:6::1"),
      await health("2001:db8:5:6:ffff::2"),
      await health("2001:db8:5:6:1:2:3:4"),
    ]).to.deep.equal([200, 200, 429]);
    expect(await health("2001:db8:5:7::1")).to.equal(200);
  });
});
