import { backfillsRepository, cursorsRepository, hashtagsRepository, postsRepository } from '@tagpulse/db';
import {
  lapsedSchedules,
  nudge,
  removeSchedulesExcept,
  type Schedule,
  upsertSchedule,
  upsertSchedules,
} from '@tagpulse/queue';
import { reconcileSchedules } from '@tagpulse/reports';
import { applyMastodonTimelines, mastodonTimelines } from './capture/mastodon-sync.js';
import { groupQueries, inheritedSinceId } from './capture/query-groups.js';
import type { WorkerDeps } from './deps.js';
import { catchUpReports } from './reports/catch-up.js';

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
 * Keeps the job schedulers in step with Postgres: the report schedules', and
 * those of the tracked hashtags: one poll
 * scheduler per query, a cursor per query (a regrouped query inherits its
 * hashtags' position), and the refresh and coverage schedulers. Schedulers are
 * upserted only when the queries changed, so a fleet of workers syncing on an
 * interval does not keep rewriting them.
 */
export function createCaptureSync(deps: WorkerDeps, intervals: ScheduleIntervals) {
  let applied: string | undefined;
  let running: Promise<void> | undefined;

  /**
   * What every sync re-checks, changed or not, each step on its own: one failing (a partition's
   * lock not granted in time, Redis away) is tried again at the next sync and holds up nothing else.
   */
  async function converge(): Promise<void> {
    const { db, queues, clock, log } = deps;
    const steps: [string, () => Promise<void>][] = [
      [
        // Posts' partitions for last, this and next month (X time) exist before any page needs
        // them: created on a page's path, they deadlock with the coverage job's reads.
        'month partitions',
        async () => {
          const now = clock.now();
          await postsRepository.ensureMonthPartitions(
            db,
            [-1, 0, 1].map((m) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + m, 1))),
          );
        },
      ],
      [
        // Drift (a Redis failure after a schedule's commit) shows in nothing this process would notice.
        'report schedulers',
        async () => {
          const reports = await reconcileSchedules(db, queues);
          if (reports.applied + reports.removed > 0)
            log.info(reports, 'report schedules brought in step with Postgres');
        },
      ],
      [
        // A back-fill whose job failed for good, or was never queued, is queued again (at most once).
        'back-fills',
        async () => {
          for (const backfillId of await backfillsRepository.unfinishedBackfillIds(db)) {
            await nudge(queues, 'run-backfill', { backfillId });
          }
        },
      ],
      [
        'report catch-up',
        async () => {
          const missed = await catchUpReports(deps);
          if (missed.queued > 0) log.warn(missed, 'missed reports queued for catch-up');
          if (missed.failed > 0) log.error(missed, 'reports could not be built; recorded on their schedules');
        },
      ],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.warn({ err }, `${what} failed; tried again at the next sync`);
      }
    }
  }

  async function sync(): Promise<void> {
    const { db, queues, settings } = deps;
    await converge();
    const tags = await hashtagsRepository.listHashtags(db, { activeOnly: true });
    const groups = groupQueries(
      tags.map((t) => ({ key: t.tag_key, display: t.display })),
      settings.queryMaxLength,
    );
    const timelines = await mastodonTimelines(deps);
    const fingerprint = JSON.stringify([groups, timelines]);
    const polls = groups.map((g) => ({
      name: 'poll-query' as const,
      payload: { queryKey: g.queryKey },
      everyMs: intervals.pollMs,
    }));
    if (fingerprint === applied) {
      const schedules: Schedule[] = [
        ...polls,
        ...timelines.map((t) => ({ name: 'poll-mastodon' as const, payload: t, everyMs: intervals.pollMs })),
        ...steadySchedules(intervals),
      ];
      // Real time: BullMQ's schedulers run on it, not on X's clock.
      const { lost, untaken } = await lapsedSchedules(queues, schedules, Date.now());
      await upsertSchedules(queues, lost);
      if (lost.length > 0)
        deps.log.warn(
          { schedules: lost.map((s) => s.name) },
          'job schedulers without a next run re-created (writes lost with a Redis master?)',
        );
      if (untaken.length > 0)
        deps.log.warn(
          { schedules: untaken.map((s) => s.name) },
          'scheduled runs long overdue are waiting and no worker takes them (the worker watchdog replaces a wedged worker)',
        );
      return;
    }
    const known = await cursorsRepository.listCursors(db, { includeRetired: true });
    for (const g of groups) {
      await cursorsRepository.ensureCursor(db, { ...g, sinceId: inheritedSinceId(g.tagKeys, known) });
    }
    await cursorsRepository.retireCursorsExcept(
      db,
      groups.map((g) => g.queryKey),
    );
    const ids = new Set<string>();
    for (const p of polls) ids.add(await upsertSchedule(queues, p.name, p.payload, p.everyMs));
    const removed = await removeSchedulesExcept(queues, 'capture-poll', 'poll-', ids);
    await applyMastodonTimelines(deps, timelines, intervals.pollMs);
    if (applied === undefined) {
      await upsertSchedules(queues, steadySchedules(intervals));
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

/** The schedules every worker keeps whatever is tracked. */
function steadySchedules(intervals: ScheduleIntervals): Schedule[] {
  return [
    { name: 'refresh-engagement', payload: {}, everyMs: intervals.refreshMs },
    { name: 'measure-coverage', payload: {}, everyMs: intervals.coverageMs },
    { name: 'fetch-x-usage', payload: {}, everyMs: intervals.usageMs },
    { name: 'compute-rollups', payload: {}, everyMs: intervals.rollupMs },
    { name: 'evaluate-alerts', payload: {}, everyMs: intervals.alertMs },
    { name: 'deliver-notifications', payload: {}, everyMs: intervals.deliveryMs },
  ];
}
