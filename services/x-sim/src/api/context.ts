import { Lru } from '../lru.js';
import { compileQuery, type PostMatcher } from '../query/match-query.js';
import { parseQuery, QuerySyntaxError } from '../query/parse-query.js';
import type { SimUser } from '../world/authors.js';
import type { World } from '../world/world.js';
import { EXPANSIONS, MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, TWEET_FIELDS, USER_FIELDS } from './fields.js';
import type { ParamReader } from './params.js';
import { invalidRequest } from './problems.js';
import type { FieldSelection } from './project.js';
import type { Reach } from './time-bounds.js';

/** Full-archive search and counts take queries of up to 1,024 characters (rate-limits.mdx). */
const ARCHIVE_MAX_QUERY_LENGTH = 1_024;

/** What every endpoint handler reads: the world and the per-server caches around it. */
export class ApiContext {
  private readonly queries = new Lru<string, PostMatcher>(256);
  private readonly users: Map<string, SimUser>;

  constructor(
    readonly world: World,
    /** X enforces 512 characters on recent search for self-serve tiers. */
    readonly maxQueryLength = 512,
  ) {
    this.users = new Map(world.users.map((u) => [u.id, u]));
  }

  userById = (id: string): SimUser | undefined => this.users.get(id);

  /** The `query` parameter, parsed and compiled once per distinct string. */
  matcher(params: ParamReader, reach: Reach = 'recent'): PostMatcher {
    const query = params.required('query');
    params.check();
    const maxLength = reach === 'recent' ? this.maxQueryLength : ARCHIVE_MAX_QUERY_LENGTH;
    if ([...query].length > maxLength) {
      throw invalidRequest([
        {
          parameters: { query: [query] },
          message: `There were errors processing your request: Query length must be ${maxLength} characters or less`,
        },
      ]);
    }
    let matcher = this.queries.get(query);
    if (matcher) return matcher;
    try {
      matcher = compileQuery(parseQuery(query));
    } catch (err) {
      if (!(err instanceof QuerySyntaxError)) throw err;
      throw invalidRequest([{ parameters: { query: [query] }, message: err.message }]);
    }
    this.queries.set(query, matcher);
    return matcher;
  }
}

/** The field and expansion parameters shared by search and lookup. */
export const FIELD_PARAMS = [
  'tweet.fields',
  'expansions',
  'user.fields',
  'media.fields',
  'poll.fields',
  'place.fields',
] as const;

export function readFields(params: ParamReader): FieldSelection {
  params.list('poll.fields', POLL_FIELDS);
  params.list('place.fields', PLACE_FIELDS);
  return {
    tweet: params.list('tweet.fields', TWEET_FIELDS),
    expansions: params.list('expansions', EXPANSIONS),
    user: params.list('user.fields', USER_FIELDS),
    media: params.list('media.fields', MEDIA_FIELDS),
  };
}
