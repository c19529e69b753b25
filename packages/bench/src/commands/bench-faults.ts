import { runCommand } from '@tagpulse/cli/run-command';
import { Command } from 'commander';
import { FAULTS } from '../faults/faults.js';
import { faultTable, runFaultSuite } from '../faults/suite.js';
import { printBench } from '../report.js';

/**
 * `tagpulse bench faults`: each fault in turn during a replay of x-sim's spike
 * scenario, then stored posts against x-sim's ground truth and notices
 * received against the spike's. Exits non-zero unless every total is zero.
 */
export function benchFaultsCommand(): Command {
  return new Command('faults')
    .description('kill, restart and misbehave under a capture; count lost, doubled and missing')
    .option('--only <names>', `comma-separated subset of: ${Object.keys(FAULTS).join(', ')}`)
    .action((options: { only?: string }) =>
      runCommand(async () => {
        const names = options.only ? options.only.split(',').map((s) => s.trim()) : Object.keys(FAULTS);
        const started = Date.now();
        const results = await runFaultSuite(names, (r) =>
          console.error(
            `  ${r.fault}: lost ${r.posts.lost}, duplicated ${r.posts.duplicated}, notices ${r.noticesSent}`,
          ),
        );
        const { rows, figures } = faultTable(results);
        printBench(
          `bench faults: x-sim spike scenario at 180x, one worker, ${((Date.now() - started) / 1000).toFixed(0)} s`,
          rows,
          figures,
        );
        const bad = ['lost', 'duplicated', 'notices_missing', 'notices_extra', 'posts_extra'];
        if (bad.some((k) => figures[k] !== 0)) process.exitCode = 1;
      }),
    );
}
