import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { readDemoDiscovery } from "../demo/discovery";
import { ConfigError, type ConfigIssue } from "./errors";
import { redactSecrets } from "./redact";
import {
  DEFAULT_CONFIG,
  type FlowPactConfig,
  type FlowPactConfigOverrides,
  flowPactConfigSchema,
} from "./schema";

/** Environment variables and the config field each one sets. */
export const CONFIG_ENV = {
  FLOWPACT_RPC_URL: "rpcUrl",
  FLOWPACT_CHAIN_ID: "chainId",
  FLOWPACT_DATA_DIR: "dataDir",
  FLOWPACT_DEPLOYMENTS_DIR: "deploymentsDir",
  DATABASE_URL: "databaseUrl",
  FLOWPACT_PRIVATE_KEY: "privateKey",
  FLOWPACT_KEYSTORE: "keystore",
  FLOWPACT_KEYSTORE_PASSWORD: "keystorePassword",
  FLOWPACT_OPERATOR_TOKEN: "operatorToken",
  FLOWPACT_CONFIRMATIONS: "indexer.confirmations",
  FLOWPACT_FINALITY_DEPTH: "indexer.finalityDepth",
  FLOWPACT_LOG_RANGE: "indexer.logRange",
  FLOWPACT_POLL_INTERVAL_MS: "indexer.pollIntervalMs",
  FLOWPACT_ALLOW_PRIVATE_NETWORKS: "outbound.allowPrivateNetworks",
  FLOWPACT_ALLOWED_NETWORKS: "outbound.allowedNetworks",
} as const;

const NUMERIC_FIELDS = new Set([
  "chainId",
  "indexer.confirmations",
  "indexer.finalityDepth",
  "indexer.logRange",
  "indexer.pollIntervalMs",
]);
const BOOLEAN_FIELDS = new Set(["outbound.allowPrivateNetworks"]);
/** Comma-separated lists. */
const LIST_FIELDS = new Set(["outbound.allowedNetworks"]);
const SECRET_FIELDS = new Set(["privateKey", "keystorePassword", "databaseUrl", "operatorToken"]);

export const CONFIG_FILE_NAME = "flowpact.config.json";

export interface LoadConfigOptions {
  /** Directory that relative paths and the config file are resolved against (default: cwd). */
  cwd?: string;
  /** Environment to read (default: `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Config file path; default `flowpact.config.json` in `cwd` (or FLOWPACT_CONFIG), optional. */
  configFile?: string;
  /** Names the overrides' origin in error messages, e.g. `{ rpcUrl: "--rpc" }`. */
  overrideSources?: Partial<Record<string, string>>;
}

type Layer = { values: Record<string, unknown>; sources: Record<string, string> };

/** Where `npm start` keeps its demo when FLOWPACT_DEMO_DIR is not set (relative to the checkout). */
export const DEFAULT_DEMO_DIR = path.join(".flowpact", "demo");

/** What the CLI uses of a local `npm start` demo (see `findDemo`). */
export interface DemoLocation {
  /** The demo's data directory (absolute). */
  dir: string;
  rpcUrl: string;
  /** `<dir>/deployments`: the demo writes its deployment there. */
  deploymentsDir: string;
  /**
   * `<dir>/cli`: the CLI's own index of the demo chain (the demo's store is open in the demo's
   * process, and an embedded database takes one process at a time).
   */
  dataDir: string;
  /** How it was found, for messages: `FLOWPACT_DEMO_DIR`, `FLOWPACT_RPC_PORT` or the default directory. */
  source: string;
}

/**
 * The `npm start` demo the CLI should talk to: the one FLOWPACT_DEMO_DIR or FLOWPACT_RPC_PORT
 * name (the variables that moved it), or else the default `.flowpact/demo` under `cwd` when it
 * holds a demo. Its chain is at FLOWPACT_RPC_PORT, else where its discovery file says, else 8545.
 */
export function findDemo(
  cwd: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[] = [],
): DemoLocation | undefined {
  const named = env.FLOWPACT_DEMO_DIR || undefined;
  const port = env.FLOWPACT_RPC_PORT || undefined;
  const dir = path.resolve(cwd, named ?? DEFAULT_DEMO_DIR);
  if (!named && !port && !existsSync(path.join(dir, "demo.json"))) return undefined;
  if (port !== undefined && !(/^\s*\d+\s*$/.test(port) && Number(port) >= 1 && Number(port) <= 65_535)) {
    issues.push({
      source: "FLOWPACT_RPC_PORT",
      message: `is not a TCP port (got ${JSON.stringify(port)}): set it to 1–65535 or unset it`,
    });
    return undefined;
  }
  const rpcUrl = port
    ? `http://127.0.0.1:${Number(port)}`
    : (readDemoDiscovery(dir)?.rpcUrl ?? "http://127.0.0.1:8545");
  return {
    dir,
    rpcUrl,
    deploymentsDir: path.join(dir, "deployments"),
    dataDir: path.join(dir, "cli"),
    source: named ? "FLOWPACT_DEMO_DIR" : port ? "FLOWPACT_RPC_PORT" : DEFAULT_DEMO_DIR,
  };
}

/** Fields a demo supplies; any of them set elsewhere means the user configured another chain. */
const DEMO_FIELDS = ["rpcUrl", "deploymentsDir", "dataDir"] as const;

/**
 * The demo's settings as a layer under the file, the environment and the flags. A demo named by
 * FLOWPACT_DEMO_DIR / FLOWPACT_RPC_PORT fills what nothing else sets; the default directory is
 * used only when nothing else configures the chain, its deployment or the store.
 */
function demoLayer(demo: DemoLocation | undefined, configured: Layer[]): Layer {
  const layer: Layer = { values: {}, sources: {} };
  if (!demo) return layer;
  const set = (field: string) => configured.some((l) => field in l.values);
  if (demo.source === DEFAULT_DEMO_DIR && [...DEMO_FIELDS, "databaseUrl"].some(set)) return layer;
  for (const field of DEMO_FIELDS) {
    layer.values[field] = demo[field];
    layer.sources[field] = `the demo in ${demo.dir} (${demo.source})`;
  }
  return layer;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const [head, tail] = dotted.split(".", 2);
  if (tail === undefined) target[head] = value;
  else {
    target[head] ??= {};
    (target[head] as Record<string, unknown>)[tail] = value;
  }
}

function flatten(obj: Record<string, unknown>, prefix = ""): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? flatten(v as Record<string, unknown>, `${prefix}${k}.`)
      : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

function envLayer(env: NodeJS.ProcessEnv, issues: ConfigIssue[]): Layer {
  const layer: Layer = { values: {}, sources: {} };
  for (const [name, field] of Object.entries(CONFIG_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    let value: unknown = raw;
    if (NUMERIC_FIELDS.has(field)) {
      if (!/^\s*\d+\s*$/.test(raw)) {
        issues.push({
          source: name,
          message: `must be a non-negative integer, got ${JSON.stringify(raw)}: unset it or fix the value`,
        });
        continue;
      }
      value = Number(raw);
    }
    if (BOOLEAN_FIELDS.has(field)) {
      if (!/^\s*(1|0|true|false)\s*$/i.test(raw)) {
        issues.push({ source: name, message: `must be 1, 0, true or false, got ${JSON.stringify(raw)}` });
        continue;
      }
      value = /^\s*(1|true)\s*$/i.test(raw);
    }
    if (LIST_FIELDS.has(field))
      value = raw
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== "");
    layer.values[field] = value;
    layer.sources[field] = name;
  }
  return layer;
}

function fileLayer(file: string, required: boolean, issues: ConfigIssue[]): Layer {
  const layer: Layer = { values: {}, sources: {} };
  if (!existsSync(file)) {
    if (required) issues.push({ source: file, message: "config file not found: check the path" });
    return layer;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    issues.push({ source: file, message: `is not valid JSON (${(e as Error).message}): fix the file` });
    return layer;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    issues.push({ source: file, message: "must hold a JSON object" });
    return layer;
  }
  for (const [field, value] of flatten(parsed as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(field) && field !== "databaseUrl") {
      issues.push({
        source: `${file}: ${field}`,
        message:
          field === "operatorToken"
            ? "secrets do not belong in the config file: use FLOWPACT_OPERATOR_TOKEN"
            : "secrets do not belong in the config file: use FLOWPACT_PRIVATE_KEY or a keystore",
      });
      continue;
    }
    layer.values[field] = value;
    layer.sources[field] = `${path.basename(file)}: ${field}`;
  }
  return layer;
}

/**
 * Loads the configuration: defaults, then `flowpact.config.json` (optional), then environment
 * variables, then `overrides` (CLI flags), validated with zod. Relative paths are resolved
 * against `cwd`. Throws `ConfigError` naming every bad field and where it came from.
 *
 * @example
 * const config = loadConfig({ rpcUrl: "http://127.0.0.1:9545" }, { overrideSources: { rpcUrl: "--rpc" } });
 */
export function loadConfig(
  overrides: FlowPactConfigOverrides = {},
  options: LoadConfigOptions = {},
): FlowPactConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  const explicitFile = options.configFile ?? env.FLOWPACT_CONFIG;
  const file = path.resolve(cwd, explicitFile ?? CONFIG_FILE_NAME);

  const configured: Layer[] = [
    fileLayer(file, explicitFile !== undefined, issues),
    envLayer(env, issues),
    {
      values: Object.fromEntries(
        flatten(overrides as Record<string, unknown>).filter(([, v]) => v !== undefined),
      ),
      sources: Object.fromEntries(
        Object.keys(Object.fromEntries(flatten(overrides as Record<string, unknown>))).map((k) => [
          k,
          options.overrideSources?.[k] ?? `option ${k}`,
        ]),
      ),
    },
  ];
  const layers: Layer[] = [
    {
      values: Object.fromEntries(flatten(DEFAULT_CONFIG as unknown as Record<string, unknown>)),
      sources: {},
    },
    demoLayer(findDemo(cwd, env, issues), configured),
    ...configured,
  ];
  const merged: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer.values)) {
      setPath(merged, field, value);
      sources[field] = layer.sources[field] ?? `default ${field}`;
    }
  }

  const result = flowPactConfigSchema.safeParse(merged);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = issue.path.join(".");
      const shown = SECRET_FIELDS.has(field) ? "" : describeValue(merged, field);
      issues.push({ source: sources[field] ?? field, message: `${issue.message}${shown}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const config = result.data!;
  return {
    ...config,
    dataDir: path.resolve(cwd, config.dataDir),
    deploymentsDir: path.resolve(cwd, config.deploymentsDir),
    keystore: config.keystore === undefined ? undefined : path.resolve(cwd, config.keystore),
  };
}

function describeValue(merged: Record<string, unknown>, field: string): string {
  let value: unknown = merged;
  for (const part of field.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
  return value === undefined ? "" : ` (got ${JSON.stringify(value)})`;
}

/** The config with secrets replaced, safe to print or log. */
export function redactConfig(config: FlowPactConfig): Record<string, unknown> {
  return {
    ...config,
    privateKey: config.privateKey === undefined ? undefined : "<redacted>",
    keystorePassword: config.keystorePassword === undefined ? undefined : "<redacted>",
    operatorToken: config.operatorToken === undefined ? undefined : "<redacted>",
    databaseUrl: config.databaseUrl === undefined ? undefined : redactSecrets(config.databaseUrl, []),
    rpcUrl: redactSecrets(config.rpcUrl, []),
  };
}
