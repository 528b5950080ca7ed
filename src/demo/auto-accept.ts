import type { Address, Hex } from "viem";
import { acceptAgreement, type FlowPactClient } from "../chain";
import type { AgreementTerms } from "../member/agreements";
import { type AutoAcceptPolicy, decideProposal } from "../member/auto-accept";
import type { Queryable } from "../store/driver";

export type AutoAcceptOutcome =
  | { type: "accepted"; member: Address; agreementId: bigint; txHash: Hex }
  | { type: "left-for-dashboard"; member: Address; agreementId: bigint; reasons: string[] }
  | { type: "failed"; member: Address; agreementId: bigint; reason: string };

export interface StoreAutoAcceptorOptions {
  db: Queryable;
  /** Each auto-accepting member's policy (lower-case address); the others accept by hand. */
  policyOf: (member: Address) => AutoAcceptPolicy | undefined;
  /** The member's own client (its key signs the acceptance). */
  clientOf: (member: Address) => FlowPactClient | undefined;
  /** The chain's clock (unix seconds): expired proposals are left alone. */
  now: () => bigint;
  /** Checked between rounds of acceptances: a stopping demo does not wait for all of them. */
  stopping?: () => boolean;
}

/**
 * The member nodes' auto-accept for the in-process demo, until the member node runs its own
 * (`autoAccept` on `startMemberNodes`): each pass reads the open proposals from the indexed store,
 * decides each (member, proposal) once with the member's policy (`decideProposal`, counting the
 * partners of its active agreements) and accepts on chain what the policy allows. Acceptances run
 * in rounds, in parallel within a round but never two by one member (one nonce at a time) nor two
 * of one agreement (the last party's acceptance activates it and costs more gas, so an estimate
 * made before another party's acceptance landed would run out of gas).
 */
export function createStoreAutoAcceptor(options: StoreAutoAcceptorOptions) {
  const decided = new Set<string>();
  return {
    async once(): Promise<AutoAcceptOutcome[]> {
      const now = options.now();
      const proposals = await options.db.query<{
        agreement_id: string;
        parties: string[];
        accepted_by: string[];
        start_time: string;
        end_time: string;
        epoch_length: string;
      }>(
        `SELECT agreement_id::text, parties, accepted_by, start_time::text, end_time::text, epoch_length::text
           FROM agreements WHERE status = 'proposed' AND proposal_expiry > $1 ORDER BY agreement_id`,
        [now],
      );
      if (proposals.length === 0) return [];
      const flows = await options.db.query<{
        agreement_id: string;
        from_member: Address;
        to_member: Address;
        segments: string;
        cap_per_epoch: string;
        rate: string;
      }>(
        `SELECT f.agreement_id::text, f.from_member, f.to_member, f.segments::text, f.cap_per_epoch::text, f.rate::text
           FROM flows f JOIN agreements a USING (agreement_id)
          WHERE a.status = 'proposed' AND a.proposal_expiry > $1 ORDER BY f.agreement_id, f.flow_index`,
        [now],
      );
      const industries = new Map(
        (
          await options.db.query<{ address: string; industry: number }>(
            "SELECT address, industry FROM members",
          )
        ).map((m) => [m.address, m.industry]),
      );
      const partners = new Map<string, Set<string>>();
      for (const { parties } of await options.db.query<{ parties: string[] }>(
        "SELECT parties FROM agreements WHERE status = 'active'",
      ))
        for (const p of parties) {
          const set = partners.get(p) ?? new Set<string>();
          for (const q of parties) if (q !== p) set.add(q);
          partners.set(p, set);
        }

      const outcomes: AutoAcceptOutcome[] = [];
      const toAccept: Array<{ member: Address; agreementId: bigint; client: FlowPactClient }> = [];
      for (const row of proposals) {
        const agreementId = BigInt(row.agreement_id);
        const proposal: AgreementTerms = {
          agreementId,
          status: "Proposed",
          parties: row.parties as Address[],
          flows: flows
            .filter((f) => f.agreement_id === row.agreement_id)
            .map((f) => ({
              from: f.from_member,
              to: f.to_member,
              segments: BigInt(f.segments),
              capPerEpoch: BigInt(f.cap_per_epoch),
              rate: BigInt(f.rate),
            })),
          start: BigInt(row.start_time),
          end: BigInt(row.end_time),
          epochLength: BigInt(row.epoch_length),
          settleableEpochs: (BigInt(row.end_time) - BigInt(row.start_time)) / BigInt(row.epoch_length),
        };
        for (const party of row.parties as Address[]) {
          const key = `${row.agreement_id}:${party}`;
          if (row.accepted_by.includes(party) || decided.has(key)) continue;
          const policy = options.policyOf(party);
          const client = options.clientOf(party);
          if (!policy || !client) continue;
          const decision = decideProposal({
            policy,
            member: party,
            proposal,
            industryOf: (p) => industries.get(p.toLowerCase()),
            currentPartners: partners.get(party) ?? new Set(),
          });
          decided.add(key);
          if (!decision.accept) {
            outcomes.push({
              type: "left-for-dashboard",
              member: party,
              agreementId,
              reasons: decision.reasons,
            });
            continue;
          }
          // Count the new partners now: the member's next proposal in this pass sees them.
          const set = partners.get(party) ?? new Set<string>();
          for (const p of row.parties) if (p !== party) set.add(p);
          partners.set(party, set);
          toAccept.push({ member: party, agreementId, client });
        }
      }
      while (toAccept.length > 0 && !options.stopping?.()) {
        const members = new Set<string>();
        const agreements = new Set<bigint>();
        const round = toAccept.filter((a) => {
          if (members.has(a.member) || agreements.has(a.agreementId)) return false;
          members.add(a.member);
          agreements.add(a.agreementId);
          return true;
        });
        for (const a of round) toAccept.splice(toAccept.indexOf(a), 1);
        await Promise.all(
          round.map(async ({ member, agreementId, client }) => {
            try {
              const { hash } = await acceptAgreement(client, { agreementId });
              outcomes.push({ type: "accepted", member, agreementId, txHash: hash });
            } catch (error) {
              // Decided again next pass (a proposal that expired meanwhile drops out of the query).
              decided.delete(`${agreementId}:${member}`);
              outcomes.push({
                type: "failed",
                member,
                agreementId,
                reason: (error as Error).message.split("\n")[0],
              });
            }
          }),
        );
      }
      // Not attempted (stopping): decided again by the next run.
      for (const a of toAccept) decided.delete(`${a.agreementId}:${a.member}`);
      return outcomes;
    },
  };
}
