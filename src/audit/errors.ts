/** Base of the auditor's errors: a short message that says what to do, and the cause. */
export class AuditError extends Error {
  override name = "AuditError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The chain's JSON-RPC endpoint failed while the history was being read. */
export class AuditRpcError extends AuditError {
  override name = "AuditRpcError";
  constructor(
    readonly rpcUrl: string,
    readonly request: string,
    cause: unknown,
  ) {
    super(
      `reading the chain at ${rpcUrl} failed (${request}): ${(cause as Error)?.message ?? String(cause)}; check --rpc and that the node keeps historical state`,
      { cause },
    );
  }
}

/** Neither a deployment file nor the five contract addresses were given. */
export class AuditConfigError extends AuditError {
  override name = "AuditConfigError";
}

/** `--attest` was asked without an AUDITOR key, or the key holds no AUDITOR role. */
export class AuditAttestationError extends AuditError {
  override name = "AuditAttestationError";
}
