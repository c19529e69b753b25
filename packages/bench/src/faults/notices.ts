import type { Database } from '@tagpulse/db';
import type { Kysely } from 'kysely';
import type { Notice } from './receivers.js';

// The notices a fault run must give for the spike, and how those received are counted against them.

/** One firing and one resolved notice on each channel: what a perfect run sends for this spike. */
export const EXPECTED_NOTICES: readonly Pick<Notice, 'channel' | 'kind'>[] = [
  { channel: 'webhook', kind: 'firing' },
  { channel: 'webhook', kind: 'resolved' },
  { channel: 'email', kind: 'firing' },
  { channel: 'email', kind: 'resolved' },
];

/** What a fault that stops capture past ALERT_STALL_MINUTES must add: the operational alert's pair. */
export const STALL_NOTICES: readonly Pick<Notice, 'channel' | 'kind'>[] = (
  ['webhook', 'email'] as const
).flatMap((channel) => ['stalled', 'recovered'].map((kind) => ({ channel, kind })));

export const resolvedOnBoth = (received: Notice[]) =>
  ['webhook', 'email'].every((c) => received.some((n) => n.channel === c && n.kind === 'resolved'));

/** One notice per channel, kind and idempotency key (retries are the same notice), in the order received. */
function distinctNotices(received: Notice[]): Notice[] {
  return [...new Map(received.map((n) => [`${n.channel}|${n.kind}|${n.key}`, n])).values()];
}

/** Distinct notices (one per idempotency key) against the expected ones. */
export function countNotices(
  received: Notice[],
  due: readonly Pick<Notice, 'channel' | 'kind'>[],
  allowed: readonly Pick<Notice, 'channel' | 'kind'>[] = [],
) {
  const distinct = distinctNotices(received);
  const per = new Map<string, number>();
  for (const n of distinct) per.set(`${n.channel}|${n.kind}`, (per.get(`${n.channel}|${n.kind}`) ?? 0) + 1);
  let missing = 0;
  let extra = 0;
  const expected = new Set(due.map((e) => `${e.channel}|${e.kind}`));
  for (const e of expected) if (!per.has(e)) missing++;
  const tolerated = new Set(allowed.map((e) => `${e.channel}|${e.kind}`));
  for (const [k, n] of per) extra += expected.has(k) || tolerated.has(k) ? n - 1 : n;
  return {
    noticesExpected: due.length,
    noticesSent: distinct.filter((n) => !tolerated.has(`${n.channel}|${n.kind}`)).length,
    noticesMissing: missing,
    noticesExtra: extra,
  };
}

/** Each distinct notice as channel:kind, in the order received. */
export function describeNotices(received: Notice[]): string {
  return (
    distinctNotices(received)
      .map((n) => `${n.channel}:${n.kind}`)
      .join(' ') || 'none'
  );
}

const hhmm = (t: Date | null) => (t ? t.toISOString().slice(11, 16) : '-');

/** The run's alert episodes as kind started/fired/resolved (x-sim time, UTC): why its notices were what they were. */
export async function describeEpisodes(db: Kysely<Database>): Promise<string> {
  const episodes = await db
    .selectFrom('alerts')
    .select(['kind', 'started_at', 'fired_at', 'resolved_at'])
    .orderBy('id')
    .execute();
  const described = episodes.map(
    (e) => `${e.kind} ${hhmm(e.started_at)}/${hhmm(e.fired_at)}/${hhmm(e.resolved_at)}`,
  );
  return described.join(', ') || 'none';
}
