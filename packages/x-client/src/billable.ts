import { includedPosts } from './dialect.js';
import { isRecord } from './is-record.js';

/** The resources a response returned, as X bills them: every post (includes too) and every user, once each. */
export interface Billable {
  postIds: string[];
  userIds: string[];
}

/**
 * What X bills for a body: the ids of `data`, the referenced posts and the
 * included users, each once. Read from the body as received, so a post
 * capture rejected as malformed is still counted: X billed it all the same.
 */
export function billableIds(body: unknown): Billable {
  if (!isRecord(body)) return { postIds: [], userIds: [] };
  const includes = isRecord(body.includes) ? body.includes : {};
  return {
    postIds: ids(body.data, includedPosts(includes)),
    userIds: ids(includes.users),
  };
}

function ids(...lists: unknown[]): string[] {
  const out = new Set<string>();
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const item of list)
      if (isRecord(item) && typeof item.id === 'string' && item.id !== '') out.add(item.id);
  }
  return [...out];
}
