/**
 * The FlowPact node protocol: for every message between parties, its path and the zod schema of
 * its request and answer. The route that serves a message and the client that reads it import
 * the same schema (`z.infer` gives both sides the same type).
 */
export * from "./audit-proofs";
export * from "./conversion-report";
export * from "./cosign";
export * from "./session-key";
export * from "./wire";
