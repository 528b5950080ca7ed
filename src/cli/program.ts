import { Command, Option } from "commander";
import { examples } from "./action";
import { registerAgreementCommands } from "./commands/agreement";
import { registerAuditCommand } from "./commands/audit";
import { registerCreditCommands } from "./commands/credit";
import { registerDaemonCommand } from "./commands/daemon";
import { registerDeployCommand } from "./commands/deploy";
import { registerIndexCommand } from "./commands/indexChain";
import { registerMemberCommands } from "./commands/member";
import { registerNodeCommand } from "./commands/node";
import { registerOfferCommands } from "./commands/offer";
import { parsePositive } from "./parse";

/**
 * The `flowpact` command tree. Commands parse flags and call src/ services; exit codes and error
 * lines are decided in main.ts. `exitOverride` makes commander throw instead of exiting, so usage
 * errors get exit code 2 and tests can drive the program in-process.
 */
export function createProgram(): Command {
  const program = new Command("flowpact")
    .description("FlowPact: institutions trade audience traffic on a shared ledger")
    .version((require("../../package.json") as { version: string }).version, "-V, --version")
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) })
    .option("--rpc <url>", "JSON-RPC URL of the chain (env FLOWPACT_RPC_URL; default http://127.0.0.1:8545)")
    .addOption(
      new Option(
        "--chain-id <id>",
        "expected chain id; refuse another chain (env FLOWPACT_CHAIN_ID)",
      ).argParser((v) => Number(parsePositive(v))),
    )
    .option(
      "--key <hex>",
      "signing private key; prefer env FLOWPACT_PRIVATE_KEY (a flag is visible to other users of the machine)",
    )
    .option(
      "--keystore <file>",
      "encrypted JSON keystore (env FLOWPACT_KEYSTORE; password from FLOWPACT_KEYSTORE_PASSWORD or a prompt)",
    )
    .option(
      "--data-dir <dir>",
      "local state and the embedded database (env FLOWPACT_DATA_DIR; default .flowpact)",
    )
    .option(
      "--deployments <dir>",
      "directory of deployments/<chainId>.json (env FLOWPACT_DEPLOYMENTS_DIR; default deployments)",
    )
    .option("--config <file>", "config file (default flowpact.config.json if present)")
    .option("--json", "print machine-readable JSON instead of tables");

  registerDeployCommand(program);
  registerMemberCommands(program);
  registerOfferCommands(program);
  registerAgreementCommands(program);
  registerCreditCommands(program);
  registerIndexCommand(program);
  registerNodeCommand(program);
  registerAuditCommand(program);
  registerDaemonCommand(program);

  examples(program, [
    "flowpact deploy                                  # as the governor, on the local node",
    "flowpact member apply --industry banking --segments families,students --uri https://node.bank.example",
    "flowpact member admit 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "flowpact offer post --supply families --capacity 500 --min-rate 2 --expires +30d",
    "flowpact index --once && flowpact agreement list --json",
  ]);
  program.addHelpText(
    "after",
    "\nExit codes: 0 done; 1 the chain refused (the decoded error is printed) or could not be reached;\n2 the command line or configuration is wrong.\n",
  );
  return program;
}
