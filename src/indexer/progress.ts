import { SingleBar } from "cli-progress";

/** Shows backfill progress: a bar on a terminal, plain count lines otherwise (logs, CI). */
export interface ProgressReporter {
  start(fromBlock: bigint, toBlock: bigint): void;
  update(indexedBlock: bigint, events: number): void;
  finish(): void;
}

export const silentProgress: ProgressReporter = { start() {}, update() {}, finish() {} };

export function createProgressReporter(
  stream: NodeJS.WriteStream = process.stderr,
  options: { lineIntervalMs?: number } = {},
): ProgressReporter {
  let from = 0n;
  let to = 0n;
  let startedAt = 0;
  let events = 0;
  let lastLine = 0;
  let bar: SingleBar | undefined;
  const rate = () => {
    const seconds = (Date.now() - startedAt) / 1000;
    return seconds > 0 ? Math.round(events / seconds) : 0;
  };
  const line = (indexed: bigint) =>
    `indexed block ${indexed} of ${to} (${indexed - from + 1n}/${to - from + 1n} blocks), ${events} events, ${rate()} events/s\n`;
  return {
    start(fromBlock, toBlock) {
      from = fromBlock;
      to = toBlock;
      startedAt = Date.now();
      events = 0;
      if (stream.isTTY) {
        bar = new SingleBar({
          stream,
          format:
            "indexing |{bar}| {value}/{total} blocks | {events} events | {rate} events/s | ETA {eta_formatted}",
          hideCursor: true,
        });
        bar.start(Number(toBlock - fromBlock + 1n), 0, { events: 0, rate: 0 });
      } else stream.write(`indexing blocks ${fromBlock}..${toBlock}\n`);
    },
    update(indexed, newEvents) {
      events += newEvents;
      if (bar) bar.update(Number(indexed - from + 1n), { events, rate: rate() });
      else if (Date.now() - lastLine >= (options.lineIntervalMs ?? 2_000)) {
        lastLine = Date.now();
        stream.write(line(indexed));
      }
    },
    finish() {
      if (bar) bar.stop();
      stream.write(line(to));
      bar = undefined;
    },
  };
}
