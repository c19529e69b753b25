import { loadWorkerEnv, runWorker } from '@tagpulse/worker';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description('run a capture worker (polling, engagement refresh, coverage); run as many as you like')
    .action(() =>
      runCommand(async () => {
        await runWorker(loadWorkerEnv());
      }),
    );
}
