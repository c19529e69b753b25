export { captureSettings, type RunningWorker, runWorker } from './worker.js';
