/**
 * A process that starts the demo's local chain (`startLocalChain`) on the port given as its
 * argument, prints `{"chainPid": …}` once the node answers, and then idles: the parent the
 * lifecycle tests kill.
 */
import { startLocalChain } from "../../../src/demo/local-chain";

startLocalChain(Number(process.argv[2])).then(
  (chain) => {
    process.stdout.write(`${JSON.stringify({ chainPid: chain.pid })}\n`);
    setInterval(() => {}, 60_000);
  },
  (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
);
