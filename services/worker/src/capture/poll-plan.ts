import { compareIds, maxId, snowflakeAt, snowflakeTime } from '@tagpulse/core';
import type { CaptureCursorRow, CaptureStatus, CursorPatch, GapCause } from '@tagpulse/db';

/** X's recent search reaches seven days back. */
export const SEARCH_WINDOW_MS = 7 * 86_400_000;
/**
 * Polls ask for nothing older than this much inside the window, so a since_id
 * never lands outside it (X answers 400) for a clock a little off from X's or
 * a request that takes its time.
 */
export const WINDOW_MARGIN_MS = 60 * 60_000;
/**
 * A cycle in progress keeps its lower bound until it is this close to the
 * window's edge: the margin above is for starting, this one for finishing.
 */
export const CYCLE_EDGE_MARGIN_MS = 10 * 60_000;
/** X's search ends 30 s before now by default (its `end_time`): a post waits at least that long to be read. */
export const SEARCH_LAG_MS = 30_000;
/** How many of a query's newest stored posts a poll may re-read as its anchor: one deleted since leaves others. */
export const ANCHOR_POSTS = 3;

export interface PollSettings {
  overlapMs: number;
}

export type CursorState = Pick<
  CaptureCursorRow,
  'since_id' | 'cycle_since_id' | 'cycle_newest_id' | 'cycle_until_id' | 'cycle_started_at' | 'status'
>;

export interface PlannedGap {
  startAt: Date;
  endAt: Date;
  cause: GapCause;
  detail: string;
}

export interface PollPlan {
  sinceId: string;
  /** The oldest id the cycle has read so far; absent on a cycle's first page. */
  untilId: string | undefined;
  /** True when this request starts a new cycle. */
  fresh: boolean;
  /** The cycle's lower bound as first planned, kept on the cursor while the cycle runs. */
  cycleSinceId: string;
  /** The lowest id the cycle covers, overlap aside: the cursor lands at least here when the cycle ends. */
  floorId: string;
  /** What the cycle cannot reach because it is (or fell) out of the search window. */
  gap: PlannedGap | undefined;
}

// Why capture fell behind, read from the status the cursor was left in.
const GAP_CAUSE: Partial<Record<CaptureStatus, GapCause>> = {
  usage_capped: 'usage_cap',
  auth_failed: 'auth',
  error: 'api_error',
  rate_limited: 'rate_limited',
  budget_paused: 'budget',
};

/**
 * The next search request of a query, after X's polling pattern: a cycle
 * reads from its since_id down to the newest post, page after page, and the
 * cursor moves only when its last page is in. A new cycle starts `overlapMs`
 * before the cursor so posts indexed late are read again (writes are
 * upserts). Nothing older than the window (less its margin) is asked for:
 * what lies there becomes a gap, with the cause the cursor was left in.
 */
export function planPoll(cursor: CursorState, now: Date, { overlapMs }: PollSettings): PollPlan {
  const windowStart = searchWindowStart(now).getTime();
  const windowStartId = snowflakeAt(windowStart);
  const cause = GAP_CAUSE[cursor.status];
  if (cursor.cycle_until_id !== null && cursor.cycle_since_id !== null) {
    // A cycle in progress goes on below the oldest id it has read. If it ran so long (rate limits)
    // that its lower bound left the window, it reads what is still there and says what is not.
    const lower = snowflakeTime(cursor.cycle_since_id);
    const edge = now.getTime() - SEARCH_WINDOW_MS + CYCLE_EDGE_MARGIN_MS;
    const clamped = lower < edge;
    const edgeId = snowflakeAt(edge);
    return {
      sinceId: clamped ? edgeId : cursor.cycle_since_id,
      untilId: cursor.cycle_until_id,
      fresh: false,
      cycleSinceId: cursor.cycle_since_id,
      floorId: clamped ? edgeId : cursor.cycle_since_id,
      gap: clamped
        ? {
            startAt: new Date(lower),
            endAt: new Date(edge),
            cause: cause ?? 'beyond_search_window',
            detail: 'the cycle fell behind until these posts left the 7-day search window',
          }
        : undefined,
    };
  }
  const fresh = (sinceId: string, floorId: string, gap?: PlannedGap): PollPlan => ({
    sinceId,
    untilId: undefined,
    fresh: true,
    cycleSinceId: sinceId,
    floorId,
    gap,
  });
  if (cursor.since_id === null) {
    // First poll of these hashtags: backfill as far as search reaches, and say where that is.
    return fresh(windowStartId, windowStartId, {
      startAt: new Date(now.getTime() - SEARCH_WINDOW_MS),
      endAt: new Date(windowStart),
      cause: 'beyond_search_window',
      detail: 'capture of these hashtags began here; the first hour of the 7-day window is left as margin',
    });
  }
  const cursorTime = snowflakeTime(cursor.since_id);
  if (cursorTime < windowStart) {
    return fresh(windowStartId, windowStartId, {
      startAt: new Date(cursorTime),
      endAt: new Date(windowStart),
      cause: cause ?? 'worker_down',
      detail: 'no poll ran before these posts left the 7-day search window',
    });
  }
  return fresh(snowflakeAt(Math.max(cursorTime - overlapMs, windowStart)), cursor.since_id);
}

/** The oldest instant a poll asks for: the 7-day window less its margin. */
export function searchWindowStart(now: Date): Date {
  return new Date(now.getTime() - SEARCH_WINDOW_MS + WINDOW_MARGIN_MS);
}

export interface AnchorCandidate {
  id: string;
  /** When X last returned the post (X time). */
  last_seen_at: Date;
}

/**
 * The stored post a new cycle reads again so that its search cannot come back
 * empty, where X bills an empty search (`emptyRequest` > 0) and never bills a
 * post twice on a UTC day. Candidates are the query's newest stored posts,
 * newest first: the anchor is the oldest of the run of them X returned today
 * (free to read again, and the posts above it too); when the newest was not
 * returned today, it is the anchor only if one post read costs no more than the
 * empty search it saves (it is then read today, and anchors free until midnight).
 */
export function chooseAnchor(
  candidates: readonly AnchorCandidate[],
  now: Date,
  prices: { postRead: number; emptyRequest: number },
): string | undefined {
  if (!(prices.emptyRequest > 0) || candidates.length === 0) return undefined;
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let anchor: string | undefined;
  for (const c of candidates) {
    if (c.last_seen_at.getTime() < dayStart) break;
    anchor = c.id;
  }
  if (anchor === undefined && prices.postRead <= prices.emptyRequest) anchor = candidates[0]!.id;
  return anchor;
}

/**
 * A new cycle lowered to read `anchorId` again (since_id is exclusive), when it
 * would not reach it. Only the lower bound moves: the cursor lands where the
 * cycle would have left it. Above the anchor lie stored posts X returned today
 * (free) and posts no poll stored yet (late-indexed ones: worth reading).
 */
export function withAnchor(plan: PollPlan, anchorId: string | undefined): PollPlan {
  if (!plan.fresh || anchorId === undefined) return plan;
  const below = (BigInt(anchorId) - 1n).toString();
  if (compareIds(below, plan.sinceId) >= 0) return plan;
  return { ...plan, sinceId: below, cycleSinceId: below };
}

export interface PageOutcome {
  newestId: string | undefined;
  oldestId: string | undefined;
  /** X's sign that older posts follow. */
  nextToken: string | undefined;
  rateLimit: { remaining: number; resetAt: Date } | undefined;
}

/** Whether the cycle goes on after this page. */
export function hasMore(page: PageOutcome): boolean {
  return page.nextToken !== undefined && page.oldestId !== undefined;
}

/**
 * The cursor after a page is stored: the cycle goes on below the page, or
 * ends and the cursor moves to the newest id read, and at least to the overlap
 * before the cycle began: anything older was searchable when the cycle began
 * (search lags by less than the overlap), so a quiet hashtag's cursor keeps up
 * with time instead of sliding out of the window.
 */
export function cursorAfterPage(
  cursor: CursorState,
  plan: PollPlan,
  page: PageOutcome,
  now: Date,
  { overlapMs }: PollSettings,
): CursorPatch {
  const newest = maxId(plan.fresh ? undefined : (cursor.cycle_newest_id ?? undefined), page.newestId);
  const startedAt = plan.fresh ? now : cursor.cycle_started_at;
  const common: CursorPatch = {
    last_poll_at: now,
    last_success_at: now,
    last_error: null,
    rate_limit_remaining: page.rateLimit?.remaining ?? null,
    rate_limit_reset_at: page.rateLimit?.resetAt ?? null,
    // Kept after the cycle ends: every post searchable at this instant is then stored.
    cycle_started_at: startedAt,
  };
  if (hasMore(page)) {
    return {
      ...common,
      status: 'backfilling',
      cycle_since_id: plan.cycleSinceId,
      cycle_until_id: page.oldestId!,
      cycle_newest_id: newest ?? null,
    };
  }
  return {
    ...common,
    status: 'ok',
    since_id:
      [
        cursor.since_id ?? undefined,
        newest,
        plan.floorId,
        snowflakeAt((startedAt ?? now).getTime() - overlapMs),
      ].reduce(maxId) ?? null,
    cycle_since_id: null,
    cycle_until_id: null,
    cycle_newest_id: null,
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
