/**
 * `npm start`: the main job on embedded defaults. Starts a local Hardhat chain on
 * 127.0.0.1:8545, deploys FlowPact to it and prints the addresses. Ctrl-C stops the chain.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

const root = path.join(__dirname, "..");
const rpcUrl = "http://127.0.0.1:8545";

async function waitForRpc(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local chain did not answer at ${url} within ${timeoutMs / 1000} s`);
}

function run(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", args, { cwd: root, stdio: "inherit" });
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`npx ${args.join(" ")} exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const chain = spawn("npx", ["hardhat", "node", "--hostname", "127.0.0.1", "--port", "8545"], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const stop = () => {
    chain.kill("SIGINT");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await waitForRpc(rpcUrl, 60_000);
  await run(["hardhat", "run", "scripts/deploy.ts", "--network", "localhost"]);
  const deployment = readFileSync(path.join(root, "deployments", "31337.json"), "utf8");
  console.log(`\nFlowPact is deployed on the local chain at ${rpcUrl}:\n${deployment}`);
  console.log("The chain keeps running; press Ctrl-C to stop it.");
}

main().catch((error: Error) => {
  console.error(`flowpact start: ${error.message}`);
  process.exit(1);
});
