import { randomBytes } from "node:crypto";
import { expect } from "chai";
import type { Address, Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { TamperedTokenError } from "../../../src/member/errors";
import { createStaticMemberRegistry } from "../../../src/member/members";
import { createPeerSessionKeys, type PeerSessionKeys } from "../../../src/member/peer-session-keys";
import {
  createTrackingTokenIssuer,
  createTrackingTokenVerifier,
  decodeTrackingToken,
  type TrackingTokenIssuer,
} from "../../../src/member/tracking-token";

const DOMAIN = { chainId: 31337, agreementBook: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const member = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
const [ALICE, BOB, CAROL] = [member(0xa11ce), member(0xb0b), member(0xca201)];

async function expectTampered(promise: Promise<unknown>, reason: RegExp) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(TamperedTokenError);
    expect((error as Error).message).to.match(reason);
    return;
  }
  expect.fail("the token was accepted");
}

/**
 * Tracking tokens without a chain: alice refers to bob and carol. With a recipient's certified
 * session key alice MACs her tokens for it (version 3), otherwise she signs them (version 2).
 */
describe("tracking tokens: signed (v2) and MACed for the recipient (v3)", () => {
  let clock = 1_800_000_000n;
  const now = () => clock;
  const keys = [ALICE, BOB, CAROL].map(() => privateKeyToAccount(generatePrivateKey()));
  const members = createStaticMemberRegistry({
    signers: { [ALICE]: keys[0].address, [BOB]: keys[1].address, [CAROL]: keys[2].address },
  });
  let alice: TrackingTokenIssuer;
  let bob: TrackingTokenIssuer;
  let carol: TrackingTokenIssuer;
  let peerKeys: PeerSessionKeys;
  const fields = () => ({
    agreementId: 7n,
    flow: 1,
    epoch: 3n,
    clickId: `0x${randomBytes(32).toString("hex")}` as Hex,
    expiry: clock + 600n,
  });
  const verifier = () =>
    createTrackingTokenVerifier({
      domain: DOMAIN,
      members,
      now,
      sessionKeysOf: (recipient) =>
        ({ [BOB]: bob, [CAROL]: carol })[recipient.toLowerCase() as Address]?.sessionKeys() ?? [],
    });

  before(async () => {
    const issuers = new Map<string, TrackingTokenIssuer>();
    peerKeys = createPeerSessionKeys({
      domain: DOMAIN,
      members,
      now,
      fetchCertificate: async (m) => issuers.get(m.toLowerCase())?.sessionKeys()[0].certificate,
    });
    [alice, bob, carol] = await Promise.all(
      [ALICE, BOB, CAROL].map((m, i) =>
        createTrackingTokenIssuer({ account: keys[i], member: m, domain: DOMAIN, peerKeys, now }),
      ),
    );
    for (const issuer of [alice, bob, carol]) issuers.set(issuer.member, issuer);
  });

  it("signs while the recipient's key is unknown, and MACs for it once it is known; both verify", async () => {
    const first = decodeTrackingToken(alice.issue(fields(), BOB));
    expect(first.version).to.equal(2);
    await verifier().verify(first, ALICE, BOB);
    expect((await peerKeys.load(BOB))?.sessionKey).to.equal(bob.sessionKeys()[0].certificate.sessionKey);
    const token = decodeTrackingToken(alice.issue(fields(), BOB));
    expect(token.version).to.equal(3);
    expect(token.recipientKey).to.equal(bob.sessionKeys()[0].certificate.sessionKey);
    await verifier().verify(token, ALICE, BOB);
  });

  it("refuses a MAC token at another recipient, with another referrer named, or altered", async () => {
    await peerKeys.load(BOB);
    const text = alice.issue(fields(), BOB);
    const token = decodeTrackingToken(text);
    await expectTampered(verifier().verify(token, ALICE, CAROL), /does not hold/);
    await expectTampered(verifier().verify(token, CAROL, BOB), /not certified/);
    const bytes = Buffer.from(text, "base64url");
    for (const offset of [140, 200, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[offset] ^= 0x01;
      await expectTampered(
        verifier().verify(decodeTrackingToken(altered.toString("base64url")), ALICE, BOB),
        /MAC/,
      );
    }
  });

  it("refuses a MAC token of another deployment", async () => {
    const elsewhere = { ...DOMAIN, chainId: 1 };
    const otherKeys = createPeerSessionKeys({
      domain: elsewhere,
      members,
      now,
      fetchCertificate: async () => bob.sessionKeys()[0].certificate,
    });
    const forger = await createTrackingTokenIssuer({
      account: keys[0],
      member: ALICE,
      domain: elsewhere,
      peerKeys: otherKeys,
      now,
    });
    // bob's certificate is bound to DOMAIN: on chain 1 it does not verify, so no MAC key is agreed
    expect(await otherKeys.load(BOB)).to.equal(undefined);
    const signed = decodeTrackingToken(forger.issue(fields(), BOB));
    expect(signed.version).to.equal(2);
    await expectTampered(verifier().verify(signed, ALICE, BOB), /certificate|signature/);
  });

  it("keeps accepting tokens keyed for the recipient's previous session key after it renews", async () => {
    await peerKeys.load(CAROL);
    const first = carol.sessionKeys()[0].certificate.sessionKey;
    clock += 86_400n - 5n * 3_600n; // 5 h left: carol renews (under a quarter of the day left)
    await carol.renewIfDue();
    expect(carol.sessionKeys().map((k) => k.certificate.sessionKey))
      .to.have.length(2)
      .and.include(first);
    // alice still holds carol's first key, and carol still accepts tokens keyed for it
    const old = decodeTrackingToken(alice.issue(fields(), CAROL));
    expect(old.recipientKey).to.equal(first);
    await verifier().verify(old, ALICE, CAROL);
    clock += 4n * 3_600n + 1_800n; // 30 min left on the first key: alice asks carol for her new one
    alice.issue(fields(), CAROL);
    const next = (await peerKeys.load(CAROL))?.sessionKey;
    expect(next).to.equal(carol.sessionKeys()[0].certificate.sessionKey).and.not.equal(first);
    const renewed = decodeTrackingToken(alice.issue(fields(), CAROL));
    expect(renewed.recipientKey).to.equal(next);
    await verifier().verify(renewed, ALICE, CAROL);
  });
});
