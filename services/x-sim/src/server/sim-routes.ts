import { GRANULARITIES, type Granularity } from '../api/buckets.js';
import type { SimClock } from '../clock.js';
import { truthCounts, truthPosts } from '../truth.js';
import type { World } from '../world/world.js';
import type { BillingLedger } from './billing.js';

export interface SimReply {
  status: number;
  body: unknown;
}

export interface TruthDeps {
  api: { world: World };
  clock: SimClock;
  billing: BillingLedger | undefined;
}

/**
 * Ground truth, under /__sim/ and never under /2/: the clock, every charge
 * billed, and for a hashtag and a time range every post that exists and its
 * counts per bucket.
 */
export function simRoute(deps: TruthDeps, method: string, url: URL, body: string): SimReply {
  const { clock } = deps;
  const { world } = deps.api;
  const path = url.pathname;
  if (path === '/__sim/clock' && method === 'GET') return { status: 200, body: clockBody(world, clock) };
  if (path === '/__sim/clock' && method === 'POST') return setClock(world, clock, body);
  if (method !== 'GET') return { status: 405, body: { error: `${method} ${path} is not allowed` } };
  if (path === '/__sim/billing') {
    return { status: 200, body: deps.billing?.report() ?? { data: [], total_usd: 0 } };
  }
  if (path !== '/__sim/truth/posts' && path !== '/__sim/truth/counts') {
    return { status: 404, body: { error: `no such route: ${path}` } };
  }
  const now = clock.now();
  const q = url.searchParams;
  const hashtag = q.get('hashtag');
  if (!hashtag) return { status: 400, body: { error: 'hashtag is required' } };
  const startMs = readTime(q.get('start_time'), world.window.start);
  const endMs = readTime(q.get('end_time'), now + 1);
  if (Number.isNaN(startMs) || Number.isNaN(endMs)) {
    return { status: 400, body: { error: 'start_time and end_time must be ISO 8601 instants' } };
  }
  const range = { hashtag, startMs, endMs, now };
  if (path === '/__sim/truth/posts') {
    const data = truthPosts(world, range);
    return {
      status: 200,
      body: { data, meta: { now: new Date(now).toISOString(), result_count: data.length } },
    };
  }
  const granularity = (q.get('granularity') ?? 'hour') as Granularity;
  if (!GRANULARITIES.includes(granularity)) {
    return { status: 400, body: { error: 'granularity must be minute, hour or day' } };
  }
  const data = truthCounts(world, range, granularity);
  const total = data.reduce((sum, b) => sum + b.post_count, 0);
  const deleted = data.reduce((sum, b) => sum + b.deleted_count, 0);
  return {
    status: 200,
    body: {
      data,
      meta: { now: new Date(now).toISOString(), total_post_count: total, total_deleted_count: deleted },
    },
  };
}

function clockBody(world: World, clock: SimClock) {
  return {
    now: new Date(clock.now()).toISOString(),
    speed: clock.speed,
    start: new Date(clock.start).toISOString(),
    scenario: world.scenario.name,
    seed: world.seed,
    window: {
      start: new Date(world.window.start).toISOString(),
      end: new Date(world.window.end).toISOString(),
    },
  };
}

/** `{"now": ISO}` jumps to an instant, `{"advance_seconds": n}` moves the clock by n simulated seconds. */
function setClock(world: World, clock: SimClock, body: string): SimReply {
  let parsed: { now?: unknown; advance_seconds?: unknown };
  try {
    parsed = JSON.parse(body || '{}');
  } catch {
    return { status: 400, body: { error: 'body must be JSON: {"now": ISO} or {"advance_seconds": n}' } };
  }
  if (typeof parsed.now === 'string' && !Number.isNaN(Date.parse(parsed.now)))
    clock.set(Date.parse(parsed.now));
  else if (typeof parsed.advance_seconds === 'number') clock.set(clock.now() + parsed.advance_seconds * 1000);
  else return { status: 400, body: { error: 'body must be {"now": ISO} or {"advance_seconds": n}' } };
  return { status: 200, body: clockBody(world, clock) };
}

function readTime(value: string | null, fallback: number): number {
  return value === null ? fallback : Date.parse(value);
}
