import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCommand } from '@tagpulse/cli/run-command';
import { Command, Option } from 'commander';
import { benchAlerts } from '../alerts.js';
import { printBench, printTable } from '../report.js';

export function benchAlertsCommand(): Command {
  return new Command('alerts')
    .description(
      "the spike detector at production defaults on NAB's 53-file development corpus: NAB score beside ARTime, leave-one-category-out, the three profiles",
    )
    .addOption(new Option('--corpus <name>', 'the corpus to score').choices(['dev']).default('dev'))
    .option('--out <dir>', 'where to write one timestamp,is_alert CSV per series (default: a temp dir)')
    .action((options: { corpus: 'dev'; out?: string }) =>
      runCommand(async () => {
        const outDir = path.resolve(
          options.out ?? (await mkdtemp(path.join(tmpdir(), 'tagpulse-bench-alerts-'))),
        );
        const { categories, sensitivities, figures } = await benchAlerts({ outDir });
        printTable(
          "bench alerts: NAB development corpus (53 files), standard profile; loco = sensitivity chosen on the other categories; numenta = NAB's HTM on the same files",
          categories,
        );
        console.log(`alerts written to ${outDir}`);
        printBench('bench alerts: NAB score by sensitivity and profile (53 files)', sensitivities, figures);
      }),
    );
}
