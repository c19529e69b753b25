import { sql } from 'kysely';

/** A period of one scope: `tags` are the hashtag keys it covers (one, or every tracked one for "all"). */
export interface ScopeRange {
  scope: string;
  tags: string[];
  from: Date;
  to: Date;
}

/** The scope's live (not deleted) posts in [from, to), each once even when it carries several of the tags. */
export function scopedPosts({ tags, from, to }: ScopeRange) {
  return sql`
    select p.* from posts p
    where p.deleted_at is null and p.created_at >= ${from} and p.created_at < ${to}
      and exists (select 1 from post_hashtags ph where ph.post_id = p.edit_root_id
        and ph.created_at = p.created_at and ph.tag_key = any(${tags}::text[]))`;
}
