import { z } from "zod";
import { parseNetworkRange } from "../net/address-policy";

const hex32 = /^0x[0-9a-fA-F]{64}$/;

/**
 * The one FlowPact configuration. Every field has a default that runs against a local Hardhat
 * node with an embedded database, so `flowpact` works with no config at all.
 */
export const flowPactConfigSchema = z.object({
  /** JSON-RPC endpoint of the chain that holds the FlowPact contracts. */
  rpcUrl: z.url({ protocol: /^(https?|wss?)$/, error: "must be an http(s):// or ws(s):// URL" }),
  /** Expected chain id; when absent the RPC's own `eth_chainId` is used. */
  chainId: z.number().int().positive().optional(),
  /** Directory for the embedded database and other local state (absolute after loading). */
  dataDir: z.string().min(1),
  /** Directory holding `deployments/<chainId>.json` (absolute after loading). */
  deploymentsDir: z.string().min(1),
  /** PostgreSQL connection string; when set it replaces the embedded PGlite database. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// connection string")
    .optional(),
  /** Signing key (32-byte hex). Never printed: see `redactConfig`. */
  privateKey: z.string().regex(hex32, "must be 0x followed by 64 hex digits").optional(),
  /** Path of an encrypted Ethereum keystore (v3 JSON) used when no private key is given. */
  keystore: z.string().min(1).optional(),
  /** Password of the keystore; when absent the CLI prompts for it on a terminal. */
  keystorePassword: z.string().optional(),
  /**
   * Reverse proxies (IP addresses or CIDRs) in front of the member node or the dashboard whose
   * X-Forwarded-For names the client for the rate limits; from any other peer the header is ignored.
   */
  trustProxy: z
    .array(z.string().regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, "must be an IP address or CIDR, e.g. 10.0.0.0/8"))
    .max(64),
  dashboard: z.object({
    /**
     * Host names the dashboard answers to besides loopback and the address it is bound to (a
     * public name behind a reverse proxy); any other Host header is refused (DNS rebinding).
     */
    allowedHosts: z
      .array(z.string().regex(/^[a-zA-Z0-9.-]{1,253}$/, "must be a host name without port"))
      .max(64),
  }),
  /**
   * The bearer token the dashboard's member actions need; generated at start when absent. A
   * secret: FLOWPACT_OPERATOR_TOKEN only, never the config file.
   */
  operatorToken: z.string().min(16, "must be at least 16 characters").max(512).optional(),
  indexer: z.object({
    /** Blocks a block must be buried under before it is indexed (0 = index the head). */
    confirmations: z.number().int().min(0).max(10_000),
    /**
     * Blocks behind the head after which a block is treated as final: the indexer keeps undo
     * data (for reorgs) only for blocks younger than this, and backfills older ones in bulk.
     */
    finalityDepth: z.number().int().min(0).max(100_000),
    /** Largest block range asked of `eth_getLogs` in one call during backfill. */
    logRange: z.number().int().min(1).max(1_000_000),
    /** Milliseconds between head polls when following the chain. */
    pollIntervalMs: z.number().int().min(50).max(600_000),
  }),
  /** How member-published URLs (profile `uri`s) are reached: src/net/outbound-client.ts. */
  outbound: z.object({
    /**
     * Let nodes, the daemon and the auditor reach loopback, private and link-local addresses
     * (a local consortium, tests). Off by default: a member could otherwise point them at internal
     * services. Metadata, multicast and reserved addresses stay refused.
     */
    allowPrivateNetworks: z.boolean(),
    /** CIDR ranges reachable whatever their kind, e.g. a consortium VPN `["10.20.0.0/16"]`. */
    allowedNetworks: z.array(
      z.string().refine((cidr) => {
        try {
          parseNetworkRange(cidr);
          return true;
        } catch {
          return false;
        }
      }, "must be an IP address or CIDR range, e.g. 10.20.0.0/16"),
    ),
  }),
});

export type FlowPactConfig = z.infer<typeof flowPactConfigSchema>;

/** What a caller (CLI flags, tests) may override: any field, nested fields partially. */
export type FlowPactConfigOverrides = Partial<Omit<FlowPactConfig, "indexer" | "dashboard" | "outbound">> & {
  indexer?: Partial<FlowPactConfig["indexer"]>;
  dashboard?: Partial<FlowPactConfig["dashboard"]>;
  outbound?: Partial<FlowPactConfig["outbound"]>;
};

export const DEFAULT_CONFIG = {
  rpcUrl: "http://127.0.0.1:8545",
  dataDir: ".flowpact",
  deploymentsDir: "deployments",
  trustProxy: [],
  dashboard: { allowedHosts: [] },
  indexer: { confirmations: 0, finalityDepth: 64, logRange: 2_000, pollIntervalMs: 1_000 },
  outbound: { allowPrivateNetworks: false, allowedNetworks: [] as string[] },
} as const;
