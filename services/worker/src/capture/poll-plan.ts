import { maxId, snowflakeAt, snowflakeTime } from '@tagpulse/core';
import type { CaptureCursorRow, CaptureStatus, CursorPatch, GapCause } from '@tagpulse/db';

/** X's recent search reaches seven days back. */
export const SEARCH_WINDOW_MS = 7 * 86_400_000;
/**
 * A cycle that starts at the window's edge starts this much inside it: its
 * pages share one since_id, which must stay inside the window until the last
 * page is read (X answers 400 otherwise), through rate-limit waits.
 */
export const WINDOW_MARGIN_MS = 60 * 60_000;
/** A cycle goes on while its since_id is this much inside the window, for a clock a little off from X's. */
export const CLOCK_SKEW_MS = 60_000;

export interface PollSettings {
  overlapMs: number;
}

export type CursorState = Pick<
  CaptureCursorRow,
  'since_id' | 'cycle_since_id' | 'cycle_newest_id' | 'next_token' | 'cycle_started_at' | 'status'
>;

export interface PlannedGap {
  startAt: Date;
  endAt: Date;
  cause: GapCause;
  detail: string;
}

export interface PollPlan {
  sinceId: string;
  nextToken: string | undefined;
  /** True when this request starts a new cycle (first page). */
  fresh: boolean;
  /** The lowest id the cycle covers, overlap aside: where the cursor lands at least when the cycle ends. */
  floorId: string;
  /** What the cycle cannot reach because it fell out of the search window. */
  gap: PlannedGap | undefined;
}

// Why capture stopped, read from the status the cursor was left in.
const GAP_CAUSE: Partial<Record<CaptureStatus, GapCause>> = {
  usage_capped: 'usage_cap',
  auth_failed: 'auth',
  error: 'api_error',
  rate_limited: 'rate_limited',
};

/**
 * The next search request of a query, after X's polling pattern: every page
 * of a cycle is read with the same since_id, and the cursor moves only when the
 * cycle's last page is in. A new cycle starts `overlapMs` before the cursor so
 * posts indexed late are read again (writes are upserts). What lies before the
 * 7-day window cannot be read: that becomes a gap.
 */
export function planPoll(cursor: CursorState, now: Date, { overlapMs }: PollSettings): PollPlan {
  const windowStart = now.getTime() - SEARCH_WINDOW_MS + WINDOW_MARGIN_MS;
  const windowStartId = snowflakeAt(windowStart);
  const cycleAlive =
    cursor.next_token !== null &&
    cursor.cycle_since_id !== null &&
    snowflakeTime(cursor.cycle_since_id) >= now.getTime() - SEARCH_WINDOW_MS + CLOCK_SKEW_MS;
  if (cycleAlive) {
    return {
      sinceId: cursor.cycle_since_id!,
      nextToken: cursor.next_token!,
      fresh: false,
      floorId: cursor.cycle_since_id!,
      gap: undefined,
    };
  }
  if (cursor.since_id === null) {
    // First poll of these hashtags: backfill as far as search reaches, and say where that is.
    return {
      sinceId: windowStartId,
      nextToken: undefined,
      fresh: true,
      floorId: windowStartId,
      gap: {
        startAt: new Date(now.getTime() - SEARCH_WINDOW_MS),
        endAt: new Date(windowStart),
        cause: 'beyond_search_window',
        detail: 'capture of these hashtags began here; the first hour of the 7-day window is left as margin',
      },
    };
  }
  const cursorTime = snowflakeTime(cursor.since_id);
  if (cursorTime < windowStart) {
    return {
      sinceId: windowStartId,
      nextToken: undefined,
      fresh: true,
      floorId: windowStartId,
      gap: {
        startAt: new Date(cursorTime),
        endAt: new Date(windowStart),
        cause: GAP_CAUSE[cursor.status] ?? 'worker_down',
        detail: 'no poll ran before these posts fell out of the 7-day search window',
      },
    };
  }
  const lower = Math.max(cursorTime - overlapMs, windowStart);
  return {
    sinceId: snowflakeAt(lower),
    nextToken: undefined,
    fresh: true,
    floorId: cursor.since_id,
    gap: undefined,
  };
}

export interface PageOutcome {
  newestId: string | undefined;
  nextToken: string | undefined;
  rateLimit: { remaining: number; resetAt: Date } | undefined;
}

/** The cursor after a page is stored: the cycle goes on, or ends and the cursor moves to its newest id. */
export function cursorAfterPage(
  cursor: CursorState,
  plan: PollPlan,
  page: PageOutcome,
  now: Date,
): CursorPatch {
  const newest = maxId(plan.fresh ? undefined : (cursor.cycle_newest_id ?? undefined), page.newestId);
  const common: CursorPatch = {
    last_poll_at: now,
    last_success_at: now,
    last_error: null,
    rate_limit_remaining: page.rateLimit?.remaining ?? null,
    rate_limit_reset_at: page.rateLimit?.resetAt ?? null,
  };
  if (page.nextToken !== undefined) {
    return {
      ...common,
      status: 'backfilling',
      cycle_since_id: plan.sinceId,
      cycle_newest_id: newest ?? null,
      next_token: page.nextToken,
      cycle_started_at: plan.fresh ? now : cursor.cycle_started_at,
    };
  }
  return {
    ...common,
    status: 'ok',
    since_id: maxId(maxId(cursor.since_id ?? undefined, newest), plan.floorId) ?? null,
    cycle_since_id: null,
    cycle_newest_id: null,
    next_token: null,
    cycle_started_at: null,
  };
}

/** A cursor left usage-capped or auth-failed is tried again only once per `probeMs`, not every poll. */
export function isPaused(
  cursor: Pick<CaptureCursorRow, 'status' | 'last_poll_at'>,
  now: Date,
  probeMs: number,
): boolean {
  if (cursor.status !== 'usage_capped' && cursor.status !== 'auth_failed') return false;
  return cursor.last_poll_at !== null && now.getTime() - cursor.last_poll_at.getTime() < probeMs;
}
