import type { Kysely, Transaction } from 'kysely';
import { type RawBuilder, sql } from 'kysely';
import type { Database, SpendPurpose } from '../database.js';

type Db = Kysely<Database> | Transaction<Database>;

/** What one X request brought and what it may bill, before the day's earlier reads are known. */
export interface SpendEntry {
  /** X's time of the request; its UTC day is the billing day. */
  at: Date;
  endpoint: string;
  purpose: SpendPurpose;
  queryKey?: string | null;
  tagKeys?: string[];
  /** Every post id returned (includes too) and every user id, each once. */
  postIds: string[];
  userIds: string[];
  /** Requests billed as such (`counts/*`): 1 for those, else 0. */
  countsRequests: number;
  prices: SpendPrices;
}

/** USD per billed unit, from configuration. */
export interface SpendPrices {
  postRead: number;
  userRead: number;
  /** Per request billed as a counts request. */
  countsRequest: number;
  /** A request that returned no post and is not a counts request. */
  emptyRequest: number;
}

/**
 * The common table expressions recording one request: the day's new reads
 * (a read already billed today is free, as X bills it) and the ledger row
 * priced from them. To be placed in a `with` list, so the row commits with
 * whatever the request brought; `name` keeps two entries of one statement apart.
 */
export function spendCtes(entry: SpendEntry, name = 'spend'): RawBuilder<unknown> {
  const day = entry.at.toISOString().slice(0, 10);
  const posts = sql.ref(`${name}_posts`);
  const users = sql.ref(`${name}_users`);
  const p = entry.prices;
  const empty = entry.postIds.length === 0 && entry.countsRequests === 0 ? 1 : 0;
  // Sorted, so concurrent writers take the rows' locks in one order and never deadlock.
  const postIds = [...entry.postIds].sort();
  const userIds = [...entry.userIds].sort();
  return sql`
    ${posts} as (
      insert into x_billed_reads (day, kind, resource_id)
      select ${day}::date, 'post', id from unnest(${postIds}::text[]) as id
      on conflict do nothing returning 1),
    ${users} as (
      insert into x_billed_reads (day, kind, resource_id)
      select ${day}::date, 'user', id from unnest(${userIds}::text[]) as id
      on conflict do nothing returning 1),
    ${sql.ref(`${name}_row`)} as (
      insert into x_spend (at, endpoint, purpose, query_key, tag_keys, posts_returned, posts_billed,
        users_returned, users_billed, counts_requests, usd)
      select ${entry.at}, ${entry.endpoint}, ${entry.purpose}, ${entry.queryKey ?? null},
        ${entry.tagKeys ?? []}::text[], ${entry.postIds.length}::int4, np.n,
        ${entry.userIds.length}::int4, nu.n, ${entry.countsRequests}::int4,
        np.n * ${p.postRead}::numeric + nu.n * ${p.userRead}::numeric
          + ${entry.countsRequests}::numeric * ${p.countsRequest}::numeric + ${empty}::numeric * ${p.emptyRequest}::numeric
      from (select count(*)::int4 as n from ${posts}) np, (select count(*)::int4 as n from ${users}) nu
      returning usd)`;
}

/** Records one request on its own (or inside the caller's transaction). Returns what it billed. */
export async function recordSpend(db: Db, entry: SpendEntry): Promise<number> {
  const { rows } = await sql<{ usd: string }>`with ${spendCtes(entry)} select usd from spend_row`.execute(db);
  return Number(rows[0]?.usd ?? 0);
}

/** Read rows of days before `before` are no longer needed to bill: X's free re-read ends with the UTC day. */
export async function pruneBilledReads(db: Db, before: Date): Promise<void> {
  await db
    .deleteFrom('x_billed_reads')
    .where(sql<boolean>`day < ${before.toISOString().slice(0, 10)}::date`)
    .execute();
}

/** Spending over a span, in USD and in what was billed. */
export interface SpendTotals {
  usd: number;
  requests: number;
  postsReturned: number;
  postsBilled: number;
  usersBilled: number;
  countsRequests: number;
}

export interface SpendSummary {
  /** X's time the summary is for: the last request recorded (capture's clock), or the caller's now. */
  asOf: Date;
  dayStart: Date;
  monthStart: Date;
  monthEnd: Date;
  today: SpendTotals;
  month: SpendTotals;
  /** This month's spend plus the last 24 hours' rate (or the month's, if younger) until the month ends. */
  forecastUsd: number;
  byQuery: (SpendTotals & { queryKey: string | null; tagKeys: string[] })[];
  byPurpose: (SpendTotals & { purpose: SpendPurpose })[];
  /** Per UTC day: posts billed as recorded here, and as X counted them (null until fetched). */
  days: { day: Date; usd: number; postsBilled: number; xPosts: number | null }[];
}

const TOTALS = sql`
  coalesce(sum(usd), 0)::text as usd, count(*)::int as requests, coalesce(sum(posts_returned), 0)::int8 as posts_returned,
  coalesce(sum(posts_billed), 0)::int8 as posts_billed, coalesce(sum(users_billed), 0)::int8 as users_billed,
  coalesce(sum(counts_requests), 0)::int8 as counts_requests`;

interface TotalsRow {
  usd: string;
  requests: number;
  posts_returned: string;
  posts_billed: string;
  users_billed: string;
  counts_requests: string;
}

function totals(r: TotalsRow | undefined): SpendTotals {
  return {
    usd: Number(r?.usd ?? 0),
    requests: r?.requests ?? 0,
    postsReturned: Number(r?.posts_returned ?? 0),
    postsBilled: Number(r?.posts_billed ?? 0),
    usersBilled: Number(r?.users_billed ?? 0),
    countsRequests: Number(r?.counts_requests ?? 0),
  };
}

const DAY_MS = 86_400_000;

function utcMonthStart(t: Date, add = 0): Date {
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + add, 1));
}

/** The instant spending is reckoned at: the last request recorded, else `fallback`. */
export async function lastSpendAt(db: Db): Promise<Date | null> {
  const row = await db
    .selectFrom('x_spend')
    .select((eb) => eb.fn.max('at').as('at'))
    .executeTakeFirst();
  return row?.at ?? null;
}

/** Total spend of the UTC calendar month around `at` (the billing month), up to `at`. */
export async function monthSpend(db: Db, at: Date): Promise<number> {
  const { rows } = await sql<{ usd: string }>`
    select coalesce(sum(usd), 0)::text as usd from x_spend where at >= ${utcMonthStart(at)} and at <= ${at}`.execute(
    db,
  );
  return Number(rows[0]?.usd ?? 0);
}

/** Spending in [from, to), in all and by purpose, with X's own count of the whole days in it. */
export async function spendBetween(
  db: Db,
  { from, to }: { from: Date; to: Date },
): Promise<{
  totals: SpendTotals;
  byPurpose: (SpendTotals & { purpose: SpendPurpose })[];
  xPosts: number | null;
}> {
  const [all, byPurpose, x] = await Promise.all([
    sql<TotalsRow>`select ${TOTALS} from x_spend where at >= ${from} and at < ${to}`.execute(db),
    sql<TotalsRow & { purpose: SpendPurpose }>`
      select purpose, ${TOTALS} from x_spend where at >= ${from} and at < ${to}
      group by purpose order by sum(usd) desc, purpose`.execute(db),
    sql<{ posts: string | null }>`
      select sum(posts)::int8 as posts from x_usage_days
      where day >= ${from} at time zone 'UTC' and day + 1 <= ${to} at time zone 'UTC'`.execute(db),
  ]);
  const xPosts = x.rows[0]?.posts;
  return {
    totals: totals(all.rows[0]),
    byPurpose: byPurpose.rows.map((r) => ({ ...totals(r), purpose: r.purpose })),
    xPosts: xPosts === null || xPosts === undefined ? null : Number(xPosts),
  };
}

/** Spending today, this month, by query and purpose, the forecast, and each day beside X's own count. */
export async function spendSummary(
  db: Db,
  { asOf, days = 30 }: { asOf: Date; days?: number },
): Promise<SpendSummary> {
  const dayStart = new Date(Math.floor(asOf.getTime() / DAY_MS) * DAY_MS);
  const monthStart = utcMonthStart(asOf);
  const monthEnd = utcMonthStart(asOf, 1);
  const inMonth = sql`at >= ${monthStart} and at <= ${asOf}`;
  const [today, month, byQuery, byPurpose, recent, perDay] = await Promise.all([
    sql<TotalsRow>`select ${TOTALS} from x_spend where at >= ${dayStart} and at <= ${asOf}`.execute(db),
    sql<TotalsRow>`select ${TOTALS} from x_spend where ${inMonth}`.execute(db),
    sql<TotalsRow & { query_key: string | null; tag_keys: string[] }>`
      select query_key, tag_keys, ${TOTALS} from x_spend where ${inMonth}
      group by query_key, tag_keys order by sum(usd) desc, query_key nulls last`.execute(db),
    sql<TotalsRow & { purpose: SpendPurpose }>`
      select purpose, ${TOTALS} from x_spend where ${inMonth} group by purpose order by sum(usd) desc, purpose`.execute(
      db,
    ),
    sql<{ usd: string }>`
      select coalesce(sum(usd), 0)::text as usd from x_spend
      where at > ${new Date(Math.max(asOf.getTime() - DAY_MS, monthStart.getTime()))} and at <= ${asOf}`.execute(
      db,
    ),
    sql<{ day: Date; usd: string; posts_billed: string; x_posts: string | null }>`
      with ours as (
        select date_trunc('day', at at time zone 'UTC') as day, sum(usd) as usd, sum(posts_billed) as posts_billed
        from x_spend where at >= ${new Date(dayStart.getTime() - (days - 1) * DAY_MS)} and at <= ${asOf} group by 1)
      select coalesce(o.day, u.day::timestamp) at time zone 'UTC' as day, coalesce(o.usd, 0)::text as usd,
        coalesce(o.posts_billed, 0)::int8 as posts_billed, u.posts::int8 as x_posts
      from ours o full join x_usage_days u on u.day = o.day::date
      where coalesce(o.day, u.day::timestamp) >= ${new Date(dayStart.getTime() - (days - 1) * DAY_MS)} at time zone 'UTC'
        and coalesce(o.day, u.day::timestamp) <= ${asOf} at time zone 'UTC'
      order by 1`.execute(db),
  ]);
  const monthTotals = totals(month.rows[0]);
  const window = Math.min(DAY_MS, asOf.getTime() - monthStart.getTime());
  const rate = window > 0 ? Number(recent.rows[0]?.usd ?? 0) / window : 0;
  return {
    asOf,
    dayStart,
    monthStart,
    monthEnd,
    today: totals(today.rows[0]),
    month: monthTotals,
    forecastUsd: monthTotals.usd + rate * (monthEnd.getTime() - asOf.getTime()),
    byQuery: byQuery.rows.map((r) => ({ ...totals(r), queryKey: r.query_key, tagKeys: r.tag_keys })),
    byPurpose: byPurpose.rows.map((r) => ({ ...totals(r), purpose: r.purpose })),
    days: perDay.rows.map((r) => ({
      day: r.day,
      usd: Number(r.usd),
      postsBilled: Number(r.posts_billed),
      xPosts: r.x_posts === null ? null : Number(r.x_posts),
    })),
  };
}

/**
 * Stores X's own daily counts (`GET /2/usage/tweets`), with the request that
 * read them; a later reading of a day replaces the earlier.
 */
export async function recordXUsage(
  db: Kysely<Database>,
  days: { day: Date; posts: number }[],
  fetchedAt: Date,
  spend?: SpendEntry,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (spend) await recordSpend(trx, spend);
    await writeUsageDays(trx, days, fetchedAt);
  });
}

async function writeUsageDays(db: Db, days: { day: Date; posts: number }[], fetchedAt: Date): Promise<void> {
  if (days.length === 0) return;
  await db
    .insertInto('x_usage_days')
    .values(
      days.map((d) => ({ day: d.day.toISOString().slice(0, 10), posts: d.posts, fetched_at: fetchedAt })),
    )
    .onConflict((oc) =>
      oc.column('day').doUpdateSet((eb) => ({
        posts: eb.ref('excluded.posts'),
        fetched_at: eb.ref('excluded.fetched_at'),
      })),
    )
    .execute();
}
