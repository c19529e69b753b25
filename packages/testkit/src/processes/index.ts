export { rssMb, spawnCli, startApi, stopCli } from './cli-process.js';
export { spawnWorker, type WorkerProcess, waitFor } from './worker-process.js';
