import { Command } from 'commander';
import { benchAlertsCommand } from './bench-alerts.js';
import { benchApiCommand } from './bench-api.js';
import { benchCostCommand } from './bench-cost.js';
import { benchFaultsCommand } from './bench-faults.js';
import { benchFreshnessCommand } from './bench-freshness.js';
import { benchIngestCommand } from './bench-ingest.js';
import { benchLoadCommand } from './bench-load.js';
import { benchScaleCommand } from './bench-scale.js';
import { benchSimCommand } from './bench-sim.js';

/**
 * `tagpulse bench NAME`: benchmarks run on demand, never in the test suite. Each
 * prints a table and ends with one line of key=value figures (see report.ts),
 * with ratios against a baseline measured in the same run.
 */
export function benchCommand(): Command {
  const bench = new Command('bench').description('run a benchmark and print its figures');
  bench.addCommand(benchSimCommand());
  bench.addCommand(benchApiCommand());
  bench.addCommand(benchIngestCommand());
  bench.addCommand(benchAlertsCommand());
  bench.addCommand(benchFreshnessCommand());
  bench.addCommand(benchLoadCommand());
  bench.addCommand(benchFaultsCommand());
  bench.addCommand(benchCostCommand());
  bench.addCommand(benchScaleCommand());
  return bench;
}
