/**
 * `npm run bench:gas`: gas per external function of the registry contracts, measured in
 * representative scenarios on the Hardhat network (scripts/bench/registry-gas.ts), printed as a
 * table and written to the "gas" section of BENCHMARKS.md. Then, when present, runs the
 * settlement gas bench (scripts/bench/settlement-gas.ts) with its output passed through, so its
 * summary is the last line printed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Table from "cli-table3";
import type { GasRow } from "./registry-gas";
import { writeBenchmarkSection } from "./report";

const root = path.join(__dirname, "..", "..");

function hardhatRun(script: string, env: NodeJS.ProcessEnv = {}): void {
  const run = spawnSync("npx", ["hardhat", "run", script], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  if (run.status !== 0) {
    console.error(
      `bench:gas: \`npx hardhat run ${script}\` failed (exit ${run.status}); see its output above`,
    );
    process.exit(1);
  }
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "flowpact-gas-"));
  const out = path.join(dir, "registry-gas.json");
  try {
    hardhatRun("scripts/bench/registry-gas.ts", { GAS_BENCH_OUT: out });
    const rows: GasRow[] = JSON.parse(readFileSync(out, "utf8"));

    const table = new Table({
      head: ["contract", "function", "scenario", "gas"],
      style: { head: [], border: [] },
    });
    for (const row of rows) table.push([row.contract, row.fn, row.scenario, row.gas.toLocaleString("en-US")]);
    console.log("\nGas per external function (registry contracts, solc 0.8.28, optimizer 200 runs, cancun)");
    console.log(table.toString());

    const markdown = [
      "## Gas per external function: registry (`npm run bench:gas`)",
      "",
      "Measured on the Hardhat network from transaction receipts (solc 0.8.28, optimizer 200 runs,",
      "EVM cancun), one representative call per scenario in scripts/bench/registry-gas.ts.",
      "",
      "| contract | function | scenario | gas |",
      "|---|---|---|---:|",
      ...rows.map(
        (r) => `| ${r.contract} | ${r.fn} | ${r.scenario || "–"} | ${r.gas.toLocaleString("en-US")} |`,
      ),
    ].join("\n");
    writeBenchmarkSection("gas", markdown);
    console.log("Written to the gas section of BENCHMARKS.md");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Helper B's settlement bench prints its own summary; keep it last.
  if (existsSync(path.join(root, "scripts", "bench", "settlement-gas.ts"))) {
    hardhatRun("scripts/bench/settlement-gas.ts");
  }
}

main();
