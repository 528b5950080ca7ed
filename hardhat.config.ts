import path from "node:path";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import { subtask } from "hardhat/config";
import "@nomicfoundation/hardhat-toolbox";

/**
 * The compiler is the pinned `solc` npm package (soljson.js): no compiler can be downloaded
 * on the machines that build FlowPact. The version below must equal the installed package's.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  const compilerPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");
  return {
    compilerPath,
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: `${args.solcVersion}+commit.7893614a`,
  };
});

/**
 * Tests are the `*.test.ts` files under test/: the folder also holds fixtures, helpers and
 * child-process entry scripts, which must not be loaded as test files.
 */
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  return args.testFiles.length > 0 ? files : files.filter((file) => file.endsWith(".test.ts"));
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      // Cancun: every EVM chain we target (Besu/QBFT, the major L2s) supports it; mcopy and
      // transient storage are available to OpenZeppelin 5.x, which uses them.
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      viaIR: false,
    },
  },
  networks: {
    hardhat: {
      hardfork: "cancun",
      allowUnlimitedContractSize: false,
      // `npm start`'s local chain (src/demo/local-chain.ts) pins its genesis time, so a restarted
      // node has the same genesis block and the replayed chain journal the same block hashes; and
      // lets blocks share a second, so its busy chain keeps to the wall clock instead of running
      // ahead one second per transaction (agreements of 10-second epochs follow that clock).
      ...(process.env.FLOWPACT_CHAIN_GENESIS_DATE
        ? { initialDate: process.env.FLOWPACT_CHAIN_GENESIS_DATE, allowBlocksWithSameTimestamp: true }
        : {}),
    },
    localhost: { url: process.env.FLOWPACT_RPC_URL ?? "http://127.0.0.1:8545" },
    custom: {
      url: process.env.FLOWPACT_RPC_URL ?? "http://127.0.0.1:8545",
      accounts: process.env.FLOWPACT_PRIVATE_KEY ? [process.env.FLOWPACT_PRIVATE_KEY] : [],
    },
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    offline: true,
    outputFile: process.env.GAS_REPORT_FILE,
    noColors: !!process.env.GAS_REPORT_FILE,
  },
  mocha: { timeout: 120_000 },
  // Tests use untyped ethers contracts; the service uses the generated viem ABIs (src/abi).
  typechain: { dontOverrideCompile: true },
};

export default config;
