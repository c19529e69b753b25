import {
  ALL_NETWORKS,
  canonicalZone,
  GRAINS,
  missingMetrics,
  NETWORK_DEFINITIONS,
  NETWORK_FILTERS,
  NETWORKS,
  type Network,
  type NetworkFilter,
  parseHashtag,
  partialMetrics,
} from '@tagpulse/core';
import { hashtagsRepository } from '@tagpulse/db';
import { type Scope, scopeOf } from '@tagpulse/usecases';
import { z } from 'zod';
import type { ApiDeps } from './deps.js';
import { ApiProblem, badParam } from './problem.js';

// Oversized input is refused by the schema before any handler sees it.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const hashtagParam = z
  .string()
  .min(1)
  .max(120)
  .describe('a tracked hashtag (with or without #, any case), or `all` for all tracked hashtags together');
export const tzParam = z
  .string()
  .max(64)
  .default('UTC')
  .describe('IANA time zone of buckets and printed times');
export const instantParam = z
  .string()
  .max(40)
  .describe('ISO 8601 instant with an offset, e.g. 2020-07-06T00:00:00Z');
export const intervalParam = z.enum(GRAINS);
export const networkParam = z
  .enum(NETWORK_FILTERS)
  .default(ALL_NETWORKS)
  .describe(
    'one network (x, bluesky, mastodon) or all of them summed (all, the default). Mastodon and Bluesky count no views: impressions and the engagement rate are null there (never 0), and Mastodon has no quotes; over all networks impressions and the engagement rate are X’s (meta.partial_metrics). README "Metrics on each network" defines each metric per network',
  );

// The roll-up rows a network filter reads: one definition, in the use cases.
export { rollupNetworkOf } from '@tagpulse/usecases';

/** What a network filter's figures lack (null, never 0) and, over all networks, what counts some networks only. */
export const networkMetaSchema = z.object({
  missing_metrics: z
    .array(z.string())
    .describe('metrics the network does not publish: their values are null (absent), never 0'),
  partial_metrics: z
    .record(z.string(), z.array(z.string()))
    .describe('over all networks: metrics counted only on the networks listed (the others publish none)'),
  network_definitions: z.record(z.string(), z.string()).describe('how each network covered is read'),
});

export function networkMeta(network: NetworkFilter): z.infer<typeof networkMetaSchema> {
  const covered: readonly Network[] = network === ALL_NETWORKS ? NETWORKS : [network];
  return {
    missing_metrics: [...missingMetrics(network)],
    partial_metrics: partialMetrics(network) as Record<string, Network[]>,
    network_definitions: Object.fromEntries(covered.map((n) => [n, NETWORK_DEFINITIONS[n]])),
  };
}
export const tableFormat = z
  .enum(['json', 'csv'])
  .optional()
  .describe('json (default) or csv; or send Accept: text/csv');

const DAY_MS = 86_400_000;

/**
 * The longest period a route reads (a year and a month: a year against the
 * year before is two requests). Work grows with the span: posts, buckets,
 * distinct authors; the statement timeout stops what is still too slow.
 */
export const MAX_SPAN_DAYS = 400;

/** The query of every period-based route. */
export const periodQuery = {
  hashtag: hashtagParam,
  network: networkParam,
  from: instantParam
    .optional()
    .describe(`start, inclusive; default \`to\` less 7 days; at most ${MAX_SPAN_DAYS} days before \`to\``),
  to: instantParam.optional().describe('end, exclusive; default now'),
  tz: tzParam,
};

/** The canonical IANA name of the `tz` parameter: every spelling of a zone is the same zone. */
export function parseTz(tz: string): string {
  const canonical = canonicalZone(tz);
  if (canonical === undefined) throw badParam('tz', `unknown IANA time zone ${JSON.stringify(tz)}`);
  return canonical;
}

function parseInstant(name: string, value: string): Date {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw badParam(name, `expected an ISO 8601 instant with an offset, got ${JSON.stringify(value)}`);
  return new Date(ms);
}

/** 400 naming `from` unless [from, to) is at most `maxDays` long. */
export function checkSpan(from: Date, to: Date, maxDays: number = MAX_SPAN_DAYS): void {
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > maxDays) {
    throw badParam(
      'from',
      `the period from ${from.toISOString()} to ${to.toISOString()} is ${Math.ceil(days)} days; at most ${maxDays} days per request: narrow from/to`,
    );
  }
}

/**
 * [from, to) from the query; `to` defaults to now and `from` to a week before
 * it; at most `maxDays` long (none for a deadline, such as a silence's end).
 */
export function parseRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: Date,
  maxDays: number | null = MAX_SPAN_DAYS,
): { from: Date; to: Date } {
  const to = q.to === undefined ? now : parseInstant('to', q.to);
  const from = q.from === undefined ? new Date(to.getTime() - 7 * DAY_MS) : parseInstant('from', q.from);
  if (from >= to)
    throw badParam('from', `from (${from.toISOString()}) must be before to (${to.toISOString()})`);
  if (maxDays !== null) checkSpan(from, to, maxDays);
  return { from, to };
}

// The routes name the scope through this module, where it is parsed.
export type { Scope } from '@tagpulse/usecases';

/** The scope a `hashtag` parameter names; 404 when it is not a hashtag tagpulse tracks or tracked. */
export async function resolveScope(deps: ApiDeps, hashtag: string): Promise<Scope> {
  // The hashtags table is small (tens of rows) and kept by the cache until it changes.
  const { value: hashtags } = await deps.cache.get('hashtags', (db) => hashtagsRepository.listHashtags(db));
  const parsed = hashtag.toLowerCase() === 'all' ? undefined : parseHashtag(hashtag);
  if (parsed && !parsed.ok) throw badParam('hashtag', parsed.reason);
  const result = scopeOf(hashtags, parsed ? [parsed.key] : []);
  if (!result.ok) throw new ApiProblem(404, `hashtag #${parsed?.display} is not tracked`);
  return result.scope;
}
