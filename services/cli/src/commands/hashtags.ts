import { parseHashtag } from '@tagpulse/core';
import { createDb, cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { createRedis, hashtagsChangedChannel } from '@tagpulse/queue';
import { loadEnv } from '@tagpulse/runtime';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

/** Opens the database, runs `body`, then tells running workers the tracked hashtags changed. */
async function withDb(
  body: (db: ReturnType<typeof createDb>) => Promise<boolean | undefined>,
): Promise<void> {
  const env = loadEnv();
  const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-hashtags' });
  let changed: boolean | undefined;
  try {
    changed = await body(db);
  } finally {
    await db.destroy();
  }
  if (!changed) return;
  // Workers also re-read the hashtags on an interval, so a Redis hiccup here only delays the change.
  const redis = createRedis(env.REDIS_URL, 'producer', () => {});
  try {
    await redis.publish(hashtagsChangedChannel(env.QUEUE_PREFIX), 'changed');
  } catch (err) {
    console.error(`tagpulse: workers will see the change at their next sync (${(err as Error).message})`);
  } finally {
    redis.disconnect();
  }
}

function parsed(input: string): { key: string; display: string } {
  const result = parseHashtag(input);
  if (!result.ok) throw new Error(`${JSON.stringify(input)}: ${result.reason}`);
  return result;
}

export function hashtagsCommand(): Command {
  const hashtags = new Command('hashtags').description(
    'manage the tracked hashtags (takes effect without a restart)',
  );
  hashtags
    .command('add')
    .argument('<hashtag...>', 'hashtags, with or without #; the spelling is kept for display')
    .description('track hashtags (again)')
    .action((inputs: string[]) =>
      runCommand(() =>
        withDb(async (db) => {
          const tags = inputs.map(parsed);
          for (const tag of tags) {
            const row = await hashtagsRepository.addHashtag(db, tag);
            console.log(`tracking #${row.display} (key ${row.tag_key})`);
          }
          return true;
        }),
      ),
    );
  hashtags
    .command('remove')
    .argument('<hashtag...>', 'hashtags, in any case or accents')
    .description('stop tracking hashtags; their posts and history stay')
    .action((inputs: string[]) =>
      runCommand(() =>
        withDb(async (db) => {
          let changed = false;
          for (const tag of inputs.map(parsed)) {
            const removed = await hashtagsRepository.deactivateHashtag(db, tag.key);
            console.log(removed ? `stopped tracking #${tag.display}` : `#${tag.display} was not tracked`);
            changed ||= removed;
          }
          return changed;
        }),
      ),
    );
  hashtags
    .command('list')
    .description('the hashtags, tracked or not, with their capture status')
    .action(() =>
      runCommand(() =>
        withDb(async (db) => {
          const cursors = await cursorsRepository.listCursors(db);
          for (const tag of await hashtagsRepository.listHashtags(db)) {
            const cursor = cursors.find((c) => c.tag_keys.includes(tag.tag_key));
            const status = tag.active ? (cursor?.status ?? 'not polled yet') : 'not tracked';
            const last = cursor?.last_success_at ? ` last poll ${cursor.last_success_at.toISOString()}` : '';
            console.log(`#${tag.display}\t${tag.tag_key}\t${status}${last}`);
          }
          return false;
        }),
      ),
    );
  return hashtags;
}
