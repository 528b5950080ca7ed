/** One problem found in the configuration, named by where its value came from. */
export interface ConfigIssue {
  /** The field, as the user wrote it: an environment variable, a flag or a config-file path. */
  source: string;
  message: string;
}

/** The configuration is invalid; the message lists every bad field and what to do. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly shortMessage: string;
  constructor(readonly issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.source}: ${i.message}`);
    const shortMessage = `invalid FlowPact configuration (${issues.length} problem${issues.length === 1 ? "" : "s"})`;
    super(`${shortMessage}:\n${lines.join("\n")}`);
    this.shortMessage = shortMessage;
  }
}
