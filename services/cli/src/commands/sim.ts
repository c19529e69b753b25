import { createLogger, createShutdown, loadSharedEnv } from '@tagpulse/runtime';
import {
  ACCESS,
  type Access,
  BUILTIN_SCENARIOS,
  DIALECTS,
  type Dialect,
  type EmptyPage,
  SEARCH_INDEXES,
  type SearchIndex,
  startSim,
  TIERS,
  type Tier,
} from '@tagpulse/x-sim';
import { Command, InvalidArgumentError, Option } from 'commander';
import { runCommand } from './run-command.js';

interface SimFlags {
  port: number;
  host: string;
  scenario: string;
  seed: number;
  speed: number;
  start?: string;
  access?: Access;
  tier?: Tier;
  credits?: number;
  spendingLimit?: number;
  billExpandedUsers?: boolean;
  billEmptySearch?: boolean;
  searchIndex: SearchIndex;
  dialect: Dialect;
  emptyPage: EmptyPage;
  faults?: string;
  token?: string;
}

/**
 * `tagpulse sim`: a local X API v2 server over a simulated world. Prints its
 * base URL (give it to X_API_BASE_URL) and stops cleanly on SIGINT/SIGTERM.
 */
export function simCommand(): Command {
  return new Command('sim')
    .description('serve the X API v2 from a simulated world (x-sim); prints its base URL')
    .option('--port <port>', 'port to listen on (0 = any free port)', number('port'), 4010)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--scenario <name|path>',
      `${BUILTIN_SCENARIOS.join(', ')} or a .yaml/.json file`,
      'virtual-ct-week-2020',
    )
    .option('--seed <n>', 'same scenario and seed, same world', number('seed'), 1)
    .option(
      '--speed <k>',
      'simulated seconds per real second (600: a week in 16.8 minutes)',
      number('speed'),
      1,
    )
    .option(
      '--start <iso|now>',
      "where the clock starts (default: the scenario's first instant; now: today, real time)",
    )
    .addOption(
      new Option('--access <level>', 'endpoints, rate limits, cap and prices (default: pay-per-use)').choices(
        Object.keys(ACCESS),
      ),
    )
    .addOption(
      new Option('--tier <tier>', 'the legacy name of --access basic|pro').choices(Object.keys(TIERS)),
    )
    .option('--credits <usd>', 'pay-per-use: prepaid credits (default: never run out)', number('credits'))
    .option('--spending-limit <usd>', 'pay-per-use: most spent per billing cycle', number('spending limit'))
    .option('--bill-expanded-users', 'pay-per-use: bill each expanded author as a User read')
    .option('--bill-empty-search', 'pay-per-use: bill a search page with no posts as one Post read')
    .addOption(
      new Option('--search-index <index>', '2026 leaves reposts out of search and counts')
        .choices([...SEARCH_INDEXES])
        .default('2026'),
    )
    .addOption(
      new Option(
        '--dialect <names>',
        'tweet: OpenAPI 2.152 names; post: 2.167 (post.fields, includes.posts…)',
      )
        .choices([...DIALECTS])
        .default('tweet'),
    )
    .addOption(
      new Option(
        '--empty-page <shape>',
        'x: {"result_count":0}; emulator: with "newest_id":"" and "oldest_id":""',
      )
        .choices(['x', 'emulator'])
        .default('x'),
    )
    .option('--faults <spec>', 'failure rates, e.g. 503=0.1,slow=0.05@2000,drop=0.01,truncate=0.01')
    .option('--token <token>', 'accept only this bearer token (default: any non-empty one)')
    .action((flags: SimFlags) =>
      runCommand(async () => {
        const env = loadSharedEnv();
        const log = createLogger({ service: 'x-sim', level: env.LOG_LEVEL });
        const sim = await startSim({
          scenario: flags.scenario,
          seed: flags.seed,
          speed: flags.speed,
          searchIndex: flags.searchIndex,
          dialect: flags.dialect,
          emptyPage: flags.emptyPage,
          ...(flags.access ? { access: flags.access } : {}),
          ...(flags.tier ? { tier: flags.tier } : {}),
          ...(flags.credits !== undefined ? { credits: flags.credits } : {}),
          ...(flags.spendingLimit !== undefined ? { spendingLimit: flags.spendingLimit } : {}),
          ...(flags.billExpandedUsers ? { billExpandedUsers: true } : {}),
          ...(flags.billEmptySearch ? { billEmptySearch: true } : {}),
          port: flags.port,
          host: flags.host,
          ...(flags.start ? { start: flags.start } : {}),
          ...(flags.faults ? { faults: flags.faults } : {}),
          ...(flags.token ? { bearerToken: flags.token } : {}),
          onError: (err) => log.error({ err }, 'x-sim failed to answer a request'),
        });
        const shutdown = createShutdown({ log, timeoutMs: env.SHUTDOWN_TIMEOUT_MS });
        shutdown.register('close x-sim', () => sim.close());
        shutdown.listen();
        log.info(
          {
            scenario: flags.scenario,
            seed: flags.seed,
            speed: flags.speed,
            now: new Date(sim.clock.now()).toISOString(),
          },
          'x-sim serving',
        );
        console.log(sim.url);
      }),
    );
}

function number(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0`);
    return n;
  };
}
