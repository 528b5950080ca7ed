import type { FastifyRequest } from "fastify";
import type { Queryable } from "../store/driver";

/** Sends a member's acceptance (or rejection) of a proposed agreement to the chain. */
export type ProposalAction = (
  member: string,
  agreementId: bigint,
) => Promise<ProposalActionResult | undefined>;

export interface ProposalActionResult {
  /** Transaction hash, when the action sent one. */
  hash?: string;
}

/** What every route handler needs: the store, the clock and the injected member actions. */
export interface ApiContext {
  db: Queryable;
  /** Unix seconds (the chain's idea of now where it differs from the wall clock). */
  now(): number;
  submissionWindowSeconds: number;
  acceptProposal?: ProposalAction;
  rejectProposal?: ProposalAction;
  /** The latest HTML audit report on disk, if an auditor writes one for this dashboard. */
  auditReportFile?: string;
  /** Throws a 401 ApiError unless the request carries the operator token (member actions). */
  checkOperator(request: FastifyRequest): void;
}
