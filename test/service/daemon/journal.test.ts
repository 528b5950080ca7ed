import { expect } from "chai";
import pino from "pino";
import type { Address } from "viem";
import { type FlowPactClient, readFlowPact } from "../../../src/chain";
import { equivalenceKey } from "../../../src/daemon/equivalence";
import { loadOpenAgreements } from "../../../src/daemon/instance";
import { preparedIntents, recordIntent } from "../../../src/daemon/journal";
import { broadcast, findProposalsByTermsHash, signProposal } from "../../../src/daemon/proposalTx";
import { reconcileIntents } from "../../../src/daemon/reconcile";
import { agreementTermsHash, type ProposalTerms, termsToJson } from "../../../src/daemon/terms";
import { createStore, type Store } from "../../../src/store/store";
import { deployOnNode } from "../helpers/flowpact";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { admitMembers, type Scenario } from "../helpers/scenario";

const silent = pino({ level: "silent" });

describe("daemon: intent journal reconciliation (real node, real store)", function () {
  this.timeout(120_000);
  let node: LocalNode;
  let matcher: FlowPactClient;
  let scenario: Scenario;
  let store: Store;
  let proposalCount = 0;

  before(async () => {
    node = await startHardhatNode();
    const { governor } = await deployOnNode(node);
    matcher = governor; // the deployer holds MATCHER_ROLE
    scenario = await admitMembers(node, governor, 3);
    store = await createStore({ memory: true });
  });
  after(async () => {
    await store?.close();
    await node?.stop();
  });
  beforeEach(async () => {
    await store.driver.exec("TRUNCATE daemon_intents");
  });

  const address = (c: FlowPactClient) => c.walletClient!.account.address;
  async function terms(): Promise<ProposalTerms> {
    const block = await matcher.publicClient.getBlock();
    const [a, b] = scenario.members.map(address);
    // A distinct cap each time so every proposal has its own terms hash.
    const cap = BigInt(100 + ++proposalCount);
    const start = block.timestamp + 3_600n;
    return {
      parties: [a, b] as Address[],
      flows: [
        { from: a, to: b, segments: 1n, capPerEpoch: cap, rate: 3n },
        { from: b, to: a, segments: 2n, capPerEpoch: cap, rate: 2n },
      ],
      schedule: { start, end: start + 10n * 3_600n, epochLength: 3_600n, noticeEpochs: 1n },
      proposalExpiry: start,
    };
  }
  async function journal(t: ProposalTerms) {
    const signed = await signProposal(matcher, t);
    const intent = await recordIntent(store.driver, {
      equivalenceKey: equivalenceKey(t),
      termsHash: agreementTermsHash(t),
      sender: address(matcher),
      nonce: signed.nonce,
      txHash: signed.txHash,
      rawTx: signed.rawTx,
      terms: termsToJson(t),
    });
    return { signed, intent };
  }

  it("computes the terms hash AgreementBook stores", async () => {
    const t = await terms();
    const { signed } = await journal(t);
    await broadcast(matcher, signed.rawTx);
    const [found] = await findProposalsByTermsHash(matcher, agreementTermsHash(t));
    expect(found, "AgreementProposed with the off-chain terms hash").to.not.equal(undefined);
    const onChain = await readFlowPact<string>(matcher, {
      contract: "AgreementBook",
      functionName: "termsHash",
      args: [found.agreementId],
    });
    expect(onChain).to.equal(agreementTermsHash(t));
  });

  it("confirms a journaled proposal that was broadcast before the crash, without sending it again", async () => {
    const t = await terms();
    const { signed } = await journal(t);
    await broadcast(matcher, signed.rawTx);
    const nonceBefore = await matcher.publicClient.getTransactionCount({ address: address(matcher) });
    const result = await reconcileIntents(store.driver, matcher, silent);
    expect(result).to.deep.equal({ confirmed: 1, failed: 0 });
    expect(await matcher.publicClient.getTransactionCount({ address: address(matcher) })).to.equal(
      nonceBefore,
    );
    expect(await findProposalsByTermsHash(matcher, agreementTermsHash(t))).to.have.length(1);
    const [row] = await store.driver.query<{ state: string; agreement_id: bigint }>(
      "SELECT state, agreement_id FROM daemon_intents",
    );
    expect(row.state).to.equal("confirmed");
  });

  it("re-broadcasts the same signed bytes when the crash came before the send: exactly one proposal", async () => {
    const t = await terms();
    const { signed } = await journal(t);
    expect(await findProposalsByTermsHash(matcher, agreementTermsHash(t))).to.have.length(0);
    expect(await reconcileIntents(store.driver, matcher, silent)).to.deep.equal({ confirmed: 1, failed: 0 });
    // A second restart finds nothing left to do.
    expect(await reconcileIntents(store.driver, matcher, silent)).to.deep.equal({ confirmed: 0, failed: 0 });
    const found = await findProposalsByTermsHash(matcher, agreementTermsHash(t));
    expect(found.map((f) => f.txHash)).to.deep.equal([signed.txHash]);
  });

  it("marks an intent failed, and sends nothing, when its nonce went to another transaction", async () => {
    const t = await terms();
    await journal(t);
    // Another transaction of the matcher's account takes the journaled nonce.
    const wallet = matcher.walletClient!;
    await matcher.publicClient.waitForTransactionReceipt({
      hash: await wallet.sendTransaction({ to: address(matcher), value: 0n }),
    });
    expect(await reconcileIntents(store.driver, matcher, silent)).to.deep.equal({ confirmed: 0, failed: 1 });
    expect(await findProposalsByTermsHash(matcher, agreementTermsHash(t))).to.have.length(0);
    expect(await preparedIntents(store.driver)).to.have.length(0);
  });

  it("counts journaled proposals the indexer has not stored yet as open agreements", async () => {
    const t = await terms();
    await journal(t);
    const now = (await matcher.publicClient.getBlock()).timestamp;
    const open = await loadOpenAgreements(store.driver, now);
    expect(open.keys.has(equivalenceKey(t))).to.equal(true);
    expect(open.agreements.map((a) => a.parties)).to.deep.include(t.parties.map((p) => p.toLowerCase()));
    // Once its proposal window has passed it no longer blocks an equivalent proposal.
    const later = await loadOpenAgreements(store.driver, t.proposalExpiry);
    expect(later.keys.has(equivalenceKey(t))).to.equal(false);
  });
});
