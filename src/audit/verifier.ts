import { type Address, getAddress, type Hash, type Hex, isAddressEqual, keccak256, toBytes } from "viem";
import { agreementTermsHash } from "../chain/agreementTermsHash";
import { BATCH_STATUSES, type Flow, MEMBER_STATUSES } from "../chain/types";
import { type Finding, finding } from "./findings";
import type { AuditEvent, AuditHistory } from "./history";
import {
  type AuditedAgreement,
  type AuditedBatch,
  type AuditModel,
  type BalancePoint,
  batchKey,
} from "./model";
import {
  checkRelayedSignature,
  relayedSignatureKey,
  relayedSignatures,
  type SignatureCheck,
} from "./signatures";

export interface VerificationResult {
  findings: Finding[];
  model: AuditModel;
}

const ROLE = {
  DEFAULT_ADMIN: `0x${"0".repeat(64)}` as Hex,
  GOVERNOR: keccak256(toBytes("GOVERNOR_ROLE")),
  MATCHER: keccak256(toBytes("MATCHER_ROLE")),
  AUDITOR: keccak256(toBytes("AUDITOR_ROLE")),
};
const ROLE_NAMES: Record<string, string> = {
  [ROLE.DEFAULT_ADMIN]: "DEFAULT_ADMIN_ROLE",
  [ROLE.GOVERNOR]: "GOVERNOR_ROLE",
  [ROLE.MATCHER]: "MATCHER_ROLE",
  [ROLE.AUDITOR]: "AUDITOR_ROLE",
};

const ADMITTED = MEMBER_STATUSES.indexOf("admitted");
const lower = (a: unknown) => String(a).toLowerCase();
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** A settlement the protocol owes right after a batch transition, in the same transaction. */
type ExpectedSettlement = { key: string; count: bigint; tx: Hash; reason: string };

/**
 * The pure verifier: replays the decoded event stream of a FlowPact deployment and checks every
 * rule the contracts promise — acceptances (all parties, relayed signatures re-verified), every
 * batch's co-signature or claim → dispute → resolution path with its windows, caps and deadlines,
 * one batch per (agreement, flow, epoch), each posting = count × rate, the arrears bookkeeping,
 * the zero-sum invariant after every block where balances changed (against balances read on
 * chain), and role changes made by the right roles. No I/O: feed it a tampered history and it
 * must say what was tampered with.
 *
 * @example
 * const { findings, model } = await verifyHistory(await loadHistory({ rpcUrl, contracts }));
 */
export async function verifyHistory(history: AuditHistory): Promise<VerificationResult> {
  const signatureChecks = new Map<string, SignatureCheck>();
  for (const relayed of relayedSignatures(history)) {
    const batch =
      relayed.kind === "batch-cosignature"
        ? { agreementId: relayed.agreementId, flow: relayed.flow ?? 0n, epoch: relayed.epoch ?? 0n }
        : undefined;
    signatureChecks.set(
      relayedSignatureKey(relayed.transactionHash, relayed.member, batch),
      await checkRelayedSignature(history, relayed),
    );
  }
  return replay(history, signatureChecks);
}

function replay(history: AuditHistory, signatureChecks: Map<string, SignatureCheck>): VerificationResult {
  const findings: Finding[] = [];
  const roleHolders = new Map<string, Set<string>>();
  const roleAdmins = new Map<string, string>();
  const members = new Map<string, { member: Address; status: number; signer?: Address; industry?: number }>();
  const agreements = new Map<bigint, AuditedAgreement>();
  const batches = new Map<string, AuditedBatch>();
  const balances = new Map<string, bigint>();
  const chainBalances = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  const arrears = new Map<string, Map<string, bigint>>();
  const offeredMaxRates: Record<Address, bigint> = {};
  const timeline: BalancePoint[] = [];
  const snapshots = new Map(history.balanceSnapshots.map((s) => [s.blockNumber, s]));
  const addressOf = new Map<string, Address>();
  const params = {
    challengeWindow: 0n,
    disputeBond: 0n,
    paused: false,
    /** Submission windows by the time they took effect (an epoch uses the one in force at its end). */
    submissionWindows: [] as Array<{ from: bigint; window: bigint }>,
    /** Pauses of Settlement, `end` undefined while one runs: paused time extends deadlines. */
    pauses: [] as Array<{ start: bigint; end?: bigint }>,
  };
  /** The submission deadline of an epoch ending at `epochEnd`, as of `t`, as the contract computes it. */
  const submissionDeadline = (epochEnd: bigint, t: bigint): bigint => {
    let window = params.submissionWindows[0]?.window ?? 0n;
    for (const change of params.submissionWindows) if (change.from <= epochEnd) window = change.window;
    let paused = 0n;
    for (const p of params.pauses) {
      const end = p.end ?? t;
      if (end > epochEnd) paused += end - (p.start > epochEnd ? p.start : epochEnd);
    }
    return epochEnd + window + paused;
  };
  const counts = {
    events: history.events.length,
    agreements: 0,
    batches: 0,
    settlements: 0,
    transfers: 0,
    attestations: 0,
  };
  let expected: ExpectedSettlement[] = [];
  let expectedPosting: { payer: string; payee: string; amount: bigint; tx: Hash } | undefined;
  let currentTx: Hash | undefined;
  /** The transaction of the Consortium's first event: its constructor. */
  let deploymentTx: Hash | undefined;
  /** The last balance change of the block being replayed: the block is checked when it ends. */
  let lastMove: AuditEvent | undefined;

  const hasRole = (role: string, account: unknown) => roleHolders.get(role)?.has(lower(account)) ?? false;
  const adminOf = (role: string) => roleAdmins.get(role) ?? ROLE.DEFAULT_ADMIN;
  const isActive = (account: unknown) => members.get(lower(account))?.status === ADMITTED;
  const remember = (account: Address) => {
    addressOf.set(lower(account), getAddress(account));
    return lower(account);
  };
  const owed = (payer: string, creditor: string) => arrears.get(payer)?.get(creditor) ?? 0n;
  const totalOwed = (payer: string) => [...(arrears.get(payer)?.values() ?? [])].reduce((s, v) => s + v, 0n);
  const headroom = (member: string) => (balances.get(member) ?? 0n) + (limits.get(member) ?? 0n);

  const events = history.events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const a = event.args;
    const tx = event.transactionHash;
    const at = event.blockNumber;
    const now = event.blockTimestamp;
    if (tx !== currentTx) {
      closeTransaction(currentTx);
      currentTx = tx;
    }
    if (lastMove && lastMove.blockNumber !== at) {
      closeBlock(lastMove);
      lastMove = undefined;
    }
    const next = events[i + 1]?.transactionHash === tx ? events[i + 1] : undefined;

    switch (event.eventName) {
      // ------------------------------------------------------------ roles and members
      case "RoleAdminChanged":
        deploymentTx ??= tx;
        roleAdmins.set(a.role as string, a.newAdminRole as string);
        break;
      case "RoleGranted": {
        const role = a.role as string;
        const admin = adminOf(role);
        // The constructor's grant comes from an account that holds nothing yet: allowed only in
        // the Consortium's deployment transaction (its first event), before any admin exists.
        deploymentTx ??= tx;
        const bootstrap = tx === deploymentTx && (roleHolders.get(admin)?.size ?? 0) === 0;
        if (!bootstrap && !hasRole(admin, a.sender)) {
          findings.push(
            finding(
              "role-change-unauthorised",
              `${String(a.sender)} granted ${ROLE_NAMES[role] ?? role} to ${String(a.account)} without holding its admin role ${ROLE_NAMES[admin] ?? admin}`,
              { role: ROLE_NAMES[role] ?? role, account: String(a.account), sender: String(a.sender) },
              [tx],
              at,
            ),
          );
        }
        let set = roleHolders.get(role);
        if (!set) {
          set = new Set();
          roleHolders.set(role, set);
        }
        set.add(lower(a.account));
        break;
      }
      case "RoleRevoked": {
        const role = a.role as string;
        const renounced = lower(a.sender) === lower(a.account);
        if (!renounced && !hasRole(adminOf(role), a.sender)) {
          findings.push(
            finding(
              "role-change-unauthorised",
              `${String(a.sender)} revoked ${ROLE_NAMES[role] ?? role} from ${String(a.account)} without holding its admin role`,
              { role: ROLE_NAMES[role] ?? role, account: String(a.account), sender: String(a.sender) },
              [tx],
              at,
            ),
          );
        }
        roleHolders.get(role)?.delete(lower(a.account));
        break;
      }
      case "MemberProfileUpdated": {
        const key = remember(a.member as Address);
        const profile = a.profile as { signer: Address; industry: number };
        const member = members.get(key) ?? { member: getAddress(a.member as Address), status: 0 };
        member.signer = profile.signer;
        member.industry = Number(profile.industry);
        members.set(key, member);
        break;
      }
      case "MemberStatusChanged": {
        const key = remember(a.member as Address);
        const member = members.get(key) ?? { member: getAddress(a.member as Address), status: 0 };
        member.status = Number(a.next);
        members.set(key, member);
        break;
      }
      case "OfferPosted":
      case "OfferUpdated": {
        const owner = getAddress(a.owner as Address);
        const terms = a.terms as { maxRate: bigint };
        if (terms.maxRate > (offeredMaxRates[owner] ?? 0n)) offeredMaxRates[owner] = terms.maxRate;
        break;
      }

      // ------------------------------------------------------------ agreements
      case "AgreementProposed": {
        counts.agreements++;
        const id = a.agreementId as bigint;
        const parties = (a.parties as Address[]).map((p) => getAddress(p));
        const flows = (a.flows as Flow[]).map((f) => ({
          ...f,
          from: getAddress(f.from),
          to: getAddress(f.to),
        }));
        const schedule = a.schedule as AuditedAgreement["schedule"];
        for (const p of parties) remember(p);
        const termsHash = agreementTermsHash({ parties, flows, schedule });
        if (termsHash !== (a.termsHash as Hex).toLowerCase()) {
          findings.push(
            finding(
              "agreement-terms-hash",
              `agreement ${id}: the terms hash on chain does not hash its parties, flows and schedule`,
              { agreementId: id, recorded: a.termsHash as string, recomputed: termsHash },
              [tx],
              at,
            ),
          );
        }
        const proposer = a.proposer as Address;
        if (!hasRole(ROLE.MATCHER, proposer) && !parties.some((p) => isAddressEqual(p, proposer))) {
          findings.push(
            finding(
              "agreement-unauthorised-proposer",
              `agreement ${id} was proposed by ${proposer}, neither a MATCHER nor a party`,
              { agreementId: id, proposer },
              [tx],
              at,
            ),
          );
        }
        const problems = proposalProblems(
          parties,
          flows,
          schedule,
          a.proposalExpiry as bigint,
          now,
          isActive,
        );
        if (problems.length > 0) {
          findings.push(
            finding(
              "agreement-invalid-proposal",
              `agreement ${id} was accepted for proposal although ${problems.join("; ")}`,
              { agreementId: id, problems },
              [tx],
              at,
            ),
          );
        }
        agreements.set(id, {
          agreementId: id,
          proposer: getAddress(proposer),
          termsHash: a.termsHash as Hex,
          parties,
          flows,
          schedule,
          proposalExpiry: a.proposalExpiry as bigint,
          status: "proposed",
          accepted: [],
          proposedIn: tx,
          settledCredits: 0n,
        });
        break;
      }
      case "AgreementAccepted": {
        const id = a.agreementId as bigint;
        const party = getAddress(a.party as Address);
        const agreement = agreements.get(id);
        const problems: string[] = [];
        if (!agreement) problems.push("no proposal was seen");
        else {
          if (agreement.status !== "proposed") problems.push(`it was ${agreement.status}`);
          if (!agreement.parties.some((p) => isAddressEqual(p, party)))
            problems.push(`${party} is not a party`);
          if (agreement.accepted.some((p) => isAddressEqual(p, party)))
            problems.push(`${party} had already accepted`);
          if (now >= agreement.proposalExpiry)
            problems.push(`the proposal expired at ${agreement.proposalExpiry}`);
          if (!isActive(party)) problems.push(`${party} was not an active member`);
          agreement.accepted.push(party);
        }
        if (problems.length > 0) {
          findings.push(
            finding(
              "agreement-invalid-acceptance",
              `agreement ${id}: acceptance by ${party} recorded although ${problems.join("; ")}`,
              { agreementId: id, party, problems },
              [tx],
              at,
            ),
          );
        }
        if (a.bySignature === true) {
          const check = signatureChecks.get(relayedSignatureKey(tx, party)) ?? "unverifiable";
          if (check === "invalid") {
            findings.push(
              finding(
                "agreement-invalid-signature",
                `agreement ${id}: the relayed acceptance of ${party} is not a valid signature of its signer`,
                { agreementId: id, party, signer: members.get(lower(party))?.signer },
                [tx],
                at,
              ),
            );
          } else if (check === "unverifiable") {
            findings.push(
              finding(
                "signature-unverifiable",
                `agreement ${id}: the relayed acceptance of ${party} could not be read back from the transaction (relayed through a contract?)`,
                { agreementId: id, party },
                [tx],
                at,
              ),
            );
          }
        }
        break;
      }
      case "AgreementActivated": {
        const id = a.agreementId as bigint;
        const agreement = agreements.get(id);
        const missing =
          agreement?.parties.filter((p) => !agreement.accepted.some((q) => isAddressEqual(p, q))) ?? [];
        if (!agreement || missing.length > 0 || agreement.status !== "proposed") {
          findings.push(
            finding(
              "agreement-incomplete-activation",
              `agreement ${id} became Active without every party's acceptance`,
              { agreementId: id, missing },
              [tx],
              at,
            ),
          );
        }
        if (agreement) agreement.status = "active";
        break;
      }
      case "AgreementRejected":
      case "AgreementExpired": {
        const agreement = agreements.get(a.agreementId as bigint);
        if (agreement) agreement.status = event.eventName === "AgreementRejected" ? "rejected" : "expired";
        break;
      }
      case "AgreementTerminated": {
        const id = a.agreementId as bigint;
        const agreement = agreements.get(id);
        const by = a.by as Address;
        if (agreement?.status !== "active") {
          findings.push(
            finding(
              "agreement-invalid-termination",
              `agreement ${id} was terminated while ${agreement?.status ?? "unknown"}`,
              { agreementId: id, by },
              [tx],
              at,
            ),
          );
        } else {
          const s = agreement.schedule;
          const isParty = agreement.parties.some((p) => isAddressEqual(p, by));
          const total = (s.end - s.start) / s.epochLength;
          const underWay = now < s.start ? 0n : (now - s.start) / s.epochLength + 1n;
          const expectedEpoch = min(underWay + s.noticeEpochs, total);
          const problems: string[] = [];
          if (!isParty && !hasRole(ROLE.GOVERNOR, by))
            problems.push(`${by} is neither a party nor the GOVERNOR`);
          if ((a.terminationEpoch as bigint) !== expectedEpoch)
            problems.push(`the notice ends at epoch ${a.terminationEpoch}, not ${expectedEpoch}`);
          if (problems.length > 0) {
            findings.push(
              finding(
                "agreement-invalid-termination",
                `agreement ${id}: termination breaks the rules: ${problems.join("; ")}`,
                { agreementId: id, by, problems },
                [tx],
                at,
              ),
            );
          }
        }
        if (agreement) {
          agreement.status = "terminated";
          agreement.terminationEpoch = a.terminationEpoch as bigint;
        }
        break;
      }

      // ------------------------------------------------------------ settlement parameters
      case "ChallengeWindowSet":
        params.challengeWindow = a.newWindow as bigint;
        break;
      case "SubmissionWindowSet":
        params.submissionWindows.push({ from: now, window: a.newWindow as bigint });
        break;
      case "DisputeBondSet":
        params.disputeBond = a.newBond as bigint;
        break;
      case "Paused":
        if (event.contract === "Settlement") {
          params.paused = true;
          params.pauses.push({ start: now });
        }
        break;
      case "Unpaused":
        if (event.contract === "Settlement") {
          params.paused = false;
          const running = params.pauses.at(-1);
          if (running) running.end = now;
        }
        break;

      // ------------------------------------------------------------ batches
      case "BatchCommitted":
      case "BatchClaimed": {
        counts.batches++;
        const id = a.agreementId as bigint;
        const flowIndex = a.flow as bigint;
        const epoch = a.epoch as bigint;
        const key = batchKey(id, flowIndex, epoch);
        const agreement = agreements.get(id);
        const terms = agreement?.flows[Number(flowIndex)];
        const label = `batch (agreement ${id}, flow ${flowIndex}, epoch ${epoch})`;
        const existing = batches.get(key);
        if (existing) {
          findings.push(
            finding(
              "batch-duplicate",
              `${label} was submitted again although one batch per (agreement, flow, epoch) may exist`,
              { agreementId: id, flow: flowIndex, epoch, firstStatus: existing.status },
              [existing.transactions[0], tx],
              at,
            ),
          );
        }
        if (params.paused) {
          findings.push(
            finding(
              "submitted-while-paused",
              `${label} was submitted while Settlement was paused`,
              { agreementId: id, flow: flowIndex, epoch },
              [tx],
              at,
            ),
          );
        }
        const count = a.count as bigint;
        if (!agreement || !terms) {
          findings.push(
            finding(
              "batch-not-settleable",
              `${label} names an agreement or flow that does not exist`,
              { agreementId: id, flow: flowIndex, epoch },
              [tx],
              at,
            ),
          );
          break;
        }
        const s = agreement.schedule;
        const settleable =
          agreement.status === "active"
            ? (s.end - s.start) / s.epochLength
            : agreement.status === "terminated"
              ? (agreement.terminationEpoch ?? 0n)
              : 0n;
        if (epoch >= settleable || count === 0n) {
          findings.push(
            finding(
              "batch-not-settleable",
              `${label} was accepted although ${count === 0n ? "it counts no referral" : `the agreement is ${agreement.status} with ${settleable} settleable epochs`}`,
              {
                agreementId: id,
                flow: flowIndex,
                epoch,
                status: agreement.status,
                settleableEpochs: settleable,
              },
              [tx],
              at,
            ),
          );
        }
        const epochEnd = s.start + (epoch + 1n) * s.epochLength;
        const deadline = submissionDeadline(epochEnd, now);
        if (now < epochEnd || now > deadline) {
          findings.push(
            finding(
              "batch-outside-window",
              `${label} was submitted at ${now}, outside its submission window [${epochEnd}, ${deadline}]`,
              { agreementId: id, flow: flowIndex, epoch, submittedAt: now, epochEnd, deadline },
              [tx],
              at,
            ),
          );
        }
        if (
          event.eventName === "BatchCommitted" &&
          (!isAddressEqual(a.referrer as Address, terms.from) ||
            !isAddressEqual(a.recipient as Address, terms.to))
        ) {
          findings.push(
            finding(
              "batch-wrong-parties",
              `${label} names ${String(a.referrer)} → ${String(a.recipient)}, but the flow runs ${terms.from} → ${terms.to}`,
              { agreementId: id, flow: flowIndex, epoch },
              [tx],
              at,
            ),
          );
        }
        const batch: AuditedBatch = {
          agreementId: id,
          flow: flowIndex,
          epoch,
          referrer: terms.from,
          recipient: terms.to,
          cap: terms.capPerEpoch,
          rate: terms.rate,
          segments: terms.segments,
          status: event.eventName === "BatchCommitted" ? "committed" : "claimed",
          count,
          root: a.root as Hex,
          settledCount: 0n,
          settledCredits: 0n,
          submittedAt: now,
          submittedBlock: at,
          transactions: [tx],
        };
        if (event.eventName === "BatchCommitted") {
          const check =
            signatureChecks.get(
              relayedSignatureKey(tx, terms.to, { agreementId: id, flow: flowIndex, epoch }),
            ) ?? "unverifiable";
          if (check === "invalid") {
            findings.push(
              finding(
                "batch-invalid-cosignature",
                `${label} was committed with a co-signature that is not the recipient's`,
                {
                  agreementId: id,
                  flow: flowIndex,
                  epoch,
                  recipient: terms.to,
                  signer: members.get(lower(terms.to))?.signer,
                },
                [tx],
                at,
              ),
            );
          } else if (check === "unverifiable") {
            findings.push(
              finding(
                "signature-unverifiable",
                `${label}: the co-signature could not be read back from the transaction (committed through a contract?)`,
                { agreementId: id, flow: flowIndex, epoch },
                [tx],
                at,
              ),
            );
          }
          expected.push({ key, count: min(count, terms.capPerEpoch), tx, reason: "commit" });
        } else {
          batch.challengeEnds = a.challengeEnds as bigint;
          // The recipient-acknowledged part of a claim settles at once (its signature is checked
          // on chain; the excess waits for the challenge window).
          batch.acknowledgedCount = (a.acknowledgedCount as bigint | undefined) ?? 0n;
          const acknowledged = min(batch.acknowledgedCount, terms.capPerEpoch);
          if (acknowledged > 0n)
            expected.push({ key, count: acknowledged, tx, reason: "claim (acknowledged part)" });
          if (batch.challengeEnds !== now + params.challengeWindow) {
            findings.push(
              finding(
                "batch-outside-window",
                `${label}: the challenge window ends at ${batch.challengeEnds}, not ${now + params.challengeWindow} (claim time + window)`,
                {
                  agreementId: id,
                  flow: flowIndex,
                  epoch,
                  challengeEnds: batch.challengeEnds,
                  challengeWindow: params.challengeWindow,
                },
                [tx],
                at,
              ),
            );
          }
        }
        if (!existing) batches.set(key, batch);
        break;
      }
      case "BatchDisputed":
      case "BatchFinalised":
      case "DisputeResolved": {
        const key = batchKey(a.agreementId as bigint, a.flow as bigint, a.epoch as bigint);
        const batch = batches.get(key);
        const label = `batch (agreement ${a.agreementId}, flow ${a.flow}, epoch ${a.epoch})`;
        const need = event.eventName === "DisputeResolved" ? "disputed" : "claimed";
        if (!batch || batch.status !== need) {
          findings.push(
            finding(
              "batch-invalid-transition",
              `${label}: ${event.eventName} while the batch was ${batch?.status ?? "never submitted"}`,
              { agreementId: a.agreementId as bigint, flow: a.flow as bigint, epoch: a.epoch as bigint },
              [tx],
              at,
            ),
          );
          if (!batch) break;
        }
        batch.transactions.push(tx);
        const claimed = min(batch.count, batch.cap);
        const problems: string[] = [];
        if (event.eventName === "BatchDisputed") {
          const counter = a.counterCount as bigint;
          const acknowledged = min(batch.acknowledgedCount ?? 0n, batch.cap);
          if (now >= (batch.challengeEnds ?? 0n))
            problems.push(`it came at ${now}, after the window closed at ${batch.challengeEnds}`);
          if (counter >= claimed) problems.push(`its count ${counter} is not below the claim's ${claimed}`);
          if (counter < acknowledged)
            problems.push(`its count ${counter} is below the ${acknowledged} the recipient acknowledged`);
          if ((a.bond as bigint) !== params.disputeBond)
            problems.push(`its bond ${a.bond} is not the required ${params.disputeBond}`);
          batch.status = "disputed";
          batch.counterCount = counter;
          batch.counterRoot = a.counterRoot as Hex;
          // The answer window: until then a higher acknowledgement may answer the dispute.
          batch.challengeEnds = now + params.challengeWindow;
          if (counter > acknowledged)
            expected.push({ key, count: counter - acknowledged, tx, reason: "dispute (undisputed part)" });
        } else if (event.eventName === "BatchFinalised") {
          if (now < (batch.challengeEnds ?? 0n))
            problems.push(`it came at ${now}, before the window closed at ${batch.challengeEnds}`);
          if (params.paused) problems.push("Settlement was paused");
          batch.status = "finalised";
          const acknowledged = min(batch.acknowledgedCount ?? 0n, batch.cap);
          if (claimed > acknowledged)
            expected.push({ key, count: claimed - acknowledged, tx, reason: "finalisation" });
        } else {
          const resolved = a.resolvedCount as bigint;
          const auditor = a.auditor as Address;
          const upheld = a.disputeUpheld as boolean;
          const counter = batch.counterCount ?? 0n;
          if (resolved < counter || resolved > claimed)
            problems.push(`the resolved count ${resolved} is outside [${counter}, ${claimed}]`);
          // Upheld: nobody showed a higher acknowledgement before the answer window closed; the
          // recipient's count stands (anyone may close it). Answered: the referrer or an AUDITOR
          // outside the flow showed the recipient's acknowledgement of `resolved` (checked on chain).
          if (upheld && resolved !== counter)
            problems.push(
              `an upheld dispute must settle at the recipient's count ${counter}, not ${resolved}`,
            );
          if (upheld && now < (batch.challengeEnds ?? 0n))
            problems.push(
              `it was upheld at ${now}, before the answer window closed at ${batch.challengeEnds}`,
            );
          const signerOf = (member: Address) => members.get(lower(member))?.signer;
          const independentAuditor =
            hasRole(ROLE.AUDITOR, auditor) &&
            !isAddressEqual(auditor, batch.recipient) &&
            ![signerOf(batch.referrer), signerOf(batch.recipient)].some(
              (signer) => signer !== undefined && isAddressEqual(signer, auditor),
            );
          if (!upheld && !isAddressEqual(auditor, batch.referrer) && !independentAuditor) {
            findings.push(
              finding(
                "resolution-unauthorised",
                `${label}: the dispute was answered by ${auditor}, who is neither the referrer nor an AUDITOR outside the flow`,
                { auditor, referrer: batch.referrer, recipient: batch.recipient },
                [tx],
                at,
              ),
            );
          }
          batch.status = "resolved";
          batch.resolvedCount = resolved;
          batch.disputeUpheld = upheld;
          if (resolved > counter) expected.push({ key, count: resolved - counter, tx, reason: "resolution" });
        }
        if (problems.length > 0) {
          findings.push(
            finding(
              event.eventName === "DisputeResolved" ? "batch-settled-above-cap" : "batch-outside-window",
              `${label}: ${event.eventName} breaks the rules: ${problems.join("; ")}`,
              { agreementId: batch.agreementId, flow: batch.flow, epoch: batch.epoch, problems },
              [tx],
              at,
            ),
          );
        }
        break;
      }
      case "BatchSettled": {
        counts.settlements++;
        const id = a.agreementId as bigint;
        const key = batchKey(id, a.flow as bigint, a.epoch as bigint);
        const batch = batches.get(key);
        const count = a.count as bigint;
        const amount = a.amount as bigint;
        const label = `batch (agreement ${id}, flow ${a.flow}, epoch ${a.epoch})`;
        const index = expected.findIndex((e) => e.key === key);
        const owedNow = index >= 0 ? expected[index] : undefined;
        if (index >= 0) expected.splice(index, 1);
        if (!batch) {
          findings.push(
            finding(
              "batch-settlement-mismatch",
              `${label} was paid but never submitted`,
              { agreementId: id },
              [tx],
              at,
            ),
          );
          break;
        }
        if (!owedNow || owedNow.count !== count) {
          findings.push(
            finding(
              "batch-settlement-mismatch",
              `${label} settled ${count} referrals where its ${owedNow?.reason ?? "state"} owed ${owedNow?.count ?? 0n}`,
              {
                agreementId: id,
                flow: batch.flow,
                epoch: batch.epoch,
                settled: count,
                owed: owedNow?.count ?? 0n,
              },
              [tx],
              at,
            ),
          );
        }
        if (amount !== count * batch.rate) {
          findings.push(
            finding(
              "posting-amount-mismatch",
              `${label} posted ${amount} credits for ${count} referrals at rate ${batch.rate}: count × rate is ${count * batch.rate}`,
              {
                agreementId: id,
                flow: batch.flow,
                epoch: batch.epoch,
                count,
                rate: batch.rate,
                amount,
                expected: count * batch.rate,
              },
              [tx],
              at,
            ),
          );
        }
        if (
          !isAddressEqual(a.payer as Address, batch.recipient) ||
          !isAddressEqual(a.payee as Address, batch.referrer)
        ) {
          findings.push(
            finding(
              "batch-wrong-parties",
              `${label} was paid by ${String(a.payer)} to ${String(a.payee)}, not by its recipient to its referrer`,
              { agreementId: id, payer: String(a.payer), payee: String(a.payee) },
              [tx],
              at,
            ),
          );
        }
        batch.settledCount += count;
        batch.settledCredits += amount;
        const agreement = agreements.get(id);
        if (agreement) agreement.settledCredits += amount;
        if (batch.settledCount > min(batch.count, batch.cap)) {
          findings.push(
            finding(
              "batch-settled-above-cap",
              `${label} has paid ${batch.settledCount} referrals, more than min(count ${batch.count}, cap ${batch.cap})`,
              {
                agreementId: id,
                flow: batch.flow,
                epoch: batch.epoch,
                settled: batch.settledCount,
                count: batch.count,
                cap: batch.cap,
              },
              batch.transactions,
              at,
            ),
          );
        }
        if (amount > 0n) expectedPosting = { payer: lower(a.payer), payee: lower(a.payee), amount, tx };
        break;
      }

      // ------------------------------------------------------------ the ledger
      case "CreditLimitSet":
        limits.set(remember(a.member as Address), a.newLimit as bigint);
        break;
      case "CreditsMoved": {
        const from = remember(a.from as Address);
        const to = remember(a.to as Address);
        const amount = a.amount as bigint;
        const partOf = next?.eventName;
        const isTransfer = !(
          (partOf === "ArrearsCleared" && lower(next?.args.payer) === from) ||
          ((partOf === "ArrearsRecorded" || partOf === "SettlementPosted") &&
            lower(next?.args.payer) === from)
        );
        if (isTransfer) {
          counts.transfers++;
          const debt = totalOwed(from);
          if (debt > 0n || headroom(from) < amount) {
            findings.push(
              finding(
                "credit-limit-exceeded",
                `${getAddress(from)} transferred ${amount} credits ${debt > 0n ? `while owing ${debt} in arrears` : `beyond its limit (headroom ${headroom(from)})`}`,
                { member: getAddress(from), amount, arrears: debt, headroom: headroom(from) },
                [tx],
                at,
              ),
            );
          }
        }
        balances.set(from, (balances.get(from) ?? 0n) - amount);
        balances.set(to, (balances.get(to) ?? 0n) + amount);
        lastMove = event;
        break;
      }
      case "SettlementPosted": {
        const payer = lower(a.payer);
        const payee = lower(a.payee);
        const amount = a.amount as bigint;
        const paid = a.paid as bigint;
        const deferred = a.deferred as bigint;
        const problems: string[] = [];
        if (
          !expectedPosting ||
          expectedPosting.payer !== payer ||
          expectedPosting.payee !== payee ||
          expectedPosting.amount !== amount
        )
          problems.push(`no batch settlement of ${amount} from ${a.payer} to ${a.payee} precedes it`);
        if (paid + deferred !== amount)
          problems.push(`paid ${paid} + deferred ${deferred} ≠ amount ${amount}`);
        const previous = events[i - 1];
        const movedBefore = events
          .slice(Math.max(0, i - 3), i)
          .some(
            (e) =>
              e.transactionHash === tx &&
              e.eventName === "CreditsMoved" &&
              lower(e.args.from) === payer &&
              lower(e.args.to) === payee &&
              e.args.amount === paid,
          );
        if (paid > 0n && !movedBefore) problems.push(`the ${paid} paid were not moved`);
        if (
          deferred > 0n &&
          !(previous?.eventName === "ArrearsRecorded" && previous.args.amount === deferred)
        )
          problems.push(`the ${deferred} deferred were not recorded as arrears`);
        if (deferred > 0n && headroom(payer) > 0n)
          problems.push(
            `${deferred} were deferred although the payer still had ${headroom(payer)} of headroom`,
          );
        if (headroom(payer) < 0n && paid > 0n) problems.push("the payer was pushed below its credit limit");
        expectedPosting = undefined;
        if (problems.length > 0) {
          findings.push(
            finding(
              "ledger-posting-mismatch",
              `settlement posting of ${amount} from ${String(a.payer)} to ${String(a.payee)} is inconsistent: ${problems.join("; ")}`,
              { payer: String(a.payer), payee: String(a.payee), amount, paid, deferred, problems },
              [tx],
              at,
            ),
          );
        }
        break;
      }
      case "ArrearsRecorded":
      case "ArrearsCleared": {
        const payer = remember(a.payer as Address);
        const creditor = remember(a.creditor as Address);
        const before = owed(payer, creditor);
        const amount = a.amount as bigint;
        const after = event.eventName === "ArrearsRecorded" ? before + amount : before - amount;
        const problems: string[] = [];
        if (after !== (a.owed as bigint))
          problems.push(
            `owed ${before} ${event.eventName === "ArrearsRecorded" ? "+" : "−"} ${amount} is ${after}, the event says ${a.owed}`,
          );
        if (event.eventName === "ArrearsCleared") {
          const previous = events[i - 1];
          const moved =
            previous?.transactionHash === tx &&
            previous.eventName === "CreditsMoved" &&
            lower(previous.args.from) === payer &&
            lower(previous.args.to) === creditor &&
            previous.args.amount === amount;
          if (!moved) problems.push(`the ${amount} cleared were not moved to the creditor`);
          if (after < 0n) problems.push("more was cleared than was owed");
        }
        if (problems.length > 0) {
          findings.push(
            finding(
              "arrears-bookkeeping",
              `arrears of ${getAddress(payer)} to ${getAddress(creditor)}: ${problems.join("; ")}`,
              { payer: getAddress(payer), creditor: getAddress(creditor), amount, owed: a.owed as bigint },
              [tx],
              at,
            ),
          );
        }
        let map = arrears.get(payer);
        if (!map) {
          map = new Map();
          arrears.set(payer, map);
        }
        if ((a.owed as bigint) === 0n) map.delete(creditor);
        else map.set(creditor, a.owed as bigint);
        break;
      }
      case "AttestationRecorded":
        counts.attestations++;
        if (!hasRole(ROLE.AUDITOR, a.auditor)) {
          findings.push(
            finding(
              "attestation-unauthorised",
              `attestation ${a.attestationId} was recorded by ${String(a.auditor)}, who holds no AUDITOR role`,
              { auditor: String(a.auditor) },
              [tx],
              at,
            ),
          );
        }
        break;
      default:
        break;
    }
  }
  closeTransaction(currentTx);
  if (lastMove) closeBlock(lastMove);

  // Pending at the end of the range: normal, but the reader should know.
  for (const batch of batches.values()) {
    const label = `batch (agreement ${batch.agreementId}, flow ${batch.flow}, epoch ${batch.epoch})`;
    if (batch.status === "claimed" && (batch.challengeEnds ?? 0n) <= history.toBlockTimestamp) {
      findings.push(
        finding(
          "claim-awaiting-finalisation",
          `${label}: the claim's challenge window closed at ${batch.challengeEnds} and nobody finalised it yet`,
          {
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            challengeEnds: batch.challengeEnds,
          },
          batch.transactions,
        ),
      );
    }
    if (batch.status === "disputed") {
      findings.push(
        finding(
          "dispute-awaiting-resolution",
          `${label}: disputed (${batch.counterCount} against ${batch.count}) and not yet resolved by an auditor`,
          {
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            count: batch.count,
            counterCount: batch.counterCount,
          },
          batch.transactions,
        ),
      );
    }
  }

  const finalBalances: Record<Address, bigint> = {};
  for (const [key, value] of balances) finalBalances[addressOf.get(key) ?? getAddress(key)] = value;
  return {
    findings,
    model: {
      agreements: [...agreements.values()],
      batches: [...batches.values()],
      members: [...members.values()].map((m) => ({
        member: m.member,
        status: MEMBER_STATUSES[m.status] ?? String(m.status),
        signer: m.signer,
        industry: m.industry,
      })),
      balanceTimeline: timeline,
      finalBalances,
      arrears: [...arrears].flatMap(([payer, map]) =>
        [...map].map(([creditor, owedNow]) => ({
          payer: addressOf.get(payer) ?? getAddress(payer),
          creditor: addressOf.get(creditor) ?? getAddress(creditor),
          owed: owedNow,
        })),
      ),
      offeredMaxRates,
      counts,
    },
  };

  /** A transaction ended: every settlement its transitions owed must have been paid in it. */
  function closeTransaction(tx: Hash | undefined): void {
    for (const e of expected) {
      if (e.count === 0n) continue;
      const batch = batches.get(e.key);
      findings.push(
        finding(
          "batch-settlement-mismatch",
          `batch (${e.key.replaceAll("/", ", ")}): its ${e.reason} owed ${e.count} referrals but nothing was settled`,
          { batch: e.key, owed: e.count, referrer: batch?.referrer, recipient: batch?.recipient },
          [tx ?? e.tx],
        ),
      );
    }
    expected = [];
    if (expectedPosting) {
      findings.push(
        finding(
          "ledger-posting-mismatch",
          `a batch settlement of ${expectedPosting.amount} credits was never posted to the ledger`,
          {
            payer: getAddress(expectedPosting.payer),
            payee: getAddress(expectedPosting.payee),
            amount: expectedPosting.amount,
          },
          [expectedPosting.tx],
        ),
      );
      expectedPosting = undefined;
    }
  }

  /**
   * The last balance change of a block: the replayed balances must match what the chain says
   * after the block, and the chain's balances must sum to zero.
   */
  function closeBlock(event: AuditEvent): void {
    const balancesNow: Record<Address, bigint> = {};
    let replayedSum = 0n;
    for (const [key, value] of balances) {
      balancesNow[addressOf.get(key) ?? getAddress(key)] = value;
      replayedSum += value;
    }
    timeline.push({ blockNumber: event.blockNumber, timestamp: event.blockTimestamp, balances: balancesNow });
    const snapshot = snapshots.get(event.blockNumber);
    if (!snapshot && history.balanceSnapshots.length === 0) {
      if (replayedSum !== 0n) reportZeroSum(event, replayedSum, "replayed");
      return;
    }
    for (const [member, onChain] of Object.entries(snapshot?.balances ?? {})) {
      const key = lower(member);
      chainBalances.set(key, onChain);
      const replayed = balances.get(key) ?? 0n;
      if (replayed !== onChain) {
        findings.push(
          finding(
            "ledger-balance-mismatch",
            `after block ${event.blockNumber}, ${getAddress(member)} holds ${onChain} credits on chain but its events add up to ${replayed}`,
            { member: getAddress(member), onChain, replayed, block: event.blockNumber },
            [event.transactionHash],
            event.blockNumber,
          ),
        );
      }
    }
    // Members not read at this block did not move in it: their last reading still holds.
    let chainSum = 0n;
    for (const value of chainBalances.values()) chainSum += value;
    if (chainSum !== 0n) reportZeroSum(event, chainSum, "on chain");
    else if (replayedSum !== 0n) reportZeroSum(event, replayedSum, "replayed");
  }

  function reportZeroSum(event: AuditEvent, sum: bigint, source: string): void {
    findings.push(
      finding(
        "zero-sum-broken",
        `after block ${event.blockNumber} the balances ${source} sum to ${sum}, not zero: credits were created or destroyed`,
        { block: event.blockNumber, sum, source },
        [event.transactionHash],
        event.blockNumber,
      ),
    );
  }
}

/** What AgreementBook's proposal checks would have refused, judged from the event alone. */
function proposalProblems(
  parties: Address[],
  flows: Flow[],
  schedule: AuditedAgreement["schedule"],
  proposalExpiry: bigint,
  now: bigint,
  isActive: (account: unknown) => boolean,
): string[] {
  const problems: string[] = [];
  if (parties.length < 2 || parties.length > 4) problems.push(`it has ${parties.length} parties`);
  if (new Set(parties.map(lower)).size !== parties.length) problems.push("a party appears twice");
  for (const p of parties) if (!isActive(p)) problems.push(`${p} was not an active member`);
  if (flows.length === 0 || flows.length > 12) problems.push(`it has ${flows.length} flows`);
  for (const [index, f] of flows.entries()) {
    if (!parties.some((p) => isAddressEqual(p, f.from)) || !parties.some((p) => isAddressEqual(p, f.to)))
      problems.push(`flow ${index} leaves the parties`);
    if (isAddressEqual(f.from, f.to)) problems.push(`flow ${index} goes from a party to itself`);
    if (f.capPerEpoch === 0n || f.segments === 0n) problems.push(`flow ${index} has no cap or no segment`);
  }
  const { start, end, epochLength } = schedule;
  if (epochLength === 0n || end <= start || (end - start) % epochLength !== 0n)
    problems.push("its schedule is invalid");
  if (proposalExpiry <= now || start < proposalExpiry) problems.push("its proposal expiry is out of order");
  return problems;
}

/** The batch statuses the replay produces, for reports. */
export const REPLAYED_BATCH_STATUSES = BATCH_STATUSES.slice(1);
