export { buildApp } from './app.js';
export type { ApiDeps, QueueCounts } from './deps.js';
export { type ApiEnv, apiEnvSchema, loadApiEnv } from './env.js';
export { type RunningApi, runApi } from './main.js';
