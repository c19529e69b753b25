import { snowflakeAt, snowflakeTime } from '@tagpulse/core';
import { describe, expect, it } from 'vitest';
import {
  type CursorState,
  chooseAnchor,
  cursorAfterPage,
  isPaused,
  planPoll,
  SEARCH_WINDOW_MS,
  WINDOW_MARGIN_MS,
  withAnchor,
} from './poll-plan.js';

const now = new Date('2020-07-08T12:00:00Z');
const settings = { overlapMs: 120_000 };
const idle: CursorState = {
  since_id: null,
  cycle_since_id: null,
  cycle_newest_id: null,
  cycle_until_id: null,
  cycle_started_at: null,
  status: 'idle',
};
const windowStart = now.getTime() - SEARCH_WINDOW_MS + WINDOW_MARGIN_MS;
const at = (iso: string) => snowflakeAt(Date.parse(iso), 7);
const rateLimit = { remaining: 10, resetAt: new Date('2020-07-08T12:15:00Z') };

describe('planPoll', () => {
  it('backfills the whole search window on the first poll, and says where capture began', () => {
    const plan = planPoll(idle, now, settings);
    expect(plan).toMatchObject({ fresh: true, untilId: undefined });
    expect(snowflakeTime(plan.sinceId)).toBe(windowStart);
    expect(plan.gap).toMatchObject({
      startAt: new Date('2020-07-01T12:00:00Z'),
      endAt: new Date('2020-07-01T13:00:00Z'),
      cause: 'beyond_search_window',
    });
  });

  it('starts a cycle the overlap before the cursor', () => {
    const plan = planPoll({ ...idle, since_id: at('2020-07-08T11:59:00Z'), status: 'ok' }, now, settings);
    expect(new Date(snowflakeTime(plan.sinceId)).toISOString()).toBe('2020-07-08T11:57:00.000Z');
    expect(plan).toMatchObject({ floorId: at('2020-07-08T11:59:00Z'), gap: undefined });
  });

  it('goes on with the cycle in progress below the oldest id it has read', () => {
    const cycle = {
      ...idle,
      since_id: at('2020-07-08T10:00:00Z'),
      cycle_since_id: at('2020-07-08T09:58:00Z'),
      cycle_until_id: at('2020-07-08T11:00:00Z'),
    };
    expect(planPoll(cycle, now, settings)).toMatchObject({
      sinceId: cycle.cycle_since_id,
      untilId: cycle.cycle_until_id,
      fresh: false,
      gap: undefined,
    });
  });

  it('keeps a cycle going when its lower bound leaves the window, and records what left as a gap', () => {
    const lower = at('2020-07-01T12:05:00Z');
    const cycle = {
      ...idle,
      cycle_since_id: lower,
      cycle_until_id: at('2020-07-03T00:00:00Z'),
      status: 'rate_limited' as const,
    };
    const plan = planPoll(cycle, now, settings);
    expect(plan).toMatchObject({ fresh: false, untilId: cycle.cycle_until_id, cycleSinceId: lower });
    expect(new Date(snowflakeTime(plan.sinceId)).toISOString()).toBe('2020-07-01T12:10:00.000Z');
    expect(plan.gap).toMatchObject({
      startAt: new Date(snowflakeTime(lower)),
      endAt: new Date('2020-07-01T12:10:00Z'),
      cause: 'rate_limited',
    });
    // A cycle begun at the start margin has most of an hour before it comes to that.
    const begun = { ...cycle, cycle_since_id: snowflakeAt(windowStart) };
    expect(planPoll(begun, new Date(now.getTime() + 45 * 60_000), settings).gap).toBeUndefined();
  });

  it('records what left the window during an outage as a gap, with the cause the cursor was left in', () => {
    const since = at('2020-06-28T00:00:00Z');
    const plan = planPoll({ ...idle, since_id: since, status: 'usage_capped' }, now, settings);
    expect(plan.gap).toMatchObject({
      startAt: new Date(snowflakeTime(since)),
      endAt: new Date(windowStart),
      cause: 'usage_cap',
    });
    expect(snowflakeTime(plan.sinceId)).toBe(windowStart);
    expect(planPoll({ ...idle, since_id: since, status: 'ok' }, now, settings).gap?.cause).toBe(
      'worker_down',
    );
  });
});

describe('cursorAfterPage', () => {
  it('keeps the cycle open while older pages follow, remembering its newest id', () => {
    const cursor = { ...idle, since_id: at('2020-07-08T11:00:00Z') };
    const plan = planPoll(cursor, now, settings);
    const page = {
      newestId: at('2020-07-08T11:59:00Z'),
      oldestId: at('2020-07-08T11:30:00Z'),
      nextToken: 't1',
      rateLimit,
    };
    const patch = cursorAfterPage(cursor, plan, page, now, settings);
    expect(patch).toMatchObject({
      status: 'backfilling',
      cycle_since_id: plan.sinceId,
      cycle_until_id: at('2020-07-08T11:30:00Z'),
      cycle_newest_id: at('2020-07-08T11:59:00Z'),
      cycle_started_at: now,
      rate_limit_remaining: 10,
    });
    expect(patch).not.toHaveProperty('since_id');
  });

  it('moves the cursor to the cycle’s newest id when the last page is in, and keeps when the cycle began', () => {
    const began = new Date('2020-07-08T11:58:00Z');
    const cursor = {
      ...idle,
      since_id: at('2020-07-08T11:00:00Z'),
      cycle_since_id: at('2020-07-08T10:58:00Z'),
      cycle_until_id: at('2020-07-08T11:30:00Z'),
      cycle_newest_id: at('2020-07-08T11:59:00Z'),
      cycle_started_at: began,
    };
    const plan = planPoll(cursor, now, settings);
    const page = {
      newestId: at('2020-07-08T11:29:00Z'),
      oldestId: at('2020-07-08T11:01:00Z'),
      nextToken: undefined,
      rateLimit,
    };
    expect(cursorAfterPage(cursor, plan, page, now, settings)).toMatchObject({
      status: 'ok',
      since_id: at('2020-07-08T11:59:00Z'),
      cycle_until_id: null,
      cycle_since_id: null,
      cycle_started_at: began,
    });
  });

  it('never moves the cursor back, and past the window start after a gap even on an empty page', () => {
    const cursor = { ...idle, since_id: at('2020-06-28T00:00:00Z') };
    const plan = planPoll(cursor, now, settings);
    const empty = { newestId: undefined, oldestId: undefined, nextToken: undefined, rateLimit: undefined };
    const patch = cursorAfterPage(cursor, plan, empty, now, settings);
    expect(snowflakeTime(patch.since_id!)).toBe(now.getTime() - settings.overlapMs);
  });

  it('keeps a quiet hashtag’s cursor up with time, so it never slides out of the window', () => {
    const quiet = { ...idle, since_id: at('2020-07-02T00:00:00Z'), status: 'ok' as const };
    const plan = planPoll(quiet, now, settings);
    const empty = { newestId: undefined, oldestId: undefined, nextToken: undefined, rateLimit: undefined };
    const patch = cursorAfterPage(quiet, plan, empty, now, settings);
    expect(new Date(snowflakeTime(patch.since_id!)).toISOString()).toBe('2020-07-08T11:58:00.000Z');
    const next = planPoll(
      { ...quiet, since_id: patch.since_id! },
      new Date('2020-07-12T00:00:00Z'),
      settings,
    );
    expect(next.gap).toBeUndefined();
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

describe('chooseAnchor', () => {
  const billed = { postRead: 0.005, emptyRequest: 0.005 };
  const seen = (iso: string, lastSeen: string) => ({ id: at(iso), last_seen_at: new Date(lastSeen) });
  const newest = seen('2020-07-08T11:40:00Z', '2020-07-08T11:41:00Z');
  const second = seen('2020-07-08T09:00:00Z', '2020-07-08T09:01:00Z');
  const yesterday = seen('2020-07-07T23:59:00Z', '2020-07-07T23:59:40Z');

  it('anchors nothing where X bills no empty search', () => {
    expect(chooseAnchor([newest], now, { postRead: 0.005, emptyRequest: 0 })).toBeUndefined();
  });

  it('takes the oldest of the newest posts X returned today: each is free to read again', () => {
    expect(chooseAnchor([newest, second, yesterday], now, billed)).toBe(second.id);
    expect(chooseAnchor([newest, yesterday, second], now, billed)).toBe(newest.id);
  });

  it('reads a post again on a new day only when that costs no more than the empty search it saves', () => {
    expect(chooseAnchor([yesterday], now, billed)).toBe(yesterday.id);
    expect(chooseAnchor([yesterday], now, { postRead: 0.005, emptyRequest: 0.001 })).toBeUndefined();
    expect(chooseAnchor([], now, billed)).toBeUndefined();
  });
});

describe('withAnchor', () => {
  const cursor = { ...idle, since_id: at('2020-07-08T11:59:00Z'), status: 'ok' as const };

  it('lowers a new cycle to just below the anchor, and only its lower bound', () => {
    const plan = planPoll(cursor, now, settings);
    const anchor = at('2020-07-08T11:40:00Z');
    const anchored = withAnchor(plan, anchor);
    expect(BigInt(anchored.sinceId)).toBe(BigInt(anchor) - 1n);
    expect(anchored.cycleSinceId).toBe(anchored.sinceId);
    expect({ ...anchored, sinceId: plan.sinceId, cycleSinceId: plan.cycleSinceId }).toEqual(plan);
  });

  it('leaves a cycle that reads the anchor anyway, or one under way, as planned', () => {
    const plan = planPoll(cursor, now, settings);
    expect(withAnchor(plan, at('2020-07-08T11:58:30Z'))).toEqual(plan);
    expect(withAnchor(plan, undefined)).toEqual(plan);
    const going = planPoll(
      { ...cursor, cycle_since_id: plan.sinceId, cycle_until_id: at('2020-07-08T11:58:00Z') },
      now,
      settings,
    );
    expect(withAnchor(going, at('2020-07-08T11:00:00Z'))).toEqual(going);
  });
});
