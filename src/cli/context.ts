import type { Command } from "commander";
import type { LocalAccount } from "viem";
import type { FlowPactClient, FlowPactClients } from "../chain/clients";
import type { FlowPactConfig, FlowPactConfigOverrides } from "../config";
import type { Store } from "../store/store";

// Loaded when a command first needs them (see `chain()` in action.ts for why `require`).
const clientsModule = (): typeof import("../chain/clients") => require("../chain/clients");
const configModule = (): typeof import("../config") => require("../config");
const keysModule = (): typeof import("../chain/keys") => require("../chain/keys");
const storeModule = (): typeof import("../store/store") => require("../store/store");
const freshnessModule = (): typeof import("./store-freshness") => require("./store-freshness");

/** The options every command inherits from `flowpact` itself. */
export interface GlobalOptions {
  rpc?: string;
  chainId?: number;
  key?: string;
  keystore?: string;
  dataDir?: string;
  deployments?: string;
  config?: string;
  json?: boolean;
}

/** How often the CLI polls for a receipt: short, a command waits for one transaction at a time. */
const RECEIPT_POLLING_MS = 200;

/**
 * What a command needs, built lazily from the global flags: the config (flags over environment
 * over `flowpact.config.json` over defaults), the signing account, clients and the store.
 */
export interface CliContext {
  readonly json: boolean;
  config(): FlowPactConfig;
  /** The signing account; throws `MissingKeyError` when no key is configured. */
  account(): Promise<LocalAccount>;
  /** Clients and deployment; with `signer`, the key is loaded first (before any network call). */
  client(options?: { signer?: boolean }): Promise<FlowPactClient>;
  /** Clients without a deployment (for `deploy`). */
  clients(options?: { signer?: boolean }): Promise<FlowPactClients>;
  /** The store, opened once; closed by the CLI after the command. */
  store(): Promise<Store>;
  /**
   * The store for a `list`: the CLI's own index of a local demo is first brought up to the
   * chain's head; any other store is read as it is, with a note when it lags the chain.
   */
  indexedStore(): Promise<Store>;
  close(): Promise<void>;
}

export function createCliContext(command: Command): CliContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  let config: FlowPactConfig | undefined;
  let account: Promise<LocalAccount> | undefined;
  let store: Promise<Store> | undefined;

  const getConfig = (): FlowPactConfig => {
    if (config) return config;
    const overrides: FlowPactConfigOverrides = {
      rpcUrl: globals.rpc,
      chainId: globals.chainId,
      privateKey: globals.key,
      keystore: globals.keystore,
      dataDir: globals.dataDir,
      deploymentsDir: globals.deployments,
    };
    config = configModule().loadConfig(overrides, {
      configFile: globals.config,
      overrideSources: {
        rpcUrl: "--rpc",
        chainId: "--chain-id",
        privateKey: "--key",
        keystore: "--keystore",
        dataDir: "--data-dir",
        deploymentsDir: "--deployments",
      },
    });
    return config;
  };
  const getAccount = () => {
    account ??= keysModule().loadAccount(getConfig());
    return account;
  };
  const clientOptions = async (signer: boolean) => ({
    account: signer ? await getAccount() : undefined,
    pollingInterval: RECEIPT_POLLING_MS,
  });

  const getStore = () => {
    const c = getConfig();
    store ??= storeModule().createStore(
      c.databaseUrl ? { databaseUrl: c.databaseUrl } : { dataDir: c.dataDir },
    );
    return store;
  };
  const getClient = async ({ signer = false } = {}) =>
    clientsModule().connectFlowPact(getConfig(), await clientOptions(signer));
  const getClients = async ({ signer = false } = {}) =>
    clientsModule().createFlowPactClients(getConfig(), await clientOptions(signer));

  return {
    json: globals.json === true,
    config: getConfig,
    account: getAccount,
    client: getClient,
    clients: getClients,
    store: getStore,
    indexedStore: async () => {
      const c = getConfig();
      const opened = await getStore();
      // The demo's own index is this CLI's alone: nobody else would bring it up to date.
      const demo = configModule().findDemo(process.cwd(), process.env);
      const ownDemoIndex = demo !== undefined && c.databaseUrl === undefined && c.dataDir === demo.dataDir;
      await freshnessModule().freshenStore(
        opened,
        c,
        ownDemoIndex
          ? { type: "catch-up", client: () => getClient() }
          : { type: "report", clients: () => getClients() },
      );
      return opened;
    },
    close: async () => {
      if (store) await (await store.catch(() => undefined))?.close();
    },
  };
}
