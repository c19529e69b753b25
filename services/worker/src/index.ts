export { loadWorkerEnv, type WorkerEnv, workerEnvSchema } from './env.js';
export { type RunningWorker, runWorker } from './worker.js';
