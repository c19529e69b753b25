import { type ApiKeyScope, apiKeysRepository, createDb } from '@tagpulse/db';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command, Option } from 'commander';
import { runCommand } from './run-command.js';

async function withDb<T>(body: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const db = createDb({ url: loadSharedEnv().DATABASE_URL, max: 1, applicationName: 'tagpulse-apikey' });
  try {
    return await body(db);
  } finally {
    await db.destroy();
  }
}

export function apikeyCommand(): Command {
  const apikey = new Command('apikey').description('manage API keys (only a hash of each key is stored)');
  apikey
    .command('create')
    .description('create a key and print it once; it cannot be shown again')
    .addOption(
      new Option('--scope <scope>', 'read: query routes; admin: also change hashtags')
        .choices(['read', 'admin'])
        .makeOptionMandatory(),
    )
    .option('--name <name>', 'what the key is for')
    .action((options: { scope: ApiKeyScope; name?: string }) =>
      runCommand(() =>
        withDb(async (db) => {
          const { key, row } = await apiKeysRepository.createApiKey(db, {
            scope: options.scope,
            name: options.name ?? null,
          });
          console.error(`created ${row.scope} key ${row.id}; store it now, it is not shown again:`);
          console.log(key);
        }),
      ),
    );
  apikey
    .command('list')
    .description('keys by id, scope and state (never the key)')
    .action(() =>
      runCommand(() =>
        withDb(async (db) => {
          for (const k of await apiKeysRepository.listApiKeys(db)) {
            const state = k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'live';
            console.log(`${k.id}  ${k.scope.padEnd(5)}  ${state}  ${k.name ?? ''}`);
          }
        }),
      ),
    );
  apikey
    .command('revoke')
    .argument('<id>', 'the key id (the part after tp_)')
    .description('revoke a key; requests with it fail at once')
    .action((id: string) =>
      runCommand(() =>
        withDb(async (db) => {
          if (!(await apiKeysRepository.revokeApiKey(db, id))) throw new Error(`no live key ${id}`);
          console.log(`revoked ${id}`);
        }),
      ),
    );
  return apikey;
}
