export { type RunningWorker, runWorker } from './worker.js';
