export { benchCommand } from './commands/bench.js';
