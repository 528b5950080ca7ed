import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig, redactConfig } from "../../../src/config";

const KEY = `0x${"11".repeat(32)}`;

describe("config", () => {
  const cwd = mkdtempSync(path.join(tmpdir(), "flowpact-config-"));

  it("runs locally with no config at all", () => {
    const config = loadConfig({}, { cwd, env: {} });
    expect(config.rpcUrl).to.equal("http://127.0.0.1:8545");
    expect(config.dataDir).to.equal(path.join(cwd, ".flowpact"));
    expect(config.databaseUrl).to.equal(undefined);
    expect(config.indexer.confirmations).to.equal(0);
  });

  describe("a local `npm start` demo", () => {
    const demo = (where: string) => {
      mkdirSync(where, { recursive: true });
      writeFileSync(path.join(where, "demo.json"), "{}");
      // What a running demo publishes (this process stands in for it: its pid is alive).
      writeFileSync(
        path.join(where, "running.json"),
        JSON.stringify({
          rpcUrl: "http://127.0.0.1:9911",
          dashboardUrl: "http://127.0.0.1:9912",
          chainId: 31337,
          pid: process.pid,
        }),
      );
      return where;
    };

    it("is found from FLOWPACT_DEMO_DIR alone: its chain, its deployment and an index of the CLI's own", () => {
      const dir = demo(mkdtempSync(path.join(tmpdir(), "flowpact-demo-")));
      const config = loadConfig({}, { cwd, env: { FLOWPACT_DEMO_DIR: dir } });
      expect(config.rpcUrl).to.equal("http://127.0.0.1:9911");
      expect(config.deploymentsDir).to.equal(path.join(dir, "deployments"));
      expect(config.dataDir).to.equal(path.join(dir, "cli"));
      // FLOWPACT_RPC_PORT moves the chain; an explicit URL or directory still wins.
      expect(
        loadConfig({}, { cwd, env: { FLOWPACT_DEMO_DIR: dir, FLOWPACT_RPC_PORT: "9545" } }).rpcUrl,
      ).to.equal("http://127.0.0.1:9545");
      const explicit = loadConfig({ deploymentsDir: "mine" }, { cwd, env: { FLOWPACT_DEMO_DIR: dir } });
      expect(explicit.deploymentsDir).to.equal(path.join(cwd, "mine"));
      expect(explicit.rpcUrl).to.equal("http://127.0.0.1:9911");
    });

    it("is found in .flowpact/demo under the working directory only when nothing else configures the chain", () => {
      const checkout = mkdtempSync(path.join(tmpdir(), "flowpact-checkout-"));
      demo(path.join(checkout, ".flowpact", "demo"));
      expect(loadConfig({}, { cwd: checkout, env: {} }).deploymentsDir).to.equal(
        path.join(checkout, ".flowpact", "demo", "deployments"),
      );
      const elsewhere = loadConfig({}, { cwd: checkout, env: { FLOWPACT_RPC_URL: "http://10.0.0.1:8545" } });
      expect(elsewhere.deploymentsDir).to.equal(path.join(checkout, "deployments"));
      expect(elsewhere.dataDir).to.equal(path.join(checkout, ".flowpact"));
    });

    it("refuses a FLOWPACT_RPC_PORT that is no port", () => {
      for (const port of ["eighty", "0", "70000"]) {
        const error = (() => {
          try {
            loadConfig({}, { cwd, env: { FLOWPACT_RPC_PORT: port } });
          } catch (e) {
            return e as ConfigError;
          }
        })();
        expect(error, port).to.be.instanceOf(ConfigError);
        expect(error?.issues[0].source).to.equal("FLOWPACT_RPC_PORT");
        expect(error?.issues[0].message).to.match(/^is not a TCP port/);
      }
    });
  });

  it("layers file < environment < overrides", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowpact-config-"));
    writeFileSync(
      path.join(dir, "flowpact.config.json"),
      JSON.stringify({
        rpcUrl: "http://file:1",
        dataDir: "state",
        indexer: { confirmations: 3, logRange: 50 },
      }),
    );
    const config = loadConfig(
      { indexer: { logRange: 7 } },
      { cwd: dir, env: { FLOWPACT_CONFIRMATIONS: "5", DATABASE_URL: "postgres://u:secret@db/flowpact" } },
    );
    expect(config.rpcUrl).to.equal("http://file:1");
    expect(config.dataDir).to.equal(path.join(dir, "state"));
    expect(config.indexer).to.include({ confirmations: 5, logRange: 7 });
    expect(config.databaseUrl).to.equal("postgres://u:secret@db/flowpact");
  });

  it("reaches member-published URLs on public addresses only, unless private networks are allowed", () => {
    expect(loadConfig({}, { cwd, env: {} }).outbound).to.deep.equal({
      allowPrivateNetworks: false,
      allowedNetworks: [],
    });
    const allowed = loadConfig(
      {},
      {
        cwd,
        env: { FLOWPACT_ALLOW_PRIVATE_NETWORKS: "1", FLOWPACT_ALLOWED_NETWORKS: "10.20.0.0/16, fd12::/16" },
      },
    );
    expect(allowed.outbound).to.deep.equal({
      allowPrivateNetworks: true,
      allowedNetworks: ["10.20.0.0/16", "fd12::/16"],
    });
    expect(() => loadConfig({}, { cwd, env: { FLOWPACT_ALLOW_PRIVATE_NETWORKS: "yes" } })).to.throw(
      ConfigError,
      /FLOWPACT_ALLOW_PRIVATE_NETWORKS.*must be 1, 0, true or false/,
    );
    expect(() => loadConfig({}, { cwd, env: { FLOWPACT_ALLOWED_NETWORKS: "node.example/8" } })).to.throw(
      ConfigError,
      /must be an IP address or CIDR range/,
    );
  });

  it("names every bad field by where it came from and says what to do", () => {
    const error = (() => {
      try {
        loadConfig(
          { indexer: { logRange: 0 } },
          {
            cwd,
            env: {
              FLOWPACT_RPC_URL: "127.0.0.1:8545",
              FLOWPACT_CONFIRMATIONS: "-2",
              FLOWPACT_PRIVATE_KEY: "0xabc",
            },
            overrideSources: { "indexer.logRange": "--log-range" },
          },
        );
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    const sources = error!.issues.map((i) => i.source).sort();
    expect(sources).to.deep.equal([
      "--log-range",
      "FLOWPACT_CONFIRMATIONS",
      "FLOWPACT_PRIVATE_KEY",
      "FLOWPACT_RPC_URL",
    ]);
    expect(error!.message).to.contain("FLOWPACT_CONFIRMATIONS: must be a non-negative integer");
    expect(error!.message).to.contain("FLOWPACT_RPC_URL: must be an http(s):// or ws(s):// URL");
    expect(error!.message).not.to.contain("0xabc");
  });

  it("refuses secrets in the config file and redacts them for printing", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowpact-config-"));
    writeFileSync(path.join(dir, "flowpact.config.json"), JSON.stringify({ privateKey: KEY }));
    expect(() => loadConfig({}, { cwd: dir, env: {} })).to.throw(
      ConfigError,
      "secrets do not belong in the config file",
    );
    const config = loadConfig(
      {},
      { cwd, env: { FLOWPACT_PRIVATE_KEY: KEY, DATABASE_URL: "postgres://u:pw@h/db" } },
    );
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.to.contain(KEY.slice(2));
    expect(shown).not.to.contain(":pw@");
  });

  it("reads trusted proxies and dashboard hosts from the file, the operator token only from the environment", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "flowpact-config-"));
    writeFileSync(
      path.join(dir, "flowpact.config.json"),
      JSON.stringify({ trustProxy: ["10.0.0.0/8", "::1"], dashboard: { allowedHosts: ["dash.example"] } }),
    );
    const token = "a-long-operator-token-of-the-consortium";
    const config = loadConfig({}, { cwd: dir, env: { FLOWPACT_OPERATOR_TOKEN: token } });
    expect(config.trustProxy).to.deep.equal(["10.0.0.0/8", "::1"]);
    expect(config.dashboard.allowedHosts).to.deep.equal(["dash.example"]);
    expect(config.operatorToken).to.equal(token);
    expect(JSON.stringify(redactConfig(config))).not.to.contain(token);
    expect(loadConfig({}, { cwd, env: {} }).trustProxy).to.deep.equal([]);
    writeFileSync(path.join(dir, "flowpact.config.json"), JSON.stringify({ operatorToken: token }));
    expect(() => loadConfig({}, { cwd: dir, env: {} })).to.throw(ConfigError, "FLOWPACT_OPERATOR_TOKEN");
    writeFileSync(path.join(dir, "flowpact.config.json"), JSON.stringify({ trustProxy: ["everyone"] }));
    expect(() => loadConfig({}, { cwd: dir, env: {} })).to.throw(ConfigError, "IP address or CIDR");
  });
});
