/**
 * `npm run coverage`: runs solidity-coverage over the contract tests, then prints line and
 * branch coverage per shipped contract (everything under contracts/ except contracts/test/) and
 * in total, and fails when the total is below 95% of lines or 90% of branches.
 *
 *   npm run coverage                                            # test/contracts/**
 *   npm run coverage -- --testfiles 'test/contracts/registry/**\/*.ts'  # a subset of the tests
 *   npm run coverage -- --contracts Consortium,OfferBook   # judge only these contracts
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import Table from "cli-table3";

const MIN_LINES = 95;
const MIN_BRANCHES = 90;

const root = path.join(__dirname, "..");
const lcovPath = path.join(root, "coverage", "lcov.info");

interface FileCoverage {
  file: string;
  linesFound: number;
  linesHit: number;
  branchesFound: number;
  branchesHit: number;
}

/** Parses the LF/LH/BRF/BRH totals of each `SF:` record of an lcov file. */
export function parseLcov(text: string): FileCoverage[] {
  const files: FileCoverage[] = [];
  let current: FileCoverage | undefined;
  for (const line of text.split("\n")) {
    const [key, value = ""] = line.split(/:(.*)/s);
    if (key === "SF") current = { file: value, linesFound: 0, linesHit: 0, branchesFound: 0, branchesHit: 0 };
    else if (current && key === "LF") current.linesFound = Number(value);
    else if (current && key === "LH") current.linesHit = Number(value);
    else if (current && key === "BRF") current.branchesFound = Number(value);
    else if (current && key === "BRH") current.branchesHit = Number(value);
    else if (current && line === "end_of_record") {
      files.push(current);
      current = undefined;
    }
  }
  return files;
}

const percent = (hit: number, found: number) => (found === 0 ? 100 : (100 * hit) / found);

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const testfiles = option("--testfiles") ?? "test/contracts/**/*.ts";
  const only = option("--contracts")
    ?.split(",")
    .map((name) => `${name.trim()}.sol`);
  const run = spawnSync("npx", ["hardhat", "coverage", "--testfiles", testfiles], {
    cwd: root,
    stdio: "inherit",
  });
  // solidity-coverage compiles instrumented contracts into the shared artifacts/; compile again
  // so that codegen, deploy and other tests see the real bytecode afterwards.
  spawnSync("npx", ["hardhat", "compile", "--quiet"], { cwd: root, stdio: "inherit" });
  if (!existsSync(lcovPath)) {
    console.error("coverage: no coverage/lcov.info was written; see the hardhat coverage output above");
    process.exit(1);
  }
  const shipped = parseLcov(readFileSync(lcovPath, "utf8"))
    .map((f) => ({ ...f, file: path.relative(root, path.resolve(root, f.file)) }))
    .filter(
      (f) => f.file.startsWith("contracts/") && !f.file.startsWith("contracts/test/") && f.linesFound > 0,
    )
    .filter((f) => !only || only.includes(path.basename(f.file)))
    .sort((a, b) => a.file.localeCompare(b.file));

  const table = new Table({
    head: ["contract", "lines", "line %", "branches", "branch %"],
    style: { head: [], border: [] },
  });
  const total = { linesFound: 0, linesHit: 0, branchesFound: 0, branchesHit: 0 };
  for (const f of shipped) {
    table.push([
      f.file,
      `${f.linesHit}/${f.linesFound}`,
      percent(f.linesHit, f.linesFound).toFixed(2),
      `${f.branchesHit}/${f.branchesFound}`,
      percent(f.branchesHit, f.branchesFound).toFixed(2),
    ]);
    total.linesFound += f.linesFound;
    total.linesHit += f.linesHit;
    total.branchesFound += f.branchesFound;
    total.branchesHit += f.branchesHit;
  }
  const lines = percent(total.linesHit, total.linesFound);
  const branches = percent(total.branchesHit, total.branchesFound);
  table.push([
    "total",
    `${total.linesHit}/${total.linesFound}`,
    lines.toFixed(2),
    `${total.branchesHit}/${total.branchesFound}`,
    branches.toFixed(2),
  ]);
  console.log(`\nCoverage of the shipped contracts (tests: ${testfiles})`);
  console.log(table.toString());
  console.log(
    `lines ${lines.toFixed(2)}% (minimum ${MIN_LINES}%), branches ${branches.toFixed(2)}% (minimum ${MIN_BRANCHES}%)`,
  );

  if (run.status !== 0) {
    console.error("coverage: some tests failed under coverage; the figures above are incomplete");
    process.exit(1);
  }
  if (lines < MIN_LINES || branches < MIN_BRANCHES) {
    console.error(
      "coverage: below the minimum; add tests for the uncovered lines listed by hardhat coverage above",
    );
    process.exit(1);
  }
}

if (require.main === module) main();
