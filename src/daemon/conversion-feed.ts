import { randomBytes } from "node:crypto";
import type { Address, LocalAccount, PublicClient } from "viem";
import { agreementBookAbi } from "../abi/contracts";
import { type AgreementDirectory, createChainAgreementDirectory } from "../member/agreements";
import { readBatch } from "../member/chain/read-batch";
import { signPeerRequest } from "../member/peer-auth";
import { createChainPeerDirectory, type PeerDirectory } from "../member/peer-directory";
import { createOutboundClient, type OutboundClient, OutboundError, parseAnswer } from "../net";
import {
  CONVERSION_REPORT_PATH,
  type ConversionReportRow,
  conversionReportEnvelopeSchema,
  conversionReportRowSchema,
} from "../protocol/conversion-report";
import { peerErrorCode } from "../protocol/wire";
import type { ConversionSource } from "./instance";

/** How one refresh went, recipient by recipient (for the daemon's log). */
export interface ConversionFeedRefresh {
  /** Recipients of some flow of an agreement on chain. */
  recipients: number;
  /** Recipients whose node answered with a report. */
  reported: number;
  /** Directed pairs × segments that now have a conversion count. */
  pairs: number;
  /** Recipients not heard, and malformed rows dropped (one entry each; the rest of a report counts). */
  failures: Array<{ member: Address; reason: string }>;
}

export interface ConversionFeedOptions {
  publicClient: PublicClient;
  chainId: number;
  contracts: { AgreementBook: Address; Consortium: Address; Settlement: Address };
  /** The daemon's key: it must hold MATCHER_ROLE, or the nodes refuse the report (401). */
  account: LocalAccount;
  /** Where recipients' nodes are; default: their on-chain profile `uri`. */
  peers?: PeerDirectory;
  agreements?: AgreementDirectory;
  /**
   * Count only epochs whose batch settled on chain (committed, finalised or resolved), the same
   * epochs the daemon counts referrals over (default true): conversions of an open epoch would
   * inflate the rate.
   */
  settledOnly?: boolean;
  timeoutMs?: number;
  /**
   * How recipients' nodes are reached (address policy, body cap, timeouts); default: public
   * addresses only (see src/net/outbound-client.ts).
   */
  outbound?: OutboundClient;
  /** Unix seconds, for the request signature. */
  now?: () => bigint;
}

export interface ConversionFeed {
  /** The daemon's `ConversionSource`: the counts of the last refresh, undefined for an unreported pair. */
  source: ConversionSource;
  /** Asks every recipient's node for its report and replaces the counts. */
  refresh(): Promise<ConversionFeedRefresh>;
}

const SETTLED = new Set(["committed", "finalised", "resolved"]);

/** Segment bit numbers of a bitmap. */
function segmentsOf(bitmap: bigint): number[] {
  const bits: number[] = [];
  for (let s = 0, m = bitmap; m > 0n; s++, m >>= 1n) if (m & 1n) bits.push(s);
  return bits;
}

/**
 * Conversions reported by the recipients' member nodes, for the matching engine's conversion
 * estimates. Each refresh lists the agreements on chain (terms are immutable, read once), asks
 * each flow recipient's node (found at its profile `uri`) for `GET /v1/reports/conversions` with a
 * request signed by the daemon's MATCHER key, keeps only rows of flows that member really receives
 * (a node cannot report for someone else's flow) and, by default, of epochs that settled on chain,
 * and sums conversions per directed pair and segment — a flow's count split evenly over its
 * segments, as the daemon splits settled referrals. An unreachable node keeps its last report;
 * one never reached leaves its pairs unreported (the engine then uses no estimate), never a zero.
 *
 * @example
 * const feed = createConversionFeed({ publicClient, chainId, contracts: deployment.contracts, account });
 * await feed.refresh();
 * await runDaemon({ config, conversions: feed.source });
 */
export function createConversionFeed(options: ConversionFeedOptions): ConversionFeed {
  const peers =
    options.peers ??
    createChainPeerDirectory({
      publicClient: options.publicClient,
      consortium: options.contracts.Consortium,
    });
  const agreements =
    options.agreements ??
    createChainAgreementDirectory({
      publicClient: options.publicClient,
      agreementBook: options.contracts.AgreementBook,
    });
  const settledOnly = options.settledOnly ?? true;
  const now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const outbound = options.outbound ?? createOutboundClient();
  const settlement = { publicClient: options.publicClient, settlement: options.contracts.Settlement };
  /** Settled batches never change: remembered across refreshes. */
  const settled = new Set<string>();
  let counts = new Map<string, number>();
  /** Each recipient's last good report, summed: a node that is down keeps its last counts. */
  const lastByRecipient = new Map<string, Map<string, number>>();

  async function isSettled(agreementId: bigint, flow: number, epoch: bigint): Promise<boolean> {
    const key = `${agreementId}/${flow}/${epoch}`;
    if (settled.has(key)) return true;
    const batch = await readBatch(settlement, { agreementId, flow, epoch });
    if (!SETTLED.has(batch.status)) return false;
    settled.add(key);
    return true;
  }

  /** The recipient's report rows (each still to be parsed), or throws why there is none. */
  async function fetchReport(recipient: Address): Promise<unknown[]> {
    const base = await peers.nodeUrl(recipient);
    if (!base) throw new Error("its profile uri is not an http(s) node URL");
    // The recipient is in the signed path: the request is good at that member's node only; the
    // nonce makes two reads within one second two requests, not a replay.
    const nonce = randomBytes(16).toString("hex");
    const path = `${CONVERSION_REPORT_PATH}?recipient=${recipient.toLowerCase()}&nonce=${nonce}`;
    const headers = await signPeerRequest({
      account: options.account,
      member: options.account.address,
      domain: { chainId: options.chainId, consortium: options.contracts.Consortium },
      method: "GET",
      path,
      time: now(),
    });
    const answer = await outbound.request(`${base}${path}`, {
      headers,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    if (answer.status !== 200) throw new Error(`${answer.status} ${peerErrorCode(answer.body) ?? ""}`.trim());
    const report = parseAnswer(conversionReportEnvelopeSchema, answer.body, "conversion report");
    if (report.member.toLowerCase() !== recipient.toLowerCase())
      throw new Error("the report is another member's");
    return report.rows;
  }

  /** One recipient's rows summed per directed pair and segment; malformed rows go to `failures`. */
  async function tally(
    recipient: Address,
    flows: Map<string, { from: string; to: string; segments: bigint }>,
    rows: unknown[],
    failures: ConversionFeedRefresh["failures"],
  ): Promise<Map<string, number>> {
    const mine = new Map<string, number>();
    for (const [i, raw] of rows.entries()) {
      let row: ConversionReportRow;
      try {
        row = parseAnswer(conversionReportRowSchema, raw, "row");
      } catch (error) {
        failures.push({
          member: recipient,
          reason: `row #${i} dropped: ${error instanceof OutboundError ? error.shortMessage.replace(/^the row is /, "") : "malformed"}`,
        });
        continue;
      }
      const flow = flows.get(`${row.agreementId}/${row.flow}`);
      if (!flow) continue;
      if (settledOnly && !(await isSettled(BigInt(row.agreementId), row.flow, BigInt(row.epoch)))) continue;
      const segments = segmentsOf(flow.segments);
      for (const segment of segments) {
        const key = `${flow.from}|${flow.to}|${segment}`;
        mine.set(key, (mine.get(key) ?? 0) + row.conversions / segments.length);
      }
    }
    return mine;
  }

  return {
    source: ({ from, to, segment }) => counts.get(`${from.toLowerCase()}|${to.toLowerCase()}|${segment}`),
    async refresh() {
      const total = (await options.publicClient.readContract({
        address: options.contracts.AgreementBook,
        abi: agreementBookAbi,
        functionName: "agreementCount",
      } as never)) as bigint;
      /** recipient → its flows as (agreement, flow index) → terms */
      const byRecipient = new Map<string, Map<string, { from: string; to: string; segments: bigint }>>();
      for (let id = 1n; id <= total; id++) {
        const terms = await agreements.get(id);
        if (!terms || terms.status === "Proposed" || terms.status === "Rejected") continue;
        for (const [index, flow] of terms.flows.entries()) {
          const flows = byRecipient.get(flow.to) ?? new Map();
          flows.set(`${id}/${index}`, flow);
          byRecipient.set(flow.to, flows);
        }
      }
      const failures: ConversionFeedRefresh["failures"] = [];
      let reported = 0;
      for (const [recipient, flows] of byRecipient) {
        let rows: unknown[];
        try {
          rows = await fetchReport(recipient as Address);
        } catch (error) {
          const reason = error instanceof OutboundError ? error.shortMessage : (error as Error).message;
          failures.push({ member: recipient as Address, reason: reason.split("\n")[0] });
          continue;
        }
        reported++;
        try {
          lastByRecipient.set(recipient, await tally(recipient as Address, flows, rows, failures));
        } catch (error) {
          // A chain read failed while checking this recipient's epochs: its last report stands.
          failures.push({ member: recipient as Address, reason: (error as Error).message.split("\n")[0] });
        }
      }
      const next = new Map<string, number>();
      for (const mine of lastByRecipient.values()) for (const [key, n] of mine) next.set(key, n);
      counts = next;
      return { recipients: byRecipient.size, reported, pairs: next.size, failures };
    },
  };
}
