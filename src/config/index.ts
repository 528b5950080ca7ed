export { ConfigError, type ConfigIssue } from "./errors";
export {
  CONFIG_ENV,
  CONFIG_FILE_NAME,
  DEFAULT_DEMO_DIR,
  type DemoLocation,
  findDemo,
  type LoadConfigOptions,
  loadConfig,
  redactConfig,
} from "./load";
export { redactSecrets } from "./redact";
export {
  DEFAULT_CONFIG,
  type FlowPactConfig,
  type FlowPactConfigOverrides,
  flowPactConfigSchema,
} from "./schema";
