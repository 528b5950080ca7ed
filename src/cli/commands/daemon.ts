import { type Command, Option } from "commander";
import { examples, withContext } from "../action";
import { emit } from "../output";
import { parseDuration, parsePositive } from "../parse";
import { onStopSignal } from "../signals";

interface DaemonFlags {
  once?: boolean;
  interval?: bigint;
  metricsPort?: string;
  epochLength?: bigint;
  epochs?: bigint;
  proposalTtl?: bigint;
  conversionFeed?: boolean;
  conversionRefresh: bigint;
  logLevel: string;
}

export function registerDaemonCommand(program: Command): void {
  examples(
    program
      .command("daemon")
      .description(
        "the matching daemon (needs MATCHER_ROLE): index, match, propose agreements, follow acceptances, expire stale proposals, finalise undisputed claims; JSON logs on stderr",
      )
      .option("--once", "run a single tick and exit")
      .addOption(
        new Option("--interval <duration>", "time between ticks (default 15s)").argParser(parseDuration),
      )
      .option(
        "--metrics-port <port>",
        "Prometheus /metrics on 127.0.0.1 (0 = any free port, off = none; default 9464, off with --once)",
      )
      .addOption(
        new Option("--epoch-length <duration>", "epoch length of proposed agreements (default 1d)").argParser(
          parseDuration,
        ),
      )
      .addOption(
        new Option("--epochs <n>", "epochs of proposed agreements (default 30)").argParser(parsePositive),
      )
      .addOption(
        new Option("--proposal-ttl <duration>", "time the parties have to accept (default 3d)").argParser(
          parseDuration,
        ),
      )
      .option(
        "--conversion-feed",
        "weigh matches by the conversions recipients report: read each member node's conversion report (signed with this MATCHER key) at the `uri` of its on-chain profile",
      )
      .addOption(
        new Option("--conversion-refresh <duration>", "time between conversion report reads")
          .argParser(parseDuration)
          .default(60n, "1m"),
      )
      .addOption(
        new Option("--log-level <level>", "pino log level")
          .choices(["debug", "info", "warn", "error"])
          .default("info"),
      )
      .action(
        withContext(async (ctx, flags: DaemonFlags) => {
          const abort = new AbortController();
          const release = onStopSignal(() => abort.abort());
          try {
            const pino: typeof import("pino") = require("pino");
            const { runDaemon }: typeof import("../../daemon/daemon") = require("../../daemon/daemon");
            const metricsPort =
              flags.metricsPort === undefined
                ? undefined
                : flags.metricsPort === "off"
                  ? false
                  : Number(flags.metricsPort);
            if (
              metricsPort !== undefined &&
              metricsPort !== false &&
              !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort < 65_536)
            )
              throw new Error(
                `--metrics-port must be a port number (0-65535) or "off", not "${flags.metricsPort}"`,
              );
            const logger = pino.default(
              { name: "flowpact-daemon", level: flags.logLevel },
              pino.destination({ fd: 2, sync: true }),
            );
            let feedTimer: NodeJS.Timeout | undefined;
            let conversions: import("../../daemon/instance").ConversionSource | undefined;
            if (flags.conversionFeed) {
              const {
                createConversionFeed,
              }: typeof import("../../daemon/conversion-feed") = require("../../daemon/conversion-feed");
              const client = await ctx.client({ signer: true });
              const feed = createConversionFeed({
                publicClient: client.publicClient as never,
                chainId: client.chain.id,
                contracts: client.deployment.contracts,
                account: await ctx.account(),
                // Recipients' profile URIs: public addresses only unless the config allows more.
                outbound: (require("../../net") as typeof import("../../net")).createOutboundClient(
                  ctx.config().outbound,
                ),
              });
              const refresh = async () => {
                try {
                  const r = await feed.refresh();
                  logger.info(
                    { recipients: r.recipients, reported: r.reported, pairs: r.pairs, failures: r.failures },
                    "conversion reports read",
                  );
                } catch (error) {
                  logger.warn(
                    { err: (error as Error).message },
                    "conversion reports not read; retrying later",
                  );
                }
              };
              await refresh();
              if (flags.once !== true) {
                feedTimer = setInterval(refresh, Number(flags.conversionRefresh) * 1000);
                feedTimer.unref();
              }
              conversions = feed.source;
            }
            const last = await runDaemon({
              config: ctx.config(),
              once: flags.once === true,
              signal: abort.signal,
              intervalMs: flags.interval === undefined ? undefined : Number(flags.interval) * 1000,
              metricsPort,
              logger,
              conversions,
              schedule: {
                ...(flags.epochLength !== undefined && { epochLengthSeconds: Number(flags.epochLength) }),
                ...(flags.epochs !== undefined && { epochs: Number(flags.epochs) }),
                ...(flags.proposalTtl !== undefined && { proposalTtlSeconds: Number(flags.proposalTtl) }),
              },
            });
            if (feedTimer) clearInterval(feedTimer);
            if (last)
              emit(
                ctx.json,
                {
                  indexedBlock: last.indexedBlock,
                  proposed: last.proposed,
                  skippedEquivalent: last.skippedEquivalent,
                  activated: last.activated,
                  expired: last.expired,
                  finalised: last.finalised,
                  solve: last.solve,
                  epochs: last.epochs,
                },
                () =>
                  `tick at block ${last.indexedBlock}: ${last.proposed.length} proposed, ${last.skippedEquivalent} skipped as equivalent, ${last.activated} became active, ${last.expired} expired, ${last.finalised} claims finalised`,
              );
          } finally {
            release();
          }
        }),
      ),
    [
      "FLOWPACT_PRIVATE_KEY=0x… flowpact daemon --once",
      "flowpact daemon --interval 30s --metrics-port 9464",
      "flowpact daemon --conversion-feed --conversion-refresh 5m",
    ],
  );
}
