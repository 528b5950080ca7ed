import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Address, createPublicClient, http, type LocalAccount } from "viem";
import type { FlowPactContractName } from "../chain/contracts";
import { type Deployment, readDeployment } from "../chain/deployments";
import { createChainPeerDirectory, type PeerDirectory } from "../member/peer-directory";
import type { OutboundClient } from "../net";
import { type AnomalyOptions, detectAnomalies } from "./anomalies";
import { attestReport } from "./attest";
import { type DisputeResolution, resolveDisputes } from "./dispute-resolution";
import { AuditAttestationError, AuditConfigError } from "./errors";
import type { Finding } from "./findings";
import { loadHistory } from "./history-loader";
import { renderHtmlReport } from "./html-report";
import type { AuditProgress } from "./progress";
import { type BatchProofCheck, spotCheckProofs } from "./proof-checks";
import {
  type AuditReport,
  auditReportHash,
  buildAuditReport,
  type ReportAttestation,
  serializeAuditReport,
} from "./report";
import { formatTerminalSummary } from "./terminal-summary";
import { verifyHistory } from "./verifier";

export interface RunAuditOptions {
  /** JSON-RPC endpoint (`--rpc`). */
  rpcUrl: string;
  /** A deployment (or a deployment file path, or a deployments dir + chain id), or the addresses. */
  deployment?: Deployment | string;
  contracts?: Record<FlowPactContractName, Address>;
  /** Block range (default: the deployment's start block to the latest). */
  fromBlock?: bigint;
  toBlock?: bigint;
  /** The AUDITOR key: signs proof requests, and the attestation with `attest`. */
  auditor?: LocalAccount;
  /** Member → base URL of its node, for proof spot-checks; overrides what `nodesFromProfiles` finds. */
  nodeUrls?: Record<Address, string>;
  /**
   * Find each referrer's node at the `uri` of its on-chain profile, as member nodes find each
   * other (with an auditor key). Without it and without `nodeUrls`, spot-checks are skipped.
   */
  nodesFromProfiles?: boolean;
  /**
   * How members' nodes are reached for proofs (address policy, body cap, timeouts); default:
   * public addresses only. `createOutboundClient(config.outbound)` honours the configuration.
   */
  outbound?: OutboundClient;
  /** Receipt proofs requested per batch (k, default 3). */
  samplesPerBatch?: number;
  /** Uniform random integer in [0, n) for the proof sample (default: the CSPRNG). */
  randomIndex?: (n: bigint) => bigint;
  anomalies?: AnomalyOptions;
  /** Write `audit-<chain>-<from>-<to>.json` and `.html` here. */
  outDir?: string;
  /** Transaction link template for the HTML report, `{tx}` replaced by the hash. */
  explorerTxUrl?: string;
  /** Post the report's hash and verdict on chain (`--attest`). */
  attest?: boolean;
  /**
   * Close every dispute whose answer window has passed (`--resolve-disputes`; see
   * dispute-resolution.ts): nobody showed the recipient's acknowledgement above its count, so the
   * count stands. The report describes the chain before these; they are in `resolutions` and the
   * summary.
   */
  resolveDisputes?: boolean;
  onProgress?: (progress: AuditProgress) => void;
}

export interface RunAuditResult {
  report: AuditReport;
  reportHash: `0x${string}`;
  /** Terminal summary, verdict first. */
  summary: string;
  html: string;
  files: { json?: string; html?: string };
  findings: Finding[];
  proofChecks: BatchProofCheck[];
  attestation?: ReportAttestation;
  resolutions: DisputeResolution[];
}

/**
 * The whole audit (what `flowpact audit` runs): rebuild the history from raw JSON-RPC, verify it,
 * spot-check receipt proofs with the members' nodes, look for anomalies, write the JSON and HTML
 * reports, and, with `attest`, record the report's hash and verdict on chain.
 *
 * @example
 * const { summary, report } = await runAudit({ rpcUrl, deployment: "deployments/31337.json", auditor,
 *   nodeUrls, outDir: "reports", attest: true });
 * console.log(summary);
 */
export async function runAudit(options: RunAuditOptions): Promise<RunAuditResult> {
  const deployment = resolveDeployment(options);
  const contracts = options.contracts ?? deployment?.contracts;
  if (!contracts)
    throw new AuditConfigError(
      "nothing to audit: pass a deployment file (--deployment) or the five contract addresses",
    );
  const publicClient = createPublicClient({
    // Small JSON-RPC batches: full blocks weigh megabytes and viem refuses answers over 10 MB.
    transport: http(options.rpcUrl, {
      batch: { batchSize: 20, wait: 0 },
      retryCount: 3,
      timeout: 60_000,
    }),
  });
  const history = await loadHistory({
    rpcUrl: options.rpcUrl,
    publicClient,
    contracts,
    fromBlock: options.fromBlock ?? BigInt(deployment?.startBlock ?? 0),
    toBlock: options.toBlock,
    onProgress: options.onProgress,
  });
  options.onProgress?.({ phase: "verify", done: 0, total: history.events.length });
  const { findings, model } = await verifyHistory(history);
  options.onProgress?.({ phase: "verify", done: history.events.length, total: history.events.length });

  let proofChecks: BatchProofCheck[] = [];
  const nodeUrls =
    options.nodesFromProfiles && options.auditor
      ? {
          ...(await nodeUrlsFromProfiles(
            createChainPeerDirectory({ publicClient, consortium: history.contracts.Consortium }),
            model.batches.filter((b) => b.count > 0n).map((b) => b.referrer),
          )),
          ...options.nodeUrls,
        }
      : options.nodeUrls;
  const domain = { chainId: history.chainId, settlement: history.contracts.Settlement };
  if (nodeUrls && options.auditor) {
    const spot = await spotCheckProofs(model, {
      auditor: options.auditor,
      domain,
      nodeUrls,
      samplesPerBatch: options.samplesPerBatch,
      randomIndex: options.randomIndex,
      onProgress: options.onProgress,
      outbound: options.outbound,
    });
    findings.push(...spot.findings);
    proofChecks = spot.checks;
  }
  options.onProgress?.({ phase: "anomalies", done: 0, total: 1 });
  findings.push(...detectAnomalies(model, options.anomalies));
  options.onProgress?.({ phase: "anomalies", done: 1, total: 1 });

  const report = buildAuditReport({
    chainId: history.chainId,
    contracts: history.contracts,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    model,
    findings,
    proofChecks,
  });
  const reportHash = auditReportHash(report);
  let attestation: ReportAttestation | undefined;
  if (options.attest) {
    if (!options.auditor)
      throw new AuditAttestationError("--attest needs the AUDITOR key: pass the auditor's account");
    attestation = await attestReport({
      publicClient,
      rpcUrl: options.rpcUrl,
      auditor: options.auditor,
      settlement: history.contracts.Settlement,
      reportHash,
      verdict: report.verdict,
      fromBlock: history.fromBlock,
      toBlock: history.toBlock,
    });
  }
  let resolutions: DisputeResolution[] = [];
  if (options.resolveDisputes) {
    if (!options.auditor)
      throw new AuditAttestationError("--resolve-disputes needs the AUDITOR key: pass the auditor's account");
    resolutions = await resolveDisputes(model, {
      publicClient,
      rpcUrl: options.rpcUrl,
      auditor: options.auditor,
      settlement: history.contracts.Settlement,
    });
  }
  const html = renderHtmlReport(report, { explorerTxUrl: options.explorerTxUrl, attestation, reportHash });
  const files: RunAuditResult["files"] = {};
  if (options.outDir) {
    options.onProgress?.({ phase: "report", done: 0, total: 2 });
    mkdirSync(options.outDir, { recursive: true });
    const stem = path.join(
      options.outDir,
      `audit-${history.chainId}-${history.fromBlock}-${history.toBlock}`,
    );
    files.json = `${stem}.json`;
    files.html = `${stem}.html`;
    writeFileSync(files.json, serializeAuditReport(report));
    writeFileSync(files.html, html);
    options.onProgress?.({ phase: "report", done: 2, total: 2 });
  }
  const summary = formatTerminalSummary(report, {
    files: [files.json, files.html].filter((f): f is string => !!f),
    attestation,
    resolutions,
  });
  return { report, reportHash, summary, html, files, findings, proofChecks, attestation, resolutions };
}

function resolveDeployment(options: RunAuditOptions): Deployment | undefined {
  const d = options.deployment;
  if (d === undefined || typeof d === "object") return d;
  const file = path.resolve(d);
  const chainId = Number(path.basename(file, ".json"));
  if (!Number.isInteger(chainId))
    throw new AuditConfigError(`${d} is not a deployments/<chainId>.json file: name it after its chain id`);
  return readDeployment(path.dirname(file), chainId);
}

/** Each member's node base URL from its on-chain profile; members without an http(s) `uri` are left out. */
async function nodeUrlsFromProfiles(
  peers: PeerDirectory,
  members: readonly Address[],
): Promise<Record<Address, string>> {
  const unique = [...new Set(members.map((m) => m.toLowerCase() as Address))];
  const urls = await Promise.all(unique.map((m) => peers.nodeUrl(m)));
  return Object.fromEntries(unique.flatMap((m, i) => (urls[i] ? [[m, urls[i]]] : [])));
}
