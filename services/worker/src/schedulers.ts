import { cursorsRepository, hashtagsRepository } from '@tagpulse/db';
import { removeSchedulesExcept, upsertSchedule } from '@tagpulse/queue';
import { groupQueries, inheritedSinceId } from './capture/query-groups.js';
import type { WorkerDeps } from './deps.js';

export interface ScheduleIntervals {
  pollMs: number;
  refreshMs: number;
  coverageMs: number;
  rollupMs: number;
  alertMs: number;
  deliveryMs: number;
  usageMs: number;
}

/**
 * Keeps the job schedulers in step with the tracked hashtags: one poll
 * scheduler per query, a cursor per query (a regrouped query inherits its
 * hashtags' position), and the refresh and coverage schedulers. Schedulers are
 * upserted only when the queries changed, so a fleet of workers syncing on an
 * interval does not keep rewriting them.
 */
export function createCaptureSync(deps: WorkerDeps, intervals: ScheduleIntervals) {
  let applied: string | undefined;
  let running: Promise<void> | undefined;

  async function sync(): Promise<void> {
    const { db, queues, settings } = deps;
    const tags = await hashtagsRepository.listHashtags(db, { activeOnly: true });
    const groups = groupQueries(
      tags.map((t) => ({ key: t.tag_key, display: t.display })),
      settings.queryMaxLength,
    );
    const fingerprint = JSON.stringify(groups);
    if (fingerprint === applied) return;
    const known = await cursorsRepository.listCursors(db, { includeRetired: true });
    for (const g of groups) {
      await cursorsRepository.ensureCursor(db, { ...g, sinceId: inheritedSinceId(g.tagKeys, known) });
    }
    await cursorsRepository.retireCursorsExcept(
      db,
      groups.map((g) => g.queryKey),
    );
    const ids = new Set<string>();
    for (const g of groups)
      ids.add(await upsertSchedule(queues, 'poll-query', { queryKey: g.queryKey }, intervals.pollMs));
    const removed = await removeSchedulesExcept(queues, 'capture-poll', 'poll-', ids);
    if (applied === undefined) {
      await upsertSchedule(queues, 'refresh-engagement', {}, intervals.refreshMs);
      await upsertSchedule(queues, 'measure-coverage', {}, intervals.coverageMs);
      await upsertSchedule(queues, 'fetch-x-usage', {}, intervals.usageMs);
      await upsertSchedule(queues, 'compute-rollups', {}, intervals.rollupMs);
      await upsertSchedule(queues, 'evaluate-alerts', {}, intervals.alertMs);
      await upsertSchedule(queues, 'deliver-notifications', {}, intervals.deliveryMs);
    }
    applied = fingerprint;
    deps.log.info(
      { queries: groups.map((g) => g.query), removed },
      'capture schedule in step with tracked hashtags',
    );
  }

  return {
    /** Runs a sync; calls while one runs share it. */
    run(): Promise<void> {
      running ??= sync().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
