export { captureSettings, type RunningWorker, runWorker } from './main.js';
