/** The dashboard's view of the JSON API (see GET /api/openapi.json for the full contract). */

export interface Summary {
  members: { total: number; byStatus: Record<string, number> };
  agreements: { total: number; byStatus: Record<string, number> };
  batches: {
    total: number;
    byStatus: Record<string, number>;
    final: number;
    settledReferrals: number;
    settledCredits: string;
  };
  credits: { circulating: string; balanceSum: string; arrears: string; postings: number };
  audits: { attestations: number; openDisputes: number; lastVerdict: string | null };
  indexer: { chainId: number | null; indexedBlock: number | null; eventCount: number | null };
  now: number;
}

export interface Member {
  address: string;
  name: string;
  /** Another member shows the same name. */
  duplicateName: boolean;
  status: string;
  industry: { code: number; name: string; label: string };
  segments: string[];
  balance: string;
  arrears: string;
  creditLimit: string;
  activeOffers: number;
  referralsSent: number;
  referralsReceived: number;
}

export interface Flow {
  index: number;
  from: string;
  to: string;
  segmentNames: string[];
  capPerEpoch: string;
  rate: string;
  settledReferrals: number;
  settledCredits: string;
}

export interface Agreement {
  id: string;
  status: string;
  kind: string;
  parties: string[];
  acceptedBy: string[];
  startTime: number;
  endTime: number;
  epochLength: number;
  epochCount: number;
  currentEpoch: number | null;
  proposalExpiry: number;
  flowCount: number;
  settledReferrals: number;
  settledCredits: string;
  flows: Flow[];
}

export interface Proposal extends Agreement {
  acceptedByMember: boolean;
  expired: boolean;
}

export interface Offer {
  id: string;
  supplySegments: string[];
  capacityPerEpoch: string;
  minRate: string;
  demandSegments: string[];
  volumePerEpoch: string;
  maxRate: string;
  expiry: number;
  state: string;
}

export interface NetworkNode {
  id: string;
  name: string;
  /** Another member shows the same name. */
  duplicateName: boolean;
  status: string;
  industry: string;
  industryLabel: string;
  balance: string;
  creditLimit: string;
}

export interface NetworkEdge {
  from: string;
  to: string;
  state: "running" | "proposed";
  settledReferrals: number;
  settledCredits: string;
  agreements: string[];
  cycle: boolean;
  reciprocal: boolean;
}

export interface Network {
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  cycles: Array<{ agreementId: string; members: string[]; settledReferrals: number }>;
}

export interface Batch {
  agreementId: string;
  flow: number;
  epoch: number;
  from: string;
  to: string;
  status: string;
  cosigned: boolean;
  count: number;
  settledCount: number | null;
  amount: string | null;
  dispute: { counterCount: number; status: string; resolvedCount: number | null } | null;
}

export interface EpochView {
  epoch: number;
  start: number;
  end: number;
  state: string;
  flows: Array<{ flow: number; state: string; count: number | null; settledCount: number | null }>;
}

export interface AgreementDetail {
  agreement: Agreement;
  epochTotals: Record<string, number>;
  epochs: EpochView[];
}

export interface BalanceHistory {
  fromBlock: number | null;
  toBlock: number | null;
  series: Array<{
    member: string;
    name: string;
    duplicateName: boolean;
    industry: string;
    balance: string;
    points: Array<{ block: number; balance: string }>;
  }>;
}

export interface Audits {
  total: number;
  /** The latest HTML audit report, when the auditor writes one. */
  reportUrl: string | null;
  verdicts: Record<string, number>;
  attestations: Array<{
    id: string;
    auditor: string;
    verdict: string;
    fromBlock: number;
    toBlock: number;
    blockNumber: number;
    reportHash: string;
  }>;
  disputes: Array<{
    agreementId: string;
    flow: number;
    epoch: number;
    claimedCount: number | null;
    counterCount: number;
    status: string;
    resolvedCount: number | null;
    disputeUpheld: boolean | null;
  }>;
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

async function request<T>(
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(path, { method, headers: { accept: "application/json", ...headers } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new ApiRequestError(response.status, body?.message ?? `${method} ${path}: HTTP ${response.status}`);
  return body as T;
}

export const api = {
  summary: () => request<Summary>("GET", "/api/summary"),
  network: () => request<Network>("GET", "/api/network"),
  members: () => request<{ items: Member[] }>("GET", "/api/members"),
  member: (address: string) =>
    request<{ member: Member; offers: Offer[]; agreements: Agreement[] }>("GET", `/api/members/${address}`),
  proposals: (address: string) => request<{ items: Proposal[] }>("GET", `/api/members/${address}/proposals`),
  agreements: (status: string | undefined, limit: number) =>
    request<{ total: number; items: Agreement[] }>(
      "GET",
      `/api/agreements?limit=${limit}${status ? `&status=${encodeURIComponent(status)}` : ""}`,
    ),
  agreement: (id: string) => request<AgreementDetail>("GET", `/api/agreements/${id}`),
  batches: (limit: number) =>
    request<{ total: number; items: Batch[] }>("GET", `/api/batches?limit=${limit}`),
  balances: () => request<BalanceHistory>("GET", "/api/balances/history?top=6&points=120"),
  audits: () => request<Audits>("GET", "/api/audits?limit=6"),
  act: (address: string, id: string, action: "accept" | "reject", operatorToken: string | undefined) => {
    if (!operatorToken)
      return Promise.reject(
        new ApiRequestError(
          401,
          "this tab holds no operator token: open the dashboard link printed at start (the one ending in #token=…)",
        ),
      );
    // The token is what authorises the action; the custom header states which one.
    return request<{ hash: string | null }>("POST", `/api/members/${address}/proposals/${id}/${action}`, {
      "x-flowpact-action": action,
      authorization: `Bearer ${operatorToken}`,
    });
  },
};
