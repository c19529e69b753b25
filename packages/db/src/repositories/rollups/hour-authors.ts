import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../database.js';
import { scopedPostsCtes } from './posts-in-buckets.js';

type Db = Kysely<Database>;

/**
 * Replaces the distinct-author sets of the given UTC hours, per scope, empty
 * ones included (see `rollup_hour_authors` in the migration): first numbers
 * the authors seen for the first time, then writes each set as big-endian
 * (author_no, followers) pairs ordered by number.
 */
export async function recomputeHourAuthors(
  db: Db,
  { starts, ends, tags, scopes }: { starts: Date[]; ends: Date[]; tags: string[]; scopes: string[] },
): Promise<void> {
  // Only new authors are inserted: an insert that conflicts would still spend a sequence value.
  await sql`
    with ${scopedPostsCtes({ starts, ends, tags })}
    insert into author_numbers (author_id)
    select distinct t.author_id from tagged t
    where not exists (select from author_numbers n where n.author_id = t.author_id)
    on conflict do nothing`.execute(db);
  await sql`
    with ${scopedPostsCtes({ starts, ends, tags })},
    sets as (
      select d.scope, d.bucket_start,
        string_agg(int4send(n.author_no)
          || int4send(least(coalesce(a.followers_count, 0), 2147483647)::int), ''::bytea
          order by n.author_no) as authors
      from (select distinct scope, bucket_start, author_id from scoped) d
      join author_numbers n on n.author_id = d.author_id
      left join authors a on a.id = d.author_id
      group by d.scope, d.bucket_start
    )
    insert into rollup_hour_authors (scope, bucket_start, authors, computed_at)
    select s.scope, b.bucket_start, coalesce(sets.authors, ''::bytea), statement_timestamp()
    from unnest(${starts.map((t) => t.toISOString())}::timestamptz[]) as b(bucket_start)
    cross join unnest(${scopes}::text[]) as s(scope)
    left join sets on sets.scope = s.scope and sets.bucket_start = b.bucket_start
    on conflict (scope, bucket_start) do update set authors = excluded.authors,
      computed_at = excluded.computed_at
    where rollup_hour_authors.computed_at <= excluded.computed_at`.execute(db);
}
