import { ConfigError } from '@tagpulse/runtime';
import { loadWorkerEnv } from './env.js';
import { runWorker } from './worker.js';

// The worker's own process entry (`tsx services/worker/src/main.ts`): lighter to start than the CLI,
// which loads every command. `pnpm tagpulse worker` runs the same `runWorker`.
try {
  await runWorker(loadWorkerEnv());
} catch (err) {
  console.error(`tagpulse worker: ${err instanceof ConfigError ? err.message : String(err)}`);
  process.exit(1);
}
