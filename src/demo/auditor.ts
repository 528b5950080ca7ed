import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address, LocalAccount } from "viem";
import { serializeAuditReport } from "../audit/report";
import { runAudit } from "../audit/run-audit";
import type { Deployment } from "../chain/deployments";
import { createOutboundClient } from "../net";

export interface DemoAuditorOptions {
  rpcUrl: string;
  deployment: Deployment;
  /** The AUDITOR key (no member). */
  auditor: LocalAccount;
  /** Each member's node, as the members' nodes serve them now. */
  nodeUrls: () => Record<Address, string>;
  /** The latest report goes to `<dir>/latest.html` and `latest.json`. */
  reportDir: string;
  /** Milliseconds between audits (the first one waits this long too). */
  everyMs: number;
  log: (line: string) => void;
}

export interface DemoAuditor {
  readonly counters: { audits: number; resolved: number; lastVerdict?: string };
  stop(): Promise<void>;
}

/**
 * The demo's auditor: every `everyMs`, `flowpact audit --attest --resolve-disputes` over the
 * whole chain, in process. It rebuilds the history from JSON-RPC, spot-checks receipt proofs with
 * the referrers' nodes, attests the verdict on chain (the dashboard's audits table shows it) and
 * resolves the disputes the dishonest member's node opened. One audit at a time; a failed one is
 * logged and tried again at the next interval.
 */
export function startDemoAuditor(options: DemoAuditorOptions): DemoAuditor {
  const counters: DemoAuditor["counters"] = { audits: 0, resolved: 0 };
  // The demo's member nodes listen on 127.0.0.1: the one place loopback is allowed explicitly.
  const outbound = createOutboundClient({ allowPrivateNetworks: true });
  mkdirSync(options.reportDir, { recursive: true });
  let stopped = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let lastError = "";
  const loop = (async () => {
    while (!stopped) {
      await pause(options.everyMs);
      if (stopped) break;
      try {
        const result = await runAudit({
          rpcUrl: options.rpcUrl,
          deployment: options.deployment,
          auditor: options.auditor,
          nodeUrls: options.nodeUrls(),
          outbound,
          samplesPerBatch: 3,
          attest: true,
          resolveDisputes: true,
        });
        counters.audits++;
        counters.lastVerdict = result.report.verdict;
        const resolved = result.resolutions.filter((r) => r.outcome === "upheld").length;
        counters.resolved += resolved;
        writeFileSync(path.join(options.reportDir, "latest.html"), result.html);
        writeFileSync(path.join(options.reportDir, "latest.json"), serializeAuditReport(result.report));
        const s = result.report.summary;
        options.log(
          `auditor: verdict ${result.report.verdict.toUpperCase()} over blocks ${result.report.fromBlock}–${result.report.toBlock} (${s.batches} batches, ${s.proofsVerified} receipt proofs verified, ${s.violations} violations, ${s.anomalies} anomalies), attestation #${result.attestation?.attestationId}, ${resolved} disputes upheld`,
        );
        lastError = "";
      } catch (error) {
        const message = (error as Error).message.split("\n")[0];
        // One line per kind of failure, not one per interval.
        if (message !== lastError) options.log(`auditor: ${message}`);
        lastError = message;
      }
    }
  })();
  return {
    counters,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
