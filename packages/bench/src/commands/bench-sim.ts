import { runCommand } from '@tagpulse/cli/run-command';
import { Command } from 'commander';
import { printBench } from '../report.js';
import { benchSim } from '../sim.js';

/** `tagpulse bench sim`: what x-sim costs per page, and pages/s and posts/s over HTTP. */
export function benchSimCommand(): Command {
  return new Command('sim')
    .description('x-sim: CPU per 100-post page with expansions, pages/s and posts/s served')
    .option('--seconds <s>', 'wall time of each HTTP load phase', '3')
    .action((flags: { seconds: string }) =>
      runCommand(async () => {
        const seconds = Number(flags.seconds);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('--seconds must be a number > 0');
        const { rows, figures } = await benchSim({ httpMs: seconds * 1000 });
        printBench('x-sim: steady scenario, frozen clock, 100-post pages with expansions', rows, figures);
      }),
    );
}
