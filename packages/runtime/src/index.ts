export {
  apiAddressEnvShape,
  BoolEnv,
  ConfigError,
  commaListEnv,
  HttpUrlEnv,
  loadSharedEnv,
  PortEnv,
  parseEnv,
  type SharedEnv,
  sharedEnvSchema,
  sharedEnvShape,
  UsdEnv,
} from './env.js';
export {
  createLogger,
  jobLogger,
  type Logger,
  type LoggerOptions,
  REDACT_PATHS,
  redactUrls,
  urlOrigin,
} from './logger.js';
export { createShutdown, type Shutdown, type ShutdownOptions } from './shutdown.js';
