import { sql } from 'kysely';
import type { RollupNetwork } from '../../database.js';
import { ALL_NETWORKS_ROW } from '../rollups.repository.js';

/**
 * A period of one scope: `tags` are the hashtag keys it covers (one, or every
 * tracked one for "all"), `network` one network or all of them (the default).
 */
export interface ScopeRange {
  scope: string;
  tags: string[];
  from: Date;
  to: Date;
  network?: RollupNetwork | undefined;
}

export const networkOf = (range: { network?: RollupNetwork | undefined }) =>
  range.network ?? ALL_NETWORKS_ROW;

/** `column = network`, or true for all networks. */
function inNetwork(column: string, network: RollupNetwork) {
  return network === ALL_NETWORKS_ROW ? sql`true` : sql`${sql.ref(column)} = ${network}`;
}

/** The scope's live (not deleted) posts in [from, to), each once even when it carries several of the tags. */
export function scopedPosts({ tags, from, to, network }: ScopeRange) {
  return sql`
    select p.* from posts p
    where p.deleted_at is null and p.created_at >= ${from} and p.created_at < ${to}
      and ${inNetwork('p.network', network ?? ALL_NETWORKS_ROW)}
      and exists (select 1 from post_hashtags ph where ph.post_id = p.edit_root_id
        and ph.created_at = p.created_at and ph.tag_key = any(${tags}::text[]))`;
}
