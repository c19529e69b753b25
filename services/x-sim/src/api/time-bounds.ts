import { snowflakeTime } from '@tagpulse/core';
import type { ParamReader } from './params.js';

export const WINDOW_MS = 7 * 24 * 3_600_000;
/** The full archive starts with the first post, March 2006; search/all and counts/all refuse earlier start_times. */
export const ARCHIVE_START_MS = Date.parse('2006-03-21T00:00:00Z');
/** Without start_time, full-archive search and counts cover the last 30 days. */
const ARCHIVE_DEFAULT_MS = 30 * 24 * 3_600_000;

/** Which index a request reads: the last 7 days, or the whole archive. */
export type Reach = 'recent' | 'all';
/** Without end_time, X searches up to 30 seconds ago; an explicit end_time must be 10 s old. */
const DEFAULT_END_LAG_MS = 30_000;
const MIN_END_LAG_MS = 10_000;

/** The bounds of a search or count request, resolved against the sim's now. */
export interface Bounds {
  /** Inclusive lower bound on created_at (epoch ms). */
  startMs: number;
  /** Exclusive upper bound on created_at (epoch ms). */
  endMs: number;
  /** Exclusive id bounds. */
  sinceId?: bigint;
  untilId?: bigint;
}

/**
 * Reads start_time/end_time/since_id/until_id with X's rules: ID and time
 * bounds cannot be mixed, start_time and since_id must lie within the last 7
 * days (recent) or after 2006-03-21 (all), end_time must be at least 10 s old;
 * by default the window is the last 7 (recent) or 30 (all) days up to 30 s ago.
 */
export function readBounds(params: ParamReader, now: number, reach: Reach = 'recent'): Bounds {
  const start = params.time('start_time');
  const end = params.time('end_time');
  const since = params.id('since_id');
  const until = params.id('until_id');
  params.check();
  const windowStart = reach === 'recent' ? now - WINDOW_MS : ARCHIVE_START_MS;
  const defaultStart = reach === 'recent' ? windowStart : now - ARCHIVE_DEFAULT_MS;
  const raw = (name: string) => params.string(name) ?? '';
  if ((since !== undefined || until !== undefined) && (start !== undefined || end !== undefined)) {
    const parameters: Record<string, string[]> = {};
    for (const name of ['since_id', 'until_id', 'start_time', 'end_time']) {
      if (params.string(name) !== undefined) parameters[name] = [raw(name)];
    }
    params.errors.push({
      parameters,
      message: "Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or 'end_time'.",
    });
  }
  if (start !== undefined && start < windowStart) {
    params.fail(
      'start_time',
      raw('start_time'),
      `Invalid 'start_time':'${raw('start_time')}'. 'start_time' must be on or after ${minuteIso(windowStart)}`,
    );
  }
  if (end !== undefined && end > now - MIN_END_LAG_MS) {
    params.fail(
      'end_time',
      raw('end_time'),
      `Invalid 'end_time':'${raw('end_time')}'. 'end_time' must be a minimum of 10 seconds prior to the request time.`,
    );
  }
  if (start !== undefined && end !== undefined && start >= end) {
    params.fail(
      'start_time',
      raw('start_time'),
      `Invalid 'start_time':'${raw('start_time')}'. 'start_time' must be before 'end_time'.`,
    );
  }
  if (since !== undefined && snowflakeTime(since) < windowStart) {
    params.fail(
      'since_id',
      since,
      `Invalid 'since_id':'${since}'. 'since_id' must be a tweet id created after ${minuteIso(windowStart)}`,
    );
  }
  params.check();
  return {
    startMs: Math.max(start ?? defaultStart, windowStart),
    endMs: end ?? Math.floor((now - DEFAULT_END_LAG_MS) / 1000) * 1000,
    ...(since !== undefined ? { sinceId: BigInt(since) } : {}),
    ...(until !== undefined ? { untilId: BigInt(until) } : {}),
  };
}

/** X prints limits to the minute: `2021-05-25T15:40Z`. */
function minuteIso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16)}Z`;
}
