/** What a running audit reports: a phase and how far it is, for a progress display. */
export interface AuditProgress {
  phase: "logs" | "blocks" | "transactions" | "balances" | "verify" | "proofs" | "anomalies" | "report";
  done: number;
  total: number;
}

const LABELS: Record<AuditProgress["phase"], string> = {
  logs: "reading events",
  blocks: "reading block times",
  transactions: "reading relayed signatures",
  balances: "reading balances",
  verify: "verifying",
  proofs: "spot-checking proofs",
  anomalies: "looking for anomalies",
  report: "writing the report",
};

/**
 * A one-line progress display on a terminal stream (rewritten in place on a TTY, one line per
 * phase otherwise, so logs of CI runs stay readable).
 *
 * @example
 * const display = createProgressDisplay(process.stderr);
 * await runAudit({ ...options, onProgress: display.update });
 * display.done();
 */
export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): {
  update: (progress: AuditProgress) => void;
  done: () => void;
} {
  let lastPhase: string | undefined;
  let lastDraw = 0;
  const tty = !!stream.isTTY;
  const draw = ({ phase, done, total }: AuditProgress): string => {
    const width = 24;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    return `${LABELS[phase].padEnd(28)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}`;
  };
  return {
    update(progress) {
      const now = Date.now();
      if (tty) {
        if (progress.phase === lastPhase && now - lastDraw < 100 && progress.done < progress.total) return;
        // A finished phase keeps its line; the next phase draws on a fresh one.
        if (progress.phase !== lastPhase && lastPhase !== undefined) stream.write("\n");
        stream.write(`\r${draw(progress)}\x1b[K`);
      } else if (progress.phase !== lastPhase) {
        stream.write(`${LABELS[progress.phase]}…\n`);
      }
      lastPhase = progress.phase;
      lastDraw = now;
    },
    done() {
      if (tty && lastPhase) stream.write("\n");
    },
  };
}
