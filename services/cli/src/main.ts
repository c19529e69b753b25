import { Command } from 'commander';
import { benchCommand } from './bench-command.js';
import { apiCommand } from './commands/api.js';
import { apikeyCommand } from './commands/apikey.js';
import { backfillCommand } from './commands/backfill.js';
import { hashtagsCommand } from './commands/hashtags.js';
import { migrateCommand } from './commands/migrate.js';
import { reportsCommand } from './commands/reports.js';
import { servicesCommand } from './commands/services.js';
import { simCommand } from './commands/sim.js';
import { startCommand } from './commands/start.js';
import { usageCommand } from './commands/usage.js';
import { workerCommand } from './commands/worker.js';

const program = new Command('tagpulse')
  .description('tagpulse: hashtag monitoring on the X API v2')
  .showHelpAfterError()
  .addCommand(startCommand())
  .addCommand(servicesCommand())
  .addCommand(migrateCommand())
  .addCommand(simCommand())
  .addCommand(apiCommand())
  .addCommand(apikeyCommand())
  .addCommand(workerCommand())
  .addCommand(hashtagsCommand())
  .addCommand(reportsCommand())
  .addCommand(usageCommand())
  .addCommand(backfillCommand());

// Benchmarks live in @tagpulse/bench, a development dependency of the workspace root that a
// production image leaves out: loaded only when asked for.
if (process.argv[2] === 'bench') program.addCommand(await benchCommand());
else program.addHelpText('after', '\nBenchmarks (development installs): tagpulse bench --help');

await program.parseAsync();
