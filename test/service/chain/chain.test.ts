import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { encryptKeystoreJsonSync, Wallet } from "ethers";
import { keccak256, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  admitMember,
  applyForMembership,
  DeploymentNotFoundError,
  decryptKeystore,
  encryptKeystore,
  type FlowPactClient,
  FlowPactContractError,
  getCreditAccount,
  getMember,
  getOffer,
  KeystorePasswordError,
  KeystorePasswordRequiredError,
  loadAccount,
  MissingKeyError,
  postOffer,
  readDeployment,
  suspendMember,
  transferCredits,
  updateOffer,
  withdrawOffer,
} from "../../../src/chain";
import { clientFor, deployOnNode } from "../helpers/flowpact";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../helpers/hardhatNode";

const profile = (signer: `0x${string}`) => ({
  industry: 1,
  segments: 0b11n,
  uri: "https://bank.example/profile.json",
  contentHash: keccak256(toHex("profile")),
  signer,
});

async function expectRevert(promise: Promise<unknown>, errorName: string, sentence: string) {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(FlowPactContractError);
    const e = error as FlowPactContractError;
    expect(e.errorName).to.equal(errorName);
    expect(e.shortMessage).to.contain(sentence);
    return e;
  }
  throw new Error(`expected a ${errorName} revert`);
}

describe("chain layer on a real Hardhat node", () => {
  let node: LocalNode;
  let governor: FlowPactClient;
  let alice: FlowPactClient;
  let bob: FlowPactClient;
  let deploymentsDir: string;

  before(async function () {
    // A real node, a deployment and a database: slow to start on a loaded 2-core machine.
    this.timeout(300_000);
    node = await startHardhatNode();
    ({ governor, deploymentsDir } = await deployOnNode(node));
    alice = await clientFor(node, governor, 1);
    bob = await clientFor(node, governor, 2);
  });
  after(async () => {
    await node?.stop();
  });

  it("writes and reads back the deployment file; a missing one says how to deploy", () => {
    expect(readDeployment(deploymentsDir, 31337)).to.deep.equal(governor.deployment);
    expect(() => readDeployment(deploymentsDir, 999)).to.throw(
      DeploymentNotFoundError,
      "no FlowPact deployment for chain 999: run `flowpact deploy` or `npm run deploy`",
    );
  });

  it("runs a member lifecycle and decodes the consortium's refusals into one sentence", async () => {
    await applyForMembership(alice, { profile: profile(alice.walletClient!.account.address) });
    expect((await getMember(governor, { member: alice.walletClient!.account.address })).status).to.equal(
      "applied",
    );
    const e = await expectRevert(
      admitMember(bob, { member: alice.walletClient!.account.address }),
      "AccessControlUnauthorizedAccount",
      `AccessControl: unauthorized account (account ${bob.walletClient!.account.address}, neededRole GOVERNOR_ROLE)`,
    );
    expect(e.shortMessage).to.contain("[Consortium.admit]");
    await admitMember(governor, { member: alice.walletClient!.account.address });
    await applyForMembership(bob, { profile: profile(bob.walletClient!.account.address) });
    await admitMember(governor, { member: bob.walletClient!.account.address });
    const member = await getMember(bob, { member: alice.walletClient!.account.address });
    expect(member.status).to.equal("admitted");
    expect(member.profile?.uri).to.equal("https://bank.example/profile.json");
    await expectRevert(
      admitMember(governor, { member: alice.walletClient!.account.address }),
      "ConsortiumInvalidMemberTransition",
      "Consortium: invalid member transition (member 0x",
    );
  });

  it("posts, updates and withdraws an offer; another member's update is refused by name", async () => {
    const expiry = BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400);
    const terms = {
      supplySegments: 0b101n,
      capacityPerEpoch: 500n,
      minRate: 2n,
      demandSegments: 0n,
      volumePerEpoch: 0n,
      maxRate: 0n,
      excludedIndustries: 1n << 2n,
      expiry,
    };
    const { offerId } = await postOffer(alice, { terms });
    expect(offerId).to.equal(1n);
    await updateOffer(alice, { offerId, terms: { ...terms, capacityPerEpoch: 800n } });
    expect((await getOffer(bob, { offerId })).terms.capacityPerEpoch).to.equal(800n);
    await expectRevert(
      updateOffer(bob, { offerId, terms }),
      "OfferBookNotOfferOwner",
      `OfferBook: not offer owner (offerId 1, account ${bob.walletClient!.account.address}, owner ${alice.walletClient!.account.address})`,
    );
    expect((await getOffer(bob, { offerId })).live).to.equal(true);
    await withdrawOffer(alice, { offerId });
    await expectRevert(
      getOffer(bob, { offerId }),
      "OfferBookUnknownOffer",
      "OfferBook: unknown offer (offerId 1)",
    );
  });

  it("decodes a credit refusal with its signed and unsigned amounts", async () => {
    const to = bob.walletClient!.account.address;
    await expectRevert(
      transferCredits(alice, { to, amount: 5n }),
      "CreditLedgerInsufficientCredit",
      `CreditLedger: insufficient credit (member ${alice.walletClient!.account.address}, balance 0, limit 0, needed 5)`,
    );
    const account = await getCreditAccount(alice, { member: alice.walletClient!.account.address });
    expect(account).to.deep.include({ balance: 0n, creditLimit: 0n, arrears: 0n });
    await suspendMember(governor, { member: alice.walletClient!.account.address, reason: "audit" });
    expect((await getMember(bob, { member: alice.walletClient!.account.address })).status).to.equal(
      "suspended",
    );
  });

  it("a call that needs a key without one fails with what to set", async () => {
    const readOnly: FlowPactClient = { ...governor, walletClient: undefined };
    try {
      await admitMember(readOnly, { member: bob.walletClient!.account.address });
      expect.fail("should throw");
    } catch (error) {
      expect(error).to.be.instanceOf(MissingKeyError);
      expect((error as Error).message).to.contain("FLOWPACT_PRIVATE_KEY");
    }
  });
});

describe("keys", () => {
  const key = DEV_KEYS[3];
  const address = privateKeyToAccount(key).address;

  it("reads keystores written by ethers and writes ones ethers reads", async () => {
    const fromEthers = encryptKeystoreJsonSync({ address, privateKey: key }, "correct horse", {
      scrypt: { N: 1024 },
    });
    expect(decryptKeystore(fromEthers, "correct horse")).to.equal(key);
    const ours = JSON.stringify(encryptKeystore(key, "battery staple", { n: 1024 }));
    const wallet = await Wallet.fromEncryptedJson(ours, "battery staple");
    expect(wallet.address).to.equal(address);
    expect(() => decryptKeystore(ours, "wrong")).to.throw(KeystorePasswordError);
  });

  it("loads the account from a key, a keystore with password, or a prompt, never echoing the secret", async () => {
    expect((await loadAccount({ privateKey: key })).address).to.equal(address);
    const dir = mkdtempSync(path.join(tmpdir(), "flowpact-keys-"));
    const file = path.join(dir, "key.json");
    writeFileSync(file, JSON.stringify(encryptKeystore(key, "pw", { n: 1024 })));
    expect((await loadAccount({ keystore: file, keystorePassword: "pw" })).address).to.equal(address);
    let asked = "";
    const prompted = await loadAccount(
      { keystore: file },
      {
        promptPassword: async (question) => {
          asked = question;
          return "pw";
        },
      },
    );
    expect(prompted.address).to.equal(address);
    expect(asked).to.contain(file);
    for (const attempt of [
      () => loadAccount({}),
      () => loadAccount({ keystore: file, keystorePassword: "nope" }),
      () => loadAccount({ keystore: file }, { promptPassword: undefined }),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: Error) => e,
      );
      if (process.stdin.isTTY && !error) continue;
      expect(error).to.be.instanceOf(Error);
      expect(error!.message).not.to.contain(key.slice(2));
      expect(error!.message).not.to.contain("nope");
    }
    const noPrompt = await loadAccount({ keystore: file }).catch((e: Error) => e);
    if (!process.stdin.isTTY) expect(noPrompt).to.be.instanceOf(KeystorePasswordRequiredError);
  });
});
