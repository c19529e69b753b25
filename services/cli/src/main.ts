import { Command } from 'commander';
import { benchCommand } from './commands/bench.js';
import { migrateCommand } from './commands/migrate.js';
import { servicesCommand } from './commands/services.js';
import { startCommand } from './commands/start.js';

const program = new Command('tagpulse')
  .description('tagpulse: hashtag monitoring on the X API v2')
  .showHelpAfterError()
  .addCommand(startCommand())
  .addCommand(servicesCommand())
  .addCommand(migrateCommand())
  .addCommand(benchCommand());

await program.parseAsync();
