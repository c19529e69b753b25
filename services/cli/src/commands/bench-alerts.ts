import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { benchAlerts, NAB_DIR } from '../bench/alerts.js';
import { printBench } from '../bench/report.js';
import { runCommand } from './run-command.js';

export function benchAlertsCommand(): Command {
  return new Command('alerts')
    .description('the spike detector, default settings, on NAB realTweets: NAB standard score beside ARTime')
    .option('--data <dir>', 'NAB data files (timestamp,value CSVs)', path.join(NAB_DIR, 'realTweets'))
    .option('--out <dir>', 'where to write one timestamp,is_alert CSV per series (default: a temp dir)')
    .action((options: { data: string; out?: string }) =>
      runCommand(async () => {
        const outDir = path.resolve(
          options.out ?? (await mkdtemp(path.join(tmpdir(), 'tagpulse-bench-alerts-'))),
        );
        const { rows, figures } = await benchAlerts({ dataDir: path.resolve(options.data), outDir });
        printBench('bench alerts: NAB realTweets, standard profile (--present-only)', rows, figures);
      }),
    );
}
