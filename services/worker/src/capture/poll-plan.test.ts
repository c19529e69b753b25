import { snowflakeAt, snowflakeTime } from '@tagpulse/core';
import { describe, expect, it } from 'vitest';
import {
  type CursorState,
  cursorAfterPage,
  isPaused,
  planPoll,
  SEARCH_WINDOW_MS,
  WINDOW_MARGIN_MS,
} from './poll-plan.js';

const now = new Date('2020-07-08T12:00:00Z');
const settings = { overlapMs: 120_000 };
const idle: CursorState = {
  since_id: null,
  cycle_since_id: null,
  cycle_newest_id: null,
  next_token: null,
  cycle_started_at: null,
  status: 'idle',
};
const windowStart = now.getTime() - SEARCH_WINDOW_MS + WINDOW_MARGIN_MS;
const at = (iso: string) => snowflakeAt(Date.parse(iso), 7);

describe('planPoll', () => {
  it('backfills the whole search window on the first poll', () => {
    const plan = planPoll(idle, now, settings);
    expect(plan).toMatchObject({ fresh: true, nextToken: undefined });
    expect(snowflakeTime(plan.sinceId)).toBe(windowStart);
    // The margin left at the window's edge is said, not hidden.
    expect(plan.gap).toMatchObject({
      startAt: new Date('2020-07-01T12:00:00Z'),
      endAt: new Date('2020-07-01T13:00:00Z'),
      cause: 'beyond_search_window',
    });
  });

  it('starts a cycle the overlap before the cursor', () => {
    const plan = planPoll({ ...idle, since_id: at('2020-07-08T11:59:00Z'), status: 'ok' }, now, settings);
    expect(new Date(snowflakeTime(plan.sinceId)).toISOString()).toBe('2020-07-08T11:57:00.000Z');
    expect(plan.floorId).toBe(at('2020-07-08T11:59:00Z'));
  });

  it('goes on with the cycle in progress, with its since_id and the next token', () => {
    const cycle = {
      ...idle,
      since_id: at('2020-07-08T10:00:00Z'),
      cycle_since_id: at('2020-07-08T09:58:00Z'),
    };
    expect(planPoll({ ...cycle, next_token: 'abc' }, now, settings)).toMatchObject({
      sinceId: cycle.cycle_since_id,
      nextToken: 'abc',
      fresh: false,
    });
  });

  it('records what fell out of the window as a gap, with the cause the cursor was left in', () => {
    const since = at('2020-06-28T00:00:00Z');
    const plan = planPoll({ ...idle, since_id: since, status: 'usage_capped' }, now, settings);
    expect(plan.gap).toMatchObject({
      startAt: new Date('2020-06-28T00:00:00Z'),
      endAt: new Date(windowStart),
      cause: 'usage_cap',
    });
    expect(snowflakeTime(plan.sinceId)).toBe(windowStart);
    expect(planPoll({ ...idle, since_id: since, status: 'ok' }, now, settings).gap?.cause).toBe(
      'worker_down',
    );
  });

  it('goes on with a cycle begun at the window’s edge through a rate-limit wait', () => {
    const edge = snowflakeAt(windowStart);
    const later = new Date(now.getTime() + 30 * 60_000);
    const cursor = { ...idle, cycle_since_id: edge, next_token: 'abc', status: 'backfilling' as const };
    expect(planPoll(cursor, later, settings)).toMatchObject({
      sinceId: edge,
      nextToken: 'abc',
      fresh: false,
    });
  });

  it('abandons a cycle whose since_id fell out of the window and starts again from the cursor', () => {
    const stale = {
      ...idle,
      since_id: at('2020-06-30T00:00:00Z'),
      cycle_since_id: at('2020-06-30T00:00:00Z'),
    };
    const plan = planPoll({ ...stale, next_token: 'abc', status: 'backfilling' }, now, settings);
    expect(plan).toMatchObject({ fresh: true, nextToken: undefined });
    expect(plan.gap?.cause).toBe('worker_down');
  });
});

describe('cursorAfterPage', () => {
  const rateLimit = { remaining: 10, resetAt: new Date('2020-07-08T12:15:00Z') };

  it('keeps the cycle open while pages follow, remembering the first page’s newest id', () => {
    const plan = planPoll({ ...idle, since_id: at('2020-07-08T11:00:00Z') }, now, settings);
    const patch = cursorAfterPage(
      idle,
      plan,
      { newestId: at('2020-07-08T11:59:00Z'), nextToken: 't1', rateLimit },
      now,
    );
    expect(patch).toMatchObject({
      status: 'backfilling',
      next_token: 't1',
      cycle_since_id: plan.sinceId,
      cycle_newest_id: at('2020-07-08T11:59:00Z'),
      cycle_started_at: now,
      rate_limit_remaining: 10,
    });
    expect(patch).not.toHaveProperty('since_id');
  });

  it('moves the cursor to the cycle’s newest id when the last page is in', () => {
    const cursor = {
      ...idle,
      since_id: at('2020-07-08T11:00:00Z'),
      cycle_since_id: at('2020-07-08T10:58:00Z'),
      cycle_newest_id: at('2020-07-08T11:59:00Z'),
      next_token: 't1',
    };
    const plan = planPoll(cursor, now, settings);
    const patch = cursorAfterPage(
      cursor,
      plan,
      { newestId: at('2020-07-08T11:30:00Z'), nextToken: undefined, rateLimit },
      now,
    );
    expect(patch).toMatchObject({
      status: 'ok',
      since_id: at('2020-07-08T11:59:00Z'),
      next_token: null,
      cycle_since_id: null,
    });
  });

  it('never moves the cursor back, and past the window start after a gap even on an empty page', () => {
    const cursor = { ...idle, since_id: at('2020-06-28T00:00:00Z') };
    const plan = planPoll(cursor, now, settings);
    const patch = cursorAfterPage(
      cursor,
      plan,
      { newestId: undefined, nextToken: undefined, rateLimit: undefined },
      now,
    );
    expect(patch.since_id).toBe(plan.floorId);
    expect(snowflakeTime(patch.since_id!)).toBe(windowStart);
  });
});

describe('isPaused', () => {
  it('holds a usage-capped or auth-failed query until the probe interval passed', () => {
    const lastPoll = new Date('2020-07-08T11:30:00Z');
    expect(isPaused({ status: 'usage_capped', last_poll_at: lastPoll }, now, 3_600_000)).toBe(true);
    expect(isPaused({ status: 'auth_failed', last_poll_at: lastPoll }, now, 1_000_000)).toBe(false);
    expect(isPaused({ status: 'error', last_poll_at: lastPoll }, now, 3_600_000)).toBe(false);
  });
});
