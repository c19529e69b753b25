import { loadApiEnv, runApi } from '@tagpulse/api';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

export function apiCommand(): Command {
  return new Command('api')
    .description('run the query API (API_HOST:API_PORT); OpenAPI at /openapi.json, docs at /docs')
    .action(() =>
      runCommand(async () => {
        const { url, log } = await runApi(loadApiEnv());
        log.info({ url }, 'api listening');
      }),
    );
}
