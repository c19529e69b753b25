import { parseHashtag } from '@tagpulse/core';
import { createDb, cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { createRedis } from '@tagpulse/queue';
import { loadSharedEnv } from '@tagpulse/runtime';
import {
  type HashtagTracking,
  type TrackingChange,
  trackHashtags,
  untrackHashtags,
} from '@tagpulse/usecases';
import { Command } from 'commander';
import { runCommand } from './run-command.js';

/** Runs `body` with the database and a Redis connection (to tell running workers of a change). */
async function withTracking(body: (deps: HashtagTracking) => Promise<void>): Promise<void> {
  const env = loadSharedEnv();
  const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-hashtags' });
  const redis = createRedis(env.REDIS_URL, 'producer', () => {}, { cluster: env.REDIS_CLUSTER });
  try {
    await body({ db, redis, queuePrefix: env.QUEUE_PREFIX });
  } finally {
    redis.disconnect();
    await db.destroy();
  }
}

function warnUnannounced(change: TrackingChange<unknown>): void {
  if (change.announceError)
    console.error(
      `tagpulse: workers will see the change at their next sync (${change.announceError.message})`,
    );
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
        withTracking(async (deps) => {
          const change = await trackHashtags(deps, inputs.map(parsed));
          for (const row of change.result) console.log(`tracking #${row.display} (key ${row.tag_key})`);
          warnUnannounced(change);
        }),
      ),
    );
  hashtags
    .command('remove')
    .argument('<hashtag...>', 'hashtags, in any case or accents')
    .description('stop tracking hashtags; their posts and history stay')
    .action((inputs: string[]) =>
      runCommand(() =>
        withTracking(async (deps) => {
          const tags = inputs.map(parsed);
          const change = await untrackHashtags(
            deps,
            tags.map((t) => t.key),
          );
          for (const [i, tag] of tags.entries())
            console.log(
              change.result[i] ? `stopped tracking #${tag.display}` : `#${tag.display} was not tracked`,
            );
          warnUnannounced(change);
        }),
      ),
    );
  hashtags
    .command('list')
    .description('the hashtags, tracked or not, with their capture status')
    .action(() =>
      runCommand(() =>
        withTracking(async ({ db }) => {
          const cursors = await cursorsRepository.listCursors(db);
          for (const tag of await hashtagsRepository.listHashtags(db)) {
            const cursor = cursors.find((c) => c.tag_keys.includes(tag.tag_key));
            const status = tag.active ? (cursor?.status ?? 'not polled yet') : 'not tracked';
            const last = cursor?.last_success_at ? ` last poll ${cursor.last_success_at.toISOString()}` : '';
            console.log(`#${tag.display}\t${tag.tag_key}\t${status}${last}`);
          }
        }),
      ),
    );
  return hashtags;
}
