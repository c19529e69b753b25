import { createHash } from 'node:crypto';
import { cursorsRepository } from '@tagpulse/db';
import { removeSchedulesExcept, upsertSchedule } from '@tagpulse/queue';
import { trackedHashtags } from '@tagpulse/usecases';
import type { WorkerDeps } from '../deps.js';

/** One instance's timeline of one hashtag: a cursor and a poll scheduler. */
export interface MastodonTimeline {
  queryKey: string;
  instance: string;
  tagKey: string;
}

/** A readable, unique key for the cursor and the scheduler id (no ':', which BullMQ refuses). */
export function mastodonQueryKey(instance: string, tagKey: string): string {
  const host = new URL(instance).host.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const digest = createHash('sha256').update(`${instance}\n${tagKey}`).digest('hex').slice(0, 8);
  return `mastodon-${host}-${digest}`;
}

/** The timelines to poll: every configured instance × every tracked hashtag. */
export async function mastodonTimelines(
  deps: Pick<WorkerDeps, 'db' | 'mastodon'>,
): Promise<MastodonTimeline[]> {
  if (deps.mastodon.size === 0) return [];
  const tags = await trackedHashtags(deps.db);
  return [...deps.mastodon.keys()].flatMap((instance) =>
    tags.map((t) => ({ queryKey: mastodonQueryKey(instance, t.tag_key), instance, tagKey: t.tag_key })),
  );
}

/** Brings the Mastodon cursors and poll schedulers in step with the timelines; others are retired. */
export async function applyMastodonTimelines(
  deps: Pick<WorkerDeps, 'db' | 'queues'>,
  timelines: MastodonTimeline[],
  pollMs: number,
): Promise<void> {
  for (const t of timelines) {
    await cursorsRepository.ensureCursor(deps.db, {
      queryKey: t.queryKey,
      network: 'mastodon',
      query: `${t.instance.replace(/\/$/, '')}/api/v1/timelines/tag/${encodeURIComponent(t.tagKey)}`,
      tagKeys: [t.tagKey],
      sinceId: null,
    });
  }
  await cursorsRepository.retireCursorsExcept(
    deps.db,
    timelines.map((t) => t.queryKey),
    'mastodon',
  );
  const ids = new Set<string>();
  for (const t of timelines) ids.add(await upsertSchedule(deps.queues, 'poll-mastodon', t, pollMs));
  await removeSchedulesExcept(deps.queues, 'capture-mastodon', 'poll-mastodon-', ids);
}
