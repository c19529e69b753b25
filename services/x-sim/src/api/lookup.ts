import { isDeleted, type Version } from '../world/post.js';
import { type ApiContext, FIELD_PARAMS, readFields } from './context.js';
import { ParamReader } from './params.js';
import { type Problem, tweetNotFound } from './problems.js';
import { pageJson } from './project.js';
import type { ApiResult } from './search.js';

const MAX_IDS = 100;

/**
 * `GET /2/tweets?ids=`: up to 100 posts by id, any version of an edit chain,
 * with no searchable delay. A deleted or not-yet-existing post is a partial
 * `resource-not-found` error in a 200, as on X.
 */
export function lookupTweets(ctx: ApiContext, query: URLSearchParams, now: number): ApiResult {
  const params = new ParamReader(query, ['ids', ...FIELD_PARAMS]);
  const raw = params.required('ids');
  const fields = readFields(params);
  const ids = raw === '' ? [] : raw.split(',');
  if (ids.length > MAX_IDS) {
    params.fail(
      'ids',
      raw ?? '',
      `The number of values in the \`ids\` query parameter list [${ids.length}] is not between 1 and ${MAX_IDS}`,
    );
  }
  for (const id of ids) {
    if (!/^[0-9]{1,19}$/.test(id))
      params.fail('ids', id, `The \`ids\` query parameter value [${id}] does not match ^[0-9]{1,19}$`);
  }
  params.check();
  const found: Version[] = [];
  const errors: Problem[] = [];
  for (const id of new Set(ids)) {
    const v = ctx.world.findVersion(id);
    if (v && v.createdMs <= now && !isDeleted(v.post, now)) found.push(v);
    else errors.push(tweetNotFound(id));
  }
  const page = pageJson(found, fields, now, ctx.userById);
  const members = [page.members].filter(Boolean);
  if (errors.length > 0) members.push(`"errors":${JSON.stringify(errors)}`);
  return {
    json: `{${members.join(',')}}`,
    postsRead: found.length,
    reads: { postIds: page.postIds, userIds: page.userIds },
  };
}
